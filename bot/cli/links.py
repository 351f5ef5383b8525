"""`xuncha link-code`: a one-time code that links a Telegram chat (no `from __future__`: see
bot/cli/exports.py)."""

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import load_settings, use_database
from bot.cli.failures import ExitCode, fail
from bot.cli.i18n import helps, say

if TYPE_CHECKING:
    from storage.links import LinkError


def register(app: typer.Typer) -> None:
    """Add link-code."""

    @app.command("link-code", **helps("link.help"))
    def link_code_command(
        group: Annotated[
            str | None,
            typer.Option("--group", metavar=say("meta.code"), help=say("link.opt.group")),
        ] = None,
        department: Annotated[
            str | None,
            typer.Option(
                "--department", metavar=say("meta.code"), help=say("link.opt.department")
            ),
        ] = None,
        office: Annotated[
            str | None,
            typer.Option("--office", metavar=say("meta.round"), help=say("link.opt.office")),
        ] = None,
        round_code: Annotated[
            str | None,
            typer.Option("--round", metavar=say("meta.round"), help=say("link.opt.round")),
        ] = None,
    ) -> None:
        link_code(group=group, department=department, office=office, round_code=round_code)


def link_code(
    *, group: str | None, department: str | None, office: str | None, round_code: str | None
) -> None:
    """Print a one-time code (valid 24 hours) that links a Telegram chat with /link CODE."""
    chosen = [
        (target, value)
        for target, value in (("group", group), ("department", department), ("office", office))
        if value is not None
    ]
    if len(chosen) != 1:
        raise fail(ExitCode.USAGE, say("link.choose_one"))
    ((target, value),) = chosen
    if target == "office" and round_code is not None:
        raise fail(ExitCode.USAGE, say("link.office_round"))
    url = use_database(load_settings())
    from storage.links import LinkError, issue_code_at
    from storage.migrate import upgrade

    upgrade(url)
    try:
        issued = asyncio.run(
            issue_code_at(
                url,
                target=target,
                round_code=value if target == "office" else round_code,
                code=None if target == "office" else value,
                now=datetime.now(UTC),
            )
        )
    except LinkError as exc:
        raise fail(ExitCode.NOT_DONE, say("link.failed", reason=said_link_error(exc))) from exc
    until = issued.local_expiry.strftime("%Y-%m-%d %H:%M %Z")
    typer.echo(say("link.code", code=issued.code))
    typer.echo(say("link.what", what=say(f"link.links.{issued.what_code}", **issued.what_values)))
    typer.echo(
        say(
            "link.how",
            code=issued.code,
            chat=say(f"chat.{issued.target}"),
            until=until,
            zone=issued.timezone,
        )
    )


def said_link_error(exc: "LinkError") -> str:
    """Why a link cannot be issued, in the operator's language."""
    return say(f"link.error.{exc.code}", **exc.values)
