"""A complaint's timeline facts stored on its row when they happen (issue 12), so /stats and the
reports count a group's complaints from ix_complaint_counts, not from the event history.

- acted_at: the group's first act (a GROUP_ACTIONS event), for 响应率 (storage/rates.py);
- answered_at: its first answer from new (the reports' median hours to an answer);
- first_resolved_at, last_resolved_at: its first and last "resolved" event (median hours to a
  resolution; resolved in a week, storage/schedule/report_counts.py);
- handling_action: the action of its latest handling event (storage/handling.py);
- last_handoff_id, last_handoff_department_id: its latest dispatch of kind handoff and that
  dispatch's department (a department's 解决率 and 满意率);
  and each hand-off carries the complaint's group (Handoff.group_id, ix_handoff_group).

Written in the transaction that records the event (storage/workflow/steps.py's record) or
starts the dispatch (storage/workflow/dispatches.py's start); migration 0022 filled them in.
`derived_facts` computes the same from the timeline, for the tests that keep the two equal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.handling import handling_event, is_handling_event
from storage.models import GROUP_ACTIONS, Complaint, ComplaintStatus, Handoff, HandoffKind
from storage.models import TimelineEvent as E

# Events that end "new": the group's first answer to a complaint (report_counts.py's).
FIRST_ANSWERS = frozenset({"accepted", "immediate", "handed_off", "transferred", "rejected"})
FACTS = (
    "acted_at",
    "answered_at",
    "first_resolved_at",
    "last_resolved_at",
    "handling_action",
    "last_handoff_id",
    "last_handoff_department_id",
)


def _earliest(column: Any, at: datetime) -> Any:
    """The column, or `at` when that is earlier (or the column is empty)."""
    return case((column.is_(None), at), (column > at, at), else_=column)


def _latest(column: Any, at: datetime) -> Any:
    """The column, or `at` when that is later (or the column is empty)."""
    return case((column.is_(None), at), (column < at, at), else_=column)


def _min(old: datetime | None, at: datetime) -> datetime:
    """What _earliest leaves, in Python."""
    return at if old is None or old > at else old


def _max(old: datetime | None, at: datetime) -> datetime:
    """What _latest leaves, in Python."""
    return at if old is None or old < at else old


async def note_event(
    session: AsyncSession, complaint: Complaint, action: str, from_status: str | None, at: datetime
) -> None:
    """Keep the complaint's stored facts after an event just recorded on its timeline."""
    sql: dict[str, Any] = {}
    python: dict[str, Any] = {}
    loaded = complaint.__dict__
    if action in GROUP_ACTIONS:
        sql["acted_at"] = _earliest(col(Complaint.acted_at), at)
        python["acted_at"] = lambda: _min(loaded["acted_at"], at)
    if action in FIRST_ANSWERS and from_status == ComplaintStatus.new:
        sql["answered_at"] = _earliest(col(Complaint.answered_at), at)
        python["answered_at"] = lambda: _min(loaded["answered_at"], at)
    if action == ComplaintStatus.resolved:
        sql["first_resolved_at"] = _earliest(col(Complaint.first_resolved_at), at)
        sql["last_resolved_at"] = _latest(col(Complaint.last_resolved_at), at)
        python["first_resolved_at"] = lambda: _min(loaded["first_resolved_at"], at)
        python["last_resolved_at"] = lambda: _max(loaded["last_resolved_at"], at)
    if is_handling_event(action, from_status):
        # The event just recorded is the latest: its action is the handling's.
        sql["handling_action"] = action
        python["handling_action"] = lambda: action
    if not sql:
        return
    await session.exec(
        update(Complaint)
        .where(col(Complaint.id) == complaint.id)
        .values(**sql)
        .execution_options(synchronize_session=False)
    )
    # The loaded object keeps up (an attribute not loaded is read fresh when asked for).
    for name, value in python.items():
        if name in loaded:
            set_committed_value(complaint, name, value())


async def note_handoff(session: AsyncSession, complaint_id: int, row: Handoff) -> None:
    """Keep the complaint's latest hand-off after a dispatch just started."""
    if row.kind != HandoffKind.handoff:
        return
    await session.exec(
        update(Complaint)
        .where(col(Complaint.id) == complaint_id)
        .values(last_handoff_id=row.id, last_handoff_department_id=row.department_id)
        .execution_options(synchronize_session=False)
    )


async def derived_facts(session: AsyncSession, round_id: int) -> dict[int, tuple[Any, ...]]:
    """Each complaint's FACTS as its timeline and hand-offs give them: {id: values}."""
    action, at = col(E.action), col(E.at)
    by_events: Any = (
        sa_select(
            col(E.complaint_id),
            func.min(case((action.in_(GROUP_ACTIONS), at))),
            func.min(case((and_(action.in_(FIRST_ANSWERS), col(E.from_status) == "new"), at))),
            func.min(case((action == "resolved", at))),
            func.max(case((action == "resolved", at))),
            func.max(case((handling_event(), col(E.id)))),
        )
        .join(Complaint, col(Complaint.id) == col(E.complaint_id))
        .where(col(Complaint.round_id) == round_id)
        .group_by(col(E.complaint_id))
    )
    events = {row[0]: row[1:] for row in (await session.exec(by_events)).all()}
    last_ids = [row[-1] for row in events.values() if row[-1] is not None]
    of_ids: Any = sa_select(col(E.id), action).where(col(E.id).in_(last_ids))
    actions = dict((await session.exec(of_ids)).all())
    handoffs: Any = (
        sa_select(col(Handoff.complaint_id), func.max(col(Handoff.id)))
        .where(col(Handoff.kind) == HandoffKind.handoff)
        .group_by(col(Handoff.complaint_id))
    )
    last_handoff = dict((await session.exec(handoffs)).all())
    of_handoffs: Any = sa_select(col(Handoff.id), col(Handoff.department_id))
    department_of = dict((await session.exec(of_handoffs)).all())
    ids: Any = sa_select(col(Complaint.id)).where(col(Complaint.round_id) == round_id)
    derived: dict[int, tuple[Any, ...]] = {}
    for (complaint_id,) in (await session.exec(ids)).all():
        acted, answered, first, last, event_id = events.get(complaint_id, (None,) * 5)
        derived[complaint_id] = (
            _utc(acted),
            _utc(answered),
            _utc(first),
            _utc(last),
            actions.get(event_id),
            last_handoff.get(complaint_id),
            department_of.get(last_handoff.get(complaint_id)),
        )
    return derived


async def stored_facts(session: AsyncSession, round_id: int) -> dict[int, tuple[Any, ...]]:
    """Each complaint's FACTS as stored on its row: {id: values}."""
    columns = [getattr(Complaint, name) for name in FACTS]
    statement: Any = sa_select(col(Complaint.id), *columns).where(
        col(Complaint.round_id) == round_id
    )
    return {row[0]: tuple(row[1:]) for row in (await session.exec(statement)).all()}


def _utc(value: Any) -> Any:
    """A moment read through min()/max() (SQLite gives naive text) as a UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value
