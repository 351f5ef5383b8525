"""`xuncha link-code`: a one-time code that links a Telegram chat."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot.cli.common import load_settings


def register(app: typer.Typer) -> None:
    """Add link-code."""
    app.command("link-code")(link_code)


_CHAT_OF = {
    "group": "the inspection group's chat",
    "department": "the department's chat",
    "office": "the round office's chat",
}


def link_code(
    group: Annotated[
        str | None, typer.Option("--group", help="An inspection group's code, e.g. g3.")
    ] = None,
    department: Annotated[
        str | None, typer.Option("--department", help="A department's code, e.g. water.")
    ] = None,
    office: Annotated[
        str | None, typer.Option("--office", help="A round's code: link its office's chat.")
    ] = None,
    round_code: Annotated[
        str | None,
        typer.Option(
            "--round", help="The round of --group/--department (default: the latest with it)."
        ),
    ] = None,
) -> None:
    """Print a one-time code (valid 24 hours) that links a Telegram chat with /link CODE."""
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
    if target == "office" and round_code is not None:
        typer.echo("--round goes with --group or --department; --office names the round", err=True)
        raise typer.Exit(2)
    settings = load_settings()
    from datetime import UTC, datetime

    from storage.links import LinkError, issue_code_at
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    try:
        issued = asyncio.run(
            issue_code_at(
                settings.database_url,
                target=target,
                round_code=value if target == "office" else round_code,
                code=None if target == "office" else value,
                now=datetime.now(UTC),
            )
        )
    except LinkError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    until = issued.local_expiry.strftime("%Y-%m-%d %H:%M %Z")
    typer.echo(f"link code: {issued.code}")
    typer.echo(f"links: {issued.what}")
    typer.echo(
        f"Send `/link {issued.code}` in {_CHAT_OF[issued.target]} as an administrator; "
        f"valid until {until} ({issued.timezone}). It works once."
    )
