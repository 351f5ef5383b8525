"""indexes for a million complaints: /open, a group's counts, the latest handling event

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# storage/models/complaints.py's conditions as they were at this revision.
STILL_OPEN = sa.text("status NOT IN ('closed', 'merged', 'rejected', 'transferred', 'withdrawn')")
HANDLING_EVENT = sa.text(
    "action IN ('immediate', 'handed_off', 'transferred', 'rejected')"
    " OR (action = 'accepted' AND from_status = 'rejected')"
)
COUNTS = [
    "round_id",
    "group_id",
    "status",
    "category_code",
    "channel",
    "satisfaction",
    "resolution_state",
    "village_id",
    "filed_at",
    "survey_asked_at",
    "due_on",
    "id",
]


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaint_group_open",
            ["group_id", "filed_at", "id"],
            unique=False,
            postgresql_where=STILL_OPEN,
            sqlite_where=STILL_OPEN,
        )
        batch_op.create_index("ix_complaint_counts", COUNTS, unique=False)
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_timeline_event_handling",
            ["complaint_id", "id", "action"],
            unique=False,
            postgresql_where=HANDLING_EVENT,
            sqlite_where=HANDLING_EVENT,
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.drop_index("ix_timeline_event_handling")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_counts")
        batch_op.drop_index("ix_complaint_group_open")
