"""Linking chats with /link CODE, moving and unlinking them; silence in unlinked chats."""

from __future__ import annotations

from datetime import timedelta

from tests.helpers.group_flow import file, linked_chat, new_chat
from tests.helpers.groups import issue_code
from tests.helpers.harness import BotHarness
from tests.helpers.resident import texts


async def test_an_administrator_links_the_group_chat_and_cards_arrive(bot: BotHarness) -> None:
    admin = new_chat(bot, "第三巡察组工作群")
    code = await issue_code(bot, "group", "g3")
    messages = await admin.say(f"/link {code}")
    assert len(messages) == 1
    text = texts(messages)
    assert "关联成功" in text and "第三巡察组" in text and "卫东区委2023年第一轮巡察" in text
    assert messages[0].reply_to_message_id is not None
    assert bot.emu.requests_of("getChatMember"), "the administrator check asks Telegram"

    _resident, number = await file(bot)
    card = admin.card(number)
    assert card.buttons, "the card has buttons"


async def test_a_member_who_is_not_an_administrator_cannot_link(bot: BotHarness) -> None:
    admin = new_chat(bot, "群")
    member = admin.colleague("小李")
    code = await issue_code(bot, "group", "g3")
    messages = await member.say(f"/link {code}")
    assert "只有本群管理员" in texts(messages)
    # Nothing changed: the code still works for the administrator.
    messages = await admin.say(f"/link {code}")
    assert "关联成功" in texts(messages)


async def test_unknown_used_and_expired_codes_change_nothing(bot: BotHarness) -> None:
    admin = new_chat(bot, "群")
    messages = await admin.say("/link NOSUCHCD")
    assert "链接码无效" in texts(messages)
    messages = await admin.say("/link")
    assert "/link AB12CD34" in texts(messages)

    code = await issue_code(bot, "group", "g3")
    bot.clock.advance(timedelta(hours=25))
    messages = await admin.say(f"/link {code}")
    assert "链接码无效" in texts(messages)
    # Still unlinked: the bot says nothing to anything else.
    assert await admin.say("/open") == []

    fresh = await issue_code(bot, "group", "g3")
    assert "关联成功" in texts(await admin.say(f"/link {fresh}"))
    other = new_chat(bot, "另一个群", "赵")
    assert "链接码无效" in texts(await other.say(f"/link {fresh}")), "a code works once"


async def test_linking_another_chat_moves_the_group_there(bot: BotHarness) -> None:
    old = await linked_chat(bot, title="旧群")
    new = new_chat(bot, "新群", "钱")
    code = await issue_code(bot, "group", "g3")
    messages = await new.say(f"/link {code}")
    assert "关联成功" in texts(messages) and "原来关联的群已解除关联" in texts(messages)

    old.new_messages()
    _resident, number = await file(bot)
    assert new.card(number).buttons
    assert old.new_messages() == [], "the old chat gets nothing any more"
    assert await old.say("/open") == []
    assert "未办结的反映" in texts(await new.say("/open"))


async def test_a_department_and_an_office_chat_are_linked_too(bot: BotHarness) -> None:
    department = new_chat(bot, "区水利局工作群", "孙")
    code = await issue_code(bot, "department", "water")
    messages = await department.say(f"/link {code}")
    assert "关联成功" in texts(messages) and "区水利局" in texts(messages)
    assert "责任单位工作群" in texts(await department.say("/help"))
    assert "只能在巡察组工作群" in texts(await department.say("/open"))

    office = new_chat(bot, "巡察办", "周")
    code = await issue_code(bot, "office", None, "WD2023-1")
    messages = await office.say(f"/link {code}")
    assert "关联成功" in texts(messages) and "巡察办" in texts(messages)


async def test_unlink_by_an_administrator_only(bot: BotHarness) -> None:
    admin = await linked_chat(bot)
    member = admin.colleague("小李")
    messages = await member.say("/unlink")
    assert "只有本群管理员" in texts(messages)
    assert "没有未办结的反映" in texts(await admin.say("/open")), "still linked"

    messages = await admin.say("/unlink")
    assert "已解除关联" in texts(messages) and "第三巡察组" in texts(messages)
    # Unlinked: silence, and no cards.
    assert await admin.say("/open") == []
    assert await admin.say("/unlink") == []
    _resident, _number = await file(bot)
    assert admin.new_messages() == []


async def test_an_unlinked_chat_hears_only_link_and_help(bot: BotHarness) -> None:
    admin = new_chat(bot, "随便一个群")
    for text in ("/open", "/find WD2023-1-0001", "/overdue", "/unlink", "/start", "你好"):
        assert await admin.say(text) == [], text
    messages = await admin.say("/help")
    assert "/link" in texts(messages) and "不会发任何消息" in texts(messages)
    # A button pressed there (a forged one) is answered, but nothing is posted.
    answer, messages = await admin.press(messages[0], "cmp:acc:1:n", check=False)
    assert answer and messages == []


async def test_help_in_a_linked_group_chat(bot: BotHarness) -> None:
    admin = await linked_chat(bot)
    text = texts(await admin.say("/help"))
    for command in ("/open", "/find", "/overdue"):
        assert command in text
