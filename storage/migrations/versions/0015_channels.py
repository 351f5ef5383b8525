"""every channel into one ledger (issue 11): a complaint's channel and who recorded it, a
complaint recorded in person without a resident until its one-time follow link is opened,
the recorded draft's answers, 补充材料's voice on the timeline

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 16:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from storage.types import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    text = sqlmodel.sql.sqltypes.AutoString()
    with op.batch_alter_table("complaint") as batch:
        batch.add_column(sa.Column("channel", text, nullable=False, server_default="bot"))
        batch.add_column(sa.Column("recorded_by_telegram_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("recorded_by_name", text, nullable=True))
        batch.alter_column("resident_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("draft") as batch:
        batch.add_column(sa.Column("recorded_for_group_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("channel", text, nullable=True))
        batch.add_column(sa.Column("reporter_name", text, nullable=True))
    with op.batch_alter_table("timeline_event") as batch:
        batch.add_column(sa.Column("voice_file_id", text, nullable=True))
    op.create_table(
        "follow_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("follow_link") as batch:
        batch.create_index(batch.f("ix_follow_link_token_hash"), ["token_hash"], unique=True)
        batch.create_index(batch.f("ix_follow_link_complaint_id"), ["complaint_id"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("follow_link") as batch:
        batch.drop_index(batch.f("ix_follow_link_complaint_id"))
        batch.drop_index(batch.f("ix_follow_link_token_hash"))
    op.drop_table("follow_link")
    with op.batch_alter_table("timeline_event") as batch:
        batch.drop_column("voice_file_id")
    with op.batch_alter_table("draft") as batch:
        batch.drop_column("reporter_name")
        batch.drop_column("channel")
        batch.drop_column("recorded_for_group_id")
    with op.batch_alter_table("complaint") as batch:
        batch.alter_column("resident_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("recorded_by_name")
        batch.drop_column("recorded_by_telegram_id")
        batch.drop_column("channel")
