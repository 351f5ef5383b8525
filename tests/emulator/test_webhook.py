"""setWebhook / deleteWebhook / getWebhookInfo, and the emulator POSTing updates to a webhook."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from emulator import BotApiEmulator
from emulator.webhook import SECRET_HEADER
from tests.emulator.conftest import TOKEN
from tests.helpers.harness import free_port

CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


@dataclass
class Receiver:
    """A webhook endpoint: records what arrives, answers with the statuses it is given."""

    port: int
    statuses: list[int] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[str | None] = field(default_factory=list)
    active: int = 0
    most_active: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def handle(self, request: web.Request) -> web.Response:
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            self.secrets.append(request.headers.get(SECRET_HEADER))
            self.received.append(await request.json())
            await asyncio.sleep(0.01)  # long enough for a second delivery to overlap, if any
            status = self.statuses.pop(0) if self.statuses else 200
            return web.Response(status=status)
        finally:
            self.active -= 1


async def _serve(receiver: Receiver) -> web.AppRunner:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", receiver.port).start()
    return runner


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A listening webhook endpoint on a free loopback port."""
    found = Receiver(free_port())
    runner = await _serve(found)
    try:
        yield found
    finally:
        await runner.cleanup()


async def test_webhook_info_follows_set_and_delete(emu: BotApiEmulator, bot: Bot) -> None:
    info = await bot.get_webhook_info()
    assert info.url == "" and info.pending_update_count == 0

    assert await bot.set_webhook(
        "https://bot.example.org/telegram",
        secret_token="s3cret_-X",
        allowed_updates=["message", "callback_query"],
        max_connections=10,
    )
    info = await bot.get_webhook_info()
    assert info.url == "https://bot.example.org/telegram"
    assert info.max_connections == 10
    assert list(info.allowed_updates or []) == ["message", "callback_query"]
    assert "secret" not in str(info.to_dict())
    assert emu.webhook is not None and emu.webhook["secret_token"] == "s3cret_-X"

    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == "" and emu.webhook is None


async def test_a_webhook_url_must_be_http(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
        await bot.set_webhook("ftp://bot.example.org/telegram")


async def test_get_updates_answers_409_while_a_webhook_is_set(
    emu: BotApiEmulator, bot: Bot
) -> None:
    await bot.set_webhook("https://bot.example.org/telegram")
    with pytest.raises(Conflict):
        await bot.get_updates()
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.base_url}/bot{TOKEN}/getUpdates", json={}) as response,
    ):
        body = await response.json()
    assert response.status == 409
    assert body == {"ok": False, "error_code": 409, "description": CONFLICT}


async def test_updates_are_posted_one_at_a_time_in_order_with_the_secret(
    emu: BotApiEmulator, bot: Bot, receiver: Receiver
) -> None:
    alice, bob = emu.add_user("Alice"), emu.add_user("Bob")
    for i in range(3):
        emu.send_text(alice, f"alice {i}")
        emu.send_text(bob, f"bob {i}")
    queued = [u["update_id"] for u in emu.pending_updates]

    await bot.set_webhook(receiver.url, secret_token="s3cret")
    await emu.wait_until(lambda: not emu.pending_updates, timeout=10)

    assert [u["update_id"] for u in receiver.received] == sorted(queued)
    assert [u["message"]["text"] for u in receiver.received][:2] == ["alice 0", "bob 0"]
    assert receiver.secrets == ["s3cret"] * 6
    assert receiver.most_active == 1
    assert [d.status for d in emu.webhook_deliveries] == [200] * 6


async def test_a_refused_delivery_is_retried_until_accepted(
    emu: BotApiEmulator, bot: Bot, receiver: Receiver
) -> None:
    alice = emu.add_user("Alice")
    receiver.statuses = [500, 403]
    await bot.set_webhook(receiver.url, secret_token="s3cret")
    emu.send_text(alice, "first")
    emu.send_text(alice, "second")
    await emu.wait_until(lambda: not emu.pending_updates, timeout=10)

    texts = [u["message"]["text"] for u in receiver.received]
    assert texts == ["first", "first", "first", "second"]
    assert [d.status for d in emu.webhook_deliveries] == [500, 403, 200, 200]
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 403 Forbidden"
    assert info.pending_update_count == 0


async def test_an_unreachable_webhook_is_retried_until_it_answers(
    emu: BotApiEmulator, bot: Bot
) -> None:
    alice = emu.add_user("Alice")
    receiver = Receiver(free_port())
    await bot.set_webhook(receiver.url, secret_token="s3cret")
    emu.send_text(alice, "while down")
    await emu.wait_until(lambda: len(emu.webhook_deliveries) >= 2, timeout=10)
    assert all(d.status == 0 and not d.ok for d in emu.webhook_deliveries)
    assert (await bot.get_webhook_info()).pending_update_count == 1

    runner = await _serve(receiver)
    try:
        await emu.wait_until(lambda: not emu.pending_updates, timeout=10)
    finally:
        await runner.cleanup()
    assert [u["message"]["text"] for u in receiver.received] == ["while down"]
    assert (emu.webhook or {}).get("last_error_message", "").startswith("Connection failed")


async def test_delete_webhook_hands_the_queue_back_to_get_updates(
    emu: BotApiEmulator, bot: Bot, receiver: Receiver
) -> None:
    alice = emu.add_user("Alice")
    receiver.statuses = [500] * 1000
    await bot.set_webhook(receiver.url, secret_token="s3cret")
    emu.send_text(alice, "kept")
    await emu.wait_until(lambda: emu.webhook_deliveries, timeout=10)

    assert await bot.delete_webhook()
    delivered = len(receiver.received)
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["kept"]
    assert len(receiver.received) <= delivered + 1  # at most the one already in flight

    await bot.set_webhook(receiver.url, drop_pending_updates=True)
    assert emu.pending_updates == []
