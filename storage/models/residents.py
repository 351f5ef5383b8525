"""Residents and the draft each one is putting together."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, Text
from sqlmodel import Field, SQLModel

from storage.models.base import utcnow
from storage.types import UTCDateTime


class DraftStep(StrEnum):
    """The question a resident's draft is waiting to have answered."""

    village = "village"
    village_confirm = "village_confirm"
    category = "category"
    description = "description"
    location = "location"
    # A shared location far from the village, waiting for the resident to confirm it.
    location_confirm = "location_confirm"
    # A complaint an inspector records (代录, issue 11): how it was heard, the resident's name.
    channel = "channel"
    identity = "identity"
    reporter_name = "reporter_name"
    phone = "phone"
    confirm = "confirm"


class Resident(SQLModel, table=True):
    """A person who talks to the bot in a private chat."""

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger, unique=True, index=True)
    language: str = "zh"
    # True once the resident picked a language with /lang; Telegram's language_code then
    # no longer overrides it.
    language_chosen: bool = False
    first_name: str = ""
    last_name: str = ""
    username: str | None = None
    phone: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The inspector's question (FollowUp.id) the resident's next text answers; no foreign
    # key, to keep resident -> follow_up -> complaint -> resident free of a cycle.
    answering_follow_up_id: int | None = None


class Draft(SQLModel, table=True):
    """A complaint being put together; written at every step so a restart loses nothing."""

    # Buttons carry the draft id; without AUTOINCREMENT SQLite would hand a cancelled
    # draft's id to the next draft, and the old buttons would work again.
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", unique=True)
    step: str = DraftStep.village
    # After "edit a field" the draft goes back to the summary once that field is answered.
    editing: bool = False
    village_id: int | None = Field(default=None, foreign_key="village.id")
    # A village suggested from a shared location, waiting for the resident to confirm it.
    suggested_village_id: int | None = Field(default=None, foreign_key="village.id")
    category_code: str | None = None
    description: str | None = Field(default=None, sa_type=Text)
    voice_file_id: str | None = None
    photo_file_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    location_answered: bool = False
    # A shared location far from the village, kept here until the resident confirms it.
    pending_latitude: float | None = None
    pending_longitude: float | None = None
    anonymous: bool | None = None
    phone: str | None = None
    # 代录: the group whose inspector records it; the channel and the resident's typed name.
    recorded_for_group_id: int | None = None
    channel: str | None = None
    reporter_name: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
