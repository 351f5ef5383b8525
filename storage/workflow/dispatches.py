"""The hand-off rows (storage/models/handoffs.py) kept in step with the complaint's moves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Complaint, Handoff, HandoffKind


async def current(session: AsyncSession, complaint_id: int) -> Handoff | None:
    """The complaint's open dispatch to a department, if any."""
    result = await session.exec(
        select(Handoff)
        .where(Handoff.complaint_id == complaint_id, col(Handoff.ended_at).is_(None))
        .order_by(col(Handoff.id).desc())
        .limit(1)
    )
    return result.first()


async def end(
    session: AsyncSession, complaint_id: int, now: datetime, *, done: bool = False
) -> None:
    """End the complaint's open dispatch: superseded, taken back, or (`done`) reported done."""
    values: dict[str, datetime] = {"ended_at": now}
    if done:
        values["done_at"] = now
    await session.exec(
        update(Handoff)
        .where(col(Handoff.complaint_id) == complaint_id, col(Handoff.ended_at).is_(None))
        .values(**values)
    )


async def start(
    session: AsyncSession, complaint: Complaint, kind: HandoffKind, now: datetime
) -> Handoff:
    """A new dispatch of `complaint` to its department; the one before it ends."""
    assert complaint.id is not None and complaint.department_id is not None
    await end(session, complaint.id, now)
    row = Handoff(
        complaint_id=complaint.id,
        department_id=complaint.department_id,
        kind=kind,
        handed_at=now,
        due_on=complaint.due_on,
    )
    session.add(row)
    await session.flush()
    return row
