"""The three rates (响应率, 解决率, 满意率): the one place they are computed (docs/DESIGN.md).

- 响应率 of a group, a village or the round: among its complaints (merged duplicates left
  out: they follow the complaint they joined), the share the group acted on (accepted,
  immediate, handed_off, transferred, rejected: the first such timeline event) within 24 hours
  of `filed_at`. A complaint still inside its 24 hours and not acted on is `awaiting`, in no
  share yet.
- 响应率 of a department: among its hand-offs (`Handoff` rows of kind handoff), the share
  signed for (or reported done) within 24 hours of `handed_at`. A return the group accepted
  (`return_outcome` accepted) leaves the row out; a return the group overruled counts as not
  responded even when it was signed in time (the department sent back work that was its own).
  A row still inside its 24 hours, or returned and waiting for the group's decision, is
  `awaiting`; a row the group ended inside the 24 hours without a sign or a return (moved to
  another department) is left out: the department did not have its day.
- 解决率: 已解决 / answers to 问题解决了吗 (solved + partly + unsolved).
- 满意率: (满意 + 基本满意) / answers to 您满意吗 (satisfied + basic + unsatisfied).
- Unanswered 回访 are counted, never dropped: `no_answer` (closed after 7 days without an
  answer) and `survey_waiting` (asked, not answered yet). A department's 解决率 and 满意率 are
  over the complaints whose last hand-off was to it (and not sent back with the group's
  consent).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    GROUP_ACTIONS,
    Complaint,
    ComplaintStatus,
    Department,
    Handoff,
    HandoffKind,
    InspectionGroup,
    ReturnOutcome,
    Village,
)
from storage.rates_figures import (
    Rates,
    RoundRates,
    UnitRates,
    satisfaction_rate,
)
from storage.types import Later

RESPONSE_WINDOW = timedelta(hours=24)
NO_ANSWER = "no_answer"


def _complaint_responses(now: datetime) -> tuple[Any, ...]:
    """Counts of a complaint group's 响应 (`acted_at` the group's first act): merged (left
    out: in no share), responded (acted within 24 hours of filing), awaiting (still inside its
    24 hours and not acted on); the rest of the group is not_responded."""
    first_act, filed_at = col(Complaint.acted_at), col(Complaint.filed_at)
    return (
        (col(Complaint.status) == ComplaintStatus.merged).label("merged"),
        func.count().filter(first_act <= Later(filed_at, RESPONSE_WINDOW)).label("responded"),
        func.count()
        .filter(and_(first_act.is_(None), filed_at > now - RESPONSE_WINDOW))
        .label("awaiting"),
    )


def _handoff_response(now: datetime) -> ColumnElement[Any]:
    """A hand-off's 响应: responded / not_responded / awaiting; NULL: left out."""
    deadline = Later(col(Handoff.handed_at), RESPONSE_WINDOW)
    not_acted = and_(col(Handoff.signed_at).is_(None), col(Handoff.done_at).is_(None))
    return case(
        (col(Handoff.return_outcome) == ReturnOutcome.accepted, None),
        (col(Handoff.return_outcome) == ReturnOutcome.overruled, "not_responded"),
        (or_(col(Handoff.signed_at) <= deadline, col(Handoff.done_at) <= deadline), "responded"),
        # The group has not decided on the return yet.
        (col(Handoff.returned_at).is_not(None), "awaiting"),
        # Ended by the group inside the 24 hours: the department did not have its day.
        (and_(not_acted, col(Handoff.ended_at) < deadline), None),
        (and_(not_acted, col(Handoff.handed_at) > now - RESPONSE_WINDOW), "awaiting"),
        else_="not_responded",
    )


def _count_response(rates: Rates, verdict: str | None, count: int) -> None:
    """Add `count` verdicts (_complaint_responses' or _handoff_response's)."""
    if verdict == "responded":
        rates.responded += count
    elif verdict == "not_responded":
        rates.not_responded += count
    elif verdict == "awaiting":
        rates.awaiting += count


def _count_survey(
    rates: Rates, asked: bool, resolution: str | None, satisfaction: str | None, count: int
) -> None:
    """Add `count` complaints' 回访 answers (or their absence)."""
    if not asked:
        return
    if resolution in rates.resolution:
        rates.resolution[resolution] += count
    if satisfaction in rates.satisfaction:
        rates.satisfaction[satisfaction] += count
    elif satisfaction == NO_ANSWER:
        rates.no_answer += count
    elif satisfaction is None:
        rates.survey_waiting += count


def _survey_columns() -> tuple[Any, ...]:
    """The complaint's 回访 as grouping columns: asked, resolution, satisfaction."""
    return (
        col(Complaint.survey_asked_at).is_not(None).label("asked"),
        col(Complaint.resolution_state),
        col(Complaint.satisfaction),
    )


def _units(names: Iterable[tuple[int, str]]) -> dict[int, UnitRates]:
    """Empty figures for each unit, in the order given."""
    return {unit_id: UnitRates(unit_id, name, Rates()) for unit_id, name in names}


async def _complaint_counts(
    session: AsyncSession, round_id: int, now: datetime, group_id: int | None
) -> list[Any]:
    """The round's complaints counted by group, village, 响应 and 回访 (one aggregate)."""
    # The group's first act is stored on the complaint (storage/timeline_facts.py): the
    # counts come from ix_complaint_counts alone, not from a probe of the timeline per
    # complaint; grouped by plain columns (a hash of a few hundred groups) and 响应 counted
    # with FILTER, not grouped by a CASE the planner takes for one group per complaint.
    keys = (
        col(Complaint.group_id),
        col(Complaint.village_id),
        # A department's 解决率 and 满意率 in the same pass (_handoff_counts takes out the
        # complaints sent back to the group with its consent).
        col(Complaint.last_handoff_department_id),
        *_survey_columns(),
    )
    merged, responded, awaiting = _complaint_responses(now)
    statement: Any = sa_select(*keys, merged, responded, awaiting, func.count().label("n")).where(
        col(Complaint.round_id) == round_id
    )
    if group_id is not None:
        statement = statement.where(col(Complaint.group_id) == group_id)
    return list((await session.exec(statement.group_by(*keys, merged))).all())


async def _handoff_counts(
    session: AsyncSession, round_id: int, now: datetime, group_id: int | None
) -> tuple[list[Any], list[Any]]:
    """The round's hand-offs counted by department and 响应; and the 回访 of the complaints
    by the department of their last hand-off (unless sent back with the group's consent)."""
    scope: list[Any] = [col(Complaint.round_id) == round_id, Handoff.kind == HandoffKind.handoff]
    verdict = _handoff_response(now).label("verdict")
    responses: Any = sa_select(col(Handoff.department_id), verdict, func.count().label("n"))
    if group_id is not None:
        # The group's hand-offs carry its id: read from ix_handoff_group alone, not the
        # round's every hand-off joined to the group's complaints (a group is of one round).
        scope += [col(Complaint.group_id) == group_id, col(Handoff.group_id) == group_id]
        responses = responses.where(
            col(Handoff.group_id) == group_id, Handoff.kind == HandoffKind.handoff
        )
    else:
        responses = responses.join(
            Complaint, col(Complaint.id) == col(Handoff.complaint_id)
        ).where(*scope)
    responses = responses.group_by(col(Handoff.department_id), verdict)
    # The complaints' 回访 by the department of their last hand-off are counted with the
    # rest (_complaint_counts); here those whose last hand-off the group took back with
    # consent, to take out: a few, each found from its hand-off by the complaint's key.
    keys = (col(Complaint.last_handoff_department_id), *_survey_columns())
    surveys: Any = (
        sa_select(*keys, func.count().label("n"))
        .select_from(Handoff)
        .join(
            Complaint,
            and_(
                col(Complaint.id) == col(Handoff.complaint_id),
                col(Complaint.last_handoff_id) == col(Handoff.id),
            ),
        )
        .where(*scope, col(Handoff.return_outcome) == ReturnOutcome.accepted)
        .group_by(*keys)
    )
    return (
        list((await session.exec(responses)).all()),
        list((await session.exec(surveys)).all()),
    )


async def round_rates(
    *, session: AsyncSession, round_id: int, now: datetime, group_id: int | None = None
) -> RoundRates:
    """The three rates of a round (or of one group's complaints), overall and per unit."""
    # Counted in the database (GROUP BY), not complaint by complaint in Python: a round of
    # 100,000 complaints is a few hundred rows of counts.
    counts = await _complaint_counts(session, round_id, now, group_id)
    groups_query = select(InspectionGroup).where(InspectionGroup.round_id == round_id)
    if group_id is not None:
        groups_query = groups_query.where(InspectionGroup.id == group_id)
    groups = _units(
        (g.id or 0, g.name)
        for g in (await session.exec(groups_query.order_by(col(InspectionGroup.id)))).all()
    )
    village_ids = {row.village_id for row in counts}
    village_rows = (
        await session.exec(
            select(Village).where(col(Village.id).in_(village_ids)).order_by(col(Village.id))
        )
    ).all()
    villages = _units((v.id or 0, v.name) for v in village_rows)
    departments = _units(
        (d.id or 0, d.name)
        for d in (
            await session.exec(
                select(Department)
                .where(Department.round_id == round_id)
                .order_by(col(Department.id))
            )
        ).all()
    )

    overall = Rates()
    for row in counts:
        by_last_handoff = departments.get(row.last_handoff_department_id)
        if by_last_handoff is not None:
            _count_survey(
                by_last_handoff.rates, row.asked, row.resolution_state, row.satisfaction, row.n
            )
        units = [overall]
        units += [found.rates for found in (groups.get(row.group_id),) if found is not None]
        units += [found.rates for found in (villages.get(row.village_id),) if found is not None]
        for rates in units:
            if not row.merged:
                _count_response(rates, "responded", row.responded)
                _count_response(rates, "awaiting", row.awaiting)
                _count_response(rates, "not_responded", row.n - row.responded - row.awaiting)
            _count_survey(rates, row.asked, row.resolution_state, row.satisfaction, row.n)

    handoffs = Rates()
    responses, surveys = await _handoff_counts(session, round_id, now, group_id)
    for row in responses:
        unit = departments.get(row.department_id)
        if unit is not None:
            _count_response(unit.rates, row.verdict, row.n)
        _count_response(handoffs, row.verdict, row.n)
    for row in surveys:
        unit = departments.get(row.last_handoff_department_id)
        if unit is not None:
            # Sent back with the group's consent: not the department's (counted above).
            _count_survey(unit.rates, row.asked, row.resolution_state, row.satisfaction, -row.n)

    return RoundRates(
        overall=overall,
        handoffs=handoffs,
        departments=list(departments.values()),
        groups=list(groups.values()),
        villages=list(villages.values()),
    )


def ranked(units: list[UnitRates]) -> list[UnitRates]:
    """Units with anything to show, best first: by 响应率, then 解决率, then 满意率, then name.

    A unit with no figure yet sorts after those with one.
    """

    def key(unit: UnitRates) -> tuple[float, float, float, str]:
        rates = unit.rates
        return (
            -(rates.response_rate if rates.response_rate is not None else -1.0),
            -(rates.resolution_rate if rates.resolution_rate is not None else -1.0),
            -(rates.satisfaction_rate if rates.satisfaction_rate is not None else -1.0),
            unit.name,
        )

    shown = [u for u in units if u.rates.response_base or u.rates.awaiting or _surveyed(u.rates)]
    return sorted(shown, key=key)


def _surveyed(rates: Rates) -> bool:
    """Whether any 回访 was asked in these figures."""
    return bool(
        rates.resolution_answered
        or rates.satisfaction_answered
        or rates.no_answer
        or rates.survey_waiting
    )


def _units_payload(units: list[UnitRates]) -> list[dict[str, Any]]:
    """Units as JSON-ready items: name and figures."""
    return [{"name": unit.name, "rates": unit.rates.as_dict()} for unit in units]


def rates_payload(figures: RoundRates) -> dict[str, Any]:
    """The rates as a report's payload (JSON-ready): overall, all hand-offs, and groups and
    departments ranked (ranked), villages with anything to show in their order."""
    shown_villages = [u for u in figures.villages if u in ranked(figures.villages)]
    return {
        "overall": figures.overall.as_dict(),
        "handoffs": figures.handoffs.as_dict(),
        "groups": _units_payload(ranked(figures.groups)),
        "departments": _units_payload(ranked(figures.departments)),
        "villages": _units_payload(shown_villages),
    }


__all__ = [
    "GROUP_ACTIONS",
    "RESPONSE_WINDOW",
    "Rates",
    "RoundRates",
    "UnitRates",
    "ranked",
    "rates_payload",
    "round_rates",
    "satisfaction_rate",
]
