"""Reply prompts: only the open prompt takes a reply; expired and replaced ones say so; stray
buttons are answered."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from tests.helpers.group_flow import events, file, linked_chat, prompt_in
from tests.helpers.harness import BotHarness
from tests.helpers.resident import texts


async def test_a_reply_to_an_older_prompt_does_not_carry_out_the_newer_one(
    bot: BotHarness,
) -> None:
    group = await linked_chat(bot)
    first, one = await file(bot, first_name="张")
    second, two = await file(bot, first_name="李")
    _, messages = await group.press(group.card(one), "不予受理")
    older = prompt_in(messages)
    _, messages = await group.press(group.card(two), "追问")
    newer = prompt_in(messages)
    first.new_messages()
    second.new_messages()
    internal = "内部：这个人之前也反映过，别理他"
    answer = texts(await group.reply(older, internal))
    assert "不再有效" in answer
    assert internal not in texts(second.new_messages()), "resident 2 never gets it"
    assert first.new_messages() == []
    assert [e.action for e in await events(bot, one)] == ["filed"]
    assert [e.action for e in await events(bot, two)] == ["filed"]
    # The newer prompt is still open and answers as asked.
    question = "请问具体在哪个位置？"
    assert two in texts(await group.reply(newer, question))
    assert question in texts(second.new_messages())


async def test_a_reply_to_an_expired_prompt_is_told_to_press_again(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    _, number = await file(bot)
    _, messages = await group.press(group.card(number), "备注")
    prompt = prompt_in(messages)
    bot.clock.advance(timedelta(hours=1, minutes=1))
    answer = texts(await group.reply(prompt, "已电话联系"))
    assert "已过期" in answer
    assert [e.action for e in await events(bot, number)] == ["filed"]


async def test_an_unknown_button_in_a_group_chat_is_answered(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    _, number = await file(bot)
    card = group.card(number)
    group.new_messages()
    for data in ("old:format:1", "dep:done:abc"):
        answer, messages = await group.press(card, data, check=False)
        assert answer == "此按钮无效或已过期。"
        assert messages == []
    assert [e.action for e in await events(bot, number)] == ["filed"]


async def test_a_press_with_empty_data_in_a_group_chat_is_answered_once(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    group = await linked_chat(bot)
    _, number = await file(bot)
    card = group.card(number)
    group.new_messages()
    answer, messages = await group.press(card, "", check=False)
    assert answer == "此按钮无效或已过期。"
    assert messages == []
    # A second answer to the same query would be refused ("query is too old") and logged.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert [e.action for e in await events(bot, number)] == ["filed"]
