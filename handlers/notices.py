"""Scheduled messages (outbox rows of kind "notice"), worded in the chat's language.

storage/schedule decides what is due and puts the numbers into the row's payload
(`{"notice": kind, ...}`); this module says it, when the row is sent. Kinds: due (a reminder
about one complaint, to the group chat as a reply to its card, or to the department's chat
without the resident's identity), digest, weekly, final, round_open, round_warn (group and
office chats), survey_reminder (the resident, with the survey's buttons again), and
handed_elsewhere (a department's chat, under its card, when the hand-off went to another).

Nothing is sent to a chat that no longer serves the group, department or office the notice is
for, and a reminder about a complaint that has moved on since (resolved, closed, rated, a new
due date) is not sent at all.
"""

from __future__ import annotations

from html import escape
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode

from handlers.group import cards
from handlers.i18n import DEFAULT_LANGUAGE, language_for, t
from handlers.resident import updates
from storage import links, triage
from storage.models import ComplaintStatus, Resident

# One Bot API call: method and params (chat_id included).
Call = tuple[str, dict[str, Any]]

# Which kind of chat each notice is for ("audience": a payload field says).
AUDIENCE = {
    "handed_elsewhere": "department",
    "digest": "group",
    "round_open": "group",
    "round_warn": "group",
    "survey_reminder": "resident",
}
# Items of a list shown before "… and N more".
LIST_MAX = 20


def _message(
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    reply_to: int | None = None,
) -> Call:
    """sendMessage with HTML text."""
    params: dict[str, Any] = {
        "chat_id": chat_id,
        "text": text,
        "parse_mode": ParseMode.HTML.value,
        "link_preview_options": {"is_disabled": True},
    }
    if markup is not None:
        params["reply_markup"] = markup.to_dict()
    if reply_to is not None:
        params["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
    return "sendMessage", params


async def render(*, session: AsyncSession, chat_id: int, payload: dict[str, Any]) -> list[Call]:
    """The calls that deliver one notice (empty: nothing to send any more)."""
    kind = str(payload.get("notice", ""))
    audience = AUDIENCE.get(kind) or str(payload.get("audience", "group"))
    if audience == "resident":
        language = await _resident_language(session, chat_id)
        if kind == "survey_reminder":
            return await _survey_reminder(session, chat_id, payload, language)
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
    language = language_for(role.language, DEFAULT_LANGUAGE)
    if kind == "due":
        return await _due(session, chat_id, payload, language, audience)
    if kind == "digest":
        return [_message(chat_id, digest_text(payload, language))]
    if kind in ("weekly", "final"):
        return [_message(chat_id, report_text(payload, language))]
    if kind == "round_open":
        return [_message(chat_id, opening_text(payload, language))]
    if kind == "round_warn":
        return [_message(chat_id, warning_text(payload, language))]
    if kind == "handed_elsewhere":
        return [_handed_elsewhere(chat_id, payload, language)]
    raise ValueError(f"unknown notice kind {kind!r}")


async def _resident_language(session: AsyncSession, telegram_id: int) -> str:
    """A resident's language (the default for someone unknown)."""
    statement = select(Resident).where(Resident.telegram_id == telegram_id)
    resident = (await session.exec(statement)).first()
    return resident.language if resident is not None else DEFAULT_LANGUAGE


def _more(language: str, total: int, shown: int) -> list[str]:
    """A last line saying how many were left out, if any."""
    return [t(language, "notice.list_more", count=total - shown)] if total > shown else []


# --- reminders about one complaint ------------------------------------------------------------


async def _due(
    session: AsyncSession, chat_id: int, payload: dict[str, Any], language: str, audience: str
) -> list[Call]:
    """督办: due tomorrow, or overdue by N days; not sent once the complaint has moved on."""
    view = await triage.card_view(session=session, complaint_id=int(payload["complaint_id"]))
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
    if audience == "department":
        if view.status != ComplaintStatus.handed_off or view.department_chat_id != chat_id:
            return []
        key = "notice.due.dept_tomorrow" if days < 0 else "notice.due.dept_overdue"
        text = t(language, key, **values)
        return [_message(chat_id, text, reply_to=view.department_card_message_id)]
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
    return [_message(chat_id, text, reply_to=view.group_card_message_id)]


def _handed_elsewhere(chat_id: int, payload: dict[str, Any], language: str) -> Call:
    """To a department whose hand-off went to another: under its card, nothing more to do."""
    text = t(
        language,
        "notice.handed_elsewhere",
        number=escape(str(payload.get("number", ""))),
        department=escape(str(payload.get("department") or "—")),
    )
    reply_to = payload.get("reply_to")
    return _message(chat_id, text, reply_to=int(reply_to) if reply_to is not None else None)


async def _survey_reminder(
    session: AsyncSession, chat_id: int, payload: dict[str, Any], language: str
) -> list[Call]:
    """The survey again, to a resident who has not answered it (not once it is answered)."""
    view = await triage.card_view(session=session, complaint_id=int(payload["complaint_id"]))
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
    return [_message(chat_id, text, updates.survey_keyboard(language, view.complaint_id))]


# --- group and office messages ----------------------------------------------------------------


def _category(language: str, item: dict[str, Any]) -> str:
    """A category's name from a payload item."""
    name = item.get("category_en") if language == "en" else item.get("category_zh")
    return escape(str(name or ""))


def digest_text(payload: dict[str, Any], language: str) -> str:
    """The daily digest: what came in and what changed since yesterday, what is open."""
    lines = [
        t(
            language,
            "notice.digest.title",
            group=escape(str(payload.get("group", ""))),
            date=payload.get("date", ""),
            at=payload.get("at", ""),
        ),
        t(
            language,
            "notice.digest.summary",
            new=payload.get("new_count", 0),
            resolved=payload.get("resolved_count", 0),
            changes=payload.get("changes", 0),
        ),
    ]
    new = list(payload.get("new", []))
    if new:
        lines.append(t(language, "notice.digest.new_title"))
        lines += [
            t(
                language,
                "notice.digest.new_line",
                number=escape(str(item.get("number", ""))),
                village=escape(str(item.get("village", ""))),
                category=_category(language, item),
            )
            for item in new
        ]
        lines += _more(language, int(payload.get("new_count", 0)), len(new))
    lines.append(
        t(
            language,
            "notice.digest.open",
            open=payload.get("open", 0),
            overdue=payload.get("overdue_count", 0),
        )
    )
    overdue = list(payload.get("overdue", []))
    lines += [
        t(
            language,
            "notice.digest.overdue_line",
            number=escape(str(item.get("number", ""))),
            days=item.get("days", 0),
            date=item.get("due_on", ""),
        )
        for item in overdue
    ]
    lines += _more(language, int(payload.get("overdue_count", 0)), len(overdue))
    return "\n".join(lines)


def _duration(language: str, hours: float | None) -> str:
    """A median duration: hours up to two days, then days."""
    if hours is None:
        return t(language, "notice.report.no_value")
    if hours < 48:
        return t(language, "notice.report.hours", value=f"{hours:.1f}")
    return t(language, "notice.report.days", value=f"{hours / 24:.1f}")


def _items(language: str, pairs: list[tuple[str, int]]) -> str:
    """ "name n, name n" (non-zero counts only)."""
    separator = t(language, "notice.report.separator")
    return separator.join(
        t(language, "notice.report.item", name=name, count=count) for name, count in pairs if count
    )


def _scope(payload: dict[str, Any], language: str) -> str:
    """Whom a report is about: the group, or the whole round (the office's report)."""
    if payload.get("group"):
        return escape(str(payload["group"]))
    return t(language, "notice.report.whole_round")


def report_text(payload: dict[str, Any], language: str) -> str:
    """The weekly or final report, phrased like the round office's."""
    scope = _scope(payload, language)
    if payload.get("notice") == "final":
        title = t(
            language,
            "notice.final.title",
            round=escape(str(payload.get("round", ""))),
            scope=scope,
            starts=payload.get("starts_on", ""),
            ends=payload.get("ends_on", ""),
        )
    else:
        title = t(
            language,
            "notice.weekly.title",
            # The office's report is about the whole round: named by the round.
            scope=scope if payload.get("group") else escape(str(payload.get("round", ""))),
            week=payload.get("week", ""),
            date=payload.get("date", ""),
            at=payload.get("at", ""),
        )
    lines = [title]
    total = int(payload.get("total", 0))
    if not total:
        lines.append(t(language, "notice.report.empty"))
    else:
        lines.append(t(language, "notice.report.total", total=total))
        if "new_in_week" in payload:
            lines.append(
                t(
                    language,
                    "notice.weekly.week",
                    new=payload.get("new_in_week", 0),
                    resolved=payload.get("resolved_in_week", 0),
                )
            )
        handling = dict(payload.get("handling", {}))
        lines.append(
            t(
                language,
                "notice.report.handling",
                immediate=handling.get("immediate", 0),
                handed_off=handling.get("handed_off", 0),
                transferred=handling.get("transferred", 0),
                rejected=handling.get("rejected", 0),
            )
        )
        statuses = [
            (cards.status_name(language, status), int(count))
            for status, count in dict(payload.get("by_status", {})).items()
        ]
        lines.append(t(language, "notice.report.by_status", items=_items(language, statuses)))
        categories = [
            (escape(str(item.get("en" if language == "en" else "zh", ""))), int(item["count"]))
            for item in payload.get("by_category", [])
        ]
        lines.append(t(language, "notice.report.by_category", items=_items(language, categories)))
        lines.append(
            t(
                language,
                "notice.report.medians",
                accept=_duration(language, payload.get("median_accept_hours")),
                resolve=_duration(language, payload.get("median_resolve_hours")),
            )
        )
        satisfaction = dict(payload.get("satisfaction", {}))
        lines.append(
            t(
                language,
                "notice.report.satisfaction",
                satisfied=satisfaction.get("satisfied", 0),
                basic=satisfaction.get("basic", 0),
                unsatisfied=satisfaction.get("unsatisfied", 0),
                no_answer=satisfaction.get("no_answer", 0),
            )
        )
    groups = list(payload.get("groups", []))
    if groups:
        lines.append(t(language, "notice.report.groups_title"))
        lines += [
            t(
                language,
                "notice.report.group_line",
                group=escape(str(item.get("name", ""))),
                total=item.get("total", 0),
                open=item.get("open", 0),
            )
            for item in groups[:LIST_MAX]
        ]
    if payload.get("notice") == "final":
        contact = escape(str(payload.get("contact") or "")) or t(language, "closed.no_contact")
        lines.append(t(language, "notice.final.closing", contact=contact))
    return "\n".join(lines)


def opening_text(payload: dict[str, Any], language: str) -> str:
    """The round has started (today, or earlier for a chat linked later)."""
    key = (
        "notice.round_open.today" if payload.get("started_today") else "notice.round_open.running"
    )
    separator = t(language, "notice.report.separator")
    villages = separator.join(escape(str(name)) for name in payload.get("villages", []))
    return t(
        language,
        key,
        round=escape(str(payload.get("round", ""))),
        starts=payload.get("starts_on", ""),
        ends=payload.get("ends_on", ""),
        group=escape(str(payload.get("group", ""))),
        villages=villages or "—",
    )


def warning_text(payload: dict[str, Any], language: str) -> str:
    """The round ends tomorrow."""
    return t(
        language,
        "notice.round_warn",
        round=escape(str(payload.get("round", ""))),
        ends=payload.get("ends_on", ""),
        group=escape(str(payload.get("group", ""))),
        open=payload.get("open", 0),
        overdue=payload.get("overdue", 0),
    )
