"""The whole conversation, in Chinese and English, by each way of choosing the village."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.helpers.harness import BotHarness, running_bot
from tests.helpers.resident import (
    DESCRIPTION_EN,
    DESCRIPTION_ZH,
    FIXTURES,
    button_data,
    complaints_of,
    draft_of,
    labels_of,
    person,
    removes_keyboard,
    requests_contact,
    requests_location,
    texts,
    walk_from_category,
    walk_to_summary,
    with_buttons,
)

XIAODIAN = (33.742, 113.351)
NEAR_YUEJIA = (33.737, 113.361)


async def test_the_whole_conversation_in_chinese_by_deep_link(bot: BotHarness) -> None:
    someone = person(bot, "张", last_name="三", username="zhangsan")
    messages = await someone.say("/start v_xiaodian")
    assert len(messages) == 1
    assert "小店村" in texts(messages) and "请选择问题类别" in texts(messages)
    categories = with_buttons(messages)
    assert categories.buttons[0] == ("饮水灌溉", categories.buttons[0][1])

    answer, messages = await someone.press(categories, "饮水灌溉")
    assert answer is None
    assert "请描述问题" in texts(messages) and "饮水灌溉" in texts(messages)

    messages = await someone.say(DESCRIPTION_ZH)
    assert "文字 21 字" in texts(messages)
    assert ("完成", button_data(with_buttons(messages), "完成")) in with_buttons(messages).buttons
    messages = await someone.voice()
    assert "语音：有" in texts(messages)
    # An album answers once, for all its photos (not a message a photo).
    (progress,) = await someone.album(2)
    assert "照片 2/5 张" in (progress.text or "")

    answer, messages = await someone.press(progress, "完成")
    assert "问题发生在哪里" in texts(messages) and requests_location(messages[-1])

    # One message: the acknowledgement leads the identity question (the one-time location
    # keyboard was used, so the resident's app has hidden it).
    (identity,) = await someone.location(*XIAODIAN)
    assert (identity.text or "").startswith("已记下位置。") and identity.buttons
    assert "是否匿名" in (identity.text or "")

    answer, messages = await someone.press(identity, "实名反映")
    assert "张 三 (@zhangsan)" in texts(messages) and requests_contact(messages[-1])
    (summary,) = await someone.contact("+8613812345678")
    assert (summary.text or "").startswith("已记下手机号。") and summary.buttons
    for expected in (
        "小店村 (东高皇街道)",
        "饮水灌溉",
        DESCRIPTION_ZH,
        "语音：1 条",
        "照片：2 张",
        "33.74200, 113.35100",
        "实名，张 三 (@zhangsan)，电话：+8613812345678",
    ):
        assert expected in (summary.text or ""), expected

    answer, messages = await someone.press(summary, "提交")
    assert answer is None
    assert "✅ 已提交，编号 WD2023-1-0001" in texts(messages)
    assert "第三巡察组" in texts(messages)
    # The summary's buttons are gone once it is filed.
    assert someone.message(summary.message_id).buttons == []

    (complaint,) = await complaints_of(bot, someone.user.id)
    assert complaint.number == "WD2023-1-0001"
    assert complaint.category_code == "water"
    assert complaint.description == DESCRIPTION_ZH
    assert complaint.voice_file_id is not None and len(complaint.photo_file_ids) == 2
    assert (complaint.latitude, complaint.longitude) == XIAODIAN
    assert complaint.anonymous is False
    assert complaint.reporter_name == "张 三" and complaint.reporter_username == "zhangsan"
    assert complaint.reporter_phone == "+8613812345678"
    assert await draft_of(bot, someone.user.id) is None


async def test_the_whole_conversation_in_english_by_location(bot: BotHarness) -> None:
    someone = person(bot, "Ann", language="en")
    messages = await someone.say("/start")
    assert "Hello!" in texts(messages) and requests_location(messages[0])
    assert "First choose the township" in texts(messages)

    messages = await someone.location(*NEAR_YUEJIA)
    assert removes_keyboard(messages[0])
    assert "The nearest is 岳家村 (东高皇街道), about 0.1 km away." in texts(messages)
    suggestion = with_buttons(messages)
    _answer, messages = await someone.press(suggestion, "Yes")
    assert removes_keyboard(messages[0]) and "Village: 岳家村" in texts(messages)

    categories = with_buttons(messages)
    assert "Street lights" in [text for text, _ in categories.buttons]
    _answer, messages = await someone.press(categories, "Street lights")
    assert "Please describe the problem" in texts(messages)
    messages = await someone.say(DESCRIPTION_EN)
    _answer, messages = await someone.press(with_buttons(messages), "Done")
    messages = await someone.say("Next to the school gate, east end of the village")
    assert removes_keyboard(messages[0]) and "Address noted." in texts(messages)
    _answer, messages = await someone.press(with_buttons(messages), "Anonymous")

    summary = with_buttons(messages)
    assert "Please check your complaint" in (summary.text or "")
    assert "Category: Street lights" in (summary.text or "")
    assert "Location: Next to the school gate" in (summary.text or "")
    assert "Identity: anonymous" in (summary.text or "")
    _answer, messages = await someone.press(summary, "Submit")
    assert "Filed as WD2023-1-0001" in texts(messages)
    assert "/status WD2023-1-0001" in texts(messages)

    (complaint,) = await complaints_of(bot, someone.user.id)
    assert complaint.address == "Next to the school gate, east end of the village"
    assert complaint.anonymous and complaint.reporter_name is None
    assert complaint.reporter_phone is None


async def test_a_location_far_from_every_village_offers_the_buttons(bot: BotHarness) -> None:
    someone = person(bot)
    await someone.say("/start")
    messages = await someone.location(34.5, 113.3)
    assert "5.0 公里内没有正在巡察的村" in texts(messages)
    assert requests_location(messages[0])
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None and draft.step == "village"
    # "Choose another" after a suggestion goes back to the list as well.
    messages = await someone.location(*XIAODIAN)
    _answer, messages = await someone.press(with_buttons(messages), "选择其他村（社区）")
    assert "请先选择乡镇（街道）" in texts(messages)
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None and draft.step == "village"


async def test_buttons_township_then_village_with_pages(tmp_path: Path) -> None:
    roster = (FIXTURES / "roster_many.yaml").read_text("utf-8")
    async with running_bot(tmp_path, roster_yaml=roster) as harness:
        someone = person(harness)
        messages = await someone.say("/start")
        townships = with_buttons(messages)
        names = [text for text, _ in townships.buttons]
        assert names[:8] == [
            "东高皇街道",
            "北道门街道",
            "东安街道",
            "蒲城街道",
            "皇台乡",
            "五一路街道",
            "光明路街道",
            "建设路街道",
        ]
        assert names[8:] == ["下一页 ›"]

        # Pages change the list in place.
        _answer, _messages = await someone.press(townships, "下一页 ›")
        page2 = someone.message(townships.message_id)
        assert [t for t, _ in page2.buttons] == ["优越路街道", "申楼街道", "‹ 上一页"]
        _answer, _messages = await someone.press(page2, "‹ 上一页")
        page1 = someone.message(townships.message_id)
        _answer, _messages = await someone.press(page1, "东高皇街道")
        villages = someone.message(townships.message_id)
        assert "请选择 东高皇街道 的村（社区）" in (villages.text or "")
        village_names = [t for t, _ in villages.buttons]
        assert village_names[:8] == [f"东高皇{i}村" for i in range(1, 9)]
        assert village_names[8:] == ["下一页 ›", "« 乡镇（街道）列表"]
        _answer, _messages = await someone.press(villages, "下一页 ›")
        villages = someone.message(townships.message_id)
        assert [t for t, _ in villages.buttons] == [
            "东高皇9村",
            "东高皇10村",
            "东高皇11村",
            "‹ 上一页",
            "« 乡镇（街道）列表",
        ]
        answer, messages = await someone.press(villages, "东高皇10村")
        assert answer is None
        assert removes_keyboard(messages[0]) and "已选择：东高皇10村" in texts(messages)
        assert "请选择问题类别" in texts(messages)

        summary = await walk_from_category(someone, messages)
        _answer, messages = await someone.press(summary, "提交")
        assert "编号 MANY-1-0001" in texts(messages)
        assert "第一巡察组" in texts(messages)


async def test_a_typed_village_name_is_understood(bot: BotHarness) -> None:
    someone = person(bot)
    await someone.say("/start")
    messages = await someone.say("岳家村")
    assert "已选择：岳家村" in texts(messages) and "请选择问题类别" in texts(messages)


async def test_editing_a_field_returns_to_the_summary(bot: BotHarness) -> None:
    someone = person(bot)
    summary = await walk_to_summary(someone)
    _answer, _messages = await someone.press(summary, "修改")
    fields = someone.message(summary.message_id)
    assert [t for t, _ in fields.buttons] == [
        "村（社区）",
        "类别",
        "内容",
        "地点",
        "身份",
        "« 返回",
    ]
    _answer, _messages = await someone.press(fields, "« 返回")
    assert [t for t, _ in someone.message(summary.message_id).buttons] == ["提交", "修改", "取消"]
    _answer, _messages = await someone.press(summary, "修改")

    _answer, messages = await someone.press(someone.message(summary.message_id), "类别")
    _answer, messages = await someone.press(with_buttons(messages), "用电")
    summary = with_buttons(messages)
    assert "类别：用电" in (summary.text or "")

    _answer, _messages = await someone.press(summary, "修改")
    _answer, messages = await someone.press(someone.message(summary.message_id), "身份")
    _answer, messages = await someone.press(with_buttons(messages), "实名反映")
    messages = await someone.contact("+8613900000000")
    summary = with_buttons(messages)
    assert "电话：+8613900000000" in (summary.text or "")

    _answer, _messages = await someone.press(summary, "修改")
    _answer, messages = await someone.press(someone.message(summary.message_id), "村（社区）")
    messages = await someone.location(*NEAR_YUEJIA)
    _answer, messages = await someone.press(with_buttons(messages), "是的")
    summary = with_buttons(messages)
    assert "岳家村" in (summary.text or "") and "类别：用电" in (summary.text or "")

    _answer, messages = await someone.press(summary, "提交")
    (complaint,) = await complaints_of(bot, someone.user.id)
    assert complaint.category_code == "power" and complaint.reporter_phone == "+8613900000000"


@pytest.mark.parametrize("way", ["link", "location", "buttons"])
@pytest.mark.parametrize("language", ["zh", "en"])
async def test_every_way_of_choosing_in_both_languages(
    bot: BotHarness, language: str, way: str
) -> None:
    someone = person(bot, "Li", language=language)
    labels = labels_of(someone)
    if way == "link":
        messages = await someone.say("/start v_youyue")
    elif way == "location":
        await someone.say("/start")
        messages = await someone.location(33.7581, 113.3291)
        _answer, messages = await someone.press(with_buttons(messages), labels["yes"])
    else:
        listing = with_buttons(await someone.say("/start"))
        await someone.press(listing, "优越路街道")
        _answer, messages = await someone.press(someone.message(listing.message_id), "优越社区")
    description = DESCRIPTION_EN if language == "en" else DESCRIPTION_ZH
    summary = await walk_from_category(someone, messages, description=description)
    assert "优越社区" in (summary.text or "")
    _answer, messages = await someone.press(summary, labels["submit"])
    receipt = texts(messages)
    assert "WD2023-1-0001" in receipt and "第五巡察组" in receipt
    assert ("Filed as" in receipt) is (language == "en")
    (complaint,) = await complaints_of(bot, someone.user.id)
    assert complaint.description == description


async def test_the_expiry_notice_leads_the_next_question_when_one_message_can_say_both(
    bot: BotHarness,
) -> None:
    someone = person(bot, "张")
    await someone.say("/start v_xiaodian")
    bot.clock.advance(timedelta(hours=25))
    messages = await someone.say("/start")
    # One message: the notice, then the village question with its location keyboard (which
    # replaces any old reply keyboard); the townships' buttons follow on their own.
    first = messages[0]
    assert "已超过24小时未操作" in (first.text or "") and "您要反映哪个村" in (first.text or "")
    assert requests_location(first)
    assert len(messages) == 2 and with_buttons(messages) is messages[1]
