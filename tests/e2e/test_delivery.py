"""The outbox sender and the intake loop, over HTTP against the emulator."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import col, select
from typer.testing import CliRunner

from bot.cli import app as cli
from storage import outbox
from storage.models import OutboxMessage, OutboxStatus, ProcessedUpdate
from tests.helpers.harness import redeliver, running_bot


async def _queue(harness, chat_id: int, texts: list[str]) -> None:
    """Put plain messages into the outbox, as a change in the database would."""
    now = datetime.now(UTC)
    async with harness.database.transaction() as session:
        for text in texts:
            outbox.enqueue_call(
                session=session,
                chat_id=chat_id,
                method="sendMessage",
                params={"chat_id": chat_id, "text": text},
                now=now,
            )
    harness.runtime.app.outbox_wakeup.set()


async def _rows(harness) -> list[OutboxMessage]:
    async with harness.database.transaction() as session:
        return list(
            (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
        )


async def test_a_5xx_is_retried_and_the_message_arrives_once(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as harness:
        resident = harness.emu.add_user(first_name="村民")
        harness.emu.inject(method="sendMessage", kind="5xx", times=1)
        harness.emu.send_text(resident, "/help")
        reply = await harness.emu.next_bot_message(resident, timeout=10)
        await harness.settle()
        assert reply.text
        statuses = [r.status for r in harness.emu.requests_of("sendMessage")]
        assert statuses[:2] == [502, 200]
        assert len(harness.emu.bot_messages(resident)) == 1
        (row,) = await _rows(harness)
        assert row.status == OutboxStatus.sent and row.attempts == 2


async def test_retry_after_is_waited_out(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as harness:
        resident = harness.emu.add_user()
        harness.emu.inject(method="sendMessage", kind="429", times=1, retry_after=1)
        harness.emu.send_text(resident, "/help")
        await harness.emu.next_bot_message(resident, timeout=10)
        records = harness.emu.requests_of("sendMessage")
        assert [r.status for r in records[:2]] == [429, 200]
        assert records[1].time - records[0].time >= 0.95


async def test_a_blocked_resident_is_a_permanent_failure_not_a_retry_loop(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as harness:
        resident = harness.emu.add_user()
        harness.emu.block_user(resident)
        await _queue(harness, resident.id, ["您的反映已办结"])
        await harness.settle()
        (row,) = await _rows(harness)
        assert row.status == OutboxStatus.failed
        assert row.attempts == 1
        assert "403" in (row.last_error or "")
        # The operator sees it.
        result = await asyncio.to_thread(
            CliRunner().invoke,
            cli,
            ["outbox", "status"],
            env={"DATABASE_URL": harness.settings.database_url},
        )
        assert result.exit_code == 0, result.output
        assert "pending 0, failed 1, sent 0" in result.output
        assert "blocked" in result.output


async def test_messages_to_one_chat_keep_their_order_under_faults(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as harness:
        resident = harness.emu.add_user()
        harness.emu.inject(method="sendMessage", kind="5xx", times=2, chat_id=resident.id)
        texts = [f"第{i}条" for i in range(1, 8)]
        await _queue(harness, resident.id, texts)
        await harness.settle(within=30)
        assert [m.text for m in harness.emu.bot_messages(resident)] == texts


async def test_the_same_update_delivered_twice_is_handled_once(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as harness:
        resident = harness.emu.add_user()
        harness.emu.send_text(resident, "/help")
        await harness.emu.next_bot_message(resident)
        await harness.settle()
        update = next(u for u in _delivered(harness) if "message" in u)
        await redeliver(harness, update)
        assert len(harness.emu.bot_messages(resident)) == 1
        async with harness.database.transaction() as session:
            processed = (await session.exec(select(ProcessedUpdate))).all()
        assert [p.update_id for p in processed] == [update["update_id"]]


def _delivered(harness) -> list[dict]:
    """Every update the bot fetched, from the emulator's request log."""
    return [
        update
        for record in harness.emu.requests_of("getUpdates")
        for update in (record.result or [])
    ]
