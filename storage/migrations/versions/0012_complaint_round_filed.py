"""console: complaints of a round by filing time and by due date (the list's orders)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 16:05:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_round_filed", ["round_id", "filed_at"], unique=False)
        batch_op.create_index("ix_complaint_round_due", ["round_id", "due_on"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_round_due")
        batch_op.drop_index("ix_complaint_round_filed")
