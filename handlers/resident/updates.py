"""What a resident is told when their complaint changes, and how /status names the changes.

Pure functions of a `storage.triage.EventView`: the outbox renders a row of kind "event" for a
resident's private chat with `render_resident_event` when it is sent, in the resident's
language. Everything people typed (reasons, questions, what was done) is escaped. A transfer
says only that the complaint was passed on as the rules require: no department, no details.
"""

from __future__ import annotations

import re
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.calls import CAPTION_MAX, ELLIPSIS, Call, message, photo, photos, units
from handlers.i18n import catalog, t
from storage.models import ComplaintStatus, TimelineEvent
from storage.triage import CardView, EventView

# Buttons under the updates: the survey of a resolved complaint, and "answer" under a question.
# 回访 asks 问题解决了吗 (y/p/n) first, then 您满意吗 (s/b/u).
SURVEY = re.compile(r"^sv:(\d{1,18}):([sbuypn])$")
ANSWER = re.compile(r"^fq:(\d{1,18})$")
SATISFACTIONS = {"s": "satisfied", "b": "basic", "u": "unsatisfied"}
SATISFACTION_CODES = {value: code for code, value in SATISFACTIONS.items()}
RESOLUTION_STATES = {"y": "solved", "p": "partly", "n": "unsolved"}

# Timeline actions whose note is what someone typed (or a department's name, a number).
TYPED_NOTES = frozenset(
    {"handed_off", "rejected", "merged", "follow_up_asked", "resolved", "progress", "withdrawn"}
)
# Public events whose note is never shown to a resident (only that they happened).
UNTOLD_NOTES = frozenset({"transferred", "returned", "clue_closed"})
# Timeline actions whose note is a satisfaction code.
RATED = frozenset({"closed", "reopened"})


def typed(raw: str | None, budget: int = 2000) -> str:
    """What someone typed, escaped for HTML and cut (with …) to about `budget` characters."""
    text = (raw or "").strip()
    if len(text) > budget:
        text = text[: budget - 1] + ELLIPSIS
    return escape(text)


def satisfaction_name(language: str, value: str | None) -> str:
    """satisfied / basic / unsatisfied in words."""
    key = f"survey.value.{value}"
    return t(language, key) if key in catalog(language) else escape(value or "")


def _buttons(language: str, complaint_id: int, answers: dict[str, str]) -> InlineKeyboardMarkup:
    """One button per answer, one to a row."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, f"survey.button.{value}"),
                    callback_data=f"sv:{complaint_id}:{code}",
                )
            ]
            for code, value in answers.items()
        ]
    )


def survey_keyboard(language: str, complaint_id: int) -> InlineKeyboardMarkup:
    """回访's second question: satisfied / basically satisfied / not satisfied."""
    return _buttons(language, complaint_id, SATISFACTIONS)


def resolution_keyboard(language: str, complaint_id: int) -> InlineKeyboardMarkup:
    """回访's first question: solved / partly solved / not solved."""
    return _buttons(language, complaint_id, RESOLUTION_STATES)


def answer_keyboard(language: str, follow_up_id: int) -> InlineKeyboardMarkup:
    """The "answer" button under an inspector's question."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, "followup.button.answer"), callback_data=f"fq:{follow_up_id}"
                )
            ]
        ]
    )


def header(language: str, card: CardView, own_number: str) -> str:
    """Which complaint the update is about (and, after a merge, which of theirs joined it)."""
    if own_number == card.number:
        return t(language, "update.header", number=escape(card.number))
    return t(language, "update.header_merged", number=escape(card.number), own=escape(own_number))


def _due(language: str, card: CardView) -> str:
    """The due date (a day of the round's calendar), or a dash."""
    return card.due_on.isoformat() if card.due_on is not None else t(language, "update.no_due")


def body(view: EventView, language: str) -> str | None:
    """The update's text for one event (None: residents are not told about this event)."""
    event, card = view.event, view.card
    action = event.action
    if action == "accepted":
        key = "update.reconsidered" if event.from_status == "rejected" else "update.accepted"
        return t(language, key)
    if action == "immediate":
        return t(language, "update.immediate", date=_due(language, card))
    if action == "handed_off":
        department = typed(event.note or card.department_name or "", 200)
        return t(language, "update.handed_off", department=department, date=_due(language, card))
    if action == "transferred":
        # Only this: never the department, never any detail.
        return t(language, "update.transferred")
    if action == "rejected":
        contact = typed(view.contact, 300) if view.contact else t(language, "update.no_contact")
        return t(language, "update.rejected", reason=typed(event.note), contact=contact)
    if action == "merged":
        target = event.note or card.merged_into_number or ""
        return t(language, "update.merged", target=escape(target))
    if action == "follow_up_asked":
        question = event.note or (view.follow_up.question if view.follow_up else "")
        return t(language, "update.follow_up", question=typed(question))
    if action == "resolved":
        return t(language, "update.resolved", text=typed(event.note or card.resolution))
    if action == "reopened":
        return t(language, "update.reopened")
    if action == "returned":
        # Only that: never the department's reason.
        return t(language, "update.returned")
    if action == "extension_approved":
        return t(language, "update.extension_approved", date=_due(language, card))
    if action == "progress":
        return t(language, "update.progress", text=typed(event.note))
    if action == "clue_closed":
        # Only that it was handled as the rules require: never the commission's note.
        return t(language, "update.clue_closed")
    if action == "withdrawn":
        return t(language, "update.withdrawn")
    if action == "closed":
        if event.note in ("satisfied", "basic"):
            return t(
                language,
                "update.closed_rated",
                satisfaction=satisfaction_name(language, event.note),
            )
        if event.note == "no_answer":
            # Closed by the scheduled sweep: no answer to the survey within 7 days.
            return t(language, "update.closed_no_answer")
        return t(language, "update.closed")
    return None


def render_resident_event(
    view: EventView,
    language: str,
    *,
    chat_id: int | None = None,
) -> list[Call]:
    """The calls that tell one resident about an event (empty: nothing for residents).

    `chat_id` is the resident's private chat (default: the complaint's own resident); the
    residents of duplicates merged into the complaint hear the same, told which of their
    complaints it is about, but get no survey and no question to answer. A resolution with a
    photo (`event.photo_file_id`) is told as that photo, the text its caption.
    """
    event, card = view.event, view.card
    recipient = chat_id if chat_id is not None else view.resident_telegram_id
    own = recipient is None or view.is_own(recipient)
    if event.action == "follow_up_asked" and not own:
        # A question is for the complaint's own resident, who alone can answer it.
        return []
    text = body(view, language)
    if event.action == "withdrawn" and not own:
        # Someone else's withdrawal of the complaint theirs joined (合并, 加入关注).
        text = t(language, "update.withdrawn_joined")
    if text is None:
        return []
    own_number = view.number_for(recipient) if recipient is not None else card.number
    head = header(language, card, own_number)
    full = f"{head}\n{text}"
    if event.action == "follow_up_asked":
        markup = (
            answer_keyboard(language, view.follow_up.id)
            if view.follow_up and view.follow_up.id
            else None
        )
        if markup is not None:
            full = f"{full}\n{t(language, 'followup.hint')}"
        return [message(full, markup)]
    if event.action == "progress" and event.photo_file_ids:
        # The photos of a progress note stay with the group; the resident gets the text.
        return [message(full)]
    if event.action != "resolved":
        return [message(full)]
    survey: InlineKeyboardMarkup | None = None
    # Followers and merged residents are asked too; their answers only inform the group.
    if card.status == ComplaintStatus.resolved and (not own or card.resolution_state is None):
        survey = resolution_keyboard(language, card.complaint_id)
        full = f"{full}\n\n{t(language, 'survey.ask' if own else 'survey.ask_follower')}"
    album = list(event.photo_file_ids or [])
    if len(album) > 1:
        # A department's photos of the finished work: the album, then the text and survey.
        return [*photos(album, escape(own_number)), message(full, survey)]
    if event.photo_file_id is None:
        return [message(full, survey)]
    if units(full) <= CAPTION_MAX:
        return [photo(event.photo_file_id, full, survey)]
    # Too long for a caption: the photo under the header, then the text with the survey.
    return [photo(event.photo_file_id, head), message(full, survey)]


# --- /status ------------------------------------------------------------------------------


def event_name(language: str, event: TimelineEvent) -> str:
    """What a timeline event did, in words."""
    for key in (f"event.{event.action}", f"update.event.{event.action}"):
        if key in catalog(language):
            return t(language, key)
    if event.to_status:
        key = f"status.{event.to_status}"
        if key in catalog(language):
            return t(language, key)
    return escape(event.action)


def timeline_entry(language: str, event: TimelineEvent) -> str:
    """One public event on the resident's /status timeline: what happened, and its note."""
    what = event_name(language, event)
    if event.action in UNTOLD_NOTES or not event.note:
        # A transfer, a 退回 and a clue's 销号 never show more than that they happened.
        return what
    if event.action in RATED:
        return f"{what} ({satisfaction_name(language, event.note)})"
    budget = 300 if event.action in TYPED_NOTES else 200
    return f"{what}: {typed(event.note, budget)}"
