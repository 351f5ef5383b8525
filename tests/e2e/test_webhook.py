"""Webhook mode over real HTTP: the emulator POSTs updates to the bot's aiohttp server."""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select
from telegram import Update
from telegram.ext import TypeHandler
from yarl import URL

from bot.application import DB_ATTEMPTS
from bot.webhook import SECRET_HEADER
from emulator import BotApiEmulator
from emulator.models import User
from storage.models import ProcessedUpdate
from tests.helpers.group_flow import file, linked_chat
from tests.helpers.harness import (
    TOKEN,
    WEBHOOK_SECRET,
    BotHarness,
    load_roster_text,
    make_settings,
    running_bot,
    webhook_settings,
)
from tests.helpers.resident import complaints_of, draft_of, person, texts, with_buttons
from tests.helpers.rosters import example_roster
from tests.helpers.updates import unparseable

ROOT = Path(__file__).resolve().parents[2]


def _text_update(update_id: int, user: User, text: str) -> dict[str, Any]:
    """A message update as Telegram would POST it, from `user` in their private chat."""
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "from": user.to_dict(),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        ]
    return {"update_id": update_id, "message": message}


async def _post(
    harness: BotHarness, body: Any, secret: str | None = WEBHOOK_SECRET, *, raw: bool = False
) -> int:
    """POST to the bot's webhook as Telegram does; the HTTP status."""
    headers = {} if secret is None else {SECRET_HEADER: secret}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            harness.settings.webhook_url,
            headers=headers,
            **({"data": body} if raw else {"json": body}),
        ) as response,
    ):
        return response.status


async def _processed(harness: BotHarness) -> set[int]:
    async with harness.database.transaction() as session:
        rows = (await session.exec(select(ProcessedUpdate))).all()
        return {row.update_id for row in rows}


def _failing(update_ids: set[int], attempts: dict[int, int]) -> TypeHandler[Update, Any, Any]:
    """A handler that fails like a lost database connection on every attempt at these updates."""

    async def flaky(update: Update, context: object) -> None:
        attempts[update.update_id] = attempts.get(update.update_id, 0) + 1
        if update.update_id in update_ids:
            raise OperationalError("SELECT 1", {}, Exception("connection reset"))

    return TypeHandler(Update, flaky)


async def test_a_resident_files_a_complaint_and_the_group_card_arrives(tmp_path: Path) -> None:
    async with running_bot(tmp_path, webhook=True) as harness:
        hook = harness.emu.webhook
        assert hook is not None and hook["url"] == harness.settings.webhook_url
        assert hook["secret_token"] == WEBHOOK_SECRET

        inspector = await linked_chat(harness)
        resident, number = await file(harness)
        await harness.settle()

        card = inspector.card(number)
        assert "小店村" in (card.text or "") and card.buttons
        (complaint,) = await complaints_of(harness, resident.user.id)
        assert complaint.number == number
        assert harness.emu.requests_of("getUpdates") == []
        deliveries = harness.emu.webhook_deliveries
        assert deliveries and all(d.status == 200 for d in deliveries)
        assert {d.update_id for d in deliveries} <= await _processed(harness)


async def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(tmp_path, webhook=True) as harness:
        someone = harness.emu.add_user(first_name="冒充")
        update = _text_update(7, someone, "/start v_xiaodian")
        caplog.set_level(logging.WARNING, logger="bot.webhook")

        assert await _post(harness, update, secret=None) == 401
        assert await _post(harness, update, secret="not-the-secret") == 403
        assert await _post(harness, update, secret=WEBHOOK_SECRET + "x") == 403
        assert await _post(harness, b"{not json", raw=True) == 400
        assert await _post(harness, [1, 2]) == 400
        await harness.settle()

        assert 7 not in await _processed(harness)
        assert await draft_of(harness, someone.id) is None
        assert harness.emu.bot_messages(someone.id) == []
        logged = caplog.text
        assert "without the secret token" in logged and "wrong secret token" in logged
        assert "bad body" in logged

        # The same update with the right secret is handled: it was the secret that was refused.
        assert await _post(harness, update) == 200
        await harness.settle()
        assert 7 in await _processed(harness)
        assert "请选择问题类别" in texts(harness.emu.bot_messages(someone.id))


async def test_an_unparseable_update_is_answered_200_logged_and_changes_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(tmp_path, webhook=True) as harness:
        caplog.set_level(logging.WARNING, logger="bot.webhook")
        resident = person(harness, "孙")
        bad = harness.emu.enqueue_update(unparseable(resident.user.id))
        await harness.settle()

        deliveries = harness.emu.webhook_deliveries
        assert [d.status for d in deliveries if d.update_id == bad["update_id"]] == [200]
        assert bad["update_id"] not in await _processed(harness)
        assert harness.emu.bot_messages(resident.user.id) == []
        (record,) = [r for r in caplog.records if str(bad["update_id"]) in r.getMessage()]
        assert record.levelno >= logging.WARNING and '"date": "yesterday"' in record.getMessage()

        # The chat is not held back: its next update is handled.
        assert "请选择问题类别" in texts(await resident.say("/start v_xiaodian"))


async def test_an_update_not_committed_gets_500_and_is_redelivered_once(tmp_path: Path) -> None:
    async with running_bot(tmp_path, webhook=True) as harness:
        resident = person(harness, "李")
        attempts: dict[int, int] = {}
        doomed: set[int] = set()
        assert harness.runtime.app is not None
        harness.runtime.app.add_handler(_failing(doomed, attempts), group=-10)

        # The first delivery fails to commit DB_ATTEMPTS times in a row, then the database is
        # back; the emulator delivers the same update again.
        harness.emu.send_text(resident.user, "/start v_xiaodian")
        raw = copy.deepcopy(harness.emu.pending_updates[-1])
        update_id = raw["update_id"]
        doomed.add(update_id)
        await harness.emu.wait_until(
            lambda: any(d.status == 500 for d in harness.emu.webhook_deliveries), timeout=10
        )
        doomed.clear()
        await harness.settle(within=20)

        statuses = [d.status for d in harness.emu.webhook_deliveries if d.update_id == update_id]
        assert statuses[0] == 500 and statuses[-1] == 200, statuses
        assert attempts[update_id] == DB_ATTEMPTS + statuses.count(200)
        assert "500" in (harness.emu.webhook or {}).get("last_error_message", "")
        messages = resident.new_messages()
        assert len(messages) == 1 and "请选择问题类别" in texts(messages), messages
        assert update_id in await _processed(harness)

        # Delivered again (as after a lost answer): nothing changes.
        draft = await draft_of(harness, resident.user.id)
        harness.emu.enqueue_update(raw)
        await harness.settle()
        assert resident.new_messages() == []
        assert await draft_of(harness, resident.user.id) == draft


async def test_one_chats_updates_are_never_overtaken_by_a_failed_one(tmp_path: Path) -> None:
    async with running_bot(tmp_path, webhook=True) as harness:
        first, other = harness.emu.add_user(first_name="甲"), harness.emu.add_user(first_name="乙")
        attempts: dict[int, int] = {}
        doomed = {11}
        assert harness.runtime.app is not None
        harness.runtime.app.add_handler(_failing(doomed, attempts), group=-10)

        assert await _post(harness, _text_update(11, first, "/start v_xiaodian")) == 500
        # The same chat's next update must wait for 11; another chat's goes ahead.
        assert await _post(harness, _text_update(12, first, "/help")) == 500
        assert await _post(harness, _text_update(21, other, "/help")) == 200
        assert 12 not in attempts and await _processed(harness) >= {21}
        assert not {11, 12} & await _processed(harness)

        doomed.clear()
        assert await _post(harness, _text_update(11, first, "/start v_xiaodian")) == 200
        assert await _post(harness, _text_update(12, first, "/help")) == 200
        await harness.settle()
        replies = harness.emu.bot_messages(first.id)
        assert "请选择问题类别" in (replies[0].text or "") and len(replies) == 2
        assert await _processed(harness) >= {11, 12, 21}


async def test_an_older_redelivery_does_not_release_a_held_chat(tmp_path: Path) -> None:
    async with running_bot(tmp_path, webhook=True) as harness:
        first = harness.emu.add_user(first_name="甲")
        attempts: dict[int, int] = {}
        assert harness.runtime.app is not None
        harness.runtime.app.add_handler(_failing({11}, attempts), group=-10)
        assert await _post(harness, _text_update(10, first, "/help")) == 200
        assert await _post(harness, _text_update(11, first, "/start v_xiaodian")) == 500
        # Telegram missed our answer to 10 and sends it again: fine, but 11 still holds 12.
        assert await _post(harness, _text_update(10, first, "/help")) == 200
        assert await _post(harness, _text_update(12, first, "/help")) == 500
        assert 12 not in attempts


async def test_a_secret_header_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    async with running_bot(tmp_path, webhook=True) as harness:
        url = URL(harness.settings.webhook_url)
        reader, writer = await asyncio.open_connection(url.host, url.port)
        body = b"{}"
        writer.write(
            f"POST {url.path} HTTP/1.1\r\nHost: {url.host}\r\n".encode()
            + SECRET_HEADER.encode()
            + b": \xff\xfe\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        status_line = await reader.readline()
        writer.close()
        assert status_line.split()[1] == b"403", status_line


async def test_setwebhook_is_tried_again_when_telegram_cannot_be_reached(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, webhook=True) as harness:
        await harness.runtime.stop()
        harness.emu.inject(method="setWebhook", kind="5xx", times=2)
        await harness.restart_stopped()
        statuses = [r.status for r in harness.emu.requests_of("setWebhook")]
        assert statuses[-3:] == [502, 502, 200]
        someone = harness.emu.add_user()
        harness.emu.send_text(someone, "/help")
        await harness.settle()
        assert harness.emu.bot_messages(someone)


async def test_a_restart_in_webhook_mode_loses_nothing(tmp_path: Path) -> None:
    async with running_bot(tmp_path, webhook=True) as harness:
        resident = person(harness, "王")
        messages = await resident.say("/start v_xiaodian")
        categories = with_buttons(messages)

        await harness.runtime.stop()
        assert harness.emu.webhook is not None, "the webhook stays set while the bot is down"
        assert harness.emu.requests_of("deleteWebhook") == []
        before = len(harness.emu.webhook_deliveries)
        harness.emu.press_button(resident.user, categories, categories.buttons[0][0])
        harness.emu.send_text(resident.user, "村里机井水压太低，浇不了地，已经两个月了。")
        await harness.emu.wait_until(
            lambda: any(not d.ok for d in harness.emu.webhook_deliveries[before:]), timeout=10
        )
        assert len(harness.emu.pending_updates) == 2

        await harness.restart_stopped()
        await harness.settle(within=20)
        messages = resident.new_messages()
        assert "请描述问题" in texts(messages) and "文字 21 字" in texts(messages), messages
        draft = await draft_of(harness, resident.user.id)
        assert draft is not None and draft.description


async def test_polling_mode_deletes_the_webhook_and_gets_what_waited(tmp_path: Path) -> None:
    async with running_bot(tmp_path, webhook=True) as harness:
        resident = person(harness, "赵")
        await resident.say("/help")
        await harness.runtime.stop()
        harness.emu.send_text(resident.user, "/start v_xiaodian")

        harness.settings = make_settings(harness.emu, harness.settings.database_url)
        await harness.restart_stopped()
        await harness.settle(within=20)
        assert harness.emu.webhook is None
        deleted = harness.emu.requests_of("deleteWebhook")
        assert len(deleted) == 1 and not deleted[0].params.get("drop_pending_updates")
        assert "请选择问题类别" in texts(resident.new_messages()[-1:])


async def test_xuncha_run_in_webhook_mode(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    await load_roster_text(url, example_roster())
    log_path = tmp_path / "bot.log"
    async with BotApiEmulator(token=TOKEN, enforce_limits=True) as emu:
        overrides = webhook_settings()
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": emu.base_url,
            "DATABASE_URL": url,
            "SCHEDULED_JOBS": "false",
            **{key.upper(): value for key, value in overrides.items()},
        }
        with log_path.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--verbose",  # the log on stderr too: the test reads it
                "run",
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        try:
            resident = emu.add_user(first_name="钱")
            emu.send_text(resident, "/help")
            reply = await emu.next_bot_message(resident, timeout=30)
            assert "/start" in (reply.text or "")
            assert emu.webhook is not None and emu.requests_of("getUpdates") == []
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), 20) == 0
            assert emu.webhook is not None
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            output = log_path.read_text(errors="replace")
            print(output[-5000:])
    assert "webhook mode" in output
