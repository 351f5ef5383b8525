"""Similar complaints at scale: the lookup while filing and the daily hot-spot sweep.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python bench/similar.py
    python bench/similar.py --url postgresql://postgres@127.0.0.1:5432/test --complaints 100000

It makes a fresh PostgreSQL database beside the given one (dropped at the end): a round of
45 days with 4 groups and 200 villages 2 km apart, and `--complaints` complaints spread over its
first 40 days (bulk inserts; texts from a few dozen problems with places and extra sentences,
half with a shared location near their village, statuses of a round near its end). Then, at
09:00 on day 40:

- the lookup a resident's summary makes before confirming (storage/similar/lookup.py
  `for_draft`: SQL by round, village or 1 km box, category, status and 30 days, then the text
  score), for `--lookups` drafts of random villages, categories and texts: p50, p99 and max;
- the hot-spot sweep over the round (storage/schedule/hotspots.py `sweep_hotspots`: the last
  7 days' complaints read, clustered by category, village and alike texts, notices written),
  each run rolled back so the next one does it all again.

Each is run `--runs` times (3); the table gives min / median / max of the runs beside the goal.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._loading import on_server  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")
STARTS = date(2023, 2, 27)
GROUPS = 4
VILLAGES = 200
CHUNK = 5000
LOOKUP_GOAL_MS = 50.0
SWEEP_GOAL_S = 5.0

PLACES = ("村东头", "二组", "村委会门口", "小学旁边", "老街", "三组", "村西桥头", "集市", "后街")
PROBLEMS = {
    "water": (
        "机井坏了两个多月，浇不上地",
        "自来水发黄有异味，不敢喝",
        "说好的饮水井一直没打，吃水要去邻村拉",
        "灌溉渠堵了没人清，下雨就漫到地里",
    ),
    "power": ("电压不稳，电器经常烧坏", "变压器老化，一到晚上就停电", "电线杆歪了快倒了"),
    "road": ("村道坑洼很多，下雨天没法走", "桥面裂缝越来越大", "大货车把村里的路压坏了"),
    "gas": ("燃气管道一直没接通入户", "燃气表读数不对，费用太高"),
    "lights": ("路灯坏了三个月没人修", "新装的路灯只亮了一个月"),
    "environment": ("建筑垃圾堆了半年没人清理", "污水直排进沟渠，气味很大", "垃圾池满了没人清运"),
    "subsidy": ("耕地地力保护补贴没有发到手", "低保审核不公开", "危房改造补助一直没发"),
    "funds": ("村集体土地租金去向不明", "集体资产出租没有公示"),
    "conduct": ("村干部办事拖拉，跑了五趟没办成", "办事要请吃饭"),
    "clue": ("村干部优亲厚友，低保名额给了亲戚", "工程款被截留"),
    "other": ("邻里纠纷调解不了", "宅基地审批一直没有结果", "小学围墙裂了怕倒"),
}
DETAILS = (
    "已经反映过好几次了，一直没有结果。",
    "村里老人多，很不方便，希望尽快解决。",
    "附近住户都有意见，请巡察组帮忙督促。",
    "去年也出现过同样的问题，修好没多久又坏了。",
    "希望能给个答复，什么时候能解决。",
)
STATUSES = (
    ("new", 12),
    ("accepted", 12),
    ("immediate", 8),
    ("handed_off", 14),
    ("transferred", 4),
    ("resolved", 10),
    ("rejected", 6),
    ("merged", 3),
    ("closed", 31),
)


def roster() -> str:
    """A roster of one round: GROUPS groups sharing VILLAGES villages on a 2 km grid."""
    lines = [
        "round:",
        "  code: BENCH-1",
        "  name: 基准测试巡察",
        "  kind: regular",
        "  organizer: 基准",
        f"  starts_on: {STARTS.isoformat()}",
        f"  ends_on: {(STARTS + timedelta(days=44)).isoformat()}",
        "  timezone: Asia/Shanghai",
        "  contact: 巡察办",
        "groups:",
    ]
    per = VILLAGES // GROUPS
    for g in range(GROUPS):
        lines += [f"  - code: g{g}", f"    name: 第{g + 1}巡察组", "    villages:"]
        for v in range(g * per, (g + 1) * per):
            lat, lon = 33.5 + (v // 20) * 0.018, 113.2 + (v % 20) * 0.022
            lines.append(
                f"      - {{code: v{v}, name: 村{v}, township: 镇{v // 20}, "
                f"lat: {lat:.4f}, lon: {lon:.4f}}}"
            )
    lines += ["departments:", "  - {code: water, name: 水利局}"]
    return "\n".join(lines) + "\n"


def text(rng: random.Random, category: str) -> str:
    """A resident's description: where, the problem, a sentence or two more."""
    body = f"{rng.choice(PLACES)}{rng.choice(PROBLEMS[category])}。"
    return body + "".join(rng.choice(DETAILS) for _ in range(rng.randint(0, 2)))


async def build(url: str, complaints: int, rng: random.Random) -> dict[str, Any]:
    """The round and its complaints in a migrated database: what the runs need."""
    from sqlalchemy import insert
    from sqlmodel import select

    from storage.db import Database
    from storage.migrate import upgrade
    from storage.models import (
        Category,
        Complaint,
        GroupVillage,
        InspectionGroup,
        Resident,
        Round,
        Village,
    )
    from storage.roster import load_roster

    await asyncio.to_thread(upgrade, url)
    database = Database(url)
    async with database.transaction() as session:
        await load_roster(session=session, text=roster(), source="bench.yaml")
        round_ = (await session.exec(select(Round))).one()
        villages = {v.id: v for v in (await session.exec(select(Village))).all()}
        pairs = [(gv.village_id, gv.group_id) for gv in (await session.exec(select(GroupVillage)))]
        codes = [c.code for c in (await session.exec(select(Category))).all()]
        start = datetime.combine(STARTS, datetime.min.time(), ZONE).astimezone(UTC)
        connection = await session.connection()
        residents = [
            {
                "telegram_id": 10_000_000 + n,
                "language": "zh",
                "first_name": "张",
                "created_at": start,
            }
            for n in range(complaints // 3)
        ]
        for first in range(0, len(residents), CHUNK):
            await connection.execute(insert(Resident), residents[first : first + CHUNK])
        resident_ids = list((await session.exec(select(Resident.id))).all())
        weights = [share for _s, share in STATUSES]
        span = 40 * 86400
        for first in range(1, complaints + 1, CHUNK):
            rows: list[dict[str, Any]] = []
            for seq in range(first, min(first + CHUNK, complaints + 1)):
                village_id, group_id = rng.choice(pairs)
                village = villages[village_id]
                category = rng.choice(codes)
                located = rng.random() < 0.5
                filed = start + timedelta(seconds=int(span * (seq - 1) / complaints))
                rows.append(
                    {
                        "number": f"BENCH-1-{seq:06d}",
                        "round_id": round_.id,
                        "seq": seq,
                        "group_id": group_id,
                        "village_id": village_id,
                        "category_code": category,
                        "resident_id": rng.choice(resident_ids),
                        "status": rng.choices([s for s, _w in STATUSES], weights)[0],
                        "description": text(rng, category),
                        "photo_file_ids": [],
                        "latitude": (village.latitude or 0) + rng.uniform(-0.005, 0.005)
                        if located
                        else None,
                        "longitude": (village.longitude or 0) + rng.uniform(-0.005, 0.005)
                        if located
                        else None,
                        "anonymous": True,
                        "filed_at": filed,
                        "updated_at": filed,
                    }
                )
            await connection.execute(insert(Complaint), rows)
        round_.last_number = complaints
        # Every chat linked, so that the sweep writes its notices as in a real round.
        round_.office_chat_id = -1_000
        for group in (await session.exec(select(InspectionGroup))).all():
            group.chat_id = -2_000 - (group.id or 0)
    await database.engine.dispose()
    now = datetime.combine(STARTS + timedelta(days=40), datetime.min.time(), ZONE).replace(hour=9)
    return {
        "url": url,
        "villages": villages,
        "codes": codes,
        "now": now.astimezone(UTC),
    }


async def lookups(world: dict[str, Any], count: int, rng: random.Random) -> list[float]:
    """Times (ms) of `count` lookups a resident's summary makes."""
    from sqlmodel import select

    from storage.db import Database
    from storage.models import Round
    from storage.similar import lookup

    database = Database(world["url"])
    villages = list(world["villages"].values())
    codes = [c for c in world["codes"] if c not in ("conduct", "clue")]
    times: list[float] = []
    async with database.transaction() as session:
        round_id = (await session.exec(select(Round.id))).one() or 0
    for _ in range(count):
        village = rng.choice(villages)
        category = rng.choice(codes)
        located = rng.random() < 0.5
        async with database.transaction() as session:
            began = time.perf_counter()
            await lookup.for_draft(
                session,
                round_id=round_id,
                village_id=village.id,
                category_code=category,
                text=text(rng, category),
                latitude=village.latitude + 0.002 if located else None,
                longitude=village.longitude - 0.002 if located else None,
                resident_id=0,
                now=world["now"],
            )
            times.append((time.perf_counter() - began) * 1000)
    await database.engine.dispose()
    return times


async def sweep(world: dict[str, Any]) -> tuple[float, int]:
    """One hot-spot sweep over the round (rolled back): seconds, and hot spots told."""
    from storage.db import Database
    from storage.schedule.hotspots import sweep_hotspots

    database = Database(world["url"])
    async with database.engine.connect() as connection:
        from sqlmodel.ext.asyncio.session import AsyncSession

        transaction = await connection.begin()
        session = AsyncSession(bind=connection, expire_on_commit=False)
        began = time.perf_counter()
        report = await sweep_hotspots(session=session, now=world["now"])
        took = time.perf_counter() - began
        await transaction.rollback()
        await session.close()
    await database.engine.dispose()
    return took, len(report.sent)


def uptime() -> str:
    """What `uptime` says now (the machine's load during the runs)."""
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def spread(values: list[float]) -> str:
    """min / median / max."""
    return f"{min(values):.1f} / {statistics.median(values):.1f} / {max(values):.1f}"


async def main() -> None:
    """Build, measure, print the table, drop the database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        parser.error("a PostgreSQL server is needed: --url or TEST_DATABASE_URL")
    name = f"bench_similar_{uuid.uuid4().hex[:8]}"
    await on_server(args.url, f'CREATE DATABASE "{name}"')
    url = make_url(args.url).set(database=name).render_as_string(hide_password=False)
    rng = random.Random(11)
    try:
        began = time.perf_counter()
        world = await build(url, args.complaints, rng)
        print(f"built {args.complaints} complaints in {time.perf_counter() - began:.0f} s")
        p50s, p99s, maxes, sweeps = [], [], [], []
        told = 0
        for _run in range(args.runs):
            times = sorted(await lookups(world, args.lookups, rng))
            p50s.append(statistics.median(times))
            p99s.append(times[max(0, int(len(times) * 0.99) - 1)])
            maxes.append(times[-1])
            took, told = await sweep(world)
            sweeps.append(took)
        load = await asyncio.to_thread(uptime)
        print(f"\nPostgreSQL {make_url(url).host}, {args.complaints} complaints in the round")
        print(f"{args.runs} runs, each {args.lookups} lookups; min / median / max of the runs")
        print(f"{'measure':<34} {'goal':>10} {'measured':>24}")
        print(f"{'lookup while filing, p50 (ms)':<34} {'':>10} {spread(p50s):>24}")
        print(f"{'lookup while filing, p99 (ms)':<34} {'< 50':>10} {spread(p99s):>24}")
        print(f"{'lookup while filing, max (ms)':<34} {'':>10} {spread(maxes):>24}")
        print(f"{'hot-spot sweep, whole round (s)':<34} {'< 5':>10} {spread(sweeps):>24}")
        print(f"hot spots found by a sweep: {told}")
        print(f"uptime: {load}")
        ok = max(p99s) < LOOKUP_GOAL_MS and max(sweeps) < SWEEP_GOAL_S
        print("goals met" if ok else "GOALS MISSED")
    finally:
        await on_server(args.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
