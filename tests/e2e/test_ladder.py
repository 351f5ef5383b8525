"""Deadlines that climb, through the emulator: the 派单目录's department offered first and
named on the card, reminders on the ladder's days (and still after day 7), the office's
督办通报 once a day by department, 超期 in the weekly report and in the ledger."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from handlers.ledger_file import HEADERS, SUMMARY_SHEET
from storage.clock import FakeClock
from tests.helpers.exports import download, ledger_rows, only
from tests.helpers.group_flow import Member, button, file, labels, linked_chat
from tests.helpers.harness import SHANGHAI, BotHarness, running_bot
from tests.helpers.resident import with_buttons
from tests.helpers.rosters import roster_with_dispatch
from tests.helpers.sweeps import sweep_at

# Tuesday 2023-03-14 10:00 in Shanghai (a Monday report comes on 03-20 and 03-27).
START = datetime(2023, 3, 14, 10, 0, tzinfo=SHANGHAI)


def local(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2023, 3, day, hour, minute, tzinfo=SHANGHAI)


def said(member: Member, start: str) -> list[str]:
    """The texts of the bot's new messages in a chat that begin with `start`."""
    return [m.text or "" for m in member.new_messages() if (m.text or "").startswith(start)]


async def hand_off_by_default(harness: BotHarness, group: Member, number: str) -> None:
    """The inspector hands it off to the department the 派单目录 offers first, by its days."""
    _answer, messages = await group.press(group.card(number), "现场交办")
    choice = with_buttons(messages)
    assert labels(choice)[0] == "⭐ 区水利局（派单目录默认）"
    # The rest follow in roster order; the default is not offered twice.
    assert labels(choice)[1:] == ["区住房和城乡建设局", "东高皇街道党工委", "取消"]
    _answer, _messages = await group.press(choice, labels(choice)[0])
    choice = group.message(choice.message_id)
    # The category's due days come from the 派单目录 (3 days), offered first.
    assert labels(choice)[0] == "按类别默认：3天"
    answer, _ = await group.press(choice, button(choice, "按类别默认：3天"))
    assert answer == f"✅ {number} 已交办 区水利局，期限 2023-03-17。"


async def test_the_ladder_climbs_and_never_falls_silent(tmp_path: Path) -> None:
    roster = roster_with_dispatch()
    async with running_bot(tmp_path, roster_yaml=roster, clock=FakeClock(START)) as harness:
        group = await linked_chat(harness)
        water = await linked_chat(harness, "department", "water", "区水利局工作群", "孙局长")
        office = await linked_chat(harness, "office", None, "巡察办工作群", "周主任")
        _resident, number = await file(harness)  # 饮水灌溉: the 派单目录 says 区水利局, 3 天
        await group.press(group.card(number), "受理")
        await hand_off_by_default(harness, group, number)
        assert "交办单位：区水利局（派单目录默认）" in (group.card(number).text or "")
        for member in (group, water, office):
            member.new_messages()

        # 09:00 the day before the due date (03-16): the group and the department.
        await sweep_at(harness, local(16))
        # Each chat: the reminder, and the 催签 (nobody signed for it within 24 hours).
        reminders = [said(m, "⏰") for m in (group, water)]
        assert [len(r) for r in reminders] == [2, 2]
        assert [sum("未签收" in text for text in r) for r in reminders] == [1, 1]
        # Overdue days 1, 2, 3 (03-18..03-20): both chats each day.
        for day in (18, 19, 20):
            await sweep_at(harness, local(day, 8))
            assert said(group, "🔴") == [] and said(water, "🔴") == []
            await sweep_at(harness, local(day))
            overdue = day - 17
            (group_text,) = said(group, "🔴")
            assert f"已逾期 {overdue} 天" in group_text
            (water_text,) = said(water, "🔴")
            assert f"已逾期 {overdue} 天" in water_text and "张" not in water_text
            if overdue < 3:
                assert said(office, "📢") == []
        # From day 3 the office's 督办通报 lists it under its department, once a day.
        await sweep_at(harness, local(20, 12))
        notices = [m.text or "" for m in office.messages() if (m.text or "").startswith("📢")]
        assert len(notices) == 1
        (notice,) = notices
        assert "📢 督办通报（2023-03-20）" in notice
        assert "区水利局（1 件）" in notice
        assert f"· {number} 第三巡察组 · 小店村 · 饮水灌溉，期限 2023-03-17，已逾期 3 天" in notice
        assert "超期" not in notice.split("\n")[3]
        # The resident's identity never reaches the office.
        assert "张" not in notice
        office.new_messages()
        # Day 4: no reminder to the chats (every 2 days after the first 3), the office again.
        await sweep_at(harness, local(21))
        assert said(group, "🔴") == [] and said(water, "🔴") == []
        assert len(said(office, "📢")) == 1
        # Days 5 and 7: reminded; day 7 is 超期 in the 督办通报.
        for day in (22, 23, 24):
            await sweep_at(harness, local(day))
        assert [t.split("已逾期 ")[1][:3] for t in said(group, "🔴")] == ["5 天", "7 天"]
        assert len(said(water, "🔴")) == 2
        escalations = said(office, "📢")
        assert len(escalations) == 3
        assert "已逾期 7 天 · 超期" in escalations[-1]
        # Day 9: still reminded (it never falls silent while open).
        await sweep_at(harness, local(26))
        assert [t.split("已逾期 ")[1][:3] for t in said(group, "🔴")] == ["9 天"]

        # The Monday report (03-27 09:00) marks it 超期, in the group's and the office's chat.
        await sweep_at(harness, local(27))
        weekly = [t for t in said(group, "📊")]
        assert len(weekly) == 1
        assert f"🔴 超期（逾期 7 天及以上）未办结 1 件：{number}" in weekly[0]
        office_weekly = said(office, "📊")
        assert len(office_weekly) == 1 and f"未办结 1 件：{number}" in office_weekly[0]

        # The ledger: 超期（天） 10 on 03-27 (due 03-17), with its location and no merge.
        document = only(await group.say("/export"), "document")
        data = await download(harness, document["document"]["file_id"])
        (row,) = ledger_rows(data)
        values = dict(zip(HEADERS, row, strict=True))
        assert (values["编号"], values["超期（天）"], values["合并至"]) == (number, 10, None)
        summary = {
            line[0]: line[1]
            for line in load_workbook(io.BytesIO(data))[SUMMARY_SHEET].iter_rows(values_only=True)
            if line and len(line) > 1
        }
        assert summary["超期（逾期 7 天及以上）未办结"] == 1
        # /stats says it too.
        stats = [m.text or "" for m in await group.say("/stats") if m.text]
        assert any(f"🔴 超期（逾期 7 天及以上）未办结 1 件：{number}" in t for t in stats)


async def test_a_department_chosen_instead_of_the_default_is_named_so(tmp_path: Path) -> None:
    roster = roster_with_dispatch()
    async with running_bot(tmp_path, roster_yaml=roster, clock=FakeClock(START)) as harness:
        group = await linked_chat(harness)
        _resident, number = await file(harness)
        _answer, messages = await group.press(group.card(number), "现场交办")
        choice = with_buttons(messages)
        await group.press(choice, "区住房和城乡建设局")
        choice = group.message(choice.message_id)
        await group.press(choice, button(choice, "按类别默认：3天"))
        text = group.card(number).text or ""
        assert "交办单位：区住房和城乡建设局（未按派单目录，另选）" in text
