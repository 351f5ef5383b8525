"""Who is looking at the console, and which complaints that lets them see (DESIGN.md "Identity").

A viewer is a group, a department or a round office, as a linked chat is. A group sees its own
complaints (and the identity of the named ones); a department sees only what was handed to it;
the office sees the whole round. Neither the office nor a department ever sees identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Complaint, Department, InspectionGroup, Round

TARGETS = ("group", "department", "office")


@dataclass(frozen=True)
class Viewer:
    """A group, department or office looking at its round's complaints."""

    target: str  # "group" | "department" | "office"
    target_id: int
    round_id: int
    round_code: str
    round_name: str
    timezone: str
    # The group's, department's or office's name (the office: the round's).
    name: str
    group_id: int | None = None
    department_id: int | None = None
    user_id: int | None = None
    language: str = "zh"

    def scope(self) -> list[Any]:
        """Where clauses selecting exactly the complaints this viewer may see."""
        clauses: list[Any] = [col(Complaint.round_id) == self.round_id]
        if self.target == "group":
            clauses.append(col(Complaint.group_id) == self.group_id)
        elif self.target == "department":
            clauses.append(col(Complaint.department_id) == self.department_id)
        return clauses

    def may_see(self, complaint: Complaint) -> bool:
        """Whether this complaint is one the viewer may see."""
        if complaint.round_id != self.round_id:
            return False
        if self.target == "group":
            return complaint.group_id == self.group_id
        if self.target == "department":
            return complaint.department_id == self.department_id
        return True

    def withholds_words(self, sensitive: bool) -> bool:
        """Whether a complaint's words (description, notes, media) are kept from this viewer.

        The office's ledger is the shareable one, which carries no words of a complaint in a
        sensitive category (干部作风, 问题线索): they could tell who spoke. The console keeps to
        it. A department sees a sensitive complaint only when it was transferred to it.
        """
        return sensitive and self.target == "office"

    def sees_identity(self, complaint: Complaint) -> bool:
        """Only the owning group, and only for a named complaint (as on its card)."""
        return (
            self.target == "group"
            and complaint.group_id == self.group_id
            and not complaint.anonymous
        )


async def viewer_of(
    session: AsyncSession,
    target: str,
    target_id: int,
    *,
    user_id: int | None = None,
    language: str = "zh",
) -> Viewer | None:
    """The viewer a group, department or office id stands for (None: it is gone)."""
    group_id = department_id = None
    if target == "office":
        round_ = await session.get(Round, target_id)
        if round_ is None:
            return None
        name = round_.name
    elif target in ("group", "department"):
        model: Any = InspectionGroup if target == "group" else Department
        row = await session.get(model, target_id)
        if row is None:
            return None
        round_ = await session.get(Round, row.round_id)
        assert round_ is not None
        name = row.name
        if target == "group":
            group_id = target_id
        else:
            department_id = target_id
    else:
        return None
    assert round_.id is not None
    return Viewer(
        target=target,
        target_id=target_id,
        round_id=round_.id,
        round_code=round_.code,
        round_name=round_.name,
        timezone=round_.timezone,
        name=name,
        group_id=group_id,
        department_id=department_id,
        user_id=user_id,
        language=language,
    )


def on_postgres(session: AsyncSession) -> bool:
    """Whether the session talks to PostgreSQL (ILIKE, time zones in SQL) rather than SQLite."""
    bind = session.get_bind()
    return bind.dialect.name == "postgresql"


def zone_of(viewer: Viewer) -> ZoneInfo:
    """The viewer's round's time zone."""
    return ZoneInfo(viewer.timezone)
