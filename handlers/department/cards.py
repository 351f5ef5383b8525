"""A department's card (责任单位) and the events told in its chat: never who reported it.

The card (`render_department_card`, rendered by the outbox when sent) shows what, where and by
when, and never who reported it: no name, username or phone, not even for a named complaint.
While the complaint is with the department its buttons are `dep:<act>:<id>`: before 签收,
签收 and 退回; after it, 阶段性进展, 申请延期, 报告办结 and 退回. A clue transferred to the
discipline commission is a confidential card (🔒) with 签收, then 已受理 and 已办结（销号）.
The steps after a press carry the same id: `dep:rsn:<id>:<reason>` (退回's reason),
`dep:day:<id>:<days>` (延期's days). An event told in the department's chat says what happened,
never an identity; of the group's answers it gives the new due date or the refusal's reason.
"""

from __future__ import annotations

import re
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.calls import MAX_TEXT, fit, units
from handlers.group.cards import event_name
from handlers.i18n import catalog, t
from storage.models import RETURN_REASONS, ComplaintStatus, ExtensionState, HandoffKind
from storage.triage import CardView, EventView

DONE = re.compile(r"^dep:done:(\d{1,18})$")
# The department's other buttons: `dep:<act>:<id>`, and the steps after 退回 and 申请延期.
ACT = re.compile(r"^dep:(sign|ret|ext|prg|rcv|cls):(\d{1,18})$")
REASON = re.compile(r"^dep:rsn:(\d{1,18}):(not_ours|wrong_place|unclear|other)$")
DAYS = re.compile(r"^dep:day:(\d{1,18}):(\d{1,2})$")
EXTENSION_CHOICES = (3, 7, 15, 30)
MARGIN = 64


def status_name(language: str, status: str) -> str:
    """A status as the department sees it."""
    for key in (f"dept.status.{status}", f"status.{status}"):
        if key in catalog(language):
            return t(language, key)
    return escape(status)


def _button(language: str, act: str, complaint_id: int) -> InlineKeyboardButton:
    """One of the card's buttons."""
    return InlineKeyboardButton(
        t(language, f"dept.button.{act}"), callback_data=f"dep:{act}:{complaint_id}"
    )


def department_keyboard(view: CardView, language: str) -> InlineKeyboardMarkup | None:
    """The card's buttons for what the department may do now (none once it is not theirs)."""
    handoff, cid = view.handoff, view.complaint_id
    signed = handoff is not None and handoff.signed_at is not None
    if view.status == ComplaintStatus.handed_off:
        if not signed:
            return InlineKeyboardMarkup(
                [[_button(language, "sign", cid), _button(language, "ret", cid)]]
            )
        return InlineKeyboardMarkup(
            [
                [_button(language, "prg", cid), _button(language, "ext", cid)],
                [_button(language, "done", cid), _button(language, "ret", cid)],
            ]
        )
    if view.status == ComplaintStatus.transferred and handoff is not None:
        if not signed:
            return InlineKeyboardMarkup([[_button(language, "sign", cid)]])
        row = [_button(language, "cls", cid)]
        if handoff.received_at is None:
            row.insert(0, _button(language, "rcv", cid))
        return InlineKeyboardMarkup([row])
    return None


def reasons_keyboard(language: str, complaint_id: int) -> InlineKeyboardMarkup:
    """退回's reasons, one to a row."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, f"dept.reason.{reason}"),
                    callback_data=f"dep:rsn:{complaint_id}:{reason}",
                )
            ]
            for reason in RETURN_REASONS
        ]
    )


def days_keyboard(language: str, complaint_id: int) -> InlineKeyboardMarkup:
    """申请延期's days."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, "dept.button.days", days=days),
                    callback_data=f"dep:day:{complaint_id}:{days}",
                )
                for days in EXTENSION_CHOICES
            ]
        ]
    )


def reason_name(language: str, reason: str | None) -> str:
    """A 退回 reason in words."""
    key = f"dept.reason.{reason}"
    return t(language, key) if key in catalog(language) else escape(reason or "")


def _handoff_lines(view: CardView, language: str) -> list[str]:
    """What the card says of the dispatch: signed, the group's insistence, the 延期."""
    handoff = view.handoff
    if handoff is None:
        return []
    lines: list[str] = []
    zone = ZoneInfo(view.timezone)
    if handoff.return_pending or (
        handoff.returned_at is not None and view.status != ComplaintStatus.handed_off
    ):
        lines.append(
            t(language, "dept.card.returned", reason=reason_name(language, handoff.return_reason))
        )
        return lines
    if handoff.insist_note:
        lines.append(t(language, "dept.card.insisted", note=fit(handoff.insist_note, 500)))
    if handoff.signed_at is not None:
        when = handoff.signed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        lines.append(t(language, "dept.card.signed", time=when))
    if handoff.kind == HandoffKind.clue and handoff.received_at is not None:
        lines.append(t(language, "dept.card.received"))
    if handoff.extension_state == ExtensionState.pending:
        lines.append(t(language, "dept.card.extension_pending", days=handoff.extension_days))
    elif handoff.extension_state == ExtensionState.refused:
        lines.append(
            t(
                language,
                "dept.card.extension_refused",
                reason=fit(handoff.extension_refusal or "", 300),
            )
        )
    if handoff.extended_days:
        lines.append(t(language, "dept.card.extended", days=handoff.extended_days))
    return lines


def department_text(view: CardView, language: str) -> str:
    """The card's text: number, status, department, place, category, due date, description.

    Built only from fields that say nothing about who reported it.
    """
    category = view.category_en if language == "en" else view.category_zh
    clue = view.handoff is not None and view.handoff.kind == HandoffKind.clue
    head = [
        t(
            language,
            "dept.card.clue_title" if clue else "dept.card.title",
            number=escape(view.number),
            status=status_name(language, f"clue_{view.status}" if clue else view.status),
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
    head.extend(_handoff_lines(view, language))
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
        signed = view.handoff is not None and view.handoff.signed_at is not None
        tail.append(t(language, "dept.card.hint_signed" if signed else "dept.card.hint"))
    if clue:
        tail.append(t(language, "dept.card.clue_hint"))
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
    """A department's card of one complaint: text, and its buttons while it is theirs."""
    return department_text(view, language), department_keyboard(view, language)


# --- events ---------------------------------------------------------------------------------


def department_notice(view: EventView, language: str) -> str:
    """An event told in a department chat: what happened, never an identity; the group's
    answer to a 延期 (the new date, or why not)."""
    event = view.event
    number = escape(view.card.number)
    if event.action == "extension_approved":
        return t(
            language, "dept.event.extension_approved", number=number, date=escape(event.note or "")
        )
    if event.action == "extension_refused":
        return t(
            language,
            "dept.event.extension_refused",
            number=number,
            reason=fit(event.note or "", 1000),
        )
    return t(
        language,
        "card.event.other",
        number=escape(view.card.number),
        what=event_name(language, event.action, event.to_status),
    )
