"""Sending cards: the new cards waiting for a chat, combining a burst of them into one message,
and remembering which Telegram message shows a card."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox
from storage.cards.rows import GROUP
from storage.models import CardMessage, Complaint, InspectionGroup, OutboxMessage, OutboxStatus


async def pending_card_rows(
    *, session: AsyncSession, chat_id: int, complaint_ids: list[int]
) -> list[int]:
    """Pending card rows of these complaints in a chat: one render makes them all current."""
    statement = select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.pending,
        OutboxMessage.chat_id == chat_id,
        OutboxMessage.kind == outbox.CARD,
        col(OutboxMessage.complaint_id).in_(complaint_ids),
    )
    return [row_id for row_id in (await session.exec(statement)).all() if row_id is not None]


async def unsent_cards(*, session: AsyncSession, chat_id: int, limit: int) -> list[CardMessage]:
    """Group cards waiting to be sent to a chat, oldest first: only of the group it serves now.

    A card left unsent by an earlier link of the chat (to another group) must never join a
    burst here: it would show that group's complaints, identities included.
    """
    waiting = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.pending,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.kind == outbox.CARD,
            OutboxMessage.complaint_id == Complaint.id,
        )
        .exists()
    )
    statement = (
        select(CardMessage)
        .join(Complaint, col(Complaint.group_card_id) == col(CardMessage.id))
        .join(InspectionGroup, col(InspectionGroup.id) == col(Complaint.group_id))
        .where(
            CardMessage.chat_id == chat_id,
            col(CardMessage.message_id).is_(None),
            CardMessage.kind == GROUP,
            InspectionGroup.chat_id == chat_id,
            waiting,
        )
        .distinct()
        .order_by(col(CardMessage.id))
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def combine_cards(
    *, session: AsyncSession, into: CardMessage, others: list[CardMessage]
) -> None:
    """Show the complaints of `others` in the message of `into` (a burst, one message)."""
    other_ids = [card.id for card in others]
    if not other_ids:
        return
    await session.exec(
        update(Complaint)
        .where(col(Complaint.group_card_id).in_(other_ids))
        .values(group_card_id=into.id)
    )
    await session.exec(delete(CardMessage).where(col(CardMessage.id).in_(other_ids)))


async def card_complaint_ids(*, session: AsyncSession, card_id: int) -> list[int]:
    """The complaints a card message shows."""
    statement = select(Complaint.id).where(
        or_(col(Complaint.group_card_id) == card_id, col(Complaint.department_card_id) == card_id)
    )
    return [cid for cid in (await session.exec(statement)).all() if cid is not None]


async def record_card_message(
    *, session: AsyncSession, card_id: int, chat_id: int, message_id: int
) -> None:
    """Remember which Telegram message shows a card, for later edits and replies.

    Only for a card of the chat the message went to: a card that moved on to another chat
    meanwhile (a group upgraded to a supergroup) is still to be sent there.
    """
    card = await session.get(CardMessage, card_id)
    if card is not None and card.message_id is None and card.chat_id == chat_id:
        card.message_id = message_id
        session.add(card)


async def mark_covered(
    *, session: AsyncSession, row_ids: list[int], by_row: int, now: datetime
) -> None:
    """Rows whose content went out with another row (a newer render, a burst message)."""
    if not row_ids:
        return
    await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(row_ids), col(OutboxMessage.status) == OutboxStatus.pending
        )
        .values(status=OutboxStatus.sent, sent_at=now, last_error=f"covered by row {by_row}")
    )


async def card_message_id(*, session: AsyncSession, card_id: int, chat_id: int) -> int | None:
    """The Telegram message that shows a card in this chat (None: not sent there)."""
    card = await session.get(CardMessage, card_id)
    if card is None or card.chat_id != chat_id:
        return None
    return card.message_id


async def card_shown(*, session: AsyncSession, card_id: int) -> str | None:
    """The fingerprint of what a card message was last delivered showing (None: not known)."""
    card = await session.get(CardMessage, card_id)
    return card.shown if card is not None else None


async def record_shown(*, session: AsyncSession, card_id: int, chat_id: int, shown: str) -> None:
    """Remember what a card message shows now that it was delivered (only in its own chat)."""
    card = await session.get(CardMessage, card_id)
    if card is not None and card.chat_id == chat_id:
        card.shown = shown
        session.add(card)


async def current_card_message(
    *, session: AsyncSession, complaint_id: int, chat_id: int
) -> int | None:
    """The Telegram message that is the complaint's card in this chat now (group or
    department card; a burst message that shows it counts), None when none is recorded there.
    """
    complaint = await session.get(Complaint, complaint_id)
    if complaint is None:
        return None
    for card_id in (complaint.group_card_id, complaint.department_card_id):
        if card_id is None:
            continue
        message_id = await card_message_id(session=session, card_id=card_id, chat_id=chat_id)
        if message_id is not None:
            return message_id
    return None


async def mark_if_stale(
    *,
    session: AsyncSession,
    complaint_id: int,
    chat_id: int,
    message_id: int,
    text: str,
    language: str,
    now: datetime,
) -> bool:
    """Whether a message is not the complaint's card in this chat (a duplicate left by an
    at-least-once send; one is recorded there); if so it is queued to be marked out of date,
    without buttons. The complaint does not change."""
    current = await current_card_message(
        session=session, complaint_id=complaint_id, chat_id=chat_id
    )
    if current is None or current == message_id:
        return False
    outbox.enqueue_mark_stale(
        session=session,
        chat_id=chat_id,
        now=now,
        complaint_id=complaint_id,
        message_id=message_id,
        text=text,
        language=language,
    )
    return True
