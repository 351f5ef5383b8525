"""The card offers what the lifecycle allows for the group chat, and nothing else works."""

from __future__ import annotations

from tests.helpers.group_flow import complaint, events, file, labels, linked_chat
from tests.helpers.harness import BotHarness

REFUSED = "当前状态下不能这样操作。"


async def test_a_sensitive_card_offers_no_immediate_fix_and_a_forged_one_is_refused(
    bot: BotHarness,
) -> None:
    group = await linked_chat(bot)
    _resident, number = await file(bot, category="干部作风")
    card = group.card(number)
    assert "立行立改" not in labels(card) and "现场交办" not in labels(card)
    assert "移交线索" in labels(card)
    complaint_id = (await complaint(bot, number)).id
    group.new_messages()
    for forged in (f"cmp:imm:{complaint_id}:n", f"cmp:due:{complaint_id}:n:i:0:3"):
        answer, messages = await group.press(card, forged, check=False)
        assert answer == REFUSED, forged
        assert messages == []
    found = await complaint(bot, number)
    assert (found.status, found.due_on) == ("new", None)
    assert [e.action for e in await events(bot, number)] == ["filed"]
