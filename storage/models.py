"""The tables: the system of record for rounds, rosters, residents, drafts and complaints."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> datetime:
    """Return the current time in UTC (column defaults only; workflow code passes `now`)."""
    return datetime.now(UTC)


class ComplaintStatus(StrEnum):
    """Where a complaint is in its lifecycle (see DESIGN.md)."""

    new = "new"
    accepted = "accepted"
    immediate = "immediate"
    handed_off = "handed_off"
    transferred = "transferred"
    resolved = "resolved"
    rejected = "rejected"
    merged = "merged"
    closed = "closed"


class DraftStep(StrEnum):
    """The question a resident's draft is waiting to have answered."""

    village = "village"
    village_confirm = "village_confirm"
    category = "category"
    description = "description"
    location = "location"
    identity = "identity"
    phone = "phone"
    confirm = "confirm"


# --- the roster -------------------------------------------------------------------------------


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


class InspectionGroup(SQLModel, table=True):
    """One inspection group (巡察组) of a round, with the chat it works in once linked."""

    __tablename__ = "inspection_group"
    __table_args__ = (UniqueConstraint("round_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    code: str = Field(max_length=32)
    name: str
    chat_id: int | None = Field(default=None, sa_type=BigInteger)


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


class Department(SQLModel, table=True):
    """A department (责任单位) that hand-offs or clues can go to."""

    __table_args__ = (UniqueConstraint("round_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    code: str = Field(max_length=32)
    name: str
    receives_clues: bool = False
    chat_id: int | None = Field(default=None, sa_type=BigInteger)


class Category(SQLModel, table=True):
    """A complaint category of a round, with its names and default due time."""

    __table_args__ = (UniqueConstraint("round_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    code: str = Field(max_length=32)
    name_zh: str
    name_en: str
    due_days: int = 7
    sensitive: bool = False
    position: int = 0


# --- residents and their drafts ---------------------------------------------------------------


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
    anonymous: bool | None = None
    phone: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# --- complaints -------------------------------------------------------------------------------


class Complaint(SQLModel, table=True):
    """A filed complaint (反映/诉求) with everything the resident gave."""

    __table_args__ = (
        UniqueConstraint("round_id", "seq"),
        Index("ix_complaint_resident_filed", "resident_id", "filed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True, index=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    seq: int
    group_id: int = Field(foreign_key="inspection_group.id", index=True)
    village_id: int = Field(foreign_key="village.id")
    category_code: str
    resident_id: int = Field(foreign_key="resident.id", index=True)
    status: str = Field(default=ComplaintStatus.new, index=True)
    description: str | None = Field(default=None, sa_type=Text)
    voice_file_id: str | None = None
    photo_file_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    anonymous: bool = True
    # Identity as given when filing; empty for anonymous complaints.
    reporter_name: str | None = None
    reporter_username: str | None = None
    reporter_phone: str | None = None
    filed_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    due_on: date | None = None
    department_id: int | None = Field(default=None, foreign_key="department.id")
    merged_into_id: int | None = Field(default=None, foreign_key="complaint.id")
    resolution: str | None = Field(default=None, sa_type=Text)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    satisfaction: str | None = None
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # 认领: the inspector now on it.
    taken_by_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    taken_by_name: str | None = None
    # The message showing this complaint in the group chat and in a department chat.
    group_card_id: int | None = Field(default=None, foreign_key="card_message.id")
    department_card_id: int | None = Field(default=None, foreign_key="card_message.id")
    survey_asked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CardMessage(SQLModel, table=True):
    """A message in a group or department chat that shows one complaint, or several (burst)."""

    __tablename__ = "card_message"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger, index=True)
    # None until the outbox sender has sent it.
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    kind: str = "group"  # "group" or "department"
    created_at: datetime = Field(sa_type=UTCDateTime)


class LinkCode(SQLModel, table=True):
    """A one-time code that links a Telegram chat to a group, a department or a round office."""

    __tablename__ = "link_code"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    target: str  # "group", "department" or "office"
    target_id: int  # InspectionGroup.id, Department.id or Round.id
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_chat_id: int | None = Field(default=None, sa_type=BigInteger)


class Prompt(SQLModel, table=True):
    """An inspector (or department member) asked to write something: the next reply answers it."""

    __table_args__ = (UniqueConstraint("chat_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    user_id: int = Field(sa_type=BigInteger)
    complaint_id: int = Field(foreign_key="complaint.id")
    # "reject", "merge", "ask", "resolve", "note", "report", ...
    action: str
    # Extra choices made with buttons before the text (due date, department...).
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class FollowUp(SQLModel, table=True):
    """A question an inspector asked the resident (追问), and the resident's answer."""

    __tablename__ = "follow_up"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    question: str = Field(sa_type=Text)
    asked_at: datetime = Field(sa_type=UTCDateTime)
    asked_by_name: str | None = None
    answer: str | None = Field(default=None, sa_type=Text)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TimelineEvent(SQLModel, table=True):
    """One change on a complaint's timeline: who, when, what, and a note."""

    __tablename__ = "timeline_event"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str  # "resident", "inspector", "department", "system"
    actor_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    actor_name: str | None = None
    action: str  # "filed", "accepted", ...
    from_status: str | None = None
    to_status: str | None = None
    note: str | None = Field(default=None, sa_type=Text)
    # Whether the resident sees this event in /status.
    public: bool = True
    # The question an "asked"/"answered" event is about, and a resolution's photo.
    follow_up_id: int | None = Field(default=None, foreign_key="follow_up.id")
    photo_file_id: str | None = None


# --- delivery ---------------------------------------------------------------------------------


class OutboxStatus(StrEnum):
    """Where an outbox row is in delivery."""

    pending = "pending"
    sent = "sent"
    failed = "failed"


class OutboxMessage(SQLModel, table=True):
    """A notification to send, written in the transaction of the change that causes it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "chat_id", "priority", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    chat_id: int = Field(sa_type=BigInteger)
    # "api": a ready Bot API call in `payload` ({"method": ..., "params": {...}}); other kinds
    # are rendered from the current state when sent.
    kind: str = "api"
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id")
    status: str = OutboxStatus.pending
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The Telegram message id the send produced (for later edits).
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    # Lower goes first within a chat: cards before the attachments that reply to them.
    priority: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class SentNotice(SQLModel, table=True):
    """What a scheduled sweep has done, by a unique key, so it is never done twice.

    Keys: `due:<complaint>:<local date>`, `digest:<group>:<local date>`,
    `weekly:<round>:<ISO week>:<audience>`, `round_open:<round>:<group>`,
    `round_warn:<round>:<group>`, `round_final:<round>:<audience>`,
    `survey_reminder:<complaint>:<survey asked at>` (see storage/schedule.py), and
    `draft_expired:<resident>`, a mark left when an idle draft is deleted so the resident is
    told when they come back (removed once told).
    """

    __tablename__ = "sent_notice"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=160, unique=True, index=True)
    kind: str = Field(max_length=32)
    round_id: int | None = Field(default=None, foreign_key="round.id", index=True)
    # When it was due (the scheduled moment) and when the sweep did it.
    due_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime = Field(sa_type=UTCDateTime)
    # Outbox rows written for it (0: nothing was worth saying, e.g. a digest of a quiet day).
    rows: int = 0


class ProcessedUpdate(SQLModel, table=True):
    """A Telegram update whose effects are committed; a second delivery of it is ignored."""

    __tablename__ = "processed_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    processed_at: datetime = Field(sa_type=UTCDateTime)


__all__ = [
    "CardMessage",
    "Category",
    "Complaint",
    "ComplaintStatus",
    "Department",
    "Draft",
    "DraftStep",
    "FollowUp",
    "GroupVillage",
    "InspectionGroup",
    "LinkCode",
    "OutboxMessage",
    "OutboxStatus",
    "ProcessedUpdate",
    "Prompt",
    "Resident",
    "Round",
    "SentNotice",
    "TimelineEvent",
    "Village",
]
