"""The outbox: notifications written with the change that causes them, sent afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Complaint, OutboxMessage, OutboxStatus, TimelineEvent

# Kinds rendered from the current state when sent (see handlers/outbox_views.py).
CARD = "card"
DEPARTMENT_CARD = "dept_card"
ATTACHMENTS = "attachments"
EVENT = "event"
API = "api"


def enqueue_call(
    *,
    session: AsyncSession,
    chat_id: int,
    method: str,
    params: dict[str, Any],
    now: datetime,
    complaint_id: int | None = None,
) -> OutboxMessage:
    """Add a ready Bot API call (JSON-serialisable params) to the outbox of this transaction."""
    return _enqueue(
        session=session,
        chat_id=chat_id,
        kind=API,
        payload={"method": method, "params": params},
        now=now,
        complaint_id=complaint_id,
    )


def _enqueue(
    *,
    session: AsyncSession,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    complaint_id: int | None,
    priority: int = 0,
) -> OutboxMessage:
    """Add a row of any kind."""
    row = OutboxMessage(
        created_at=now,
        chat_id=chat_id,
        kind=kind,
        payload=payload,
        complaint_id=complaint_id,
        next_attempt_at=now,
        priority=priority,
    )
    session.add(row)
    return row


def enqueue_card(
    *, session: AsyncSession, complaint: Complaint, chat_id: int, now: datetime
) -> OutboxMessage:
    """Show the complaint's group card as it is when sent (new, or an edit in place)."""
    return _enqueue(
        session=session,
        chat_id=chat_id,
        kind=CARD,
        payload={"complaint_id": complaint.id},
        now=now,
        complaint_id=complaint.id,
    )


def enqueue_department_card(
    *, session: AsyncSession, complaint: Complaint, chat_id: int, now: datetime
) -> OutboxMessage:
    """Show the complaint's card in a department chat (never with the resident's identity)."""
    return _enqueue(
        session=session,
        chat_id=chat_id,
        kind=DEPARTMENT_CARD,
        payload={"complaint_id": complaint.id},
        now=now,
        complaint_id=complaint.id,
    )


def enqueue_attachments(
    *, session: AsyncSession, complaint: Complaint, chat_id: int, now: datetime
) -> OutboxMessage:
    """Send the location, photos and voice under the card, after any pending cards."""
    return _enqueue(
        session=session,
        chat_id=chat_id,
        kind=ATTACHMENTS,
        payload={"complaint_id": complaint.id},
        now=now,
        complaint_id=complaint.id,
        priority=1,
    )


def enqueue_event(
    *,
    session: AsyncSession,
    event: TimelineEvent,
    chat_id: int,
    now: datetime,
    complaint_id: int | None = None,
) -> OutboxMessage:
    """Tell a chat about one timeline event (flushed, so it has an id), rendered when sent."""
    return _enqueue(
        session=session,
        chat_id=chat_id,
        kind=EVENT,
        payload={"event_id": event.id},
        now=now,
        complaint_id=complaint_id if complaint_id is not None else event.complaint_id,
    )


async def due_chats(*, session: AsyncSession, now: datetime, limit: int = 100) -> list[int]:
    """Chats that have a pending row whose time has come, oldest first."""
    statement = (
        select(OutboxMessage.chat_id, func.min(OutboxMessage.id).label("first"))
        .where(OutboxMessage.status == OutboxStatus.pending)
        .group_by(col(OutboxMessage.chat_id))
        .order_by(func.min(OutboxMessage.id))
        .limit(limit)
    )
    rows = (await session.exec(statement)).all()
    return [chat_id for chat_id, _ in rows]


async def head_of_chat(*, session: AsyncSession, chat_id: int) -> OutboxMessage | None:
    """The oldest pending row of a chat: rows of one chat go out strictly in order."""
    statement = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.pending, OutboxMessage.chat_id == chat_id)
        .order_by(col(OutboxMessage.id))
        .limit(1)
    )
    return (await session.exec(statement)).first()


async def next_attempt_at(*, session: AsyncSession) -> datetime | None:
    """When the earliest pending row becomes due."""
    statement = select(func.min(OutboxMessage.next_attempt_at)).where(
        OutboxMessage.status == OutboxStatus.pending
    )
    value = (await session.exec(statement)).first()
    if value is not None and value.tzinfo is None:
        # func.min bypasses the column type on SQLite.
        value = value.replace(tzinfo=UTC)
    return value


async def _update_row(*, session: AsyncSession, row_id: int, **values: Any) -> None:
    """Write delivery fields of one row, counting the attempt."""
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == row_id)
        .values(attempts=OutboxMessage.attempts + 1, **values)
    )


async def mark_sent(
    *, session: AsyncSession, row_id: int, now: datetime, message_id: int | None
) -> None:
    """Record a successful delivery."""
    await _update_row(
        session=session,
        row_id=row_id,
        status=OutboxStatus.sent,
        sent_at=now,
        message_id=message_id,
    )


async def mark_retry(
    *, session: AsyncSession, row_id: int, error: str, retry_at: datetime
) -> None:
    """Record a failed attempt that will be tried again at `retry_at`."""
    await _update_row(session=session, row_id=row_id, last_error=error, next_attempt_at=retry_at)


async def mark_failed(*, session: AsyncSession, row_id: int, error: str, now: datetime) -> None:
    """Record a permanent failure: the row is not tried again."""
    await _update_row(
        session=session, row_id=row_id, status=OutboxStatus.failed, last_error=error, sent_at=now
    )


@dataclass(frozen=True)
class OutboxCounts:
    """How many rows are in each delivery state, and the latest failures."""

    pending: int
    sent: int
    failed: int
    latest_failures: list[OutboxMessage]


async def counts(*, session: AsyncSession, failures: int = 10) -> OutboxCounts:
    """Summarise the outbox for operators."""
    rows = (
        await session.exec(
            select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
        )
    ).all()
    by_status = {status: n for status, n in rows}
    latest = (
        await session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.failed)
            .order_by(col(OutboxMessage.id).desc())
            .limit(failures)
        )
    ).all()
    return OutboxCounts(
        pending=by_status.get(OutboxStatus.pending, 0),
        sent=by_status.get(OutboxStatus.sent, 0),
        failed=by_status.get(OutboxStatus.failed, 0),
        latest_failures=list(latest),
    )
