"""card_message.shown: what the card message shows, so that an unchanged card is not edited

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 14:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("card_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shown", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("card_message", schema=None) as batch_op:
        batch_op.drop_column("shown")
