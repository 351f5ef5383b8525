"""`xuncha export` and `xuncha qr`: the ledger and the posters, written to files."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import load_settings


def register(app: typer.Typer) -> None:
    """Add export and qr."""
    app.command("export")(export)
    app.command("qr")(qr)


def export(
    round_code: Annotated[str, typer.Option("--round", help="The round's code, e.g. WD2023-1.")],
    out: Annotated[Path, typer.Option("--out", help="The file to write: .xlsx or .csv.")],
    shareable: Annotated[
        bool, typer.Option("--shareable", help="Leave the residents' identity out of every row.")
    ] = False,
) -> None:
    """Write a round's ledger (台账): one row per complaint, and a summary sheet in .xlsx."""
    from datetime import UTC, datetime

    from bot.export import ExportError, UnsupportedFormat, export_round, format_of

    try:
        format_of(out)
    except UnsupportedFormat as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    settings = load_settings()
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    try:
        result = asyncio.run(
            export_round(
                settings.database_url,
                round_code=round_code,
                out=out,
                shareable=shareable,
                now=datetime.now(UTC),
            )
        )
    except ExportError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    kind = "shareable: no identity" if result.shareable else "with identity of named complaints"
    typer.echo(f"wrote {result.rows} complaints of {result.round_code} to {out} ({kind})")


def qr(
    round_code: Annotated[str, typer.Option("--round", help="The round's code, e.g. WD2023-1.")],
    out: Annotated[Path, typer.Option("--out", help="The folder to write the posters into.")],
    bot_username: Annotated[
        str | None,
        typer.Option(
            "--bot-username",
            help="The bot's username for the deep links (default: ask Telegram with getMe).",
        ),
    ] = None,
    language: Annotated[
        str, typer.Option("--language", help="The posters' language: zh or en.")
    ] = "zh",
) -> None:
    """Write a printable poster (巡察公告, A4, PNG and PDF) with its QR code for every village."""
    if language not in ("zh", "en"):
        typer.echo(f"--language {language!r}: choose zh or en", err=True)
        raise typer.Exit(2)
    settings = load_settings()
    from bot.posters import (
        PosterError,
        bot_username_from_telegram,
        clean_username,
        load_posters,
        write_posters,
    )
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    try:
        infos = asyncio.run(load_posters(settings.database_url, round_code=round_code))
        username = (
            clean_username(bot_username)
            if bot_username is not None
            else asyncio.run(bot_username_from_telegram(settings))
        )
        written = write_posters(infos, bot_username=username, out=out, language=language)
    except PosterError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    for files in written:
        typer.echo(f"{files.village_code}: {files.link}")
    typer.echo(
        f"wrote {len(written)} posters of {infos[0].round_code} to {out} "
        "(<village code>.png and .pdf, A4)"
    )
