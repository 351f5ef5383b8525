"""Where exported ledger files are written."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy.engine import URL, make_url


def export_directory(database_url: str | URL) -> Path:
    """Where exported files go: `exports/` next to an SQLite database file, else a temp dir."""
    url = make_url(database_url) if isinstance(database_url, str) else database_url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "exports"
    return Path(tempfile.gettempdir()) / "xuncha-exports"
