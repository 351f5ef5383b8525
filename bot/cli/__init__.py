"""The `xuncha` command line: run the bot, the demo, and the operator's tools.

Each command (or group of commands) lives in its own module of this package with a
`register(app)` function; COMMANDS lists them in the order `xuncha --help` shows them. A new
command is a new module and one line in COMMANDS. Texts come from the command line's catalog
(bot/cli/i18n.py): help texts are looked up when the tree is built, so build_app() takes the
language.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Annotated

import typer

from bot.cli import (
    blocks,
    console,
    database,
    doctor,
    exports,
    i18n,
    links,
    logs,
    outbox,
    roster,
    running,
    trying,
)
from bot.cli.failures import GuardedGroup
from bot.cli.i18n import say

# The order of `xuncha --help`.
COMMANDS: tuple[Callable[[typer.Typer], None], ...] = (
    running.register,  # run, demo
    doctor.register,  # doctor
    database.register,  # db upgrade
    roster.register,  # roster template, check, load
    links.register,  # link-code
    console.register,  # console-link
    exports.register,  # export, qr
    outbox.register,  # outbox status
    blocks.register,  # block list, unblock (屏蔽)
    trying.register,  # try: the bot in a browser, against the emulator
)


def build_app(language: str | None = None) -> typer.Typer:
    """The command tree in `language` (default: the system locale's) with every command."""
    i18n.use(language or i18n.from_locale(os.environ))
    app = typer.Typer(
        cls=GuardedGroup,
        help=say("app.help"),
        no_args_is_help=True,
        add_completion=False,
        # Plain help: no boxes, no <str>/<bool> placeholders.
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
    )
    app.callback()(_options)
    for register in COMMANDS:
        register(app)
    return app


def _options(
    lang: Annotated[
        str | None,
        typer.Option("--lang", metavar="zh|en", help=say("app.opt.lang"), show_default=False),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help=say("app.opt.verbose"))] = False,
) -> None:
    """Options for every command: the language and the log on the terminal."""
    if lang is not None and lang not in i18n.LANGUAGES:
        raise typer.BadParameter(say("app.bad_lang", lang=lang), param_hint="--lang")
    i18n.use(lang or i18n.from_locale(os.environ))
    logs.configure(verbose=verbose, level=os.environ.get("LOG_LEVEL", "INFO"))


app = build_app()


def main() -> None:
    """Entry point of the console script."""
    build_app(i18n.from_arguments(sys.argv[1:], os.environ))()
