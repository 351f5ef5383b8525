"""Handled updates and sent outbox rows are kept for a while, and then forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from storage import outbox, schedule, updates
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus

HANDLED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


async def test_a_redelivery_within_48_hours_is_recognised(database: Database) -> None:
    async with database.transaction() as session:
        updates.mark_processed(session=session, update_id=7001, now=HANDLED)
    async with database.transaction() as session:
        report = await schedule.sweep_housekeeping(
            session=session, now=HANDLED + timedelta(hours=47)
        )
        assert report.forgotten == 0
        assert await updates.is_processed(session=session, update_id=7001)


async def test_the_sweep_forgets_old_updates_so_a_reused_id_is_handled(
    database: Database,
) -> None:
    # After a week without updates Telegram numbers them at random: an id can come back.
    async with database.transaction() as session:
        updates.mark_processed(session=session, update_id=7001, now=HANDLED)
        updates.mark_processed(session=session, update_id=7002, now=HANDLED + timedelta(days=2))
    async with database.transaction() as session:
        keys = await schedule.run_all(session=session, now=HANDLED + timedelta(hours=49))
        assert keys == []
    async with database.transaction() as session:
        assert not await updates.is_processed(session=session, update_id=7001)
        assert await updates.is_processed(session=session, update_id=7002)


async def test_sent_outbox_rows_are_deleted_after_30_days_failed_ones_kept(
    database: Database,
) -> None:
    async with database.transaction() as session:
        for text in ("old", "recent", "failed", "pending"):
            outbox.enqueue_call(
                session=session,
                chat_id=7001,
                method="sendMessage",
                params={"text": text},
                now=HANDLED,
            )
    async with database.transaction() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
        old, recent, failed, _pending = rows
        old.status, old.sent_at = OutboxStatus.sent, HANDLED
        recent.status, recent.sent_at = OutboxStatus.sent, HANDLED + timedelta(days=2)
        failed.status, failed.sent_at = OutboxStatus.failed, HANDLED
        session.add_all([old, recent, failed])
    async with database.transaction() as session:
        report = await schedule.sweep_housekeeping(
            session=session, now=HANDLED + timedelta(days=31)
        )
        assert report.forgotten == 1
    async with database.transaction() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
        assert [r.payload["params"]["text"] for r in rows] == ["recent", "failed", "pending"]


async def test_an_update_is_claimed_once_and_a_rolled_back_claim_leaves_it_unhandled(
    database: Database,
) -> None:
    class Failed(Exception):
        pass

    try:
        async with database.transaction() as session:
            assert await updates.claim(session=session, update_id=7003, now=HANDLED, turn=42)
            raise Failed
    except Failed:
        pass
    async with database.transaction() as session:
        assert not await updates.is_processed(session=session, update_id=7003)
        assert await updates.claim(session=session, update_id=7003, now=HANDLED, turn=42)
    async with database.transaction() as session:
        # A second copy (Telegram again, or another replica) finds it handled.
        assert not await updates.claim(session=session, update_id=7003, now=HANDLED, turn=42)
        assert await updates.is_processed(session=session, update_id=7003)
