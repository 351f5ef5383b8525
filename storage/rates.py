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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Complaint,
    ComplaintStatus,
    Department,
    Handoff,
    HandoffKind,
    InspectionGroup,
    ReturnOutcome,
    TimelineEvent,
    Village,
)

RESPONSE_WINDOW = timedelta(hours=24)
# The group's acts that answer a new complaint.
GROUP_ACTIONS = ("accepted", "immediate", "handed_off", "transferred", "rejected")
RESOLUTION_STATES = ("solved", "partly", "unsolved")
SATISFACTIONS = ("satisfied", "basic", "unsatisfied")
NO_ANSWER = "no_answer"
# The complaint's columns the rates read.
COUNTED = (
    "id",
    "status",
    "filed_at",
    "group_id",
    "village_id",
    "survey_asked_at",
    "resolution_state",
    "satisfaction",
)


@dataclass
class Rates:
    """The counts behind the three rates for one unit (the round, a group, a village, ...)."""

    responded: int = 0
    not_responded: int = 0
    # Still inside the 24 hours (or a return waiting for the group): in no share yet.
    awaiting: int = 0
    resolution: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESOLUTION_STATES, 0))
    satisfaction: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SATISFACTIONS, 0))
    # 回访 closed after 7 days without an answer, and 回访 asked and not answered yet.
    no_answer: int = 0
    survey_waiting: int = 0

    @property
    def response_base(self) -> int:
        """What the 响应率 is a share of."""
        return self.responded + self.not_responded

    @property
    def response_rate(self) -> float | None:
        """响应率 (None when there is nothing to count yet)."""
        return _share(self.responded, self.response_base)

    @property
    def resolution_answered(self) -> int:
        """Answers to 问题解决了吗."""
        return sum(self.resolution.values())

    @property
    def resolution_rate(self) -> float | None:
        """解决率: solved among the answers."""
        return _share(self.resolution["solved"], self.resolution_answered)

    @property
    def satisfaction_answered(self) -> int:
        """Answers to 您满意吗."""
        return sum(self.satisfaction.values())

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: satisfied or basically satisfied among the answers."""
        return satisfaction_rate(self.satisfaction)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (for a report's payload), the rates included."""
        return {
            "responded": self.responded,
            "not_responded": self.not_responded,
            "awaiting": self.awaiting,
            "resolution": dict(self.resolution),
            "satisfaction": dict(self.satisfaction),
            "no_answer": self.no_answer,
            "survey_waiting": self.survey_waiting,
            "response_rate": self.response_rate,
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
        }


@dataclass
class UnitRates:
    """The rates of one named unit: a department, a group or a village."""

    id: int
    name: str
    rates: Rates


@dataclass
class RoundRates:
    """The rates of a round (or of one group's complaints), overall and per unit."""

    # The complaints' figures: the groups' 响应率 and every 回访.
    overall: Rates
    # All hand-offs' 响应率 together (the departments' figures summed).
    handoffs: Rates
    departments: list[UnitRates]
    groups: list[UnitRates]
    villages: list[UnitRates]


def _share(hits: int, base: int) -> float | None:
    """hits / base, None for an empty base."""
    return hits / base if base else None


def satisfaction_rate(counts: dict[str, int]) -> float | None:
    """满意率 from counts by answer: (满意 + 基本满意) / (满意 + 基本满意 + 不满意); other keys
    (no_answer) are not answers."""
    happy = counts.get("satisfied", 0) + counts.get("basic", 0)
    return _share(happy, sum(counts.get(key, 0) for key in SATISFACTIONS))


def complaint_response(filed_at: datetime, first_act: datetime | None, now: datetime) -> str:
    """responded / not_responded / awaiting for one complaint (see the module's text)."""
    deadline = filed_at + RESPONSE_WINDOW
    if first_act is not None and first_act <= deadline:
        return "responded"
    if first_act is None and now < deadline:
        return "awaiting"
    return "not_responded"


def handoff_response(row: Handoff, now: datetime) -> str | None:
    """responded / not_responded / awaiting for one hand-off; None: left out."""
    if row.return_outcome == ReturnOutcome.accepted:
        return None
    if row.return_outcome == ReturnOutcome.overruled:
        return "not_responded"
    deadline = row.handed_at + RESPONSE_WINDOW
    acted = [at for at in (row.signed_at, row.done_at) if at is not None]
    if acted and min(acted) <= deadline:
        return "responded"
    if row.returned_at is not None:
        return "awaiting"  # the group has not decided on the return yet
    if not acted and row.ended_at is not None and row.ended_at < deadline:
        return None
    if not acted and now < deadline:
        return "awaiting"
    return "not_responded"


def _count_response(rates: Rates, verdict: str | None) -> None:
    """Add one verdict of complaint_response or handoff_response."""
    if verdict == "responded":
        rates.responded += 1
    elif verdict == "not_responded":
        rates.not_responded += 1
    elif verdict == "awaiting":
        rates.awaiting += 1


def _count_survey(rates: Rates, complaint: Any) -> None:
    """Add one complaint's 回访 answers (or their absence)."""
    if complaint.survey_asked_at is None:
        return
    if complaint.resolution_state in rates.resolution:
        rates.resolution[complaint.resolution_state] += 1
    if complaint.satisfaction in rates.satisfaction:
        rates.satisfaction[complaint.satisfaction] += 1
    elif complaint.satisfaction == NO_ANSWER:
        rates.no_answer += 1
    elif complaint.satisfaction is None:
        rates.survey_waiting += 1


async def _first_acts(
    session: AsyncSession, round_id: int, group_id: int | None
) -> dict[int, datetime]:
    """Per complaint, when the group first acted on it."""
    statement: Any = (
        sa_select(col(TimelineEvent.complaint_id), func.min(col(TimelineEvent.at)))
        .join(Complaint, col(Complaint.id) == col(TimelineEvent.complaint_id))
        .where(
            col(Complaint.round_id) == round_id,
            col(TimelineEvent.action).in_(GROUP_ACTIONS),
        )
        .group_by(col(TimelineEvent.complaint_id))
    )
    if group_id is not None:
        statement = statement.where(col(Complaint.group_id) == group_id)
    # MIN() keeps the column's type: aware datetimes on both backends.
    return dict((await session.exec(statement)).all())


def _units(names: Iterable[tuple[int, str]]) -> dict[int, UnitRates]:
    """Empty figures for each unit, in the order given."""
    return {unit_id: UnitRates(unit_id, name, Rates()) for unit_id, name in names}


async def round_rates(
    *, session: AsyncSession, round_id: int, now: datetime, group_id: int | None = None
) -> RoundRates:
    """The three rates of a round (or of one group's complaints), overall and per unit."""
    # Only the columns counted, as rows (attribute access like the model's): a round of
    # 100,000 complaints loads in a fraction of the time full objects take.
    scope: Any = sa_select(*(getattr(Complaint, name) for name in COUNTED)).where(
        col(Complaint.round_id) == round_id
    )
    if group_id is not None:
        scope = scope.where(col(Complaint.group_id) == group_id)
    complaints = list((await session.exec(scope.order_by(col(Complaint.id)))).all())
    first_acts = await _first_acts(session, round_id, group_id)

    groups_query = select(InspectionGroup).where(InspectionGroup.round_id == round_id)
    if group_id is not None:
        groups_query = groups_query.where(InspectionGroup.id == group_id)
    groups = _units(
        (g.id or 0, g.name)
        for g in (await session.exec(groups_query.order_by(col(InspectionGroup.id)))).all()
    )
    village_ids = {c.village_id for c in complaints}
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
    for complaint in complaints:
        units = [overall, groups[complaint.group_id].rates, villages[complaint.village_id].rates]
        if complaint.status != ComplaintStatus.merged:
            verdict = complaint_response(
                complaint.filed_at, first_acts.get(complaint.id or 0), now
            )
            for rates in units:
                _count_response(rates, verdict)
        for rates in units:
            _count_survey(rates, complaint)

    handoffs = Rates()
    by_id = {c.id: c for c in complaints}
    # A join, not IN (ids): a round of 100,000 complaints is more than PostgreSQL's 32,767
    # bind parameters.
    handoff_query = (
        select(Handoff)
        .join(Complaint, col(Complaint.id) == col(Handoff.complaint_id))
        .where(col(Complaint.round_id) == round_id, Handoff.kind == HandoffKind.handoff)
    )
    if group_id is not None:
        handoff_query = handoff_query.where(Complaint.group_id == group_id)
    rows = (await session.exec(handoff_query.order_by(col(Handoff.id)))).all()
    last_of: dict[int, Handoff] = {}
    for row in rows:
        handed = handoff_response(row, now)
        unit = departments.get(row.department_id)
        if unit is not None:
            _count_response(unit.rates, handed)
        _count_response(handoffs, handed)
        last_of[row.complaint_id] = row
    for complaint_id, row in last_of.items():
        unit = departments.get(row.department_id)
        if unit is not None and row.return_outcome != ReturnOutcome.accepted:
            _count_survey(unit.rates, by_id[complaint_id])

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
    "complaint_response",
    "handoff_response",
    "ranked",
    "rates_payload",
    "round_rates",
    "satisfaction_rate",
]
