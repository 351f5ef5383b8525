"""What the benchmarks share: the machine's description, a process's CPU time, and throwaway
PostgreSQL databases."""

from __future__ import annotations

import contextlib
import os
import platform
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.engine import make_url

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_model() -> str:
    """The processor's model name (Linux), else the architecture."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.machine()


def machine_line() -> str:
    """One line: processor, cores, load average now, Python."""
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"machine: {cpu_model()}, {os.cpu_count()} cores, load average {load}, "
        f"Python {platform.python_version()}"
    )


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a running process has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command's ")": state is field 3, utime 14 and stime 15 (1-based, man proc).
    return (int(fields[11]) + int(fields[12])) / _TICKS


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of some values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(round(share * len(ordered) + 0.5) - 1, 0)
    return ordered[min(rank, len(ordered) - 1)]


async def on_server(server: str, statement: str) -> list[tuple[object, ...]]:
    """One statement on the server's maintenance database, outside a transaction."""
    import asyncpg

    url = make_url(server)
    connection = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        return [tuple(row) for row in await connection.fetch(statement)]
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def scratch_database(server: str, prefix: str) -> AsyncIterator[tuple[str, str]]:
    """A new PostgreSQL database on the server, dropped afterwards: (its URL, its name)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    await on_server(server, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False), name
    finally:
        await on_server(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def backend_cpu_seconds(server: str, database: str) -> dict[int, float]:
    """CPU time of each PostgreSQL backend connected to `database` (same machine only)."""
    rows = await on_server(
        server, f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}'"
    )
    return {int(str(pid)): cpu_seconds(int(str(pid))) for (pid,) in rows}
