"""The statements every update runs, through SQLAlchemy's execution layer, as the bot runs them
(on the session's DBAPI cursor), and through the bare driver: what the fast path saves, and
what is left (issue 12, P1).

    python bench/hot_statements.py                  # SQLite and PostgreSQL, 3 runs each
    python bench/hot_statements.py --db sqlite --updates 500

Per update, whatever it is, the bot runs at least: the update's claim (storage/updates.py),
the resident's arrival (storage/residents.py), the INSERT of its reply's outbox row, the
chat's head read to send it after the commit (storage/outbox_delivery.py `due_head`), the
commit, and the reply's mark as sent in a write of its own (`Database.single_write`). Three
sides run exactly those statements, on one database, alternately:

- sqlalchemy: the same statements through session.execute and connection.execute, as the bot
  ran them before storage/fast_sql.py;
- bot: the bot's own functions, as every update runs them: the same transactions and the
  arrival through SQLAlchemy, the other statements compiled once and run on the session
  connection's DBAPI cursor (storage/fast_sql.py);
- raw: the same SQL on a bare sqlite3 / asyncpg connection of the benchmark's own.

The figure is this process's CPU per update. A conversation step runs more (its draft, the
similar-complaint lookup, the filing): those are not here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.dialects import postgresql, sqlite  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench._machine import DEFAULT_SERVER, machine_line, scratch_database  # noqa: E402
from storage import migrate, outbox, outbox_delivery, residents, updates  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Resident  # noqa: E402
from storage.residents import _arrival  # noqa: E402

TELEGRAM_ID = 42
CHAT_ID = 42
# The reply every update sends: a plain sendMessage.
REPLY = {"chat_id": CHAT_ID, "text": "请选择问题类别"}


class Raw:
    """One statement compiled once; each call converts its parameters as SQLAlchemy would."""

    def __init__(self, statement: Any, dialect: Any, columns: tuple[str, ...] = ()) -> None:
        # An INSERT's columns are those given (`columns`), as at its execution with values.
        keys = list(columns) if columns else None
        self.compiled = statement.compile(dialect=dialect, column_keys=keys)
        self.sql = self.compiled.string
        self.order = self.compiled.positiontup or []
        self.processors: dict[str, Callable[[Any], Any] | None] = {
            name: self.compiled.binds[name].type.bind_processor(dialect) for name in self.order
        }

    def args(self, values: dict[str, Any]) -> list[Any]:
        """The positional parameters of one call."""
        params = self.compiled.construct_params(values)
        out = []
        for name in self.order:
            processor = self.processors[name]
            out.append(processor(params[name]) if processor else params[name])
        return out


def _statements(dialect: Any) -> dict[str, Raw]:
    """The hot statements, compiled for the dialect."""
    insert_rows, columns = outbox._insert_rows()
    return {
        "claim": Raw(updates._claim(dialect.name), dialect),
        "arrive": Raw(_arrival(), dialect),
        "insert": Raw(insert_rows, dialect, columns),
        "head": Raw(outbox_delivery._chat_heads(lost_chats_too=False), dialect),
        "mark": Raw(outbox_delivery._mark_sent(with_payload=False, same_chat=True), dialect),
    }


def _row_values(now: datetime) -> dict[str, Any]:
    """An outbox row's columns as `_write_new` writes them (a plain sendMessage)."""
    payload = {"method": "sendMessage", "params": REPLY}
    return {
        "created_at": now,
        "chat_id": CHAT_ID,
        "kind": outbox.API,
        "payload": payload,
        "complaint_id": None,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "sent_at": None,
        "message_id": None,
        "priority": 0,
    }


async def _arrive(session: Any, now: datetime) -> None:
    """The resident's arrival, as every update of theirs runs it (through SQLAlchemy)."""
    await residents.arrive(
        session=session,
        telegram_id=TELEGRAM_ID,
        first_name="居民",
        last_name=None,
        username=None,
        language="zh",
        now=now,
    )


async def through_the_bot(database: Database, update_id: int, now: datetime) -> None:
    """One update's statements as the bot runs them (storage/fast_sql.py for all but the
    arrival)."""
    async with database.transaction() as session:
        await updates.claim(session=session, update_id=update_id, now=now, turn=CHAT_ID)
        await _arrive(session, now)
        outbox.enqueue_call(
            session=session,
            chat_id=CHAT_ID,
            method="sendMessage",
            params=REPLY,
            now=now,
        )
        row, _more = await outbox_delivery.due_head(session=session, chat_id=CHAT_ID, now=now)
    assert row is not None and row.id is not None
    async with database.single_write() as connection:
        await outbox_delivery.mark_sent(
            session=connection, row_id=row.id, now=now, message_id=update_id, chat_id=CHAT_ID
        )


async def through_sqlalchemy(database: Database, update_id: int, now: datetime) -> None:
    """The same statements through SQLAlchemy's execution layer (session.execute,
    connection.execute), as the bot ran them before storage/fast_sql.py."""
    dialect = "sqlite" if database.is_sqlite else "postgresql"
    insert_rows, _columns = outbox._insert_rows()
    async with database.transaction() as session:
        claim = {"update_id": update_id, "processed_at": now, "key": CHAT_ID}
        await session.exec(updates._claim(dialect), params=claim)
        await _arrive(session, now)
        ids = await session.exec(insert_rows, params=[_row_values(now)])
        row_id = ids.scalars().one()
        heads = outbox_delivery._chat_heads(lost_chats_too=False)
        (await session.exec(heads, params={"chat_id": CHAT_ID})).all()
    async with database.single_write() as connection:
        mark = outbox_delivery._mark_sent(with_payload=False, same_chat=True)
        await connection.execute(mark, _mark_values(row_id, now, update_id))


def _mark_values(row_id: int, now: datetime, message_id: int) -> dict[str, Any]:
    return {
        "sent_row_id": row_id,
        "sent_now": now,
        "sent_message_id": message_id,
        "sent_chat_id": CHAT_ID,
    }


def raw_sqlite(path: str, raw: dict[str, Raw]) -> Callable[[int, datetime], None]:
    """One update's statements on a bare sqlite3 connection."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA busy_timeout = 5000")

    def run(update_id: int, now: datetime) -> None:
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            raw["claim"].sql, raw["claim"].args({"update_id": update_id, "processed_at": now})
        )
        db.execute(raw["arrive"].sql, raw["arrive"].args({"telegram_id": TELEGRAM_ID, "now": now}))
        row_id = db.execute(raw["insert"].sql, raw["insert"].args(_row_values(now))).fetchone()[0]
        db.execute(raw["head"].sql, raw["head"].args({"chat_id": CHAT_ID})).fetchall()
        db.execute("COMMIT")
        db.execute("BEGIN IMMEDIATE")
        db.execute(raw["mark"].sql, raw["mark"].args(_mark_values(row_id, now, update_id)))
        db.execute("COMMIT")

    return run


async def raw_postgresql(url: str, raw: dict[str, Raw]) -> Any:
    """One update's statements on a bare asyncpg connection (the mark commits on its own)."""
    import asyncpg

    parsed = make_url(url)
    db = await asyncpg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, database=parsed.database
    )
    await db.set_type_codec("jsonb", encoder=_json, decoder=str, schema="pg_catalog")
    await db.set_type_codec("json", encoder=_json, decoder=str, schema="pg_catalog")

    async def run(update_id: int, now: datetime) -> None:
        async with db.transaction():
            claim = {"update_id": update_id, "processed_at": now, "key": CHAT_ID}
            await db.fetch(raw["claim"].sql, *raw["claim"].args(claim))
            await db.fetch(
                raw["arrive"].sql, *raw["arrive"].args({"telegram_id": TELEGRAM_ID, "now": now})
            )
            row_id = await db.fetchval(raw["insert"].sql, *raw["insert"].args(_row_values(now)))
            await db.fetch(raw["head"].sql, *raw["head"].args({"chat_id": CHAT_ID}))
        await db.execute(raw["mark"].sql, *raw["mark"].args(_mark_values(row_id, now, update_id)))

    return run, db


def _json(value: Any) -> str:
    """What SQLAlchemy's JSON processor already made a string stays one."""
    return value if isinstance(value, str) else json.dumps(value)


@contextlib.asynccontextmanager
async def prepared(kind: str, server: str) -> AsyncIterator[str]:
    """A migrated database with one resident: its URL."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/hot.db"
            yield url
        return
    async with scratch_database(server, "xuncha_hot") as (url, _name):
        yield url


SIDES = ("sqlalchemy", "bot", "raw")


async def one_run(kind: str, server: str, updates_per_side: int) -> dict[str, float]:
    """CPU µs per update of each side, the sides alternating in batches of 50."""
    async with prepared(kind, server) as url:
        await migrate.upgrade_async(url)
        database = Database(url)
        now = datetime.now(UTC)
        async with database.transaction() as session:
            session.add(Resident(telegram_id=TELEGRAM_ID, language="zh", created_at=now))
        dialect = sqlite.dialect() if kind == "sqlite" else postgresql.asyncpg.dialect()
        raw = _statements(dialect)
        closing = None
        if kind == "sqlite":
            sync_run = raw_sqlite(make_url(url).database or "", raw)

            async def raw_run(update_id: int, when: datetime) -> None:
                sync_run(update_id, when)
        else:
            raw_run, closing = await raw_postgresql(url, raw)
        sides = {
            "sqlalchemy": lambda update_id: through_sqlalchemy(database, update_id, now),
            "bot": lambda update_id: through_the_bot(database, update_id, now),
            "raw": lambda update_id: raw_run(update_id, now),
        }
        spent = dict.fromkeys(SIDES, 0.0)
        update_id = 0
        # Warm every side (statement caches, prepared statements), then alternate.
        for _ in range(20):
            for side in SIDES:
                update_id += 1
                await sides[side](update_id)
        for _ in range(updates_per_side // 50):
            for side in SIDES:
                started = time.process_time()
                for _ in range(50):
                    update_id += 1
                    await sides[side](update_id)
                spent[side] += time.process_time() - started
        if closing is not None:
            await closing.close()
        await database.dispose()
        count = updates_per_side // 50 * 50
        return {side: spent[side] / count * 1e6 for side in SIDES}


def _spread(values: list[float], form: str) -> str:
    """min / median / max."""
    ordered = sorted(values)
    return " / ".join(
        format(v, form) for v in (ordered[0], statistics.median(ordered), ordered[-1])
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--updates", type=int, default=1000, help="per side and run")
    parser.add_argument("--server", default=DEFAULT_SERVER)
    arguments = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if arguments.db == "both" else [arguments.db]
    print(machine_line())
    for kind in kinds:
        runs = [
            asyncio.run(one_run(kind, arguments.server, arguments.updates))
            for _ in range(arguments.runs)
        ]
        print(f"\n== {kind}: {arguments.runs} run(s), µs of CPU per update; min / median / max ==")
        for side in SIDES:
            print(f"   {side:28s} {_spread([r[side] for r in runs], '6.0f')}")
        for side in SIDES[1:]:
            saved = [r["sqlalchemy"] - r[side] for r in runs]
            print(f"   saved by {side:19s} {_spread(saved, '6.0f')}")
    print(machine_line())


if __name__ == "__main__":
    main()
