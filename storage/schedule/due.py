"""Due dates (督办): reminders on the days of the round's ladder (storage/ladder.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ladder import DUE, MAX_BEFORE_DAYS, ladder_of
from storage.models import Complaint, Department, InspectionGroup, Round, TimelineEvent
from storage.models import ComplaintStatus as S
from storage.notices import NoticeKind
from storage.schedule.clock import at_local, local_today
from storage.schedule.memory import Rounds, Sweeping, SweepReport, by_id, done, rounds_of, row_id


async def sweep_due(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """督办 on the days of each round's ladder (storage/ladder.py), from its reminder time.

    To the group chat (as a reply to the card) and, for a hand-off, to the department's chat
    (no identity): before the due date, each of the first overdue days, then every few days
    for as long as the complaint is open. The reminder before the due date is skipped when the
    due date was set after that day's reminder time (the inspector has just chosen it).
    """
    sweeping = Sweeping(session, now, SweepReport("due"))
    utc_today = now.date()
    statement = (
        select(Complaint)
        .where(
            col(Complaint.status).in_(DUE),
            col(Complaint.due_on).is_not(None),
            col(Complaint.due_on) <= utc_today + timedelta(days=MAX_BEFORE_DAYS + 1),
        )
        .order_by(col(Complaint.due_on), col(Complaint.id))
    )
    complaints = list((await session.exec(statement)).all())
    if not complaints:
        return sweeping.report
    by_round = await rounds_of(session, rounds, complaints)
    due: list[tuple[Complaint, Round, str, datetime, int]] = []
    for complaint in complaints:
        round_ = by_round[complaint.round_id]
        steps = ladder_of(round_)
        assert complaint.due_on is not None
        today = local_today(round_, now)
        days = (today - complaint.due_on).days
        if not steps.reminds_on(days):
            continue
        due_at = at_local(round_, today, steps.at)
        if now < due_at:
            continue
        key = f"due:{row_id(complaint)}:{today.isoformat()}"
        due.append((complaint, round_, key, due_at, days))
    already = await done(session, (key for _c, _r, key, _at, _d in due))
    due = [item for item in due if item[2] not in already]
    if not due:
        return sweeping.report
    set_at = await _due_set_at(session, [row_id(c) for c, _r, _k, _a, d in due if d < 0])
    groups = await by_id(session, InspectionGroup, {c.group_id for c, *_ in due})
    departments = await by_id(
        session, Department, {c.department_id for c, *_ in due if c.department_id is not None}
    )
    for complaint, round_, key, due_at, days in due:
        if days < 0 and set_at.get(row_id(complaint), due_at) > due_at:
            continue
        assert complaint.due_on is not None
        payload: dict[str, Any] = {
            "complaint_id": complaint.id,
            "due_on": complaint.due_on.isoformat(),
            "days": days,
        }
        rows = 0
        group = groups.get(complaint.group_id)
        if group is not None and group.chat_id is not None:
            group_payload = {**payload, "audience": "group"}
            rows += sweeping.tell(group.chat_id, NoticeKind.due, group_payload, complaint.id)
        department = (
            departments.get(complaint.department_id)
            if complaint.department_id is not None
            else None
        )
        if complaint.status == S.handed_off and department is not None and department.chat_id:
            department_payload = {**payload, "audience": "department"}
            rows += sweeping.tell(
                department.chat_id, NoticeKind.due, department_payload, complaint.id
            )
        if rows:
            # Nobody to tell yet (no chat linked): tried again at the next sweep.
            sweeping.remember(key, NoticeKind.due, round_id=round_.id, due_at=due_at, rows=rows)
    await session.flush()
    return sweeping.report


async def _due_set_at(session: AsyncSession, complaint_ids: list[int]) -> dict[int, datetime]:
    """When each complaint's due date was last set (its latest immediate/handed_off event)."""
    if not complaint_ids:
        return {}
    statement = (
        select(TimelineEvent.complaint_id, func.max(col(TimelineEvent.at)))
        .where(
            col(TimelineEvent.complaint_id).in_(complaint_ids),
            col(TimelineEvent.action).in_(("immediate", "handed_off")),
        )
        .group_by(col(TimelineEvent.complaint_id))
    )
    found: dict[int, datetime] = {}
    for complaint_id, latest in (await session.exec(statement)).all():
        if latest is not None:
            # func.max loses the column type on SQLite: the value may come back naive.
            found[complaint_id] = _aware(latest)
    return found


def _aware(value: datetime | str) -> datetime:
    """A UTC moment read back from an aggregate (naive or text on SQLite)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=ZoneInfo("UTC"))
    return value
