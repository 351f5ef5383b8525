"""The files the bot sends (/export's ledger), downloaded from the emulator and read back."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from emulator.models import StoredMessage
from handlers.ledger_file import HEADERS, LEDGER_SHEET, SUMMARY_SHEET
from tests.helpers.harness import BotHarness


async def download(bot: BotHarness, file_id: str) -> bytes:
    """A file the bot sent, downloaded from the emulator like any Telegram client would."""
    assert bot.runtime.app is not None
    telegram_file = await bot.runtime.app.bot.get_file(file_id)
    return bytes(await telegram_file.download_as_bytearray())


def only(messages: list[StoredMessage], field: str) -> StoredMessage:
    """The one message among these that has `field` (a document, a photo)."""
    found = [m for m in messages if m.get(field)]
    assert len(found) == 1, f"not one {field} among {messages}"
    return found[0]


def ledger_rows(data: bytes) -> list[tuple[Any, ...]]:
    """The 台账 sheet's rows below the header (padded to the header's width)."""
    workbook = load_workbook(io.BytesIO(data))
    rows = [tuple(row) for row in workbook[LEDGER_SHEET].iter_rows(values_only=True)]
    assert rows[0] == HEADERS
    assert SUMMARY_SHEET in workbook.sheetnames
    return [row + (None,) * (len(HEADERS) - len(row)) for row in rows[1:]]
