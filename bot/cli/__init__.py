"""The `xuncha` command line: run the bot, the demo, and the operator's tools.

Each command (or group of commands) lives in its own module of this package with a
`register(app)` function; COMMANDS lists them in the order `xuncha --help` shows them. A new
command is a new module and one line in COMMANDS.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from bot.cli import console, database, exports, links, outbox, roster, running, trying

# The order of `xuncha --help`.
COMMANDS: tuple[Callable[[typer.Typer], None], ...] = (
    running.register,  # run, demo
    database.register,  # db upgrade
    roster.register,  # roster load
    links.register,  # link-code
    console.register,  # console-link
    exports.register,  # export, qr
    outbox.register,  # outbox status
    trying.register,  # try: the bot in a browser, against the emulator
)


def build_app() -> typer.Typer:
    """The command tree with every command registered."""
    app = typer.Typer(
        help="巡察 complaints bot: residents report, inspection groups triage.",
        no_args_is_help=True,
        add_completion=False,
    )
    for register in COMMANDS:
        register(app)
    return app


app = build_app()


def main() -> None:
    """Entry point of the console script."""
    app()
