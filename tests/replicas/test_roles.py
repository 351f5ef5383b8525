"""One leader among `xuncha run` processes; a standby takes over; SQLite refuses a second."""

from __future__ import annotations

from pathlib import Path

from emulator import BotApiEmulator
from tests.helpers.cli import ENGLISH
from tests.helpers.processes import BotProcess, leader_of, wait_for
from tests.replicas.conftest import needs_postgresql

REFUSAL = (
    "not started: another xuncha process is running on {path}: SQLite is for one process; "
    "replicas need PostgreSQL"
)


async def test_a_second_process_on_sqlite_is_refused_with_one_line(
    emu: BotApiEmulator, sqlite_url: str, tmp_path: Path
) -> None:
    first = BotProcess(emu, sqlite_url, tmp_path / "first.log")
    second = BotProcess(emu, sqlite_url, tmp_path / "second.log", **ENGLISH)
    try:
        await first.start()
        await wait_for(lambda: "is running in" in first.text(), timeout=60, what="the first bot")
        await second.start()
        assert second.process is not None
        assert await second.process.wait() == 1
        lines = [
            line for line in second.current_text().splitlines() if line.startswith("not started")
        ]
        assert lines == [REFUSAL.format(path=sqlite_url.removeprefix("sqlite:///"))]
        assert "Traceback" not in second.text()
        # The first goes on, alone and leading.
        assert first.running and first.roles() == ["leader: SQLite: the only process"]
        resident = emu.add_user(first_name="王", language_code="zh")
        emu.send_text(resident, "/start v_xiaodian")
        await emu.wait_until(lambda: emu.bot_messages(resident.id), timeout=30)
    finally:
        await first.stop()
        await second.stop()


@needs_postgresql
async def test_one_leader_and_a_standby_that_takes_over_when_it_is_killed(
    emu: BotApiEmulator, pg_url: str, tmp_path: Path
) -> None:
    bots = [BotProcess(emu, pg_url, tmp_path / f"bot{i}.log") for i in range(3)]
    try:
        for bot in bots:
            await bot.start()
        await wait_for(
            lambda: all(bot.role() for bot in bots) and leader_of(bots) is not None,
            timeout=60,
            what="one leader and two standbys",
        )
        first = leader_of(bots)
        assert first is not None
        assert sorted(bot.role() or "" for bot in bots) == ["leader", "standby", "standby"]
        resident = emu.add_user(first_name="王", language_code="zh")
        emu.send_text(resident, "/start v_xiaodian")
        await emu.wait_until(lambda: len(emu.bot_messages(resident.id)) == 1, timeout=30)

        await first.kill()
        await wait_for(lambda: leader_of(bots) is not None, timeout=30, what="a new leader")
        second = leader_of(bots)
        assert second is not None and second is not first
        assert second.roles()[-2:] == [
            "standby: connected; waiting for the leader's lock",
            "leader: took the leader's lock",
        ]
        emu.send_text(resident, "/help")
        await emu.wait_until(lambda: len(emu.bot_messages(resident.id)) == 2, timeout=30)

        # The killed one comes back as a standby.
        await first.start()
        await wait_for(lambda: first.role() == "standby", timeout=60, what="a standby")
        assert leader_of(bots) is second
    finally:
        for bot in bots:
            await bot.stop()
