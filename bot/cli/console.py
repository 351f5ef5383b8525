"""`xuncha console-link`: a one-time login link to the console (工作台) for an operator (no
`from __future__`: see bot/cli/exports.py)."""

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import typer

from bot.cli.common import load_settings, use_database
from bot.cli.failures import ExitCode, fail
from bot.cli.i18n import helps, say
from bot.cli.links import said_link_error


def register(app: typer.Typer) -> None:
    """Add console-link."""
    Code = Annotated[
        str | None, typer.Option("--group", metavar=say("meta.code"), help=say("link.opt.group"))
    ]
    Department = Annotated[
        str | None,
        typer.Option("--department", metavar=say("meta.code"), help=say("link.opt.department")),
    ]
    Office = Annotated[
        str | None,
        typer.Option("--office", metavar=say("meta.round"), help=say("console.opt.office")),
    ]
    Round = Annotated[
        str | None,
        typer.Option("--round", metavar=say("meta.round"), help=say("link.opt.round")),
    ]

    @app.command("console-link", **helps("console.help"))
    def console_link_command(
        group: Code = None,
        department: Department = None,
        office: Office = None,
        round_code: Round = None,
    ) -> None:
        console_link(group, department, office, round_code)


@dataclass(frozen=True)
class OperatorLink:
    """The link printed, and what it opens."""

    url: str
    what: str


async def operator_link(
    database_url: str,
    console_url: str,
    *,
    target: str,
    round_code: str | None,
    code: str | None,
    now: datetime,
) -> OperatorLink:
    """Issue the link (storage.links.LinkError when the target is unknown)."""
    from storage import console
    from storage.db import Database

    database = Database(database_url)
    try:
        async with database.transaction() as session:
            token, what = await console.issue_operator_link(
                session=session, target=target, round_code=round_code, code=code, now=now
            )
    finally:
        await database.dispose()
    return OperatorLink(f"{console_url.rstrip('/')}/login/{token}", what)


def console_link(
    group: str | None, department: str | None, office: str | None, round_code: str | None
) -> None:
    """Print a one-time login link to the console (valid 10 minutes, works once)."""
    chosen = [
        (target, value)
        for target, value in (("group", group), ("department", department), ("office", office))
        if value is not None
    ]
    if len(chosen) != 1:
        raise fail(ExitCode.USAGE, say("link.choose_one"))
    ((target, value),) = chosen
    settings = load_settings()
    if not settings.console_url:
        raise fail(ExitCode.USAGE, say("console.off"))
    from datetime import UTC

    from storage.links import LinkError
    from storage.migrate import upgrade

    # Never a new empty database: name it, or say where it looked (bot/cli/common.py).
    upgrade(use_database(settings))
    try:
        issued = asyncio.run(
            operator_link(
                settings.database_url,
                settings.console_url,
                target=target,
                round_code=value if target == "office" else round_code,
                code=None if target == "office" else value,
                now=datetime.now(UTC),
            )
        )
    except LinkError as exc:
        raise fail(ExitCode.NOT_DONE, say("console.failed", reason=said_link_error(exc))) from exc
    typer.echo(issued.url)
    typer.echo(say("console.opens", what=issued.what))
