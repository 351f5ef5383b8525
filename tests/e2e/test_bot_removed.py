"""The bot removed from a linked chat: the office is told at once, what is on its way to that
chat waits (nothing fails for good), and once the bot is back (or the group is linked to a new
chat) every open complaint's card is there (issue 9 item 4)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlmodel import select
from typer.testing import CliRunner, Result

from bot.cli import app as cli
from storage.models import OutboxMessage
from tests.helpers.cli import ENGLISH
from tests.helpers.group_flow import Member, complaint, file, linked_chat, new_chat
from tests.helpers.groups import issue_code
from tests.helpers.harness import BotHarness
from tests.helpers.resident import texts

LOST = "机器人已被移出 第三巡察组 的工作群"
BACK = "第三巡察组 的工作群已恢复送达"


async def office_and_group(bot: BotHarness) -> tuple[Member, Member]:
    """The round office's chat and the group g3's chat, both linked."""
    office = await linked_chat(bot, "office", None, "巡察办工作群", "周主任")
    group = await linked_chat(bot)
    office.new_messages()
    return office, group


def requests_to(bot: BotHarness, member: Member) -> list[object]:
    """The bot's calls addressed to the member's chat."""
    return [r for r in bot.emu.requests if str(r.params.get("chat_id")) == str(member.chat.id)]


async def rows_about(bot: BotHarness, number: str) -> list[OutboxMessage]:
    """The outbox rows about one complaint."""
    found = await complaint(bot, number)
    async with bot.database.transaction() as session:
        statement = select(OutboxMessage).where(OutboxMessage.complaint_id == found.id)
        return list((await session.exec(statement)).all())


async def outbox_status(bot: BotHarness) -> Result:
    """What `xuncha outbox status` prints for the bot's database."""
    env = {"DATABASE_URL": bot.settings.database_url, **ENGLISH}
    return await asyncio.to_thread(CliRunner().invoke, cli, ["outbox", "status"], env=env)


def warnings_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The warnings (and worse) logged so far."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


async def test_the_office_is_told_cards_wait_and_arrive_when_the_bot_is_back(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    office, group = await office_and_group(bot)
    caplog.set_level(logging.WARNING)
    bot.emu.kick_bot(group.chat, notify_bot=True)
    await bot.settle()
    told = texts(office.new_messages())
    assert LOST in told and "新的群众反映暂时无法送达该组" in told
    assert any(
        "第三巡察组" in message and str(group.chat.id) in message
        for message in warnings_logged(caplog)
    ), "the operator's log names the group and the chat"

    before = len(requests_to(bot, group))
    _resident, number = await file(bot)
    rows = await rows_about(bot, number)
    assert rows and all(row.status == "pending" for row in rows), "the card waits"
    # Nothing is tried against the chat while the bot is out of it (no busy loop).
    assert len(requests_to(bot, group)) == before
    group.new_messages()

    bot.emu.add_bot_back(group.chat)
    await bot.settle()
    assert group.card(number).buttons, "the card arrives once the bot is back"
    assert all(row.status == "sent" for row in await rows_about(bot, number))
    assert BACK in texts(office.new_messages())


async def test_a_403_before_any_update_marks_the_chat_lost_and_a_relink_delivers(
    bot: BotHarness,
) -> None:
    office, group = await office_and_group(bot)
    bot.emu.kick_bot(group.chat)  # Telegram's update has not come (yet)
    _resident, number = await file(bot)
    assert LOST in texts(office.new_messages()), "the 403 tells the office too"
    assert all(row.status != "failed" for row in await rows_about(bot, number))

    new = new_chat(bot, "第三巡察组新群", "钱")
    code = await issue_code(bot, "group", "g3")
    assert "关联成功" in texts(await new.say(f"/link {code}"))
    assert new.card(number).buttons, "the complaint filed meanwhile is in the new chat"
    assert BACK in texts(office.new_messages())


async def test_the_same_chat_linked_again_after_the_bot_is_back_delivers(
    bot: BotHarness,
) -> None:
    office, group = await office_and_group(bot)
    bot.emu.kick_bot(group.chat)
    _resident, number = await file(bot)
    bot.emu.add_bot_back(group.chat, notify_bot=False)
    code = await issue_code(bot, "group", "g3")
    await group.say(f"/link {code}")
    assert group.card(number).buttons
    assert BACK in texts(office.new_messages())


async def test_the_office_chat_lost_is_only_logged(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    office, group = await office_and_group(bot)
    caplog.set_level(logging.WARNING)
    bot.emu.kick_bot(office.chat, notify_bot=True)
    await bot.settle()
    assert any(str(office.chat.id) in message for message in warnings_logged(caplog))
    _resident, number = await file(bot)
    assert group.card(number).buttons, "the group's chat is not affected"


async def test_outbox_status_shows_each_lost_chat(bot: BotHarness) -> None:
    _office, group = await office_and_group(bot)
    bot.emu.kick_bot(group.chat, notify_bot=True)
    await bot.settle()
    await file(bot)
    result = await outbox_status(bot)
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if "lost" in line]
    assert str(group.chat.id) in line and "第三巡察组" in line and "WD2023-1" in line
    assert "failed 0" in result.output

    bot.emu.add_bot_back(group.chat)
    await bot.settle()
    result = await outbox_status(bot)
    assert "lost" not in result.output
