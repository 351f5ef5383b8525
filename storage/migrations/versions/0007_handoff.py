"""hand-offs: one row per dispatch to a department (签收, 退回, done), for issue 10

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 15:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from storage.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision: the table, and a row for every complaint already dispatched."""
    text = sqlmodel.sql.sqltypes.AutoString()
    op.create_table(
        "handoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("kind", text, nullable=False),
        sa.Column("handed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("signed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("signed_by_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("signed_by_name", text, nullable=True),
        sa.Column("returned_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("return_reason", text, nullable=True),
        sa.Column("return_note", sa.Text(), nullable=True),
        sa.Column("return_outcome", text, nullable=True),
        sa.Column("done_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handoff_complaint_id", "handoff", ["complaint_id"])
    op.create_index("ix_handoff_department_handed", "handoff", ["department_id", "handed_at"])
    # Complaints dispatched before this revision: their latest hand-off or transfer event.
    op.execute(
        """
        INSERT INTO handoff (complaint_id, department_id, kind, handed_at, due_on,
                             done_at, ended_at)
        SELECT c.id, c.department_id,
               CASE WHEN c.status = 'transferred' OR e.action = 'transferred'
                    THEN 'clue' ELSE 'handoff' END,
               e.at, c.due_on,
               CASE WHEN c.status IN ('resolved', 'closed') THEN c.resolved_at END,
               CASE WHEN c.status IN ('resolved', 'closed') THEN c.resolved_at END
        FROM complaint c
        JOIN timeline_event e ON e.id = (
            SELECT max(e2.id) FROM timeline_event e2
            WHERE e2.complaint_id = c.id AND e2.action IN ('handed_off', 'transferred')
        )
        WHERE c.department_id IS NOT NULL
        """
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_index("ix_handoff_department_handed", table_name="handoff")
    op.drop_index("ix_handoff_complaint_id", table_name="handoff")
    op.drop_table("handoff")
