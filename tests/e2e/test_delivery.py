"""The outbox sender and the intake loop, over HTTP against the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import TypeHandler
from typer.testing import CliRunner

from bot.cli import app as cli
from handlers import outbox_views
from handlers.calls import Call
from handlers.context import BotContext
from handlers.i18n import t
from storage import outbox, workflow
from storage.models import OutboxMessage, OutboxStatus, ProcessedUpdate
from storage.workflow import Actor
from tests.helpers import factories
from tests.helpers.cli import ENGLISH
from tests.helpers.group_flow import file, linked_chat
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
            env={"DATABASE_URL": harness.settings.database_url, **ENGLISH},
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


async def test_several_pending_edits_of_one_card_become_one_edit(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as harness:
        inspector = await linked_chat(harness)
        complaint = await factories.file(harness.database, 8_100_000_001, now=harness.clock.now())
        assert complaint.id is not None
        complaint_id = complaint.id
        await harness.settle()
        actor = Actor("inspector", inspector.user.id, "王组长")

        app = harness.runtime.app
        assert app is not None

        async def change(action: Callable[[AsyncSession], Awaitable[workflow.Outcome]]) -> None:
            async with harness.database.transaction() as session:
                outcome = await action(session)
                assert outcome.ok, outcome
            app.outbox_wakeup.set()

        harness.emu.hold("editMessageText")
        await change(
            lambda s: workflow.accept(
                session=s,
                complaint_id=complaint_id,
                chat_id=inspector.chat.id,
                expected="new",
                actor=actor,
                now=harness.clock.now(),
            )
        )
        await harness.emu.wait_for_request("editMessageText", timeout=10)
        await change(
            lambda s: workflow.take(
                session=s,
                complaint_id=complaint_id,
                chat_id=inspector.chat.id,
                actor=actor,
                now=harness.clock.now(),
            )
        )
        for i in range(3):

            async def add_note(s: AsyncSession, i: int = i) -> workflow.Outcome:
                return await workflow.add_note(
                    session=s,
                    complaint_id=complaint_id,
                    chat_id=inspector.chat.id,
                    note=f"核实中 {i}",
                    actor=actor,
                    now=harness.clock.now(),
                )

            await change(add_note)
        harness.emu.release("editMessageText")
        await harness.settle()
        edits = harness.emu.requests_of("editMessageText")
        assert len(edits) == 2, [r.status for r in edits]
        (card,) = [m for m in harness.emu.bot_messages(inspector.chat.id) if m.edits and m.text]
        assert complaint.number in (card.text or "") and "王组长" in (card.text or "")


async def test_a_database_error_inside_a_handler_is_retried_not_apologised_for(
    tmp_path: Path,
) -> None:
    failures: list[int] = []

    async def flaky(update: Update, context: BotContext) -> None:
        """Fails like a dropped database connection, once."""
        if not failures:
            failures.append(update.update_id)
            raise OperationalError("SELECT 1", {}, Exception("connection reset"))

    async with running_bot(tmp_path) as harness:
        assert harness.runtime.app is not None
        harness.runtime.app.add_handler(TypeHandler(Update, flaky), group=-10)
        resident = harness.emu.add_user()
        harness.emu.send_text(resident, "/help")
        await harness.settle()
        (reply,) = harness.emu.bot_messages(resident)
        assert failures and reply.text != t("zh", "error.generic")
        assert "/start" in (reply.text or "")


async def test_a_database_error_while_rendering_a_card_is_retried_not_given_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    render = outbox_views.render
    failures: list[int | None] = []

    async def flaky(*, session: AsyncSession, row: OutboxMessage) -> list[Call]:
        """Fails like a dropped database connection, once, on the first card."""
        if row.kind == outbox.CARD and not failures:
            failures.append(row.id)
            raise OperationalError("SELECT 1", {}, Exception("connection reset"))
        return await render(session=session, row=row)

    monkeypatch.setattr(outbox_views, "render", flaky)
    async with running_bot(tmp_path) as harness:
        inspector = await linked_chat(harness)
        _resident, number = await file(harness)
        await harness.settle(within=30)
        assert failures
        cards = [
            m for m in harness.emu.bot_messages(inspector.chat.id) if number in (m.text or "")
        ]
        assert len(cards) == 1
        async with harness.database.transaction() as session:
            summary = await outbox.counts(session=session)
        assert summary.failed == 0


async def test_a_retry_does_not_repeat_the_calls_that_already_went_out(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as harness:
        inspector = await linked_chat(harness)
        harness.emu.inject(method="sendMediaGroup", kind="5xx", times=1, chat_id=inspector.chat.id)
        _resident, number = await file(harness, photos=2, location=(33.742, 113.351))
        await harness.settle(within=30)
        replies = [m.kind for m in harness.emu.bot_messages(inspector.chat.id) if m.kind != "text"]
        assert replies == ["location", "photo", "photo"], (number, replies)
        assert [r.status for r in harness.emu.requests_of("sendLocation")] == [200]
        # The two photos went as one album, the second time round.
        assert [r.status for r in harness.emu.requests_of("sendMediaGroup")] == [502, 200]
        assert harness.emu.requests_of("sendPhoto") == []
