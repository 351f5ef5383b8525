"""屏蔽 from a complaint's card: how long, why (a common reason, or typed), and lifting it.

The card's 🚫 屏蔽 (`cmp:blk:<id>`) asks for the duration (`cmp:bkd:<id>:<days>`, 0 for good),
then the reason: a common one (`cmp:bkr:<id>:<days>:<code>`) or typed in reply to a prompt
(`cmp:bkt:<id>:<days>`). The confirmation and /blocks carry 解除屏蔽 (`cmp:ubk:<block id>`).
Nothing here ever shows who the resident is: a block is named by its complaint's number.
"""

from __future__ import annotations

import re
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.group import keyboards, prompts
from handlers.group.base import Desk, group_handler
from handlers.group.blocked import (
    PROMPT,
    REASONS,
    actor,
    block_refusal,
    carry_out,
    days_label,
    moment,
    unblock_button,
)
from handlers.group.refusals import explain
from handlers.group.stale import stale_press
from storage import blocks, triage
from storage.blocks import BlockLine
from storage.triage import CardView
from storage.workflow import Refusal

BUTTONS = re.compile(r"^cmp:(blk|bkd|bkr|bkt|ubk):")
_ID = r"(\d{1,18})"
START = re.compile(rf"^cmp:blk:{_ID}$")
DAYS = re.compile(rf"^cmp:bkd:{_ID}:(\d{{1,2}})$")
REASON = re.compile(rf"^cmp:bkr:{_ID}:(\d{{1,2}}):([a-z]{{1,8}})$")
TYPED = re.compile(rf"^cmp:bkt:{_ID}:(\d{{1,2}})$")
UNBLOCK = re.compile(rf"^cmp:ubk:{_ID}$")
# /blocks lists at most this many (each with its button).
LIST_MAX = 20


async def _card(desk: Desk, complaint_id: int) -> tuple[str | None, CardView | None]:
    """The complaint pressed about, or why the press cannot go ahead: a stale card, an unknown
    complaint, a chat that is not its group's."""
    if (stale := await stale_press(desk, complaint_id)) is not None:
        return stale, None
    view = await triage.card_view(session=desk.session, complaint_id=complaint_id)
    if view is None:
        return explain(desk, Refusal.not_found), None
    if view.group_chat_id != desk.chat_id or not desk.is_group:
        return explain(desk, Refusal.wrong_chat), None
    return None, view


def _pressed_id(desk: Desk) -> int | None:
    """The pressed message's id, to reply to."""
    return desk.pressed.message_id if desk.pressed is not None else None


@group_handler
async def on_button(desk: Desk) -> str | None:
    """Every 屏蔽 button; anything that does not parse is forged."""
    query = desk.update.callback_query
    data = query.data if query is not None and query.data else ""
    if found := START.match(data):
        return await start(desk, int(found[1]))
    if found := DAYS.match(data):
        return await days_chosen(desk, int(found[1]), int(found[2]))
    if found := REASON.match(data):
        return await reason_chosen(desk, int(found[1]), int(found[2]), found[3])
    if found := TYPED.match(data):
        return await typed_asked(desk, int(found[1]), int(found[2]))
    if found := UNBLOCK.match(data):
        return await unblock(desk, int(found[1]))
    return desk.text("action.refused.forged")


async def start(desk: Desk, complaint_id: int) -> str | None:
    """🚫 屏蔽 on the card: how long."""
    problem, view = await _card(desk, complaint_id)
    if problem is not None or view is None:
        return problem
    choices = [
        InlineKeyboardButton(
            days_label(desk, days), callback_data=keyboards.data("bkd", complaint_id, days)
        )
        for days in blocks.DURATIONS
    ]
    cancel = [keyboards.cancel_button(desk.language, complaint_id)]
    text = desk.text("block.choose_days", number=escape(view.number))
    desk.send(text, InlineKeyboardMarkup([choices, cancel]), reply_to=_pressed_id(desk))
    return desk.text("block.answer.choose")


async def days_chosen(desk: Desk, complaint_id: int, days: int) -> str | None:
    """A duration chosen: why (a common reason, or typed)."""
    if days not in blocks.DURATIONS:
        return desk.text("action.refused.forged")
    problem, view = await _card(desk, complaint_id)
    if problem is not None or view is None:
        return problem
    reasons = [
        InlineKeyboardButton(
            desk.text(f"block.reason.{code}"),
            callback_data=keyboards.data("bkr", complaint_id, days, code),
        )
        for code in REASONS
    ]
    typed = InlineKeyboardButton(
        desk.text("block.button.typed"), callback_data=keyboards.data("bkt", complaint_id, days)
    )
    cancel = keyboards.cancel_button(desk.language, complaint_id)
    layout = [*keyboards.rows(reasons, 2), [typed], [cancel]]
    text = desk.text(
        "block.choose_reason", number=escape(view.number), duration=days_label(desk, days)
    )
    desk.replace(text, InlineKeyboardMarkup(layout))
    return desk.text("block.answer.reason")


async def reason_chosen(desk: Desk, complaint_id: int, days: int, code: str) -> str | None:
    """A common reason chosen: block now."""
    if code not in REASONS or days not in blocks.DURATIONS:
        return desk.text("action.refused.forged")
    problem, view = await _card(desk, complaint_id)
    if problem is not None or view is None:
        return problem
    reason = desk.text(f"block.reason.{code}")
    return await carry_out(desk, complaint_id, days, reason, pressed=True)


async def typed_asked(desk: Desk, complaint_id: int, days: int) -> str | None:
    """输入理由: the reason is the inspector's reply to a prompt."""
    if days not in blocks.DURATIONS:
        return desk.text("action.refused.forged")
    problem, view = await _card(desk, complaint_id)
    if problem is not None or view is None:
        return problem
    await prompts.ask_for(desk, view, PROMPT, {"days": days}, _pressed_id(desk))
    return desk.text("action.prompt_sent")


async def unblock(desk: Desk, block_id: int) -> str | None:
    """解除屏蔽, from the block's confirmation or /blocks."""
    outcome = await blocks.unblock(
        session=desk.session,
        block_id=block_id,
        chat_id=desk.chat_id,
        actor=actor(desk),
        now=desk.now,
    )
    if not outcome.ok:
        return block_refusal(desk, outcome)
    text = desk.text(
        "block.unblocked", number=escape(outcome.number), who=escape(desk.user.full_name)
    )
    desk.send(text, reply_to=_pressed_id(desk))
    return desk.text("block.answer.unblocked")


def list_line(desk: Desk, line: BlockLine, timezone: str) -> str:
    """One block of /blocks: number, until when, why, who and when."""
    until = desk.text("block.duration.forever")
    if line.until is not None:
        until = desk.text("block.list.until", until=moment(line.until, timezone))
    return desk.text(
        "block.list.line",
        number=escape(line.number),
        until=until,
        reason=escape(line.reason),
        who=escape(line.by),
        at=moment(line.at, timezone),
    )


@group_handler
async def on_blocks(desk: Desk) -> None:
    """/blocks: the blocks in force made through this group's complaints, each with 解除屏蔽."""
    role = desk.role
    if role is None:
        return
    if not desk.is_group or role.group_id is None:
        desk.reply(desk.text("group.only_group"))
        return
    found = await blocks.listing(session=desk.session, now=desk.now, group_id=role.group_id)
    if not found:
        desk.reply(desk.text("block.list.empty"))
        return
    shown = found[:LIST_MAX]
    lines = [desk.text("block.list.title", count=len(found))]
    lines.extend(list_line(desk, line, role.timezone) for line in shown)
    if len(found) > len(shown):
        lines.append(desk.text("group.list.more", count=len(found) - len(shown)))
    buttons = [unblock_button(desk, line.id, line.number) for line in shown]
    desk.reply("\n".join(lines), InlineKeyboardMarkup(keyboards.rows(buttons, 2)))
