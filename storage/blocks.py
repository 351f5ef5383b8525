"""屏蔽: blocking a resident through one of their complaints, lifting it, and the record.

A block is keyed by the resident's internal id, reached through the complaint it was made
from, so neither the inspector who blocks nor any list of blocks learns who the resident is:
a block is named by its complaint's number. Every block and every lift is a row here (who,
why, when, until) and an internal event on the complaint's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, exists, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Complaint, Resident, ResidentBlock, Round
from storage.typed_text import tidy, visible_length
from storage.workflow.base import Actor
from storage.workflow.steps import fresh, owned, record

# The durations offered, in days; 0: for good.
DURATIONS = (7, 30, 0)
REASON_MAX = 500
# A blocked resident is told so at most once in this long.
NOTICE_EVERY = timedelta(days=1)
BLOCKED = "blocked"
UNBLOCKED = "unblocked"


@dataclass(frozen=True)
class BlockOutcome:
    """What a block or a lift did: the row, or why nothing changed.

    `refusal`: "not_found", "wrong_chat", "already" (the resident is blocked now),
    "no_resident" (recorded by an inspector for someone without Telegram),
    "not_blocked", "empty" or "too_long" (the reason), "duration".
    """

    block: ResidentBlock | None
    number: str = ""
    refusal: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the change was made."""
        return self.refusal is None


@dataclass(frozen=True)
class Barrier:
    """A blocked resident's update: whether to tell them (once a day), and whom to contact."""

    notify: bool
    contact: str
    until: datetime | None
    # The round's time zone, to show `until` in.
    timezone: str


@dataclass(frozen=True)
class BlockLine:
    """One block as a list shows it: by its complaint's number, never by who the resident is."""

    id: int
    number: str
    reason: str
    by: str
    at: datetime
    until: datetime | None
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str | None
    # The round's time zone, to show the moments in.
    timezone: str


def _active(now: datetime | BindParameter[Any]) -> ColumnElement[bool]:
    """The where clause of a block in force at `now` (a moment, or a bound parameter): not
    lifted, not run out."""
    return and_(
        col(ResidentBlock.lifted_at).is_(None),
        or_(col(ResidentBlock.until).is_(None), col(ResidentBlock.until) > now),
    )


def in_force(resident_id: Any, now: datetime | BindParameter[Any]) -> Any:
    """Whether a block is in force on the resident at `now`, as a column (`resident_id` may be
    a column: the arrival asks it with the resident's own row)."""
    return exists().where(col(ResidentBlock.resident_id) == resident_id, _active(now))


async def active_block(
    *, session: AsyncSession, resident_id: int, now: datetime
) -> ResidentBlock | None:
    """The block in force on this resident at `now` (None: not blocked)."""
    statement = (
        select(ResidentBlock)
        .where(ResidentBlock.resident_id == resident_id, _active(now))
        .order_by(col(ResidentBlock.id).desc())
    )
    return (await session.exec(statement)).first()


def _reason(text: str) -> str | BlockOutcome:
    """The reason as stored, or the refusal of an empty or too long one."""
    cleaned = tidy(text)
    if not visible_length(cleaned):
        return BlockOutcome(None, refusal="empty")
    if len(cleaned) > REASON_MAX:
        return BlockOutcome(None, refusal="too_long")
    return cleaned


async def block(
    *,
    session: AsyncSession,
    complaint_id: int,
    chat_id: int | None,
    actor: Actor,
    reason: str,
    days: int,
    now: datetime,
) -> BlockOutcome:
    """Block the resident of a complaint for `days` (0: for good), from the complaint's group
    chat (`chat_id`; None: the command line); refused when they are blocked already."""
    if days not in DURATIONS:
        return BlockOutcome(None, refusal="duration")
    cleaned = _reason(reason)
    if isinstance(cleaned, BlockOutcome):
        return cleaned
    complaint, refused = await owned(session, complaint_id, chat_id)
    if refused is not None or complaint is None:
        refusal = refused.refusal if refused is not None and refused.refusal else "not_found"
        return BlockOutcome(None, refusal=str(refusal))
    resident_id = complaint.resident_id
    if resident_id is None:
        # Recorded by an inspector (代录) for someone not (yet) in Telegram: nobody to block.
        return BlockOutcome(None, complaint.number, "no_resident")
    # The resident's row locked: of two blocks at once (PostgreSQL), the second sees the first.
    await session.get(Resident, resident_id, with_for_update=True)
    current = await active_block(session=session, resident_id=resident_id, now=now)
    if current is not None:
        return BlockOutcome(current, complaint.number, "already")
    row = ResidentBlock(
        resident_id=resident_id,
        complaint_id=complaint_id,
        reason=cleaned,
        blocked_by_kind=actor.kind,
        blocked_by_telegram_id=actor.telegram_id,
        blocked_by_name=actor.name,
        blocked_at=now,
        until=now + timedelta(days=days) if days else None,
    )
    session.add(row)
    await record(session, complaint, actor, BLOCKED, now, public=False, note=cleaned)
    return BlockOutcome(row, complaint.number)


async def _lift(
    session: AsyncSession,
    row: ResidentBlock | None,
    actor: Actor,
    now: datetime,
    reason: str | None,
    number: str = "",
) -> BlockOutcome:
    """Lift a block that is still in force (else: not blocked), with its timeline event."""
    if row is None or row.lifted_at is not None or (row.until is not None and row.until <= now):
        return BlockOutcome(row, number, "not_blocked")
    complaint = await fresh(session, row.complaint_id)
    if complaint is None:
        return BlockOutcome(None, number, "not_found")
    note = tidy(reason)[:REASON_MAX] if reason else None
    row.lifted_at = now
    row.lifted_by_kind = actor.kind
    row.lifted_by_telegram_id = actor.telegram_id
    row.lifted_by_name = actor.name
    row.lift_reason = note or None
    session.add(row)
    await record(session, complaint, actor, UNBLOCKED, now, public=False, note=note or None)
    return BlockOutcome(row, complaint.number)


async def unblock(
    *,
    session: AsyncSession,
    block_id: int,
    chat_id: int | None,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
) -> BlockOutcome:
    """Lift a block from the group chat of its complaint (`chat_id`; None: the command line)."""
    row = await session.get(ResidentBlock, block_id, with_for_update=True, populate_existing=True)
    if row is None:
        return BlockOutcome(None, refusal="not_found")
    complaint, refused = await owned(session, row.complaint_id, chat_id)
    if refused is not None or complaint is None:
        refusal = refused.refusal if refused is not None and refused.refusal else "not_found"
        return BlockOutcome(None, refusal=str(refusal))
    return await _lift(session, row, actor, now, reason, complaint.number)


async def unblock_number(
    *, session: AsyncSession, number: str, actor: Actor, now: datetime, reason: str | None
) -> BlockOutcome:
    """Lift the block in force that was made through the complaint with this number (the
    command line)."""
    complaint = (
        await session.exec(select(Complaint).where(Complaint.number == number.strip().upper()))
    ).first()
    if complaint is None:
        return BlockOutcome(None, number, "not_found")
    statement = (
        select(ResidentBlock)
        .where(ResidentBlock.complaint_id == complaint.id, _active(now))
        .with_for_update()
    )
    row = (await session.exec(statement)).first()
    return await _lift(session, row, actor, now, reason, complaint.number)


async def barrier(*, session: AsyncSession, resident_id: int, now: datetime) -> Barrier | None:
    """Whether this resident is blocked now (None: not); the notice is due once a day, and
    asking for it when due records it as given."""
    row = await active_block(session=session, resident_id=resident_id, now=now)
    if row is None:
        return None
    notify = row.noticed_at is None or now - row.noticed_at >= NOTICE_EVERY
    if notify:
        row.noticed_at = now
        session.add(row)
        await session.flush()
    found = (
        await session.exec(
            select(Round.contact, Round.timezone)
            .join(Complaint, col(Complaint.round_id) == Round.id)
            .where(Complaint.id == row.complaint_id)
        )
    ).first()
    contact, timezone = found if found is not None else ("", "Asia/Shanghai")
    return Barrier(notify=notify, contact=contact, until=row.until, timezone=timezone)


def _who(kind: str | None, name: str | None) -> str:
    """Who acted, as the record names them."""
    return name or kind or ""


async def listing(
    *,
    session: AsyncSession,
    now: datetime,
    group_id: int | None = None,
    everything: bool = False,
) -> list[BlockLine]:
    """The blocks in force (`everything`: the whole record), newest first, of one group's
    complaints or of all; named by complaint number only."""
    statement = (
        select(ResidentBlock, Complaint.number, Round.timezone)
        .join(Complaint, col(Complaint.id) == ResidentBlock.complaint_id)
        .join(Round, col(Round.id) == Complaint.round_id)
    )
    if group_id is not None:
        statement = statement.where(Complaint.group_id == group_id)
    if not everything:
        statement = statement.where(_active(now))
    statement = statement.order_by(col(ResidentBlock.blocked_at).desc())
    lines = []
    for row, number, timezone in (await session.exec(statement)).all():
        assert row.id is not None
        lines.append(
            BlockLine(
                id=row.id,
                number=number,
                reason=row.reason,
                by=_who(row.blocked_by_kind, row.blocked_by_name),
                at=row.blocked_at,
                until=row.until,
                lifted_at=row.lifted_at,
                lifted_by=_who(row.lifted_by_kind, row.lifted_by_name) if row.lifted_at else None,
                lift_reason=row.lift_reason,
                timezone=timezone,
            )
        )
    return lines
