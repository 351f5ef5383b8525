"""What a resident may read of the complaints they follow (加入关注, or merged into another).

A followed complaint is another resident's: the resident reads its number, category, village,
status, dates and public events, never its description, its resident or what that resident
typed (the handler shows resident-made events without their notes).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, func, null, true, union_all
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.complaints import MY_COMPLAINTS_LIMIT, ComplaintView, _views, _with_names
from storage.models import Complaint, ComplaintFollower, TimelineEvent


async def followed_ids(session: AsyncSession, resident_id: int) -> set[int]:
    """Complaints the resident joined, and those their own merged complaints ended up in."""
    # The complaints joined, the resident's own and where those merged went: one statement
    # (`own` tells the rows apart), each half by its resident_id index.
    joined = sa_select(
        col(ComplaintFollower.complaint_id), null().label("into"), false().label("own")
    ).where(col(ComplaintFollower.resident_id) == resident_id)
    own = sa_select(col(Complaint.id), col(Complaint.merged_into_id), true()).where(
        col(Complaint.resident_id) == resident_id
    )
    both: Any = union_all(joined, own)
    rows: Any = (await session.exec(both)).all()
    found = {cid for cid, _into, mine in rows if not mine}
    owned = {cid for cid, _into, mine in rows if mine}
    frontier = {into for _cid, into, mine in rows if mine and into is not None}
    seen: set[int] = set()
    # A duplicate merged into a duplicate: follow the chain to the complaint still handled.
    while frontier:
        seen |= frontier
        step = select(Complaint.id, Complaint.merged_into_id).where(
            col(Complaint.id).in_(frontier)
        )
        frontier = set()
        for cid, into in (await session.exec(step)).all():
            if into is None and cid is not None:
                found.add(cid)
            elif into is not None and into not in seen:
                frontier.add(into)
    return found - owned


async def followed_complaints(
    *, session: AsyncSession, resident_id: int, limit: int = MY_COMPLAINTS_LIMIT
) -> list[ComplaintView]:
    """The complaints the resident follows, newest first."""
    ids = await followed_ids(session, resident_id)
    if not ids:
        return []
    statement = (
        _with_names()
        .where(col(Complaint.id).in_(ids))
        .order_by(col(Complaint.filed_at).desc(), col(Complaint.id).desc())
        .limit(limit)
    )
    rows = [(c, r, v) for c, r, v in (await session.exec(statement)).all()]
    return await _views(session, rows)


async def followed_complaint(
    *, session: AsyncSession, resident_id: int, number: str
) -> ComplaintView | None:
    """One complaint the resident follows, by number, with its public timeline."""
    ids = await followed_ids(session, resident_id)
    if not ids:
        return None
    statement = _with_names().where(
        col(Complaint.id).in_(ids),
        func.upper(col(Complaint.number)) == number.strip().upper(),
    )
    row = (await session.exec(statement)).first()
    if row is None:
        return None
    (found,) = await _views(session, [row])
    events = select(TimelineEvent).where(
        TimelineEvent.complaint_id == found.complaint.id, col(TimelineEvent.public)
    )
    found.events = list(
        (await session.exec(events.order_by(col(TimelineEvent.at), col(TimelineEvent.id)))).all()
    )
    return found
