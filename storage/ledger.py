"""The round's ledger (台账) and its statistics, read straight from the database.

`ledger_rows` streams one row per complaint, in number order, from a single joined query read
in pages (`yield_per`): nothing is loaded per row and memory does not grow with the number of
complaints. `ledger_summary` counts the same complaints by status, category, handling and
satisfaction with a few GROUP BY queries.

The ledger is a Chinese document whatever the chat's language: statuses, handling and
satisfaction are given in Chinese here (storage cannot read the handlers' catalogs).

Identity (the reporter's name and phone) is in a row only for a named complaint in a ledger
that is not for sharing: never for an anonymous complaint, never in a shareable ledger (the
round office, anything given to others).
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.handling import handling_of, last_handling_events
from storage.models import (
    Category,
    Complaint,
    ComplaintStatus,
    Department,
    InspectionGroup,
    Round,
    TimelineEvent,
    Village,
)

S = ComplaintStatus

# Rows fetched from the database at a time while streaming.
PAGE_SIZE = 500

STATUS_ZH: dict[str, str] = {
    S.new: "待受理",
    S.accepted: "已受理",
    S.immediate: "立行立改",
    S.handed_off: "现场交办",
    S.transferred: "已移交",
    S.resolved: "已办结",
    S.rejected: "不予受理",
    S.merged: "已合并",
    S.closed: "已关闭",
}
# How a complaint was dealt with (办理方式), by the status/timeline action that decided it.
HANDLING_ZH: dict[str, str] = {
    S.immediate: "立行立改",
    S.handed_off: "现场交办",
    S.transferred: "移交",
    S.rejected: "不予受理",
}
NO_HANDLING = "—"
SATISFACTION_ZH: dict[str, str] = {
    "satisfied": "满意",
    "basic": "基本满意",
    "unsatisfied": "不满意",
    # Closed by the survey sweep when the resident never answered.
    "no_answer": "未答复",
}
YES, NO = "是", "否"


@dataclass(frozen=True)
class LedgerRow:
    """One complaint in the ledger; the fields are the ledger's columns, in order."""

    number: str
    # On the round's clock (aware).
    filed_at: datetime
    village: str
    township: str
    # The category's Chinese name.
    category: str
    description: str
    # 是 / 否
    anonymous: str
    # "name / phone"; empty for an anonymous complaint and in a shareable ledger.
    identity: str
    # In Chinese (STATUS_ZH).
    status: str
    # 立行立改 / 现场交办 / 移交 / 不予受理 / —
    handling: str
    department: str
    due_on: date | None
    # On the round's clock (aware).
    resolved_at: datetime | None
    resolution: str
    # In Chinese (SATISFACTION_ZH); empty when not rated.
    satisfaction: str

    def values(self) -> tuple[Any, ...]:
        """The columns' values, in order."""
        return (
            self.number,
            self.filed_at,
            self.village,
            self.township,
            self.category,
            self.description,
            self.anonymous,
            self.identity,
            self.status,
            self.handling,
            self.department,
            self.due_on,
            self.resolved_at,
            self.resolution,
            self.satisfaction,
        )


@dataclass(frozen=True)
class CategoryCount:
    """How many complaints one category has."""

    code: str
    name_zh: str
    name_en: str
    count: int


@dataclass
class LedgerSummary:
    """Counts over a round's complaints (or one group's)."""

    round_code: str
    round_name: str
    timezone: str
    # The group's name when the summary is about one group only.
    group_name: str | None
    total: int
    # Every status, in lifecycle order (zeros included).
    by_status: dict[str, int]
    # Every category of the round in its order, then any unknown code that complaints carry.
    by_category: list[CategoryCount]
    # immediate / handed_off / transferred / rejected (zeros included): see storage/handling.py.
    by_handling: dict[str, int]
    # satisfied / basic / unsatisfied (zeros included), plus any other value found.
    satisfaction: dict[str, int] = field(default_factory=dict)

    @property
    def rated(self) -> int:
        """Complaints with a satisfaction answer (satisfied, basic or unsatisfied)."""
        return sum(self.satisfaction.get(key, 0) for key in ("satisfied", "basic", "unsatisfied"))

    @property
    def satisfied_share(self) -> float | None:
        """Satisfied or basically satisfied among the rated; None when none was rated."""
        if not self.rated:
            return None
        happy = self.satisfaction.get("satisfied", 0) + self.satisfaction.get("basic", 0)
        return happy / self.rated


def _identity(anonymous: bool, name: str | None, phone: str | None, shareable: bool) -> str:
    """ "Name / phone" for a named complaint in a ledger not for sharing; else empty."""
    if anonymous or shareable:
        return ""
    return " / ".join(part for part in ((name or "").strip(), (phone or "").strip()) if part)


_Query = TypeVar("_Query")


def _scoped(statement: _Query, round_id: int, group_id: int | None) -> _Query:
    """Only the round's complaints (and only the group's, when given)."""
    query: Any = statement
    query = query.where(col(Complaint.round_id) == round_id)
    if group_id is not None:
        query = query.where(col(Complaint.group_id) == group_id)
    return cast(_Query, query)


async def round_by_code(*, session: AsyncSession, code: str) -> Round | None:
    """A round by its code (case and surrounding spaces do not matter)."""
    wanted = code.strip().upper()
    statement = select(Round).where(func.upper(col(Round.code)) == wanted)
    return (await session.exec(statement)).first()


async def round_codes(*, session: AsyncSession) -> list[str]:
    """Every round's code, newest start first (to tell an operator what there is)."""
    statement = select(Round.code).order_by(col(Round.starts_on).desc(), col(Round.code))
    return list((await session.exec(statement)).all())


async def _round(session: AsyncSession, round_id: int) -> Round:
    """The round, or LookupError."""
    round_ = await session.get(Round, round_id)
    if round_ is None:
        raise LookupError(f"no round with id {round_id}")
    return round_


async def ledger_rows(
    *,
    session: AsyncSession,
    round_id: int,
    shareable: bool,
    group_id: int | None = None,
) -> AsyncIterator[LedgerRow]:
    """The round's complaints (or one group's) as ledger rows, streamed in number order.

    One query joins the village, category, department and latest handling event; it is read
    `PAGE_SIZE` rows at a time. `shareable`: no identity in any row.
    """
    round_ = await _round(session, round_id)
    zone = ZoneInfo(round_.timezone)
    last = last_handling_events(round_id)
    # Any: SQLModel types an aliased model's attributes as plain values.
    handling_event: Any = aliased(TimelineEvent)
    statement = (
        sa_select(
            col(Complaint.number),
            col(Complaint.filed_at),
            col(Village.name),
            col(Village.township),
            col(Category.name_zh),
            col(Complaint.category_code),
            col(Complaint.description),
            col(Complaint.anonymous),
            col(Complaint.reporter_name),
            col(Complaint.reporter_phone),
            col(Complaint.status),
            handling_event.action,
            col(Department.name),
            col(Complaint.due_on),
            col(Complaint.resolved_at),
            col(Complaint.resolution),
            col(Complaint.satisfaction),
        )
        .select_from(Complaint)
        .join(Village, col(Village.id) == col(Complaint.village_id))
        .outerjoin(
            Category,
            and_(
                col(Category.round_id) == col(Complaint.round_id),
                col(Category.code) == col(Complaint.category_code),
            ),
        )
        .outerjoin(Department, col(Department.id) == col(Complaint.department_id))
        .outerjoin(last, last.c.complaint_id == col(Complaint.id))
        .outerjoin(handling_event, handling_event.id == last.c.event_id)
    )
    # Numbers are zero-padded to four digits; seq orders them past 9999 too.
    statement = _scoped(statement, round_id, group_id).order_by(col(Complaint.seq))
    result = await session.stream(statement.execution_options(yield_per=PAGE_SIZE))
    try:
        # A page at a time: one trip through the async driver per page, not per row.
        async for page in result.partitions(PAGE_SIZE):
            for row in page:
                yield _ledger_row(row, zone, shareable)
    finally:
        await result.close()


def _ledger_row(row: Any, zone: ZoneInfo, shareable: bool) -> LedgerRow:
    """A row of the ledger query as a LedgerRow."""
    (
        number,
        filed_at,
        village,
        township,
        category_zh,
        category_code,
        description,
        anonymous,
        reporter_name,
        reporter_phone,
        status,
        last_action,
        department,
        due_on,
        resolved_at,
        resolution,
        satisfaction,
    ) = row
    handling = handling_of(status, last_action)
    return LedgerRow(
        number=number,
        filed_at=filed_at.astimezone(zone),
        village=village,
        township=township,
        category=category_zh or category_code,
        description=description or "",
        anonymous=YES if anonymous else NO,
        identity=_identity(anonymous, reporter_name, reporter_phone, shareable),
        status=STATUS_ZH.get(status) or status,
        handling=HANDLING_ZH[handling] if handling else NO_HANDLING,
        department=department or "",
        due_on=due_on,
        resolved_at=resolved_at.astimezone(zone) if resolved_at is not None else None,
        resolution=resolution or "",
        satisfaction=(SATISFACTION_ZH.get(satisfaction) or satisfaction) if satisfaction else "",
    )


async def _counts(session: AsyncSession, statement: Any) -> Sequence[Any]:
    """The rows of a small GROUP BY query."""
    return (await session.exec(statement)).all()


async def ledger_summary(
    *, session: AsyncSession, round_id: int, group_id: int | None = None
) -> LedgerSummary:
    """Counts by status, category, handling and satisfaction over the round (or one group)."""
    round_ = await _round(session, round_id)
    group_name: str | None = None
    if group_id is not None:
        group = await session.get(InspectionGroup, group_id)
        group_name = group.name if group is not None else None

    count = func.count(col(Complaint.id))
    status_rows = await _counts(
        session,
        _scoped(select(col(Complaint.status), count), round_id, group_id).group_by(
            col(Complaint.status)
        ),
    )
    by_status = {status: 0 for status in STATUS_ZH}
    for status, n in status_rows:
        by_status[status] = by_status.get(status, 0) + n

    category_rows = await _counts(
        session,
        _scoped(select(col(Complaint.category_code), count), round_id, group_id).group_by(
            col(Complaint.category_code)
        ),
    )
    per_code = {code: n for code, n in category_rows}
    categories = await _counts(
        session,
        select(col(Category.code), col(Category.name_zh), col(Category.name_en))
        .where(col(Category.round_id) == round_id)
        .order_by(col(Category.position), col(Category.id)),
    )
    by_category = [
        CategoryCount(code, name_zh, name_en, per_code.pop(code, 0))
        for code, name_zh, name_en in categories
    ]
    by_category += [CategoryCount(code, code, code, n) for code, n in sorted(per_code.items())]

    last = last_handling_events(round_id)
    handling_event: Any = aliased(TimelineEvent)
    handling_rows = await _counts(
        session,
        _scoped(
            select(col(Complaint.status), handling_event.action, count)
            .select_from(Complaint)
            .outerjoin(last, last.c.complaint_id == col(Complaint.id))
            .outerjoin(handling_event, handling_event.id == last.c.event_id),
            round_id,
            group_id,
        ).group_by(col(Complaint.status), handling_event.action),
    )
    by_handling = {key: 0 for key in HANDLING_ZH}
    for status, action, n in handling_rows:
        handling = handling_of(status, action)
        if handling is not None:
            by_handling[handling] += n

    satisfaction_rows = await _counts(
        session,
        _scoped(select(col(Complaint.satisfaction), count), round_id, group_id)
        .where(col(Complaint.satisfaction).is_not(None))
        .group_by(col(Complaint.satisfaction)),
    )
    satisfaction = {key: 0 for key in ("satisfied", "basic", "unsatisfied")}
    for value, n in satisfaction_rows:
        satisfaction[value] = satisfaction.get(value, 0) + n

    return LedgerSummary(
        round_code=round_.code,
        round_name=round_.name,
        timezone=round_.timezone,
        group_name=group_name,
        total=sum(by_status.values()),
        by_status=by_status,
        by_category=by_category,
        by_handling=by_handling,
        satisfaction=satisfaction,
    )


def export_directory(database_url: str | URL) -> Path:
    """Where exported files go: `exports/` next to an SQLite database file, else a temp dir."""
    url = make_url(database_url) if isinstance(database_url, str) else database_url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "exports"
    return Path(tempfile.gettempdir()) / "xuncha-exports"


__all__ = [
    "HANDLING_ZH",
    "NO_HANDLING",
    "SATISFACTION_ZH",
    "STATUS_ZH",
    "CategoryCount",
    "LedgerRow",
    "LedgerSummary",
    "export_directory",
    "handling_of",
    "ledger_rows",
    "ledger_summary",
    "round_by_code",
    "round_codes",
]
