"""linked chats: when the bot was found removed from one (its rows wait until it is back)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 13:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The table and the column that records it, for each kind of linked chat.
COLUMNS = (
    ("inspection_group", "chat_lost_at"),
    ("department", "chat_lost_at"),
    ("round", "office_chat_lost_at"),
)


def upgrade() -> None:
    """Apply this revision."""
    for table, column in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    for table, column in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
