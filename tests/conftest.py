"""Shared fixtures: real databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from storage.db import Database
from storage.migrate import upgrade_async

# Browser fixtures (chromium, browser_page, screenshots) for all tests: tests/helpers/browser.py.
pytest_plugins = ["tests.helpers.browser"]

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture(autouse=True)
def _data_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The command line's data folder (default database, log file, .env): a fresh one per test,
    never the user's ~/xuncha."""
    home = tmp_path_factory.mktemp("xuncha-home")
    monkeypatch.setenv("XUNCHA_HOME", str(home))
    return home


BACKENDS = ["sqlite", "postgresql"] if TEST_DATABASE_URL else ["sqlite"]


async def _on_pg_server(statement: str) -> None:
    """Run one statement on the server behind TEST_DATABASE_URL (outside any transaction)."""
    import asyncpg

    server = make_url(TEST_DATABASE_URL)
    connection = await asyncpg.connect(
        host=server.host or "127.0.0.1",
        port=server.port or 5432,
        user=server.username or "postgres",
        password=server.password,
        database=server.database or "postgres",
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _create_pg_database(name: str) -> str:
    """Create an empty PostgreSQL database next to TEST_DATABASE_URL; return its URL."""
    await _on_pg_server(f'CREATE DATABASE "{name}"')
    return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)


async def drop_pg_database(name: str) -> None:
    """Drop a database made by _create_pg_database."""
    await _on_pg_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def make_database_url(backend: str, tmp_path: Path) -> tuple[str, str | None]:
    """A migrated, empty database of the given backend: (url, pg database name or None)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'xuncha.db'}"
        await upgrade_async(url)
        return url, None
    name = f"xuncha_test_{uuid.uuid4().hex[:12]}"
    url = await _create_pg_database(name)
    await upgrade_async(url)
    return url, name


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """URL of a fresh, migrated database on each configured backend."""
    url, pg_name = await make_database_url(request.param, tmp_path)
    try:
        yield url
    finally:
        if pg_name:
            await drop_pg_database(pg_name)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A Database on a fresh, migrated database of each configured backend."""
    db = Database(database_url)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A Database on a fresh, migrated SQLite file (for SQLite-only behaviour)."""
    url, _ = await make_database_url("sqlite", tmp_path)
    db = Database(url)
    try:
        yield db
    finally:
        await db.dispose()
