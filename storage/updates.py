"""Which Telegram updates have been handled, so a second delivery changes nothing."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ProcessedUpdate


async def is_processed(*, session: AsyncSession, update_id: int) -> bool:
    """Whether the effects of this update were already committed."""
    return await session.get(ProcessedUpdate, update_id) is not None


def mark_processed(*, session: AsyncSession, update_id: int, now: datetime) -> None:
    """Record the update as handled, in the same transaction as its effects."""
    session.add(ProcessedUpdate(update_id=update_id, processed_at=now))
