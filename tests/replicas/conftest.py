"""Fixtures for tests of replicas: real `xuncha run` processes on one database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from emulator import BotApiEmulator
from tests.conftest import TEST_DATABASE_URL, _create_pg_database, drop_pg_database
from tests.helpers.harness import TOKEN, load_roster_text
from tests.helpers.rosters import roster_with_dates

needs_postgresql = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="replicas need PostgreSQL: set TEST_DATABASE_URL"
)


def roster_open_today() -> str:
    """The example roster, its round running from a week ago to a month from now."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return roster_with_dates(today - timedelta(days=7), today + timedelta(days=30))


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database with a round open today."""
    name = f"xuncha_replicas_{uuid.uuid4().hex[:12]}"
    url = await _create_pg_database(name)
    try:
        await load_roster_text(url, roster_open_today())
        yield url
    finally:
        await drop_pg_database(name)


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file with a round open today."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    await load_roster_text(url, roster_open_today())
    return url


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """The emulator, with Telegram's content and flood limits enforced."""
    async with BotApiEmulator(token=TOKEN, enforce_limits=True) as emulator:
        emulator.flood_limits = True
        yield emulator
