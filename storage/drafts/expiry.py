"""How long a draft lives: the idle draft thrown away, and the mark that tells its resident."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, String, delete, exists, literal
from sqlalchemy import cast as sql_cast
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Draft, SentNotice

# A draft nobody touched for this long is thrown away when its resident comes back.
DRAFT_TTL = timedelta(hours=24)


MARK_PREFIX = "draft_expired:"


def expired_mark(resident_id: int) -> str:
    """The SentNotice key left when the sweep deletes a resident's idle draft."""
    return f"{MARK_PREFIX}{resident_id}"


async def current(
    *, session: AsyncSession, resident_id: int, now: datetime
) -> tuple[Draft | None, bool]:
    """The resident's draft, and whether an idle one expired since they were last here.

    An idle draft is deleted here, or earlier by the scheduled sweep (`expire_idle`), which
    leaves a mark so the resident is still told once.
    """
    statement = select(Draft).where(Draft.resident_id == resident_id)
    draft = (await session.exec(statement)).first()
    if draft is not None and now - draft.updated_at > DRAFT_TTL:
        await session.delete(draft)
        await session.flush()
        await _take_mark(session, resident_id)
        return None, True
    if draft is None and await _take_mark(session, resident_id):
        return None, True
    return draft, False


async def settle(
    *, session: AsyncSession, resident_id: int, draft: Draft | None, marked: bool, now: datetime
) -> tuple[Draft | None, bool]:
    """`current` for a draft already read (with whether the expiry mark is there, `marked`):
    the arrival reads both with the resident in one statement."""
    if draft is not None and now - draft.updated_at > DRAFT_TTL:
        await session.delete(draft)
        await session.flush()
        if marked:
            await _take_mark(session, resident_id)
        return None, True
    if draft is None and marked:
        return None, await _take_mark(session, resident_id)
    return draft, False


def mark_exists(resident_id: Any) -> Any:
    """Whether the resident's "draft expired" mark is there, as a column (`resident_id` may
    be a column too)."""
    key = literal(MARK_PREFIX) + sql_cast(resident_id, String)
    return exists().where(col(SentNotice.key) == key)


async def _take_mark(session: AsyncSession, resident_id: int) -> bool:
    """Remove the resident's "draft expired" mark; whether there was one."""
    result = await session.exec(
        delete(SentNotice).where(col(SentNotice.key) == expired_mark(resident_id))
    )
    return bool(cast("CursorResult[Any]", result).rowcount)


async def expire_idle(*, session: AsyncSession, now: datetime) -> int:
    """Delete every draft idle for longer than DRAFT_TTL; mark each so its resident is told.

    Returns how many drafts were deleted.
    """
    statement = select(Draft).where(col(Draft.updated_at) < now - DRAFT_TTL)
    idle = list((await session.exec(statement)).all())
    if not idle:
        return 0
    keys = [expired_mark(draft.resident_id) for draft in idle]
    marked = set(
        (await session.exec(select(SentNotice.key).where(col(SentNotice.key).in_(keys)))).all()
    )
    for draft in idle:
        await session.delete(draft)
        key = expired_mark(draft.resident_id)
        if key not in marked:
            marked.add(key)
            session.add(
                SentNotice(
                    key=key,
                    kind="draft_expired",
                    due_at=draft.updated_at + DRAFT_TTL,
                    sent_at=now,
                )
            )
    await session.flush()
    return len(idle)
