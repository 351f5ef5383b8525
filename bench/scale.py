"""A million complaints on PostgreSQL: /my, /status, /open, /stats, the weekly report, the ledger.

    python bench/scale.py                                   # 1,000,000 complaints
    python bench/scale.py --complaints 100000 --keep        # smaller, and keep the database
    python bench/scale.py --reuse xuncha_bench_scale_1a2b   # measure a kept one again

It CREATEs a database on --server (dropped at the end unless --keep), migrates it, loads a
roster of 20 groups and 200 villages (bench/_scale_data.py) and, with COPY, 200,000 residents
and the complaints: statuses of a round near its end, categories, hand-offs to departments
and clues to the commission, timelines, surveys, duplicates merged, 100,000 followers; the
first group has a tenth of the complaints. Then it calls what the handlers call, each call in
its own session as the handler's update has (the resident's arrival or the chat's role
included), and times it:

- /my and /status: residents.arrive, then the resident's complaints and those followed
  (/status: one complaint with its timeline), for random residents and complaints;
- /open: links.chat_role and triage.open_complaints for random groups;
- /stats: links.chat_role and ledger.ledger_summary for every group;
- the weekly report: reports.round_report for each group (what sweep_weekly computes per group
  chat) and its text (notice_texts.report_text); and the office's, for the whole round;
- the ledger: the first group's /export as the outbox sender writes it (stats.ledger_document
  from a snapshot) in a child process: wall time and max RSS.

The table gives min / median / p99 / max (ms) beside each goal, and the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import _scale_data as data  # noqa: E402
from bench._loading import beside, on_server  # noqa: E402

# Goals (issue 12, P3), in ms: p99 for the commands, every group for /stats and reports.
GOALS = {"/my": 20, "/status": 20, "/open": 50, "/stats": 300, "weekly report": 300}
LEDGER_GOAL_S, LEDGER_GOAL_MIB = 20.0, 150.0


async def build(url: str, complaints: int, residents: int) -> None:
    """Migrate, load the roster, COPY the rest."""
    import asyncpg
    from sqlalchemy.engine import make_url

    from storage.db import Database
    from storage.migrate import upgrade_async
    from storage.roster import load_roster

    await upgrade_async(url)
    database = Database(url)
    async with database.transaction() as session:
        await load_roster(session=session, text=data.roster(), source="scale.yaml")
    await database.dispose()
    target = make_url(url)
    connection = await asyncpg.connect(
        host=target.host, port=target.port, user=target.username, database=target.database
    )
    try:
        await data.load(connection, complaints, residents)
    finally:
        await connection.close()


Timed = Callable[[Any], Awaitable[object]]


async def timed(database: Any, call: Timed, *, write: bool = True) -> float:
    """One call in its own session (a transaction, as an update's, or a snapshot): ms."""
    began = time.perf_counter()
    opened = database.transaction() if write else database.snapshot()
    async with opened as session:
        await call(session)
        if write:
            # An update's handler commits, even when it wrote nothing: keep its cost in.
            await session.flush()
    return (time.perf_counter() - began) * 1000


async def measure(url: str, samples: dict[str, int], rng: random.Random) -> dict[str, list[float]]:
    """Time each command over its samples: {name: [ms, ...]}."""
    from sqlalchemy import text

    from handlers.notice_texts import report_text
    from storage import complaints, followed, ledger, links, residents, triage
    from storage.db import Database
    from storage.models import InspectionGroup, Round
    from storage.schedule.clock import WEEKLY_AT, at_local
    from storage.schedule.reports import round_fields, round_report, week_of_round

    database = Database(url)
    now = data.now().astimezone(UTC)
    async with database.snapshot() as session:
        round_ = (
            await session.exec(
                text("SELECT id FROM round WHERE code = :c").bindparams(c=data.ROUND_CODE)
            )
        ).one()
        round_ = await session.get(Round, round_[0])
        assert round_ is not None
        # Detached with its values: the snapshot's rollback would expire them.
        session.expunge(round_)
        groups = list(
            (await session.exec(text("SELECT id, chat_id, name FROM inspection_group"))).all()
        )
        owned = list(
            (
                await session.exec(
                    text(
                        "SELECT number, resident_id FROM complaint WHERE resident_id IS NOT NULL"
                        " ORDER BY random() LIMIT :n"
                    ).bindparams(n=samples["/status"])
                )
            ).all()
        )
        top = (await session.exec(text("SELECT max(id) FROM resident"))).one()[0]
    assert round_ is not None
    timings: dict[str, list[float]] = {name: [] for name in GOALS}
    timings["weekly report, office (round)"] = []

    def arrive(resident_id: int) -> Callable[[Any], Awaitable[Any]]:
        async def call(session: Any) -> Any:
            return await residents.arrive(
                session=session,
                telegram_id=10_000_000 + resident_id - 1,
                first_name="王",
                last_name="",
                username=None,
                language="zh",
                now=now,
            )

        return call

    async def my(session: Any, resident_id: int) -> None:
        arrival = await arrive(resident_id)(session)
        rid = arrival.resident.id
        await complaints.resident_complaints(session=session, resident_id=rid)
        await followed.followed_complaints(session=session, resident_id=rid)

    async def status(session: Any, resident_id: int, number: str) -> None:
        arrival = await arrive(resident_id)(session)
        rid = arrival.resident.id
        item = await complaints.resident_complaint(session=session, resident_id=rid, number=number)
        if item is None:
            item = await followed.followed_complaint(
                session=session, resident_id=rid, number=number
            )
        assert item is not None, number

    async def open_(session: Any, chat_id: int) -> None:
        role = await links.chat_role(session=session, chat_id=chat_id)
        await triage.open_complaints(session=session, group_id=role.group_id)

    async def stats(session: Any, chat_id: int) -> None:
        role = await links.chat_role(session=session, chat_id=chat_id)
        await ledger.ledger_summary(
            session=session, round_id=role.round_id, group_id=role.group_id, now=now
        )

    today = now.astimezone(data.ZONE).date()
    monday = today - timedelta(days=today.weekday())
    until = at_local(round_, monday, WEEKLY_AT)

    async def weekly(session: Any, group: InspectionGroup | None) -> None:
        stats = await round_report(
            session=session,
            round_=round_,
            group_id=group.id if group is not None else None,
            since=until - timedelta(days=7),
            until=until,
        )
        payload = {
            **round_fields(round_),
            "week": week_of_round(round_, monday),
            "date": monday.isoformat(),
            "at": WEEKLY_AT.strftime("%H:%M"),
            "audience": "group" if group is not None else "office",
            "group_id": group.id if group is not None else None,
            "group": group.name if group is not None else None,
            **stats,
        }
        report_text(payload, "zh")

    # One unmeasured call of each warms the pool and the caches.
    await timed(database, lambda s: my(s, 1))
    for _ in range(samples["/my"]):
        rid = rng.randrange(top) + 1 if rng.random() < 0.7 else rng.randrange(data.HEAVY) + 1
        timings["/my"].append(await timed(database, lambda s, r=rid: my(s, r)))
    for number, rid in owned:
        timings["/status"].append(
            await timed(database, lambda s, r=rid, n=number: status(s, r, n))
        )
    for _ in range(samples["/open"]):
        _gid, chat_id, _name = rng.choice(groups)
        timings["/open"].append(await timed(database, lambda s, c=chat_id: open_(s, c)))
    for _gid, chat_id, _name in groups:
        timings["/stats"].append(await timed(database, lambda s, c=chat_id: stats(s, c)))
    for gid, _chat, name in groups:
        group = InspectionGroup(id=gid, round_id=round_.id, code="", name=name)
        timings["weekly report"].append(
            await timed(database, lambda s, g=group: weekly(s, g), write=False)
        )
    timings["weekly report, office (round)"].append(
        await timed(database, lambda s: weekly(s, None), write=False)
    )
    await database.dispose()
    return timings


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def ledger_child(url: str, group_code: str) -> None:
    """In a fresh process: the group's ledger as the outbox sender writes it; prints JSON."""
    from handlers import stats  # what the outbox sender writes the ledger with
    from storage.db import Database

    async def run() -> dict[str, Any]:
        from sqlalchemy import text

        database = Database(url)
        try:
            rss_before = peak_rss_mib()
            began = time.perf_counter()
            async with database.snapshot() as session:
                row = (
                    await session.exec(
                        text(
                            "SELECT id, round_id, chat_id FROM inspection_group WHERE code = :c"
                        ).bindparams(c=group_code)
                    )
                ).one()
                payload = {
                    "round_id": row[1],
                    "group_id": row[0],
                    "shareable": False,
                    "requested_at": data.now().astimezone(UTC).isoformat(),
                    "language": "zh",
                }
                calls = await stats.ledger_document(
                    session=session, chat_id=row[2], row_id=0, payload=payload
                )
            wall = time.perf_counter() - began
        finally:
            await database.dispose()
        return {
            "wall_s": wall,
            "max_rss_mib": peak_rss_mib(),
            "max_rss_before_mib": rss_before,
            "file": str(calls[0].params["document"]["local_file"]),
        }

    measured = asyncio.run(run())
    path = Path(measured.pop("file"))
    measured["file_mib"] = path.stat().st_size / 2**20
    path.unlink()
    print(json.dumps(measured))


def ledger(url: str) -> dict[str, Any]:
    """The first group's ledger in a child process (its max RSS is the export's own)."""
    command = [sys.executable, __file__, "--ledger-child", url]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def table(timings: dict[str, list[float]], exported: dict[str, Any], rows: int) -> str:
    """The figures beside the goals."""
    lines = [f"{'measure':<32}{'n':>5}{'min':>9}{'median':>9}{'p99':>9}{'max':>9}{'goal':>14}  ok"]
    for name, times in timings.items():
        goal = GOALS.get(name)
        p99 = percentile(times, 0.99)
        by_p99 = name in ("/my", "/status", "/open")
        worst = p99 if by_p99 else max(times)
        goal_text = f"{'p99' if by_p99 else 'max'} < {goal} ms" if goal is not None else "-"
        ok = "-" if goal is None else ("yes" if worst < goal else "NO")
        lines.append(
            f"{name:<32}{len(times):>5}{min(times):>9.1f}{statistics.median(times):>9.1f}"
            f"{p99:>9.1f}{max(times):>9.1f}{goal_text:>14}  {ok}"
        )
    lines.append(
        f"ledger of one group ({rows} rows): {exported['wall_s']:.1f} s "
        f"(goal < {LEDGER_GOAL_S:.0f} s) {'yes' if exported['wall_s'] < LEDGER_GOAL_S else 'NO'}"
        "; max RSS "
        f"{exported['max_rss_mib']:.0f} MiB (goal < {LEDGER_GOAL_MIB:.0f}) "
        f"{'yes' if exported['max_rss_mib'] < LEDGER_GOAL_MIB else 'NO'}; before the export "
        f"{exported['max_rss_before_mib']:.0f} MiB; file {exported['file_mib']:.1f} MiB"
    )
    lines.append(
        "(ms; one session per call as the handler has; load average: "
        f"{Path('/proc/loadavg').read_text().strip()})"
    )
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> None:
    """Create and load (or reuse), measure, print, drop."""
    name = args.reuse or f"xuncha_bench_scale_{uuid.uuid4().hex[:8]}"
    url = beside(args.server, name)
    if args.reuse is None:
        await on_server(args.server, f'CREATE DATABASE "{name}"')
    try:
        if args.reuse is None:
            began = time.perf_counter()
            print(f"loading {args.complaints} complaints into {name}", flush=True)
            await build(url, args.complaints, args.residents)
            print(f"built in {time.perf_counter() - began:.0f} s", flush=True)
        samples = {"/my": args.samples, "/status": args.samples, "/open": args.open_samples}
        timings = await measure(url, samples, random.Random(args.seed))
        exported = await asyncio.to_thread(ledger, url)
        rows = await _group_rows(url)
        print(f"\n{args.complaints if args.reuse is None else 'reused'} complaints, {name}")
        print(table(timings, exported, rows))
    finally:
        if args.keep or args.reuse:
            print(f"kept {name} (--reuse {name})")
        else:
            await on_server(args.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _group_rows(url: str) -> int:
    """How many complaints the first group has (the ledger's rows)."""
    from sqlalchemy import text

    from storage.db import Database

    database = Database(url)
    async with database.snapshot() as session:
        statement = text(
            "SELECT count(*) FROM complaint JOIN inspection_group g ON g.id = group_id "
            "WHERE g.code = 'g00'"
        )
        count = int((await session.exec(statement)).one()[0])
    await database.dispose()
    return count


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--residents", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=300, help="/my and /status calls")
    parser.add_argument("--open-samples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="NAME", help="measure a kept database (no load)")
    parser.add_argument("--ledger-child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ledger_child:
        ledger_child(args.ledger_child, "g00")
        return
    os.environ.setdefault("SCHEDULED_JOBS", "false")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
