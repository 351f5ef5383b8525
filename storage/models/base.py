"""What the tables share: the default of a timestamp column, and the identity of a round's part."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Return the current time in UTC (column defaults only; workflow code passes `now`)."""
    return datetime.now(UTC)


class RoundPart(SQLModel):
    """A row of one round named by a code unique within it (a group, department, category).

    Each table still declares its own UniqueConstraint("round_id", "code"): a constraint
    object belongs to one table.
    """

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    code: str = Field(max_length=32)
