"""One complaint as the console shows it: the card's content and the whole timeline.

Identity (the reporter's name, username and phone, and a resident's name on the timeline) is
there only for the owning group's named complaints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.console.listing import identity_of, is_overdue
from storage.console.viewer import Viewer
from storage.models import (
    Category,
    Complaint,
    Department,
    InspectionGroup,
    TimelineEvent,
    Village,
)


@dataclass(frozen=True)
class Event:
    """One event on the timeline, as shown."""

    at: datetime  # on the round's clock
    actor: str
    actor_name: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str
    public: bool
    has_photo: bool


@dataclass
class Detail:
    """A complaint's page."""

    id: int
    number: str
    status: str
    filed_at: datetime
    group: str
    group_id: int
    department_id: int | None
    village: str
    township: str
    category: str
    description: str
    address: str
    latitude: float | None
    longitude: float | None
    village_latitude: float | None
    village_longitude: float | None
    anonymous: bool
    identity: str
    due_on: date | None
    overdue: bool
    department: str
    resolution: str
    satisfaction: str
    photos: int
    voice: bool
    events: list[Event] = field(default_factory=list)


async def visible_complaint(
    *, session: AsyncSession, viewer: Viewer, number: str
) -> Complaint | None:
    """The complaint with this number if the viewer may see it (None: unknown or not theirs)."""
    statement = select(Complaint).where(Complaint.number == number.strip().upper())
    found = (await session.exec(statement)).first()
    if found is None or not viewer.may_see(found):
        return None
    return found


async def detail(
    *, session: AsyncSession, viewer: Viewer, number: str, now: datetime
) -> Detail | None:
    """The complaint's page, or None when the viewer may not see it."""
    complaint = await visible_complaint(session=session, viewer=viewer, number=number)
    if complaint is None:
        return None
    assert complaint.id is not None
    zone = ZoneInfo(viewer.timezone)
    group = await session.get(InspectionGroup, complaint.group_id)
    village = await session.get(Village, complaint.village_id)
    department = (
        await session.get(Department, complaint.department_id)
        if complaint.department_id is not None
        else None
    )
    category = (
        await session.exec(
            select(Category).where(
                Category.round_id == complaint.round_id, Category.code == complaint.category_code
            )
        )
    ).first()
    assert group is not None and village is not None
    sees_identity = viewer.sees_identity(complaint)
    withheld = viewer.withholds_words(bool(category and category.sensitive))
    statement = (
        select(TimelineEvent)
        .where(TimelineEvent.complaint_id == complaint.id)
        .order_by(col(TimelineEvent.at), col(TimelineEvent.id))
    )
    events = [
        Event(
            at=event.at.astimezone(zone),
            actor=event.actor,
            # A resident's name is identity; inspectors and departments sign their work.
            actor_name=(event.actor_name or "")
            if event.actor != "resident" or sees_identity
            else "",
            action=event.action,
            from_status=event.from_status,
            to_status=event.to_status,
            note="" if withheld else event.note or "",
            public=event.public,
            has_photo=event.photo_file_id is not None and not withheld,
        )
        for event in (await session.exec(statement)).all()
    ]
    today = now.astimezone(zone).date()
    name = category.name_en if category and viewer.language == "en" else None
    return Detail(
        id=complaint.id,
        number=complaint.number,
        status=complaint.status,
        filed_at=complaint.filed_at.astimezone(zone),
        group=group.name,
        group_id=complaint.group_id,
        department_id=complaint.department_id,
        village=village.name,
        township=village.township,
        category=name or (category.name_zh if category else complaint.category_code),
        description="" if withheld else complaint.description or "",
        address="" if withheld else complaint.address or "",
        latitude=complaint.latitude,
        longitude=complaint.longitude,
        village_latitude=village.latitude,
        village_longitude=village.longitude,
        anonymous=complaint.anonymous,
        identity=identity_of(viewer, complaint),
        due_on=complaint.due_on,
        overdue=is_overdue(complaint, today),
        department=department.name if department else "",
        resolution="" if withheld else complaint.resolution or "",
        satisfaction=complaint.satisfaction or "",
        photos=0 if withheld else len(complaint.photo_file_ids),
        voice=complaint.voice_file_id is not None and not withheld,
        events=events,
    )


async def media_file_id(
    *, session: AsyncSession, viewer: Viewer, number: str, kind: str, index: int = 0
) -> str | None:
    """The Telegram file id of a complaint's photo (by index) or voice, if the viewer may see
    it; None otherwise."""
    complaint = await visible_complaint(session=session, viewer=viewer, number=number)
    if complaint is None:
        return None
    if viewer.withholds_words(await _sensitive(session, complaint)):
        return None
    if kind == "voice":
        return complaint.voice_file_id
    if kind == "photo" and 0 <= index < len(complaint.photo_file_ids):
        return complaint.photo_file_ids[index]
    return None


async def _sensitive(session: AsyncSession, complaint: Complaint) -> bool:
    """Whether the complaint's category is a sensitive one of its round."""
    category = (
        await session.exec(
            select(Category).where(
                Category.round_id == complaint.round_id, Category.code == complaint.category_code
            )
        )
    ).first()
    return bool(category and category.sensitive)
