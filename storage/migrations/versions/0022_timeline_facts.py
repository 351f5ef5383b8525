"""a complaint's timeline facts on its row, in the counts index: /stats and reports (issue 12)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# storage/models/complaints.py's and storage/timeline_facts.py's as they were at this revision.
GROUP_ACTED = "action IN ('accepted', 'immediate', 'handed_off', 'transferred', 'rejected')"
ANSWERED = f"{GROUP_ACTED} AND from_status = 'new'"
RESOLVED = "action = 'resolved'"
HANDLING_EVENT = (
    "(action IN ('immediate', 'handed_off', 'transferred', 'rejected')"
    " OR (action = 'accepted' AND from_status = 'rejected'))"
)
TIMES = ("acted_at", "answered_at", "first_resolved_at", "last_resolved_at")
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
FACTS = [*TIMES, "handling_action", "last_handoff_id"]

# PostgreSQL: one pass over the timeline and one over the hand-offs (a million complaints in
# a minute or two), rather than a probe per complaint and fact.
POSTGRESQL = [
    f"""
    UPDATE complaint AS c SET
        acted_at = f.acted_at,
        answered_at = f.answered_at,
        first_resolved_at = f.first_resolved_at,
        last_resolved_at = f.last_resolved_at,
        handling_action = f.handling_action
    FROM (
        SELECT complaint_id,
            min(at) FILTER (WHERE {GROUP_ACTED}) AS acted_at,
            min(at) FILTER (WHERE {ANSWERED}) AS answered_at,
            min(at) FILTER (WHERE {RESOLVED}) AS first_resolved_at,
            max(at) FILTER (WHERE {RESOLVED}) AS last_resolved_at,
            (array_agg(action ORDER BY id DESC) FILTER (WHERE {HANDLING_EVENT}))[1]
                AS handling_action
        FROM timeline_event
        WHERE {GROUP_ACTED} OR {RESOLVED} OR {HANDLING_EVENT}
        GROUP BY complaint_id
    ) AS f
    WHERE c.id = f.complaint_id
    """,
    """
    UPDATE handoff AS h SET group_id = c.group_id FROM complaint AS c WHERE c.id = h.complaint_id
    """,
    """
    UPDATE complaint AS c SET last_handoff_id = h.id
    FROM (
        SELECT complaint_id, max(id) AS id FROM handoff WHERE kind = 'handoff'
        GROUP BY complaint_id
    ) AS h
    WHERE c.id = h.complaint_id
    """,
]


def _of_events(what: str, where: str) -> str:
    """A correlated subquery over the complaint's own timeline events."""
    return (
        f"(SELECT {what} FROM timeline_event AS e WHERE e.complaint_id = complaint.id AND {where})"
    )


SQLITE = [
    f"""
    UPDATE complaint SET
        acted_at = {_of_events("min(at)", GROUP_ACTED)},
        answered_at = {_of_events("min(at)", ANSWERED)},
        first_resolved_at = {_of_events("min(at)", RESOLVED)},
        last_resolved_at = {_of_events("max(at)", RESOLVED)},
        handling_action = {_of_events("action", HANDLING_EVENT + " ORDER BY e.id DESC LIMIT 1")},
        last_handoff_id = (
            SELECT max(id) FROM handoff AS h
            WHERE h.complaint_id = complaint.id AND h.kind = 'handoff'
        )
    """,
    """
    UPDATE handoff SET group_id = (SELECT c.group_id FROM complaint AS c WHERE c.id = handoff.complaint_id)
    """,
]
HANDOFF_GROUP = [
    "group_id",
    "kind",
    "department_id",
    "handed_at",
    "signed_at",
    "done_at",
    "returned_at",
    "return_outcome",
    "ended_at",
    "id",
]


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        # Dropped while the facts are filled in (a million rows would update it for nothing).
        batch_op.drop_index("ix_complaint_counts")
        for name in TIMES:
            batch_op.add_column(
                sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=True)
            )
        batch_op.add_column(sa.Column("handling_action", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("last_handoff_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("handoff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_handoff_group_id_inspection_group", "inspection_group", ["group_id"], ["id"]
        )
    bind = op.get_bind()
    for statement in POSTGRESQL if bind.dialect.name == "postgresql" else SQLITE:
        op.execute(statement)
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_counts", [*COUNTS, *FACTS], unique=False)
    with op.batch_alter_table("handoff", schema=None) as batch_op:
        batch_op.create_index("ix_handoff_group", HANDOFF_GROUP, unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("handoff", schema=None) as batch_op:
        batch_op.drop_index("ix_handoff_group")
        batch_op.drop_constraint("fk_handoff_group_id_inspection_group", type_="foreignkey")
        batch_op.drop_column("group_id")
    op.drop_index("ix_complaint_counts", table_name="complaint")
    # ALTER TABLE ... DROP COLUMN on SQLite too (3.35+): the columns are in no index now, and
    # a batch copy of the table would trip the foreign keys that point at it.
    for name in reversed(FACTS):
        op.drop_column("complaint", name)
    op.create_index("ix_complaint_counts", "complaint", COUNTS, unique=False)
