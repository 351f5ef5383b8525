"""Expected failures end in one or two lines and an exit code of their own; the traceback goes
to the log file only.

Exit codes (README, "Exit codes"):

| code | meaning |
| --- | --- |
| 0 | done |
| 1 | not done: what was asked for is not there (a round, a group), or a doctor check failed |
| 2 | wrong options or settings (the environment or .env) |
| 3 | the database was not found or cannot be reached |
| 4 | the Bot API server cannot be reached |
| 5 | Telegram rejected the bot's token |
| 6 | the roster file has errors |
| 70 | an unexpected error (a bug): the log file has the traceback |
"""

from __future__ import annotations

import logging
from enum import IntEnum
from typing import Any

import typer
from typer._click.exceptions import UsageError
from typer.core import TyperGroup
from typer.exceptions import TyperException

from bot.cli import clickwords, logs
from bot.cli.i18n import say

log = logging.getLogger("bot.cli")


class ExitCode(IntEnum):
    """Why a command ended (the process's exit status)."""

    OK = 0
    NOT_DONE = 1
    USAGE = 2
    NO_DATABASE = 3
    NO_TELEGRAM = 4
    BAD_TOKEN = 5
    BAD_ROSTER = 6
    UNEXPECTED = 70


class CliFailure(Exception):
    """An expected failure: what the operator reads, and the exit code."""

    def __init__(self, code: ExitCode, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.code = code
        self.lines = lines


def fail(code: ExitCode, *lines: str) -> CliFailure:
    """The failure to raise (`raise fail(...)`)."""
    return CliFailure(code, *lines)


class GuardedGroup(TyperGroup):
    """The command tree's root: every command runs inside guard(), and click's own words (help,
    usage errors) come from the catalog (bot/cli/clickwords.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """The group, with the catalog's help formatter on every command under it."""
        super().__init__(*args, **kwargs)
        clickwords.use_said_context(self)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        """Parse the root's options; a wrong one is told from the catalog."""
        try:
            return super().make_context(*args, **kwargs)
        except clickwords.SaidUsageError:
            raise
        except UsageError as exc:
            raise clickwords.said(exc) from None

    def invoke(self, ctx: Any) -> Any:
        """Run the command; turn what goes wrong into lines and an exit code."""
        try:
            return super().invoke(ctx)
        except clickwords.SaidUsageError:
            raise
        except UsageError as exc:
            raise clickwords.said(exc) from None
        except (TyperException, typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            failure = explain(exc)
            # Our own failures say all there is; the log keeps the cause's traceback.
            cause = exc.__cause__ if isinstance(exc, CliFailure) else exc
            log.error("%s", failure, exc_info=cause)
            for line in failure.lines:
                typer.echo(line, err=True)
            raise typer.Exit(failure.code) from None


def explain(exc: Exception) -> CliFailure:
    """What an exception means to the operator."""
    from telegram.error import BadRequest, InvalidToken, NetworkError

    if isinstance(exc, CliFailure):
        return exc
    if isinstance(exc, InvalidToken):
        return fail(ExitCode.BAD_TOKEN, say("fail.token"), say("fail.token.hint"))
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
        return fail(
            ExitCode.NO_TELEGRAM,
            say("fail.network", reason=_reason(exc)),
            say("fail.network.hint"),
        )
    if _is_database_error(exc):
        return fail(
            ExitCode.NO_DATABASE,
            say("fail.database", reason=_reason(exc)),
            say("fail.database.hint"),
        )
    return fail(
        ExitCode.UNEXPECTED,
        say("fail.unexpected", reason=_reason(exc)),
        say("fail.see_log", log=logs.log_file() or "-"),
    )


def _is_database_error(exc: BaseException) -> bool:
    """A failure to reach or use the database (SQLAlchemy's DBAPI errors)."""
    from sqlalchemy.exc import DBAPIError

    return isinstance(exc, DBAPIError)


def _reason(exc: BaseException) -> str:
    """The exception's own words, on one line."""
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__
