"""P2 of issue 12: a burst of complaints into one group chat, all visible there within 3 minutes.

    python bench/group_burst.py                  # 3 runs on SQLite, goal: all visible < 180 s
    python bench/group_burst.py --load           # the same with every core busy
    python bench/group_burst.py --server postgresql://postgres@127.0.0.1:5432/postgres

Each run makes a fresh database with the example round open today, starts the emulator (with
Telegram's flood limits on: 20 messages a minute a group, 30 a second overall) and a real
`xuncha run` process on that database, and links 第三巡察组's chat the way an operator does (a
link code, then /link). Then COMPLAINTS complaints of residents of that group's villages are
filed, evenly over FILING_SECONDS, each with its location (an attachment under its card): the
bench writes each filing in a transaction of its own (storage.complaints.file_complaint, what
the resident's 确认 runs), as another process on the database would. The clock stops when every
complaint's number shows in the group chat (a card, or a burst card of several); the locations
follow at the group's 20 messages a minute (the table says how many were there by then). `--load`
starts one busy-looping process per core for the whole run.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from bench._machine import cpu_model, on_server  # noqa: E402
from emulator import BotApiEmulator  # noqa: E402
from storage import links  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.helpers import factories  # noqa: E402
from tests.helpers.harness import TOKEN, load_roster_text  # noqa: E402
from tests.helpers.processes import BotProcess, leader_of, wait_for  # noqa: E402
from tests.helpers.rosters import roster_with_dates  # noqa: E402

COMPLAINTS = 200
FILING_SECONDS = 60.0
GOAL_SECONDS = 180.0
GROUP_CODE = "g3"  # covers xiaodian, the village the complaints are filed in


@dataclass(frozen=True)
class Run:
    """What one run measured."""

    filed_in: float  # seconds from the first filing to the last
    visible_after: float  # seconds from the first filing until every number showed
    messages: int  # messages in the group that show complaints
    located: int  # locations under their cards when every number showed
    too_many: int  # 429 answers


def _busy() -> None:
    """Spin until killed: one core kept busy."""
    while True:
        pass


async def _database(server: str | None, folder: Path) -> tuple[str, str | None]:
    """A fresh database with the example round open today: its URL and its server name."""
    if server is None:
        url = f"sqlite:///{folder / 'xuncha.db'}"
        name = None
    else:
        name = f"xuncha_burst_{uuid.uuid4().hex[:10]}"
        await on_server(server, f'CREATE DATABASE "{name}"')
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    await load_roster_text(url, roster_with_dates(today - timedelta(7), today + timedelta(30)))
    return url, name


async def _link_group(emu: BotApiEmulator, database: Database) -> int:
    """The group's chat, linked by its administrator with /link: its chat id."""
    admin = emu.add_user(first_name="王组长", language_code="zh")
    chat = emu.add_group(title="第三巡察组工作群", admins=[admin])
    async with database.transaction() as session:
        link = await links.issue_code(
            session=session,
            target="group",
            round_code=None,
            code=GROUP_CODE,
            now=datetime.now(UTC),
        )
    emu.send_text(admin, f"/link {link.code}", chat=chat)
    await emu.wait_until(
        lambda: any("关联成功" in (m.text or "") for m in emu.bot_messages(chat.id)), timeout=60
    )
    return chat.id


async def _one_run(server: str | None, complaints: int, seconds: float) -> Run:
    """Start everything afresh, file the burst, wait until it all shows in the group."""
    with tempfile.TemporaryDirectory() as folder:
        url, name = await _database(server, Path(folder))
        database = Database(url)
        try:
            async with BotApiEmulator(token=TOKEN, enforce_limits=True) as emu:
                emu.flood_limits = True
                bot = BotProcess(emu, url, Path(folder) / "bot.log")
                await bot.start()
                try:
                    await wait_for(lambda: leader_of([bot]) is bot, timeout=60, what="the bot")
                    chat_id = await _link_group(emu, database)
                    return await _burst(emu, database, chat_id, complaints, seconds)
                finally:
                    await bot.stop()
        finally:
            await database.dispose()
            if server is not None and name is not None:
                await on_server(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _burst(
    emu: BotApiEmulator, database: Database, chat_id: int, complaints: int, seconds: float
) -> Run:
    """File the complaints evenly over `seconds`; measure until they all show."""
    before = emu.stats.too_many_requests
    numbers: list[str] = []
    started = time.monotonic()
    for index in range(complaints):
        due = started + seconds * index / complaints
        await asyncio.sleep(max(due - time.monotonic(), 0))
        complaint = await factories.file(database, 8_000_000_000 + index, now=datetime.now(UTC))
        numbers.append(complaint.number)
    filed_in = time.monotonic() - started

    def visible() -> bool:
        shown = "\n".join(m.text or "" for m in emu.bot_messages(chat_id))
        return all(number in shown for number in numbers)

    await emu.wait_until(visible, timeout=GOAL_SECONDS * 3, interval=0.2)
    visible_after = time.monotonic() - started
    # The locations (one message each, replying to the card) go after the cards: how many had
    # gone by then. The rest follow at the group's 20 a minute.
    located = len(emu.requests_of("sendLocation"))
    shown = [m for m in emu.bot_messages(chat_id) if any(n in (m.text or "") for n in numbers)]
    return Run(
        filed_in=filed_in,
        visible_after=visible_after,
        messages=len(shown),
        located=located,
        too_many=emu.stats.too_many_requests - before,
    )


def _spread(values: list[float]) -> str:
    """min / median / max."""
    return f"{min(values):7.1f} {statistics.median(values):7.1f} {max(values):7.1f}"


async def main(runs: int, server: str | None, load: bool, complaints: int) -> None:
    """Run, print the table."""
    spinners: list[multiprocessing.Process] = []
    if load:
        for _ in range(os.cpu_count() or 1):
            spinner = multiprocessing.Process(target=_busy, daemon=True)
            spinner.start()
            spinners.append(spinner)
    results: list[Run] = []
    loads: list[str] = []
    try:
        for run in range(1, runs + 1):
            result = await _one_run(server, complaints, FILING_SECONDS)
            results.append(result)
            loads.append(f"{os.getloadavg()[0]:.2f}")
            print(
                f"run {run}: filed in {result.filed_in:.1f} s, all visible after "
                f"{result.visible_after:.1f} s in {result.messages} messages ({result.located} "
                f"locations under cards by then), {result.too_many} × 429",
                flush=True,
            )
    finally:
        for spinner in spinners:
            spinner.kill()
    backend = "SQLite" if server is None else "PostgreSQL"
    print()
    print(
        f"{complaints} complaints into one group over {FILING_SECONDS:.0f} s, {backend}, "
        f"{'CPU busy (' + str(len(spinners)) + ' spinners)' if load else 'machine as it is'}"
    )
    print(f"{'figure':42} {'min':>7} {'median':>7} {'max':>7}   goal")
    print(
        f"{'all visible in the group (s)':42} "
        f"{_spread([r.visible_after for r in results])}   < {GOAL_SECONDS:.0f}"
    )
    print(f"{'429 answers':42} {_spread([float(r.too_many) for r in results])}   0")
    print(f"{'messages showing them':42} {_spread([float(r.messages) for r in results])}")
    print(
        f"{'locations under their cards by then':42} "
        f"{_spread([float(r.located) for r in results])}"
    )
    print(f"load average (1 min) after each run: {' '.join(loads)}")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--complaints", type=int, default=COMPLAINTS)
    parser.add_argument("--load", action="store_true", help="one busy process per core")
    parser.add_argument(
        "--server",
        default=None,
        help="a PostgreSQL server URL (a database is made on it and dropped); default SQLite",
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.server, arguments.load, arguments.complaints))
