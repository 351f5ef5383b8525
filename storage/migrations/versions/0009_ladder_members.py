"""issue 10 (ladder, 指派, fixes): the round's 督办阶梯, 派单目录, 承办人, members seen, link times

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 15:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from storage.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    text = sqlmodel.sql.sqltypes.AutoString
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("office_chat_linked_at", UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("ladder", sa.JSON(), nullable=True))
    with op.batch_alter_table("inspection_group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chat_linked_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department_code", text(length=32), nullable=True))
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee_telegram_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("assignee_name", text(), nullable=True))
        batch_op.create_index(
            "ix_complaint_assignee_telegram_id", ["assignee_telegram_id"], unique=False
        )
    op.create_table(
        "group_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("name", text(), nullable=False),
        sa.Column("seen_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("joined_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["group_id"], ["inspection_group.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "telegram_id"),
    )
    op.create_index("ix_group_member_group_id", "group_member", ["group_id"])


def downgrade() -> None:
    """Undo this revision."""
    op.drop_index("ix_group_member_group_id", table_name="group_member")
    op.drop_table("group_member")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_assignee_telegram_id")
        batch_op.drop_column("assignee_name")
        batch_op.drop_column("assignee_telegram_id")
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.drop_column("department_code")
    with op.batch_alter_table("inspection_group", schema=None) as batch_op:
        batch_op.drop_column("chat_linked_at")
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.drop_column("ladder")
        batch_op.drop_column("office_chat_linked_at")
