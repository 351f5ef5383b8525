"""`xuncha roster ...`: rounds, groups and villages from a roster file."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import load_settings


def register(app: typer.Typer) -> None:
    """Add the roster group."""
    roster_app = typer.Typer(help="Rounds, groups and villages.", no_args_is_help=True)
    roster_app.command("load")(roster_load)
    app.add_typer(roster_app, name="roster")


def roster_load(
    file: Annotated[Path, typer.Argument(help="A roster YAML file.", exists=False)],
) -> None:
    """Create or update a round from a roster file (format: examples/roster.example.yaml,
    explained in docs/DESIGN.md)."""
    settings = load_settings()
    from storage.migrate import upgrade
    from storage.roster import RosterError, load_roster_path

    upgrade(settings.database_url)
    try:
        summary = asyncio.run(load_roster_path(settings.database_url, file))
    except RosterError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(summary)
