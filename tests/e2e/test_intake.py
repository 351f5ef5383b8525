"""Long polling: an update the library cannot parse is logged and skipped, the rest handled."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path

import pytest
from telegram.error import InvalidToken

from emulator import BotApiEmulator
from tests.helpers.harness import TOKEN, BotHarness, load_roster_text
from tests.helpers.resident import person, texts
from tests.helpers.rosters import example_roster
from tests.helpers.updates import unparseable

ROOT = Path(__file__).resolve().parents[2]


async def test_an_unparseable_update_is_logged_and_skipped_and_the_batch_is_handled(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.intake")
    resident = person(bot, "李")
    # Both in one getUpdates batch: queued while the bot is down.
    await bot.runtime.stop()
    bad = bot.emu.enqueue_update(unparseable(resident.user.id + 1))
    bot.emu.send_text(resident.user, "/start v_xiaodian")
    await bot.restart_stopped()
    await bot.settle()

    assert "请选择问题类别" in texts(resident.new_messages())
    poller = bot.runtime.poller
    assert poller is not None and poller.offset is not None and poller.offset > bad["update_id"]
    logged = [r for r in caplog.records if r.name == "bot.intake"]
    (record,) = [r for r in logged if str(bad["update_id"]) in r.getMessage()]
    assert record.levelno >= logging.WARNING
    assert json.dumps(bad["message"]["chat"], ensure_ascii=False) in record.getMessage()

    # The process keeps running: the next update is handled too.
    assert "/start" in texts(await resident.say("/help"))

    # A restart does not fetch it again.
    caplog.clear()
    await bot.restart()
    await bot.settle()
    assert all(u["update_id"] != bad["update_id"] for u in bot.emu.pending_updates)
    assert str(bad["update_id"]) not in caplog.text
    assert texts(await resident.say("/help"))


async def test_xuncha_run_keeps_running_past_an_unparseable_update(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    await load_roster_text(url, example_roster())
    log_path = tmp_path / "bot.log"
    async with BotApiEmulator(token=TOKEN, enforce_limits=True) as emu:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": emu.base_url,
            "DATABASE_URL": url,
            "SCHEDULED_JOBS": "false",
        }

        async def start() -> asyncio.subprocess.Process:
            with log_path.open("ab") as log:
                return await asyncio.create_subprocess_exec(
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

        resident = emu.add_user(first_name="钱")
        bad = emu.enqueue_update(unparseable(resident.id + 1))
        emu.send_text(resident, "/start v_xiaodian")
        process = await start()
        try:
            reply = await emu.next_bot_message(resident, timeout=30)
            # The real clock is outside the example round: the /start is answered all the same.
            assert "小店村" in (reply.text or "")
            assert process.returncode is None
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), 20) == 0
            first_run = log_path.read_text(errors="replace")
            assert f"update {bad['update_id']}" in first_run and '"date": "yesterday"' in first_run

            # The next run does not meet it again.
            process = await start()
            emu.send_text(resident, "/help")
            await emu.next_bot_message(resident, timeout=30)
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), 20) == 0
            assert (
                str(bad["update_id"]) not in log_path.read_text(errors="replace")[len(first_run) :]
            )
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            print(log_path.read_text(errors="replace")[-5000:])


async def test_a_token_telegram_refuses_ends_polling(bot: BotHarness) -> None:
    # Raw getUpdates (do_api_request) must still end the loop on a revoked token, not retry.
    await bot.wait_for(lambda: bool(bot.emu.requests_of("getUpdates")))
    bot.emu.state.token = "999:REVOKED"
    bot.emu.send_text(bot.emu.add_user(), "/help")
    with pytest.raises(InvalidToken):
        await asyncio.wait_for(bot.runtime.wait(), 20)
