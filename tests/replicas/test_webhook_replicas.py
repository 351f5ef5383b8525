"""Two replicas in webhook mode behind a load balancer, on one PostgreSQL: an update is
handled once whichever replica gets it (both at once, too), and one chat's updates, split
between the replicas, are handled in order."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
from sqlmodel import select

from bot.webhook import SECRET_HEADER
from emulator import BotApiEmulator
from emulator.models import User
from storage.db import Database
from storage.models import Complaint, Draft, ProcessedUpdate
from tests.helpers.balancer import Balancer
from tests.helpers.harness import WEBHOOK_PATH, WEBHOOK_SECRET, free_port
from tests.helpers.processes import BotProcess, leader_of, wait_for
from tests.helpers.scripted import doubles, file_complaint
from tests.replicas.conftest import needs_postgresql

pytestmark = needs_postgresql


def _start_update(update_id: int, user: User) -> dict[str, Any]:
    """A /start deep link from `user`, as Telegram POSTs it."""
    text = "/start v_xiaodian"
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": user.to_dict(),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def _processed(url: str) -> list[ProcessedUpdate]:
    database = Database(url)
    try:
        async with database.transaction() as session:
            return list((await session.exec(select(ProcessedUpdate))).all())
    finally:
        await database.dispose()


async def _rows(url: str, model: type[Complaint] | type[Draft]) -> list[Any]:
    database = Database(url)
    try:
        async with database.transaction() as session:
            return list((await session.exec(select(model))).all())
    finally:
        await database.dispose()


async def _replicas(
    emu: BotApiEmulator, url: str, tmp_path: Path, balancer_url: str, ports: list[int]
) -> list[BotProcess]:
    """Two processes in webhook mode, each on its own port, Telegram posting to the balancer."""
    bots = [
        BotProcess(
            emu,
            url,
            tmp_path / f"bot{i}.log",
            WEBHOOK_URL=balancer_url,
            WEBHOOK_SECRET=WEBHOOK_SECRET,
            WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        )
        for i, port in enumerate(ports)
    ]
    for bot in bots:
        await bot.start()
    await wait_for(
        lambda: leader_of(bots) is not None and all("webhook set to" in b.text() for b in bots),
        timeout=60,
        what="two replicas in webhook mode",
    )
    return bots


async def test_one_chats_updates_split_between_replicas_are_handled_in_order(
    emu: BotApiEmulator, pg_url: str, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    backends = [f"http://127.0.0.1:{port}{WEBHOOK_PATH}" for port in ports]
    async with Balancer(backends) as balancer:
        bots = await _replicas(emu, pg_url, tmp_path, balancer.url, ports)
        try:
            resident = emu.add_user(first_name="王", language_code="zh")
            number = await file_complaint(emu, resident)

            # Consecutive updates of the chat went to one replica, then the other.
            assert set(balancer.sent_to) == {0, 1}
            assert [c.number for c in await _rows(pg_url, Complaint)] == [number]
            # Every step handled once, in update_id order, across both processes.
            handled = sorted(await _processed(pg_url), key=lambda row: row.update_id)
            assert len(handled) == len([d for d in emu.webhook_deliveries if d.ok]) >= 7
            times = [row.processed_at for row in handled]
            assert times == sorted(times)
            assert doubles(emu.bot_messages(resident.id)) == []
        finally:
            for bot in bots:
                await bot.stop()


async def test_the_same_update_posted_to_both_replicas_at_once_is_handled_once(
    emu: BotApiEmulator, pg_url: str, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    backends = [f"http://127.0.0.1:{port}{WEBHOOK_PATH}" for port in ports]
    async with Balancer(backends) as balancer:
        bots = await _replicas(emu, pg_url, tmp_path, balancer.url, ports)
        try:
            residents = [emu.add_user(first_name=f"居民{i}", language_code="zh") for i in range(8)]
            async with aiohttp.ClientSession() as client:

                async def post(backend: str, body: dict[str, Any]) -> int:
                    async with client.post(
                        backend, json=body, headers={SECRET_HEADER: WEBHOOK_SECRET}
                    ) as answer:
                        return answer.status

                bodies = [_start_update(900_000 + i, r) for i, r in enumerate(residents)]
                statuses = await asyncio.gather(
                    *(post(backend, body) for body in bodies for backend in backends)
                )
            assert statuses == [200] * len(bodies) * 2
            await emu.wait_until(
                lambda: all(emu.bot_messages(r.id) for r in residents), timeout=60
            )
            await asyncio.sleep(2)  # a second answer would be on its way by now
            for resident in residents:
                assert len(emu.bot_messages(resident.id)) == 1
            handled = [row.update_id for row in await _processed(pg_url)]
            assert sorted(u for u in handled if u >= 900_000) == [b["update_id"] for b in bodies]
            drafts = await _rows(pg_url, Draft)
            assert len(drafts) == len(residents)
        finally:
            for bot in bots:
                await bot.stop()
