"""`xuncha db ...`: the database schema."""

from __future__ import annotations

import typer

from bot.cli.common import load_settings, use_database
from bot.cli.i18n import helps, say


def register(app: typer.Typer) -> None:
    """Add the db group."""
    db_app = typer.Typer(help=say("db.help"), no_args_is_help=True, rich_markup_mode=None)
    db_app.command("upgrade", **helps("db.upgrade.help"))(db_upgrade)
    app.add_typer(db_app, name="db")


def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    settings = load_settings()
    url = use_database(settings, create=True)
    from storage.migrate import upgrade

    upgrade(url)
    typer.echo(say("db.upgraded"))
