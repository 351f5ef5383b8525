"""`xuncha doctor` against the emulator: all ✅ when everything is in place, and one ❌ line
with what to do for a wrong token, an unreachable server, a chat the bot was removed from."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner, Result

from bot.cli import app
from storage import outbox
from tests.helpers.cli import CHINESE
from tests.helpers.group_flow import linked_chat
from tests.helpers.harness import TOKEN, BotHarness, free_port, running_bot


async def doctor(bot: BotHarness, **env: str) -> Result:
    """`xuncha doctor` for the running bot's database and emulator (in Chinese)."""
    values = {
        "DATABASE_URL": bot.settings.database_url,
        "TELEGRAM_API_BASE_URL": bot.emu.base_url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        **CHINESE,
    }
    return await asyncio.to_thread(CliRunner().invoke, app, ["doctor"], env=values | env)


def check_lines(result: Result) -> list[str]:
    """The doctor's check lines (✅, ❌ or ➖ first)."""
    return [line for line in result.output.splitlines() if line[:1] in ("✅", "❌", "➖")]


async def test_all_is_well_with_linked_chats_that_got_their_messages(bot: BotHarness) -> None:
    await linked_chat(bot)  # g3's chat; the bot answered there (a delivery that went out)
    await linked_chat(bot, "office", None, title="巡察办工作群", admin_name="李主任")
    result = await doctor(bot)
    assert result.exit_code == 0, result.output
    lines = check_lines(result)
    assert lines and all(line.startswith("✅") for line in lines), result.output
    text = "\n".join(lines)
    assert f"Bot API 服务器 {bot.emu.base_url} 可以连接" in text
    assert f"令牌有效：机器人 @{bot.emu.bot_username}" in text
    # The emulator's bot has privacy mode on, but it administers both chats.
    assert "群隐私模式开着，但机器人在每个已接入的工作群都是管理员" in text
    assert "结构版本" in text and "（最新）" in text
    assert "接收方式：长轮询" in text
    assert "巡察组 第三巡察组（轮次 WD2023-1" in text and "最近一次发送成功" in text
    assert "巡察办" in text
    assert "发送队列：没有发送失败的消息" in text
    assert result.output.rstrip().endswith("全部正常。")


async def test_a_wrong_token_is_one_red_line_with_what_to_do(bot: BotHarness) -> None:
    result = await doctor(bot, TELEGRAM_BOT_TOKEN="123456:WRONG")
    assert result.exit_code == 1
    lines = check_lines(result)
    assert f"✅ Bot API 服务器 {bot.emu.base_url} 可以连接" in lines
    (token,) = [line for line in lines if "令牌" in line and line.startswith("❌")]
    assert "Telegram 拒绝了令牌 TELEGRAM_BOT_TOKEN" in token and "@BotFather" in token
    assert "WRONG" not in result.output
    assert "Traceback" not in result.output


async def test_an_unreachable_server_names_the_proxy_settings(bot: BotHarness) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    result = await doctor(bot, TELEGRAM_API_BASE_URL=closed)
    assert result.exit_code == 1
    (server,) = [line for line in check_lines(result) if line.startswith("❌")]
    assert server.startswith(f"❌ 连不上 Bot API 服务器 {closed}")
    assert "➖ 令牌：未检查" in result.output
    assert "TELEGRAM_PROXY_URL" in server and "TELEGRAM_API_BASE_URL" in server
    # The database is checked all the same.
    assert any(line.startswith("✅ 数据库") for line in check_lines(result))
    assert "Traceback" not in result.output


async def test_a_console_over_plain_http_to_another_machine_is_red(bot: BotHarness) -> None:
    await linked_chat(bot)
    lan = "http://192.168.1.20:8090/console"
    plain = await doctor(bot, CONSOLE_URL=lan)
    assert plain.exit_code == 1, plain.output
    (line,) = [line for line in check_lines(plain) if line.startswith("❌")]
    assert line.startswith(f"❌ 工作台地址 {lan} 是 http：登录链接") and "https 反向代理" in line
    # https, or http only on this machine, is fine; no CONSOLE_URL, no line at all.
    for url in ("https://bot.example.org/console", "http://127.0.0.1:8090/console"):
        fine = await doctor(bot, CONSOLE_URL=url)
        assert fine.exit_code == 0, fine.output
        assert any(line.startswith(f"✅ 工作台地址：{url}（") for line in check_lines(fine))
    assert "工作台" not in (await doctor(bot)).output


async def test_a_chat_the_bot_was_removed_from(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    bot.emu.kick_bot(group.chat)
    result = await doctor(bot)
    assert result.exit_code == 1
    (line,) = [line for line in check_lines(result) if "第三巡察组" in line]
    assert line.startswith("❌") and "机器人不在群里" in line and "/link" in line


async def test_a_failed_message_in_the_outbox(bot: BotHarness) -> None:
    resident = bot.emu.add_user()
    bot.emu.block_user(resident)
    # A notice to a resident who blocked the bot gets 403: failed for good.
    async with bot.database.transaction() as session:
        outbox.enqueue_call(
            session=session,
            chat_id=resident.id,
            method="sendMessage",
            params={"chat_id": resident.id, "text": "您的反映已办结"},
            now=datetime.now(UTC),
        )
    assert bot.runtime.app is not None
    bot.runtime.app.outbox_wakeup.set()
    await bot.settle()
    result = await doctor(bot)
    assert result.exit_code == 1
    failed = [line for line in check_lines(result) if line.startswith("❌")]
    assert failed == ["❌ 发送队列：1 条消息发送失败。xuncha outbox status 查看原因"]


async def test_the_webhook_when_it_is_configured(tmp_path: Path) -> None:
    async with running_bot(tmp_path, webhook=True) as harness:
        webhook = {
            "WEBHOOK_URL": harness.settings.webhook_url,
            "WEBHOOK_SECRET": harness.settings.webhook_secret,
        }
        result = await doctor(harness, **webhook)
        assert result.exit_code == 0, result.output
        assert f"✅ Webhook 已登记：{harness.settings.webhook_url}，待处理的更新 0 条" in (
            result.output
        )
        other = {**webhook, "WEBHOOK_URL": "https://bot.example.org/elsewhere"}
        result = await doctor(harness, **other)
        assert result.exit_code == 1
        assert (
            f"❌ Telegram 登记的 webhook 是 {harness.settings.webhook_url}，"
            "应为 https://bot.example.org/elsewhere：运行 xuncha run 会重新登记"
        ) in result.output
