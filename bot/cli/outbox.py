"""`xuncha outbox ...`: notifications waiting to be sent."""

from __future__ import annotations

import asyncio

import typer

from bot.cli.common import load_settings, use_database
from bot.cli.i18n import helps, say


def register(app: typer.Typer) -> None:
    """Add the outbox group."""
    outbox_app = typer.Typer(help=say("outbox.help"), no_args_is_help=True, rich_markup_mode=None)
    outbox_app.command("status", **helps("outbox.status.help"))(outbox_status)
    app.add_typer(outbox_app, name="outbox")


def outbox_status() -> None:
    """Show pending, failed and sent counts and the latest failures."""
    settings = load_settings()
    url = use_database(settings)
    typer.echo(asyncio.run(outbox_report(url)))


async def outbox_report(url: str) -> str:
    """The outbox's state for the operator: counts, the latest failures, lost chats."""
    from storage import lost_chats, outbox
    from storage.db import Database
    from storage.migrate import upgrade_async

    await upgrade_async(url)
    database = Database(url)
    try:
        async with database.transaction() as session:
            summary = await outbox.counts(session=session)
            lost = await lost_chats.lost_chats(session=session)
    finally:
        await database.dispose()
    lines = [
        say("outbox.counts", pending=summary.pending, failed=summary.failed, sent=summary.sent)
    ]
    for row in summary.latest_failures:
        lines.append(
            say(
                "outbox.failure",
                id=row.id,
                chat=row.chat_id,
                at=f"{row.sent_at:%Y-%m-%d %H:%M}",
                error=row.last_error,
            )
        )
    # Linked chats the bot was removed from: their rows wait until it is back.
    for chat in lost:
        lines.append(
            say(
                "outbox.lost",
                chat=chat.chat_id,
                what=say(f"target.{chat.target}"),
                name=chat.name,
                round=chat.round_code,
                since=f"{chat.lost_at:%Y-%m-%d %H:%M}",
                waiting=chat.waiting,
            )
        )
    return "\n".join(lines)
