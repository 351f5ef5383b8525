"""Complaints a resident follows (加入关注, or merged into another) in /my and /status."""

from __future__ import annotations

from tests.e2e.test_similar import CONTINUE, JOIN, SAME_WELL, first_complaint, group_chat
from tests.helpers.groups import card_of
from tests.helpers.harness import BotHarness
from tests.helpers.resident import DESCRIPTION_ZH, person, texts, walk_to_summary


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
