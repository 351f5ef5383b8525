"""Fixtures: a running emulator and a real PTB Bot talking to it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from telegram import Bot

from emulator import BotApiEmulator

TOKEN = "123456:TEST-token_abc"


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """An emulator with content limits on (flood limits off unless a test turns them on)."""
    async with BotApiEmulator(token=TOKEN, enforce_limits=True) as emulator:
        yield emulator


@pytest_asyncio.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    """An initialized python-telegram-bot Bot pointed at the emulator."""
    async with Bot(
        TOKEN, base_url=f"{emu.base_url}/bot", base_file_url=f"{emu.base_url}/file/bot"
    ) as client:
        yield client
