"""The chats' tables: card messages, link codes, and prompts awaiting a reply."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class CardMessage(SQLModel, table=True):
    """A message in a group or department chat that shows one complaint, or several (burst)."""

    __tablename__ = "card_message"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger, index=True)
    # None until the outbox sender has sent it.
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    kind: str = "group"  # "group" or "department"
    created_at: datetime = Field(sa_type=UTCDateTime)
    # A fingerprint of the text and buttons last delivered to the message (handlers/card_rows.py):
    # an edit that would show the same is not sent (Telegram refuses it as "not modified", and
    # it would spend one of the chat's sends a minute).
    shown: str | None = Field(default=None, max_length=64)


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
