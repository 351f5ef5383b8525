"""Failover: the time from SIGKILL of the leader to the standby's first send.

    python bench/failover.py                 # 10 runs, goal < 10 s
    python bench/failover.py --runs 20 --server postgresql://postgres@127.0.0.1:5432/postgres

It makes a fresh PostgreSQL database on the server (TEST_DATABASE_URL's, by default) with the
example round open today, starts the emulator (flood limits on) and two real `xuncha run`
processes on that database. Each run waits until one leads and the other stands by, has a
resident write and be answered, then SIGKILLs the leader and at once has the resident write
again: the clock stops at the first sendMessage that reaches the emulator after the kill,
the standby's answer (it had to notice the lock was free, take it, count the last minute's
sends, poll Telegram, handle the update and send). The killed process is started again as
the next standby. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from bench._machine import cpu_model, on_server  # noqa: E402
from emulator import BotApiEmulator  # noqa: E402
from tests.helpers.harness import TOKEN, load_roster_text  # noqa: E402
from tests.helpers.processes import BotProcess, leader_of, wait_for  # noqa: E402
from tests.helpers.rosters import roster_with_dates  # noqa: E402

GOAL_SECONDS = 10.0
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


async def _one_run(emu: BotApiEmulator, bots: list[BotProcess]) -> float:
    """Kill the leader once; seconds until the first sendMessage after the kill."""
    await wait_for(
        lambda: leader_of(bots) is not None and all(b.role() for b in bots),
        timeout=120,
        what="a leader and a standby",
    )
    leader = leader_of(bots)
    assert leader is not None
    resident = emu.add_user(first_name="王", language_code="zh")
    emu.send_text(resident, "/help")
    await emu.wait_until(lambda: emu.bot_messages(resident.id), timeout=60)
    await asyncio.sleep(1.5)  # quiet: nothing of the warm-up still on its way
    killed_at = time.time()
    await leader.kill()
    emu.send_text(resident, "/my")

    def first_send() -> float | None:
        sends = [r.time for r in emu.requests_of("sendMessage") if r.time > killed_at]
        return min(sends) if sends else None

    sent_at: float = await emu.wait_until(first_send, timeout=120, interval=0.005)
    await leader.start()
    return sent_at - killed_at


async def main(runs: int, server: str) -> None:
    """Make the database, run, print, drop it."""
    name = f"xuncha_failover_{uuid.uuid4().hex[:10]}"
    await on_server(server, f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    await load_roster_text(url, roster_with_dates(today - timedelta(7), today + timedelta(30)))
    times: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        async with BotApiEmulator(token=TOKEN, enforce_limits=True) as emu:
            emu.flood_limits = True
            bots = [BotProcess(emu, url, Path(folder) / f"bot{i}.log") for i in range(2)]
            try:
                for bot in bots:
                    await bot.start()
                for run in range(1, runs + 1):
                    seconds = await _one_run(emu, bots)
                    times.append(seconds)
                    print(f"run {run:2}: {seconds:6.2f} s", flush=True)
            finally:
                for bot in bots:
                    await bot.stop()
    await on_server(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print()
    print(f"SIGKILL of the leader -> the standby's first send, {runs} runs:")
    print(
        f"  min {min(times):.2f} s, median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s   (goal: < {GOAL_SECONDS:.0f} s)"
    )
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"  machine: {cpu_model()}, {os.cpu_count()} cores, load average {load}")
    print(f"  Python {platform.python_version()}, PostgreSQL at {make_url(server).host}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--server",
        default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_SERVER,
        help="a PostgreSQL server URL (a database is made on it and dropped)",
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.server))
