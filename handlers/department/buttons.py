"""A department's buttons other than "done": 签收 at once; 退回 (a reason, then a typed
explanation), 申请延期 (days, then a reason), 阶段性进展, and a clue's 已受理 and 销号, each
asking the presser for a reply (handlers/department/reports.py takes it).

Every press is checked on the server: only a chat that serves a department, only the card's
own department, only while the lifecycle lets the department act (storage/lifecycle.py); the
workflow has the last word. Anything else is answered and changes nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import BaseHandler, MessageHandler, filters

from handlers.department import reports
from handlers.department.cards import (
    ACT,
    DAYS,
    DONE,
    REASON,
    days_keyboard,
    reason_name,
    reasons_keyboard,
)
from handlers.group.actions import on_pressed, pressed_id
from handlers.group.base import GROUPS, Desk, group_button, group_handler
from handlers.group.stale import stale_press
from storage import triage, workflow
from storage.models import ComplaintStatus, ExtensionState
from storage.triage import CardView
from storage.workflow import Refusal

# Every department button but "done".
DEPARTMENT_BUTTONS = re.compile(r"^dep:(?!done:)")
# The prompt each button opens.
PROMPTED = {"prg": reports.PROGRESS, "rcv": reports.RECEIVE, "cls": reports.CLOSE}
# The status a button needs (a hand-off's, or a clue's).
NEEDS = {
    "sign": (ComplaintStatus.handed_off, ComplaintStatus.transferred),
    "ret": (ComplaintStatus.handed_off,),
    "ext": (ComplaintStatus.handed_off,),
    "prg": (ComplaintStatus.handed_off,),
    "rcv": (ComplaintStatus.transferred,),
    "cls": (ComplaintStatus.transferred,),
}


def _today(view: CardView, now: datetime) -> object:
    """Today on the round's clock."""
    return now.astimezone(ZoneInfo(view.timezone)).date()


async def _view(desk: Desk, complaint_id: int, act: str) -> CardView | str:
    """The card pressed, if this chat may press `act` on it now; else the answer."""
    view = await triage.card_view(session=desk.session, complaint_id=complaint_id)
    if view is None:
        return desk.text("dept.stale")
    if view.department_chat_id != desk.chat_id:
        return desk.text("dept.not_yours")
    if view.status not in NEEDS[act]:
        return reports.refusal(desk, Refusal.moved_on, view.status)
    return view


@group_handler
async def on_button(desk: Desk) -> str | None:
    """A department card's button (`dep:<act>:<id>`), a 退回 reason or a 延期's days."""
    if not desk.serves("department"):
        return desk.text("dept.not_here")
    query = desk.update.callback_query
    data = query.data if query is not None and query.data else ""
    if found := REASON.match(data):
        return await _reason_chosen(desk, int(found[1]), found[2])
    if found := DAYS.match(data):
        return await _days_chosen(desk, int(found[1]), int(found[2]))
    found = ACT.match(data)
    if found is None:
        return desk.text("dept.button_invalid")
    act, complaint_id = found[1], int(found[2])
    if (stale := await stale_press(desk, complaint_id)) is not None:
        return stale
    view = await _view(desk, complaint_id, act)
    if isinstance(view, str):
        return view
    if act == "sign":
        return await _sign(desk, view)
    if act == "ret":
        desk.send(
            desk.text("dept.choose_reason", number=reports.escape(view.number)),
            reasons_keyboard(desk.language, complaint_id),
            reply_to=pressed_id(desk),
        )
        return desk.text("dept.choose_hint")
    if act == "ext":
        refused = _extension_refused(desk, view)
        if refused is not None:
            return refused
        desk.send(
            desk.text("dept.choose_days", number=reports.escape(view.number)),
            days_keyboard(desk.language, complaint_id),
            reply_to=pressed_id(desk),
        )
        return desk.text("dept.choose_hint")
    await reports.ask(desk, view, PROMPTED[act], {}, reply_to=pressed_id(desk))
    return desk.text("dept.prompt_sent.any")


async def _sign(desk: Desk, view: CardView) -> str:
    """签收, at once."""
    outcome = await workflow.sign(
        session=desk.session,
        complaint_id=view.complaint_id,
        department_chat_id=desk.chat_id,
        actor=reports.actor(desk),
        now=desk.now,
    )
    if outcome.ok:
        return desk.text("dept.signed", number=view.number)
    if outcome.refusal == Refusal.nothing_to_do:
        return desk.text("dept.already_signed", name=outcome.detail or "")
    return reports.refusal(desk, outcome.refusal, outcome.detail, plain=True)


def _extension_refused(desk: Desk, view: CardView) -> str | None:
    """Why no 延期 can be asked now (past the due date, one waiting), before asking for days."""
    if view.due_on is not None and _today(view, desk.now) > view.due_on:  # type: ignore[operator]
        return desk.text("dept.extension_overdue")
    if view.handoff is not None and view.handoff.extension_state == ExtensionState.pending:
        return desk.text("dept.extension_pending")
    return None


async def _reason_chosen(desk: Desk, complaint_id: int, reason: str) -> str | None:
    """A 退回 reason: ask for the explanation."""
    view = await _view(desk, complaint_id, "ret")
    if isinstance(view, str):
        return view
    name = reason_name(desk.language, reason)
    if on_pressed(desk):
        desk.replace(
            desk.text("dept.reason_chosen", number=reports.escape(view.number), reason=name)
        )
    await reports.ask(desk, view, reports.RETURN, {"reason": reason}, reply_to=None)
    return desk.text("dept.prompt_sent.any")


async def _days_chosen(desk: Desk, complaint_id: int, days: int) -> str | None:
    """A 延期's days: ask for the reason."""
    if not 0 < days <= workflow.EXTENSION_MAX_DAYS:
        return desk.text("dept.button_invalid")
    view = await _view(desk, complaint_id, "ext")
    if isinstance(view, str):
        return view
    refused = _extension_refused(desk, view)
    if refused is not None:
        return refused
    if on_pressed(desk):
        desk.replace(desk.text("dept.days_chosen", number=reports.escape(view.number), days=days))
    await reports.ask(desk, view, reports.EXTEND, {"days": days}, reply_to=None)
    return desk.text("dept.prompt_sent.any")


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The department chat's handlers, for a handler group after the group chat's own.

    Both only act in a chat that serves a department; the reply handler leaves other chats'
    replies alone, so it must not sit in the same handler group as the group chat's reply
    handler (only the first match of a group runs).
    """
    replies = GROUPS & filters.REPLY & (filters.TEXT | filters.PHOTO) & ~filters.COMMAND
    return [
        group_button(reports.on_done, DONE),
        group_button(on_button, DEPARTMENT_BUTTONS),
        MessageHandler(replies, reports.on_reply),
        # Last: any other button in a group chat (no group-chat handler's pattern takes it,
        # neither a card's nor a "done") is answered.
        group_button(on_stray_button),
    ]


@group_handler
async def on_stray_button(desk: Desk) -> str | None:
    """A button nobody here knows (an old bot's, a changed format): out of date, nothing done."""
    return desk.text("dept.button_invalid")
