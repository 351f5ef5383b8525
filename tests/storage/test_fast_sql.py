"""The statements run on the DBAPI cursor (storage/fast_sql.py) read and write what SQLAlchemy
would, in the same transaction, and fail as SQLAlchemy would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import exc, insert
from sqlmodel import col, select

from storage import outbox, outbox_delivery, updates
from storage.db import Database
from storage.fast_sql import FastStatement
from storage.models import OutboxMessage, OutboxStatus, ProcessedUpdate
from storage.models import Resident as ResidentRow

NOW = datetime(2026, 12, 3, 9, 30, 15, 123456, tzinfo=UTC)


async def test_a_queued_row_is_written_before_the_chats_head_is_read(database: Database) -> None:
    async with database.transaction() as session:
        outbox.enqueue_call(
            session=session, chat_id=5, method="sendMessage", params={"text": "一"}, now=NOW
        )
        row, more = await outbox_delivery.due_head(session=session, chat_id=5, now=NOW)
        assert row is not None and row.id is not None and not more
        # The time read back is the aware UTC datetime that was written.
        later = await outbox_delivery.due_head(
            session=session, chat_id=5, now=NOW - timedelta(microseconds=1)
        )
        assert later == (None, False)
    async with database.transaction() as session:
        stored = await session.get(OutboxMessage, row.id)
        assert stored is not None
        assert stored.payload == {"method": "sendMessage", "params": {"text": "一"}}
        assert stored.next_attempt_at == NOW


async def test_a_mark_writes_what_the_orm_reads_back(database: Database) -> None:
    async with database.transaction() as session:
        row = outbox.enqueue_call(
            session=session, chat_id=5, method="sendMessage", params={"text": "一"}, now=NOW
        )
        await outbox.write_queued(session=session)
    assert row.id is not None
    async with database.single_write() as connection:
        marked = await outbox_delivery.mark_sent(
            session=connection, row_id=row.id, now=NOW, message_id=77, chat_id=5
        )
        assert marked
    async with database.transaction() as session:
        moved = await outbox_delivery.mark_sent(
            session=session, row_id=row.id, now=NOW, message_id=78, chat_id=6, payload={"a": 1}
        )
        assert not moved
        stored = await session.get(OutboxMessage, row.id)
        assert stored is not None
        assert (stored.status, stored.sent_at, stored.message_id) == (OutboxStatus.sent, NOW, 77)
        assert stored.attempts == 1


async def test_a_claim_rolls_back_with_its_transaction(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            assert await updates.claim(session=session, update_id=9, now=NOW, turn=1)
            raise RuntimeError("the handler failed")
    async with database.transaction() as session:
        assert await updates.claim(session=session, update_id=9, now=NOW, turn=1)
        assert not await updates.claim(session=session, update_id=9, now=NOW, turn=1)
    async with database.transaction() as session:
        stored = await session.get(ProcessedUpdate, 9)
        assert stored is not None and stored.processed_at == NOW


async def test_pending_orm_changes_are_flushed_before_a_fast_statement(
    database: Database,
) -> None:
    count = FastStatement.of(select(ResidentRow.id).where(col(ResidentRow.telegram_id) == 42))
    async with database.transaction() as session:
        session.add(ResidentRow(telegram_id=42, language="zh", created_at=NOW))
        rows = await count.rows(session, {})
        assert len(rows) == 1


async def test_a_driver_error_is_raised_as_sqlalchemys(database: Database) -> None:
    table = ProcessedUpdate.__table__  # type: ignore[attr-defined]
    twice = FastStatement.of(insert(table), columns=("update_id", "processed_at"))
    async with database.transaction() as session:
        await twice.rows(session, {"update_id": 1, "processed_at": NOW})
    with pytest.raises(exc.IntegrityError):
        async with database.transaction() as session:
            await twice.rows(session, {"update_id": 1, "processed_at": NOW})
    # The session's connection is fine afterwards.
    async with database.transaction() as session:
        assert await session.get(ProcessedUpdate, 1) is not None
