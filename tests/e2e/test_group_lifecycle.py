"""The card offers what the lifecycle allows for the group chat, and nothing else works."""

from __future__ import annotations

from tests.helpers.group_flow import complaint, events, file, labels, linked_chat, prompt_in
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


async def test_the_group_cannot_close_or_reopen_a_resolved_complaint(bot: BotHarness) -> None:
    """resolved → closed / accepted are the survey's and the sweeps': forged presses fail."""
    group = await linked_chat(bot)
    resident, number = await file(bot)
    await group.press(group.card(number), "受理")
    _answer, messages = await group.press(group.card(number), "办结")
    await group.reply(prompt_in(messages), "已修好")
    card = group.card(number)
    assert "【已办结】" in (card.text or "")
    complaint_id = (await complaint(bot, number)).id
    resident.new_messages()
    group.new_messages()
    for forged in (f"cmp:cls:{complaint_id}:r", f"cmp:acc:{complaint_id}:r"):
        answer, messages = await group.press(card, forged, check=False)
        assert answer == REFUSED, forged
        assert messages == []
    found = await complaint(bot, number)
    assert (found.status, found.satisfaction, found.closed_at) == ("resolved", None, None)
    assert [e.action for e in await events(bot, number)] == ["filed", "accepted", "resolved"]
    assert resident.new_messages() == []
