"""Flood control (429), injected faults, holds, and the request log."""

from __future__ import annotations

import asyncio
import re

import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from emulator import BotApiEmulator

pytestmark = [
    pytest.mark.asyncio,
    # PTB itself reads RetryAfter.retry_after while building the error (v22.2 deprecation).
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]


def retry_seconds(error: RetryAfter) -> float:
    """The wait PTB read from parameters.retry_after (without the deprecated attribute)."""
    match = re.search(r"Retry in ([0-9.]+)", str(error))
    assert match, str(error)
    return float(match.group(1))


async def test_private_chat_flood_limit(emu: BotApiEmulator, bot: Bot) -> None:
    emu.flood_limits = True
    alice, bob = emu.add_user("Alice"), emu.add_user("Bob")
    for i in range(3):
        await bot.send_message(alice.id, f"burst {i}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(alice.id, "one too many")
    seconds = retry_seconds(caught.value)
    assert 1 <= seconds <= 3
    await bot.send_message(bob.id, "other chats are unaffected")
    assert emu.stats.too_many_requests == 1
    assert emu.stats.too_many_per_chat[alice.id] == 1
    assert emu.stats.sent_per_chat[alice.id] == 3
    assert len(emu.bot_messages(alice)) == 3
    assert emu.requests[-2].status == 429


async def test_group_and_overall_flood_limits(emu: BotApiEmulator, bot: Bot) -> None:
    emu.flood_limits = True
    grp = emu.add_group("组")
    for i in range(20):
        await bot.send_message(grp.id, f"card {i}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(grp.id, "21st in a minute")
    seconds = retry_seconds(caught.value)
    assert 50 <= seconds <= 60
    await asyncio.sleep(1.05)  # let the overall one-second window empty
    emu.flood_config.overall_limit = 5
    users = [emu.add_user(f"u{i}") for i in range(6)]
    for user in users[:5]:
        await bot.send_message(user.id, "fits")
    with pytest.raises(RetryAfter):
        await bot.send_message(users[5].id, "sixth in a second")
    assert emu.stats.too_many_requests == 2


async def test_injected_5xx_and_429(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    emu.inject(method="sendMessage", kind="5xx", times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(alice.id, "x")
    emu.inject(method="sendMessage", kind="429", retry_after=7, chat_id=alice.id)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(alice.id, "x")
    assert retry_seconds(caught.value) == 7
    await bot.send_message(alice.id, "finally")
    assert [m.text for m in emu.bot_messages(alice)] == ["finally"]
    assert [r.status for r in emu.requests_of("sendMessage")] == [502, 502, 429, 200]
    assert emu.stats.too_many_requests == 1


async def test_drop_does_not_perform_but_lost_does(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    emu.inject(method="sendMessage", kind="drop")
    with pytest.raises(NetworkError):
        await bot.send_message(alice.id, "dropped")
    assert emu.bot_messages(alice) == []
    emu.inject(method="sendMessage", kind="lost")
    with pytest.raises(NetworkError):
        await bot.send_message(alice.id, "delivered, answer lost")
    assert [m.text for m in emu.bot_messages(alice)] == ["delivered, answer lost"]


async def test_slow_answer_times_out_the_client_but_performs(emu: BotApiEmulator) -> None:
    alice = emu.add_user("Alice")
    emu.inject(method="sendMessage", kind="slow", delay=1.0)
    request = HTTPXRequest(read_timeout=0.3)
    async with Bot(emu.token, request=request, **emu.bot_kwargs()) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(alice.id, "slow")
    assert [m.text for m in emu.bot_messages(alice)] == ["slow"]


async def test_hold_release_and_wait_for_request(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    emu.hold("sendMessage")
    task = asyncio.create_task(bot.send_message(alice.id, "held"))
    record = await emu.wait_for_request("sendMessage", timeout=2)
    assert record.params["text"] == "held" and record.status is None
    await emu.wait_until(lambda: emu.held == 1, timeout=2)
    assert emu.bot_messages(alice) == [] and not task.done()
    emu.release("sendMessage")
    sent = await asyncio.wait_for(task, 2)
    assert sent.text == "held" and record.status == 200
    with pytest.raises(TimeoutError, match="no sendPhoto request"):
        await emu.wait_for_request("sendPhoto", timeout=0.1)
    emu.hold("sendMessage")
    task = asyncio.create_task(bot.send_message(alice.id, "never"))
    await emu.wait_until(lambda: emu.held == 1, timeout=2)
    emu.release("sendMessage", drop=True)
    with pytest.raises(NetworkError):
        await asyncio.wait_for(task, 2)
    assert [m.text for m in emu.bot_messages(alice)] == ["held"]


async def test_request_log_unpacks(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    await bot.send_message(alice.id, "x")
    when, method, params, status = emu.requests[-1]
    assert method == "sendMessage" and params["chat_id"] == alice.id and status == 200
    assert when > 0 and emu.stats.by_method["getMe"] == 1
