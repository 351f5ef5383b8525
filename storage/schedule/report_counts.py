"""A report's counts and times, computed in the database (GROUP BY), not complaint by complaint
in Python: a group of 100,000 complaints is a few hundred rows of counts (issue 12)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, literal_column, or_
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.handling import HANDLING, handling_of
from storage.models import Channel, Complaint, ComplaintStatus, TimelineEvent
from storage.triage import NOT_OPEN

S = ComplaintStatus
NO_ANSWER = "no_answer"
SATISFACTIONS = ("satisfied", "basic", "unsatisfied", NO_ANSWER)


@dataclass
class Counts:
    """A round's (or group's) complaints counted for a report."""

    total: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in S})
    by_code: Counter[str] = field(default_factory=Counter)
    by_channel: dict[str, int] = field(default_factory=lambda: {c.value: 0 for c in Channel})
    handling: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HANDLING, 0))
    satisfaction: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SATISFACTIONS, 0))
    # group id -> [total, open]
    per_group: dict[int, list[int]] = field(default_factory=dict)
    new_in_week: int = 0


def _scope(statement: Any, round_id: int, group_id: int | None) -> Any:
    """Only the round's complaints (the group's, when given)."""
    statement = statement.where(col(Complaint.round_id) == round_id)
    if group_id is not None:
        statement = statement.where(col(Complaint.group_id) == group_id)
    return statement


async def complaint_counts(
    session: AsyncSession,
    round_id: int,
    group_id: int | None,
    since: datetime | None,
    until: datetime,
) -> Counts:
    """Counts by status, category, channel, handling (storage/handling.py), satisfaction and
    group (total, open); how many were filed in [since, until)."""
    filed = col(Complaint.filed_at)
    new = and_(filed >= since, filed < until) if since is not None else literal_column("0") == 1
    # In ix_complaint_counts' order, so the group's entries come grouped already (no sort);
    # the handling is stored on the complaint (storage/timeline_facts.py).
    keys = (
        col(Complaint.group_id),
        col(Complaint.status),
        col(Complaint.handling_action),
        col(Complaint.satisfaction),
        col(Complaint.category_code),
        col(Complaint.channel),
    )
    # The week's counted with FILTER, not grouped by a CASE the planner takes for one group
    # per complaint.
    statement: Any = _scope(
        sa_select(*keys, func.count().filter(new), func.count()), round_id, group_id
    ).group_by(*keys)
    counts = Counts()
    for gid, status, action, rated, code, channel, in_week, n in (
        await session.exec(statement)
    ).all():
        counts.total += n
        counts.by_status[status] = counts.by_status.get(status, 0) + n
        counts.by_channel[channel] = counts.by_channel.get(channel, 0) + n
        counts.by_code[code] += n
        how = handling_of(status, action)
        if how is not None:
            counts.handling[how] += n
        if rated:
            counts.satisfaction[rated] = counts.satisfaction.get(rated, 0) + n
        group = counts.per_group.setdefault(gid, [0, 0])
        group[0] += n
        if status not in NOT_OPEN:
            group[1] += n
        counts.new_in_week += in_week
    return counts


@dataclass(frozen=True)
class Times:
    """Median hours from filing to the group's first answer and to the first resolution; how
    many complaints were resolved in [since, until)."""

    median_accept_hours: float | None
    median_resolve_hours: float | None
    resolved_in_week: int


def _hours(seconds: list[float]) -> float | None:
    """The median of durations in seconds, in hours (None when there are none)."""
    if not seconds:
        return None
    return round(statistics.median(seconds) / 3600, 1)


async def answer_times(
    session: AsyncSession,
    round_id: int,
    group_id: int | None,
    since: datetime | None,
    until: datetime,
) -> Times:
    """Per complaint, its first answer (a FIRST_ANSWERS event from new) and first resolution;
    their medians from filing, and the complaints resolved in [since, until)."""
    # The moments are stored on the complaint (storage/timeline_facts.py): the group's rows of
    # ix_complaint_counts, not the round's timeline.
    first, last = col(Complaint.first_resolved_at), col(Complaint.last_resolved_at)
    if since is not None:
        # A "resolved" event in [since, until): the first or the last is in it; or, resolved
        # before and again after it, an event in between (looked up for those few only: a
        # CASE's branches are tried in order, so the timeline is not probed for the rest).
        between = (
            sa_select(literal_column("1"))
            .select_from(TimelineEvent)
            .where(
                col(TimelineEvent.complaint_id) == col(Complaint.id),
                col(TimelineEvent.action) == "resolved",
                col(TimelineEvent.at) >= since,
                col(TimelineEvent.at) < until,
            )
            .exists()
        )
        in_week: Any = case(
            (first.is_(None), 0),
            (and_(first >= since, first < until), 1),
            (and_(last >= since, last < until), 1),
            (and_(first < since, last >= until, between), 1),
            else_=0,
        )
    else:
        in_week = literal_column("0")
    each: Any = _scope(
        sa_select(
            col(Complaint.filed_at).label("filed_at"),
            col(Complaint.answered_at).label("answered"),
            first.label("resolved"),
            in_week.label("in_week"),
        ).where(or_(col(Complaint.answered_at).is_not(None), first.is_not(None))),
        round_id,
        group_id,
    )
    if session.get_bind().dialect.name == "postgresql":
        return await _times_in_postgresql(session, each.subquery())
    accept: list[float] = []
    resolve: list[float] = []
    week = 0
    for filed_at, first_answer, first_resolved, resolved_now in (await session.exec(each)).all():
        if first_answer is not None:
            accept.append((first_answer - filed_at).total_seconds())
        if first_resolved is not None:
            resolve.append((first_resolved - filed_at).total_seconds())
        week += resolved_now
    return Times(_hours(accept), _hours(resolve), week)


async def _times_in_postgresql(session: AsyncSession, each: Any) -> Times:
    """The medians and the week's count in the database (percentile_cont: the median, the mean
    of the middle two for an even count, as statistics.median)."""

    def median(moment: Any) -> Any:
        seconds = cast(func.extract("epoch", moment - each.c.filed_at), Float)
        return func.percentile_cont(0.5).within_group(seconds)

    week = func.coalesce(func.sum(each.c.in_week), 0)
    statement: Any = sa_select(median(each.c.answered), median(each.c.resolved), week)
    accept, resolve, week = (await session.exec(statement)).one()
    return Times(
        round(accept / 3600, 1) if accept is not None else None,
        round(resolve / 3600, 1) if resolve is not None else None,
        int(week),
    )
