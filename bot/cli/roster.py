"""`xuncha roster ...`: rounds, groups and villages from a roster file (no `from __future__`:
see bot/cli/exports.py)."""

import asyncio
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import load_settings, use_database
from bot.cli.failures import CliFailure, ExitCode, fail
from bot.cli.i18n import helps, say

if TYPE_CHECKING:
    from storage.roster import ParsedRoster, RosterProblem

# The commented example, shipped with the package (examples/roster.example.yaml links to it).
TEMPLATE = "roster.example.yaml"


def register(app: typer.Typer) -> None:
    """Add the roster group."""
    roster_app = typer.Typer(help=say("roster.help"), no_args_is_help=True, rich_markup_mode=None)
    # Hidden from the arguments' list (typer would show it as "<path>"); the command's help
    # says what FILE is.
    File = Annotated[Path, typer.Argument(metavar=say("meta.file"), hidden=True)]
    about_file = say("roster.arg.file")

    @roster_app.command("template", **helps("roster.template.help"))
    def template_command() -> None:
        typer.echo(template_text(), nl=False)

    @roster_app.command("check", **helps("roster.check.help", about_file))
    def check_command(file: File) -> None:
        roster_check(file)

    @roster_app.command("load", **helps("roster.load.help", about_file))
    def load_command(file: File) -> None:
        roster_load(file)

    app.add_typer(roster_app, name="roster")


def template_text() -> str:
    """The example roster, with a comment on every field."""
    return files("bot.cli").joinpath(TEMPLATE).read_text(encoding="utf-8")


def roster_check(file: Path) -> None:
    """Validate a roster file without a database and say what it holds."""
    spec = _parsed(file).spec
    villages = sum(len(group.villages) for group in spec.groups)
    typer.echo(
        say(
            "roster.ok",
            file=file,
            round=spec.round.code,
            groups=len(spec.groups),
            villages=villages,
            departments=len(spec.departments),
            categories=say("roster.default_categories")
            if spec.categories is None
            else len(spec.categories),
        )
    )
    typer.echo(say("roster.ok.next", file=file))


def roster_load(file: Path) -> None:
    """Create or update a round from a roster file."""
    _parsed(file)  # a broken file needs no database
    # The one command besides run and db upgrade that may create the database: only with a
    # valid roster, so what it creates is never empty.
    url = use_database(load_settings(), create=True)
    from storage.migrate import upgrade
    from storage.roster import RosterError, load_roster_path

    upgrade(url)
    try:
        summary = asyncio.run(load_roster_path(url, file))
    except RosterError as exc:
        raise _bad(file, exc) from exc
    counts = say(
        "roster.counts",
        groups=_count(summary.groups, "roster.n.group", "roster.n.groups"),
        villages=_count(summary.villages, "roster.n.village", "roster.n.villages"),
        departments=_count(summary.departments, "roster.n.department", "roster.n.departments"),
        categories=_count(summary.categories, "roster.n.category", "roster.n.categories"),
    )
    if summary.created:
        typer.echo(say("roster.created", round=summary.round_code, counts=counts))
    elif summary.changed:
        typer.echo(say("roster.updated", round=summary.round_code, counts=counts))
    else:
        typer.echo(say("roster.unchanged", round=summary.round_code))
    for kind, code in summary.kept:
        typer.echo(say("roster.note", note=say(f"roster.kept.{kind}", code=code)))


def _count(n: int, one: str, many: str) -> str:
    """'1 group', '2 groups' (Chinese has one form)."""
    return say(one if n == 1 else many, n=n)


def _parsed(file: Path) -> "ParsedRoster":
    """The roster file validated, or a failure listing every problem with its line."""
    from storage.roster import RosterError, parse_roster_path

    try:
        return parse_roster_path(file)
    except RosterError as exc:
        raise _bad(file, exc) from exc


def _bad(file: Path, exc: Exception) -> CliFailure:
    """The failure of a roster file with problems: a head line and one line per problem."""
    problems = getattr(exc, "problems", [])
    return fail(
        ExitCode.BAD_ROSTER,
        say("roster.bad", file=file, count=len(problems)),
        *(f"  {said_problem(problem)}" for problem in problems),
    )


def said_problem(problem: "RosterProblem") -> str:
    """One roster problem in the operator's language: FILE:LINE: FIELD: what is wrong."""
    where = problem.source if problem.line is None else f"{problem.source}:{problem.line}"
    message = say(f"roster.problem.{problem.code}", **dict(problem.values))
    if not problem.field:
        return say("roster.problem.nofield", where=where, message=message)
    return say("roster.problem", where=where, field=problem.field, message=message)
