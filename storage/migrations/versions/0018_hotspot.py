"""hot spots kept for the reports and the ledger

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 16:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "hotspot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("found_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("group_ids", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hotspot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotspot_round_id"), ["round_id"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("hotspot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotspot_round_id"))
    op.drop_table("hotspot")
