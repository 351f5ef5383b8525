"""Blocked residents (屏蔽): who blocked whom through which complaint, why, until when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class ResidentBlock(SQLModel, table=True):
    """One block of a resident, made from a complaint's card (or lifted); the record of both.

    Keyed by the resident's internal id, reached through the complaint: whoever blocks never
    learns who the resident is. The row stays after it is lifted or runs out (the record).
    """

    __tablename__ = "resident_block"

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    reason: str = Field(sa_type=Text)
    # "inspector" (from the group's chat) or "operator" (ADMIN_IDS, or the command line).
    blocked_by_kind: str
    blocked_by_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    blocked_by_name: str | None = None
    blocked_at: datetime = Field(sa_type=UTCDateTime)
    # None: for good.
    until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lifted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lifted_by_kind: str | None = None
    lifted_by_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    lifted_by_name: str | None = None
    lift_reason: str | None = Field(default=None, sa_type=Text)
    # When the resident was last told they are blocked (told at most once a day).
    noticed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
