"""Members of a group's chat the bot has seen act there (or who sent /join): who can be 指派."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class GroupMember(SQLModel, table=True):
    """One person seen in an inspection group's chat: a press, a reply, or /join."""

    __tablename__ = "group_member"
    __table_args__ = (UniqueConstraint("group_id", "telegram_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="inspection_group.id", index=True)
    telegram_id: int = Field(sa_type=BigInteger)
    name: str
    seen_at: datetime = Field(sa_type=UTCDateTime)
    # When they sent /join (None: only seen acting).
    joined_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
