"""What a chat serves: the inspection group, department or round office linked to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, union_all
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Department, InspectionGroup, Round


@dataclass
class LinkResult:
    """What a chat was linked to (or unlinked from)."""

    target: str  # "group" | "department" | "office"
    name: str
    round_code: str
    round_name: str
    # The chat that served it before (None when none, or when it was this chat already).
    previous_chat_id: int | None


Linkable = InspectionGroup | Department | Round


async def linked_to(session: AsyncSession, chat_id: int, *, lock: bool = False) -> list[Linkable]:
    """Everything linked to a chat (at most one thing, unless something went wrong).

    `lock`: the rows are locked until commit (PostgreSQL; SQLite writes one at a time anyway),
    so that a second transaction doing the same waits and then finds them moved.
    """
    groups = select(InspectionGroup).where(InspectionGroup.chat_id == chat_id)
    departments = select(Department).where(Department.chat_id == chat_id)
    offices = select(Round).where(Round.office_chat_id == chat_id)
    if lock:
        groups, departments = groups.with_for_update(), departments.with_for_update()
        offices = offices.with_for_update()
    found: list[InspectionGroup | Department | Round] = []
    found.extend((await session.exec(groups)).all())
    found.extend((await session.exec(departments)).all())
    found.extend((await session.exec(offices)).all())
    return found


def chat_of(row: InspectionGroup | Department | Round) -> int | None:
    """The chat a group, department or round office is linked to."""
    return row.office_chat_id if isinstance(row, Round) else row.chat_id


def set_chat(row: InspectionGroup | Department | Round, chat_id: int | None) -> None:
    """Link (or unlink, with None) a group, department or round office.

    A chat linked, unlinked or moved to a new id is not lost (storage/lost_chats.py): the bot
    is in the chat it was just linked in.
    """
    if isinstance(row, Round):
        row.office_chat_id = chat_id
    else:
        row.chat_id = chat_id
    set_lost(row, None)


def linked_since(row: InspectionGroup | Round) -> datetime | None:
    """When the group's (office's) current chat was linked; None: before this was recorded."""
    return row.office_chat_linked_at if isinstance(row, Round) else row.chat_linked_at


def linked_after(row: InspectionGroup | Round, moment: datetime) -> bool:
    """Whether the group's (office's) chat was linked after `moment` (a report's due time)."""
    linked_at = linked_since(row)
    return linked_at is not None and linked_at > moment


def set_linked_at(row: Linkable, when: datetime) -> None:
    """Record when a group's (office's) chat was linked: its reports start from then."""
    if isinstance(row, Round):
        row.office_chat_linked_at = when
    elif isinstance(row, InspectionGroup):
        row.chat_linked_at = when


def lost_since(row: Linkable) -> datetime | None:
    """When the bot was found removed from the row's chat (None: it is there)."""
    return row.office_chat_lost_at if isinstance(row, Round) else row.chat_lost_at


def set_lost(row: Linkable, when: datetime | None) -> None:
    """Record (or clear, with None) that the row's chat is lost."""
    if isinstance(row, Round):
        row.office_chat_lost_at = when
    else:
        row.chat_lost_at = when


def lost_chat_ids() -> Select[tuple[int]]:
    """The ids of every lost chat, as a statement to use in a query."""
    groups = select(InspectionGroup.chat_id).where(col(InspectionGroup.chat_lost_at).is_not(None))
    departments = select(Department.chat_id).where(col(Department.chat_lost_at).is_not(None))
    offices = select(Round.office_chat_id).where(col(Round.office_chat_lost_at).is_not(None))
    return select(union_all(groups, departments, offices).subquery().c[0])


async def result(
    session: AsyncSession, row: InspectionGroup | Department | Round, previous: int | None
) -> LinkResult:
    """What was linked, for the chat."""
    if isinstance(row, Round):
        return LinkResult("office", row.name, row.code, row.name, previous)
    round_ = await session.get(Round, row.round_id)
    assert round_ is not None
    target = "group" if isinstance(row, InspectionGroup) else "department"
    return LinkResult(target, row.name, round_.code, round_.name, previous)
