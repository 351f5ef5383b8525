"""The console's overview of a round: counts by status, overdue, today's new, the three rates
(storage/rates.py) by group and department, and complaints filed per day (GROUP BY queries in
the viewer's scope)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.console.viewer import Viewer, on_postgres
from storage.ladder import overdue_where
from storage.models import Complaint, Round
from storage.rates import Rates, UnitRates, round_rates


@dataclass
class Overview:
    """What the overview page shows."""

    total: int
    by_status: dict[str, int]
    overdue: int
    today_new: int
    # The three rates (storage/rates.py): the round's (a group's own), and per group and
    # department (a department sees only its own line).
    overall: Rates = field(default_factory=Rates)
    groups: list[UnitRates] = field(default_factory=list)
    departments: list[UnitRates] = field(default_factory=list)
    # (local day, complaints filed that day), every day from the first filing to today.
    trend: list[tuple[date, int]] = field(default_factory=list)


async def _rows(session: AsyncSession, statement: Any) -> list[Any]:
    """The rows of a Core statement."""
    return list((await session.exec(statement)).all())


def _local_day(session: AsyncSession, zone: str, offset: timedelta) -> Any:
    """filed_at's day on the round's clock, as SQL (PostgreSQL knows zones; SQLite an offset)."""
    if on_postgres(session):
        return func.date(func.timezone(zone, col(Complaint.filed_at)))
    hours = offset.total_seconds() / 3600
    return func.date(col(Complaint.filed_at), f"{hours:+.2f} hours")


async def overview(*, session: AsyncSession, viewer: Viewer, now: datetime) -> Overview:
    """The viewer's round at a glance (the office's: the whole round)."""
    zone = ZoneInfo(viewer.timezone)
    today = now.astimezone(zone).date()
    scope = viewer.scope()
    round_ = await session.get(Round, viewer.round_id)
    assert round_ is not None
    offset = datetime.combine(round_.starts_on, time(12), tzinfo=zone).utcoffset()
    assert offset is not None
    day = _local_day(session, viewer.timezone, offset)
    # By status and local day in one pass over the complaints: the counts and the trend.
    by_status: dict[str, int] = {}
    per_day: dict[date, int] = {}
    for status, value, count in await _rows(
        session,
        sa_select(col(Complaint.status), day, func.count())
        .where(*scope)
        .group_by(col(Complaint.status), day),
    ):
        by_status[status] = by_status.get(status, 0) + int(count)
        key = value if isinstance(value, date) else date.fromisoformat(str(value))
        per_day[key] = per_day.get(key, 0) + int(count)
    overdue = (
        await _rows(
            session,
            sa_select(func.count()).select_from(Complaint).where(*scope, *overdue_where(today)),
        )
    )[0][0]
    midnight = datetime.combine(today, time(0), tzinfo=zone)
    today_new = (
        await _rows(
            session,
            sa_select(func.count())
            .select_from(Complaint)
            .where(*scope, col(Complaint.filed_at) >= midnight),
        )
    )[0][0]
    result = Overview(
        total=sum(by_status.values()),
        by_status=by_status,
        overdue=int(overdue),
        today_new=int(today_new),
    )
    rates = await round_rates(
        session=session, round_id=viewer.round_id, now=now, group_id=viewer.group_id
    )
    result.overall = rates.overall
    result.groups = rates.groups if viewer.target != "department" else []
    result.departments = [
        unit
        for unit in rates.departments
        if viewer.target != "department" or unit.id == viewer.department_id
    ]
    result.trend = _trend(round_, per_day, today)
    return result


def _trend(round_: Round, per_day: dict[date, int], today: date) -> list[tuple[date, int]]:
    """Complaints filed per local day, from the round's first day (or first filing) to today."""
    first = min([round_.starts_on, *per_day])
    last = max([min(today, round_.ends_on), *per_day])
    days = (last - first).days + 1
    return [
        (first + timedelta(days=n), per_day.get(first + timedelta(days=n), 0)) for n in range(days)
    ]
