"""/help, /open, /find and /overdue in a linked group chat."""

from __future__ import annotations

from datetime import timedelta

from handlers.i18n import t
from tests.helpers.group_flow import file, labels, linked_chat, prompt_in
from tests.helpers.harness import BotHarness
from tests.helpers.resident import texts, with_buttons


async def test_open_lists_open_complaints_oldest_first_with_their_age(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    assert texts(await group.say("/open")) == "没有未办结的反映。"
    _r1, first = await file(bot, first_name="甲")
    bot.clock.advance(timedelta(days=2))
    _r2, second = await file(bot, first_name="乙")
    bot.clock.advance(timedelta(days=1))
    _r3, third = await file(bot, first_name="丙")
    # A rejected one is not open any more.
    _answer, messages = await group.press(group.card(third), "不予受理")
    await group.reply(prompt_in(messages), "不属于巡察范围")

    text = texts(await group.say("/open"))
    assert "未办结的反映：2 件" in text
    assert text.index(first) < text.index(second) and third not in text
    assert f"{first} 待受理 · 小店村 · 饮水灌溉 · 3天" in text
    assert f"{second} 待受理 · 小店村 · 饮水灌溉 · 1天" in text


async def test_find_shows_the_card_with_its_buttons(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    _resident, number = await file(bot)
    await group.press(group.card(number), "受理")
    group.new_messages()
    messages = await group.say(f"/find {number.lower()}")
    card = with_buttons(messages)
    assert "【已受理】" in (card.text or "") and card.message_id != group.card(number).message_id
    assert "办结" in labels(card)
    # Its buttons work.
    answer, _ = await group.press(card, "认领")
    assert answer == f"已认领 {number}，由你跟进"

    assert "没有编号为 WD2023-1-9999" in texts(await group.say("/find WD2023-1-9999"))
    assert "/find WD2023-1-0001" in texts(await group.say("/find"))
    assert "没有编号为 <b>x</b> 的反映" in texts(await group.say("/find <b>x</b>"))


async def test_find_only_finds_the_groups_own(bot: BotHarness) -> None:
    await linked_chat(bot)
    g5 = await linked_chat(bot, "group", "g5", "第五巡察组工作群", "钱")
    _resident, number = await file(bot)  # 小店村 is 第三巡察组's
    assert "没有编号为" in texts(await g5.say(f"/find {number}"))


async def test_overdue_lists_what_is_past_its_due_date(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    _r1, late = await file(bot, first_name="甲")
    _r2, fine = await file(bot, first_name="乙")
    _answer, messages = await group.press(group.card(late), "立行立改")
    await group.press(with_buttons(messages), "1天")
    _answer, messages = await group.press(group.card(fine), "现场交办")
    choice = with_buttons(messages)
    await group.press(choice, "区水利局")
    await group.press(group.message(choice.message_id), "15天")
    assert texts(await group.say("/overdue")) == "没有超期的反映。"

    bot.clock.advance(timedelta(days=3))
    text = texts(await group.say("/overdue"))
    assert "已超期的反映：1 件" in text
    assert f"{late} 立行立改 · 期限 2023-03-15（超期 2 天）" in text
    assert fine not in text


async def test_help_lists_stats_and_export_where_they_work(bot: BotHarness) -> None:
    """A group's and the office's chat are told about /stats and /export; a department's chat,
    where both are refused, is not."""
    group = await linked_chat(bot)
    office = await linked_chat(bot, "office", None, "巡察办工作群", "周主任")
    department = await linked_chat(bot, "department", "water", "水利局工作群", "赵")

    for chat, title in ((group, "巡察组工作群"), (office, "巡察办工作群")):
        text = texts(await chat.say("/help"))
        assert title in text
        assert "/stats — " in text and "/export — " in text, text
    text = texts(await department.say("/help"))
    assert "责任单位工作群" in text
    assert "/stats" not in text and "/export" not in text, text
    # ... where they are indeed refused.
    assert "只能在巡察组或巡察办工作群中使用" in texts(await department.say("/stats"))

    # The English texts say the same.
    for kind in ("group", "office"):
        assert "/stats — " in t("en", f"group.help.{kind}")
        assert "/export — " in t("en", f"group.help.{kind}")
    assert "/stats" not in t("en", "group.help.department")
    assert "/export" not in t("en", "group.help.department")
