"""Outbox rows of kind "event": one timeline event told to the chat the row goes to.

A resident hears it in their language (handlers/resident/updates.py), a department's chat
what happened and nothing more (handlers/department/cards.py), the group chat as a reply to
the card (handlers/group/cards.py). Nothing goes to a chat that no longer serves them.
"""

from __future__ import annotations

from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import calls, department
from handlers.calls import Call
from handlers.card_rows import chat_language
from handlers.group import cards, dispatch_notices, review
from storage import triage
from storage.models import ComplaintStatus, OutboxMessage
from storage.triage import EventView


async def event(session: AsyncSession, row: OutboxMessage) -> list[Call]:
    """A notice about one timeline event, for the chat it goes to."""
    event_id = row.payload.get("event_id")
    if event_id is None:
        return []
    view = await triage.event_view(session=session, event_id=int(event_id))
    if view is None:
        return []
    if row.chat_id > 0:
        # A user's private chat: a resident hears it in their language.
        return _resident_event(view, row)
    if view.card.department_chat_id == row.chat_id:
        language = await chat_language(session, row.chat_id, "department")
        if language is None:
            return []
        return [calls.message(department.department_notice(view, language), chat_id=row.chat_id)]
    language = await chat_language(session, row.chat_id, "group")
    if language is None:
        return []
    reply_to = view.card.group_card_message_id
    text = dispatch_notices.dispatch_notice(view, language) or cards.group_notice(view, language)
    markup = dispatch_notices.dispatch_markup(view, language)
    if view.event.action == "partly_solved" and _waits_on_group(view):
        # Rendered when sent: a call made already leaves the prompt without buttons.
        markup = review.review_keyboard(language, view.card.complaint_id)
    return [
        calls.message(text, markup, chat_id=row.chat_id, reply_to=reply_to),
        *dispatch_notices.photo_calls(view, row.chat_id, reply_to),
        *_supplement_calls(view, row.chat_id, reply_to),
    ]


def _supplement_calls(view: EventView, chat_id: int, reply_to: int | None) -> list[Call]:
    """补充材料's photos and voice message under the card, after the notice (issue 11)."""
    event = view.event
    if event.action != "supplemented":
        return []
    caption = escape(view.card.number)
    made = []
    if event.photo_file_ids:
        made.extend(
            calls.photos(list(event.photo_file_ids), caption, chat_id=chat_id, reply_to=reply_to)
        )
    if event.voice_file_id:
        made.append(calls.voice(event.voice_file_id, caption, chat_id=chat_id, reply_to=reply_to))
    return made


def _waits_on_group(view: EventView) -> bool:
    """Whether the group still has to decide on the 部分解决 the event is about."""
    card = view.card
    return (
        card.status == ComplaintStatus.resolved
        and card.resolution_state == "partly"
        and card.satisfaction is not None
    )


def _resident_event(view: EventView, row: OutboxMessage) -> list[Call]:
    """A resident's update, rendered by the resident side (handlers/resident/updates.py)."""
    from handlers.resident import updates

    language = view.language_for(row.chat_id)
    made = updates.render_resident_event(view, language, chat_id=row.chat_id)
    return [Call(call.method, {"chat_id": row.chat_id, **call.params}) for call in made]
