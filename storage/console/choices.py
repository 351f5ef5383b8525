"""What the console's filters offer: the round's groups, villages, categories, departments."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.console.viewer import Viewer
from storage.models import Category, Department, GroupVillage, InspectionGroup, Village


@dataclass
class Choices:
    """(value, label) pairs for each filter."""

    groups: list[tuple[int, str]] = field(default_factory=list)
    villages: list[tuple[int, str]] = field(default_factory=list)
    categories: list[tuple[str, str]] = field(default_factory=list)
    departments: list[tuple[int, str]] = field(default_factory=list)


async def choices(*, session: AsyncSession, viewer: Viewer) -> Choices:
    """The round's groups, villages (a group's own), categories and departments."""
    groups = (
        await session.exec(
            select(InspectionGroup)
            .where(InspectionGroup.round_id == viewer.round_id)
            .order_by(col(InspectionGroup.code))
        )
    ).all()
    group_ids = [g.id for g in groups if viewer.group_id in (None, g.id)]
    villages = (
        await session.exec(
            select(Village)
            .join(GroupVillage, col(GroupVillage.village_id) == col(Village.id))
            .where(col(GroupVillage.group_id).in_(group_ids))
            .order_by(col(Village.township), col(Village.name))
        )
    ).all()
    categories = (
        await session.exec(
            select(Category)
            .where(Category.round_id == viewer.round_id)
            .order_by(col(Category.position), col(Category.code))
        )
    ).all()
    departments = (
        await session.exec(
            select(Department)
            .where(Department.round_id == viewer.round_id)
            .order_by(col(Department.code))
        )
    ).all()
    english = viewer.language == "en"
    return Choices(
        groups=[(g.id, g.name) for g in groups if g.id is not None],
        # A village two groups cover (rounds do that) is offered once.
        villages=list({v.id: (v.id, v.name) for v in villages if v.id is not None}.values()),
        categories=[(c.code, c.name_en if english else c.name_zh) for c in categories],
        departments=[(d.id, d.name) for d in departments if d.id is not None],
    )
