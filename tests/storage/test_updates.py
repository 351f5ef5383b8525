"""Handled updates are remembered long enough to ignore a redelivery, and then forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import schedule, updates
from storage.db import Database

HANDLED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


async def test_a_redelivery_within_48_hours_is_recognised(database: Database) -> None:
    async with database.transaction() as session:
        updates.mark_processed(session=session, update_id=7001, now=HANDLED)
    async with database.transaction() as session:
        report = await schedule.sweep_updates(session=session, now=HANDLED + timedelta(hours=47))
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
