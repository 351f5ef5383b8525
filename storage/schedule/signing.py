"""催签: a hand-off (or a clue) its department has not signed for (签收) within the round's
`sign_within_hours` (the roster's `handoff:`, 24 by default) gets one reminder, in the
department's chat under its card and in the group's chat under the group's card."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Complaint, ComplaintStatus, Department, Handoff, InspectionGroup
from storage.notices import NoticeKind
from storage.schedule.memory import Rounds, Sweeping, SweepReport, by_id, done, rounds_of

# No round asks for less: nothing younger is looked at.
SHORTEST = timedelta(hours=1)
# The dispatches waiting for their department: a hand-off, or a clue.
WAITING = (ComplaintStatus.handed_off, ComplaintStatus.transferred)


async def sweep_signing(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """One 催签 per dispatch not signed for in time (key `sign:<hand-off id>`)."""
    sweeping = Sweeping(session, now, SweepReport("sign"))
    statement = (
        select(Handoff, Complaint)
        .join(Complaint, col(Complaint.id) == col(Handoff.complaint_id))
        .where(
            col(Handoff.signed_at).is_(None),
            col(Handoff.ended_at).is_(None),
            col(Handoff.handed_at) <= now - SHORTEST,
            col(Complaint.status).in_(WAITING),
        )
        .order_by(col(Handoff.id))
    )
    found = list((await session.exec(statement)).all())
    if not found:
        return sweeping.report
    by_round = await rounds_of(session, rounds, [c for _h, c in found])
    due: list[tuple[Handoff, Complaint, datetime]] = []
    for handoff, complaint in found:
        round_ = by_round[complaint.round_id]
        due_at = handoff.handed_at + timedelta(hours=round_.sign_within_hours)
        if now >= due_at:
            due.append((handoff, complaint, due_at))
    already = await done(session, (f"sign:{h.id}" for h, _c, _at in due))
    due = [item for item in due if f"sign:{item[0].id}" not in already]
    if not due:
        return sweeping.report
    groups = await by_id(session, InspectionGroup, {c.group_id for _h, c, _at in due})
    departments = await by_id(session, Department, {h.department_id for h, _c, _at in due})
    for handoff, complaint, due_at in due:
        payload: dict[str, Any] = {
            "complaint_id": complaint.id,
            "handoff_id": handoff.id,
            "hours": by_round[complaint.round_id].sign_within_hours,
        }
        rows = 0
        department = departments.get(handoff.department_id)
        if department is not None and department.chat_id is not None:
            to_department = {**payload, "audience": "department", "department_id": department.id}
            rows += sweeping.tell(
                department.chat_id, NoticeKind.sign_reminder, to_department, complaint.id
            )
        group = groups.get(complaint.group_id)
        if group is not None and group.chat_id is not None:
            to_group = {**payload, "audience": "group", "group_id": group.id}
            rows += sweeping.tell(group.chat_id, NoticeKind.sign_reminder, to_group, complaint.id)
        # Remembered even with nobody to tell: the reminder is for the moment it fell due.
        sweeping.remember(
            f"sign:{handoff.id}",
            NoticeKind.sign_reminder,
            round_id=complaint.round_id,
            due_at=due_at,
            rows=rows,
        )
    await session.flush()
    return sweeping.report
