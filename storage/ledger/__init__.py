"""The round's ledger (台账) and its statistics, read straight from the database.

`ledger_rows` streams one row per complaint, in number order, from a single joined query read
in pages (`yield_per`): nothing is loaded per row and memory does not grow with the number of
complaints. `ledger_summary` counts the same complaints by status, category, handling and
satisfaction with a few GROUP BY queries.

The ledger is a Chinese document whatever the chat's language: statuses, handling and
satisfaction are given in Chinese here (storage cannot read the handlers' catalogs).

Identity (the reporter's name and phone) is in a row only for a named complaint in a ledger
that is not for sharing: never for an anonymous complaint, never in a shareable ledger (the
round office, anything given to others). A shareable ledger does not carry the words
(description, resolution) of a complaint in a sensitive category either: the row is marked
`confidential` and the file shows a note in their place.

Modules: words (the Chinese labels), scope (which round, which complaints), rows, summary,
files (where exports go).
"""

from __future__ import annotations

from storage.handling import handling_of
from storage.ledger.files import export_directory
from storage.ledger.rows import LedgerRow, ledger_rows
from storage.ledger.scope import round_by_code, round_codes
from storage.ledger.summary import CategoryCount, LedgerSummary, ledger_summary
from storage.ledger.words import (
    CHANNEL_ZH,
    HANDLING_ZH,
    NO_HANDLING,
    RESOLUTION_ZH,
    SATISFACTION_ZH,
    STATUS_ZH,
)

__all__ = [
    "CHANNEL_ZH",
    "HANDLING_ZH",
    "NO_HANDLING",
    "RESOLUTION_ZH",
    "SATISFACTION_ZH",
    "STATUS_ZH",
    "CategoryCount",
    "LedgerRow",
    "LedgerSummary",
    "export_directory",
    "handling_of",
    "ledger_rows",
    "ledger_summary",
    "round_by_code",
    "round_codes",
]
