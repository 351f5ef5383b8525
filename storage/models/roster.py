"""The roster's tables: rounds, their groups, villages, departments and categories."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import RoundPart, utcnow
from storage.types import UTCDateTime


class Round(SQLModel, table=True):
    """One inspection round (巡察轮次)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True, index=True)
    name: str
    kind: str = "regular"
    organizer: str = ""
    starts_on: date
    ends_on: date
    timezone: str = "Asia/Shanghai"
    contact: str = ""
    # Last complaint number issued in this round; bumped inside the filing transaction so
    # numbers stay gapless (a rolled-back filing gives its number back).
    last_number: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The round office's (巡察办) chat, once linked: digests and reports go there.
    office_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    # When the bot was found removed from the office's chat (None: it is there); see
    # storage/lost_chats.py.
    office_chat_lost_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the office's chat was linked (reports start from it); None before issue 10.
    office_chat_linked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The roster's `ladder:` (督办阶梯) as given; None: the defaults (storage/ladder.py).
    ladder: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # A hand-off not signed for (签收) within this many hours gets one 催签 reminder.
    sign_within_hours: int = 24


class InspectionGroup(RoundPart, table=True):
    """One inspection group (巡察组) of a round, with the chat it works in once linked."""

    __tablename__ = "inspection_group"
    __table_args__ = (UniqueConstraint("round_id", "code"),)

    name: str
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    # When the bot was found removed from that chat (None: it is there).
    chat_lost_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When that chat was linked (reports start from it); None before issue 10.
    chat_linked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Village(SQLModel, table=True):
    """A village or urban community (村/社区); its code is stable across rounds."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str
    township: str
    latitude: float | None = None
    longitude: float | None = None


class GroupVillage(SQLModel, table=True):
    """Which group covers which village in a round."""

    __tablename__ = "group_village"

    group_id: int = Field(foreign_key="inspection_group.id", primary_key=True)
    village_id: int = Field(foreign_key="village.id", primary_key=True, index=True)


class Department(RoundPart, table=True):
    """A department (责任单位) that hand-offs or clues can go to."""

    __table_args__ = (UniqueConstraint("round_id", "code"),)

    name: str
    receives_clues: bool = False
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    # When the bot was found removed from that chat (None: it is there).
    chat_lost_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Category(RoundPart, table=True):
    """A complaint category of a round, with its names and default due time."""

    __table_args__ = (UniqueConstraint("round_id", "code"),)

    name_zh: str
    name_en: str
    due_days: int = 7
    sensitive: bool = False
    position: int = 0
    # 派单目录: the department a hand-off of this category goes to by default (its code).
    department_code: str | None = Field(default=None, max_length=32)


class RosterVersion(SQLModel, table=True):
    """One row, bumped by every roster load that changes something: processes that cache the
    roster's facts (storage/roster/facts.py) compare it to theirs, cheaply, in each transaction."""

    __tablename__ = "roster_version"

    id: int = Field(default=1, primary_key=True)
    version: int = 0
    loaded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
