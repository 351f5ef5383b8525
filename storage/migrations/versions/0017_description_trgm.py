"""console: a pg_trgm index on descriptions (PostgreSQL only, when the extension can be made)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 16:30:00.000000
"""

from __future__ import annotations

import logging

from alembic import op
from sqlalchemy.exc import DBAPIError

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
# Named in storage/migrations/env.py: not in the models (SQLite has no such index).
INDEX = "ix_complaint_description_trgm"


def upgrade() -> None:
    """Apply this revision."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it. Where
    # that is not allowed the search works all the same, by scanning.
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            bind.exec_driver_sql(
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON complaint "
                "USING gin (description gin_trgm_ops)"
            )
    except DBAPIError as exc:
        log.warning("no pg_trgm index on complaint descriptions (%s); search scans", exc)


def downgrade() -> None:
    """Undo this revision."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(f"DROP INDEX IF EXISTS {INDEX}")
