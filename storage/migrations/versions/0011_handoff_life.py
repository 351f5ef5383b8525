"""a hand-off's life on the department's side: 坚持交办, 延期, a clue's 已受理; progress photos;
each round's 签收 deadline (issue 10)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 15:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from storage.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

HANDOFF_COLUMNS = (
    "insist_note",
    "extension_days",
    "extension_reason",
    "extension_requested_at",
    "extension_state",
    "extension_decided_at",
    "extension_decided_by",
    "extension_refusal",
    "extended_days",
    "received_at",
)


def upgrade() -> None:
    """Apply this revision."""
    text = sqlmodel.sql.sqltypes.AutoString()
    with op.batch_alter_table("handoff") as batch:
        batch.add_column(sa.Column("insist_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("extension_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("extension_reason", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("extension_requested_at", UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("extension_state", text, nullable=True))
        batch.add_column(
            sa.Column("extension_decided_at", UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("extension_decided_by", text, nullable=True))
        batch.add_column(sa.Column("extension_refusal", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("extended_days", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("received_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("timeline_event") as batch:
        batch.add_column(sa.Column("photo_file_ids", sa.JSON(), nullable=True))
    with op.batch_alter_table("round") as batch:
        batch.add_column(
            sa.Column("sign_within_hours", sa.Integer(), nullable=False, server_default="24")
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("round") as batch:
        batch.drop_column("sign_within_hours")
    with op.batch_alter_table("timeline_event") as batch:
        batch.drop_column("photo_file_ids")
    with op.batch_alter_table("handoff") as batch:
        for name in reversed(HANDOFF_COLUMNS):
            batch.drop_column(name)
