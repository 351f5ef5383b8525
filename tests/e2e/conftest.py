"""Fixtures of the end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.helpers.harness import BotHarness, running_bot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    """A running bot with the example roster (clock: 2023-03-14 10:00 in Shanghai)."""
    async with running_bot(tmp_path) as harness:
        yield harness
