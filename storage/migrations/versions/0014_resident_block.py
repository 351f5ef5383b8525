"""resident_block: residents blocked from a complaint's card, and the record (issue 11 §5)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 16:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    text = sqlmodel.sql.sqltypes.AutoString()
    moment = storage.types.UTCDateTime(timezone=True)
    op.create_table(
        "resident_block",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("blocked_by_kind", text, nullable=False),
        sa.Column("blocked_by_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("blocked_by_name", text, nullable=True),
        sa.Column("blocked_at", moment, nullable=False),
        sa.Column("until", moment, nullable=True),
        sa.Column("lifted_at", moment, nullable=True),
        sa.Column("lifted_by_kind", text, nullable=True),
        sa.Column("lifted_by_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("lifted_by_name", text, nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.Column("noticed_at", moment, nullable=True),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.ForeignKeyConstraint(["resident_id"], ["resident.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("resident_block", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resident_block_complaint_id"), ["complaint_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_resident_block_resident_id"), ["resident_id"], unique=False
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("resident_block", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_block_resident_id"))
        batch_op.drop_index(batch_op.f("ix_resident_block_complaint_id"))
    op.drop_table("resident_block")
