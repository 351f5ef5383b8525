"""Who is in a group's chat, as far as the bot has seen (a press, a reply, /join): whom a
complaint can be assigned to (指派), and each one's open complaints (/mine)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Complaint, GroupMember
from storage.triage import NOT_OPEN, CardView, views

# The assignment keyboard offers at most this many members (the most recently seen).
OFFERED = 12
NAME_MAX = 64


async def seen(
    *,
    session: AsyncSession,
    group_id: int,
    telegram_id: int,
    name: str,
    now: datetime,
    joined: bool = False,
) -> GroupMember:
    """Record that a member of the group's chat acted there (or, `joined`, sent /join)."""
    statement = select(GroupMember).where(
        GroupMember.group_id == group_id, GroupMember.telegram_id == telegram_id
    )
    member = (await session.exec(statement)).first()
    name = (name or str(telegram_id))[:NAME_MAX]
    if member is None:
        member = GroupMember(group_id=group_id, telegram_id=telegram_id, name=name, seen_at=now)
        session.add(member)
    else:
        member.name, member.seen_at = name, now
    if joined and member.joined_at is None:
        member.joined_at = now
    await session.flush()
    return member


async def members(
    *, session: AsyncSession, group_id: int, limit: int = OFFERED
) -> list[GroupMember]:
    """The group chat's members seen, most recently seen first."""
    statement = (
        select(GroupMember)
        .where(GroupMember.group_id == group_id)
        .order_by(col(GroupMember.seen_at).desc(), col(GroupMember.id))
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def member(*, session: AsyncSession, group_id: int, telegram_id: int) -> GroupMember | None:
    """One member seen in the group's chat (None: never seen there)."""
    statement = select(GroupMember).where(
        GroupMember.group_id == group_id, GroupMember.telegram_id == telegram_id
    )
    return (await session.exec(statement)).first()


async def assigned(
    *, session: AsyncSession, group_id: int, telegram_id: int, limit: int = 50
) -> list[CardView]:
    """The group's open complaints assigned to this member (承办人), oldest first."""
    statement = (
        select(Complaint)
        .where(
            Complaint.group_id == group_id,
            Complaint.assignee_telegram_id == telegram_id,
            col(Complaint.status).not_in(NOT_OPEN),
        )
        .order_by(col(Complaint.filed_at), col(Complaint.id))
        .limit(limit)
    )
    return await views(session, (await session.exec(statement)).all())
