"""Scheduled messages through the emulator: a whole six-week round on a fake clock.

The bot runs against the emulator with its JobQueue off; the test moves the fake clock from
the evening before the round starts to a week after it ends and, at each step, runs the job's
callback (`bot.jobs.run_sweeps`) and waits until everything is delivered. Every reminder,
digest, report and round message reaches its chat once, at the right local time, in words
people read; a restart in the middle changes nothing; a bot down over a Monday's 08:30 and
09:00 sends that day's digest and weekly report once when it is back. After the round, a
resident is told intake has closed (with the office contact) and can still follow their
complaints. One more test checks that the real JobQueue runs the sweeps by itself.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from bot import jobs
from emulator.models import StoredMessage
from storage import workflow
from storage.clock import FakeClock
from storage.models import Complaint, Department, OutboxMessage
from storage.outbox import NOTICE
from storage.workflow import Actor
from tests.helpers.group_flow import Member, file, linked_chat
from tests.helpers.harness import SHANGHAI, BotHarness, running_bot
from tests.helpers.resident import texts, with_buttons

INSPECTOR = Actor("inspector", 501, "李组长")
WORKER = Actor("department", 601, "水利局 赵")
START = datetime(2023, 2, 26, 20, 0, tzinfo=SHANGHAI)
LAST_DAY = date(2023, 4, 20)
# Each day's sweeps: the scheduled minutes and a probe before and after them.
SWEEP_CLOCK = [time(0), time(8, 30), time(9), time(12)]
DOWN = (
    datetime(2023, 3, 13, 8, 0, tzinfo=SHANGHAI),
    datetime(2023, 3, 13, 12, 0, tzinfo=SHANGHAI),
)


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2023, month, day, hour, minute, tzinfo=SHANGHAI)


class Round:
    """The round being played through the emulator."""

    def __init__(self, harness: BotHarness) -> None:
        self.harness = harness
        self.swept: list[datetime] = []

    async def at(self, moment: datetime) -> None:
        """Move the clock (never back)."""
        assert moment >= self.harness.clock.now()
        self.harness.clock.set(moment)

    async def sweep(self, moment: datetime) -> list[str]:
        """The job's run at `moment`, and everything it queued delivered."""
        await self.at(moment)
        app = self.harness.runtime.app
        assert app is not None
        sent = await jobs.run_sweeps(app)
        await self.harness.settle()
        self.swept.append(moment)
        return sent

    async def sweep_until(self, end: datetime) -> None:
        """Sweep at each day's moments up to `end` (not while the bot is down)."""
        day = self.harness.clock.now().astimezone(SHANGHAI).date()
        while day <= end.date():
            for clock in SWEEP_CLOCK:
                moment = datetime.combine(day, clock, tzinfo=SHANGHAI)
                if self.harness.clock.now() < moment <= end and not DOWN[0] < moment < DOWN[1]:
                    await self.sweep(moment)
            day += timedelta(days=1)
        if self.harness.clock.now() < end:
            await self.at(end)

    async def act(
        self, moment: datetime, action: Callable[..., Awaitable[Any]], **values: Any
    ) -> None:
        """An inspector's or department's step, written as the chat's button would."""
        await self.sweep_until(moment)
        async with self.harness.database.transaction() as session:
            outcome = await action(session=session, now=moment.astimezone(UTC), **values)
            assert outcome.ok, outcome
        app = self.harness.runtime.app
        assert app is not None
        app.outbox_wakeup.set()
        await self.harness.settle()


async def notices(harness: BotHarness) -> list[OutboxMessage]:
    async with harness.database.transaction() as session:
        statement = (
            select(OutboxMessage)
            .where(OutboxMessage.kind == NOTICE)
            .order_by(col(OutboxMessage.id))
        )
        return list((await session.exec(statement)).all())


def bot_texts(member: Member, start: str) -> list[StoredMessage]:
    """The bot's messages in a chat that begin with `start`."""
    return [m for m in member.messages() if (m.text or "").startswith(start)]


async def test_a_whole_round_through_the_emulator(tmp_path: Path) -> None:
    async with running_bot(tmp_path, clock=FakeClock(START)) as harness:
        play = Round(harness)
        # The evening before the round: the chats are linked, nothing is said yet.
        g3 = await linked_chat(harness, "group", "g3", "第三巡察组工作群")
        office = await linked_chat(harness, "office", None, "巡察办工作群", "周主任")
        water = await linked_chat(harness, "department", "water", "区水利局", "水利老周")
        assert await play.sweep(local(2, 26, 21)) == []

        # A resident files on the first morning; the group hands it off to the water bureau.
        await play.sweep_until(local(2, 27, 10))
        resident, number = await file(harness, anonymous=True)
        async with harness.database.transaction() as session:
            complaint = (
                await session.exec(select(Complaint).where(Complaint.number == number))
            ).one()
            water_id = (
                await session.exec(select(Department.id).where(Department.code == "water"))
            ).one()
        assert complaint.id is not None and water_id is not None
        await play.act(
            local(2, 27, 11),
            workflow.hand_off,
            complaint_id=complaint.id,
            chat_id=g3.chat.id,
            expected="new",
            department_id=water_id,
            due_on=date(2023, 3, 2),
            actor=INSPECTOR,
        )
        # Reminded on 03-01 (due tomorrow), 03-03 and 03-04 (overdue); reported done 03-04.
        await play.act(
            local(3, 4, 11),
            workflow.report_done,
            complaint_id=complaint.id,
            department_chat_id=water.chat.id,
            note="已修复地埋管漏点，水压恢复。",
            actor=WORKER,
        )
        # No answer to the survey for 3 days: reminded (with the buttons) on 03-07 at 12:00.
        await play.sweep_until(local(3, 7, 12))
        reminder = [m for m in resident.new_messages() if "解决了吗" in (m.text or "")]
        assert len(reminder) == 2, texts(reminder)  # the survey itself, then the reminder
        assert "7 天内没有回答" in (reminder[-1].text or "")
        _answer, messages = await resident.press(reminder[-1], "✅ 已解决")
        answer, _messages = await resident.press(with_buttons(messages), "😊 满意")
        assert answer is not None and "感谢" in answer

        # A second complaint on Sunday 03-12; the bot is down Monday morning until noon.
        await play.sweep_until(local(3, 12, 15))
        resident2, number2 = await file(harness, anonymous=False, first_name="王")
        await play.sweep_until(local(3, 15, 0))
        # A restart in the middle of the round.
        await harness.restart()
        await play.sweep_until(datetime.combine(LAST_DAY, time(23, 59), tzinfo=SHANGHAI))

        # --- what the chats show ------------------------------------------------------------
        rows = await notices(harness)
        seen = Counter(
            (row.payload["notice"], row.chat_id, row.created_at.astimezone(SHANGHAI))
            for row in rows
        )
        assert max(seen.values()) == 1
        expected = Counter(
            [
                ("round_open", g3.chat.id, local(2, 27, 0)),
                # Due dates: 09:00 the day before and each day overdue, group and department.
                *[
                    ("due", chat, moment)
                    for chat in (g3.chat.id, water.chat.id)
                    for moment in (local(3, 1, 9), local(3, 3, 9), local(3, 4, 9))
                ],
                # 催签: not signed for within 24 hours (handed off 02-27), at the next sweep.
                ("sign_reminder", g3.chat.id, local(2, 28, 12)),
                ("sign_reminder", water.chat.id, local(2, 28, 12)),
                ("survey_reminder", resident.user.id, local(3, 7, 12)),
                # Digests after a day with something new or changed; 03-13 when back at noon.
                ("digest", g3.chat.id, local(2, 28, 8, 30)),
                ("digest", g3.chat.id, local(3, 5, 8, 30)),
                ("digest", g3.chat.id, local(3, 8, 8, 30)),
                ("digest", g3.chat.id, local(3, 13, 12)),
                # Weekly reports on Mondays at 09:00 (at noon on 03-13).
                *[
                    ("weekly", chat, moment)
                    for chat in (g3.chat.id, office.chat.id)
                    for moment in (
                        local(3, 6, 9),
                        local(3, 13, 12),
                        local(3, 20, 9),
                        local(3, 27, 9),
                        local(4, 3, 9),
                        local(4, 10, 9),
                    )
                ],
                ("round_warn", g3.chat.id, local(4, 11, 9)),
                ("final", g3.chat.id, local(4, 13, 0)),
                ("final", office.chat.id, local(4, 13, 0)),
            ]
        )
        assert seen == expected

        # The group chat, in words, each once.
        (opening,) = bot_texts(g3, "📣")
        assert "卫东区委2023年第一轮巡察" in (opening.text or "") and "今天开始" in (
            opening.text or ""
        )
        assert "小店村，岳家村" in (opening.text or "")
        reminders = bot_texts(g3, "⏰") + bot_texts(g3, "🔴")
        assert [m.text for m in reminders] == [
            f"⏰ {number} 区水利局超过 24 小时未签收，已在其工作群催签。",
            f"⏰ 督办提醒：{number}（小店村 · 饮水灌溉，现场交办区水利局）明天（2023-03-02）"
            "到期，请抓紧办理。",
            f"🔴 督办：{number}（小店村 · 饮水灌溉，现场交办区水利局）已逾期 1 天（期限 "
            "2023-03-02），请尽快办结并反馈。",
            f"🔴 督办：{number}（小店村 · 饮水灌溉，现场交办区水利局）已逾期 2 天（期限 "
            "2023-03-02），请尽快办结并反馈。",
        ]
        card = g3.card(number)
        assert all(
            m.get("reply_to_message", {}).get("message_id") == card.message_id for m in reminders
        )
        digests = bot_texts(g3, "📰")
        assert [d.text.splitlines()[0] for d in digests if d.text] == [
            "📰 第三巡察组每日简报（2023-02-28 08:30）",
            "📰 第三巡察组每日简报（2023-03-05 08:30）",
            "📰 第三巡察组每日简报（2023-03-08 08:30）",
            "📰 第三巡察组每日简报（2023-03-13 08:30）",
        ]
        assert f"· {number} 小店村 · 饮水灌溉" in (digests[0].text or "")
        assert "新收到群众反映 1 件，办结 0 件，状态变化 1 次" in (digests[0].text or "")
        assert f"· {number2} 小店村" in (digests[3].text or "")
        weekly = bot_texts(g3, "📊")
        assert len(weekly) == 6
        assert "第三巡察组第1周工作周报" in (weekly[0].text or "")
        assert "本轮巡察共收到群众反映 1 件" in (weekly[0].text or "")
        assert "已立行立改问题0个，现场交办事项1件" in (weekly[0].text or "")
        assert "受理用时中位数 1.0 小时" in (weekly[0].text or "")
        assert "满意 1" in (weekly[1].text or "")
        (warning,) = bot_texts(g3, "⏳")
        assert "明天（2023-04-12）24:00 停止受理" in (warning.text or "")
        assert "目前在办 1 件" in (warning.text or "")
        (final,) = bot_texts(g3, "🏁")
        assert "本轮巡察共收到群众反映 2 件" in (final.text or "")
        assert "0375-0000000" in (final.text or "")
        # The office: the whole round, by group; no digests, no reminders, no identity.
        office_weekly = bot_texts(office, "📊")
        assert len(office_weekly) == 6 and "卫东区委2023年第一轮巡察第1周工作周报" in (
            office_weekly[0].text or ""
        )
        assert "· 第三巡察组：收到反映 1 件，在办 1 件" in (office_weekly[0].text or "")
        assert "· 第三巡察组：收到反映 2 件，在办 1 件" in (office_weekly[1].text or "")
        assert len(bot_texts(office, "🏁")) == 1
        assert not bot_texts(office, "📰") and not bot_texts(office, "⏰")
        assert not [m for m in office.messages() if "王" in (m.text or "")]
        # The department: its reminders, without the resident's identity, under its card.
        department = bot_texts(water, "⏰") + bot_texts(water, "🔴")
        assert len(department) == 4
        assert (department[0].text or "").startswith(f"⏰ 催签：{number}")
        assert "交办事项" in (department[1].text or "")

        # --- after the round ----------------------------------------------------------------
        messages = await resident2.say("/start v_xiaodian")
        assert "目前不在巡察受理期内" in texts(messages)
        assert "卫东区委巡察办 电话 0375-0000000" in texts(messages)
        messages = await resident2.say("/my")
        assert number2 in texts(messages)
        messages = await resident2.say(f"/status {number2}")
        assert number2 in texts(messages)


async def test_the_job_queue_runs_the_sweeps(tmp_path: Path) -> None:
    """With scheduled jobs on, the JobQueue sweeps a second after start, then every minute."""
    clock = FakeClock(local(3, 14, 10))
    async with running_bot(tmp_path, clock=clock) as harness:
        g3 = await linked_chat(harness, "group", "g3", "第三巡察组工作群")
        assert not bot_texts(g3, "📣")
        await harness.runtime.stop()
        harness.settings = harness.settings.model_copy(update={"scheduled_jobs": True})
        await harness.restart_stopped()
        app = harness.runtime.app
        assert app is not None and app.job_queue is not None
        (job,) = app.job_queue.get_jobs_by_name(jobs.JOB_NAME)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        # Real time: the JobQueue's first run comes a second after the start.
        while not bot_texts(g3, "📣") and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        (opening,) = bot_texts(g3, "📣")
        assert "正在进行" in (opening.text or "")
        # Running the job again (as PTB does every minute) sends nothing twice.
        await job.run(app)
        await harness.settle()
        assert len(bot_texts(g3, "📣")) == 1


async def test_after_the_round_intake_is_closed_but_tracking_works(tmp_path: Path) -> None:
    """At the end intake closes by itself: a resident is told, with the office contact, and
    still follows their complaints with /my and /status."""
    async with running_bot(tmp_path, clock=FakeClock(local(4, 12, 22))) as harness:
        play = Round(harness)
        g3 = await linked_chat(harness, "group", "g3", "第三巡察组工作群")
        resident, number = await file(harness, anonymous=True)
        await play.sweep(local(4, 13, 0, 30))
        (final,) = bot_texts(g3, "🏁")
        assert "本轮巡察共收到群众反映 1 件" in (final.text or "")
        resident.new_messages()

        for attempt in ("/start v_xiaodian", "/start"):
            messages = await resident.say(attempt)
            assert "0375-0000000" in texts(messages), texts(messages)
            assert "不在巡察受理期内" in texts(messages) or "目前没有正在进行的巡察" in texts(
                messages
            )
        messages = await resident.say("/my")
        assert number in texts(messages)
        messages = await resident.say(f"/status {number}")
        assert number in texts(messages) and "待受理" in texts(messages)
        async with harness.database.transaction() as session:
            filed = (await session.exec(select(Complaint))).all()
        assert [c.number for c in filed] == [number]
