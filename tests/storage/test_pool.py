"""Pooled PostgreSQL connections: pinged only after sitting idle, replaced when found dead."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage import db as storage_db
from storage.db import Database
from tests.conftest import TEST_DATABASE_URL, _on_pg_server, drop_pg_database, make_database_url

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL")


@pytest.fixture
async def pg_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A Database on a fresh, migrated PostgreSQL database."""
    url, name = await make_database_url("postgresql", tmp_path)
    database = Database(url)
    try:
        yield database
    finally:
        await database.dispose()
        assert name is not None
        await drop_pg_database(name)


async def _backend_pid(database: Database) -> int:
    """The server process id of the pooled connection a transaction gets."""
    async with database.transaction() as session:
        return int((await session.exec(text("SELECT pg_backend_pid()"))).one()[0])  # type: ignore[call-overload]


async def test_a_connection_the_server_closed_while_idle_is_replaced_unnoticed(
    pg_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await _backend_pid(pg_database)
    # A restart of the server, or its idle timeout, ends the session behind the pool's back.
    await _on_pg_server(f"SELECT pg_terminate_backend({first})")
    monkeypatch.setattr(storage_db, "PING_AFTER_IDLE_SECONDS", 0.0)
    second = await _backend_pid(pg_database)
    assert second != first


async def test_a_connection_in_steady_use_is_not_pinged_and_a_dead_one_fails_once(
    pg_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await _backend_pid(pg_database)
    await _on_pg_server(f"SELECT pg_terminate_backend({first})")
    # Used a moment ago: no ping, so the dead connection is found by the statement itself,
    # which fails (the update or send is retried); the pool then has a live one again.
    monkeypatch.setattr(storage_db, "PING_AFTER_IDLE_SECONDS", 3600.0)
    with pytest.raises(DBAPIError):
        await _backend_pid(pg_database)
    assert await _backend_pid(pg_database) != first


async def _seen(database: Database, update_id: int) -> bool:
    """Whether another transaction sees the processed_update row `update_id`."""
    async with database.transaction() as session:
        statement = text("SELECT count(*) FROM processed_update WHERE update_id = :id")
        return int((await session.exec(statement, params={"id": update_id})).one()[0]) == 1  # type: ignore[call-overload]


async def test_a_single_write_commits_by_itself_and_leaves_transactions_transactional(
    pg_database: Database,
) -> None:
    insert = text("INSERT INTO processed_update (update_id, processed_at) VALUES (:id, now())")

    class Later(Exception):
        """A failure after the write."""

    with pytest.raises(Later):
        async with pg_database.single_write() as connection:
            await connection.execute(insert, {"id": 1})
            # Committed already: another connection sees it while this session is open.
            assert await _seen(pg_database, 1)
            raise Later
    assert await _seen(pg_database, 1)
    # Every pooled connection goes back to ordinary transactions: a failed one writes nothing.
    for update_id in range(2, 2 + storage_db.PG_POOL_SIZE + 1):
        with pytest.raises(Later):
            async with pg_database.transaction() as session:
                await session.exec(insert, params={"id": update_id})  # type: ignore[call-overload]
                raise Later
        assert not await _seen(pg_database, update_id)
