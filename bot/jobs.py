"""Scheduled jobs: every minute, every sweep of storage/schedule at the application's time.

The sweeps are idempotent (they remember what they sent), so the job keeps no state of its
own: a restart loses nothing, and a run missed while the bot was down happens once it is back.
The sweeps run in one transaction; when that fails, each runs again in its own, so one that
fails is logged with its context and rolled back while the others go on. The job never
raises.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from storage import schedule

if TYPE_CHECKING:
    from bot.application import XunchaApplication
    from handlers.context import BotContext

log = logging.getLogger(__name__)

# Seconds between two runs, and before the first one after start.
INTERVAL = 60
FIRST = 1
JOB_NAME = "sweeps"


async def run_sweeps(application: XunchaApplication) -> list[str]:
    """Run every sweep once at the application's clock; the keys of what was sent.

    All in one transaction; if that fails, each sweep again in a transaction of its own, so
    that one broken sweep (bad data, a bug) holds up none of the others.
    """
    now = application.clock.now()
    database = application.database
    metrics = application.metrics
    started = time.perf_counter()
    reports: list[schedule.SweepReport] = []
    try:
        async with database.transaction() as session:
            reports = await schedule.run_reports(session=session, now=now)
    except Exception:
        log.exception("scheduled sweeps failed at %s; running them one by one", now)
        metrics.sweep_failures.labels(sweep="all").inc()
        reports = []
        for name, sweep in schedule.SWEEPS:
            try:
                async with database.transaction() as session:
                    reports.append(await sweep(session=session, now=now))
            except Exception:
                log.exception("scheduled sweep %r failed at %s; tried again next run", name, now)
                metrics.sweep_failures.labels(sweep=name).inc()
    metrics.sweep_seconds.observe(time.perf_counter() - started)
    for report in reports:
        if report.sent or report.closed or report.deleted or report.forgotten:
            log.info(
                "sweep %s at %s: sent %s, closed %s, deleted %s drafts, forgot %s rows",
                report.name,
                now.isoformat(timespec="seconds"),
                report.sent,
                report.closed,
                report.deleted,
                report.forgotten,
            )
    if any(report.wrote_outbox for report in reports):
        application.outbox_wakeup.set()
    return [key for report in reports for key in report.sent]


async def sweep_job(context: BotContext) -> None:
    """The JobQueue's callback: run the sweeps; never let an error end the job."""
    from bot.application import XunchaApplication

    application = context.application
    if not isinstance(application, XunchaApplication):
        log.error("the sweeps need the bot's application, got %r", type(application))
        return
    if not application.may_lead():
        # A standby: the leader runs them.
        return
    try:
        await run_sweeps(application)
    except Exception:
        log.exception("scheduled sweeps failed")


def register(application: XunchaApplication) -> bool:
    """Run the sweeps every minute, the first time a second after start; False without a
    JobQueue (python-telegram-bot[job-queue] not installed)."""
    queue = application.job_queue
    if queue is None:
        log.warning("no JobQueue: scheduled reminders, digests and reports are off")
        return False
    queue.run_repeating(sweep_job, interval=INTERVAL, first=FIRST, name=JOB_NAME)
    return True


def sweep_soon(application: XunchaApplication) -> None:
    """Run the sweeps now (a process that just took the lead): what the old leader left
    undone goes out at once, not at this process's next minute. The job itself is moved, so
    two sweeps never run at once."""
    queue = application.job_queue
    if queue is None:
        return
    for job in queue.get_jobs_by_name(JOB_NAME):
        job.job.modify(next_run_time=datetime.now(UTC) + timedelta(seconds=FIRST))
