"""`xuncha console-link`: a one-time login link to the console (工作台) for an operator."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import typer

from bot.cli.common import load_settings, use_database


def register(app: typer.Typer) -> None:
    """Add console-link."""
    # short_help: click would cut the docstring at 45 characters.
    app.command("console-link", short_help="Print a one-time login link to the console")(
        console_link
    )


@dataclass(frozen=True)
class OperatorLink:
    """The link printed, and what it opens."""

    url: str
    what: str


async def operator_link(
    database_url: str,
    console_url: str,
    *,
    target: str,
    round_code: str | None,
    code: str | None,
    now: datetime,
) -> OperatorLink:
    """Issue the link (storage.links.LinkError when the target is unknown)."""
    from storage import console
    from storage.db import Database

    database = Database(database_url)
    try:
        async with database.transaction() as session:
            token, what = await console.issue_operator_link(
                session=session, target=target, round_code=round_code, code=code, now=now
            )
    finally:
        await database.dispose()
    return OperatorLink(f"{console_url.rstrip('/')}/login/{token}", what)


def console_link(
    group: Annotated[
        str | None, typer.Option("--group", help="An inspection group's code, e.g. g3.")
    ] = None,
    department: Annotated[
        str | None, typer.Option("--department", help="A department's code, e.g. water.")
    ] = None,
    office: Annotated[
        str | None, typer.Option("--office", help="A round's code: the office's view.")
    ] = None,
    round_code: Annotated[
        str | None, typer.Option("--round", help="The round of --group/--department.")
    ] = None,
) -> None:
    """Print a one-time login link to the console (valid 10 minutes, works once)."""
    chosen = [
        (target, value)
        for target, value in (("group", group), ("department", department), ("office", office))
        if value is not None
    ]
    if len(chosen) != 1:
        typer.echo(
            "give exactly one of --group CODE, --department CODE or --office ROUND", err=True
        )
        raise typer.Exit(2)
    ((target, value),) = chosen
    settings = load_settings()
    if not settings.console_url:
        typer.echo("CONSOLE_URL is not set: the console is off", err=True)
        raise typer.Exit(2)
    from datetime import UTC

    from storage.links import LinkError
    from storage.migrate import upgrade

    # Never a new empty database: name it, or say where it looked (bot/cli/common.py).
    upgrade(use_database(settings))
    try:
        issued = asyncio.run(
            operator_link(
                settings.database_url,
                settings.console_url,
                target=target,
                round_code=value if target == "office" else round_code,
                code=None if target == "office" else value,
                now=datetime.now(UTC),
            )
        )
    except LinkError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(issued.url)
    typer.echo(f"opens the console as {issued.what}; valid 10 minutes, works once.")
