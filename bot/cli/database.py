"""`xuncha db ...`: the database schema."""

from __future__ import annotations

import typer

from bot.cli.common import load_settings


def register(app: typer.Typer) -> None:
    """Add the db group."""
    db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
    db_app.command("upgrade")(db_upgrade)
    app.add_typer(db_app, name="db")


def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    settings = load_settings()
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    typer.echo("database is up to date")
