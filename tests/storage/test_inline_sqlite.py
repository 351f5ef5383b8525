"""SQLite on the event loop's thread (storage/inline_sqlite.py): another writer's lock is waited
for asleep, so the bot's other work goes on meanwhile; long reads go through aiosqlite."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from storage.db import Database
from storage.migrate import upgrade_async
from storage.models import Village

HOLD_SECONDS = 1.5


def hold_write_lock(path: Path) -> subprocess.Popen[bytes]:
    """Another process (a CLI command, say) takes SQLite's write lock and keeps it a while."""
    script = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "c.execute(\"INSERT INTO village (code, name, township) VALUES ('other', '村', '乡')\")\n"
        "print('held', flush=True)\n"
        f"time.sleep({HOLD_SECONDS})\n"
        "c.execute('COMMIT')\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == b"held"
    return process


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database (the inline engine is SQLite's only)."""
    url = f"sqlite:///{tmp_path / 'inline.db'}"
    await upgrade_async(url)
    database = Database(url)
    yield database
    await database.dispose()


async def test_a_write_waits_for_another_process_lock_while_the_loop_keeps_running(
    sqlite_database: Database, tmp_path: Path
) -> None:
    other = hold_write_lock(tmp_path / "inline.db")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    try:
        async with sqlite_database.transaction() as session:
            session.add(Village(code="mine", name="村", township="乡"))
    finally:
        ticker.cancel()
    waited = time.monotonic() - started
    assert other.wait(10) == 0
    # It waited for the other writer's commit (not failed "database is locked")…
    assert waited >= HOLD_SECONDS * 0.8
    # …and the loop ran other tasks meanwhile: blocked in SQLite, it would have ticked ~never.
    assert ticks >= 0.5 * waited / 0.01
    async with sqlite_database.transaction() as session:
        codes = set((await session.exec(select(Village.code))).all())
    assert {"other", "mine"} <= codes


async def test_transactions_run_inline_and_snapshots_through_aiosqlite(
    sqlite_database: Database,
) -> None:
    async with sqlite_database.transaction() as session:
        connection = await session.connection()
        writer = (await connection.get_raw_connection()).driver_connection
        assert isinstance(writer, sqlite3.Connection)
        assert (await connection.execute(text("SELECT 41 + 1"))).scalar() == 42
    async with sqlite_database.snapshot() as session:
        connection = await session.connection()
        reader = (await connection.get_raw_connection()).driver_connection
        assert type(reader).__module__.startswith("aiosqlite")
