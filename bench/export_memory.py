"""Export time and memory of the ledger (台账) for large rounds.

    python bench/export_memory.py                        # 50,000 complaints
    python bench/export_memory.py --sizes 10000 50000    # does memory grow with size?

For each size it builds an SQLite database of the example round (tests/fixtures) with that many
complaints, inserted in bulk with realistic text, statuses, departments and timelines; then it
exports the ledger as XLSX and as CSV, each in a fresh child process (`export_round`, what
`xuncha export` runs), twice:

- plain: wall and CPU time, the process's max RSS (resource.getrusage) before and after the
  export, and the longest the event loop was held up (a 10 ms heartbeat runs alongside);
- traced: the tracemalloc peak of the export alone (tracemalloc slows Python down, so this
  run's time is not the export's time).

During the plain run another process (think: the running bot) commits a small write every
50 ms to the same database; the table shows the longest one took. The export reads from a
snapshot, so that stays in milliseconds however long the export runs.

Streaming means the peaks stay flat when the number of complaints grows.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._loading import CHUNK, SENSITIVE, complaint, person  # noqa: E402

ROSTER = ROOT / "tests" / "fixtures" / "roster_wd2023.yaml"
ROUND_CODE = "WD2023-1"


def build(path: Path, complaints: int, seed: int = 4) -> None:
    """An SQLite database of the example round with `complaints` complaints (bulk inserts)."""
    from sqlalchemy import create_engine, insert, select, update

    from storage.migrate import upgrade
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

    url = f"sqlite:///{path}"
    upgrade(url)
    asyncio.run(load_roster_path(url, ROSTER))
    rng = random.Random(seed)
    engine = create_engine(url)
    zone = ZoneInfo("Asia/Shanghai")
    with engine.begin() as conn:
        round_ = conn.execute(select(Round).where(Round.code == ROUND_CODE)).one()
        villages = [(gv.village_id, gv.group_id) for gv in conn.execute(select(GroupVillage))]
        categories = [c.code for c in conn.execute(select(Category)).all()]
        departments = [d for d in conn.execute(select(Department)).all()]
        clue_departments = [d.id for d in departments if d.receives_clues]
        plain_departments = [d.id for d in departments if not d.receives_clues]
        residents = max(complaints // 3, 1)
        start = datetime.combine(round_.starts_on, datetime.min.time(), zone).astimezone(UTC)
        for first in range(0, residents, CHUNK):
            rows = []
            for n in range(first, min(first + CHUNK, residents)):
                first_name, last_name = person(rng)
                rows.append(
                    {
                        "telegram_id": 10_000_000 + n,
                        "language": "zh",
                        "language_chosen": False,
                        "first_name": first_name,
                        "last_name": last_name,
                        "created_at": start,
                    }
                )
            conn.execute(insert(Resident), rows)
        resident_ids = list(conn.execute(select(Resident.id)).scalars())
        names = {r.id: f"{r.first_name} {r.last_name}" for r in conn.execute(select(Resident))}
        seconds = int((round_.ends_on - round_.starts_on).days * 86400)
        for first in range(1, complaints + 1, CHUNK):
            complaint_rows: list[dict[str, Any]] = []
            events: list[dict[str, Any]] = []
            for seq in range(first, min(first + CHUNK, complaints + 1)):
                village_id, group_id = rng.choice(villages)
                category = rng.choice(categories)
                resident_id = rng.choice(resident_ids)
                row, timeline = complaint(
                    rng,
                    complaint_id=seq,
                    number=f"{ROUND_CODE}-{seq:04d}",
                    round_id=round_.id,
                    group_id=group_id,
                    village_id=village_id,
                    category=category,
                    resident_id=resident_id,
                    filed=start + timedelta(seconds=int(seconds * (seq - 1) / complaints)),
                    zone=zone,
                    plain=plain_departments,
                    clue=clue_departments,
                    name=names[resident_id],
                    anonymous=rng.random() < 0.4 or category in SENSITIVE,
                )
                complaint_rows.append(row)
                events += timeline
            conn.execute(insert(Complaint), complaint_rows)
            conn.execute(insert(TimelineEvent), events)
        conn.execute(update(Round).where(Round.id == round_.id).values(last_number=complaints))
    engine.dispose()


async def _export_watching_the_loop(url: str, out: Path) -> tuple[Any, float]:
    """Export, while a heartbeat measures the longest the event loop was held up."""
    from bot.export import export_round

    stalls = [0.0]

    async def heartbeat() -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            stalls[0] = max(stalls[0], loop.time() - before - 0.01)

    beat = asyncio.create_task(heartbeat())
    try:
        result = await export_round(
            url, round_code=ROUND_CODE, out=out, shareable=False, now=datetime.now(UTC)
        )
    finally:
        beat.cancel()
    return result, stalls[0]


WRITE_EVERY_SECONDS = 0.05


async def _write_until_stdin_closes(database: Path) -> dict[str, Any]:
    """Commit a small write every WRITE_EVERY_SECONDS until stdin closes; how long they took."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from storage.db import Database

    db = Database(f"sqlite:///{database}")
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def on_eof() -> None:
        loop.remove_reader(sys.stdin.fileno())
        stop.set()

    loop.add_reader(sys.stdin.fileno(), on_eof)
    statement = text("UPDATE round SET last_number = last_number WHERE code = :code")
    longest, writes, failed = 0.0, 0, 0
    print("ready", flush=True)
    try:
        while not stop.is_set():
            began = loop.time()
            try:
                async with db.transaction() as session:
                    await session.exec(statement.bindparams(code=ROUND_CODE))
                writes += 1
            except OperationalError:
                failed += 1  # "database is locked" after the busy timeout
            longest = max(longest, loop.time() - began)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), WRITE_EVERY_SECONDS)
    finally:
        await db.dispose()
    return {"writes": writes, "failed": failed, "longest_ms": round(longest * 1000)}


def measure(database: Path, out: Path, trace: bool) -> dict[str, Any]:
    """Export once in this process; the numbers of that export (and of a writer alongside)."""
    import bot.export  # noqa: F401  (imports are part of the baseline, not of the export)

    url = f"sqlite:///{database}"
    writer = None
    if not trace:
        command = [sys.executable, __file__, "--write-alongside", str(database)]
        writer = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    began, cpu = time.perf_counter(), time.process_time()
    result, stall = asyncio.run(_export_watching_the_loop(url, out))
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wrote = None
    if writer is not None:
        # Closing its stdin stops the writer; its last line is what it measured.
        output, _ = writer.communicate(timeout=120)
        wrote = json.loads(output.strip().splitlines()[-1])
    return {
        "writer": wrote,
        "rows": result.rows,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "loop_stall_ms": round(stall * 1000),
        "tracemalloc_peak_mib": round(peak / 2**20, 1) if peak is not None else None,
        # ru_maxrss is in KiB on Linux.
        "max_rss_before_mib": round(rss_before / 1024, 1),
        "max_rss_mib": round(rss_after / 1024, 1),
        "file_mib": round(out.stat().st_size / 2**20, 1),
    }


def child(*args: str) -> dict[str, Any]:
    """This script in a fresh Python process; its last line of output, as JSON.

    The parent stays small (it imports neither SQLAlchemy nor openpyxl): on Linux a child's
    max RSS starts from its parent's at fork time.
    """
    command = [sys.executable, __file__, *args]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def writer_wait(wrote: dict[str, Any]) -> str:
    """The writer's longest wait, and how many of its writes failed if any did."""
    text = str(wrote["longest_ms"])
    if wrote["failed"]:
        text += f" ({wrote['failed']} failed)"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000])
    parser.add_argument("--dir", type=Path, help="keep the databases and files here")
    parser.add_argument("--build", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write-alongside", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_alongside is not None:
        print(json.dumps(asyncio.run(_write_until_stdin_closes(args.write_alongside))))
        return
    if args.build is not None:
        began = time.perf_counter()
        build(args.out, args.build)
        print(json.dumps({"seconds": round(time.perf_counter() - began, 1)}))
        return
    if args.measure is not None:
        print(json.dumps(measure(args.measure, args.out, args.trace)))
        return
    with tempfile.TemporaryDirectory(prefix="xuncha-bench-") as scratch:
        folder = args.dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        header = (
            f"{'complaints':>10} {'format':>6} {'wall s':>7} {'cpu s':>6} {'loop stall ms':>13} "
            f"{'max RSS MiB':>11} {'(before)':>9} {'tracemalloc peak MiB':>20} {'file MiB':>8} "
            f"{'writer max wait ms':>18}"
        )
        lines = [header]
        for size in args.sizes:
            database = folder / f"bench-{size}.db"
            database.unlink(missing_ok=True)
            built = child("--build", str(size), "--out", str(database))
            print(f"built {size} complaints in {built['seconds']}s: {database}", flush=True)
            for suffix in ("xlsx", "csv"):
                out = folder / f"ledger-{size}.{suffix}"
                plain = child("--measure", str(database), "--out", str(out))
                traced = child("--measure", str(database), "--out", str(out), "--trace")
                assert plain["rows"] == traced["rows"] == size, (plain, traced)
                lines.append(
                    f"{size:>10} {suffix:>6} {plain['wall_s']:>7} {plain['cpu_s']:>6} "
                    f"{plain['loop_stall_ms']:>13} {plain['max_rss_mib']:>11} "
                    f"{plain['max_rss_before_mib']:>9} {traced['tracemalloc_peak_mib']:>20} "
                    f"{plain['file_mib']:>8} {writer_wait(plain['writer']):>18}"
                )
                print(lines[-1], flush=True)
        print()
        print("\n".join(lines))
        print(
            f"(python {sys.version.split()[0]}; wall and cpu s from the plain run; max RSS "
            "includes the interpreter and imports, '(before)' is it when the export started; "
            "tracemalloc peak is the export's own allocations, from the traced run; writer max "
            "wait is the longest of another process's writes during the plain run)"
        )


if __name__ == "__main__":
    main()
