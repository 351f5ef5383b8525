"""`xuncha export` and `xuncha qr`: the ledger and the posters, written to files.

No `from __future__ import annotations` in the command modules: the commands are defined in
register(), once the language is chosen, and typer reads their annotations (with the help
texts in them) as objects.
"""

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import load_settings, use_database
from bot.cli.failures import ExitCode, fail
from bot.cli.i18n import helps, say


def register(app: typer.Typer) -> None:
    """Add export and qr."""

    @app.command("export", **helps("export.help"))
    def export_command(
        round_code: Annotated[
            str, typer.Option("--round", metavar=say("meta.round"), help=say("opt.round"))
        ],
        out: Annotated[
            Path, typer.Option("--out", metavar=say("meta.file"), help=say("export.opt.out"))
        ],
        shareable: Annotated[
            bool, typer.Option("--shareable", help=say("export.opt.shareable"))
        ] = False,
    ) -> None:
        export(round_code, out, shareable=shareable)

    @app.command("qr", **helps("qr.help"))
    def qr_command(
        round_code: Annotated[
            str, typer.Option("--round", metavar=say("meta.round"), help=say("opt.round"))
        ],
        out: Annotated[
            Path, typer.Option("--out", metavar=say("meta.folder"), help=say("qr.opt.out"))
        ],
        bot_username: Annotated[
            str | None,
            typer.Option("--bot-username", metavar=say("meta.name"), help=say("qr.opt.bot")),
        ] = None,
        language: Annotated[
            str, typer.Option("--language", metavar="zh|en", help=say("qr.opt.language"))
        ] = "zh",
    ) -> None:
        qr(round_code, out, bot_username=bot_username, language=language)


def export(round_code: str, out: Path, *, shareable: bool) -> None:
    """Write a round's ledger (台账): one row per complaint, and a summary sheet in .xlsx."""
    from bot.export import ExportError, UnsupportedFormat, export_round, format_of

    try:
        format_of(out)
    except UnsupportedFormat as exc:
        raise fail(ExitCode.USAGE, say("export.bad_format", out=out)) from exc
    url = use_database(load_settings())
    from storage.migrate import upgrade

    upgrade(url)
    try:
        result = asyncio.run(
            export_round(
                url, round_code=round_code, out=out, shareable=shareable, now=datetime.now(UTC)
            )
        )
    except ExportError as exc:
        raise fail(
            ExitCode.NOT_DONE,
            say("export.failed", reason=say(f"export.error.{exc.code}", **exc.values)),
        ) from exc
    done = {"rows": result.rows, "round": result.round_code, "out": out}
    if result.shareable:
        typer.echo(say("export.done.shareable", **done))
    else:
        typer.echo(say("export.done.identity", **done))


def qr(round_code: str, out: Path, *, bot_username: str | None, language: str) -> None:
    """Write a printable poster (巡察公告, A4, PNG and PDF) with its QR code for every village."""
    if language not in ("zh", "en"):
        raise fail(ExitCode.USAGE, say("qr.bad_language", language=language))
    settings = load_settings()
    url = use_database(settings)
    from bot.posters import (
        PosterError,
        bot_username_from_telegram,
        clean_username,
        load_posters,
        write_posters,
    )
    from storage.migrate import upgrade

    upgrade(url)
    try:
        infos = asyncio.run(load_posters(url, round_code=round_code))
        username = (
            clean_username(bot_username)
            if bot_username is not None
            else asyncio.run(bot_username_from_telegram(settings))
        )
        written = write_posters(infos, bot_username=username, out=out, language=language)
    except PosterError as exc:
        reason = say(f"qr.error.{exc.code}", **exc.values)
        raise fail(_poster_exit_code(exc), say("qr.failed", reason=reason)) from exc
    for files in written:
        typer.echo(f"{files.village_code}: {files.link}")
    typer.echo(say("qr.done", count=len(written), round=infos[0].round_code, out=out))


def _poster_exit_code(exc: Exception) -> ExitCode:
    """A rejected token or an unreachable server keeps its own exit code (bot/cli/failures.py)
    when getMe was what failed."""
    from telegram.error import BadRequest, InvalidToken, NetworkError

    cause = exc.__cause__
    if isinstance(cause, InvalidToken):
        return ExitCode.BAD_TOKEN
    if isinstance(cause, NetworkError) and not isinstance(cause, BadRequest):
        return ExitCode.NO_TELEGRAM
    return ExitCode.NOT_DONE
