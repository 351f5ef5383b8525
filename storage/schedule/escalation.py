"""督办通报: once a day the office's chat hears which hand-offs are long overdue, by department."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ladder import ladder_of, overdue_days, overdue_where
from storage.models import Complaint, ComplaintStatus, Department, InspectionGroup, Village
from storage.notices import NoticeKind
from storage.schedule.clock import at_local, local_today
from storage.schedule.digest import LIST_MAX, category_names
from storage.schedule.memory import Rounds, Sweeping, SweepReport, by_id, done, rounds_of


async def sweep_escalation(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """The 督办通报 to each round office's chat, at the ladder's time, once a day.

    It lists the round's hand-offs overdue by the ladder's `office_from` days or more, by
    department (the most overdue first), each marked 超期 from `flag_from` days. No identity:
    number, group, village, category, due date and days. Not sent on a day none is that late.
    """
    sweeping = Sweeping(session, now, SweepReport("escalation"))
    # A day ahead of UTC: every round's "today" is at most that (the round's own is below).
    statement = (
        select(Complaint)
        .where(
            *overdue_where(now.date() + timedelta(days=1)),
            Complaint.status == ComplaintStatus.handed_off,
            col(Complaint.department_id).is_not(None),
        )
        .order_by(col(Complaint.due_on), col(Complaint.id))
    )
    complaints = list((await session.exec(statement)).all())
    if not complaints:
        return sweeping.report
    by_round = await rounds_of(session, rounds, complaints)
    late: dict[int, list[tuple[Complaint, int]]] = {}
    for complaint in complaints:
        round_ = by_round[complaint.round_id]
        days = overdue_days(complaint.due_on, local_today(round_, now))
        if days is not None and ladder_of(round_).in_office_report(days):
            late.setdefault(complaint.round_id, []).append((complaint, days))
    keys = {
        round_id: f"escalation:{round_id}:{local_today(by_round[round_id], now).isoformat()}"
        for round_id in late
    }
    already = await done(session, keys.values())
    for round_id, items in late.items():
        round_ = by_round[round_id]
        steps = ladder_of(round_)
        today = local_today(round_, now)
        due_at = at_local(round_, today, steps.at)
        if round_.office_chat_id is None or now < due_at or keys[round_id] in already:
            continue
        payload = await _payload(session, round_id, items)
        payload.update(
            round_id=round_id,
            round=round_.name,
            date=today.isoformat(),
            office_from=steps.office_from,
            flag_from=steps.flag_from,
        )
        sweeping.send(
            keys[round_id],
            NoticeKind.escalation,
            round_id=round_id,
            due_at=due_at,
            chat=round_.office_chat_id,
            payload=payload,
        )
    await session.flush()
    return sweeping.report


async def _payload(
    session: AsyncSession, round_id: int, items: list[tuple[Complaint, int]]
) -> dict[str, Any]:
    """The overdue hand-offs by department (roster order), most overdue first in each."""
    departments: dict[int, Department] = await by_id(
        session, Department, {c.department_id for c, _d in items if c.department_id is not None}
    )
    groups: dict[int, InspectionGroup] = await by_id(
        session, InspectionGroup, {c.group_id for c, _d in items}
    )
    villages: dict[int, Village] = await by_id(session, Village, {c.village_id for c, _d in items})
    categories = await category_names(session, round_id)
    listed: dict[int, list[dict[str, Any]]] = {}
    for complaint, days in sorted(items, key=lambda item: (-item[1], item[0].seq)):
        assert complaint.department_id is not None and complaint.due_on is not None
        category = categories.get(complaint.category_code)
        listed.setdefault(complaint.department_id, []).append(
            {
                "number": complaint.number,
                "group": groups[complaint.group_id].name,
                "village": villages[complaint.village_id].name,
                "category_zh": category.name_zh if category else complaint.category_code,
                "category_en": category.name_en if category else complaint.category_code,
                "due_on": complaint.due_on.isoformat(),
                "days": days,
            }
        )
    return {
        "count": len(items),
        "departments": [
            {
                "name": departments[department_id].name,
                "count": len(rows),
                "items": rows[:LIST_MAX],
            }
            for department_id, rows in sorted(listed.items())
            if department_id in departments
        ],
    }
