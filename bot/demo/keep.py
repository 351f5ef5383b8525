"""What the demo keeps after it ends: the /stats chart and the /export ledger, as files."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram import Bot

from emulator.models import StoredMessage


async def keep_files(bot: Bot, messages: list[StoredMessage], folder: Path) -> list[Path]:
    """Download the photos and documents among `messages` (through the Bot API, as any client
    would) into `folder`; returns the files written."""
    written = []
    for message in messages:
        if message.get("photo"):
            file_id, name = message["photo"][-1]["file_id"], "统计图.png"
        elif message.get("document"):
            document = message["document"]
            file_id, name = document["file_id"], document.get("file_name") or "台账.xlsx"
        else:
            continue
        telegram_file = await bot.get_file(file_id)
        path = folder / Path(name).name
        data = bytes(await telegram_file.download_as_bytearray())
        await asyncio.to_thread(path.write_bytes, data)
        written.append(path)
    return written
