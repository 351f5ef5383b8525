"""What the health endpoint reads (storage/health.py): the schema's revision and the outbox."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from alembic import command
from alembic.script import ScriptDirectory

from storage import health, lost_chats, outbox
from storage.db import Database
from storage.migrate import alembic_config
from storage.models import OutboxStatus
from tests.helpers.factories import G3_CHAT, NOW, example_world, file, outbox_rows


async def test_a_migrated_database_is_at_the_codes_head(database: Database) -> None:
    heads = health.head_revisions()
    assert len(heads) == 1
    async with database.snapshot() as session:
        assert await health.schema_revisions(session=session) == heads


async def test_a_database_marked_one_revision_behind_is_not_at_the_head(
    database: Database, database_url: str
) -> None:
    config = alembic_config(database_url)
    (head,) = health.head_revisions()
    previous = ScriptDirectory.from_config(config).get_revision(head).down_revision
    assert isinstance(previous, str)
    await asyncio.to_thread(command.stamp, config, previous)
    async with database.snapshot() as session:
        assert await health.schema_revisions(session=session) == {previous}


async def test_the_outbox_by_status_and_the_age_of_its_oldest_pending_row(
    database: Database,
) -> None:
    await example_world(database)
    async with database.snapshot() as session:
        empty = await health.outbox_health(session=session, now=NOW)
    assert empty.by_status == {"pending": 0, "sent": 0, "failed": 0}
    assert empty.waiting == 0 and empty.oldest_pending_age is None

    # g3's complaint at NOW, g5's ten minutes later, another g5's twenty minutes later: one
    # row of that last one sent, one failed.
    await file(database, 1001, village="xiaodian")
    g3_rows = await outbox_rows(database)
    await file(database, 1002, village="youyue", now=NOW + timedelta(minutes=10))
    await file(database, 1003, village="youyue", now=NOW + timedelta(minutes=20))
    rows = await outbox_rows(database)
    last = [r for r in rows if r.created_at == NOW + timedelta(minutes=20)]
    assert g3_rows and len(last) >= 2
    async with database.transaction() as session:
        await outbox.mark_sent(session=session, row_id=last[-1].id or 0, now=NOW, message_id=7)
        await outbox.mark_failed(session=session, row_id=last[-2].id or 0, error="400", now=NOW)
    later = NOW + timedelta(minutes=30)
    async with database.snapshot() as session:
        seen = await health.outbox_health(session=session, now=later)
    pending = len(rows) - 2
    assert seen.by_status == {"pending": pending, "sent": 1, "failed": 1}
    assert seen.waiting == 0
    assert seen.oldest_pending_age == 30 * 60, "g3's rows, written at NOW"

    # g3's chat lost: its rows wait for the bot to be back, so the oldest that counts is g5's.
    async with database.transaction() as session:
        await lost_chats.mark_lost(session=session, chat_id=G3_CHAT, now=NOW)
    async with database.snapshot() as session:
        seen = await health.outbox_health(session=session, now=later)
    waiting = [r for r in rows if r.chat_id == G3_CHAT and r.status == OutboxStatus.pending]
    assert seen.waiting == len(waiting) == len(g3_rows)
    assert seen.oldest_pending_age == 20 * 60, "g5's rows, written ten minutes later"
