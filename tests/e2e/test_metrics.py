"""The health and metrics endpoint (METRICS_LISTEN) of a running bot, scraped over HTTP."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.exc import OperationalError
from telegram import Update
from telegram.ext import TypeHandler

from bot.application import DB_ATTEMPTS
from bot.jobs import run_sweeps
from handlers.context import BotContext
from storage.health import head_revisions
from storage.migrate import alembic_config
from tests.conftest import TEST_DATABASE_URL, drop_pg_database, make_database_url
from tests.helpers.group_flow import file, linked_chat
from tests.helpers.harness import (
    BotHarness,
    free_port,
    redeliver,
    running_bot,
    webhook_settings,
)
from tests.helpers.scrape import get, scrape


def _listen() -> str:
    """METRICS_LISTEN on a free loopback port."""
    return f"127.0.0.1:{free_port()}"


def _answered(harness: BotHarness) -> Counter[tuple[str, str]]:
    """The emulator's count of answered Bot API calls by (method, status)."""
    return Counter(
        (record.method, "ok" if record.status == 200 else str(record.status))
        for record in harness.emu.requests
        if record.status is not None
    )


def _delivered(harness: BotHarness) -> set[int]:
    """The ids of every update the bot fetched, from the emulator's request log."""
    return {
        update["update_id"]
        for record in harness.emu.requests_of("getUpdates")
        for update in (record.result or [])
    }


async def test_a_filed_complaint_moves_the_counters(tmp_path: Path) -> None:
    async with running_bot(tmp_path, metrics_listen=_listen()) as harness:
        status, _type, body = await get(harness, "/healthz")
        assert (status, body) == (200, {"alive": True})

        await linked_chat(harness)
        _resident, number = await file(harness, photos=1)
        await harness.settle()
        polls_before = _answered(harness)[("getUpdates", "ok")]
        seen = await scrape(harness)

        # Every update the bot fetched was handled once, and timed.
        updates = len(_delivered(harness))
        assert updates >= 8, "the link, the conversation's steps and presses"
        assert seen.get("xuncha_updates_total", outcome="handled") == updates
        assert seen.get("xuncha_update_handling_seconds_count") == updates
        assert seen.get("xuncha_update_handling_seconds_sum") > 0

        # Bot API calls by method and result: what the emulator answered, call for call
        # (getUpdates aside: one may be answered while the scrape is under way).
        answered = _answered(harness)
        assert answered[("sendMessage", "ok")] >= 3, "the receipt, the card, the link's answer"
        for (method, result), count in answered.items():
            if method != "getUpdates":
                assert seen.get("xuncha_bot_api_calls_total", method=method, result=result) == (
                    count
                ), (method, result)
        assert seen.get("xuncha_bot_api_calls_total", method="sendPhoto", result="ok") == 1
        # One poll at a time: the bot has counted all but perhaps the latest answered.
        polls = seen.get("xuncha_bot_api_calls_total", method="getUpdates", result="ok")
        assert polls_before - 1 <= polls <= answered[("getUpdates", "ok")]
        assert seen.get("xuncha_bot_api_429_total", method="sendMessage") == 0

        # Everything was sent: the outbox gauges, read from the database at scrape time.
        assert seen.get("xuncha_outbox_rows", status="pending") == 0
        assert seen.get("xuncha_outbox_rows", status="sent") >= 3
        assert seen.get("xuncha_outbox_rows", status="failed") == 0
        assert seen.get("xuncha_outbox_oldest_pending_age_seconds") == 0
        assert seen.get("xuncha_database_up") == 1
        assert seen.get("xuncha_ready") == 1
        assert seen.get("xuncha_role", xuncha_role="leader") == 1
        assert seen.get("xuncha_role", xuncha_role="standby") == 0
        assert seen.get("xuncha_intake_last_success_timestamp_seconds") > 0
        assert number


async def test_a_pending_row_shows_its_age(tmp_path: Path) -> None:
    async with running_bot(tmp_path, metrics_listen=_listen()) as harness:
        resident = harness.emu.add_user(first_name="村民")
        # The reply is written (pending) but Telegram does not answer yet.
        harness.emu.hold("sendMessage")
        harness.emu.send_text(resident, "/help")
        await harness.emu.wait_for_request("sendMessage")
        harness.clock.advance(timedelta(seconds=90))
        seen = await scrape(harness)
        assert seen.get("xuncha_outbox_rows", status="pending") == 1
        assert seen.get("xuncha_outbox_oldest_pending_age_seconds") == 90
        harness.emu.release()
        await harness.settle()
        seen = await scrape(harness)
        assert seen.get("xuncha_outbox_rows", status="pending") == 0
        assert seen.get("xuncha_outbox_rows", status="sent") == 1


async def test_a_429_is_counted_with_its_retry_after(tmp_path: Path) -> None:
    async with running_bot(tmp_path, metrics_listen=_listen()) as harness:
        resident = harness.emu.add_user()
        harness.emu.inject(method="sendMessage", kind="429", times=1, retry_after=2)
        harness.emu.send_text(resident, "/help")
        await harness.emu.next_bot_message(resident, timeout=10)
        await harness.settle()
        seen = await scrape(harness)
        assert seen.get("xuncha_bot_api_429_total", method="sendMessage") == 1
        assert seen.get("xuncha_bot_api_calls_total", method="sendMessage", result="429") == 1
        assert seen.get("xuncha_bot_api_calls_total", method="sendMessage", result="ok") == 1
        assert seen.get("xuncha_bot_api_retry_after_seconds_count") == 1
        assert seen.get("xuncha_bot_api_retry_after_seconds_sum") == 2
        assert seen.get("xuncha_bot_api_retry_after_seconds_bucket", le="1.0") == 0
        assert seen.get("xuncha_bot_api_retry_after_seconds_bucket", le="2.0") == 1


async def test_ready_with_the_role_and_not_when_the_schema_is_behind(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(tmp_path, metrics_listen=_listen()) as harness:
        resident = harness.emu.add_user()
        harness.emu.send_text(resident, "/help")
        await harness.emu.next_bot_message(resident, timeout=10)
        status, content_type, body = await get(harness, "/readyz")
        assert status == 200 and content_type.startswith("application/json")
        assert body is not None
        (head,) = head_revisions()
        assert body["ready"] is True and body["problems"] == []
        assert (body["role"], body["mode"]) == ("leader", "polling")
        assert body["schema"] == body["schema_head"] == head
        assert body["seconds_since_last_intake"] >= 0, "getUpdates answered the /help"

        # The database says it is one revision behind this version (an upgrade not yet run).
        config = alembic_config(harness.settings.database_url)
        previous = ScriptDirectory.from_config(config).get_revision(head).down_revision
        assert isinstance(previous, str)
        await asyncio.to_thread(command.stamp, config, previous)
        status, _type, body = await get(harness, "/readyz")
        assert status == 503 and body is not None
        assert body["ready"] is False and body["schema"] == previous
        assert body["problems"] == [
            f"database schema is at {previous}, this version needs {head} (run xuncha db upgrade)"
        ]
        assert (await scrape(harness)).get("xuncha_ready") == 0
        # Said once in the log, not at every probe.
        said = [r for r in caplog.records if r.getMessage().startswith("not ready: ")]
        assert len(said) == 1 and "run xuncha db upgrade" in said[0].getMessage()
        # Alive all the same.
        assert (await get(harness, "/healthz"))[0] == 200


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL")
async def test_not_ready_when_the_postgresql_database_is_gone(tmp_path: Path) -> None:
    url, name = await make_database_url("postgresql", tmp_path)
    assert name is not None
    try:
        async with running_bot(tmp_path, database_url=url, metrics_listen=_listen()) as harness:
            status, _type, body = await get(harness, "/readyz")
            assert status == 200 and body is not None and body["ready"] is True

            # The database is dropped under the running bot (its connections cut): with the
            # leader lock's connection gone it steps down (bot/election.py), and says so.
            await drop_pg_database(name)
            await harness.wait_for(lambda: not harness.runtime.role.is_leader)
            status, _type, body = await get(harness, "/readyz")
            assert status == 503 and body is not None
            assert body["ready"] is False and body["role"] == "standby"
            (problem,) = body["problems"]
            assert problem.startswith("database unreachable: ")
            assert name in problem, "the driver's reason: the database does not exist"
            seen = await scrape(harness)
            assert seen.get("xuncha_database_up") == 0
            assert seen.get("xuncha_ready") == 0
            assert seen.lines("xuncha_outbox_rows{") == [], "no stale numbers"
            assert (await get(harness, "/healthz"))[0] == 200
    finally:
        await drop_pg_database(name)


async def test_in_webhook_mode_the_endpoint_shares_the_webhooks_server(tmp_path: Path) -> None:
    hook = webhook_settings()
    async with running_bot(
        tmp_path, webhook=True, **hook, metrics_listen=hook["webhook_listen"]
    ) as harness:
        assert harness.runtime.health is None, "no server of its own"
        resident = harness.emu.add_user()
        harness.emu.send_text(resident, "/help")
        await harness.emu.next_bot_message(resident, timeout=10)
        await harness.settle()
        status, _type, body = await get(harness, "/readyz")
        assert status == 200 and body is not None
        assert (body["role"], body["mode"], body["problems"]) == ("leader", "webhook", [])
        assert body["seconds_since_last_intake"] is not None
        seen = await scrape(harness)
        assert seen.get("xuncha_updates_total", outcome="handled") == 1
        assert seen.get("xuncha_bot_api_calls_total", method="setWebhook", result="ok") == 1
        assert seen.get("xuncha_bot_api_calls_total", method="sendMessage", result="ok") == 1


async def test_each_run_of_the_sweeps_is_timed(tmp_path: Path) -> None:
    async with running_bot(tmp_path, metrics_listen=_listen()) as harness:
        assert harness.runtime.app is not None
        # The round's opening message and this week's report are due: the first run sends
        # them, the second finds nothing to do. Both are timed.
        await linked_chat(harness)
        assert await run_sweeps(harness.runtime.app) != []
        assert await run_sweeps(harness.runtime.app) == []
        seen = await scrape(harness)
        assert seen.get("xuncha_sweeps_duration_seconds_count") == 2
        assert seen.get("xuncha_sweeps_duration_seconds_sum") > 0
        assert seen.lines("xuncha_sweep_failures_total") == []


async def test_each_outcome_of_an_update_is_counted(tmp_path: Path) -> None:
    attempts: list[int] = []

    async def flaky(update: Update, context: BotContext) -> None:
        """/help fails like a dropped database connection, every attempt of its first round."""
        if update.message is not None and update.message.text == "/help":
            attempts.append(update.update_id)
            if len(attempts) <= DB_ATTEMPTS:
                raise OperationalError("SELECT 1", {}, Exception("connection reset"))
        if update.message is not None and update.message.text == "/boom":
            raise RuntimeError("a bug in a handler")

    async with running_bot(tmp_path, metrics_listen=_listen()) as harness:
        assert harness.runtime.app is not None
        harness.runtime.app.add_handler(TypeHandler(Update, flaky), group=-10)
        resident = harness.emu.add_user()
        harness.emu.send_text(resident, "/help")
        await harness.settle(within=20)
        harness.emu.send_text(resident, "/boom")
        await harness.settle()
        seen = await scrape(harness)
        assert len(attempts) == DB_ATTEMPTS + 1, "not committed, fetched again, handled"
        assert seen.get("xuncha_updates_total", outcome="not_committed") == 1
        assert seen.get("xuncha_updates_total", outcome="handled") == 1
        assert seen.get("xuncha_updates_total", outcome="failed") == 1, "/boom: an apology"
        assert seen.get("xuncha_update_handling_seconds_count") == 3

        # Telegram delivers /help again after a restart: a new process, its own counters.
        update = next(
            u
            for record in harness.emu.requests_of("getUpdates")
            for u in (record.result or [])
            if u["update_id"] == attempts[-1]
        )
        await redeliver(harness, update)
        seen = await scrape(harness)
        assert seen.get("xuncha_updates_total", outcome="duplicate") == 1
        assert seen.get("xuncha_updates_total", outcome="handled") == 0
