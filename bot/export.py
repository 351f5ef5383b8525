"""`xuncha export`: a round's ledger (台账) as .xlsx or .csv, streamed from the database.

The file formats are handlers/ledger_file.py's (the /export command in a chat writes the same
files); this is the operator's side: find the round, open the database, write the file. It
reads from a snapshot: the running bot keeps writing while a large round is written out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from handlers.ledger_file import UnsupportedFormat, format_of, write_ledger
from storage import ledger
from storage.db import Database

# Why an export cannot be made, by code; the command line says them from its catalog (keys
# export.error.CODE), this is their English wording (str() of the error).
EXPORT_ERRORS: dict[str, str] = {
    "no_round": "no round {round!r} in the database (rounds: {rounds})",
    "no_round_at_all": "no round {round!r} in the database (load a roster first)",
}


class ExportError(Exception):
    """An export that cannot be made: a code of EXPORT_ERRORS and its values; str() is the
    English wording."""

    def __init__(self, code: str, /, **values: Any) -> None:
        self.code = code
        self.values = values
        super().__init__(EXPORT_ERRORS[code].format(**values))


__all__ = ["ExportError", "ExportResult", "UnsupportedFormat", "export_round", "format_of"]


@dataclass(frozen=True)
class ExportResult:
    """What was written."""

    path: Path
    round_code: str
    rows: int
    shareable: bool


async def export_round(
    database_url: str,
    *,
    round_code: str,
    out: Path,
    shareable: bool,
    now: datetime,
) -> ExportResult:
    """Write the round's ledger to `out` (.xlsx or .csv).

    UnsupportedFormat for another extension (checked before the database is opened);
    ExportError for an unknown round.
    """
    format_of(out)
    database = Database(database_url)
    try:
        # Not transaction(): that would hold the write lock, and the bot, for the whole file.
        async with database.snapshot() as session:
            round_ = await ledger.round_by_code(session=session, code=round_code)
            if round_ is None or round_.id is None:
                known = await ledger.round_codes(session=session)
                if known:
                    raise ExportError("no_round", round=round_code, rounds=", ".join(known))
                raise ExportError("no_round_at_all", round=round_code)
            summary = await ledger.ledger_summary(session=session, round_id=round_.id, now=now)
            rows = ledger.ledger_rows(
                session=session, round_id=round_.id, shareable=shareable, now=now
            )
            count = await write_ledger(out, rows, summary, exported_at=now)
            return ExportResult(out, round_.code, count, shareable)
    finally:
        await database.dispose()
