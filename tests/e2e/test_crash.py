"""A real `xuncha run` process killed with SIGKILL loses nothing a resident gave it."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from emulator import BotApiEmulator
from emulator.models import StoredMessage, User
from storage.db import Database
from storage.models import Complaint, Draft, DraftStep
from tests.helpers.harness import TOKEN, load_roster_text
from tests.helpers.rosters import roster_with_dates

ROOT = Path(__file__).resolve().parents[2]
DESCRIPTION = "机井水压低，浇地时间长还费钱，你们管不管？"


class BotProcess:
    """`python -m bot run` as a child process, against the emulator."""

    def __init__(self, emu: BotApiEmulator, database_url: str, log: Path) -> None:
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": emu.base_url,
            "DATABASE_URL": database_url,
            "POLL_TIMEOUT": "5",
        }
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the bot."""
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--verbose",  # the log on stderr too: the test reads it
                "run",
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
            )

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no confirmation of anything."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        """Stop politely if still running."""
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[BotApiEmulator, BotProcess, str]]:
    """The emulator, a database with a round open today, and a bot process (not started)."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    await load_roster_text(
        url, roster_with_dates(today - timedelta(days=7), today + timedelta(30))
    )
    async with BotApiEmulator(token=TOKEN, enforce_limits=True) as emu:
        bot = BotProcess(emu, url, tmp_path / "bot.log")
        try:
            yield emu, bot, url
        finally:
            await bot.stop()
            print((tmp_path / "bot.log").read_text(errors="replace")[-5000:])


def _last(emu: BotApiEmulator, user: User) -> StoredMessage:
    """The bot's latest message to the user."""
    return emu.bot_messages(user.id)[-1]


def _button(message: StoredMessage, prefix: str) -> str:
    """The callback data of the message's first button with that prefix."""
    for _text, data in message.buttons:
        if data and data.startswith(prefix):
            return data
    raise AssertionError(f"no {prefix!r} button in {message.buttons}")


async def _asking(emu: BotApiEmulator, user: User, prefix: str) -> StoredMessage:
    """Wait for the bot's latest message to the user to offer a button with that prefix."""

    def latest() -> StoredMessage | None:
        messages = emu.bot_messages(user.id)
        if messages and any((d or "").startswith(prefix) for _t, d in messages[-1].buttons):
            return messages[-1]
        return None

    await emu.wait_until(lambda: latest() is not None, timeout=30)
    message = latest()
    assert message is not None
    return message


async def _draft(url: str) -> Draft | None:
    database = Database(url)
    try:
        async with database.transaction() as session:
            return (await session.exec(select(Draft))).first()
    finally:
        await database.dispose()


async def _complaints(url: str) -> list[Complaint]:
    database = Database(url)
    try:
        async with database.transaction() as session:
            return list((await session.exec(select(Complaint))).all())
    finally:
        await database.dispose()


def _delivered_ids(emu: BotApiEmulator) -> set[int]:
    """Update ids the bot has fetched so far."""
    return {
        update["update_id"]
        for record in emu.requests_of("getUpdates")
        for update in record.result or []
    }


async def test_sigkill_at_every_kind_of_moment_loses_nothing(
    world: tuple[BotApiEmulator, BotProcess, str], tmp_path: Path
) -> None:
    emu, bot, url = world
    resident = emu.add_user(first_name="王", last_name="保军", language_code="zh")
    await bot.start()

    emu.send_text(resident, "/start v_xiaodian")
    categories = await _asking(emu, resident, "cat:")

    # 1. Killed between two steps: the draft is intact and the conversation goes on.
    emu.press_button(resident, categories, _button(categories, "cat:"))
    await emu.wait_until(lambda: len(emu.bot_messages(resident)) == 2, timeout=30)
    await bot.kill()
    draft = await _draft(url)
    assert draft is not None and draft.step == DraftStep.description
    assert draft.category_code is not None
    await bot.start()

    # 2. Killed while the answer was being sent (committed, not delivered): the resident
    #    gets it after the restart without sending anything again.
    emu.hold("sendMessage")
    emu.send_text(resident, DESCRIPTION)
    held = await emu.wait_for_request("sendMessage", timeout=30)
    await bot.kill()
    emu.release("sendMessage", drop=True)
    assert len(emu.bot_messages(resident)) == 2
    await bot.start()
    await emu.wait_until(
        lambda: any(m.raw_text == held.params["text"] for m in emu.bot_messages(resident)),
        timeout=30,
    )
    after_description = await _asking(emu, resident, "dd:")
    draft = await _draft(url)
    assert draft is not None and draft.description == DESCRIPTION

    # 3. Killed while the update was being handled (before commit): Telegram still has it,
    #    delivers it again, and the resident gets the answer.
    emu.press_button(resident, after_description, _button(after_description, "dd:"))
    await emu.wait_until(lambda: bool(_last(emu, resident).keyboard), timeout=30)
    ask_location = _last(emu, resident)
    blocker = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # the bot's next transaction waits on this lock
    seen = _delivered_ids(emu)
    skip_text = ask_location.keyboard[-1][-1]
    address = emu.send_text(resident, "小店村北头机井旁")
    await emu.wait_until(lambda: len(_delivered_ids(emu) - seen) > 0, timeout=30)
    await asyncio.sleep(0.3)
    await bot.kill()
    blocker.execute("ROLLBACK")
    blocker.close()
    draft = await _draft(url)
    assert draft is not None and draft.step == DraftStep.location and draft.address is None
    await bot.start()
    ask_identity = await _asking(emu, resident, "id:")
    draft = await _draft(url)
    assert draft is not None and draft.address == address.text
    assert skip_text  # the location step offered its keyboard

    # 4. Killed right after confirming: the complaint exists exactly once, and the receipt
    #    arrives after the restart.
    while True:
        buttons = [data for _t, data in ask_identity.buttons if data]
        if any(data.startswith("sm:") for data in buttons):
            break
        emu.press_button(
            resident,
            ask_identity,
            next(
                d
                for _t, d in ask_identity.buttons
                if d and d.startswith("id:") and d.endswith(":a")
            ),
        )
        ask_identity = await _asking(emu, resident, "sm:")
    summary = ask_identity
    emu.hold("sendMessage")
    emu.press_button(resident, summary, _button(summary, "sm:").rsplit(":", 1)[0] + ":ok")
    await emu.wait_for_request("sendMessage", timeout=30)
    await bot.kill()
    emu.release("sendMessage", drop=True)
    complaints = await _complaints(url)
    assert len(complaints) == 1
    await bot.start()
    await emu.wait_until(
        lambda: complaints[0].number in (_last(emu, resident).text or ""), timeout=30
    )
    # The press is delivered again after the restart (it was confirmed or not): still one.
    await asyncio.sleep(1.0)
    assert [c.number for c in await _complaints(url)] == [complaints[0].number]
    assert await _draft(url) is None
