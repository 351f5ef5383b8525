"""The data of bench/scale.py: a roster of 20 groups and 200 villages, 200,000 residents and
a million complaints (timelines, hand-offs, surveys, followers), loaded with COPY.

One group (the first) has a tenth of the complaints (100,000 at a million): the ledger's
goal is about a group that large; the others share the rest.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench._loading import CHUNK, OPTIONAL, SENSITIVE, complaint, person

ZONE = ZoneInfo("Asia/Shanghai")
ROUND_CODE = "SCALE-1"
# A Monday: the round's weeks end on Mondays, and "now" is a Monday morning after the report.
STARTS = date(2023, 2, 27)
DAYS = 90
NOW_DAY = 84
GROUPS = 20
VILLAGES_PER_GROUP = 10
PLAIN_DEPARTMENTS = 12
FOLLOWERS_PER_MILLION = 100_000
# Share of complaints filed by the HEAVY most active residents (each has dozens).
HEAVY, HEAVY_SHARE = 1000, 0.05
RECORDED_SHARE = 0.03

COMPLAINT_COLUMNS = (
    "id",
    "number",
    "round_id",
    "seq",
    "group_id",
    "village_id",
    "category_code",
    "resident_id",
    "channel",
    "recorded_by_telegram_id",
    "recorded_by_name",
    "status",
    "description",
    "photo_file_ids",
    "anonymous",
    "reporter_name",
    "reporter_phone",
    "filed_at",
    "updated_at",
    "merged_into_id",
    "survey_asked_at",
    "resolution_state",
    *OPTIONAL,
)
EVENT_COLUMNS = ("complaint_id", "at", "actor", "action", "from_status", "to_status", "public")
HANDOFF_COLUMNS = (
    "complaint_id",
    "department_id",
    "kind",
    "handed_at",
    "due_on",
    "signed_at",
    "done_at",
    "ended_at",
    "extended_days",
)


def now() -> datetime:
    """The moment the bench measures at: 09:30 on the round's day NOW_DAY (a Monday)."""
    day = STARTS + timedelta(days=NOW_DAY)
    return datetime.combine(day, datetime.min.time(), ZONE).replace(hour=9, minute=30)


def roster() -> str:
    """The roster YAML: one round, GROUPS groups of VILLAGES_PER_GROUP villages, departments."""
    lines = [
        "round:",
        f"  code: {ROUND_CODE}",
        "  name: 规模测试巡察",
        "  kind: regular",
        "  organizer: 基准",
        f"  starts_on: {STARTS.isoformat()}",
        f"  ends_on: {(STARTS + timedelta(days=DAYS)).isoformat()}",
        "  timezone: Asia/Shanghai",
        "  contact: 巡察办 电话 0375-0000000",
        "groups:",
    ]
    for g in range(GROUPS):
        lines += [f"  - code: g{g:02d}", f"    name: 第{g + 1}巡察组", "    villages:"]
        for v in range(g * VILLAGES_PER_GROUP, (g + 1) * VILLAGES_PER_GROUP):
            lat, lon = 33.5 + (v // 20) * 0.018, 113.2 + (v % 20) * 0.022
            lines.append(
                f"      - {{code: v{v:03d}, name: 村{v}, township: 镇{v // 20}, "
                f"lat: {lat:.4f}, lon: {lon:.4f}}}"
            )
    lines.append("departments:")
    lines += [f"  - {{code: d{d:02d}, name: 区第{d + 1}局}}" for d in range(PLAIN_DEPARTMENTS)]
    lines.append("  - {code: discipline, name: 区纪委监委, receives_clues: true}")
    return "\n".join(lines) + "\n"


@dataclass
class World:
    """The ids the load and the measures need."""

    round_id: int
    groups: list[int]
    villages: dict[int, list[int]]
    categories: list[str]
    plain: list[int]
    clue: list[int]


async def world(connection: Any) -> World:
    """The loaded roster's ids (an asyncpg connection)."""
    round_id = await connection.fetchval("SELECT id FROM round WHERE code = $1", ROUND_CODE)
    groups = [
        r["id"]
        for r in await connection.fetch(
            "SELECT id FROM inspection_group WHERE round_id = $1 ORDER BY code", round_id
        )
    ]
    villages: dict[int, list[int]] = {g: [] for g in groups}
    for r in await connection.fetch("SELECT group_id, village_id FROM group_village"):
        villages[r["group_id"]].append(r["village_id"])
    categories = [
        r["code"]
        for r in await connection.fetch(
            "SELECT code FROM category WHERE round_id = $1 ORDER BY position", round_id
        )
    ]
    departments = await connection.fetch(
        "SELECT id, receives_clues FROM department WHERE round_id = $1", round_id
    )
    return World(
        round_id=round_id,
        groups=groups,
        villages=villages,
        categories=categories,
        plain=[d["id"] for d in departments if not d["receives_clues"]],
        clue=[d["id"] for d in departments if d["receives_clues"]],
    )


async def load(connection: Any, complaints: int, residents: int, seed: int = 12) -> None:
    """Residents, complaints, timelines, hand-offs and followers, by COPY; then ANALYZE."""
    rng = random.Random(seed)
    w = await world(connection)
    start = datetime.combine(STARTS, datetime.min.time(), ZONE).astimezone(UTC)
    began = time.perf_counter()
    names = [person(rng) for _ in range(residents)]
    await connection.copy_records_to_table(
        "resident",
        records=[
            (n + 1, 10_000_000 + n, "zh", False, first, last, start)
            for n, (first, last) in enumerate(names)
        ],
        columns=(
            "id",
            "telegram_id",
            "language",
            "language_chosen",
            "first_name",
            "last_name",
            "created_at",
        ),
    )
    span = (now().astimezone(UTC) - start).total_seconds() - 3600
    recent: dict[int, list[int]] = {g: [] for g in w.groups}
    owner: dict[int, int | None] = {}
    open_ids: list[int] = []
    for first in range(1, complaints + 1, CHUNK):
        rows: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        handoffs: list[tuple[Any, ...]] = []
        for seq in range(first, min(first + CHUNK, complaints + 1)):
            group = w.groups[0] if seq % 10 == 0 else rng.choice(w.groups[1:])
            category = rng.choice(w.categories)
            recorded = rng.random() < RECORDED_SHARE
            resident: int | None = None
            if not recorded:
                heavy = rng.random() < HEAVY_SHARE
                resident = rng.randrange(HEAVY if heavy else residents) + 1
            anonymous = rng.random() < 0.4 or category in SENSITIVE
            name = " ".join(names[resident - 1]) if resident is not None else "赵 刚"
            filed = start + timedelta(seconds=span * (seq - 1) / complaints)
            row, timeline = complaint(
                rng,
                complaint_id=seq,
                number=f"{ROUND_CODE}-{seq:07d}",
                round_id=w.round_id,
                group_id=group,
                village_id=rng.choice(w.villages[group]),
                category=category,
                resident_id=resident,
                filed=filed,
                zone=ZONE,
                plain=w.plain,
                clue=w.clue,
                name=name,
                anonymous=anonymous,
                satisfactions=("satisfied", "satisfied", "satisfied", "basic", "unsatisfied"),
            )
            _finish(rng, row, timeline, recent[group], recorded, handoffs)
            recent[group] = (recent[group] + [seq])[-500:]
            owner[seq] = resident
            if row["status"] not in ("closed", "merged", "rejected", "transferred"):
                open_ids.append(seq)
            rows.append(tuple(row.get(c) for c in COMPLAINT_COLUMNS))
            events += [tuple(e[c] for c in EVENT_COLUMNS) for e in timeline]
        await connection.copy_records_to_table(
            "complaint", records=rows, columns=COMPLAINT_COLUMNS
        )
        await connection.copy_records_to_table(
            "timeline_event", records=events, columns=EVENT_COLUMNS
        )
        await connection.copy_records_to_table(
            "handoff", records=handoffs, columns=HANDOFF_COLUMNS
        )
        if first % (CHUNK * 40) == 1:
            print(
                f"  {first + CHUNK - 1} complaints, {time.perf_counter() - began:.0f} s",
                flush=True,
            )
    followers: set[tuple[int, int]] = set()
    wanted = complaints * FOLLOWERS_PER_MILLION // 1_000_000
    joined = now().astimezone(UTC) - timedelta(days=1)
    while len(followers) < wanted and open_ids:
        cid = rng.choice(open_ids)
        rid = rng.randrange(HEAVY if rng.random() < 0.1 else residents) + 1
        if owner[cid] != rid:
            followers.add((cid, rid))
    await connection.copy_records_to_table(
        "complaint_follower",
        records=[(c, r, joined) for c, r in sorted(followers)],
        columns=("complaint_id", "resident_id", "joined_at"),
    )
    for table in ("resident", "complaint", "timeline_event", "handoff", "complaint_follower"):
        await connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )
    # Every chat linked before the round, so that reports go to all of them.
    linked = start - timedelta(days=1)
    await connection.execute(
        "UPDATE inspection_group SET chat_id = -2000 - id, chat_linked_at = $1", linked
    )
    await connection.execute(
        "UPDATE round SET last_number = $1, office_chat_id = -1000, office_chat_linked_at = $2",
        complaints,
        linked,
    )
    # The timeline facts stored on each complaint (storage/timeline_facts.py), filled in by the
    # same statements as migrations 0022 and 0024 (COPY bypasses the workflow that keeps them).
    for statement in _fill_in_facts():
        await connection.execute(statement)
    print(f"  loaded in {time.perf_counter() - began:.0f} s; VACUUM ANALYZE", flush=True)
    # Settled tables, as autovacuum keeps them in service (visibility map, statistics).
    await connection.execute("VACUUM ANALYZE")


def _finish(
    rng: random.Random,
    row: dict[str, Any],
    timeline: list[dict[str, Any]],
    recent: list[int],
    recorded: bool,
    handoffs: list[tuple[Any, ...]],
) -> None:
    """What complaint() leaves out: 代录, merges, surveys, hand-off rows; JSON as text."""
    row["channel"] = rng.choice(("visit", "meeting", "phone")) if recorded else "bot"
    if recorded:
        row["recorded_by_telegram_id"] = 900_000 + rng.randrange(100)
        row["recorded_by_name"] = "巡察组 李强"
    row["photo_file_ids"] = json.dumps(row["photo_file_ids"])
    if row["status"] == "merged":
        row["merged_into_id"] = rng.choice(recent) if recent else None
        if row["merged_into_id"] is None:
            row["status"] = timeline[-1]["to_status"] = "new"
    if row["satisfaction"] is not None:
        row["survey_asked_at"] = row["resolved_at"] + timedelta(hours=1)
        row["resolution_state"] = "solved" if row["satisfaction"] != "unsatisfied" else "partly"
    for item in timeline:
        if item["action"] not in ("handed_off", "transferred"):
            continue
        handed = item["at"]
        done = row["resolved_at"]
        handoffs.append(
            (
                row["id"],
                row["department_id"],
                "clue" if item["action"] == "transferred" else "handoff",
                handed,
                row["due_on"],
                handed + timedelta(hours=rng.randint(1, 30)) if rng.random() < 0.85 else None,
                done,
                done,
                0,
            )
        )


def _fill_in_facts() -> list[str]:
    """Migrations 0022's and 0024's statements that fill in the stored facts on PostgreSQL."""
    import importlib.util
    from pathlib import Path

    def migration(name: str) -> Any:
        path = Path(__file__).parents[1] / "storage/migrations/versions" / name
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return [
        *migration("0022_timeline_facts.py").POSTGRESQL,
        migration("0024_last_handoff_department.py").FILL_IN,
    ]
