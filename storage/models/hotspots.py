"""Hot spots the daily sweep found (热点), kept for the reports and the ledger's 热点 sheet."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class Hotspot(SQLModel, table=True):
    """One hot spot as it was told (storage/schedule/hotspots.py): what, when, for which groups.

    `payload` is the notice's (numbers, villages, shared phrases; never a text or an identity).
    """

    __tablename__ = "hotspot"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    kind: str = Field(max_length=16)
    subject: str = Field(max_length=120)
    found_at: datetime = Field(sa_type=UTCDateTime)
    # The groups with a complaint in it (a group's report and ledger show its own).
    group_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
