"""What the outbox says was sent lately: a new leader's pacing starts from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboxMessage, OutboxStatus

# Payload key of a row whose send took other than one counted call (kept by `with_calls`).
CALLS_KEY = "calls"


@dataclass(frozen=True)
class RecentSend:
    """One Bot API call made to a chat, and when its row was marked sent."""

    chat_id: int
    sent_at: datetime


async def recent_sends(
    *, session: AsyncSession, now: datetime, within: timedelta
) -> list[RecentSend]:
    """The calls made in the last `within`, one entry per call, from the outbox's sent rows.

    Rows covered by another row's send (a burst, a newer render) went out with that one and
    are not counted twice.
    """
    statement = select(OutboxMessage.chat_id, OutboxMessage.sent_at, OutboxMessage.payload).where(
        col(OutboxMessage.status) == OutboxStatus.sent,
        col(OutboxMessage.sent_at) >= now - within,
        col(OutboxMessage.last_error).is_(None),
    )
    sends: list[RecentSend] = []
    for chat_id, sent_at, payload in (await session.exec(statement)).all():
        if sent_at is None:
            continue
        # No key: one call; 0: calls the pacing does not count (an edit in a private chat).
        calls = payload.get(CALLS_KEY, 1) if isinstance(payload, dict) else 1
        sends.extend(RecentSend(chat_id, sent_at) for _ in range(max(int(calls), 0)))
    return sends


def with_calls(payload: dict[str, object], calls: int) -> dict[str, object]:
    """The payload of a row whose send took `calls` counted calls (recorded unless one)."""
    return {**payload, CALLS_KEY: calls}
