"""Operators (ADMIN_IDS) may /link a chat they are only a member of; nobody else may."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from storage.models import ResidentBlock
from tests.helpers.group_flow import Member, file, new_chat
from tests.helpers.groups import issue_code
from tests.helpers.harness import BotHarness, running_bot
from tests.helpers.resident import texts

OPERATOR = 424_242_424


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    """A running bot whose settings name one operator (ADMIN_IDS)."""
    async with running_bot(tmp_path, admin_ids=[OPERATOR]) as harness:
        yield harness


def operator_in(bot: BotHarness, admin: Member) -> Member:
    """The operator, a plain member (not an administrator) of the admin's chat."""
    user = bot.emu.add_user(first_name="巡察办小周", language_code="zh", user_id=OPERATOR)
    bot.emu.add_member(admin.chat, user)
    return Member(bot, user, admin.chat)


async def test_an_operator_who_is_a_plain_member_links_the_chat(bot: BotHarness) -> None:
    admin = new_chat(bot, "第三巡察组工作群")
    operator = operator_in(bot, admin)
    code = await issue_code(bot, "group", "g3")
    messages = await operator.say(f"/link {code}")
    assert "关联成功" in texts(messages) and "第三巡察组" in texts(messages)
    assert not bot.emu.requests_of("getChatMember"), "an operator's /link asks Telegram nothing"

    _resident, number = await file(bot)
    assert admin.card(number).buttons, "cards arrive in the chat the operator linked"


async def test_a_plain_member_who_is_no_operator_is_still_refused(bot: BotHarness) -> None:
    admin = new_chat(bot, "群")
    operator_in(bot, admin)
    member = admin.colleague("小李")
    code = await issue_code(bot, "group", "g3")
    assert "只有本群管理员" in texts(await member.say(f"/link {code}"))
    assert "关联成功" in texts(await admin.say(f"/link {code}")), "the code still works"


async def test_unlinking_stays_with_the_chats_administrators(bot: BotHarness) -> None:
    admin = new_chat(bot, "群")
    operator = operator_in(bot, admin)
    code = await issue_code(bot, "group", "g3")
    assert "关联成功" in texts(await operator.say(f"/link {code}"))
    assert "只有本群管理员" in texts(await operator.say("/unlink"))
    assert "已解除关联" in texts(await admin.say("/unlink"))


async def test_an_operator_links_while_telegram_cannot_say_who_administers(
    bot: BotHarness,
) -> None:
    admin = new_chat(bot, "群")
    operator = operator_in(bot, admin)
    bot.emu.inject(method="getChatMember", kind="5xx", times=None)
    code = await issue_code(bot, "group", "g3")
    assert "暂时无法确认" in texts(await admin.say(f"/link {code}"))
    assert "关联成功" in texts(await operator.say(f"/link {code}"))


async def test_an_operator_blocks_from_the_card_and_is_recorded_as_one(bot: BotHarness) -> None:
    admin = new_chat(bot, "第三巡察组工作群")
    code = await issue_code(bot, "group", "g3")
    await admin.say(f"/link {code}")
    operator = operator_in(bot, admin)
    _resident, number = await file(bot)
    _answer, messages = await operator.press(admin.card(number), "🚫 屏蔽")
    choice = messages[-1]
    await operator.press(choice, "7天")
    answer, _ = await operator.press(operator.message(choice.message_id), "恶意刷屏")
    assert answer == "已屏蔽"
    async with bot.database.transaction() as session:
        (row,) = (await session.exec(select(ResidentBlock))).all()
    assert (row.blocked_by_kind, row.blocked_by_name) == ("operator", "巡察办小周")
