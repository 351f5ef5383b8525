"""Housekeeping: idle drafts deleted, handled updates and old sent outbox rows forgotten."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import drafts, outbox, updates
from storage.schedule.memory import Rounds, SweepReport


async def sweep_drafts(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """Delete drafts idle for 24 hours (the resident is told when they come back)."""
    report = SweepReport("drafts")
    report.deleted = await drafts.expire_idle(session=session, now=now)
    return report


async def sweep_housekeeping(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """Forget handled updates older than 48 hours and outbox rows sent over 30 days ago."""
    report = SweepReport("housekeeping")
    report.forgotten = await updates.forget_old(session=session, now=now)
    report.forgotten += await outbox.forget_sent(session=session, now=now)
    return report
