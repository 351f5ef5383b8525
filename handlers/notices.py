"""Scheduled messages (outbox rows of kind "notice"), worded in the chat's language.

storage/schedule decides what is due and puts the numbers into the row's payload
(`{"notice": kind, ...}`, a `storage.notices.NoticeKind`); this module says it, when the row
is sent: one renderer per kind (`RENDERERS`), in the catalog keys `notice.<kind>` and
`notice.<kind>.*`. Kinds: due (a reminder about one complaint, to the group chat as a reply to
its card, or to the department's chat without the resident's identity), digest, weekly, final,
round_open, round_warn (group and office chats; their texts, worded from the payload alone,
are in handlers/notice_texts.py), survey_reminder (the resident, with the survey's buttons
again), and handed_elsewhere (a department's chat, under its card, when the hand-off went to
another), sign_reminder (催签: a dispatch not signed for in time, under the card in the
department's chat and in the group chat), chat_lost and chat_back (the office's chat: the bot
was removed from a group's or department's chat, and is back; storage/lost_chats.py), and
escalation (督办通报, the office's chat; handlers/ladder_texts.py).

Nothing is sent to a chat that no longer serves the group, department or office the notice is
for, and a reminder about a complaint that has moved on since (resolved, closed, rated, a new
due date) is not sent at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import calls
from handlers.calls import Call
from handlers.group import cards
from handlers.hotspot_texts import hotspot_text
from handlers.i18n import DEFAULT_LANGUAGE, language_for, t
from handlers.ladder_texts import escalation_text
from handlers.notice_texts import (
    digest_text,
    opening_text,
    report_text,
    text_fields,
    warning_text,
)
from handlers.resident import updates
from storage import links, triage
from storage.models import ComplaintStatus, Resident
from storage.notices import NoticeKind

# Which kind of chat each notice is for ("audience": a payload field says).
AUDIENCE = {
    NoticeKind.escalation: "office",
    NoticeKind.handed_elsewhere: "department",
    NoticeKind.digest: "group",
    NoticeKind.round_open: "group",
    NoticeKind.round_warn: "group",
    NoticeKind.survey_reminder: "resident",
}
# What says one kind of notice: the calls that deliver it (empty: nothing to send any more).
Renderer = Callable[["Notice"], Awaitable[list[Call]]]


@dataclass
class Notice:
    """One notice being rendered: for this chat, in this language, to this audience."""

    session: AsyncSession
    chat_id: int
    payload: dict[str, Any]
    language: str
    audience: str


async def render(*, session: AsyncSession, chat_id: int, payload: dict[str, Any]) -> list[Call]:
    """The calls that deliver one notice (empty: nothing to send any more)."""
    kind = _kind(payload)
    audience = (kind and AUDIENCE.get(kind)) or str(payload.get("audience", "group"))
    if audience == "resident":
        language = await _resident_language(session, chat_id)
        if kind == NoticeKind.survey_reminder:
            return await _survey_reminder(Notice(session, chat_id, payload, language, audience))
        return []
    role = await links.chat_role(session=session, chat_id=chat_id)
    if role is None or role.kind != audience:
        return []
    group_id = payload.get("group_id")
    if audience == "group" and group_id is not None and role.group_id != group_id:
        return []
    department_id = payload.get("department_id")
    if audience == "department" and department_id not in (None, role.department_id):
        return []
    if audience == "office" and role.round_id != payload.get("round_id"):
        return []
    if kind is None:
        raise ValueError(f"unknown notice kind {str(payload.get('notice', ''))!r}")
    language = language_for(role.language, DEFAULT_LANGUAGE)
    return await RENDERERS[kind](Notice(session, chat_id, payload, language, audience))


def _kind(payload: dict[str, Any]) -> NoticeKind | None:
    """The payload's kind of notice (None: none this code knows)."""
    try:
        return NoticeKind(str(payload.get("notice", "")))
    except ValueError:
        return None


async def _resident_language(session: AsyncSession, telegram_id: int) -> str:
    """A resident's language (the default for someone unknown)."""
    statement = select(Resident).where(Resident.telegram_id == telegram_id)
    resident = (await session.exec(statement)).first()
    return resident.language if resident is not None else DEFAULT_LANGUAGE


# --- reminders about one complaint ------------------------------------------------------------


async def _due(notice: Notice) -> list[Call]:
    """督办: due tomorrow, or overdue by N days; not sent once the complaint has moved on."""
    chat_id, payload, language = notice.chat_id, notice.payload, notice.language
    view = await triage.card_view(
        session=notice.session, complaint_id=int(payload["complaint_id"])
    )
    if view is None or view.status not in triage.DUE or view.due_on is None:
        return []
    if view.due_on.isoformat() != payload.get("due_on"):
        return []
    days = int(payload.get("days", 0))
    values = {
        "number": escape(view.number),
        "village": escape(view.village),
        "category": cards.category_name(language, view),
        "date": cards.day(view.due_on),
        "days": days,
    }
    if notice.audience == "department":
        if view.status != ComplaintStatus.handed_off or view.department_chat_id != chat_id:
            return []
        key = "notice.due.dept_tomorrow" if days < 0 else "notice.due.dept_overdue"
        text = t(language, key, **values)
        return [calls.message(text, reply_to=view.department_card_message_id, chat_id=chat_id)]
    if view.group_chat_id != chat_id:
        return []
    if view.status == ComplaintStatus.immediate:
        handling = t(language, "notice.handling.immediate")
    else:
        handling = t(
            language,
            "notice.handling.handed_off",
            department=escape(view.department_name or ""),
        )
    key = "notice.due.tomorrow" if days < 0 else "notice.due.overdue"
    text = t(language, key, handling=handling, **values)
    return [calls.message(text, reply_to=view.group_card_message_id, chat_id=chat_id)]


async def _handed_elsewhere(notice: Notice) -> list[Call]:
    """To a department whose hand-off went to another: under its card, nothing more to do."""
    chat_id, payload = notice.chat_id, notice.payload
    text = t(
        notice.language,
        "notice.handed_elsewhere",
        department=escape(str(payload.get("department") or "—")),
        **text_fields(payload, "number"),
    )
    reply_to = payload.get("reply_to")
    return [
        calls.message(
            text, reply_to=int(reply_to) if reply_to is not None else None, chat_id=chat_id
        )
    ]


async def _survey_reminder(notice: Notice) -> list[Call]:
    """The survey again, to a resident who has not answered it (not once it is answered)."""
    chat_id, language = notice.chat_id, notice.language
    complaint_id = int(notice.payload["complaint_id"])
    view = await triage.card_view(session=notice.session, complaint_id=complaint_id)
    if view is None or view.status != ComplaintStatus.resolved or view.satisfaction:
        return []
    resolved = cards.local_time(view, view.resolved_at) if view.resolved_at is not None else "—"
    text = t(
        language,
        "notice.survey_reminder",
        number=escape(view.number),
        date=resolved,
        resolution=updates.typed(view.resolution, 1500),
    )
    # Whichever of the two questions is still open.
    if view.resolution_state is None:
        markup = updates.resolution_keyboard(language, view.complaint_id)
    else:
        markup = updates.survey_keyboard(language, view.complaint_id)
    return [calls.message(text, markup, chat_id=chat_id)]


def _worded(text: Callable[[dict[str, Any], str], str]) -> Renderer:
    """A renderer of one message to the chat, worded by `text` from the payload alone."""

    async def render(notice: Notice) -> list[Call]:
        return [calls.message(text(notice.payload, notice.language), chat_id=notice.chat_id)]

    return render


def _chat_text(group_key: str, department_key: str) -> Callable[[dict[str, Any], str], str]:
    """The office's notice that a group (department) lost its chat, or has it back."""

    def text(payload: dict[str, Any], language: str) -> str:
        key = department_key if payload.get("target") == "department" else group_key
        return t(language, key, name=escape(str(payload.get("name") or "—")))

    return text


async def _sign_reminder(notice: Notice) -> list[Call]:
    """催签, under the card: not sent once the dispatch is signed for or has ended."""
    chat_id, payload, language = notice.chat_id, notice.payload, notice.language
    view = await triage.card_view(
        session=notice.session, complaint_id=int(payload["complaint_id"])
    )
    handoff = view.handoff if view is not None else None
    if (
        view is None
        or handoff is None
        or handoff.id != payload.get("handoff_id")
        or handoff.signed_at is not None
        or handoff.ended_at is not None
    ):
        return []
    values = {"number": escape(view.number), "hours": int(payload.get("hours", 24))}
    if notice.audience == "department":
        if view.department_chat_id != chat_id:
            return []
        text = t(language, "notice.sign_reminder.department", **values)
        return [calls.message(text, reply_to=view.department_card_message_id, chat_id=chat_id)]
    if view.group_chat_id != chat_id:
        return []
    department = escape(view.department_name or "")
    text = t(language, "notice.sign_reminder.group", department=department, **values)
    return [calls.message(text, reply_to=view.group_card_message_id, chat_id=chat_id)]


# How each kind is said.
RENDERERS: dict[NoticeKind, Renderer] = {
    NoticeKind.due: _due,
    NoticeKind.digest: _worded(digest_text),
    NoticeKind.escalation: _worded(escalation_text),
    NoticeKind.weekly: _worded(report_text),
    NoticeKind.final: _worded(report_text),
    NoticeKind.round_open: _worded(opening_text),
    NoticeKind.round_warn: _worded(warning_text),
    NoticeKind.survey_reminder: _survey_reminder,
    NoticeKind.handed_elsewhere: _handed_elsewhere,
    NoticeKind.sign_reminder: _sign_reminder,
    NoticeKind.chat_lost: _worded(
        _chat_text("notice.chat_lost.group", "notice.chat_lost.department")
    ),
    NoticeKind.chat_back: _worded(
        _chat_text("notice.chat_back.group", "notice.chat_back.department")
    ),
    NoticeKind.hotspot: _worded(hotspot_text),
}
