"""The console's server time with 100,000 complaints in a round on PostgreSQL.

    python bench/console.py                          # 100,000 complaints, server on 127.0.0.1
    python bench/console.py --complaints 20000 --requests 100 --overview-requests 20
    python bench/console.py --url postgresql://postgres@db:5432/postgres --keep

It creates a database next to --url (dropped afterwards unless --keep), loads the example
round (tests/fixtures), inserts the complaints in bulk with their timelines (the generator of
bench/export_memory.py: realistic text, statuses, departments, due dates, surveys), serves the
console (console/app.py) on a loopback port, logs in as the round office with a one-time link,
and times GET requests one after the other, each page several times: the list (first page,
a status filter, searches (机井, 机井水压, a text found nowhere), page 100, overdue, by due
date) and the overview; and, for the overview's share, storage/rates.py's round_rates called
on its own. The time is the request's on the loopback, from sending to the last byte: the
server's time plus a loopback round trip. The table gives p50, p95 and p99 beside the goals
(list < 200 ms p99, overview < 300 ms p99).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._loading import CHUNK, complaint, fresh_database  # noqa: E402
from bench.export_memory import ROSTER, ROUND_CODE  # noqa: E402

GOALS = {"list": 0.200, "overview": 0.300}
LIST_VIEWS = {
    "list": "/list",
    "list status=handed_off": "/list?status=handed_off",
    "list q=机井": "/list?q=%E6%9C%BA%E4%BA%95",
    # Three characters and more: the pg_trgm index (migration 0017); one that matches nothing.
    "list q=机井水压": "/list?q=%E6%9C%BA%E4%BA%95%E6%B0%B4%E5%8E%8B",
    "list q=不存在的词语": "/list?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E8%AF%8D%E8%AF%AD",
    "list page 100": "/list?page=100",
    "list overdue": "/list?overdue=1",
    "list sort=due": "/list?sort=due",
}


async def build(url: str, complaints: int, seed: int = 14) -> datetime:
    """The example round with `complaints` complaints and timelines; returns a "now" inside it."""
    from sqlalchemy import insert, select, update

    from storage.db import Database
    from storage.migrate import upgrade_async
    from storage.models import (
        Category,
        Complaint,
        Department,
        GroupVillage,
        Resident,
        Round,
        TimelineEvent,
    )
    from storage.roster import load_roster_path

    await upgrade_async(url)
    await load_roster_path(url, ROSTER)
    rng = random.Random(seed)
    zone = ZoneInfo("Asia/Shanghai")
    database = Database(url)
    async with database.transaction() as session:
        conn = await session.connection()
        round_ = (await conn.execute(select(Round).where(Round.code == ROUND_CODE))).one()
        villages = [(g.village_id, g.group_id) for g in await conn.execute(select(GroupVillage))]
        categories = [c.code for c in (await conn.execute(select(Category))).all()]
        departments = (await conn.execute(select(Department))).all()
        clue = [d.id for d in departments if d.receives_clues]
        plain = [d.id for d in departments if not d.receives_clues]
        start = datetime.combine(round_.starts_on, datetime.min.time(), zone).astimezone(UTC)
        residents = max(complaints // 3, 1)
        for first in range(0, residents, CHUNK):
            await conn.execute(
                insert(Resident),
                [
                    {
                        "telegram_id": 10_000_000 + n,
                        "language": "zh",
                        "language_chosen": False,
                        "first_name": "王",
                        "last_name": "秀英",
                        "created_at": start,
                    }
                    for n in range(first, min(first + CHUNK, residents))
                ],
            )
        resident_ids = list((await conn.execute(select(Resident.id))).scalars())
        # Filed over the round's first 30 days; "now" is the day after.
        seconds = 30 * 86400
        for first in range(1, complaints + 1, CHUNK):
            rows: list[dict[str, Any]] = []
            events: list[dict[str, Any]] = []
            for seq in range(first, min(first + CHUNK, complaints + 1)):
                village_id, group_id = rng.choice(villages)
                category = rng.choice(categories)
                row, timeline = complaint(
                    rng,
                    complaint_id=seq,
                    number=f"{ROUND_CODE}-{seq:04d}",
                    round_id=round_.id,
                    group_id=group_id,
                    village_id=village_id,
                    category=category,
                    resident_id=rng.choice(resident_ids),
                    filed=start + timedelta(seconds=int(seconds * (seq - 1) / complaints)),
                    zone=zone,
                    plain=plain,
                    clue=clue,
                    name="王 秀英",
                    anonymous=rng.random() < 0.4,
                    satisfactions=("satisfied", "basic", "unsatisfied"),
                )
                located = rng.random() < 0.6
                row["latitude"] = 33.70 + rng.random() / 10 if located else None
                row["longitude"] = 113.30 + rng.random() / 10
                rows.append(row)
                events += timeline
            await conn.execute(insert(Complaint), rows)
            await conn.execute(insert(TimelineEvent), events)
        await conn.execute(
            update(Round).where(Round.id == round_.id).values(last_number=complaints)
        )
        await conn.exec_driver_sql("ANALYZE")
    # Settled tables, as autovacuum keeps them: with the visibility map set, index-only scans
    # (the rates' ix_timeline_event_group_act) skip the heap, as they would in service.
    async with database.engine.connect() as conn:
        settled = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await settled.exec_driver_sql("VACUUM ANALYZE")
    await database.dispose()
    return start + timedelta(days=31)


async def measure(
    url: str, now: datetime, requests: int, overview_requests: int
) -> dict[str, list[float]]:
    """Serve the console and time each list view `requests` times, the overview
    `overview_requests` times (seconds)."""
    import aiohttp
    from telegram import Bot

    from console.app import ConsoleServer
    from console.context import Console, ConsoleConfig
    from handlers.members import Members
    from storage import console, rates
    from storage.clock import FakeClock
    from storage.db import Database
    from storage.ledger import round_by_code

    database = Database(url)
    config = ConsoleConfig(url="http://127.0.0.1:0/console", bot_token="1:BENCH")
    served = Console(
        config=config,
        database=database,
        bot=Bot("1:BENCH"),
        clock=FakeClock(now),
        members=Members(),
        outbox_wakeup=asyncio.Event(),
    )
    server = ConsoleServer(served, "127.0.0.1", 0)
    await server.start()
    root = f"http://127.0.0.1:{server.port}/console"
    async with database.transaction() as session:
        round_ = await round_by_code(session=session, code=ROUND_CODE)
        assert round_ is not None and round_.id is not None
        token = await console.issue_link(
            session=session, target="office", target_id=round_.id, now=now
        )
    timings: dict[str, list[float]] = {}
    jar = aiohttp.CookieJar(unsafe=True)
    try:
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            async with http.post(f"{root}/login/{token}") as answer:
                assert answer.status == 200, answer.status
            pages = {**LIST_VIEWS, "overview": "/"}
            for name, path in pages.items():
                # One unmeasured request warms the pool and the caches.
                async with http.get(root + path) as answer:
                    assert answer.status == 200, (name, answer.status)
                    await answer.read()
                times = []
                for _ in range(overview_requests if name == "overview" else requests):
                    began = time.perf_counter()
                    async with http.get(root + path) as answer:
                        await answer.read()
                    times.append(time.perf_counter() - began)
                timings[name] = times
        # What the overview spends on the three rates (storage/rates.py), on its own.
        times = []
        for _ in range(overview_requests):
            began = time.perf_counter()
            async with database.snapshot() as session:
                await rates.round_rates(session=session, round_id=round_.id, now=now)
            times.append(time.perf_counter() - began)
        timings["overview: rates alone"] = times
    finally:
        await server.stop()
        await database.dispose()
    return timings


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def table(timings: dict[str, list[float]]) -> str:
    """The measured times beside the goals."""
    lines = [
        f"{'page':<26}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'goal p99':>10}  ok",
    ]
    for name, times in timings.items():
        goal = GOALS["overview" if name.startswith("overview") else "list"]
        p99 = percentile(times, 0.99)
        lines.append(
            f"{name:<26}{len(times):>5}{statistics.median(times) * 1000:>9.1f}"
            f"{percentile(times, 0.95) * 1000:>9.1f}{p99 * 1000:>9.1f}"
            f"{goal * 1000:>8.0f} ms  {'yes' if p99 < goal else 'NO'}"
        )
    return "\n".join(lines)


async def run(
    server_url: str, complaints: int, requests: int, overview_requests: int, keep: bool
) -> None:
    """Build, measure, print, drop."""
    name = f"xuncha_bench_console_{uuid.uuid4().hex[:8]}"
    async with fresh_database(server_url, name, keep=keep) as url:
        began = time.perf_counter()
        now = await build(url, complaints)
        print(f"built {complaints} complaints in {time.perf_counter() - began:.0f} s ({name})")
        timings = await measure(url, now, requests, overview_requests)
        print(table(timings))


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--overview-requests", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    asyncio.run(run(args.url, args.complaints, args.requests, args.overview_requests, args.keep))


if __name__ == "__main__":
    main()
