"""Issue 10's fixes on the way, through the emulator: reports start from a chat's link; a
photo with a too-short caption is kept and the text asked for; the ledger shows a reopened
complaint's current state, the location and the number a merged one joined."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from handlers.ledger_file import HEADERS
from storage import workflow
from storage.clock import FakeClock
from storage.workflow import Actor, Press
from tests.helpers.exports import download, ledger_rows, only
from tests.helpers.group_flow import Member, complaint, events, file, linked_chat
from tests.helpers.harness import SHANGHAI, BotHarness, running_bot
from tests.helpers.resident import DESCRIPTION_ZH, draft_of, person, texts, with_buttons
from tests.helpers.sweeps import sweep_at

INSPECTOR = Actor("inspector", 501, "李组长")
# Wednesday 2023-03-15, 10:00: the round is in its third week; Monday's reports went out.
WEDNESDAY = datetime(2023, 3, 15, 10, 0, tzinfo=SHANGHAI)


def reports(member: Member) -> list[str]:
    """The weekly reports and digests the chat has."""
    return [m.text or "" for m in member.messages() if (m.text or "").startswith(("📊", "📰"))]


async def test_a_chat_linked_mid_round_gets_no_report_of_a_week_before_it(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, clock=FakeClock(WEDNESDAY)) as harness:
        group = await linked_chat(harness)
        office = await linked_chat(harness, "office", None, "巡察办工作群", "周主任")
        await file(harness)
        # Monday 03-13's report and this morning's digest were due before the link: not sent.
        await sweep_at(harness, datetime(2023, 3, 15, 12, 0, tzinfo=SHANGHAI))
        assert reports(group) == [] and reports(office) == []
        # The next morning's digest, and the next Monday's report, come as usual.
        await sweep_at(harness, datetime(2023, 3, 16, 8, 30, tzinfo=SHANGHAI))
        assert [t[:1] for t in reports(group)] == ["📰"]
        await sweep_at(harness, datetime(2023, 3, 20, 9, 0, tzinfo=SHANGHAI))
        weekly = [t for t in reports(group) if t.startswith("📊")]
        assert len(weekly) == 1 and "第3周工作周报（截至 2023-03-20 09:00）" in weekly[0]
        assert len([t for t in reports(office) if t.startswith("📊")]) == 1


async def test_a_photo_with_a_too_short_caption_is_kept_and_the_text_asked_for(
    bot: BotHarness,
) -> None:
    someone = person(bot)
    messages = await someone.say("/start v_xiaodian")
    await someone.press(with_buttons(messages), "饮水灌溉")
    messages = await someone.photo(caption="井坏了")
    shown = texts(messages)
    assert (
        "📷 照片已收到。照片的说明文字太短（至少 10 个字），没有作为问题描述保存，"
        "请再发一段文字把问题写清楚。"
    ) in shown
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None and len(draft.photo_file_ids) == 1 and draft.description is None
    # The text, sent next, describes it; the photo is still there when it is filed.
    await someone.say(DESCRIPTION_ZH)
    draft = await draft_of(bot, someone.user.id)
    assert draft is not None and len(draft.photo_file_ids) == 1
    assert draft.description == DESCRIPTION_ZH


async def test_the_ledger_shows_a_reopened_complaint_as_it_is_now(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    resident, number = await file(bot, location=(33.7421, 113.3512))
    _other, duplicate = await file(bot, first_name="王")
    first = await complaint(bot, number)
    second = await complaint(bot, duplicate)
    assert first.id is not None and second.id is not None
    async with bot.database.transaction() as session:
        now = bot.clock.now()

        def press(complaint_id: int, expected: str) -> Press:
            return Press(session, complaint_id, group.chat.id, INSPECTOR, now, expected)

        assert (await workflow.accept(press(first.id, "new"))).ok
        resolved = await workflow.resolve(
            press(first.id, "accepted"), note="已修好", photo_file_id=None
        )
        assert resolved.ok
        assert (await workflow.merge(press(second.id, "new"), into_number=number)).ok
    await bot.settle()
    # The resident says it is not solved: reopened.
    survey = [m for m in resident.new_messages() if m.buttons and "问题解决了吗" in (m.text or "")]
    await resident.press(survey[-1], "❌ 未解决")
    assert (await complaint(bot, number)).status == "accepted"
    document = only(await group.say("/export"), "document")
    rows = {
        row[0]: dict(zip(HEADERS, row, strict=True))
        for row in ledger_rows(await download(bot, document["document"]["file_id"]))
    }
    reopened = rows[number]
    assert reopened["状态"] == "已受理"
    assert (reopened["办结时间"], reopened["办理结果"], reopened["满意度"]) == (None, None, None)
    assert reopened["位置"] == "33.74210, 113.35120"
    assert (rows[duplicate]["状态"], rows[duplicate]["合并至"]) == ("已合并", number)
    # The timeline keeps the earlier resolution.
    assert "resolved" in [e.action for e in await events(bot, number)]
