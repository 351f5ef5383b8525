"""All of the sweeps, in order, in one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.schedule.digest import sweep_digests
from storage.schedule.due import sweep_due
from storage.schedule.escalation import sweep_escalation
from storage.schedule.hotspots import sweep_hotspots
from storage.schedule.housekeeping import sweep_drafts, sweep_housekeeping
from storage.schedule.memory import SweepReport, rounds_near
from storage.schedule.reports import sweep_weekly
from storage.schedule.round_life import sweep_round_life
from storage.schedule.signing import sweep_signing
from storage.schedule.surveys import sweep_surveys

Sweep = Callable[..., Awaitable[SweepReport]]
# In this order: a chat hears of the round's opening before anything else, and of a Monday's
# report before that day's reminders.
SWEEPS: tuple[tuple[str, Sweep], ...] = (
    ("round", sweep_round_life),
    ("weekly", sweep_weekly),
    ("digest", sweep_digests),
    ("due", sweep_due),
    ("escalation", sweep_escalation),
    ("sign", sweep_signing),
    ("hotspots", sweep_hotspots),
    ("survey", sweep_surveys),
    ("drafts", sweep_drafts),
    ("housekeeping", sweep_housekeeping),
)


async def run_reports(*, session: AsyncSession, now: datetime) -> list[SweepReport]:
    """Run every sweep in this transaction, in order; what each did."""
    rounds = await rounds_near(session=session, now=now)
    return [await sweep(session=session, now=now, rounds=rounds) for _name, sweep in SWEEPS]


async def run_all(*, session: AsyncSession, now: datetime) -> list[str]:
    """Run every sweep in this transaction; the keys of what was sent, in order."""
    return [key for report in await run_reports(session=session, now=now) for key in report.sent]
