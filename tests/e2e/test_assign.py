"""指派 through the emulator: an inspector assigns a complaint to a member seen in the chat
(or who sent /join); the card shows 承办人; /mine lists it; the digest names each member's
overdue ones. Only the owning group can assign; stale or forged presses change nothing."""

from __future__ import annotations

from datetime import date, datetime

from storage import workflow
from storage.workflow import Actor
from tests.helpers.group_flow import button, complaint, events, file, labels, linked_chat
from tests.helpers.harness import SHANGHAI, BotHarness
from tests.helpers.resident import with_buttons
from tests.helpers.sweeps import sweep_at

INSPECTOR = Actor("inspector", 501, "李组长")


async def test_assign_to_a_member_then_mine_and_the_digest(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    colleague = group.colleague("李四")
    # Seen in the chat: /join (and the administrator, by pressing).
    messages = await colleague.say("/join")
    assert messages[-1].text == (
        "✅ 李四 已登记为本组成员，可以被指派承办群众反映。发送 /mine 查看自己承办的事项。"
    )
    _resident, number = await file(bot)
    card = group.card(number)
    answer, messages = await group.press(card, "指派")
    assert answer == "请选择承办人"
    choice = with_buttons(messages)
    assert choice.reply_to_message_id == card.message_id
    assert (choice.text or "").startswith(f"👤 指派 {number} 给谁承办？")
    assert sorted(labels(choice)) == sorted(["李四", "王组长", "取消"])
    chosen = button(choice, "李四")
    answer, _ = await group.press(choice, chosen)
    assert answer == "已指派给 李四"
    assert group.message(choice.message_id).text == f"👤 {number} 已指派给 李四 承办。"
    assert group.message(choice.message_id).buttons == []
    assert "承办人：李四" in (group.card(number).text or "")
    found = await events(bot, number)
    assert (found[-1].action, found[-1].note, found[-1].public) == ("assigned", "李四", False)

    # The same choice again (stale: it has no buttons now) changes nothing and is answered.
    answer, _ = await group.press(choice, chosen, check=False)
    assert answer == "已经是 李四 承办"
    assert [e.action for e in await events(bot, number)].count("assigned") == 1

    # /mine: the colleague's open complaints; the administrator has none.
    mine = (await colleague.say("/mine"))[-1]
    assert mine.text is not None and mine.text.startswith("👤 我承办的群众反映（1 件）")
    assert f"· {number} 【待受理】小店村 · 饮水灌溉，期限 —" in mine.text
    none = (await group.say("/mine"))[-1]
    assert none.text == "您目前没有承办中的群众反映。"

    # Overdue: the next morning's digest names the colleague's overdue one.
    complaint_id = (await complaint(bot, number)).id
    assert complaint_id is not None
    async with bot.database.transaction() as session:
        outcome = await workflow.order_immediate(
            session=session,
            complaint_id=complaint_id,
            chat_id=group.chat.id,
            expected="new",
            due_on=date(2023, 3, 14),
            actor=INSPECTOR,
            now=bot.clock.now(),
        )
        assert outcome.ok
    group.new_messages()
    await sweep_at(bot, datetime(2023, 3, 15, 8, 30, tzinfo=SHANGHAI))
    digests = [m.text or "" for m in group.new_messages() if (m.text or "").startswith("📰")]
    assert len(digests) == 1
    assert f"👤 李四 承办的逾期事项：{number}" in digests[0]


async def test_only_the_owning_group_can_assign_and_forged_members_are_refused(
    bot: BotHarness,
) -> None:
    g3 = await linked_chat(bot)
    g5 = await linked_chat(bot, "group", "g5", "第五巡察组工作群", "钱")
    _resident, number = await file(bot)
    complaint_id = (await complaint(bot, number)).id
    some = (await g5.say("/join"))[0]
    g5_admin = g5.user.id
    for data in (f"cmp:asg:{complaint_id}:n", f"cmp:who:{complaint_id}:n:{g5_admin}"):
        answer, messages = await g5.press(some, data, check=False)
        assert answer == "这件反映不归本群办理，操作无效。", data
        assert messages == []
    # In its own chat: someone never seen there, a stale status, a forged id.
    card = g3.card(number)
    answer, _ = await g3.press(card, f"cmp:who:{complaint_id}:n:{g5_admin}", check=False)
    assert answer == "此人未在本群出现过，无法指派。请对方先在群里发送 /join。"
    answer, _ = await g3.press(card, f"cmp:who:{complaint_id}:a:{g3.user.id}", check=False)
    assert answer == "已经处理过了：现在是「待受理」。"
    answer, _ = await g3.press(card, f"cmp:who:{complaint_id}:n:x", check=False)
    assert answer is not None and "无效" in answer
    found = await complaint(bot, number)
    assert (found.assignee_telegram_id, found.assignee_name) == (None, None)
    assert "承办人" not in (g3.card(number).text or "")
