"""The scheduled job: registered in the composition root, and never stopped by one bad sweep."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot import jobs
from bot.app import build_application
from bot.config import Settings
from storage.clock import FakeClock
from storage.db import Database
from storage.models import Draft, DraftStep, Round, SentNotice
from tests.helpers.factories import SHANGHAI, example_world, resident


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, telegram_bot_token="123:TEST", **values)


async def test_the_job_is_registered_unless_turned_off(sqlite_database: Database) -> None:
    clock = FakeClock(datetime(2023, 3, 14, 10, tzinfo=SHANGHAI))
    app = build_application(settings(), database=sqlite_database, clock=clock)
    assert app.job_queue is not None
    (job,) = app.job_queue.jobs()
    assert job.name == jobs.JOB_NAME and job.callback is jobs.sweep_job
    off = build_application(settings(scheduled_jobs=False), database=sqlite_database, clock=clock)
    assert off.job_queue is not None and off.job_queue.jobs() == ()


async def test_a_broken_sweep_holds_up_none_of_the_others(
    sqlite_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A round with a time zone nobody knows breaks the round's sweeps; drafts still expire."""
    world = await example_world(sqlite_database)
    person = await resident(sqlite_database, 4001)
    assert person.id is not None
    now = datetime(2023, 3, 14, 10, tzinfo=SHANGHAI)
    idle = (now - timedelta(days=2)).astimezone(UTC)
    async with sqlite_database.transaction() as session:
        round_ = await session.get(Round, world.round_id)
        assert round_ is not None
        round_.timezone = "Mars/Olympus_Mons"
        session.add(
            Draft(resident_id=person.id, step=DraftStep.category, created_at=idle, updated_at=idle)
        )
    app = build_application(settings(), database=sqlite_database, clock=FakeClock(now))
    with caplog.at_level(logging.ERROR, logger="bot.jobs"):
        assert await jobs.run_sweeps(app) == []
    failed = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("'round' failed" in message for message in failed), failed
    # On /metrics: the shared transaction failed, then the round's sweep alone.
    registry = app.metrics.registry
    assert registry.get_sample_value("xuncha_sweep_failures_total", {"sweep": "all"}) == 1
    assert registry.get_sample_value("xuncha_sweep_failures_total", {"sweep": "round"}) == 1
    assert registry.get_sample_value("xuncha_sweeps_duration_seconds_count") == 1
    async with sqlite_database.transaction() as session:
        assert (await session.exec(select(Draft))).all() == []
        assert (await session.exec(select(SentNotice.kind))).all() == ["draft_expired"]
    # Fixed, the next run catches up: the round's opening goes to the linked group chat.
    async with sqlite_database.transaction() as session:
        round_ = await session.get(Round, world.round_id)
        assert round_ is not None
        round_.timezone = "Asia/Shanghai"
    sent = await jobs.run_sweeps(app)
    g3, g5 = world.groups["g3"].id, world.groups["g5"].id
    assert sent[:2] == [f"round_open:{world.round_id}:{g3}", f"round_open:{world.round_id}:{g5}"]
    assert f"weekly:{world.round_id}:2023-W11:group:{g3}" in sent
    assert app.outbox_wakeup.is_set()
