"""Outbox rows about one complaint's cards (card, dept_card, attachments, clear_buttons,
mark_stale), rendered when sent.

Each shows the complaint as it is at send time: sent the first time (the sender records the
message id into the CardMessage), edited after that. Nothing is rendered for a group or
department chat that serves nothing any more (the bot posts nothing to an unlinked chat).
"""

from __future__ import annotations

import hashlib
import json
from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup

from handlers import calls, department
from handlers.calls import Call
from handlers.group import cards
from handlers.i18n import DEFAULT_LANGUAGE, language_for, t
from storage import cards as card_store
from storage import links, triage
from storage.models import OutboxMessage
from storage.triage import CardView


def complaint_id(row: OutboxMessage) -> int | None:
    """The complaint a row is about."""
    value = row.payload.get("complaint_id", row.complaint_id)
    return int(value) if value is not None else None


async def chat_language(session: AsyncSession, chat_id: int, kind: str) -> str | None:
    """The language of a linked chat of this kind (None: the chat does not serve that)."""
    role = await links.chat_role(session=session, chat_id=chat_id)
    if role is None or role.kind != kind:
        return None
    return language_for(role.language, DEFAULT_LANGUAGE)


async def _view(
    session: AsyncSession, row: OutboxMessage, *, similar: bool = True
) -> CardView | None:
    """The row's complaint as cards show it (None: no complaint)."""
    found = complaint_id(row)
    if found is None:
        return None
    return await triage.card_view(session=session, complaint_id=found, similar=similar)


# What CardMessage.shown holds once a card's buttons were taken off: no render equals it.
CLEARED = "cleared"


def fingerprint(call: Call) -> str:
    """What a call makes a message show (text, entities, buttons), as a short digest."""
    shown = {k: v for k, v in call.params.items() if k not in ("chat_id", "message_id")}
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()


async def _show(
    session: AsyncSession,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None,
    card_id: int,
    message_id: int | None,
) -> list[Call]:
    """A card message: sent the first time (its id to be recorded), else edited.

    No edit when the message already shows exactly this: Telegram would refuse it ("message is
    not modified") and it would spend one of the chat's sends a minute (a note, a question).
    """
    if message_id is None:
        call = calls.message(text, markup, chat_id=chat_id, card_id=card_id)
    else:
        call = calls.edit_text(message_id, text, markup, chat_id=chat_id)
        call.card_id = card_id
    call.shown = fingerprint(call)
    if message_id is not None and call.shown == await card_store.card_shown(
        session=session, card_id=card_id
    ):
        return []
    return [call]


async def group_card(session: AsyncSession, row: OutboxMessage) -> list[Call]:
    """The group's card: sent the first time (with every complaint it shows), else edited."""
    found = complaint_id(row)
    card_id = await triage.group_card_of(session=session, complaint_id=found) if found else None
    if card_id is None:
        return []
    language = await chat_language(session, row.chat_id, "group")
    if language is None:
        return []
    # The row's complaint is among those its card shows: one set of views renders them all.
    shown = await triage.cards_of_message(session=session, card_id=card_id)
    view = next(v for v in shown if v.complaint_id == found)
    # Only complaints of the group this chat serves, whatever a stale card row may hold.
    views = [v for v in shown if v.group_chat_id == row.chat_id] or [view]
    text, markup = cards.card_message(views, language)
    return await _show(session, row.chat_id, text, markup, card_id, view.group_card_message_id)


async def department_card(session: AsyncSession, row: OutboxMessage) -> list[Call]:
    """The department's card (no identity): sent the first time, else edited."""
    view = await _view(session, row)
    if view is None or view.department_card_id is None:
        return []
    language = await chat_language(session, row.chat_id, "department")
    if language is None:
        return []
    text, markup = department.render_department_card(view, language)
    card_id, message_id = view.department_card_id, view.department_card_message_id
    return await _show(session, row.chat_id, text, markup, card_id, message_id)


async def attachments(session: AsyncSession, row: OutboxMessage) -> list[Call]:
    """The location, photos and voice of a complaint, as replies under its group card (and a
    clue's under the commission's card)."""
    view = await _view(session, row, similar=False)
    if view is None:
        return []
    if view.department_chat_id == row.chat_id:
        # A clue's, under the commission's confidential card (storage/workflow/inspectors.py).
        if await chat_language(session, row.chat_id, "department") is None:
            return []
        return attachment_calls(view, row.chat_id, view.department_card_message_id)
    if await chat_language(session, row.chat_id, "group") is None:
        return []
    return attachment_calls(view, row.chat_id)


def attachment_calls(view: CardView, chat_id: int, reply_to: int | None = None) -> list[Call]:
    """sendLocation, sendPhoto / sendMediaGroup, sendVoice, each replying to the card (the
    group's unless `reply_to` says which)."""
    caption = escape(view.number)
    reply_to = reply_to if reply_to is not None else view.group_card_message_id
    made: list[Call] = []
    if view.latitude is not None and view.longitude is not None:
        made.append(
            calls.location(view.latitude, view.longitude, chat_id=chat_id, reply_to=reply_to)
        )
    made += calls.photos(list(view.photo_file_ids), caption, chat_id=chat_id, reply_to=reply_to)
    if view.voice_file_id:
        made.append(calls.voice(view.voice_file_id, caption, chat_id=chat_id, reply_to=reply_to))
    return made


async def clear_buttons(session: AsyncSession, row: OutboxMessage) -> list[Call]:
    """A retired card's buttons taken off its message (an empty keyboard), wherever it is now.

    Sent whatever the chat serves now: a stale button would only be refused when pressed.
    """
    card_id = row.payload.get("card_id")
    if card_id is None:
        return []
    message_id = await card_store.card_message_id(
        session=session, card_id=int(card_id), chat_id=row.chat_id
    )
    if message_id is None:
        return []
    call = calls.clear_buttons(message_id, chat_id=row.chat_id)
    call.card_id, call.shown = int(card_id), CLEARED
    return [call]


async def mark_stale(session: AsyncSession, row: OutboxMessage) -> list[Call]:
    """A duplicate card message: its text kept (cut to fit), a line saying it is out of date,
    and no buttons. Sent whatever the chat serves now, as clear_buttons is."""
    payload = row.payload
    line = t(language_for(payload.get("language"), DEFAULT_LANGUAGE), "card.stale")
    text = calls.fit(str(payload.get("text") or ""), calls.MAX_TEXT - calls.units(line) - 2)
    shown = f"{text}\n\n{line}" if text else line
    return [calls.edit_text(int(payload["message_id"]), shown, chat_id=row.chat_id)]
