"""What the group's card shows of similar complaints: followers and likely duplicates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Complaint, ComplaintFollower, Resident
from storage.similar import lookup

if TYPE_CHECKING:
    from storage.triage import CardView


async def annotate(
    session: AsyncSession, views: Sequence[CardView], complaints: Sequence[Complaint]
) -> None:
    """Fill in the cards' followers and likely duplicates (id, number) to merge into."""
    counts = await lookup.follower_counts(session, [v.complaint_id for v in views])
    for view, complaint in zip(views, complaints, strict=True):
        view.followers = counts.get(view.complaint_id, 0)
        found = await lookup.likely_duplicates(session, complaint)
        view.likely = [(m.complaint_id, m.number) for m in found]


async def followers(session: AsyncSession, complaint_id: int) -> list[Resident]:
    """The residents who joined a complaint (加入关注), in the order they joined."""
    statement = (
        select(Resident)
        .join(ComplaintFollower, col(ComplaintFollower.resident_id) == col(Resident.id))
        .where(ComplaintFollower.complaint_id == complaint_id)
        .order_by(col(ComplaintFollower.id))
    )
    return list((await session.exec(statement)).all())
