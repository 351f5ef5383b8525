"""similar complaints at scale: the near index gains longitude; duplicates by merged_into_id

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 16:20:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_near")
        batch_op.create_index(
            "ix_complaint_near",
            ["round_id", "category_code", "latitude", "longitude"],
            unique=False,
        )
        batch_op.create_index("ix_complaint_merged_into", ["merged_into_id"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_merged_into")
        batch_op.drop_index("ix_complaint_near")
        batch_op.create_index(
            "ix_complaint_near", ["round_id", "category_code", "latitude"], unique=False
        )
