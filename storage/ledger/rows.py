"""The ledger's rows: one per complaint, in number order, streamed from a single joined query
read in pages (`yield_per`), so that memory does not grow with the number of complaints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.handling import handling_of
from storage.ladder import DUE, Ladder, ladder_of, overdue_days
from storage.ledger import dispatch_columns
from storage.ledger.dispatch_columns import join_dispatches
from storage.ledger.scope import round_of, scoped
from storage.ledger.words import (
    CHANNEL_ZH,
    HANDLING_ZH,
    NO,
    NO_HANDLING,
    RESOLUTION_ZH,
    SATISFACTION_ZH,
    STATUS_ZH,
    YES,
)
from storage.models import Category, Complaint, ComplaintStatus, Department, Village

# Statuses resolved (the resolution is the current one).
SETTLED = (ComplaintStatus.resolved, ComplaintStatus.closed)
# Statuses being worked on: a reopened complaint is back in one, its earlier resolution is
# history.
WORKING = (
    ComplaintStatus.new,
    ComplaintStatus.accepted,
    ComplaintStatus.immediate,
    ComplaintStatus.handed_off,
)
# Rows fetched from the database at a time while streaming.
PAGE_SIZE = 500


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
    # Empty when `confidential`.
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
    # Empty when `confidential`.
    resolution: str
    # In Chinese (SATISFACTION_ZH); empty when not rated.
    satisfaction: str
    # 解决情况: the 回访's 问题解决了吗 in Chinese (RESOLUTION_ZH); empty when not answered.
    resolution_state: str = ""
    # 位置: the coordinates shared ("33.74210, 113.35120") or the address typed; empty when
    # `confidential`.
    location: str = ""
    # 合并至: the number of the complaint a merged one joined.
    merged_into: str = ""
    # 超期（天）: days past the due date, once 超期 (storage/ladder.py): still open today, or
    # resolved that late; None otherwise.
    overdue_days: int | None = None
    # 签收时间, 退回次数, 最近退回理由, 延期（天）, 延期批准人: the department's side of its
    # dispatches (storage/ledger/dispatch_columns.py); empty when `confidential`.
    signed_at: datetime | None = None
    returns: int | None = None
    last_return: str = ""
    extended_days: int | None = None
    extended_by: str = ""
    # 渠道 (issue 11): 本机器人, or how an inspector heard it (走访, 座谈会, ...; 代录).
    channel: str = ""
    # Not a column: a complaint in a sensitive category in a shareable ledger, whose words
    # (description, resolution) are withheld; the file says so in their place.
    confidential: bool = False

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
            self.resolution_state,
            self.satisfaction,
            self.location,
            self.merged_into,
            self.overdue_days,
            self.signed_at,
            self.returns,
            self.last_return,
            self.extended_days,
            self.extended_by,
            self.channel,
        )


def _identity(anonymous: bool, name: str | None, phone: str | None, shareable: bool) -> str:
    """ "Name / phone" for a named complaint in a ledger not for sharing; else empty."""
    if anonymous or shareable:
        return ""
    return " / ".join(part for part in ((name or "").strip(), (phone or "").strip()) if part)


async def ledger_rows(
    *,
    session: AsyncSession,
    round_id: int,
    shareable: bool,
    group_id: int | None = None,
    where: list[Any] | None = None,
    now: datetime | None = None,
) -> AsyncIterator[LedgerRow]:
    """The round's complaints (or one group's) as ledger rows, streamed in number order.

    One query joins the village, category, department and latest handling event; it is read
    `PAGE_SIZE` rows at a time. `shareable`: no identity in any row, and no words of a
    complaint in a sensitive category (干部作风, 违纪违法问题线索): they could tell who spoke.
    `where`: more clauses on Complaint (the console's filtered view). `now`: the moment of the
    export, for 超期（天） (None: the column stays empty).

    A reopened complaint (being handled again) shows no 办结时间, 办理结果 or 满意度 of its
    earlier resolution: the ledger shows the current state, the timeline keeps the history.
    """
    round_ = await round_of(session, round_id)
    zone = ZoneInfo(round_.timezone)
    marks = Marks(ladder_of(round_), now.astimezone(zone).date() if now is not None else None)
    # Any: SQLModel types an aliased model's attributes as plain values.
    target: Any = aliased(Complaint)
    statement = (
        sa_select(
            col(Complaint.number),
            col(Complaint.filed_at),
            col(Village.name),
            col(Village.township),
            col(Category.name_zh),
            col(Complaint.category_code),
            col(Category.sensitive),
            col(Complaint.description),
            col(Complaint.anonymous),
            col(Complaint.reporter_name),
            col(Complaint.reporter_phone),
            col(Complaint.status),
            # The latest handling event's action, stored on the row (storage/timeline_facts.py):
            # no join of the timeline.
            col(Complaint.handling_action),
            col(Department.name),
            col(Complaint.due_on),
            col(Complaint.resolved_at),
            col(Complaint.resolution),
            col(Complaint.satisfaction),
            col(Complaint.resolution_state),
            col(Complaint.latitude),
            col(Complaint.longitude),
            col(Complaint.address),
            target.number,
            col(Complaint.channel),
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
        .outerjoin(target, target.id == col(Complaint.merged_into_id))
    )
    joined: Any = join_dispatches(statement, round_id, group_id)
    # Numbers are zero-padded to four digits; seq orders them past 9999 too.
    statement = scoped(joined, round_id, group_id).order_by(col(Complaint.seq))
    if where:
        statement = statement.where(*where)
    # On the session's connection, not through the session: plain rows need none of the ORM's
    # loading, which cost about as much as the query itself.
    connection = await session.connection()
    result = await connection.stream(statement.execution_options(yield_per=PAGE_SIZE))
    try:
        # A page at a time: one trip through the async driver per page, not per row.
        async for page in result.partitions(PAGE_SIZE):
            for row in page:
                yield _ledger_row(row, zone, shareable, marks)
    finally:
        await result.close()


@dataclass(frozen=True)
class Marks:
    """What a row's 超期（天） is measured with: the round's ladder and the export's day."""

    ladder: Ladder
    today: date | None

    def overdue(self, status: str, due_on: date | None, resolved: date | None) -> int | None:
        """Days past the due date once 超期: open and still late today, or resolved that late."""
        if due_on is None or self.today is None:
            return None
        if status in DUE:
            days = overdue_days(due_on, self.today)
        elif status in SETTLED and resolved is not None:
            days = overdue_days(due_on, resolved)
        else:
            return None
        return days if self.ladder.flagged(days) else None


def _location(latitude: float | None, longitude: float | None, address: str | None) -> str:
    """The coordinates shared, or the address typed (both when there are both)."""
    parts = []
    if latitude is not None and longitude is not None:
        parts.append(f"{latitude:.5f}, {longitude:.5f}")
    if address:
        parts.append(address)
    return " / ".join(parts)


def _ledger_row(row: Any, zone: ZoneInfo, shareable: bool, marks: Marks) -> LedgerRow:
    """A row of the ledger query as a LedgerRow."""
    (
        number,
        filed_at,
        village,
        township,
        category_zh,
        category_code,
        sensitive,
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
        resolution_state,
        latitude,
        longitude,
        address,
        merged_into,
        channel,
    ) = row[: -dispatch_columns.WIDTH]
    handling = handling_of(status, last_action)
    if status in WORKING:
        # Reopened: the earlier resolution is history (the timeline's), not the state.
        resolved_at, resolution, satisfaction = None, None, None
        resolution_state = None
    resolved_local = resolved_at.astimezone(zone) if resolved_at is not None else None
    # An unknown category (not in the roster) is not known to be sensitive.
    confidential = shareable and bool(sensitive)
    dispatch = dispatch_columns.dispatch_columns(
        tuple(row[-dispatch_columns.WIDTH :]), zone, confidential
    )
    return LedgerRow(
        number=number,
        filed_at=filed_at.astimezone(zone),
        village=village,
        township=township,
        category=category_zh or category_code,
        description="" if confidential else description or "",
        anonymous=YES if anonymous else NO,
        identity=_identity(anonymous, reporter_name, reporter_phone, shareable),
        status=STATUS_ZH.get(status) or status,
        handling=HANDLING_ZH[handling] if handling else NO_HANDLING,
        department=department or "",
        due_on=due_on,
        resolved_at=resolved_local,
        resolution="" if confidential else resolution or "",
        satisfaction=(SATISFACTION_ZH.get(satisfaction) or satisfaction) if satisfaction else "",
        resolution_state=RESOLUTION_ZH.get(resolution_state or "", resolution_state or ""),
        location="" if confidential else _location(latitude, longitude, address),
        merged_into=merged_into or "",
        overdue_days=marks.overdue(
            status, due_on, resolved_local.date() if resolved_local is not None else None
        ),
        signed_at=dispatch.signed_at,
        returns=dispatch.returns,
        last_return=dispatch.last_return,
        extended_days=dispatch.extended_days,
        extended_by=dispatch.extended_by,
        channel=CHANNEL_ZH.get(channel or "", channel or ""),
        confidential=confidential,
    )
