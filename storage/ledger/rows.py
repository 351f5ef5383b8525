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

from storage.handling import handling_of, last_handling_events
from storage.ledger.scope import round_of, scoped
from storage.ledger.words import HANDLING_ZH, NO, NO_HANDLING, SATISFACTION_ZH, STATUS_ZH, YES
from storage.models import Category, Complaint, Department, TimelineEvent, Village

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
            self.satisfaction,
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
) -> AsyncIterator[LedgerRow]:
    """The round's complaints (or one group's) as ledger rows, streamed in number order.

    One query joins the village, category, department and latest handling event; it is read
    `PAGE_SIZE` rows at a time. `shareable`: no identity in any row, and no words of a
    complaint in a sensitive category (干部作风, 违纪违法问题线索): they could tell who spoke.
    `where`: more clauses on Complaint (the console's filtered view).
    """
    round_ = await round_of(session, round_id)
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
            col(Category.sensitive),
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
    statement = scoped(statement, round_id, group_id).order_by(col(Complaint.seq))
    if where:
        statement = statement.where(*where)
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
    ) = row
    handling = handling_of(status, last_action)
    # An unknown category (not in the roster) is not known to be sensitive.
    confidential = shareable and bool(sensitive)
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
        resolved_at=resolved_at.astimezone(zone) if resolved_at is not None else None,
        resolution="" if confidential else resolution or "",
        satisfaction=(SATISFACTION_ZH.get(satisfaction) or satisfaction) if satisfaction else "",
        confidential=confidential,
    )
