"""A burst card: several complaints in one message, each with its own buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.ratelimit import RateLimits, Window
from tests.helpers.group_flow import button, file, labels, new_chat
from tests.helpers.groups import issue_code
from tests.helpers.harness import BotHarness, running_bot
from tests.helpers.resident import texts


@pytest.fixture
async def slow_group_bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    """A bot whose group chats take 3 messages in 3 seconds (private chats are unpaced)."""
    roomy = Window(count=10_000, seconds=1.0)
    limits = RateLimits(overall=roomy, private=roomy, group=Window(count=3, seconds=3.0))
    async with running_bot(tmp_path, limits=limits) as harness:
        yield harness


async def test_a_backlog_arrives_as_one_burst_card_whose_buttons_work(
    slow_group_bot: BotHarness,
) -> None:
    bot = slow_group_bot
    numbers = []
    for index in range(5):
        _resident, number = await file(bot, first_name=f"村民{index}")
        numbers.append(number)
    # The group chat is linked now: its open complaints arrive, faster than one a message.
    group = new_chat(bot, "第三巡察组工作群")
    code = await issue_code(bot, "group", "g3")
    messages = await group.say(f"/link {code}")
    assert "关联成功" in texts(messages)
    bursts = [m for m in messages if (m.text or "").startswith("📥")]
    assert bursts, messages
    burst = bursts[0]
    shown = [n for n in numbers if n in (burst.text or "")]
    assert len(shown) >= 2
    rows = [[t for t, _ in row] for row in _rows(burst)]
    assert rows[0] == [f"{shown[0][-4:]} 受理", f"{shown[0][-4:]} 认领", f"{shown[0][-4:]} 详情"]
    # Every complaint is visible somewhere.
    everything = texts(group.messages())
    assert all(n in everything for n in numbers)

    second = shown[1]
    short = second[-4:]
    answer, _ = await group.press(burst, f"{short} 受理")
    assert answer == f"已受理 {second}"
    burst = group.message(burst.message_id)
    assert f"{second} 【已受理】" in (burst.text or "")
    assert f"{short} 立行立改" in labels(burst) and f"{short} 受理" not in labels(burst)
    assert f"{shown[0]} 【待受理】" in (burst.text or ""), "the others are unchanged"

    group.new_messages()
    answer, messages = await group.press(burst, button(burst, f"{shown[0][-4:]} 详情"))
    assert answer is None
    (full,) = messages
    assert full.reply_to_message_id == burst.message_id
    assert (full.text or "").startswith(f"📋 {shown[0]}") and "受理" in labels(full)


def _rows(message: object) -> list[list[tuple[str, str]]]:
    markup = message.data.get("reply_markup") or {}  # type: ignore[attr-defined]
    return [
        [(b["text"], b.get("callback_data")) for b in row]
        for row in markup.get("inline_keyboard", [])
    ]
