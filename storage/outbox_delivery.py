"""Delivering the outbox: which chats have rows due, a chat's next row, what became of a send."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.fast_sql import FastStatement
from storage.models import OutboxMessage, OutboxStatus
from storage.serving import lost_chat_ids


async def due_chats(*, session: AsyncSession, now: datetime, limit: int = 100) -> list[int]:
    """Chats whose next row may go now, oldest first (a chat waiting out a retry is skipped,
    and so is a linked chat the bot was removed from: its rows wait, storage/lost_chats.py)."""
    # Only a retried row has a future next_attempt_at, and it heads its chat: a chat whose
    # latest next_attempt_at is still ahead is blocked, so it takes no worker slot.
    statement = (
        select(OutboxMessage.chat_id, func.min(OutboxMessage.id).label("first"))
        .where(
            OutboxMessage.status == OutboxStatus.pending,
            col(OutboxMessage.chat_id).not_in(lost_chat_ids()),
        )
        .group_by(col(OutboxMessage.chat_id))
        .having(func.max(OutboxMessage.next_attempt_at) <= now)
        .order_by(func.min(OutboxMessage.id))
        .limit(limit)
    )
    rows = (await session.exec(statement)).all()
    return [chat_id for chat_id, _ in rows]


def _in_chat_order(what: Any, lost_chats_too: bool, limit: int) -> Any:
    """`what` (the row, or some of its columns) of a chat's next pending rows (parameter
    `chat_id`), by priority, then strictly in the order written. `lost_chats_too`: whether
    rows for a lost chat count."""
    table: Any = OutboxMessage.__table__  # type: ignore[attr-defined]
    columns = table.c
    statement = (
        select(*what)
        .where(columns.status == OutboxStatus.pending, columns.chat_id == bindparam("chat_id"))
        .order_by(columns.priority, columns.id)
        .limit(limit)
    )
    if not lost_chats_too:
        statement = statement.where(columns.chat_id.not_in(lost_chat_ids()))
    return statement


@functools.cache
def _chat_rows(lost_chats_too: bool, limit: int) -> Any:
    """A chat's next pending rows; built once: building it cost more than SQLite took to run
    it."""
    return _in_chat_order((OutboxMessage,), lost_chats_too, limit)


@functools.cache
def _chat_heads(lost_chats_too: bool) -> Any:
    """The id and next attempt of a chat's next two pending rows; built once."""
    table: Any = OutboxMessage.__table__  # type: ignore[attr-defined]
    return _in_chat_order((table.c.id, table.c.next_attempt_at), lost_chats_too, 2)


async def head_of_chat(*, session: AsyncSession, chat_id: int) -> OutboxMessage | None:
    """The next row of a chat: by priority, then strictly in the order written."""
    statement = _chat_rows(lost_chats_too=True, limit=1)
    return (await session.exec(statement, params={"chat_id": chat_id})).first()


def _lost_chats_too(chat_id: int) -> bool:
    """Whether a lost chat's rows may count: only group chats are ever lost (a resident who
    blocked the bot fails for good)."""
    return chat_id >= 0


async def next_due(*, session: AsyncSession, chat_id: int, now: datetime) -> OutboxMessage | None:
    """The chat's next row if it may go now: not waiting out a retry, not for a lost chat."""
    statement = _chat_rows(lost_chats_too=_lost_chats_too(chat_id), limit=1)
    head = (await session.exec(statement, params={"chat_id": chat_id})).first()
    return head if head is not None and head.next_attempt_at <= now else None


# Where a session keeps the rows its transaction wrote to the outbox, by id (storage/outbox.py
# writes them without the ORM, so the session's identity map does not hold them).
_WRITTEN = "outbox_written_rows"


def note_written(session: Session, rows: list[OutboxMessage]) -> None:
    """Remember rows this transaction wrote (with their ids), for `due_head`."""
    written = session.info.setdefault(_WRITTEN, {})
    for row in rows:
        written[row.id] = row


_HEADS = {lost: FastStatement.of(_chat_heads(lost_chats_too=lost)) for lost in (False, True)}


async def due_head(
    *, session: AsyncSession, chat_id: int, now: datetime
) -> tuple[OutboxMessage | None, bool]:
    """The chat's next row if it may go now (as `next_due`), and whether another row of the
    chat is pending behind it.

    Called in the transaction that wrote the chat's new rows, whose head is nearly always one
    of them: only ids are read then, and the row is the one written, not loaded again (its
    loading cost more than the rest of the statement, issue 12).
    """
    fast = _HEADS[_lost_chats_too(chat_id)]
    heads = await fast.rows(session, {"chat_id": chat_id})
    more = len(heads) > 1
    if not heads or heads[0][1] > now:
        return None, more
    row_id = heads[0][0]
    written: dict[int, OutboxMessage] = session.info.get(_WRITTEN, {})
    row = written.get(row_id)
    if row is None or row.chat_id != chat_id:
        # Not written here, or moved since by a statement of this transaction (a chat's
        # migration): the row as the database has it.
        row = await session.get(OutboxMessage, row_id)
    return row, more


async def chat_of_row(*, session: AsyncSession, row_id: int) -> int | None:
    """The chat a row is addressed to now (it moves when its chat changes id)."""
    row = await session.get(OutboxMessage, row_id)
    return row.chat_id if row is not None else None


async def _update_row(*, session: AsyncSession, row_id: int, **values: Any) -> None:
    """Write delivery fields of one row, counting the attempt."""
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == row_id)
        .values(attempts=OutboxMessage.attempts + 1, **values)
    )


async def record_payload(*, session: AsyncSession, row_id: int, payload: dict[str, Any]) -> None:
    """Keep what preparing a row produced (a written file, say), so a retry reuses it."""
    await session.exec(
        update(OutboxMessage).where(col(OutboxMessage.id) == row_id).values(payload=payload)
    )


@functools.cache
def _mark_sent(*, with_payload: bool, same_chat: bool) -> Any:
    """Mark a row sent; built once, as `_chat_rows`. Parameters `sent_row_id`, `sent_now`,
    `sent_message_id`, `sent_payload`, `sent_chat_id` (an UPDATE's may not bear the names of
    its columns)."""
    # On the table, not the class: an ORM UPDATE goes through the ORM's bulk-update path, and
    # this statement runs for every message sent (478 against 272 µs a transaction, SQLite).
    # No object of the row is in this session (the sender's rows come from earlier ones):
    # nothing to bring up to date in it.
    table: Any = OutboxMessage.__table__  # type: ignore[attr-defined]
    columns = table.c
    values: dict[str, Any] = {
        "status": OutboxStatus.sent,
        "sent_at": bindparam("sent_now", type_=columns.sent_at.type),
        "message_id": bindparam("sent_message_id", type_=columns.message_id.type),
        "attempts": columns.attempts + 1,
    }
    if with_payload:
        values["payload"] = bindparam("sent_payload", type_=columns.payload.type)
    statement = update(table).where(columns.id == bindparam("sent_row_id"))
    if same_chat:
        statement = statement.where(columns.chat_id == bindparam("sent_chat_id"))
    return statement.values(**values)


_MARKS = {
    (payload, chat): FastStatement.of(_mark_sent(with_payload=payload, same_chat=chat))
    for payload in (False, True)
    for chat in (False, True)
}


async def mark_sent(
    *,
    session: AsyncSession | AsyncConnection,
    row_id: int,
    now: datetime,
    message_id: int | None,
    chat_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Record a successful delivery (with the payload when given); False when `chat_id` is
    given and the row is no longer addressed to it (it moved while being sent: not marked).

    On a session or, for a mark that is all a transaction writes, a bare connection
    (`Database.single_write`)."""
    params: dict[str, Any] = {
        "sent_row_id": row_id,
        "sent_now": now,
        "sent_message_id": message_id,
    }
    if payload is not None:
        params["sent_payload"] = payload
    if chat_id is not None:
        params["sent_chat_id"] = chat_id
    fast = _MARKS[(payload is not None, chat_id is not None)]
    _rows, count = await fast.execute(session, params)
    return count == 1


async def mark_retry(
    *,
    session: AsyncSession,
    row_id: int,
    error: str,
    retry_at: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """Record a failed attempt that will be tried again at `retry_at` (with its progress)."""
    values: dict[str, Any] = {"last_error": error, "next_attempt_at": retry_at}
    if payload is not None:
        values["payload"] = payload
    await _update_row(session=session, row_id=row_id, **values)


async def mark_failed(*, session: AsyncSession, row_id: int, error: str, now: datetime) -> None:
    """Record a permanent failure: the row is not tried again."""
    await _update_row(
        session=session, row_id=row_id, status=OutboxStatus.failed, last_error=error, sent_at=now
    )
