"""A department's linked chat (责任单位): its replies to the bot's questions.

The card's "done" button (`dep:done:<id>`, handlers/department/cards.py): pressing it asks
the presser (a selective ForceReply that mentions them) to reply with what was done; that
reply resolves the complaint (`storage.workflow.report_done`), which refreshes the cards,
tells the group chat and asks the resident whether they are satisfied. The other buttons
(handlers/department/buttons.py) ask the same way for 退回's explanation, 延期's reason, a
progress note, a clue's 已受理 or 销号 note. A report or a progress note may bring up to 5
photos first (each a reply to the question; a caption is kept as part of the text); the text
reply carries it out.

Everything here acts only in a chat that serves a department; in any other chat a "done"
button is refused and replies are left to others.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from handlers.department.cards import DONE as DONE_BUTTON
from handlers.department.cards import status_name
from handlers.group.base import Desk, group_handler, group_reply
from handlers.group.prompts import is_answer, is_for, mention, prompted
from handlers.group.stale import stale_press
from storage import triage, workflow
from storage.models import ComplaintStatus
from storage.triage import CardView
from storage.workflow import TEXT_MAX, Refusal

# Prompt.action of a department's replies, and the prompt's catalog key.
REPORT = "report"
RETURN = "return"
EXTEND = "extend"
PROGRESS = "progress"
RECEIVE = "receive"
CLOSE = "close_clue"
PROMPTS = {
    REPORT: "dept.prompt",
    RETURN: "dept.prompt.return",
    EXTEND: "dept.prompt.extend",
    PROGRESS: "dept.prompt.progress",
    RECEIVE: "dept.prompt.receive",
    CLOSE: "dept.prompt.close",
}
# The replies that may bring photos first (up to workflow.PHOTOS_MAX), then the text.
WITH_PHOTOS = (REPORT, PROGRESS)
# What the department is told once its reply was taken.
DONE = {
    REPORT: "dept.reported",
    RETURN: "dept.returned",
    EXTEND: "dept.extension_sent",
    PROGRESS: "dept.progress_sent",
    RECEIVE: "dept.clue_received",
    CLOSE: "dept.clue_closed",
}


def actor(desk: Desk) -> workflow.Actor:
    """The department's member, as the timeline records them."""
    return workflow.Actor("department", desk.user.id, desk.user.full_name)


# --- the "done" button and the report -----------------------------------------------------


def refusal(
    desk: Desk, refusal: Refusal | None, detail: str | None, *, plain: bool = False
) -> str:
    """Why a press or a reply of the department's changes nothing."""
    if refusal == Refusal.moved_on:
        if detail in (ComplaintStatus.resolved, ComplaintStatus.closed):
            return desk.text("dept.already_done")
        status = status_name(desk.language, detail or "")
        return desk.text("dept.moved_on", status=_plain(status) if plain else status)
    if refusal == Refusal.wrong_chat:
        return desk.text("dept.not_yours")
    if refusal == Refusal.not_allowed and detail == "overdue":
        return desk.text("dept.extension_overdue")
    if refusal == Refusal.nothing_to_do and detail == "pending":
        return desk.text("dept.extension_pending")
    if refusal == Refusal.nothing_to_do and detail == "received":
        return desk.text("dept.already_received")
    if refusal == Refusal.invalid and detail == "photos":
        return desk.text("dept.too_many_photos", max=workflow.PHOTOS_MAX)
    if refusal == Refusal.invalid and detail == "too_long":
        return desk.text("dept.too_long", max=TEXT_MAX)
    if refusal == Refusal.invalid:
        return desk.text("dept.empty")
    return desk.text("dept.stale")


def _plain(text: str) -> str:
    """A catalog text without its tags (a callback answer is plain text)."""
    return re.sub(r"<[^>]+>", "", text)


async def _open(desk: Desk, complaint_id: int, action: str, details: dict[str, Any]) -> None:
    """Open (or reopen) the presser's question about the complaint."""
    await workflow.open_prompt(
        session=desk.session,
        chat_id=desk.chat_id,
        user_id=desk.user.id,
        complaint_id=complaint_id,
        action=action,
        details=details,
        now=desk.now,
    )


async def ask(
    desk: Desk, view: CardView, action: str, details: dict[str, Any], *, reply_to: int | None
) -> None:
    """Ask the presser (mentioned) for the reply `action` needs, and wait for it."""
    await _open(desk, view.complaint_id, action, {**details, "number": view.number})
    _ask(desk, action, view.number, reply_to=reply_to)


@group_handler
async def on_done(desk: Desk) -> str | None:
    """The "done" button of a department card: ask the presser for what was done."""
    if not desk.serves("department"):
        return desk.text("dept.not_here")
    found = (
        DONE_BUTTON.match(desk.update.callback_query.data or "")
        if desk.update.callback_query
        else None
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
        return refusal(desk, Refusal.moved_on, view.status)
    await ask(desk, view, REPORT, {}, reply_to=desk.pressed.message_id if desk.pressed else None)
    return desk.text("dept.prompt_sent")


def _ask(
    desk: Desk, action: str, number: str, *, reply_to: int | None, first: str | None = None
) -> None:
    """Ask the member (mentioned) to reply with what `action` needs about the complaint."""
    text = desk.text(PROMPTS[action], who=mention(desk), number=escape(number))
    markup: dict[str, Any] = {
        "force_reply": True,
        "selective": True,
        "input_field_placeholder": desk.text(f"dept.placeholder.{action}")[:64],
    }
    desk.send(f"{first}\n{text}" if first else text, markup, reply_to=reply_to)


@group_reply
async def on_reply(desk: Desk) -> None:
    """A reply to one of the bot's questions in a department chat: photos are kept on the
    question (up to 5, for a report or progress), the text carries it out."""
    message = desk.message
    if message is None or not desk.serves("department") or not is_answer(desk):
        return
    shown = prompted(desk, {action: PROMPTS[action] for action in PROMPTS})
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
    if prompt.action not in PROMPTS or not is_for(prompt, shown):
        # A reply to an older question: the open one (another complaint's) stays open.
        desk.reply(desk.text("dept.prompt_replaced"))
        return
    details = dict(prompt.details)
    if message.photo:
        await _photo(desk, prompt.complaint_id, prompt.action, details)
        return
    await workflow.take_prompt(
        session=desk.session, chat_id=desk.chat_id, user_id=desk.user.id, now=desk.now
    )
    captions = [str(c) for c in details.get("captions", [])]
    text = "\n".join([*captions, message.text or ""]) if captions else message.text or ""
    outcome = await _carry_out(desk, prompt.complaint_id, prompt.action, details, text)
    number = str(details.get("number", ""))
    if outcome.ok:
        complaint = outcome.complaint
        shown_number = escape(complaint.number if complaint else number)
        days = details.get("days", 0)
        desk.reply(desk.text(DONE[prompt.action], number=shown_number, days=days))
        return
    if outcome.refusal == Refusal.invalid and outcome.detail != "photos":
        # Too long or empty: the question stays open, asked again.
        await _open(desk, prompt.complaint_id, prompt.action, details)
        first = refusal(desk, outcome.refusal, outcome.detail)
        if prompt.action in (RECEIVE, CLOSE) and outcome.detail == "too_long":
            first = desk.text("dept.too_long", max=workflow.CLUE_NOTE_MAX)
        _ask(desk, prompt.action, number, reply_to=message.message_id, first=first)
        return
    desk.reply(refusal(desk, outcome.refusal, outcome.detail))


async def _photo(desk: Desk, complaint_id: int, action: str, details: dict[str, Any]) -> None:
    """A photo in reply: kept on the question (its caption too) until the text comes."""
    message = desk.message
    assert message is not None and message.photo
    if action not in WITH_PHOTOS:
        desk.reply(desk.text("dept.no_photo"))
        return
    photos = [str(p) for p in details.get("photos", [])]
    if len(photos) >= workflow.PHOTOS_MAX:
        desk.reply(desk.text("dept.too_many_photos", max=workflow.PHOTOS_MAX))
        return
    photos.append(message.photo[-1].file_id)
    captions = [str(c) for c in details.get("captions", [])]
    if message.caption and message.caption.strip():
        captions.append(message.caption.strip())
    await _open(desk, complaint_id, action, {**details, "photos": photos, "captions": captions})
    desk.reply(desk.text("dept.photo_received", count=len(photos), max=workflow.PHOTOS_MAX))


async def _carry_out(
    desk: Desk, complaint_id: int, action: str, details: dict[str, Any], text: str
) -> workflow.Outcome:
    """The workflow call the question was for."""
    common: dict[str, Any] = {
        "session": desk.session,
        "complaint_id": complaint_id,
        "department_chat_id": desk.chat_id,
        "actor": actor(desk),
        "now": desk.now,
    }
    photos = [str(p) for p in details.get("photos", [])]
    if action == RETURN:
        return await workflow.send_back(reason=str(details.get("reason", "")), note=text, **common)
    if action == EXTEND:
        days = int(details.get("days", 0))
        return await workflow.request_extension(days=days, reason=text, **common)
    if action == PROGRESS:
        return await workflow.post_progress(note=text, photo_file_ids=photos, **common)
    if action == RECEIVE:
        return await workflow.receive_clue(note=text, **common)
    if action == CLOSE:
        return await workflow.close_clue(note=text, **common)
    return await workflow.report_done(note=text, photo_file_ids=photos, **common)
