"""Delivery: the outbox, the sweeps' memory of what they did, and updates already processed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


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
    `survey_reminder:<complaint>:<survey asked at>` (see storage/schedule/), and
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
