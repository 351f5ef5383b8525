"""`xuncha try`: the bot in a browser, against the local emulator, before any bot is registered
(no `from __future__`: see bot/cli/exports.py)."""

import asyncio
import contextlib
import logging
import signal
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.failures import ExitCode, fail
from bot.cli.i18n import helps, say


def register(app: typer.Typer) -> None:
    """Add try."""
    Port = Annotated[
        int, typer.Option("--port", metavar=say("meta.port"), help=say("try.opt.port"))
    ]
    Host = Annotated[
        str, typer.Option("--host", metavar=say("meta.address"), help=say("try.opt.host"))
    ]
    Folder = Annotated[
        Path | None,
        typer.Option("--dir", metavar=say("meta.folder"), help=say("try.opt.dir")),
    ]

    @app.command("try", **helps("try.help"))
    def try_command(port: Port = 8090, host: Host = "127.0.0.1", folder: Folder = None) -> None:
        try_it(port, host, folder)


def try_it(port: int, host: str, folder: Path | None) -> None:
    """Start the try-out and serve it until Ctrl+C."""
    from bot.tryout import EXAMPLE_ROSTER

    if not EXAMPLE_ROSTER.is_file():
        raise fail(ExitCode.USAGE, say("try.no_example", path=EXAMPLE_ROSTER))
    where = folder or Path(tempfile.mkdtemp(prefix="xuncha-try-"))
    where.mkdir(parents=True, exist_ok=True)
    log_path = where / "try.log"
    _log_to(log_path)
    typer.echo(say("try.starting"))
    try:
        asyncio.run(_serve(where, host, port, log_path))
    except OSError as exc:
        if "address already in use" in str(exc).lower():
            # The port is an option the operator chose: a usage problem (2), not the database's.
            raise fail(ExitCode.USAGE, say("try.port_busy", port=port, other=port + 1)) from exc
        raise
    typer.echo(say("try.stopped"))


def _log_to(path: Path) -> None:
    """Every log line to the file only: the terminal shows what to open and where things are."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)


async def _serve(folder: Path, host: str, port: int, log_path: Path) -> None:
    """Run the try-out until Ctrl+C or SIGTERM."""
    from bot.tryout import try_session

    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stopping.set)
    async with try_session(folder, host=host, port=port) as session:
        typer.echo(say("try.ready", url=session.url, database=session.database_path, log=log_path))
        await stopping.wait()
