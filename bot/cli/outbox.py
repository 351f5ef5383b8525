"""`xuncha outbox ...`: notifications waiting to be sent."""

from __future__ import annotations

import asyncio

import typer

from bot.cli.common import load_settings


def register(app: typer.Typer) -> None:
    """Add the outbox group."""
    outbox_app = typer.Typer(help="Notifications waiting to be sent.", no_args_is_help=True)
    outbox_app.command("status")(outbox_status)
    app.add_typer(outbox_app, name="outbox")


def outbox_status() -> None:
    """Show pending, failed and sent counts and the latest failures."""
    settings = load_settings()
    from bot.service import outbox_report

    typer.echo(asyncio.run(outbox_report(settings)))
