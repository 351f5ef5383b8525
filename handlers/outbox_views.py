"""How outbox rows of kind card / dept_card / attachments / event / notice / ledger look when sent.

The sender (bot/sender.py) calls `render` for every row that is not a ready Bot API call, at
send time, so what goes out shows the complaint as it is then: several pending refreshes of
one card become one edit. Nothing is rendered for a group or department chat that serves
nothing any more (the bot posts nothing to an unlinked chat).

A ledger row is different: its file takes long to write, so the sender calls `render_ledger`
from a read-only snapshot, outside its write transaction, and keeps the calls made with
`with_rendered` in the row, so that a retry sends the same file instead of writing another.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import calls, department, notices, stats
from handlers.calls import Call
from handlers.group import cards
from handlers.i18n import DEFAULT_LANGUAGE, catalog, language_for, t
from storage import links, outbox, triage
from storage.models import OutboxMessage
from storage.triage import CardView, EventView

# How much of a typed answer or report a notice in the group chat shows.
NOTICE_TEXT = 3000
# Payload key of a ledger row: the calls its file went out with, [[method, params], ...].
RENDERED = "rendered"


async def render(*, session: AsyncSession, row: OutboxMessage) -> list[Call]:
    """The calls that deliver one row, from the current state (empty: nothing to send)."""
    if row.kind == outbox.CARD:
        return await _group_card(session, row)
    if row.kind == outbox.DEPARTMENT_CARD:
        return await _department_card(session, row)
    if row.kind == outbox.ATTACHMENTS:
        return await _attachments(session, row)
    if row.kind == outbox.EVENT:
        return await _event(session, row)
    if row.kind == outbox.NOTICE:
        return await notices.render(session=session, chat_id=row.chat_id, payload=row.payload)
    if row.kind == outbox.LEDGER:
        raise ValueError("ledger rows are rendered by render_ledger, from a snapshot")
    raise ValueError(f"outbox rows of kind {row.kind!r} are not rendered here")


async def render_ledger(*, session: AsyncSession, row: OutboxMessage) -> list[Call]:
    """The calls of a ledger row: kept from an earlier attempt, or with a newly written file.

    `session` is a read-only snapshot: writing the file takes long. Kept calls are reused
    while their files are there and they go to the row's chat (a migrated chat's row has a
    new id, and the kept reply is to a message of the old chat), and only while the chat
    still serves what it asked for (identities must not reach a chat relinked meanwhile).
    """
    if not await stats.ledger_wanted(session=session, chat_id=row.chat_id, payload=row.payload):
        return []
    kept = row.payload.get(RENDERED)
    if isinstance(kept, list) and kept:
        calls = [Call(str(method), dict(params)) for method, params in kept]
        if all(
            call.params.get("chat_id") == row.chat_id and _files_present(call.params)
            for call in calls
        ):
            return calls
    assert row.id is not None
    made = await stats.ledger_document(
        session=session, chat_id=row.chat_id, row_id=row.id, payload=row.payload
    )
    return made


def with_rendered(payload: dict[str, Any], calls: list[Call]) -> dict[str, Any]:
    """A ledger row's payload keeping `calls` for a retry (unchanged when nothing is new)."""
    if not calls:
        return payload
    return {**payload, RENDERED: [[call.method, call.params] for call in calls]}


def _files_present(params: dict[str, Any]) -> bool:
    """Whether every local file a call uploads ({"local_file": PATH}) is still there."""
    return all(
        Path(value["local_file"]).is_file()
        for value in params.values()
        if isinstance(value, dict) and "local_file" in value
    )


# --- helpers --------------------------------------------------------------------------------


def _complaint_id(row: OutboxMessage) -> int | None:
    """The complaint a row is about."""
    value = row.payload.get("complaint_id", row.complaint_id)
    return int(value) if value is not None else None


async def _chat_language(session: AsyncSession, chat_id: int, kind: str) -> str | None:
    """The language of a linked chat of this kind (None: the chat does not serve that)."""
    role = await links.chat_role(session=session, chat_id=chat_id)
    if role is None or role.kind != kind:
        return None
    return language_for(role.language, DEFAULT_LANGUAGE)


# --- cards ----------------------------------------------------------------------------------


async def _group_card(session: AsyncSession, row: OutboxMessage) -> list[Call]:
    """The group's card: sent the first time (with every complaint it shows), else edited."""
    complaint_id = _complaint_id(row)
    if complaint_id is None:
        return []
    view = await triage.card_view(session=session, complaint_id=complaint_id)
    if view is None or view.group_card_id is None:
        return []
    language = await _chat_language(session, row.chat_id, "group")
    if language is None:
        return []
    views = await triage.cards_of_message(session=session, card_id=view.group_card_id)
    # Only complaints of the group this chat serves, whatever a stale card row may hold.
    views = [v for v in views if v.group_chat_id == row.chat_id] or [view]
    text, markup = cards.card_message(views, language)
    if view.group_card_message_id is None:
        return [calls.message(text, markup, chat_id=row.chat_id, card_id=view.group_card_id)]
    return [calls.edit_text(view.group_card_message_id, text, markup, chat_id=row.chat_id)]


async def _department_card(session: AsyncSession, row: OutboxMessage) -> list[Call]:
    """The department's card (no identity): sent the first time, else edited."""
    complaint_id = _complaint_id(row)
    if complaint_id is None:
        return []
    view = await triage.card_view(session=session, complaint_id=complaint_id)
    if view is None or view.department_card_id is None:
        return []
    language = await _chat_language(session, row.chat_id, "department")
    if language is None:
        return []
    text, markup = department.render_department_card(view, language)
    if view.department_card_message_id is None:
        return [calls.message(text, markup, chat_id=row.chat_id, card_id=view.department_card_id)]
    return [calls.edit_text(view.department_card_message_id, text, markup, chat_id=row.chat_id)]


async def _attachments(session: AsyncSession, row: OutboxMessage) -> list[Call]:
    """The location, photos and voice of a complaint, as replies under its group card."""
    complaint_id = _complaint_id(row)
    if complaint_id is None:
        return []
    view = await triage.card_view(session=session, complaint_id=complaint_id)
    if view is None:
        return []
    if await _chat_language(session, row.chat_id, "group") is None:
        return []
    return attachment_calls(view, row.chat_id)


def attachment_calls(view: CardView, chat_id: int) -> list[Call]:
    """sendLocation, sendPhoto / sendMediaGroup, sendVoice, each replying to the card."""
    caption = escape(view.number)
    reply_to = view.group_card_message_id
    made: list[Call] = []
    if view.latitude is not None and view.longitude is not None:
        made.append(
            calls.location(view.latitude, view.longitude, chat_id=chat_id, reply_to=reply_to)
        )
    made += calls.photos(list(view.photo_file_ids), caption, chat_id=chat_id, reply_to=reply_to)
    if view.voice_file_id:
        made.append(calls.voice(view.voice_file_id, caption, chat_id=chat_id, reply_to=reply_to))
    return made


# --- events ---------------------------------------------------------------------------------


async def _event(session: AsyncSession, row: OutboxMessage) -> list[Call]:
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
        language = await _chat_language(session, row.chat_id, "department")
        if language is None:
            return []
        return [calls.message(department_notice(view, language), chat_id=row.chat_id)]
    language = await _chat_language(session, row.chat_id, "group")
    if language is None:
        return []
    reply_to = view.card.group_card_message_id
    return [calls.message(group_notice(view, language), chat_id=row.chat_id, reply_to=reply_to)]


def _resident_event(view: EventView, row: OutboxMessage) -> list[Call]:
    """A resident's update, rendered by the resident side (handlers/resident/updates.py)."""
    from handlers.resident import updates

    language = view.language_for(row.chat_id)
    calls = updates.render_resident_event(view, language, chat_id=row.chat_id)
    return [Call(call.method, {"chat_id": row.chat_id, **call.params}) for call in calls]


def _event_name(language: str, action: str, to_status: str | None) -> str:
    """What an event did, in words."""
    key = f"card.event_name.{action}"
    if key in catalog(language):
        return t(language, key)
    if to_status:
        return cards.status_name(language, to_status)
    return escape(action)


def group_notice(view: EventView, language: str) -> str:
    """An event told in the group chat, as a reply to the card (never the identity)."""
    event, card = view.event, view.card
    number = escape(card.number)
    note = event.note or ""
    if event.action == "follow_up_answered":
        question = view.follow_up.question if view.follow_up is not None else ""
        answer = view.follow_up.answer if view.follow_up and view.follow_up.answer else note
        return t(
            language,
            "card.event.follow_up_answered",
            number=number,
            question=cards.fit(question, NOTICE_TEXT // 3),
            answer=cards.fit(answer or "", NOTICE_TEXT),
        )
    if event.action == "reopened":
        return t(language, "card.event.reopened", number=number)
    if event.action == "resolved" and event.actor == "department":
        return t(
            language,
            "card.event.department_done",
            number=number,
            department=escape(card.department_name or event.actor_name or ""),
            note=cards.fit(note, NOTICE_TEXT),
        )
    if event.action == "closed":
        value = cards.satisfaction_name(language, card.satisfaction or note or "")
        return t(language, "card.event.closed", number=number, value=value)
    text = t(
        language,
        "card.event.other",
        number=number,
        what=_event_name(language, event.action, event.to_status),
    )
    if note:
        text += "\n" + cards.fit(note, NOTICE_TEXT)
    return text


def department_notice(view: EventView, language: str) -> str:
    """An event told in a department chat: what happened, never a note or an identity."""
    event = view.event
    return t(
        language,
        "card.event.other",
        number=escape(view.card.number),
        what=_event_name(language, event.action, event.to_status),
    )
