"""Tracking one's own complaints, switching language, help and privacy."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from storage.models import Complaint, TimelineEvent
from tests.helpers.harness import BotHarness
from tests.helpers.resident import (
    person,
    texts,
    walk_to_summary,
    with_buttons,
)

OTHER_PROBLEM = "村口的路灯坏了一个月，晚上看不见路。"


async def test_my_and_status_show_only_ones_own(bot: BotHarness) -> None:
    someone = person(bot)
    other = person(bot, "王")
    await someone.press(await walk_to_summary(someone), "提交")
    bot.clock.advance(timedelta(hours=15))  # 01:00 on 2023-03-15 in Shanghai
    # Another problem of the village (the same one would be offered 加入关注 first).
    await other.press(await walk_to_summary(other, description=OTHER_PROBLEM), "提交")
    summary = await walk_to_summary(someone, start="/start v_youyue")
    await someone.press(summary, "提交")

    # An inspector's step, written as the group side will write it (with a public note).
    async with bot.database.transaction() as session:
        complaint = (
            await session.exec(select(Complaint).where(Complaint.number == "WD2023-1-0001"))
        ).one()
        complaint.status = "accepted"
        session.add(complaint)
        assert complaint.id is not None
        session.add(
            TimelineEvent(
                complaint_id=complaint.id,
                at=bot.clock.now(),
                actor="inspector",
                action="accepted",
                from_status="new",
                to_status="accepted",
                note="已安排核实 <当天>",
            )
        )
        session.add(
            TimelineEvent(
                complaint_id=complaint.id,
                at=bot.clock.now(),
                actor="inspector",
                action="internal_note",
                note="内部记录，群众看不到",
                public=False,
            )
        )

    messages = await someone.say("/my")
    text = texts(messages)
    assert text.index("WD2023-1-0003") < text.index("WD2023-1-0001")
    assert "WD2023-1-0003 · 待受理 · 优越社区 · 2023-03-15" in text
    assert "WD2023-1-0001 · 已受理 · 小店村 · 2023-03-14" in text
    assert "WD2023-1-0002" not in text

    messages = await someone.say("/status WD2023-1-0001")
    text = texts(messages)
    assert "状态：已受理" in text and "类别：饮水灌溉" in text
    # Times on the round's clock (Asia/Shanghai), not UTC.
    assert "提交时间：2023-03-14 10:00" in text
    assert "2023-03-14 10:00 提交反映" in text
    assert "2023-03-15 01:00 已受理: 已安排核实 <当天>" in text
    assert "内部记录" not in text

    # Someone else's number and a number that does not exist get the same answer.
    mine_not = texts(await someone.say("/status WD2023-1-0002"))
    nowhere = texts(await someone.say("/status WD2023-1-0999"))
    assert "没有找到您的反映 WD2023-1-0002" in mine_not
    assert mine_not.replace("0002", "0999") == nowhere
    assert "请在命令后写上编号" in texts(await someone.say("/status"))

    english = person(bot, "Ann", language="en")
    assert "You have not filed any complaints yet." in texts(await english.say("/my"))


async def test_lang_switches_and_sticks(bot: BotHarness) -> None:
    someone = person(bot)
    messages = await someone.say("/start v_xiaodian")
    assert "请选择问题类别" in texts(messages)
    messages = await someone.say("/lang")
    choice = with_buttons(messages)
    assert [t for t, _ in choice.buttons] == ["中文", "English"]
    answer, messages = await someone.press(choice, "English")
    assert answer is None
    assert "Language set to English." in texts(messages)
    # The question in hand comes again in the new language.
    categories = with_buttons(messages)
    assert categories.buttons[0][0] == "Drinking water and irrigation"
    # Telegram still says "zh", but the resident's choice wins from now on.
    messages = await someone.say("/help")
    assert "/status NUMBER" in texts(messages)
    _answer, messages = await someone.press(choice, "中文")
    assert "已切换为中文" in texts(messages)


async def test_help_and_privacy(bot: BotHarness) -> None:
    someone = person(bot, "Ann", language="en-GB")
    text = texts(await someone.say("/privacy"))
    for expected in (
        "Telegram id and name",
        "photos and voice messages (as Telegram file ids)",
        "the inspection group of your village",
        "does not see who you are",
        "never see your identity",
        "record period set by the round's office",
        "卫东区委巡察办 电话 0375-0000000",
    ):
        assert expected in text, expected
    text = texts(await someone.say("/help"))
    assert "/start" in text and "/my" in text and "/cancel" in text and "/lang" in text
    zh = texts(await person(bot).say("/privacy"))
    assert "匿名反映时，巡察组看不到您是谁" in zh
