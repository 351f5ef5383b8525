"""a complaint's latest hand-off's department on its row, in the counts index (issue 12)

A department's 解决率 and 满意率 are then counted in the same pass as the groups' and villages'
figures, not in a join of the group's complaints with their hand-offs.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 23:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# storage/models/complaints.py's as they were at this revision, and at 0023's.
BEFORE = [
    "round_id",
    "group_id",
    "status",
    "handling_action",
    "satisfaction",
    "category_code",
    "channel",
    "filed_at",
    "acted_at",
    "resolution_state",
    "survey_asked_at",
    "village_id",
    "answered_at",
    "first_resolved_at",
    "last_resolved_at",
    "id",
    "last_handoff_id",
    "due_on",
]
COUNTS = [*BEFORE[:12], "last_handoff_department_id", *BEFORE[12:]]
FILL_IN = """
    UPDATE complaint SET last_handoff_department_id = (
        SELECT h.department_id FROM handoff AS h WHERE h.id = complaint.last_handoff_id
    )
    WHERE last_handoff_id IS NOT NULL
"""


def upgrade() -> None:
    """Apply this revision."""
    # Dropped while the column is filled in (a million rows would update it for nothing).
    op.drop_index("ix_complaint_counts", table_name="complaint")
    op.add_column(
        "complaint", sa.Column("last_handoff_department_id", sa.Integer(), nullable=True)
    )
    op.execute(FILL_IN)
    op.create_index("ix_complaint_counts", "complaint", COUNTS, unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_complaint_counts", table_name="complaint")
    op.drop_column("complaint", "last_handoff_department_id")
    op.create_index("ix_complaint_counts", "complaint", BEFORE, unique=False)
