"""Replies go out right after their update commits, not at the sender's next look at the outbox.

The sender looks at the whole outbox only every IDLE_POLL_SECONDS (for rows of other processes
and retries); here that look is made a minute apart, so a reply that waited for it would not
arrive within the test's time.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot import sender
from bot.ratelimit import RateLimits
from storage import outbox
from storage.models import OutboxMessage, OutboxStatus
from tests.helpers.group_flow import file, linked_chat
from tests.helpers.harness import BotHarness, running_bot


@pytest.fixture(autouse=True)
def slow_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sender's own look at the outbox once a minute only."""
    monkeypatch.setattr(sender, "IDLE_POLL_SECONDS", 60.0)


async def test_a_reply_arrives_without_waiting_for_the_senders_poll(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as harness:
        # The first look (at start) is over: from now on only the immediate path sends.
        await asyncio.sleep(0.2)
        resident = harness.emu.add_user(first_name="村民")
        harness.emu.send_text(resident, "/help")
        reply = await harness.emu.next_bot_message(resident, timeout=10)
        assert reply.text


async def test_a_filed_complaints_card_reaches_the_group_without_waiting_for_the_poll(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path) as harness:
        inspector = await linked_chat(harness)
        # The conversation waits for every reply; the filing's card goes with its receipt.
        _resident, number = await file(harness, first_name="村民")
        await harness.settle()
        shown = [m.text or "" for m in harness.emu.bot_messages(inspector.chat.id)]
        assert any(number in text for text in shown), shown


async def test_replies_to_quick_messages_all_arrive_in_order(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as harness:
        await asyncio.sleep(0.2)
        resident = harness.emu.add_user(first_name="村民")
        # Each message's reply is handed to the chat's worker while it still sends the last.
        for _ in range(6):
            harness.emu.send_text(resident, "/help")
        await harness.emu.wait_until(
            lambda: len(harness.emu.bot_messages(resident)) >= 6, timeout=20
        )
        await _assert_sent_in_row_order(harness, resident.id)


async def test_a_reply_written_while_the_chats_last_one_is_on_its_way_follows_it(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path) as harness:
        await asyncio.sleep(0.2)
        resident = harness.emu.add_user(first_name="村民")
        # The first reply is on its way (its worker waits for Telegram's answer)...
        harness.emu.hold("sendMessage")
        harness.emu.send_text(resident, "/help")
        await harness.emu.wait_for_request("sendMessage", timeout=10)
        # ...when the second update's reply is committed behind it.
        harness.emu.send_text(resident, "/help")
        for _ in range(500):
            if await _pending_rows(harness, resident.id) == 2:
                break
            await asyncio.sleep(0.02)
        assert await _pending_rows(harness, resident.id) == 2
        harness.emu.release("sendMessage")
        # The worker was told of it: no wait for the sender's look a minute later.
        await harness.emu.wait_until(
            lambda: len(harness.emu.bot_messages(resident)) >= 2, timeout=10
        )
        await _assert_sent_in_row_order(harness, resident.id)


async def test_rows_of_the_poll_and_of_updates_to_one_chat_keep_their_order(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path) as harness:
        await asyncio.sleep(0.2)
        resident = harness.emu.add_user(first_name="村民")
        app = harness.runtime.app
        assert app is not None
        for i in range(5):
            # A row written elsewhere (another process, a sweep) and a reply to the resident,
            # one after the other: both paths deliver to the chat's one worker.
            async with harness.database.transaction() as session:
                outbox.enqueue_call(
                    session=session,
                    chat_id=resident.id,
                    method="sendMessage",
                    params={"text": f"通知{i}"},
                    now=datetime.now(UTC),
                )
            app.outbox_wakeup.set()
            harness.emu.send_text(resident, "/help")
            await asyncio.sleep(0.05 * i)
        await harness.emu.wait_until(
            lambda: len(harness.emu.bot_messages(resident)) >= 10, timeout=30
        )
        texts = [m.text or "" for m in harness.emu.bot_messages(resident)]
        assert [t for t in texts if t.startswith("通知")] == [f"通知{i}" for i in range(5)]
        await _assert_sent_in_row_order(harness, resident.id)


async def test_keyboard_changes_do_not_hold_a_private_chats_next_messages_back(
    tmp_path: Path,
) -> None:
    # Telegram's pacing in the bot and its flood limits in the emulator (3 messages in 3 s a
    # private chat; edits are not counted there).
    async with running_bot(tmp_path, limits=RateLimits()) as harness:
        harness.emu.flood_limits = True
        resident = harness.emu.add_user(first_name="村民")
        app = harness.runtime.app
        assert app is not None
        first = await _send_now(harness, resident.id, "sendMessage", {"text": "第一问"})
        keyboard = {"inline_keyboard": [[{"text": "是", "callback_data": "yes"}]]}
        calls: list[tuple[str, dict[str, object]]] = [
            ("editMessageReplyMarkup", {"message_id": first, "reply_markup": keyboard}),
            ("sendMessage", {"text": "第二问"}),
            ("editMessageReplyMarkup", {"message_id": first, "reply_markup": {}}),
            ("sendMessage", {"text": "第三问"}),
            ("editMessageText", {"message_id": first, "text": "第一问（已答）"}),
        ]
        async with harness.database.transaction() as session:
            for method, params in calls:
                outbox.enqueue_call(
                    session=session,
                    chat_id=resident.id,
                    method=method,
                    params=params,
                    now=datetime.now(UTC),
                )
        app.outbox_wakeup.set()
        await harness.settle(within=20)
        made = [
            r
            for method in ("sendMessage", "editMessageReplyMarkup", "editMessageText")
            for r in harness.emu.requests_of(method)
        ]
        assert len(made) == 6 and all(r.status == 200 for r in made), made
        span = max(r.time for r in made) - min(r.time for r in made)
        # Counting the edits, the sixth call would have waited a whole window (3.2 s) for the
        # first; three messages fit one of Telegram's windows.
        assert span < 3.0, span
        assert harness.emu.stats.too_many_requests == 0


async def _send_now(harness: BotHarness, chat_id: int, method: str, params: dict) -> int:
    """Queue one call, wait until it is sent; its message id."""
    async with harness.database.transaction() as session:
        row = outbox.enqueue_call(
            session=session, chat_id=chat_id, method=method, params=params, now=datetime.now(UTC)
        )
        await outbox.write_queued(session=session)
        row_id = row.id
    assert harness.runtime.app is not None
    harness.runtime.app.outbox_wakeup.set()
    await harness.settle()
    async with harness.database.transaction() as session:
        sent = await session.get(OutboxMessage, row_id)
        assert sent is not None and sent.message_id is not None
        return sent.message_id


async def _pending_rows(harness: BotHarness, chat_id: int) -> int:
    """How many of the chat's rows are not sent yet."""
    async with harness.database.transaction() as session:
        rows = await session.exec(
            select(OutboxMessage.id).where(
                OutboxMessage.chat_id == chat_id, OutboxMessage.status == OutboxStatus.pending
            )
        )
        return len(rows.all())


async def _assert_sent_in_row_order(harness: BotHarness, chat_id: int) -> None:
    """The chat's rows went out in the order they were written (their messages' ids rise)."""
    await harness.settle(within=20)
    async with harness.database.transaction() as session:
        rows = (
            await session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.chat_id == chat_id)
                .order_by(col(OutboxMessage.id))
            )
        ).all()
    assert rows and all(row.status == OutboxStatus.sent for row in rows)
    ids = [row.message_id or 0 for row in rows]
    assert ids == sorted(ids), ids
    shown = [m.message_id for m in harness.emu.bot_messages(chat_id)]
    assert shown == ids
