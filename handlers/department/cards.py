"""A department's card (责任单位) and the events told in its chat: never who reported it.

The card (`render_department_card`, rendered by the outbox when sent) shows what, where and by
when, and never who reported it: no name, username or phone, not even for a named complaint.
While the complaint is with the department the card has a "done" button (`dep:done:<id>`).
An event told in the department's chat says what happened, never a note or an identity.
"""

from __future__ import annotations

import re
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.calls import MAX_TEXT, fit, units
from handlers.group.cards import event_name
from handlers.i18n import catalog, t
from storage.models import ComplaintStatus
from storage.triage import CardView, EventView

DONE = re.compile(r"^dep:done:(\d{1,18})$")
MARGIN = 64


def status_name(language: str, status: str) -> str:
    """A status as the department sees it."""
    for key in (f"dept.status.{status}", f"status.{status}"):
        if key in catalog(language):
            return t(language, key)
    return escape(status)


def done_keyboard(language: str, complaint_id: int) -> InlineKeyboardMarkup:
    """The "report done" button."""
    button = InlineKeyboardButton(
        t(language, "dept.button.done"), callback_data=f"dep:done:{complaint_id}"
    )
    return InlineKeyboardMarkup([[button]])


def department_text(view: CardView, language: str) -> str:
    """The card's text: number, status, department, place, category, due date, description.

    Built only from fields that say nothing about who reported it.
    """
    category = view.category_en if language == "en" else view.category_zh
    head = [
        t(
            language,
            "dept.card.title",
            number=escape(view.number),
            status=status_name(language, view.status),
        ),
        t(language, "dept.card.department", name=escape(view.department_name or "")),
        t(
            language,
            "dept.card.village",
            village=escape(view.village),
            township=escape(view.township),
        ),
        t(language, "dept.card.category", category=escape(category or view.category_code)),
    ]
    if view.due_on is not None:
        head.append(t(language, "dept.card.due", date=view.due_on.isoformat()))
    tail: list[str] = []
    if view.latitude is not None and view.longitude is not None:
        tail.append(
            t(
                language,
                "dept.card.location",
                lat=f"{view.latitude:.5f}",
                lon=f"{view.longitude:.5f}",
            )
        )
    if view.address:
        tail.append(t(language, "dept.card.address", address=fit(view.address, 300)))
    if view.resolution and view.status not in (
        ComplaintStatus.handed_off,
        ComplaintStatus.accepted,
        ComplaintStatus.immediate,
    ):
        tail.append(t(language, "dept.card.resolution", text=fit(view.resolution, 1200)))
    if view.status == ComplaintStatus.handed_off:
        tail.append(t(language, "dept.card.hint"))
    if view.description:
        empty = t(language, "dept.card.description", text="")
        used = units("\n".join([*head, empty, *tail]))
        text = fit(view.description, MAX_TEXT - MARGIN - used)
        description = t(language, "dept.card.description", text=text)
    else:
        description = t(language, "dept.card.no_description")
    return "\n".join([*head, description, *tail])


def render_department_card(
    view: CardView, language: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A department's card of one complaint: text, and the "done" button while it is theirs."""
    markup = None
    if view.status == ComplaintStatus.handed_off:
        markup = done_keyboard(language, view.complaint_id)
    return department_text(view, language), markup


# --- events ---------------------------------------------------------------------------------


def department_notice(view: EventView, language: str) -> str:
    """An event told in a department chat: what happened, never a note or an identity."""
    event = view.event
    return t(
        language,
        "card.event.other",
        number=escape(view.card.number),
        what=event_name(language, event.action, event.to_status),
    )
