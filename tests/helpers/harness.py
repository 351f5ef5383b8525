"""A real bot (Application, intake loop, outbox sender) against the local Bot API emulator."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.ratelimit import RateLimits, unpaced
from bot.service import BotService
from emulator import BotApiEmulator
from storage.clock import FakeClock
from storage.db import Database
from storage.migrate import upgrade_async
from storage.roster import load_roster
from tests.helpers.rosters import example_roster

TOKEN = "123456:TEST-TOKEN"
WEBHOOK_SECRET = "test-webhook_SECRET-0123456789"
WEBHOOK_PATH = "/telegram/webhook"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Inside the example round (2023-02-27 .. 2023-04-12), the day of the seed article's meeting.
DEFAULT_START = datetime(2023, 3, 14, 10, 0, tzinfo=SHANGHAI)


def make_settings(emu: BotApiEmulator, database_url: str, **overrides: Any) -> Settings:
    """Settings pointing the bot at the emulator and a test database (no .env)."""
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_base_url": emu.base_url,
        "database_url": database_url,
        "poll_timeout": 10,
        # Scheduled sweeps run only when a test calls them (tests/e2e/test_schedule.py).
        "scheduled_jobs": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings(port: int | None = None) -> dict[str, Any]:
    """Settings overrides for webhook mode on loopback (the emulator POSTs to the bot)."""
    port = port or free_port()
    return {
        "webhook_url": f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
        "webhook_secret": WEBHOOK_SECRET,
        "webhook_listen": f"127.0.0.1:{port}",
    }


async def load_roster_text(database_url: str, text: str, source: str = "roster.yaml") -> None:
    """Migrate a database and load a roster into it."""
    await upgrade_async(database_url)
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            await load_roster(session=session, text=text, source=source)
    finally:
        await database.dispose()


@dataclass
class BotHarness:
    """One running bot plus the emulator it talks to."""

    emu: BotApiEmulator
    settings: Settings
    clock: FakeClock
    runtime: BotService
    limits: RateLimits | None = None

    @property
    def database(self) -> Database:
        """The bot's database."""
        assert self.runtime.database is not None
        return self.runtime.database

    async def restart(self) -> None:
        """Stop the bot and start a new Application on the same database."""
        await self.runtime.stop()
        await self.restart_stopped()

    async def restart_stopped(self) -> None:
        """Start a new Application on the same database (the old one is stopped)."""
        self.runtime = BotService(self.settings, clock=self.clock, limits=self.limits)
        await self.runtime.start()

    async def settle(self, within: float = 10.0) -> None:
        """Wait until every queued update is handled and the outbox is empty."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            if await self._idle():
                return
            await asyncio.sleep(0.02)
        raise TimeoutError("the bot did not settle")

    async def wait_for(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until `condition()` holds (checked every 20 ms); TimeoutError after `within`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not condition():
            if loop.time() >= deadline:
                raise TimeoutError("the condition did not come true")
            await asyncio.sleep(0.02)

    async def _idle(self) -> bool:
        """Whether nothing is waiting to be handled or sent."""
        if self.settings.webhook_mode:
            # The emulator forgets an update only once the bot answered 2xx (committed).
            if self.emu.pending_updates:
                return False
            return await self.runtime.idle()
        poller = self.runtime.poller
        assert poller is not None
        pending = [u["update_id"] for u in self.emu.pending_updates]
        if pending and (poller.offset is None or poller.offset <= max(pending)):
            return False
        return await self.runtime.idle()


@asynccontextmanager
async def running_bot(
    tmp_path: Path,
    *,
    roster_yaml: str | None = None,
    clock: FakeClock | None = None,
    database_url: str | None = None,
    enforce_limits: bool = True,
    limits: RateLimits | None = None,
    webhook: bool = False,
    **settings_overrides: Any,
) -> AsyncIterator[BotHarness]:
    """Start the emulator and a bot on a fresh database with a roster loaded.

    The outbox is unpaced unless `limits` are given. With `webhook=True` the bot runs in
    webhook mode on a free loopback port (see webhook_settings) instead of long polling.
    """
    # Pacing has tests of its own and only slows the others.
    limits = limits or unpaced()
    url = database_url or f"sqlite:///{tmp_path / 'bot.db'}"
    await load_roster_text(url, roster_yaml if roster_yaml is not None else example_roster())
    async with BotApiEmulator(token=TOKEN, enforce_limits=enforce_limits) as emu:
        if webhook:
            settings_overrides = {**webhook_settings(), **settings_overrides}
        settings = make_settings(emu, url, **settings_overrides)
        fake_clock = clock or FakeClock(DEFAULT_START)
        runtime = BotService(settings, clock=fake_clock, limits=limits)
        await runtime.start()
        harness = BotHarness(
            emu=emu, settings=settings, clock=fake_clock, runtime=runtime, limits=limits
        )
        try:
            yield harness
        finally:
            await harness.runtime.stop()


async def redeliver(harness: BotHarness, update: dict[str, Any]) -> None:
    """Deliver an update again, as Telegram does after a bot died before confirming it."""
    await harness.runtime.stop()
    harness.emu.enqueue_update(dict(update))
    await harness.restart_stopped()
    await harness.settle()
