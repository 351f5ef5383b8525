"""What a block does and says in the group chat: carried out (a common reason pressed, or a
typed one replied to the prompt), its confirmation with 解除屏蔽, and why nothing changed.

Apart from handlers/group/blocking.py (the buttons, which open prompts) so that the prompts'
replies (handlers/group/prompts.py) can carry a block out too. Nothing here shows who the
resident is: a block is named by its complaint's number.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.group import keyboards
from handlers.group.base import Desk
from handlers.group.linking import is_operator
from handlers.group.refusals import explain
from storage import blocks, triage
from storage.blocks import BlockOutcome
from storage.models import Prompt
from storage.workflow import Actor, Refusal

# The common reasons offered as buttons (catalog block.reason.<code>).
REASONS = ("abuse", "spam", "false", "ads")
# The prompt's action for a typed reason (Prompt.action; details: days).
PROMPT = "block"


def unblock_button(desk: Desk, block_id: int, number: str) -> InlineKeyboardButton:
    """解除屏蔽 of one block (its complaint's short number on the label)."""
    label = desk.text("block.button.unblock", number=keyboards.short_number(number))
    return InlineKeyboardButton(label, callback_data=keyboards.data("ubk", block_id))


def actor(desk: Desk) -> Actor:
    """Who blocks or lifts: an inspector, or an operator (ADMIN_IDS)."""
    kind = "operator" if is_operator(desk) else "inspector"
    return Actor(kind=kind, telegram_id=desk.user.id, name=desk.user.full_name)


def moment(when: datetime, timezone: str) -> str:
    """A moment on the round's clock, e.g. 2023-03-21 10:00."""
    return f"{when.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M}"


def days_label(desk: Desk, days: int) -> str:
    """7天, 30天 or 永久 (0)."""
    return desk.text("block.button.days", days=days) if days else desk.text("block.button.forever")


def duration(desk: Desk, days: int, until: datetime | None, timezone: str) -> str:
    """7天（至 2023-03-21 10:00）, or 永久."""
    if until is None or not days:
        return desk.text("block.duration.forever")
    return desk.text("block.duration.days", days=days, until=moment(until, timezone))


def block_refusal(desk: Desk, outcome: BlockOutcome) -> str:
    """Why a block or a lift changed nothing."""
    refusal = outcome.refusal
    if refusal == "already":
        return desk.text("block.already")
    if refusal == "not_blocked":
        return desk.text("block.not_blocked")
    if refusal == "no_resident":
        return desk.text("block.no_resident")
    if refusal == "empty":
        return desk.text("action.invalid.empty")
    if refusal == "too_long":
        return desk.text("action.invalid.too_long")
    if refusal == "duration":
        return desk.text("action.refused.forged")
    if refusal == "wrong_chat":
        return explain(desk, Refusal.wrong_chat)
    return explain(desk, Refusal.not_found)


async def carry_out(
    desk: Desk, complaint_id: int, days: int, reason: str, *, pressed: bool
) -> str | None:
    """Block the complaint's resident; the confirmation (with 解除屏蔽) in the chat, in place of
    the pressed choice, else as a reply (and so is what went wrong); the press's answer."""
    outcome = await blocks.block(
        session=desk.session,
        complaint_id=complaint_id,
        chat_id=desk.chat_id,
        actor=actor(desk),
        reason=reason,
        days=days,
        now=desk.now,
    )
    row = outcome.block
    if not outcome.ok or row is None or row.id is None:
        if not pressed:
            desk.reply(block_refusal(desk, outcome))
        return block_refusal(desk, outcome)
    view = await triage.card_view(session=desk.session, complaint_id=complaint_id)
    timezone = view.timezone if view is not None else "Asia/Shanghai"
    text = desk.text(
        "block.done",
        number=escape(outcome.number),
        duration=duration(desk, days, row.until, timezone),
        reason=escape(row.reason),
        who=escape(desk.user.full_name),
    )
    markup = InlineKeyboardMarkup([[unblock_button(desk, row.id, outcome.number)]])
    if pressed:
        desk.replace(text, markup)
    else:
        desk.reply(text, markup)
    return desk.text("block.answer.done")


async def typed_reason(desk: Desk, prompt: Prompt, text: str) -> None:
    """The reply to the prompt: block with the typed reason (or say what is wrong)."""
    days = int(prompt.details.get("days", -1))
    await carry_out(desk, prompt.complaint_id, days, text, pressed=False)
