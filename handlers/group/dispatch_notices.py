"""What a department's side of a dispatch tells the group chat, as replies to the card: a
退回 with its reason, a 申请延期 with 同意 / 不同意, a progress note and a report with their
photos, a clue's 已受理 and 销号. Everything typed is escaped; never the resident's identity.
"""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup

from handlers import calls
from handlers.calls import Call, fit
from handlers.group import keyboards
from handlers.i18n import t
from storage.models import ExtensionState
from storage.triage import EventView

# How much of a department's text a notice shows.
NOTICE_TEXT = 3000
# The events this module words.
ACTIONS = frozenset(
    {"returned", "extension_requested", "progress", "clue_received", "clue_closed"}
)


def dispatch_notice(view: EventView, language: str) -> str | None:
    """The group's notice of a department's act (None: not one of ACTIONS)."""
    event, card = view.event, view.card
    if event.action not in ACTIONS:
        return None
    number = escape(card.number)
    department = escape(card.department_name or event.actor_name or "")
    handoff = card.handoff
    note = fit(event.note or "", NOTICE_TEXT)
    if event.action == "returned":
        reason = handoff.return_reason if handoff is not None else None
        return t(
            language,
            "card.event.returned",
            number=number,
            department=department,
            reason=t(language, f"dept.reason.{reason}") if reason else "—",
            note=fit((handoff.return_note if handoff else None) or "", NOTICE_TEXT),
        )
    if event.action == "extension_requested":
        days = handoff.extension_days if handoff is not None else 0
        due = card.due_on.isoformat() if card.due_on is not None else "—"
        return t(
            language,
            "card.event.extension_requested",
            number=number,
            department=department,
            days=days or 0,
            date=due,
            note=note,
        )
    return t(
        language, f"card.event.{event.action}", number=number, department=department, note=note
    )


def dispatch_markup(view: EventView, language: str) -> InlineKeyboardMarkup | None:
    """同意 / 不同意 under a 申请延期 that still waits for the group."""
    handoff = view.card.handoff
    if (
        view.event.action != "extension_requested"
        or handoff is None
        or handoff.id is None
        or handoff.extension_state != ExtensionState.pending
    ):
        return None
    return keyboards.extension_keyboard(language, view.card.complaint_id, handoff.id)


def photo_calls(view: EventView, chat_id: int, reply_to: int | None) -> list[Call]:
    """A department's photos (progress, report) under the card, after the notice."""
    event = view.event
    if event.actor != "department" or not event.photo_file_ids:
        return []
    caption = escape(view.card.number)
    return calls.photos(list(event.photo_file_ids), caption, chat_id=chat_id, reply_to=reply_to)
