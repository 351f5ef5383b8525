"""ix_complaint_counts with the columns the most counts read first (issue 12)

An index entry is read up to the last column a query needs: /stats's status, category,
channel and handling counts then stop at the 7th column instead of the 16th.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 23:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

# storage/models/complaints.py's as they were at this revision, and at 0022's.
COUNTS = [
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
BEFORE = [
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
    "acted_at",
    "answered_at",
    "first_resolved_at",
    "last_resolved_at",
    "handling_action",
    "last_handoff_id",
]


def upgrade() -> None:
    """Apply this revision."""
    op.drop_index("ix_complaint_counts", table_name="complaint")
    op.create_index("ix_complaint_counts", "complaint", COUNTS, unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_complaint_counts", table_name="complaint")
    op.create_index("ix_complaint_counts", "complaint", BEFORE, unique=False)
