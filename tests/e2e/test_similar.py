"""Similar complaints while filing and on the card (issue 11 §2), through the emulator."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from handlers.i18n import t
from storage.models import ComplaintFollower
from tests.helpers.groups import Inspector, add_inspection_chat, card_of, link_chat
from tests.helpers.harness import BotHarness
from tests.helpers.resident import (
    DESCRIPTION_ZH,
    Person,
    complaints_of,
    draft_of,
    person,
    texts,
    walk_to_summary,
)

SAME_WELL = "俺们村的机井水压不够，地浇不了，都两个月了"
JOIN = "加入关注，不另提交"
CONTINUE = "我的问题不一样，继续提交"


async def group_chat(bot: BotHarness) -> Inspector:
    """The 第三巡察组's linked chat (it covers 小店村), and an inspector in it."""
    chat, admin = add_inspection_chat(bot, "第三巡察组", first_name="李组长")
    assert await link_chat(bot, chat, "group", "g3")
    return Inspector(bot, admin, chat)


async def first_complaint(bot: BotHarness) -> tuple[Person, str]:
    """A named resident files the well (the default text): the resident and its number."""
    first = person(bot, "甲", last_name="秘密")
    summary = await walk_to_summary(first, anonymous=False)
    _answer, messages = await first.press(summary, "提交")
    assert "WD2023-1-0001" in texts(messages)
    bot.clock.advance(timedelta(hours=1))
    return first, "WD2023-1-0001"


async def test_a_resident_joins_a_similar_complaint_and_hears_its_update(
    bot: BotHarness,
) -> None:
    inspector = await group_chat(bot)
    first, number = await first_complaint(bot)
    card = card_of(inspector.messages(), number)
    await inspector.press(card, "受理")

    second = person(bot, "乙")
    summary = await walk_to_summary(second, description=SAME_WELL)
    text = summary.text or ""
    assert (
        "本村已有 1 位群众反映了类似的饮水灌溉问题，巡察组正在办理（已受理，2023-03-14 反映）"
        in text
    )
    # Never the other resident's words or identity.
    assert DESCRIPTION_ZH not in text and "甲" not in text and "秘密" not in text
    assert [label for label, _data in summary.buttons] == [JOIN, CONTINUE, "修改", "取消"]

    (join_data,) = [data for label, data in summary.buttons if label == JOIN and data]
    answer, _messages = await second.press(summary, JOIN)
    assert answer == t("zh", "similar.joined_short")
    assert "已加入关注，不另提交" in (second.message(summary.message_id).text or "")
    assert await complaints_of(bot, second.user.id) == []
    assert await draft_of(bot, second.user.id) is None
    assert "1位群众加入关注" in (card_of(inspector.messages(), number).text or "")

    # The complaint's next update reaches the follower too.
    second.new_messages()
    card = card_of(inspector.messages(), number)
    _answer, messages = await inspector.press(card, "办结")
    await inspector.reply(messages[-1], "机井已修好，水压正常")
    assert "机井已修好，水压正常" in texts(second.new_messages())
    assert "机井已修好，水压正常" in texts(first.new_messages())

    # The old button again: stale, nothing changes.
    answer, _messages = await second.press(summary, join_data, check=False)
    assert answer == t("zh", "button.stale")
    async with bot.database.transaction() as session:
        assert len((await session.exec(select(ComplaintFollower))).all()) == 1


async def test_continue_files_and_the_card_merges_the_likely_duplicate(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    _first, number = await first_complaint(bot)
    second = person(bot, "乙")
    summary = await walk_to_summary(second, description=SAME_WELL)
    _answer, messages = await second.press(summary, CONTINUE)
    assert "WD2023-1-0002" in texts(messages)

    card = card_of(inspector.messages(), "WD2023-1-0002")
    assert "🔁 可能重复：WD2023-1-0001" in (card.text or "")
    second.new_messages()
    (merge_data,) = [data for label, data in card.buttons if label == "合并到 0001" and data]
    answer, _messages = await inspector.press(card, "合并到 0001")
    assert answer == t("zh", "action.done.merge", number="WD2023-1-0002")
    # The same button again (an old card): it says what the complaint is now, nothing changes.
    answer, _messages = await inspector.press(card, merge_data, check=False)
    assert answer is not None and "已合并" in answer
    (mine,) = await complaints_of(bot, second.user.id)
    assert mine.status == "merged" and mine.merged_into_id is not None
    assert number in texts(second.new_messages())
    # The earlier card counts both residents now.
    assert "2位群众反映同一问题" in (card_of(inspector.messages(), number).text or "")


async def test_joining_a_complaint_closed_meanwhile_is_refused(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    _first, number = await first_complaint(bot)
    second = person(bot, "乙")
    summary = await walk_to_summary(second, description=SAME_WELL)
    assert JOIN in [label for label, _data in summary.buttons]
    # Meanwhile the group rejects the earlier one.
    _answer, messages = await inspector.press(card_of(inspector.messages(), number), "不予受理")
    await inspector.reply(messages[-1], "不属于巡察范围")

    answer, messages = await second.press(summary, JOIN)
    assert answer == t("zh", "similar.refused.closed")
    assert "不能加入关注" in texts(messages)
    assert await draft_of(bot, second.user.id) is not None
    async with bot.database.transaction() as session:
        assert (await session.exec(select(ComplaintFollower))).all() == []
    # The summary offers plain 提交 again, and it files.
    refreshed = second.message(summary.message_id)
    assert [label for label, _data in refreshed.buttons] == ["提交", "修改", "取消"]
    _answer, messages = await second.press(refreshed, "提交")
    assert "WD2023-1-0002" in texts(messages)
