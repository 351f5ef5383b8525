"""The outbox sender's cost: bot CPU per message sent, and how soon a reply follows its update.

    python bench/sender.py                       # 3 runs on SQLite
    python bench/sender.py --code /work/main     # the same against another checkout's bot
    python bench/sender.py --server postgresql://postgres@127.0.0.1:5432/postgres

Each run makes a fresh database with the example round open today, starts the emulator (flood
limits on) and a real `xuncha run` process (from `--code`, this checkout by default), then:

- queued: QUEUED_CHATS private chats get QUEUED_ROWS ready messages each, written in one
  transaction as a sweep would; the clock and the bot's CPU (/proc) run until all are sent;
- replies: REPLY_RESIDENTS residents each send /help, one after the other every 200 ms; each
  reply's delay is from the update's arrival at the emulator to the reply's sendMessage.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._machine import cpu_seconds  # noqa: E402
from emulator import BotApiEmulator  # noqa: E402
from storage import outbox  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.helpers.harness import TOKEN, load_roster_text  # noqa: E402
from tests.helpers.processes import BotProcess, leader_of, wait_for  # noqa: E402
from tests.helpers.rosters import roster_with_dates  # noqa: E402

QUEUED_CHATS = 200
QUEUED_ROWS = 3
REPLY_RESIDENTS = 100
# Residents write this far apart: a light load, where a reply should follow at once.
REPLY_EVERY = 0.2


class CheckoutBot(BotProcess):
    """`python -m bot run` from a given checkout (its folder is where `bot` is imported from)."""

    def __init__(self, code: Path, *args: Any, profile: Path | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.code = code
        self.profile = profile

    async def start(self) -> None:
        """Start the bot in the checkout's folder."""
        with self.log.open("ab") as log:
            profiling = ["-m", "cProfile", "-o", str(self.profile)] if self.profile else []
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                *profiling,
                "-m",
                "bot",
                "--verbose",
                "run",
                cwd=self.code,
                env=self.env,
                stdout=log,
                stderr=log,
            )


async def _queued(emu: BotApiEmulator, database: Database, pid: int) -> tuple[float, float]:
    """Ready messages to many chats at once: (seconds until all sent, CPU ms a message)."""
    people = [emu.add_user(first_name=f"居民{i}") for i in range(QUEUED_CHATS)]
    before_cpu, before = cpu_seconds(pid), len(emu.requests_of("sendMessage"))
    started = time.monotonic()
    async with database.transaction() as session:
        for n in range(QUEUED_ROWS):
            for person in people:
                outbox.enqueue_call(
                    session=session,
                    chat_id=person.id,
                    method="sendMessage",
                    params={"text": f"通知 {n}"},
                    now=datetime.now(UTC),
                )
    total = QUEUED_CHATS * QUEUED_ROWS
    await emu.wait_until(
        lambda: len(emu.requests_of("sendMessage")) - before >= total, timeout=300, interval=0.05
    )
    seconds = time.monotonic() - started
    await asyncio.sleep(0.5)  # the last rows are marked sent
    return seconds, (cpu_seconds(pid) - before_cpu) * 1000 / total


async def _replies(emu: BotApiEmulator, pid: int) -> tuple[list[float], float]:
    """Residents writing one after the other: (each reply's delay in ms, CPU ms an update)."""
    people = [emu.add_user(first_name=f"村民{i}") for i in range(REPLY_RESIDENTS)]
    before_cpu = cpu_seconds(pid)
    asked: dict[int, float] = {}
    for person in people:
        asked[person.id] = time.time()
        emu.send_text(person, "/help")
        await asyncio.sleep(REPLY_EVERY)

    def answered() -> dict[int, float]:
        first: dict[int, float] = {}
        for record in emu.requests_of("sendMessage"):
            chat = record.params.get("chat_id")
            if chat in asked and chat not in first and record.time >= asked[chat]:
                first[chat] = record.time
        return first

    await emu.wait_until(lambda: len(answered()) == len(people), timeout=120, interval=0.05)
    await asyncio.sleep(0.5)
    delays = [(at - asked[chat]) * 1000 for chat, at in answered().items()]
    return delays, (cpu_seconds(pid) - before_cpu) * 1000 / len(people)


async def _one_run(
    code: Path, profile: Path | None = None
) -> tuple[float, float, list[float], float]:
    """A fresh database, emulator and bot; both scenarios."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'xuncha.db'}"
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        await load_roster_text(url, roster_with_dates(today - timedelta(7), today + timedelta(30)))
        database = Database(url)
        try:
            async with BotApiEmulator(token=TOKEN, enforce_limits=True) as emu:
                emu.flood_limits = True
                bot = CheckoutBot(code, emu, url, Path(folder) / "bot.log", profile=profile)
                await bot.start()
                try:
                    await wait_for(lambda: leader_of([bot]) is bot, timeout=60, what="the bot")
                    assert bot.process is not None
                    await asyncio.sleep(1.0)
                    seconds, per_message = await _queued(emu, database, bot.process.pid)
                    delays, per_update = await _replies(emu, bot.process.pid)
                    return seconds, per_message, delays, per_update
                finally:
                    await bot.stop()
        finally:
            await database.dispose()


def _spread(values: list[float]) -> str:
    """min / median / max."""
    return f"{min(values):8.1f} {statistics.median(values):8.1f} {max(values):8.1f}"


def _p99(values: list[float]) -> float:
    """The 99th percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def main(runs: int, code: Path, profile: Path | None) -> None:
    """Run, print the table."""
    results = []
    for run in range(1, runs + 1):
        seconds, per_message, delays, per_update = await _one_run(code, profile)
        results.append((seconds, per_message, delays, per_update))
        print(
            f"run {run}: {QUEUED_CHATS * QUEUED_ROWS} queued sent in {seconds:.1f} s, "
            f"{per_message:.1f} ms CPU a message; replies median "
            f"{statistics.median(delays):.0f} ms, p99 {_p99(delays):.0f} ms, "
            f"{per_update:.1f} ms CPU an update",
            flush=True,
        )
    print()
    print(f"bot from {code}, SQLite, load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"{'figure':44} {'min':>8} {'median':>8} {'max':>8}")
    rows = [
        (f"{QUEUED_CHATS * QUEUED_ROWS} queued messages: seconds", [r[0] for r in results]),
        ("queued: bot CPU ms a message", [r[1] for r in results]),
        ("reply to /help: median ms", [statistics.median(r[2]) for r in results]),
        ("reply to /help: p99 ms", [_p99(r[2]) for r in results]),
        ("/help: bot CPU ms an update (with its reply)", [r[3] for r in results]),
    ]
    for label, values in rows:
        print(f"{label:44} {_spread(values)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose bot runs")
    parser.add_argument("--profile", type=Path, help="the bot runs under cProfile, into this file")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.code.resolve(), arguments.profile))
