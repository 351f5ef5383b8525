"""Several handlers writing at once on SQLite: no 'database is locked'."""

from __future__ import annotations

import asyncio
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import update
from sqlmodel import col, func, select

from storage.db import Database
from storage.models import Round, Village

ROOT = Path(__file__).parents[2]
TASKS = 50
WRITES_PER_TASK = 4

# Another process (think: the CLI while the bot runs) writing to the same file in a loop until
# told to stop, so its writes surely overlap the in-process ones; it prints how many it made.
OTHER_PROCESS = """
import asyncio, sys
from pathlib import Path
from sqlalchemy import text
from storage.db import Database

async def main(url: str, stop: Path) -> None:
    database = Database(url)
    n = 0
    try:
        while not stop.exists():
            async with database.transaction() as session:
                await session.exec(text(
                    "UPDATE round SET last_number = last_number + 1 WHERE code = 'C1'"
                ))
                await session.exec(text(
                    "INSERT INTO village (code, name, township) VALUES (:code, 'v', 't')"
                ).bindparams(code=f"proc-{n}"))
            n += 1
            if n == 1:
                print("writing", flush=True)
    finally:
        await database.dispose()
    print(n, flush=True)

asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
"""


def plain_url(database: Database) -> str:
    """The ordinary URL of a Database (a second Database picks its own driver)."""
    return database.url.render_as_string(hide_password=False)


async def make_counter(database: Database) -> int:
    """A round whose last_number serves as the shared counter; return its id."""
    async with database.transaction() as session:
        row = Round(
            code="C1", name="counter", starts_on=date(2023, 1, 1), ends_on=date(2023, 2, 1)
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        return row.id


async def write(database: Database, round_id: int, prefix: str, task: int) -> None:
    """A handler's worth of writes: a few short transactions, each bumping the counter."""
    for n in range(WRITES_PER_TASK):
        async with database.transaction() as session:
            await session.exec(
                update(Round)
                .where(col(Round.id) == round_id)
                .values(last_number=col(Round.last_number) + 1)
            )
            session.add(Village(code=f"{prefix}-{task}-{n}", name="村", township="乡"))
        # Let the other tasks in between transactions, as real handlers would.
        await asyncio.sleep(0)


async def totals(database: Database, round_id: int) -> tuple[int, int]:
    """(counter, number of villages)."""
    async with database.transaction() as session:
        counter = (await session.exec(select(Round.last_number).where(Round.id == round_id))).one()
        villages = (await session.exec(select(func.count()).select_from(Village))).one()
    return counter, villages


async def test_many_tasks_and_a_second_database_object_write_at_once(
    sqlite_database: Database,
) -> None:
    round_id = await make_counter(sqlite_database)
    # A second engine on the same file has its own in-process lock, so the two only meet
    # in SQLite's own locking, as two processes would.
    other = Database(plain_url(sqlite_database))
    try:
        jobs = [
            write(sqlite_database if task % 2 else other, round_id, "t", task)
            for task in range(TASKS)
        ]
        results = await asyncio.gather(*jobs, return_exceptions=True)
    finally:
        await other.dispose()

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert await totals(sqlite_database, round_id) == (
        TASKS * WRITES_PER_TASK,
        TASKS * WRITES_PER_TASK,
    )


async def test_writers_in_another_process_at_the_same_time(
    sqlite_database: Database, tmp_path: Path
) -> None:
    round_id = await make_counter(sqlite_database)
    stop = tmp_path / "stop"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        OTHER_PROCESS,
        plain_url(sqlite_database),
        str(stop),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        # Start the in-process writers only once the other process is really writing.
        started = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        assert started == b"writing\n", started
        results = await asyncio.gather(
            *(write(sqlite_database, round_id, "t", task) for task in range(TASKS)),
            return_exceptions=True,
        )
        stop.touch()
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert process.returncode == 0, stderr.decode()
    assert b"locked" not in stderr
    assert [r for r in results if isinstance(r, BaseException)] == []
    process_writes = int(stdout.decode().split()[-1])
    assert process_writes > 1
    expected = TASKS * WRITES_PER_TASK + process_writes
    assert await totals(sqlite_database, round_id) == (expected, expected)
