"""`xuncha doctor`: is everything in place for the bot to work? One line per check."""

from __future__ import annotations

import asyncio

import typer

from bot.cli.checks import run_checks
from bot.cli.common import database_label, load_settings
from bot.cli.failures import ExitCode
from bot.cli.i18n import helps, say


def register(app: typer.Typer) -> None:
    """Add doctor."""
    app.command("doctor", **helps("doctor.help"))(doctor)


def doctor() -> None:
    """Check the token, the server, privacy mode, the database, the webhook, the chats and the
    outbox; exit 1 when any check fails."""
    settings = load_settings()
    typer.echo(say("db.using", where=database_label(settings.database_url)), err=True)
    checks = asyncio.run(run_checks(settings))
    for check in checks:
        typer.echo(str(check))
    if any(check.ok is False for check in checks):
        typer.echo(say("doctor.some_failed"))
        raise typer.Exit(ExitCode.NOT_DONE)
    typer.echo(say("doctor.all_ok"))
