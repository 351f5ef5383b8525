"""`xuncha run` and `xuncha demo`: the bot itself, and the bot against the local emulator."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from bot.cli.common import load_settings


def register(app: typer.Typer) -> None:
    """Add run and demo."""
    app.command("run")(run)
    app.command("demo")(demo)


def run() -> None:
    """Run the bot (long polling, or webhook mode with WEBHOOK_URL). Upgrades the database."""
    try:
        settings = load_settings()
    except ValidationError as exc:
        typer.echo("The settings are not valid (environment or .env):", err=True)
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]).upper()
            message = str(error["msg"]).removeprefix("Value error, ")
            typer.echo(f"  {field + ': ' if field else ''}{message}", err=True)
        raise typer.Exit(2) from None
    if not settings.telegram_bot_token:
        typer.echo(
            "TELEGRAM_BOT_TOKEN is not set. Put it in the environment or in .env "
            "(see README: 'Getting a bot token').\n"
            "To see the bot working without Telegram, run: xuncha demo",
            err=True,
        )
        raise typer.Exit(2)
    from bot.election import AnotherProcess
    from bot.service import run_bot

    log = logging.getLogger("bot.cli")
    if settings.webhook_mode:
        log.info("webhook mode: Telegram posts updates to %s", settings.webhook_url)
    else:
        log.info("polling mode: the bot fetches updates with getUpdates")
    try:
        asyncio.run(run_bot(settings))
    except AnotherProcess as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def demo(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FOLDER",
            help="Where to keep the log, the /stats chart and the /export ledger "
            "(default: a new folder xuncha-demo-<date>-<time> here).",
        ),
    ] = None,
) -> None:
    """Play a round against the local Bot API emulator and print the transcript."""
    from bot.demo import run_demo

    folder = (out or Path(f"xuncha-demo-{datetime.now().astimezone():%Y%m%d-%H%M%S}")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    asyncio.run(run_demo(folder))
