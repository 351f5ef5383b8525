"""What every command shares: settings, and the database it works on (named on the first line,
never created by a command that only reads or adds to it)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from bot.cli import logs
from bot.cli.failures import ExitCode, fail
from bot.cli.i18n import say
from bot.config import Settings, data_dir


def env_files() -> tuple[Path, ...]:
    """The .env files read, the later winning: the data folder's, then the current folder's."""
    return (data_dir() / ".env", Path(".env"))


def load_settings() -> Settings:
    """The settings from the environment and the .env files, or a failure naming what is
    wrong."""
    try:
        settings = Settings(_env_file=env_files())
    except ValidationError as exc:
        lines = [say("fail.settings")]
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]).upper()
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"  {field + ': ' if field else ''}{message}")
        raise fail(ExitCode.USAGE, *lines) from None
    logs.set_level(settings.log_level)
    return settings


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database or an in-memory one)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database or "").expanduser().resolve()


def database_label(url: str) -> str:
    """How the database is named to the operator: the SQLite file, or the URL without its
    password."""
    path = sqlite_file(url)
    return str(path) if path is not None else make_url(url).render_as_string(hide_password=True)


def use_database(settings: Settings, *, create: bool = False) -> str:
    """Name the database on the first line and check it can be used; only `create` (run, db
    upgrade) may make a new SQLite file. Returns its URL."""
    url = settings.database_url
    typer.echo(say("db.using", where=database_label(url)), err=True)
    path = sqlite_file(url)
    if path is not None and not path.exists():
        if not create:
            raise fail(
                ExitCode.NO_DATABASE,
                say("fail.no_database", path=path),
                say("fail.no_database.hint"),
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        return url
    asyncio.run(check_connection(url))
    return url


async def check_connection(url: str) -> None:
    """Connect once (SELECT 1), or a failure saying the database cannot be reached."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.ext.asyncio import create_async_engine

    from storage.db import async_url

    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (DBAPIError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).split("\n")[0]
        raise fail(
            ExitCode.NO_DATABASE,
            say("fail.database", reason=reason),
            say("fail.database.hint"),
        ) from exc
    finally:
        await engine.dispose()
