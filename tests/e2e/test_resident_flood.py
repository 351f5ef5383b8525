"""A resident sending faster than a person types (issue 11 §5): more than 20 messages in a
minute get one answer, then a minute of silence; the draft is kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.helpers.harness import BotHarness, running_bot
from tests.helpers.resident import draft_of, person, texts, with_buttons

FLOOD_NOTICE = "您发送消息太快了，请稍等一分钟再继续。已经填写的内容都还保留着。"


@pytest.fixture(params=["polling", "webhook"])
async def roomy_bot(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BotHarness]:
    """A bot whose emulator does not hold back its answers (a flood of replies to one chat), by
    long polling and in webhook mode (where the count is the process's own as well)."""
    webhook = request.param == "webhook"
    async with running_bot(tmp_path, enforce_limits=False, webhook=webhook) as harness:
        yield harness


async def test_a_flood_is_answered_once_and_ignored_for_a_minute(roomy_bot: BotHarness) -> None:
    bot = roomy_bot
    resident = person(bot, "快")
    messages = await resident.say("/start v_xiaodian")
    categories = with_buttons(messages)
    await resident.press(categories, categories.buttons[0][0])
    resident.new_messages()
    # 19 more messages in the same minute (20 with the /start; the button press is not
    # counted), then 6 over the limit.
    for index in range(19):
        bot.emu.send_text(resident.user, f"机井坏了，第{index}句")
    await bot.settle()
    answered = resident.new_messages()
    assert FLOOD_NOTICE not in texts(answered)
    draft = await draft_of(bot, resident.user.id)
    assert draft is not None and draft.step == "description"
    kept = draft.description
    for index in range(6):
        bot.emu.send_text(resident.user, f"刷屏{index}")
    await bot.settle()
    flood = resident.new_messages()
    assert [m.text for m in flood] == [FLOOD_NOTICE]
    # Nothing of the flood reached the draft, and the draft is still there.
    draft = await draft_of(bot, resident.user.id)
    assert draft is not None and draft.step == "description" and draft.description == kept
    assert "刷屏" not in (draft.description or "")
    # Still within the minute: ignored, with no second answer.
    bot.clock.advance(timedelta(seconds=59))
    assert await resident.say("还在吗") == []
    # A minute on, the resident goes on where they were.
    bot.clock.advance(timedelta(seconds=2))
    messages = await resident.say("补充一句：已经两个月了")
    assert messages, "heard again"
    draft = await draft_of(bot, resident.user.id)
    assert draft is not None and "已经两个月了" in (draft.description or "")
    assert (draft.description or "").startswith(kept or "")


async def test_a_person_typing_is_never_held_back(roomy_bot: BotHarness) -> None:
    bot = roomy_bot
    resident = person(bot, "慢")
    await resident.say("/start v_xiaodian")
    bot.clock.advance(timedelta(seconds=61))
    # 20 a minute for three minutes: never over the limit.
    for minute in range(3):
        for index in range(20):
            bot.emu.send_text(resident.user, f"/help {minute}-{index}")
        await bot.settle()
        assert FLOOD_NOTICE not in texts(resident.new_messages())
        bot.clock.advance(timedelta(seconds=61))
