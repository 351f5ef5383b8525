"""The `xuncha` command line: run the bot, the demo, and the operator's tools."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from bot.config import Settings

app = typer.Typer(
    help="巡察 complaints bot: residents report, inspection groups triage.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
roster_app = typer.Typer(help="Rounds, groups and villages.", no_args_is_help=True)
outbox_app = typer.Typer(help="Notifications waiting to be sent.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(roster_app, name="roster")
app.add_typer(outbox_app, name="outbox")


def _settings() -> Settings:
    """Load settings, configure logging."""
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request at INFO, including the token in the URL.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return settings


@app.command()
def run() -> None:
    """Run the bot (long polling, or webhook mode with WEBHOOK_URL). Upgrades the database."""
    try:
        settings = _settings()
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
    from bot.service import run_bot

    log = logging.getLogger("bot.cli")
    if settings.webhook_mode:
        log.info("webhook mode: Telegram posts updates to %s", settings.webhook_url)
    else:
        log.info("polling mode: the bot fetches updates with getUpdates")
    asyncio.run(run_bot(settings))


@app.command()
def demo() -> None:
    """Play a resident's report against the local Bot API emulator and print the transcript."""
    _settings()
    from bot.demo import run_demo

    asyncio.run(run_demo())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    settings = _settings()
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    typer.echo("database is up to date")


@roster_app.command("load")
def roster_load(
    file: Annotated[Path, typer.Argument(help="A roster YAML file.", exists=False)],
) -> None:
    """Create or update a round from a roster file (format: examples/roster.example.yaml,
    explained in docs/DESIGN.md)."""
    settings = _settings()
    from storage.migrate import upgrade
    from storage.roster import RosterError, load_roster_path

    upgrade(settings.database_url)
    try:
        summary = asyncio.run(load_roster_path(settings.database_url, file))
    except RosterError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(summary)


_CHAT_OF = {
    "group": "the inspection group's chat",
    "department": "the department's chat",
    "office": "the round office's chat",
}


@app.command("link-code")
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
    settings = _settings()
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


@app.command("export")
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
    settings = _settings()
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


@app.command("qr")
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
    settings = _settings()
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


@outbox_app.command("status")
def outbox_status() -> None:
    """Show pending, failed and sent counts and the latest failures."""
    settings = _settings()
    from bot.service import outbox_report

    typer.echo(asyncio.run(outbox_report(settings)))


def main() -> None:
    """Entry point of the console script."""
    app()
