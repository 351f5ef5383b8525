"""The hand-off rows (storage/models/handoffs.py) kept in step with the complaint's moves."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Complaint, Handoff, HandoffKind, ReturnOutcome
from storage.timeline_facts import note_handoff


async def current(session: AsyncSession, complaint_id: int) -> Handoff | None:
    """The complaint's open dispatch to a department, if any."""
    result = await session.exec(
        select(Handoff)
        .where(Handoff.complaint_id == complaint_id, col(Handoff.ended_at).is_(None))
        .order_by(col(Handoff.id).desc())
        .limit(1)
    )
    return result.first()


async def latest(session: AsyncSession, complaint_id: int) -> Handoff | None:
    """The complaint's latest dispatch, open or ended (what the cards show of it)."""
    result = await session.exec(
        select(Handoff)
        .where(Handoff.complaint_id == complaint_id)
        .order_by(col(Handoff.id).desc())
        .limit(1)
    )
    return result.first()


async def settle_return(session: AsyncSession, complaint_id: int, outcome: ReturnOutcome) -> bool:
    """The group's decision on a 退回 still waiting for it (accepted: re-dispatched, ordered
    fixed, taken on itself; overruled: 坚持交办); whether there was one."""
    result = cast(
        "CursorResult[Any]",
        await session.exec(
            update(Handoff)
            .where(
                col(Handoff.complaint_id) == complaint_id,
                col(Handoff.returned_at).is_not(None),
                col(Handoff.return_outcome).is_(None),
            )
            .values(return_outcome=outcome)
            .execution_options(synchronize_session=False)
        ),
    )
    return bool(result.rowcount)


async def guarded(session: AsyncSession, handoff_id: int, *where: Any, **values: Any) -> bool:
    """Change an open dispatch only if `where` still holds: of two presses at once, one wins
    (as storage/workflow/steps.py's `move` does for a complaint's status)."""
    result = cast(
        "CursorResult[Any]",
        await session.exec(
            update(Handoff)
            .where(col(Handoff.id) == handoff_id, col(Handoff.ended_at).is_(None), *where)
            .values(**values)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1


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
    session: AsyncSession,
    complaint: Complaint,
    kind: HandoffKind,
    now: datetime,
    insist_note: str | None = None,
) -> Handoff:
    """A new dispatch of `complaint` to its department; the one before it ends.

    `insist_note`: the group's 坚持交办 note, shown on the department's card.
    """
    assert complaint.id is not None and complaint.department_id is not None
    await end(session, complaint.id, now)
    row = Handoff(
        complaint_id=complaint.id,
        department_id=complaint.department_id,
        group_id=complaint.group_id,
        kind=kind,
        handed_at=now,
        due_on=complaint.due_on,
        insist_note=insist_note,
    )
    session.add(row)
    await session.flush()
    await note_handoff(session, complaint.id, row)
    return row
