"""Complaints a resident follows (加入关注, or merged into another): /my, /status, the 回访."""

from __future__ import annotations

from handlers.i18n import t
from tests.e2e.test_resident_updates import survey_of
from tests.e2e.test_similar import CONTINUE, JOIN, SAME_WELL, first_complaint, group_chat
from tests.helpers.groups import Inspector, card_of
from tests.helpers.harness import BotHarness
from tests.helpers.resident import DESCRIPTION_ZH, complaints_of, person, texts, walk_to_summary


async def test_a_follower_reads_the_joined_complaint_in_my_and_status(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    _first, number = await first_complaint(bot)
    await inspector.press(card_of(inspector.messages(), number), "受理")
    second = person(bot, "乙")
    summary = await walk_to_summary(second, description=SAME_WELL)
    await second.press(summary, JOIN)

    mine = texts(await second.say("/my"))
    assert "我关注的反映" in mine
    assert f"{number} · 关注 · 已受理 · 小店村" in mine
    status = texts(await second.say(f"/status {number}"))
    assert f"{number}（关注）" in status and "状态：已受理" in status
    assert "办理进展" in status
    # Another resident's words and identity never show.
    for secret in (DESCRIPTION_ZH, "甲", "秘密"):
        assert secret not in mine and secret not in status
    # Someone who neither filed nor follows it learns nothing.
    stranger = person(bot, "丙")
    assert "没有找到您的反映" in texts(await stranger.say(f"/status {number}"))
    assert "我关注的反映" not in texts(await stranger.say("/my"))


async def test_a_merged_resident_follows_the_complaint_theirs_joined(bot: BotHarness) -> None:
    inspector = await group_chat(bot)
    _first, number = await first_complaint(bot)
    second = person(bot, "乙")
    summary = await walk_to_summary(second, description=SAME_WELL)
    await second.press(summary, CONTINUE)
    await inspector.press(card_of(inspector.messages(), "WD2023-1-0002"), "合并到 0001")

    mine = texts(await second.say("/my"))
    assert "WD2023-1-0002 · 已合并" in mine
    assert f"{number} · 关注 · 待受理" in mine
    status = texts(await second.say(f"/status {number}"))
    assert f"{number}（关注）" in status
    assert DESCRIPTION_ZH not in status and "秘密" not in status


async def resolve(inspector: Inspector, number: str) -> None:
    """The group resolves the complaint (办结, with what was done)."""
    _answer, messages = await inspector.press(card_of(inspector.messages(), number), "办结")
    await inspector.reply(messages[-1], "机井已修好，水压正常")


async def test_a_follower_answers_the_survey_and_only_the_owner_decides(
    bot: BotHarness,
) -> None:
    inspector = await group_chat(bot)
    first, number = await first_complaint(bot)
    await inspector.press(card_of(inspector.messages(), number), "受理")
    second = person(bot, "乙")
    summary = await walk_to_summary(second, description=SAME_WELL)
    await second.press(summary, JOIN)
    second.new_messages()
    await resolve(inspector, number)
    inspector.new_messages()

    survey = survey_of(second.new_messages())
    assert number in (survey.text or "") and "您关注的这个问题解决了吗" in (survey.text or "")
    answer, messages = await second.press(survey, "❌ 未解决")
    assert answer == t("zh", "survey.noted")
    # A follower's 未解决 reopens nothing.
    (owned,) = await complaints_of(bot, first.user.id)
    assert owned.status == "resolved" and owned.resolution_state is None
    answer, _messages = await second.press(survey_of(messages), "🙁 不满意")
    assert answer == t("zh", "survey.thanks_follower")
    told = texts(inspector.new_messages())
    assert f"{number} 关注群众回访：未解决 · 不满意" in told
    assert "乙" not in told
    (owned,) = await complaints_of(bot, first.user.id)
    assert owned.status == "resolved" and owned.satisfaction is None

    # The owner's answer closes it; the follower's second try is refused, nothing changes.
    owner_survey = survey_of(first.new_messages())
    _answer, messages = await first.press(owner_survey, "✅ 已解决")
    await first.press(survey_of(messages), "😊 满意")
    (owned,) = await complaints_of(bot, first.user.id)
    assert owned.status == "closed" and owned.satisfaction == "satisfied"
    # The old survey's data again (its buttons are gone from the message).
    answer, _messages = await second.press(survey, f"sv:{owned.id}:y", check=False)
    assert answer == t("zh", "survey.already")


async def test_a_merged_resident_answers_the_survey_of_the_complaint_theirs_joined(
    bot: BotHarness,
) -> None:
    inspector = await group_chat(bot)
    first, number = await first_complaint(bot)
    second = person(bot, "乙")
    summary = await walk_to_summary(second, description=SAME_WELL)
    await second.press(summary, CONTINUE)
    await inspector.press(card_of(inspector.messages(), "WD2023-1-0002"), "合并到 0001")
    await inspector.press(card_of(inspector.messages(), number), "受理")
    second.new_messages()
    await resolve(inspector, number)
    inspector.new_messages()

    survey = survey_of(second.new_messages())
    _answer, messages = await second.press(survey, "✅ 已解决")
    answer, _messages = await second.press(survey_of(messages), "😊 满意")
    assert answer == t("zh", "survey.thanks_follower")
    assert f"{number} 关注群众回访：已解决 · 满意" in texts(inspector.new_messages())
    # Only the owner's answer closes it.
    (owned,) = await complaints_of(bot, first.user.id)
    assert owned.status == "resolved" and owned.satisfaction is None
    (mine,) = await complaints_of(bot, second.user.id)
    assert mine.status == "merged" and mine.satisfaction is None
