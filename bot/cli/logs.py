"""Where the command line's log goes: a file in the data folder; the terminal only with
--verbose (libraries such as Alembic log at INFO, which is noise for an operator)."""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from bot.config import data_dir

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The handlers this module installed on the root logger (replaced on the next configure()).
_installed: list[logging.Handler] = []
_file: list[Path] = []


class WithoutTraceback(logging.Formatter):
    """The terminal's format: a record's message without its traceback (the file has it)."""

    def format(self, record: logging.LogRecord) -> str:
        """The line, with exc_info and stack left out."""
        plain = logging.makeLogRecord(record.__dict__)
        plain.exc_info, plain.exc_text, plain.stack_info = None, None, None
        return super().format(plain)


def default_log_file() -> Path:
    """xuncha.log in the data folder."""
    return data_dir() / "xuncha.log"


def configure(*, verbose: bool, level: str = "INFO", path: Path | None = None) -> None:
    """Log to the file (5 MB, 3 old files kept) and, with verbose, to the terminal too."""
    root = logging.getLogger()
    for old in _installed:
        root.removeHandler(old)
        old.close()
    _installed.clear()
    _file.clear()
    formatter = logging.Formatter(FORMAT)
    target = path or default_log_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = RotatingFileHandler(
            target, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
        )
        _file.append(target)
    except OSError:
        # No writable data folder: keep going without a log file.
        handler = logging.NullHandler()
    handler.setFormatter(formatter)
    _installed.append(handler)
    if verbose:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(WithoutTraceback(FORMAT))
        _installed.append(console)
    for installed in _installed:
        root.addHandler(installed)
    set_level(level)
    # httpx logs every request at INFO, including the token in the URL.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def set_level(level: str) -> None:
    """The root logger's level (LOG_LEVEL); an unknown name means INFO."""
    logging.getLogger().setLevel(logging.getLevelName(level.upper()) if _known(level) else "INFO")


def _known(level: str) -> bool:
    """Whether `level` names a logging level."""
    return isinstance(logging.getLevelName(level.upper()), int)


def log_file() -> Path | None:
    """The file this process logs to, if any."""
    return _file[0] if _file else None
