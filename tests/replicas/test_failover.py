"""Three `xuncha run` processes on one PostgreSQL; the leader is SIGKILLed again and again
during a burst of complaints and button presses, and nothing is lost or doubled (but the
one call per chat that may have been in flight at a kill, which is counted and reported)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from sqlmodel import col, select

from emulator import BotApiEmulator
from emulator.models import Chat
from storage.db import Database
from storage.models import Complaint, OutboxMessage, SentNotice
from tests.helpers.processes import BotProcess, leader_of, wait_for
from tests.helpers.scripted import card_presses, doubles, file_complaint, link_group
from tests.replicas.conftest import needs_postgresql

pytestmark = needs_postgresql

RESIDENTS = 20
KILLS = 4


async def _rows(url: str) -> tuple[list[Complaint], list[SentNotice], list[OutboxMessage]]:
    """Complaints, remembered notices and the notice rows of the outbox."""
    database = Database(url)
    try:
        async with database.transaction() as session:
            complaints = list((await session.exec(select(Complaint))).all())
            notices = list((await session.exec(select(SentNotice))).all())
            rows = await session.exec(
                select(OutboxMessage).where(col(OutboxMessage.kind) == "notice")
            )
            return complaints, notices, list(rows.all())
    finally:
        await database.dispose()


async def _press_cards(emu: BotApiEmulator, chat: Chat, done: asyncio.Event) -> set[int]:
    """The group's administrator accepts every card as it appears, once each."""
    pressed: set[int] = set()
    admin = emu.user(chat.admin_ids[0])
    while not done.is_set():
        for complaint_id, (message, data) in card_presses(emu, chat).items():
            if complaint_id not in pressed:
                pressed.add(complaint_id)
                emu.press_button(admin, message, data, chat=chat)
        await asyncio.sleep(0.2)
    return pressed


async def _kill_leaders(bots: list[BotProcess], kills: list[float], done: asyncio.Event) -> None:
    """SIGKILL whoever leads at random moments, and start it again (as a standby)."""
    loop = asyncio.get_running_loop()
    while len(kills) < KILLS and not done.is_set():
        await asyncio.sleep(random.uniform(1.0, 4.0))
        await wait_for(lambda: leader_of(bots) is not None, timeout=60, what="a leader")
        leader = leader_of(bots)
        assert leader is not None
        await leader.kill()
        kills.append(loop.time())
        await leader.start()


async def test_killing_the_leader_during_a_burst_loses_nothing_and_doubles_nothing(
    emu: BotApiEmulator, pg_url: str, tmp_path: Path
) -> None:
    bots = [BotProcess(emu, pg_url, tmp_path / f"bot{i}.log") for i in range(3)]
    try:
        for bot in bots:
            await bot.start()
        await wait_for(lambda: leader_of(bots) is not None, timeout=60, what="a leader")
        chat = await link_group(emu, pg_url)
        residents = [
            emu.add_user(first_name=f"居民{i}", language_code="zh") for i in range(RESIDENTS)
        ]

        done = asyncio.Event()
        kills: list[float] = []
        killer = asyncio.create_task(_kill_leaders(bots, kills, done))
        presser = asyncio.create_task(_press_cards(emu, chat, done))
        numbers = await asyncio.gather(*(file_complaint(emu, r) for r in residents))
        await killer
        complaints, _, _ = await _rows(pg_url)

        # Every card accepted, every resident told so (the press may land on a dying leader).
        def all_told() -> bool:
            return all(
                sum("已受理" in (m.text or "") for m in emu.bot_messages(r.id)) >= 1
                for r in residents
            )

        await emu.wait_until(all_told, timeout=180)
        done.set()
        pressed = await presser
        await asyncio.sleep(3)  # anything still on its way arrives (and would be counted)

        complaints, notices, notice_rows = await _rows(pg_url)
        assert len(complaints) == RESIDENTS
        assert sorted(c.number for c in complaints) == sorted(numbers)
        assert len({c.resident_id for c in complaints}) == RESIDENTS
        assert {c.status for c in complaints} == {"accepted"}
        assert pressed == {c.id for c in complaints}
        assert len(kills) == KILLS

        # Each card once in the group chat (a burst message may show several).
        group_messages = emu.bot_messages(chat.id)
        for complaint in complaints:
            cards = [
                m
                for m in group_messages
                if complaint.number in (m.text or "")
                and any(d and d.split(":")[2:3] == [str(complaint.id)] for _t, d in m.buttons)
            ]
            assert len(cards) == 1, (complaint.number, cards)
        # The sweeps wrote each notice once (a notice to a chat not linked writes no row), and
        # each went out once.
        assert 0 < len(notice_rows) <= len(notices)
        for row in notice_rows:
            assert row.status == "sent"
            shown = [m for m in emu.bot_messages(row.chat_id) if m.message_id == row.message_id]
            assert len(shown) == 1
            copies = [m for m in emu.bot_messages(row.chat_id) if m.text == shown[0].text]
            assert len(copies) == 1, shown[0].text

        # Doubles: the same text twice in one chat. Only a call in flight at a kill can be
        # one, at most one per chat and kill.
        doubled = {r.id: doubles(emu.bot_messages(r.id)) for r in residents}
        doubled[chat.id] = doubles(group_messages)
        total = sum(len(texts) for texts in doubled.values())
        print(f"doubles after {KILLS} kills: {total}", {k: v for k, v in doubled.items() if v})
        assert all(len(texts) <= KILLS for texts in doubled.values())

        # Telegram's limits held across every takeover.
        too_many = [r for r in emu.server.requests if r.status == 429]
        assert too_many == [], [(r.method, r.params.get("chat_id")) for r in too_many]
        for bot in bots:
            assert "Traceback" not in bot.text(), bot.text()[-3000:]
    finally:
        for bot in bots:
            await bot.stop()
