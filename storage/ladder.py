"""Deadlines that climb (督办阶梯), and the one definition of "overdue" and of 超期.

A complaint being dealt with (立行立改 or 现场交办) with a due date is *overdue* from the day
after its due date, on the round's clock: its overdue day N is due_on + N. Every list of
overdue work (the group's /overdue, the digest, the sweeps, the reports, the ledger) asks this
module. The round's roster may change the ladder (`ladder:`); what it leaves out keeps the
defaults below:

- `before_days` (1) days before the due date, at `at` (09:00): a reminder to the group chat,
  and to the department's chat for a hand-off;
- each of the first `daily_days` (3) overdue days: the same reminder, daily;
- after that, while it is open, the same reminder every `then_every` (2) days (overdue days
  5, 7, 9, ...): a complaint never falls silent;
- from overdue day `office_from` (3): it is listed in the 督办通报 to the office's chat, sent
  once a day at `at` while any hand-off of the round is that late, by department;
- from overdue day `flag_from` (7): it is marked 超期 in the digest, the reports and the ledger.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Complaint, ComplaintStatus, Round

S = ComplaintStatus
# A report lists at most this many numbers (the rest is counted).
LIST_MAX = 20
# The furthest ahead a ladder reminds (days before a due date).
MAX_BEFORE_DAYS = 31
# Statuses with a due date that can pass.
DUE = (S.immediate, S.handed_off)


@dataclass(frozen=True, slots=True)
class Ladder:
    """One round's 督办阶梯 (see the module's docstring for each field)."""

    before_days: int = 1
    at: time = time(9, 0)
    daily_days: int = 3
    then_every: int = 2
    office_from: int = 3
    flag_from: int = 7

    def reminds_on(self, days: int) -> bool:
        """Whether a reminder is due on the day `days` after the due date (-1: the day before)."""
        if days == -self.before_days:
            return True
        if 1 <= days <= self.daily_days:
            return True
        return days > self.daily_days and (days - self.daily_days) % self.then_every == 0

    def in_office_report(self, days: int) -> bool:
        """Whether a hand-off this many days overdue is listed in the office's 督办通报."""
        return days >= self.office_from

    def flagged(self, days: int | None) -> bool:
        """Whether this many days overdue is 超期."""
        return days is not None and days >= self.flag_from

    def stored(self) -> dict[str, Any]:
        """The ladder as the round's JSON column holds it."""
        values = asdict(self)
        values["at"] = self.at.strftime("%H:%M")
        return values


DEFAULT = Ladder()


def ladder_of(round_: Round) -> Ladder:
    """The round's ladder: the roster's values over the defaults."""
    stored = round_.ladder or {}
    values: dict[str, Any] = {}
    for item in fields(Ladder):
        if item.name not in stored:
            continue
        value = stored[item.name]
        values[item.name] = time.fromisoformat(value) if item.name == "at" else int(value)
    return Ladder(**values)


def overdue_days(due_on: date | None, today: date) -> int | None:
    """How many days past its due date a complaint is today (None: no due date, not past)."""
    if due_on is None or due_on >= today:
        return None
    return (today - due_on).days


def is_overdue(status: str, due_on: date | None, today: date) -> bool:
    """Whether a complaint in this status with this due date is overdue today."""
    return status in DUE and overdue_days(due_on, today) is not None


def overdue_where(today: date) -> tuple[ColumnElement[bool], ...]:
    """Where clauses for complaints overdue today (the same rule as `is_overdue`)."""
    return (
        col(Complaint.status).in_(DUE),
        col(Complaint.due_on).is_not(None),
        col(Complaint.due_on) < today,
    )


async def overdue_complaints(
    session: AsyncSession, today: date, *, group_id: int | None = None, round_id: int | None = None
) -> list[Complaint]:
    """Complaints overdue today (of one group, or one round), most overdue first."""
    statement = select(Complaint).where(*overdue_where(today))
    if group_id is not None:
        statement = statement.where(Complaint.group_id == group_id)
    if round_id is not None:
        statement = statement.where(Complaint.round_id == round_id)
    statement = statement.order_by(
        col(Complaint.due_on), col(Complaint.filed_at), col(Complaint.id)
    )
    return list((await session.exec(statement)).all())


async def flagged(
    session: AsyncSession, round_: Round, today: date, *, group_id: int | None = None
) -> dict[str, Any]:
    """The round's (group's) open complaints marked 超期 today, for a report's payload."""
    steps = ladder_of(round_)
    assert round_.id is not None
    # 超期 is `flag_from` days overdue or more: a due date on or before this day. Counted and
    # listed in SQL, most overdue first (overdue_complaints' order), not loaded row by row.
    where: list[ColumnElement[bool]] = [
        *overdue_where(today),
        col(Complaint.due_on) <= today - timedelta(days=steps.flag_from),
        col(Complaint.round_id) == round_.id,
    ]
    if group_id is not None:
        where.append(col(Complaint.group_id) == group_id)
    count = (await session.exec(select(func.count()).select_from(Complaint).where(*where))).one()
    first = (
        select(Complaint.number)
        .where(*where)
        .order_by(col(Complaint.due_on), col(Complaint.filed_at), col(Complaint.id))
        .limit(LIST_MAX)
    )
    numbers = list((await session.exec(first)).all())
    return {"flag_from": steps.flag_from, "count": count, "numbers": numbers}
