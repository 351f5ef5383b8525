"""Bad input at any step: a clear answer in the resident's language, and the draft unchanged."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers.harness import SHANGHAI, BotHarness, running_bot
from tests.helpers.resident import (
    DESCRIPTION_ZH,
    Person,
    complaints_of,
    draft_of,
    person,
    texts,
    walk_to_summary,
    with_buttons,
)
from tests.helpers.rosters import roster_with_dates


async def at_description(someone: Person) -> None:
    messages = await someone.say("/start v_xiaodian")
    await someone.press(with_buttons(messages), "饮水灌溉")


async def unchanged(harness: BotHarness, someone: Person, before: dict[str, object]) -> None:
    draft = await draft_of(harness, someone.user.id)
    assert draft is not None
    after = draft.model_dump()
    assert after == before


async def snapshot(harness: BotHarness, someone: Person) -> dict[str, object]:
    draft = await draft_of(harness, someone.user.id)
    assert draft is not None
    return draft.model_dump()


async def test_stickers_videos_and_files_where_text_is_asked(bot: BotHarness) -> None:
    someone = person(bot)
    await at_description(someone)
    before = await snapshot(bot, someone)
    emu = bot.emu
    for action in (emu.send_sticker, emu.send_video, emu.send_document):
        messages = await someone.send(action)
        assert "贴纸、视频、文件等收不了" in texts(messages)
        await unchanged(bot, someone, before)
    # In English too.
    english = person(bot, "Ann", language="en")
    await english.say("/start v_xiaodian")
    messages = await english.send(emu.send_sticker)
    assert "Please choose the category with the buttons." in texts(messages)
    # The category question comes again with its buttons.
    assert with_buttons(messages).buttons[0][0] == "Drinking water and irrigation"


async def test_too_short_and_too_long_text(bot: BotHarness) -> None:
    someone = person(bot)
    await at_description(someone)
    before = await snapshot(bot, someone)
    messages = await someone.say("水压低")
    assert "文字太短了，请至少写 10 个字" in texts(messages)
    await unchanged(bot, someone, before)
    messages = await someone.say("长" * 2001)
    assert "文字太长了，全部文字最多 2000 个字" in texts(messages)
    await unchanged(bot, someone, before)
    # "Done" is not offered (or taken) before there is text or voice.
    assert not any(m.buttons for m in messages)


async def test_a_sixth_photo_and_a_second_voice_are_refused(bot: BotHarness) -> None:
    someone = person(bot)
    await at_description(someone)
    await someone.album(5)
    await someone.voice()
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None and len(draft.photo_file_ids) == 5
    before = draft.model_dump()
    messages = await someone.photo()
    assert "最多只能附 5 张照片，这张没有收下" in texts(messages)
    await unchanged(bot, someone, before)
    messages = await someone.voice()
    assert "已经收到一条语音了" in texts(messages)
    await unchanged(bot, someone, before)
    # Photos alone are not a description: "done" needs words, and the voice gave them.
    _answer, messages = await someone.press(with_buttons(messages), "完成")
    assert "问题发生在哪里" in texts(messages)


async def test_photos_alone_do_not_make_a_description(bot: BotHarness) -> None:
    someone = person(bot)
    await at_description(someone)
    messages = await someone.photo()
    assert "还需要一段文字或一条语音" in texts(messages)
    assert not any(m.buttons for m in messages)


async def test_an_unknown_deep_link(bot: BotHarness) -> None:
    someone = person(bot)
    messages = await someone.say("/start v_atlantis")
    assert "这个链接里的村（社区）没有找到" in texts(messages)
    assert "请先选择乡镇（街道）" in texts(messages)
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None and draft.step == "village" and draft.village_id is None
    # With a draft running, nothing else changes either.
    await someone.press(with_buttons(messages), "东高皇街道")
    before = await snapshot(bot, someone)
    messages = await someone.say("/start v_atlantis")
    assert "这个链接里的村（社区）没有找到" in texts(messages)
    assert "您有一条还没填完的反映" in texts(messages)
    await unchanged(bot, someone, before)


async def test_an_unknown_typed_village(bot: BotHarness) -> None:
    someone = person(bot)
    await someone.say("/start")
    before = await snapshot(bot, someone)
    messages = await someone.say("桃花源村")
    assert "没有找到这个村（社区）" in texts(messages)
    await unchanged(bot, someone, before)


async def test_buttons_from_old_messages_are_out_of_date(bot: BotHarness) -> None:
    someone = person(bot)
    messages = await someone.say("/start v_xiaodian")
    categories = with_buttons(messages)
    await someone.press(categories, "饮水灌溉")
    before = await snapshot(bot, someone)
    # The same category message again: the draft is past that step.
    answer, messages = await someone.press(categories, "用电")
    assert answer == "这个按钮已经过期了。" and messages == []
    await unchanged(bot, someone, before)
    # Forged data: a prefix no handler knows, and a draft that does not exist.
    answer, _messages = await someone.press(categories, "zz:1:2", check=False)
    assert answer == "这个按钮已经过期了。"
    answer, _messages = await someone.press(categories, "cat:999999:water", check=False)
    assert answer == "这个按钮已经过期了。"
    await unchanged(bot, someone, before)


async def test_a_press_with_empty_data_in_a_private_chat_is_out_of_date(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    someone = person(bot)
    categories = with_buttons(await someone.say("/start v_xiaodian"))
    before = await snapshot(bot, someone)
    answer, messages = await someone.press(categories, "", check=False)
    assert answer == "这个按钮已经过期了。" and messages == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    await unchanged(bot, someone, before)


async def test_buttons_of_a_replaced_draft_are_out_of_date(bot: BotHarness) -> None:
    someone = person(bot)
    messages = await someone.say("/start v_xiaodian")
    categories = with_buttons(messages)
    await someone.say("/cancel")
    await someone.say("/start v_yuejia")
    before = await snapshot(bot, someone)
    answer, _messages = await someone.press(categories, "用电")
    assert answer == "这个按钮已经过期了。"
    await unchanged(bot, someone, before)
    # "Start over" replaces the draft too.
    messages = await someone.say("/start v_xiaodian")
    await someone.press(with_buttons(messages), "重新开始")
    before = await snapshot(bot, someone)
    answer, _messages = await someone.press(categories, "用电")
    assert answer == "这个按钮已经过期了。"
    await unchanged(bot, someone, before)


async def test_a_command_in_the_middle_leaves_the_draft_alone(bot: BotHarness) -> None:
    someone = person(bot)
    await at_description(someone)
    await someone.say(DESCRIPTION_ZH)
    before = await snapshot(bot, someone)
    messages = await someone.say("/my")
    assert "您还没有提交过反映" in texts(messages)
    await unchanged(bot, someone, before)
    messages = await someone.say("/frobnicate")
    assert "没有这个命令" in texts(messages)
    await unchanged(bot, someone, before)
    messages = await someone.say("/help")
    assert "使用说明" in texts(messages)
    await unchanged(bot, someone, before)
    # The conversation goes on where it was.
    messages = await someone.photo()
    assert "文字 21 字" in texts(messages) and "照片 1/5 张" in texts(messages)


async def test_someone_elses_contact_is_refused(bot: BotHarness) -> None:
    someone = person(bot)
    summary = await walk_to_summary(someone)
    await someone.press(summary, "修改")
    _answer, messages = await someone.press(someone.message(summary.message_id), "身份")
    await someone.press(with_buttons(messages), "实名反映")
    before = await snapshot(bot, someone)
    messages = await someone.contact("+8613700000000", own=False)
    assert "只能发送您自己的手机号" in texts(messages)
    await unchanged(bot, someone, before)
    messages = await someone.say("13700000000")
    assert "请点按钮发送您的手机号" in texts(messages)
    await unchanged(bot, someone, before)


async def test_wrong_input_at_the_button_steps(bot: BotHarness) -> None:
    someone = person(bot)
    summary = await walk_to_summary(someone)
    before = await snapshot(bot, someone)
    messages = await someone.say("好的")
    assert "请用下面的按钮提交、修改或取消" in texts(messages)
    assert [t for t, _ in with_buttons(messages).buttons] == ["提交", "修改", "取消"]
    messages = await someone.location(33.742, 113.351)
    assert "请用下面的按钮提交、修改或取消" in texts(messages)
    await unchanged(bot, someone, before)
    # An edited message is not an answer.
    sent = bot.emu.send_text(someone.user, "随便说说")
    await bot.settle()
    someone.new_messages()
    bot.emu.edit_text(someone.user, sent, "改过的内容")
    await bot.settle()
    assert someone.new_messages() == []
    await unchanged(bot, someone, before)
    assert summary.buttons


async def test_an_address_too_long(bot: BotHarness) -> None:
    someone = person(bot)
    await at_description(someone)
    messages = await someone.say(DESCRIPTION_ZH)
    await someone.press(with_buttons(messages), "完成")
    before = await snapshot(bot, someone)
    messages = await someone.say("地" * 201)
    assert "地址太长了，最多 200 个字" in texts(messages)
    await unchanged(bot, someone, before)


async def test_text_without_a_draft_points_to_start(bot: BotHarness) -> None:
    someone = person(bot)
    messages = await someone.say("你好")
    assert "要反映问题，请发送 /start" in texts(messages)
    messages = await someone.send(bot.emu.send_sticker)
    assert "要反映问题，请发送 /start" in texts(messages)
    assert await draft_of(bot, someone.user.id) is None


async def test_no_open_round_gives_the_office_contact(tmp_path: Path) -> None:
    past = roster_with_dates(date(2022, 9, 1), date(2022, 10, 15))
    async with running_bot(tmp_path, roster_yaml=past) as harness:
        someone = person(harness)
        messages = await someone.say("/start v_xiaodian")
        assert "小店村 (东高皇街道) 目前不在巡察受理期内" in texts(messages)
        assert "卫东区委巡察办 电话 0375-0000000" in texts(messages)
        messages = await someone.say("/start")
        assert "目前没有正在进行的巡察" in texts(messages)
        assert "0375-0000000" in texts(messages)
        assert await draft_of(harness, someone.user.id) is None
        assert await complaints_of(harness, someone.user.id) == []


async def test_the_round_closing_before_confirmation_files_nothing(bot: BotHarness) -> None:
    someone = person(bot)
    # The draft reaches the summary an hour before the round ends (2023-04-12, Shanghai)...
    bot.clock.set(datetime(2023, 4, 12, 23, 0, tzinfo=SHANGHAI))
    summary = await walk_to_summary(someone)
    # ...and is confirmed an hour after: within 24 hours, so the draft is still there.
    bot.clock.advance(timedelta(hours=2))
    _answer, messages = await someone.press(summary, "提交")
    assert "目前不在巡察受理期内" in texts(messages) and "0375-0000000" in texts(messages)
    assert await complaints_of(bot, someone.user.id) == []
    assert await draft_of(bot, someone.user.id) is not None


async def test_invisible_characters_are_not_a_description(bot: BotHarness) -> None:
    someone = person(bot)
    await at_description(someone)
    before = await snapshot(bot, someone)
    for invisible in (
        "\u200b" * 12,
        "\u200b\u200c\u200d\u2060\ufeff" * 3,
        "\u200b \u3000\t\u200b\u0007\u00ad" * 3,
    ):
        messages = await someone.say(invisible)
        assert "文字太短了，请至少写 10 个字" in texts(messages)
        await unchanged(bot, someone, before)
    # Nine visible characters padded with zero-width spaces are still too short.
    messages = await someone.say("\u200b".join("水压低浇不了地两月"))
    assert "文字太短了，请至少写 10 个字" in texts(messages)
    await unchanged(bot, someone, before)
    # In English too.
    english = person(bot, "Ann", language="en")
    messages = await english.say("/start v_xiaodian")
    await english.press(with_buttons(messages), "Drinking water and irrigation")
    messages = await english.say("\u200b" * 12)
    assert "That text is too short: please write at least 10 characters." in texts(messages)


async def test_a_description_keeps_its_words_without_zero_width_characters(
    bot: BotHarness,
) -> None:
    someone = person(bot)
    await at_description(someone)
    messages = await someone.say("\u200b机井\u200b水压低，\n浇不了地，\u2060已经两个月了。\ufeff")
    assert "文字太短了" not in texts(messages)
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None
    assert draft.description == "机井水压低，\n浇不了地，已经两个月了。"


async def test_an_invisible_address_is_no_address(bot: BotHarness) -> None:
    someone = person(bot)
    await at_description(someone)
    messages = await someone.say(DESCRIPTION_ZH)
    await someone.press(with_buttons(messages), "完成")
    before = await snapshot(bot, someone)
    messages = await someone.say("\u200b\u2060\ufeff")
    assert "请发送位置、输入地址，或点“跳过”" in texts(messages)
    assert "地址太长了" not in texts(messages)
    await unchanged(bot, someone, before)
