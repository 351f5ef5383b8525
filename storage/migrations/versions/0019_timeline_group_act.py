"""the group's first act on a complaint from an index (the three rates)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# storage/models/complaints.py's GROUP_ACTIONS as they were at this revision.
GROUP_ACTED = sa.text(
    "action IN ('accepted', 'immediate', 'handed_off', 'transferred', 'rejected')"
)


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_timeline_event_group_act",
            ["complaint_id", "at"],
            unique=False,
            postgresql_where=GROUP_ACTED,
            sqlite_where=GROUP_ACTED,
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.drop_index("ix_timeline_event_group_act")
