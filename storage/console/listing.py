"""The console's list of complaints: filters, search in descriptions, sort and paging.

Search is a plain substring match (LIKE, case-insensitive ILIKE on PostgreSQL), so Chinese needs
no word splitting: 机井 finds 机井水压太低. Everything is read within the viewer's scope
(storage/console/viewer.py); identity is in a row only when the viewer may see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, text
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import ladder
from storage.console.viewer import Viewer, on_postgres
from storage.ladder import overdue_where
from storage.models import Category, Complaint, Department, InspectionGroup, Village

PAGE_SIZE = 50
COUNT_CAP = 2_000
# pg_trgm's unit: a shorter search text cannot use its index.
TRIGRAM = 3
SORTS = ("new", "old", "due", "number")


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to (every field optional) and how it is ordered."""

    status: str | None = None
    group_id: int | None = None
    village_id: int | None = None
    category: str | None = None
    department_id: int | None = None
    # How it came in (Channel: the bot, or recorded by an inspector from a visit, a call...).
    channel: str | None = None
    overdue: bool = False
    # Filed on these local days of the round (inclusive).
    date_from: date | None = None
    date_to: date | None = None
    search: str | None = None
    sort: str = "new"
    page: int = 1

    def with_page(self, page: int) -> Filters:
        """The same filters on another page."""
        return replace(self, page=page)


@dataclass(frozen=True)
class ListRow:
    """One complaint in the list."""

    number: str
    filed_at: datetime  # on the round's clock
    status: str
    group: str
    village: str
    category: str
    department: str
    due_on: date | None
    overdue: bool
    description: str
    latitude: float | None
    longitude: float | None
    # "name / phone" for the owning group's named complaints; empty otherwise.
    identity: str = ""


@dataclass
class ListPage:
    """A page of the list, and how many complaints match in all."""

    rows: list[ListRow]
    total: int
    page: int
    pages: int
    filters: Filters = field(default_factory=Filters)
    # More match than COUNT_CAP (`total` is the cap; paging stops there).
    more: bool = False


def escape_like(text: str) -> str:
    """A search text with LIKE's wildcards taken literally (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(viewer: Viewer, filters: Filters, *, today: date, postgres: bool) -> list[Any]:
    """Where clauses: the viewer's scope and the filters."""
    zone = ZoneInfo(viewer.timezone)
    clauses = viewer.scope()
    if filters.status:
        clauses.append(col(Complaint.status) == filters.status)
    if filters.group_id is not None:
        clauses.append(col(Complaint.group_id) == filters.group_id)
    if filters.village_id is not None:
        clauses.append(col(Complaint.village_id) == filters.village_id)
    if filters.category:
        clauses.append(col(Complaint.category_code) == filters.category)
    if filters.department_id is not None:
        clauses.append(col(Complaint.department_id) == filters.department_id)
    if filters.channel:
        clauses.append(col(Complaint.channel) == filters.channel)
    if filters.overdue:
        clauses.extend(overdue_where(today))
    if filters.date_from is not None:
        start = datetime.combine(filters.date_from, time(0), tzinfo=zone)
        clauses.append(col(Complaint.filed_at) >= start)
    if filters.date_to is not None:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(0), tzinfo=zone)
        clauses.append(col(Complaint.filed_at) < end)
    if filters.search and filters.search.strip():
        clauses.append(_contains(filters.search.strip(), postgres))
        if viewer.withholds_words(True):
            # Words kept from the viewer are not searched either: a hit would tell them.
            sensitive = (
                sa_select(col(Category.id))
                .where(
                    col(Category.round_id) == col(Complaint.round_id),
                    col(Category.code) == col(Complaint.category_code),
                    col(Category.sensitive).is_(True),
                )
                .correlate(Complaint)
                .exists()
            )
            clauses.append(~sensitive)
    return clauses


def _contains(text: str, postgres: bool) -> Any:
    """Descriptions containing the text, whatever its case.

    On PostgreSQL (LIKE or ILIKE) uses the pg_trgm index (migration 0017) for three characters
    or more; a shorter text has no trigram, and the planner would read the whole index for
    nothing, so it is found with strpos along the list's own order instead (bench: 机井 ~1 ms
    a page that way, ~700 ms through the index). A text without letter case (Chinese) is
    matched as it is: ILIKE and lower() fold every row's case first, 3-4 times slower.
    """
    description: Any = col(Complaint.description)
    caseless = text.lower() == text.upper()
    if postgres and len(text) < TRIGRAM:
        if caseless:
            return func.strpos(description, text) > 0
        return func.strpos(func.lower(description), text.lower()) > 0
    pattern = f"%{escape_like(text)}%"
    if postgres and not caseless:
        return description.ilike(pattern, escape="\\")
    return description.like(pattern, escape="\\")


def _order(sort: str) -> list[Any]:
    """ORDER BY for a sort name (newest first by default)."""
    if sort == "old":
        return [col(Complaint.filed_at), col(Complaint.id)]
    if sort == "due":
        # Without a due date last; NULLS LAST lets PostgreSQL walk ix_complaint_round_due.
        return [col(Complaint.due_on).asc().nulls_last(), col(Complaint.id)]
    if sort == "number":
        return [col(Complaint.seq)]
    return [col(Complaint.filed_at).desc(), col(Complaint.id).desc()]


async def list_complaints(
    *, session: AsyncSession, viewer: Viewer, filters: Filters, now: datetime
) -> ListPage:
    """One page of the complaints the viewer may see that match the filters."""
    zone = ZoneInfo(viewer.timezone)
    today = now.astimezone(zone).date()
    postgres = on_postgres(session)
    where = conditions(viewer, filters, today=today, postgres=postgres)
    if postgres and filters.search:
        # A prepared statement's generic plan knows nothing of the pattern and walks the round
        # instead of asking the pg_trgm index (bench: 500 ms instead of 2 ms for a text found
        # nowhere); plan this transaction's statements for their values.
        await session.exec(text("SET LOCAL plan_cache_mode = force_custom_plan"))  # type: ignore[call-overload]
    # Counted up to COUNT_CAP: an exact count of a common search over a large round costs a
    # scan of every match; past the cap the page says "more than".
    capped = sa_select(col(Complaint.id)).where(*where).limit(COUNT_CAP + 1).subquery()
    counted = (await session.exec(sa_select(func.count()).select_from(capped))).one()[0]  # type: ignore[call-overload]
    total = min(int(counted), COUNT_CAP)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, filters.page), pages)
    statement = (
        sa_select(
            Complaint,
            col(InspectionGroup.name),
            col(Village.name),
            col(Category.name_zh),
            col(Category.name_en),
            col(Department.name),
            col(Category.sensitive),
        )
        .join(InspectionGroup, col(InspectionGroup.id) == col(Complaint.group_id))
        .join(Village, col(Village.id) == col(Complaint.village_id))
        .outerjoin(
            Category,
            and_(
                col(Category.round_id) == col(Complaint.round_id),
                col(Category.code) == col(Complaint.category_code),
            ),
        )
        .outerjoin(Department, col(Department.id) == col(Complaint.department_id))
        .where(*where)
        .order_by(*_order(filters.sort))
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    rows = []
    for complaint, group, village, name_zh, name_en, department, sensitive in (
        await session.exec(statement)  # type: ignore[call-overload]
    ).all():
        category = (name_en if viewer.language == "en" else name_zh) or complaint.category_code
        rows.append(
            ListRow(
                number=complaint.number,
                filed_at=complaint.filed_at.astimezone(zone),
                status=complaint.status,
                group=group,
                village=village,
                category=category,
                department=department or "",
                due_on=complaint.due_on,
                overdue=is_overdue(complaint, today),
                description=""
                if viewer.withholds_words(bool(sensitive))
                else complaint.description or "",
                latitude=complaint.latitude,
                longitude=complaint.longitude,
                identity=identity_of(viewer, complaint),
            )
        )
    return ListPage(
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        more=counted > COUNT_CAP,
    )


def is_overdue(complaint: Complaint, today: date) -> bool:
    """Being dealt with (立行立改 or 现场交办) past its due date (storage/ladder.py's rule)."""
    return ladder.is_overdue(complaint.status, complaint.due_on, today)


def identity_of(viewer: Viewer, complaint: Complaint) -> str:
    """ "name / phone" when the viewer may see who filed it, else empty."""
    if not viewer.sees_identity(complaint):
        return ""
    parts = (complaint.reporter_name, complaint.reporter_phone)
    return " / ".join(p.strip() for p in parts if p and p.strip())
