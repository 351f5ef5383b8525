"""draft: a shared location far from the village, waiting for the resident's yes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("pending_longitude", sa.Float(), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_column("pending_longitude")
        batch_op.drop_column("pending_latitude")
