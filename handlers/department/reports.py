"""A department's linked chat (责任单位): reporting a handed-off complaint done.

The card's "done" button (`dep:done:<id>`, handlers/department/cards.py): pressing it asks
the presser (a selective ForceReply that mentions them) to reply with what was done; that
reply resolves the complaint (`storage.workflow.report_done`), which refreshes the cards,
tells the group chat and asks the resident whether they are satisfied.

Everything here acts only in a chat that serves a department; in any other chat a "done"
button is refused and replies are left to others.
"""

from __future__ import annotations

from html import escape
from typing import Any

from telegram.ext import BaseHandler, MessageHandler, filters

from handlers.department.cards import DONE, status_name
from handlers.group.base import GROUPS, Desk, group_button, group_handler, group_reply
from handlers.group.prompts import is_answer, is_for, mention, prompted
from handlers.group.stale import stale_press
from storage import triage, workflow
from storage.models import ComplaintStatus
from storage.workflow import TEXT_MAX, Refusal

# Prompt.action of a department's report.
REPORT = "report"


# --- the "done" button and the report -----------------------------------------------------


def _refusal(desk: Desk, refusal: Refusal | None, detail: str | None) -> str:
    """Why a report cannot be made."""
    if refusal == Refusal.moved_on:
        if detail in (ComplaintStatus.resolved, ComplaintStatus.closed):
            return desk.text("dept.already_done")
        return desk.text("dept.moved_on", status=status_name(desk.language, detail or ""))
    if refusal == Refusal.wrong_chat:
        return desk.text("dept.not_yours")
    if refusal == Refusal.invalid and detail == "too_long":
        return desk.text("dept.too_long", max=TEXT_MAX)
    if refusal == Refusal.invalid:
        return desk.text("dept.empty")
    return desk.text("dept.stale")


async def _open_report(desk: Desk, complaint_id: int, details: dict[str, Any]) -> None:
    """Open (or reopen) the presser's question: what was done for the complaint."""
    await workflow.open_prompt(
        session=desk.session,
        chat_id=desk.chat_id,
        user_id=desk.user.id,
        complaint_id=complaint_id,
        action=REPORT,
        details=details,
        now=desk.now,
    )


@group_handler
async def on_done(desk: Desk) -> str | None:
    """The "done" button of a department card: ask the presser for what was done."""
    if not desk.serves("department"):
        return desk.text("dept.not_here")
    found = (
        DONE.match(desk.update.callback_query.data or "") if desk.update.callback_query else None
    )
    if found is None:
        return desk.text("dept.stale")
    if (stale := await stale_press(desk, int(found[1]))) is not None:
        return stale
    view = await triage.card_view(session=desk.session, complaint_id=int(found[1]))
    if view is None:
        return desk.text("dept.stale")
    if view.department_chat_id != desk.chat_id:
        return desk.text("dept.not_yours")
    if view.status != ComplaintStatus.handed_off:
        return _refusal(desk, Refusal.moved_on, view.status)
    await _open_report(desk, view.complaint_id, {"number": view.number})
    _ask(desk, view.number, reply_to=desk.pressed.message_id if desk.pressed else None)
    return desk.text("dept.prompt_sent")


def _ask(desk: Desk, number: str, *, reply_to: int | None, first: str | None = None) -> None:
    """Ask the member (mentioned) to reply with what was done for the complaint."""
    text = desk.text("dept.prompt", who=mention(desk), number=escape(number))
    markup: dict[str, Any] = {
        "force_reply": True,
        "selective": True,
        "input_field_placeholder": desk.text("dept.placeholder")[:64],
    }
    desk.send(f"{first}\n{text}" if first else text, markup, reply_to=reply_to)


@group_reply
async def on_reply(desk: Desk) -> None:
    """A reply to the bot's "what was done?" in a department chat: the report."""
    message = desk.message
    if message is None or not desk.serves("department") or not is_answer(desk):
        return
    shown = prompted(desk, {REPORT: "dept.prompt"})
    if shown is None:
        return
    prompt = await workflow.peek_prompt(
        session=desk.session, chat_id=desk.chat_id, user_id=desk.user.id
    )
    if prompt is None or prompt.expires_at <= desk.now:
        if prompt is not None and is_for(prompt, shown):
            await workflow.take_prompt(
                session=desk.session, chat_id=desk.chat_id, user_id=desk.user.id, now=desk.now
            )
        desk.reply(desk.text("dept.no_prompt"))
        return
    if prompt.action != REPORT or not is_for(prompt, shown):
        # A reply to an older question: the open one (another complaint's) stays open.
        desk.reply(desk.text("dept.prompt_replaced"))
        return
    await workflow.take_prompt(
        session=desk.session, chat_id=desk.chat_id, user_id=desk.user.id, now=desk.now
    )
    outcome = await workflow.report_done(
        session=desk.session,
        complaint_id=prompt.complaint_id,
        department_chat_id=desk.chat_id,
        note=message.text or "",
        actor=workflow.Actor("department", desk.user.id, desk.user.full_name),
        now=desk.now,
    )
    number = str(prompt.details.get("number", ""))
    if outcome.ok:
        complaint = outcome.complaint
        desk.reply(
            desk.text("dept.reported", number=escape(complaint.number if complaint else number))
        )
        return
    if outcome.refusal == Refusal.invalid:
        # Too long or empty: the question stays open, asked again.
        await _open_report(desk, prompt.complaint_id, dict(prompt.details))
        _ask(
            desk,
            number,
            reply_to=message.message_id,
            first=_refusal(desk, outcome.refusal, outcome.detail),
        )
        return
    desk.reply(_refusal(desk, outcome.refusal, outcome.detail))


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The department chat's handlers, for a handler group after the group chat's own.

    Both only act in a chat that serves a department; the reply handler leaves other chats'
    replies alone, so it must not sit in the same handler group as the group chat's reply
    handler (only the first match of a group runs).
    """
    return [
        group_button(on_done, DONE),
        MessageHandler(GROUPS & filters.REPLY & filters.TEXT & ~filters.COMMAND, on_reply),
        # Last: any other button in a group chat (no group-chat handler's pattern takes it,
        # neither a card's nor a "done") is answered.
        group_button(on_stray_button),
    ]


@group_handler
async def on_stray_button(desk: Desk) -> str | None:
    """A button nobody here knows (an old bot's, a changed format): out of date, nothing done."""
    return desk.text("dept.button_invalid")
