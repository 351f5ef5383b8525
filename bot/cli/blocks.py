"""`xuncha block list` and `xuncha unblock NUMBER`: residents blocked from a card (屏蔽), named
by the complaint they were blocked through, never by who they are (no `from __future__`: see
bot/cli/exports.py)."""

import asyncio
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from bot.cli.common import load_settings, use_database
from bot.cli.failures import ExitCode, fail
from bot.cli.i18n import helps, say


def register(app: typer.Typer) -> None:
    """Add the block group (list) and unblock."""
    block_app = typer.Typer(help=say("block.help"), no_args_is_help=True, rich_markup_mode=None)

    @block_app.command("list", **helps("block.list.help"))
    def list_command(
        everything: Annotated[
            bool, typer.Option("--all", help=say("block.opt.all"), show_default=False)
        ] = False,
    ) -> None:
        url = use_database(load_settings())
        typer.echo(asyncio.run(block_list(url, everything=everything)))

    # Hidden from the arguments' list (typer would show it as "<str>"); the help says what it is.
    @app.command("unblock", **helps("unblock.help", say("unblock.arg.number")))
    def unblock_command(
        number: Annotated[str, typer.Argument(metavar=say("meta.number"), hidden=True)],
        reason: Annotated[
            str | None,
            typer.Option("--reason", metavar=say("meta.reason"), help=say("unblock.opt.reason")),
        ] = None,
    ) -> None:
        url = use_database(load_settings())
        typer.echo(asyncio.run(unblock(url, number, reason)))

    app.add_typer(block_app, name="block")


def _moment(when: datetime, timezone: str) -> str:
    """A moment on the round's clock."""
    return f"{when.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M}"


async def block_list(url: str, *, everything: bool) -> str:
    """The blocks in force (or the whole record), one line each."""
    from storage import blocks
    from storage.db import Database
    from storage.migrate import upgrade_async

    await upgrade_async(url)
    database = Database(url)
    try:
        async with database.transaction() as session:
            lines = await blocks.listing(
                session=session, now=datetime.now(UTC), everything=everything
            )
    finally:
        await database.dispose()
    if not lines:
        return say("block.list.none")
    shown = [say("block.list.title", count=len(lines))]
    for line in lines:
        until = say("block.forever")
        if line.until is not None:
            until = say("block.until", until=_moment(line.until, line.timezone))
        text = say(
            "block.list.line",
            number=line.number,
            until=until,
            reason=line.reason,
            by=line.by,
            at=_moment(line.at, line.timezone),
        )
        if line.lifted_at is not None:
            text += say(
                "block.list.lifted",
                at=_moment(line.lifted_at, line.timezone),
                by=line.lifted_by or "",
                reason=line.lift_reason or "—",
            )
        shown.append(text)
    return "\n".join(shown)


async def unblock(url: str, number: str, reason: str | None) -> str:
    """Lift the block in force made through the complaint with this number."""
    from storage import blocks
    from storage.db import Database
    from storage.migrate import upgrade_async
    from storage.workflow import Actor

    await upgrade_async(url)
    database = Database(url)
    try:
        async with database.transaction() as session:
            outcome = await blocks.unblock_number(
                session=session,
                number=number,
                actor=Actor(kind="operator", name=say("block.by_cli")),
                now=datetime.now(UTC),
                reason=reason,
            )
    finally:
        await database.dispose()
    if outcome.refusal == "not_found":
        raise fail(ExitCode.NOT_DONE, say("unblock.not_found", number=number))
    if outcome.refusal == "not_blocked":
        raise fail(ExitCode.NOT_DONE, say("unblock.not_blocked", number=outcome.number))
    return say("unblock.done", number=outcome.number)
