"""`xuncha run` and `xuncha demo`: the bot itself, and the bot against the local emulator (no
`from __future__`: see bot/cli/exports.py)."""

import asyncio
import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.cli import logs
from bot.cli.common import load_settings, use_database
from bot.cli.failures import ExitCode, fail
from bot.cli.i18n import helps, say

log = logging.getLogger("bot.cli")


def register(app: typer.Typer) -> None:
    """Add run and demo."""
    app.command("run", **helps("run.help"))(run)

    @app.command("demo", **helps("demo.help"))
    def demo_command(
        out: Annotated[
            Path | None,
            typer.Option("--out", metavar=say("meta.folder"), help=say("demo.opt.out")),
        ] = None,
    ) -> None:
        demo(out)


def run() -> None:
    """Run the bot (long polling, or webhook mode with WEBHOOK_URL). Upgrades the database."""
    settings = load_settings()
    if not settings.telegram_bot_token:
        raise fail(ExitCode.USAGE, say("run.no_token"), say("run.no_token.hint"))
    use_database(settings, create=True)
    from bot.election import AnotherProcess
    from bot.service import run_bot

    if settings.webhook_mode:
        typer.echo(say("run.webhook", url=settings.webhook_url), err=True)
    else:
        typer.echo(say("run.polling"), err=True)
    typer.echo(say("run.log", log=logs.log_file() or "-"), err=True)
    log.info("starting: %s", "webhook" if settings.webhook_mode else "polling")
    try:
        asyncio.run(run_bot(settings, started=_started))
    except AnotherProcess as exc:
        raise fail(ExitCode.NOT_DONE, say("run.another", reason=exc)) from exc


def _started(username: str) -> None:
    """Tell the operator the bot runs."""
    typer.echo(say("run.started", username=username), err=True)


def demo(out: Path | None) -> None:
    """Play a round against the local Bot API emulator and print the transcript."""
    from bot.demo import run_demo

    stamp = datetime.now().astimezone()
    folder = (out or Path(f"xuncha-demo-{stamp:%Y%m%d-%H%M%S}")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    asyncio.run(run_demo(folder))
