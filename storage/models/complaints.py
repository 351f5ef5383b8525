"""Complaints, the questions asked about them, and their timelines."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class ComplaintStatus(StrEnum):
    """Where a complaint is in its lifecycle (see docs/DESIGN.md)."""

    new = "new"
    accepted = "accepted"
    immediate = "immediate"
    handed_off = "handed_off"
    transferred = "transferred"
    resolved = "resolved"
    rejected = "rejected"
    merged = "merged"
    closed = "closed"
    # 群众撤回: the resident withdrew it before it was resolved (issue 11).
    withdrawn = "withdrawn"


class Channel(StrEnum):
    """How a complaint reached the group (渠道): the bot, or told to an inspector (代录)."""

    bot = "bot"
    visit = "visit"
    meeting = "meeting"
    phone = "phone"
    letter = "letter"
    walk_in = "walk_in"
    other = "other"


# The channels an inspector records a complaint heard in person from (走访 ... 其他).
RECORDED_CHANNELS = tuple(c for c in Channel if c != Channel.bot)


# The statuses a group no longer works on (storage/triage.py's NOT_OPEN), written out for the
# partial index of /open.
NOT_OPEN_STATUSES = ("closed", "merged", "rejected", "transferred", "withdrawn")
_STILL_OPEN = text("status NOT IN (" + ", ".join(f"'{s}'" for s in NOT_OPEN_STATUSES) + ")")


class Complaint(SQLModel, table=True):
    """A filed complaint (反映/诉求) with everything the resident gave."""

    __table_args__ = (
        UniqueConstraint("round_id", "seq"),
        Index("ix_complaint_resident_filed", "resident_id", "filed_at"),
        # The console's list, newest first or by due date within a round
        # (storage/console/listing.py).
        Index("ix_complaint_round_filed", "round_id", "filed_at"),
        Index("ix_complaint_round_due", "round_id", "due_on"),
        # Similar complaints (storage/similar/): candidates by village, or near a location.
        Index("ix_complaint_similar", "round_id", "village_id", "category_code", "filed_at"),
        Index("ix_complaint_near", "round_id", "category_code", "latitude", "longitude"),
        # Who raised the same: the duplicates merged into a complaint (and its card's count).
        Index("ix_complaint_merged_into", "merged_into_id"),
        # A group's /open: its complaints still worked on, oldest first (storage/triage.py).
        Index(
            "ix_complaint_group_open",
            "group_id",
            "filed_at",
            "id",
            postgresql_where=_STILL_OPEN,
            sqlite_where=_STILL_OPEN,
        ),
        # A round's or a group's counts (/stats, the reports, the rates, 超期) read from the
        # index alone: a group of 100,000 complaints without reading their rows, which their
        # descriptions make wide. Columns the most queries read come first: an index entry is
        # read up to the last column a query needs, and /stats's counts stop at `channel`.
        Index(
            "ix_complaint_counts",
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
            "last_handoff_department_id",
            "answered_at",
            "first_resolved_at",
            "last_resolved_at",
            "id",
            "last_handoff_id",
            "due_on",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True, index=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    seq: int
    group_id: int = Field(foreign_key="inspection_group.id", index=True)
    village_id: int = Field(foreign_key="village.id")
    category_code: str
    # None for a complaint recorded in person (代录) until its follow link is opened.
    resident_id: int | None = Field(default=None, foreign_key="resident.id", index=True)
    # 渠道 (Channel); an inspector who recorded it (代录) is named on its timeline too.
    channel: str = Field(default=Channel.bot, sa_column_kwargs={"server_default": "bot"})
    recorded_by_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    recorded_by_name: str | None = None
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
    # 指派: the member of the group's chat an inspector assigned it to (承办人).
    assignee_telegram_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    assignee_name: str | None = None
    # The message showing this complaint in the group chat and in a department chat.
    group_card_id: int | None = Field(default=None, foreign_key="card_message.id")
    department_card_id: int | None = Field(default=None, foreign_key="card_message.id")
    survey_asked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # 回访's first question, 问题解决了吗: solved / partly / unsolved (None: not answered).
    resolution_state: str | None = None
    # Its timeline's facts, stored when they happen (storage/timeline_facts.py, issue 12): the
    # group's first act, its first answer from new, its first and last resolution, its latest
    # handling event's action, and its latest dispatch of kind handoff (no foreign key: the
    # hand-off row points back at the complaint).
    acted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handling_action: str | None = None
    last_handoff_id: int | None = None
    # That hand-off's department (a department's 解决率 and 满意率 counted with the rest).
    last_handoff_department_id: int | None = None


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


# The group's acts that answer a new complaint (storage/rates.py's 响应率).
GROUP_ACTIONS = ("accepted", "immediate", "handed_off", "transferred", "rejected")
_GROUP_ACTED = text("action IN (" + ", ".join(f"'{a}'" for a in GROUP_ACTIONS) + ")")
# The events that decide a complaint's handling (storage/handling.py's is_handling_event).
HANDLING_ACTIONS = ("immediate", "handed_off", "transferred", "rejected")
_HANDLING_EVENT = text(
    "action IN ("
    + ", ".join(f"'{a}'" for a in HANDLING_ACTIONS)
    + ") OR (action = 'accepted' AND from_status = 'rejected')"
)


class TimelineEvent(SQLModel, table=True):
    """One change on a complaint's timeline: who, when, what, and a note."""

    __tablename__ = "timeline_event"
    __table_args__ = (
        # The group's first act on each complaint (storage/rates.py), read from the index
        # alone: a round of 100,000 complaints without reading the whole timeline.
        Index(
            "ix_timeline_event_group_act",
            "complaint_id",
            "at",
            postgresql_where=_GROUP_ACTED,
            sqlite_where=_GROUP_ACTED,
        ),
        # Each complaint's latest handling event (storage/handling.py), for /stats and the
        # ledger, from the index alone.
        Index(
            "ix_timeline_event_handling",
            "complaint_id",
            "id",
            "action",
            postgresql_where=_HANDLING_EVENT,
            sqlite_where=_HANDLING_EVENT,
        ),
    )

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
    # A department's photos (阶段性进展, 报告办结: up to 5); None for any other event.
    photo_file_ids: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # 补充材料's voice message (issue 11); None for any other event.
    voice_file_id: str | None = None


class ComplaintFollower(SQLModel, table=True):
    """A resident who joined an open complaint instead of filing the same one (加入关注).

    They hear its public updates as the residents of merged duplicates do, and count on the card.
    """

    __tablename__ = "complaint_follower"
    __table_args__ = (UniqueConstraint("complaint_id", "resident_id"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    joined_at: datetime = Field(sa_type=UTCDateTime)


class FollowLink(SQLModel, table=True):
    """A one-time link that makes a resident the owner of a complaint recorded in person."""

    __tablename__ = "follow_link"

    id: int | None = Field(default=None, primary_key=True)
    # Only the token's SHA-256 is kept.
    token_hash: str = Field(max_length=64, unique=True, index=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
