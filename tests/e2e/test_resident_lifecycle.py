"""Drafts across restarts, expiry, cancelling, the daily limit and duplicate deliveries."""

from __future__ import annotations

import copy
from collections.abc import Awaitable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from emulator.models import StoredMessage
from tests.helpers.harness import BotHarness, running_bot
from tests.helpers.resident import (
    DESCRIPTION_ZH,
    Person,
    button_data,
    complaints_of,
    draft_of,
    person,
    removes_keyboard,
    submit_data,
    texts,
    walk_to_summary,
    with_buttons,
)

T = TypeVar("T")


async def test_a_restart_between_every_two_steps_loses_nothing(bot: BotHarness) -> None:
    someone = person(bot, "李", last_name="四")
    steps: list[str | None] = []

    async def step(action: Awaitable[T]) -> T:
        """Do one step, note where the draft is, and restart the bot."""
        result = await action
        draft = await draft_of(bot, someone.user.id)
        steps.append(draft.step if draft else None)
        await bot.restart()
        return result

    messages = await step(someone.say("/start"))
    messages = await step(someone.location(33.742, 113.351))
    _answer, messages = await step(someone.press(with_buttons(messages), "是的"))
    _answer, messages = await step(someone.press(with_buttons(messages), "人居环境"))
    messages = await step(someone.say(DESCRIPTION_ZH))
    messages = await step(someone.photo())
    messages = await step(someone.voice())
    _answer, messages = await step(someone.press(with_buttons(messages), "完成"))
    messages = await step(someone.say("村委会门口"))
    _answer, messages = await step(someone.press(with_buttons(messages), "实名反映"))
    messages = await step(someone.contact("+8613811112222"))
    summary = with_buttons(messages)
    _answer, messages = await step(someone.press(summary, "修改"))
    _answer, messages = await step(someone.press(someone.message(summary.message_id), "地点"))
    messages = await step(someone.location(33.7425, 113.3515))
    summary = with_buttons(messages)
    _answer, messages = await step(someone.press(summary, "提交"))
    assert "编号 WD2023-1-0001" in texts(messages)
    assert steps == [
        "village",
        "village_confirm",
        "category",
        "description",
        "description",
        "description",
        "description",
        "location",
        "identity",
        "phone",
        "confirm",
        "confirm",
        "location",
        "confirm",
        None,
    ]
    (complaint,) = await complaints_of(bot, someone.user.id)
    assert complaint.category_code == "environment"
    assert complaint.description == DESCRIPTION_ZH
    assert len(complaint.photo_file_ids) == 1 and complaint.voice_file_id
    assert (complaint.latitude, complaint.longitude) == (33.7425, 113.3515)
    assert complaint.address is None
    assert complaint.reporter_name == "李 四" and complaint.reporter_phone == "+8613811112222"


async def test_a_restart_while_choosing_with_buttons(bot: BotHarness) -> None:
    someone = person(bot)
    messages = await someone.say("/start")
    townships = with_buttons(messages)
    await bot.restart()
    await someone.press(townships, "东高皇街道")
    await bot.restart()
    _answer, messages = await someone.press(someone.message(townships.message_id), "小店村")
    assert "已选择：小店村" in texts(messages)


async def test_an_idle_draft_expires_after_24_hours(bot: BotHarness) -> None:
    someone = person(bot)
    messages = await someone.say("/start v_xiaodian")
    categories = with_buttons(messages)
    bot.clock.advance(timedelta(hours=23, minutes=59))
    _answer, messages = await someone.press(categories, "饮水灌溉")
    assert "请描述问题" in texts(messages)
    # Each answer keeps it alive for another 24 hours.
    bot.clock.advance(timedelta(hours=24, seconds=1))
    messages = await someone.say(DESCRIPTION_ZH)
    assert "已超过24小时未操作，已经删除" in texts(messages)
    assert removes_keyboard(messages[0])
    assert len(messages) == 1
    assert await draft_of(bot, someone.user.id) is None

    # A button press on an expired draft: told so, and the button is out of date.
    messages = await someone.say("/start v_xiaodian")
    bot.clock.advance(timedelta(days=2))
    answer, messages = await someone.press(with_buttons(messages), "用电")
    assert answer == "这个按钮已经过期了。"
    assert "已超过24小时未操作" in texts(messages)
    assert await draft_of(bot, someone.user.id) is None

    # /start after expiry: told, then a fresh start.
    await someone.say("/start v_xiaodian")
    bot.clock.advance(timedelta(hours=25))
    messages = await someone.say("/start v_yuejia")
    assert "已超过24小时未操作" in texts(messages[:1])
    assert "岳家村" in texts(messages[1:])
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None and draft.step == "category"


async def test_cancel_at_any_step(bot: BotHarness) -> None:
    someone = person(bot)
    messages = await someone.say("/cancel")
    assert "没有正在填写的反映，无需取消" in texts(messages)
    messages = await someone.say("/start v_xiaodian")
    await someone.press(with_buttons(messages), "饮水灌溉")
    messages = await someone.say(DESCRIPTION_ZH)
    await someone.press(with_buttons(messages), "完成")
    messages = await someone.say("/cancel")
    assert "已取消" in texts(messages) and removes_keyboard(messages[0])
    assert await draft_of(bot, someone.user.id) is None
    # The summary's cancel button does the same.
    summary = await walk_to_summary(someone)
    _answer, messages = await someone.press(summary, "取消")
    assert "已取消" in texts(messages)
    assert await draft_of(bot, someone.user.id) is None
    assert await complaints_of(bot, someone.user.id) == []


async def test_start_while_a_draft_runs_offers_continue_or_start_over(bot: BotHarness) -> None:
    someone = person(bot)
    messages = await someone.say("/start v_xiaodian")
    await someone.press(with_buttons(messages), "饮水灌溉")
    messages = await someone.say("/start v_yuejia")
    assert "您有一条还没填完的反映（停在：描述问题）" in texts(messages)
    choice = with_buttons(messages)
    _answer, messages = await someone.press(choice, "继续填写")
    assert "请描述问题" in texts(messages)
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None and draft.category_code == "water"
    # "Start over" from the same question takes the deep-linked village with it.
    _answer, messages = await someone.press(choice, "重新开始")
    assert "岳家村" in texts(messages) and "请选择问题类别" in texts(messages)
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None and draft.step == "category" and draft.category_code is None


async def file_one(someone: Person) -> list[StoredMessage]:
    summary = await walk_to_summary(someone)
    # Submitted as it is, also when a like complaint of another resident is offered to join.
    _answer, messages = await someone.press(summary, submit_data(summary))
    return messages


async def test_the_daily_limit(tmp_path: Path) -> None:
    async with running_bot(tmp_path, daily_complaint_limit=2) as harness:
        someone = person(harness)
        assert "WD2023-1-0001" in texts(await file_one(someone))
        assert "WD2023-1-0002" in texts(await file_one(someone))
        other = person(harness, "王")
        summary = await walk_to_summary(someone)
        _answer, messages = await someone.press(summary, "提交")
        assert "今天您已提交 2 条反映，达到每日上限" in texts(messages)
        assert len(await complaints_of(harness, someone.user.id)) == 2
        assert await draft_of(harness, someone.user.id) is not None
        # The refused filing took no number.
        assert "WD2023-1-0003" in texts(await file_one(other))
        # A new day in Shanghai (10:00 + 14h = 00:00 next day): the kept draft goes through.
        harness.clock.advance(timedelta(hours=14))
        _answer, messages = await someone.press(summary, "提交")
        assert "WD2023-1-0004" in texts(messages)


async def test_the_same_update_delivered_twice_files_once(bot: BotHarness) -> None:
    someone = person(bot)
    summary = await walk_to_summary(someone)
    query = bot.emu.press_button(someone.user, summary, button_data(summary, "提交"))
    (update,) = [u for u in bot.emu.pending_updates if u.get("callback_query") == query]
    bot.emu.enqueue_update(copy.deepcopy(update))
    await bot.settle()
    messages = someone.new_messages()
    assert [m for m in messages if "已提交" in (m.text or "")] != []
    assert len([m for m in messages if "已提交" in (m.text or "")]) == 1
    assert len(await complaints_of(bot, someone.user.id)) == 1
    assert bot.emu.callback_answers[query["id"]].text is None
