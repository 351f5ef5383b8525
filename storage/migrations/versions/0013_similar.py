"""similar complaints: followers, and indexes for the lookup

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 16:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "complaint_follower",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.ForeignKeyConstraint(["resident_id"], ["resident.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("complaint_id", "resident_id"),
    )
    with op.batch_alter_table("complaint_follower", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_follower_complaint_id"), ["complaint_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_follower_resident_id"), ["resident_id"], unique=False
        )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaint_similar",
            ["round_id", "village_id", "category_code", "filed_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_complaint_near", ["round_id", "category_code", "latitude"], unique=False
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_near")
        batch_op.drop_index("ix_complaint_similar")
    with op.batch_alter_table("complaint_follower", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_follower_resident_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_follower_complaint_id"))
    op.drop_table("complaint_follower")
