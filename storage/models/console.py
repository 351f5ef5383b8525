"""The console's logins: one-time login links and the sessions they open (storage/console)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class ConsoleToken(SQLModel, table=True):
    """A login link (kind "link": 10 minutes, once) or a session it opened (kind "session").

    Only the SHA-256 of the token is kept: whoever reads the table cannot log in with it.
    """

    __tablename__ = "console_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    kind: str = Field(max_length=16)  # "link" | "session"
    # Whose view it opens: "group" | "department" | "office", and which one.
    target: str = Field(max_length=16)
    target_id: int
    # The Telegram user it was issued to (None: an operator's link from the command line).
    user_id: int | None = Field(default=None, sa_type=BigInteger)
    language: str = Field(default="zh", max_length=8)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    # A link: when it was used; a session: when it was logged out.
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
