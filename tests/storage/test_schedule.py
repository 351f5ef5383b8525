"""Scheduled sweeps over a whole six-week round, driven by a fake clock, on every backend.

The round WD2023-1 (2023-02-27 .. 2023-04-12, Asia/Shanghai) is played from the day before it
starts to a week after it ends, sweeping at the scheduled minutes (00:00, 08:30, 09:00), at
moments around them, and right after each thing people do: every reminder, digest, report and
round message is written to the outbox once, at the right local time; a restart in the middle
changes nothing; a bot down over a Monday's 08:30 and 09:00 sends that day's digest and weekly
report once, when it is back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import col, select

from storage import drafts, schedule, workflow
from storage.db import Database
from storage.models import (
    Complaint,
    Draft,
    DraftStep,
    OutboxMessage,
    Round,
    SentNotice,
    TimelineEvent,
)
from storage.outbox import EVENT, NOTICE
from storage.workflow import Actor
from tests.helpers.factories import (
    DISCIPLINE_CHAT,
    G3_CHAT,
    G5_CHAT,
    OFFICE_CHAT,
    SHANGHAI,
    WATER_CHAT,
    World,
    example_world,
    file,
    resident,
)

INSPECTOR = Actor("inspector", 501, "李组长")
WORKER = Actor("department", 601, "水利局 赵")
FIRST_DAY = date(2023, 2, 26)
LAST_DAY = date(2023, 4, 21)
# The bot is down on Monday 2023-03-13 from after 08:00 until 10:00.
DOWN = (
    datetime(2023, 3, 13, 8, 0, tzinfo=SHANGHAI),
    datetime(2023, 3, 13, 10, 0, tzinfo=SHANGHAI),
)
RESTART_AT = datetime(2023, 3, 20, 0, 0, tzinfo=SHANGHAI)


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of 2023 on Shanghai's clock."""
    return datetime(2023, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class Play:
    """The round being played: the database (replaced on restart) and what happened."""

    url: str
    database: Database
    world: World
    ids: dict[str, int] = field(default_factory=dict)
    sweeps: list[datetime] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)

    async def run(self, call: Callable[..., Awaitable[Any]], /, **values: Any) -> Any:
        async with self.database.transaction() as session:
            return await call(session=session, **values)

    async def act(self, action: Callable[..., Awaitable[Any]], name: str, **values: Any) -> None:
        outcome = await self.run(action, complaint_id=self.ids[name], **values)
        assert outcome.ok, (action.__name__, name, outcome)

    async def file(self, name: str, telegram_id: int, when: datetime, **values: Any) -> None:
        complaint = await file(self.database, telegram_id, now=when.astimezone(UTC), **values)
        assert complaint.id is not None
        self.ids[name] = complaint.id

    async def status(self, name: str) -> Complaint:
        async with self.database.transaction() as session:
            found = await session.get(Complaint, self.ids[name])
            assert found is not None
            return found


def script(play: Play) -> list[tuple[datetime, Callable[[], Awaitable[None]]]]:
    """What people do during the round, at local times."""
    w = play.world
    g3 = {"chat_id": G3_CHAT, "actor": INSPECTOR}
    g5 = {"chat_id": G5_CHAT, "actor": INSPECTOR}

    async def link_g5() -> None:
        async with play.database.transaction() as session:
            group = await session.get(type(w.groups["g5"]), w.groups["g5"].id)
            assert group is not None
            group.chat_id = G5_CHAT

    def at(when: datetime) -> dict[str, Any]:
        return {"now": when.astimezone(UTC)}

    def step(when: datetime, action: Any, name: str, **values: Any) -> Any:
        return (when, lambda: play.act(action, name, **values, **at(when)))

    def filing(when: datetime, name: str, telegram_id: int, **values: Any) -> Any:
        return (when, lambda: play.file(name, telegram_id, when, **values))

    async def stale_draft() -> None:
        person = await resident(play.database, 1006)
        assert person.id is not None
        stamp = local(3, 3, 12).astimezone(UTC)
        async with play.database.transaction() as session:
            session.add(
                Draft(
                    resident_id=person.id,
                    step=DraftStep.category,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )

    def rate(when: datetime, name: str, telegram_id: int, value: str) -> Any:
        async def go() -> None:
            outcome = await play.run(
                workflow.rate,
                complaint_id=play.ids[name],
                resident_telegram_id=telegram_id,
                satisfaction=value,
                now=when.astimezone(UTC),
            )
            assert outcome.ok, outcome

        return (when, go)

    water = w.department_id("water")
    housing = w.department_id("housing")
    discipline = w.department_id("discipline")
    return [
        (local(2, 28, 15, 20), link_g5),
        filing(local(2, 27, 10), "c1", 1001),
        step(local(2, 27, 11), workflow.accept, "c1", expected="new", **g3),
        step(
            local(2, 27, 14),
            workflow.order_immediate,
            "c1",
            expected="accepted",
            due_on=date(2023, 3, 3),
            **g3,
        ),
        filing(local(3, 1, 9, 30), "c2", 1002, village="youyue", category="road", anonymous=True),
        step(
            local(3, 1, 10),
            workflow.hand_off,
            "c2",
            expected="new",
            department_id=water,
            due_on=date(2023, 3, 8),
            **g5,
        ),
        (local(3, 3, 12), stale_draft),
        filing(local(3, 5, 20), "c3", 1003, village="yuejia", category="environment"),
        step(
            local(3, 7, 10), workflow.reject, "c3", expected="new", reason="不属于巡察范围", **g3
        ),
        filing(local(3, 8, 2), "c4", 1004, category="conduct", anonymous=True),
        step(
            local(3, 8, 10),
            workflow.transfer,
            "c4",
            expected="new",
            department_id=discipline,
            **g3,
        ),
        (
            local(3, 10, 11),
            lambda: play.act(
                workflow.report_done,
                "c2",
                department_chat_id=WATER_CHAT,
                note="已修复路面",
                actor=WORKER,
                now=local(3, 10, 11).astimezone(UTC),
            ),
        ),
        rate(local(3, 11, 12), "c2", 1002, "satisfied"),
        step(
            local(3, 12, 16),
            workflow.resolve,
            "c1",
            expected="immediate",
            note="已更换水泵",
            photo_file_id=None,
            **g3,
        ),
        filing(local(3, 20, 10), "c5", 1001, category="power"),
        step(
            local(3, 20, 11),
            workflow.order_immediate,
            "c5",
            expected="new",
            due_on=date(2023, 3, 22),
            **g3,
        ),
        step(
            local(3, 21, 8),
            workflow.resolve,
            "c5",
            expected="immediate",
            note="已修好线路",
            photo_file_id=None,
            **g3,
        ),
        rate(local(3, 25, 10), "c5", 1001, "basic"),
        filing(local(4, 1, 23), "c6", 1002, village="youyue", category="lights"),
        step(local(4, 2, 10), workflow.accept, "c6", expected="new", **g5),
        step(
            local(4, 3, 22),
            workflow.resolve,
            "c6",
            expected="accepted",
            note="已换灯",
            photo_file_id=None,
            **g5,
        ),
        filing(local(4, 10, 15), "c7", 1005, village="yuejia", category="road"),
        step(
            local(4, 11, 10),
            workflow.hand_off,
            "c7",
            expected="new",
            department_id=housing,
            due_on=date(2023, 4, 12),
            **g3,
        ),
    ]


# When the sweeps run each day: the scheduled minutes (00:00 round start and end, 08:30
# digests, 09:00 reminders and reports) and moments before and after them.
SWEEP_CLOCK = [time(0), time(6), time(8, 30), time(9), time(12), time(18)]


def sweep_times(extra: list[datetime]) -> list[datetime]:
    """The daily sweep moments of every day, plus the moments people act at, and the moment
    the bot is back after being down."""
    moments = {*extra, DOWN[1]}
    day = FIRST_DAY
    while day <= LAST_DAY:
        moments.update(datetime.combine(day, clock, tzinfo=SHANGHAI) for clock in SWEEP_CLOCK)
        day += timedelta(days=1)
    return sorted(moments)


def down(moment: datetime) -> bool:
    """Whether the bot is down at this moment (no sweep runs)."""
    return DOWN[0] < moment < DOWN[1]


async def play_round(database: Database, url: str) -> Play:
    """Play the whole round; return what happened."""
    world = await example_world(database)
    async with database.transaction() as session:
        round_ = await session.get(Round, world.round_id)
        assert round_ is not None
        round_.office_chat_id = OFFICE_CHAT
        group = await session.get(type(world.groups["g5"]), world.groups["g5"].id)
        assert group is not None
        group.chat_id = None
    play = Play(url=url, database=database, world=world)
    actions = sorted(script(play), key=lambda item: item[0])
    moments = sweep_times([when for when, _ in actions])
    pending = list(actions)
    restarted = False
    for moment in moments:
        while pending and pending[0][0] <= moment:
            _, action = pending.pop(0)
            await action()
        if not restarted and moment >= RESTART_AT:
            # A restart: a new Database object on the same database; nothing is kept in memory.
            await play.database.dispose()
            play.database = Database(url)
            restarted = True
        if down(moment):
            continue
        play.sweeps.append(moment)
        sent = await play.run(schedule.run_all, now=moment.astimezone(UTC))
        play.sent.extend(sent)
    assert not pending
    return play


def first_sweep(play: Play, due: datetime) -> datetime:
    """When something due at `due` is written: the first sweep at or after it."""
    return next(moment for moment in play.sweeps if moment >= due)


async def notices(database: Database) -> list[OutboxMessage]:
    async with database.transaction() as session:
        statement = (
            select(OutboxMessage)
            .where(OutboxMessage.kind == NOTICE)
            .order_by(col(OutboxMessage.id))
        )
        return list((await session.exec(statement)).all())


def shanghai(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI)


async def test_a_whole_round(database: Database, database_url: str) -> None:
    play = await play_round(database, database_url)
    rows = await notices(play.database)
    seen = Counter(
        (row.payload["notice"], row.chat_id, shanghai(row.created_at), row.payload.get("days"))
        for row in rows
    )
    # Nothing twice.
    assert max(seen.values()) == 1, [key for key, n in seen.items() if n > 1]
    expected: list[tuple[str, int, datetime, int | None]] = []

    def expect(kind: str, chat: int, due: datetime, days: int | None = None) -> None:
        expected.append((kind, chat, first_sweep(play, due), days))

    # The round's life: g5's chat was linked on its second day, at 15:20.
    expect("round_open", G3_CHAT, local(2, 27, 0))
    expect("round_open", G5_CHAT, local(2, 28, 15, 20))
    for chat in (G3_CHAT, G5_CHAT):
        expect("round_warn", chat, local(4, 11, 9))
    for chat in (G3_CHAT, G5_CHAT, OFFICE_CHAT):
        expect("final", chat, local(4, 13, 0))
    # Weekly reports, Monday 09:00 (10:00 on the 13th, when the bot was back).
    for monday in (6, 13, 20, 27, 34, 41):
        moment = local(3, 1, 9) + timedelta(days=monday - 1)
        for chat in (G3_CHAT, G5_CHAT, OFFICE_CHAT):
            expect("weekly", chat, moment)
    # Daily digests at 08:30, only after a day with something new or changed.
    g3_days = [(2, 28), (3, 6), (3, 8), (3, 9), (3, 13), (3, 20), (3, 21), (3, 26), (4, 11)]
    g3_days.append((4, 12))
    for month, day in g3_days:
        expect("digest", G3_CHAT, local(month, day, 8, 30))
    for month, day in [(3, 2), (3, 11), (3, 12), (4, 2), (4, 3), (4, 4), (4, 12)]:
        expect("digest", G5_CHAT, local(month, day, 8, 30))
    # Due dates on the default ladder (storage/ladder.py), 09:00: the day before, each of the
    # first 3 overdue days, then every 2 days while it is open.
    ladder_days = (1, 2, 3, 5, 7, 9)
    # c1 (immediate, due 03-03, resolved 03-12 16:00, on its 9th overdue day).
    expect("due", G3_CHAT, local(3, 2, 9), -1)
    for days in ladder_days:
        expect("due", G3_CHAT, local(3, 3, 9) + timedelta(days=days), days)
    # c2 (handed off to the water bureau, due 03-08, reported done 03-10 11:00): also there.
    for chat in (G5_CHAT, WATER_CHAT):
        expect("due", chat, local(3, 7, 9), -1)
        expect("due", chat, local(3, 9, 9), 1)
        expect("due", chat, local(3, 10, 9), 2)
    # c7 (handed off on 04-11 10:00, due 04-12; the housing bureau has no chat; still open at
    # the end): no reminder the day before (the date was chosen after 09:00 that day), then
    # the ladder's days, and it never falls silent.
    for days in ladder_days:
        expect("due", G3_CHAT, local(4, 12, 9) + timedelta(days=days), days)
    # From its 3rd overdue day (04-15) the office's chat gets the 督办通报, once a day; c1 is
    # never in it (an immediate fix, not a hand-off), c2 was done on its 2nd day.
    for day in range(15, LAST_DAY.day + 1):
        expect("escalation", OFFICE_CHAT, local(4, day, 9))
    # 催签, once, 24 hours after a dispatch nobody signed for: c2 (to g5 and the water bureau),
    # c4's clue (to g3 and the commission), c7 (to g3; the housing bureau has no chat).
    for chat in (G5_CHAT, WATER_CHAT):
        expect("sign_reminder", chat, local(3, 2, 10))
    for chat in (G3_CHAT, DISCIPLINE_CHAT):
        expect("sign_reminder", chat, local(3, 9, 10))
    expect("sign_reminder", G3_CHAT, local(4, 12, 10))
    # Survey reminders, 3 days after, between 09:00 and 21:00.
    expect("survey_reminder", 1001, local(3, 15, 16))  # c1, resolved 03-12 16:00
    expect("survey_reminder", 1001, local(3, 24, 9))  # c5, resolved 03-21 08:00
    expect("survey_reminder", 1002, local(4, 7, 9))  # c6, resolved 04-03 22:00

    assert seen == Counter(expected)
    # The exact scheduled times, where the bot was up.
    assert (("digest", G3_CHAT, local(2, 28, 8, 30), None)) in seen
    assert (("weekly", OFFICE_CHAT, local(3, 6, 9), None)) in seen
    # Down over Monday 08:30 and 09:00: that day's digest and reports came once, at 10:00.
    down_day = [key for key in seen if key[2].date() == date(2023, 3, 13)]
    assert sorted((kind, chat, moment.time()) for kind, chat, moment, _ in down_day) == sorted(
        [("digest", G3_CHAT, time(10))]
        + [("weekly", chat, time(10)) for chat in (G3_CHAT, G5_CHAT, OFFICE_CHAT)]
    )
    # run_all's keys: each notice once (a reminder to two chats is one key), and the closings.
    assert len(play.sent) == len(set(play.sent))
    assert Counter(key.split(":")[0] for key in play.sent) == {
        "round_open": 2,
        "round_warn": 2,
        "round_final": 3,
        "weekly": 18,
        "digest": 17,
        "due": 16,
        "escalation": 7,
        "survey_reminder": 3,
        "survey_closed": 2,
        "sign": 3,
    }

    # No survey answer in 7 days: closed as "no answer" (daytime), and the resident is told.
    for name, closed_at in (("c1", local(3, 19, 16)), ("c6", local(4, 11, 9))):
        complaint = await play.status(name)
        assert complaint.status == "closed"
        assert complaint.satisfaction == schedule.NO_ANSWER
        assert complaint.closed_at is not None
        assert shanghai(complaint.closed_at) == first_sweep(play, closed_at)
    assert (await play.status("c2")).satisfaction == "satisfied"
    assert (await play.status("c5")).satisfaction == "basic"
    async with play.database.transaction() as session:
        statement = select(TimelineEvent).where(
            TimelineEvent.action == "closed", TimelineEvent.note == schedule.NO_ANSWER
        )
        closings = list((await session.exec(statement)).all())
        assert {e.complaint_id for e in closings} == {play.ids["c1"], play.ids["c6"]}
        assert all(e.actor == "system" and e.public for e in closings)
        told = select(OutboxMessage).where(
            OutboxMessage.kind == EVENT,
            col(OutboxMessage.payload)["event_id"].as_integer().in_([e.id for e in closings]),
            col(OutboxMessage.chat_id).in_([1001, 1002]),
        )
        assert len((await session.exec(told)).all()) == 2
        # The idle draft went on the first sweep more than 24 hours after it was last touched,
        # leaving a mark so its resident is told when they come back.
        assert (await session.exec(select(Draft))).all() == []
        mark = (
            await session.exec(select(SentNotice).where(SentNotice.kind == "draft_expired"))
        ).one()
        assert shanghai(mark.sent_at) == first_sweep(
            play, local(3, 4, 12, 0) + timedelta(seconds=1)
        )
    # Nothing went to a department chat but the water bureau's reminders, nor to the
    # discipline commission's chat but the 催签 of the clue it was sent.
    to_commission = [row for row in rows if row.chat_id == DISCIPLINE_CHAT]
    assert [row.payload["notice"] for row in to_commission] == ["sign_reminder"]

    # Sweeping again, at any moment already swept, sends nothing more.
    for moment in (local(3, 13, 10), local(4, 13, 0), local(4, 19, 9)):
        assert await play.run(schedule.run_all, now=moment.astimezone(UTC)) == []
    assert len(await notices(play.database)) == len(rows)
    if play.database is not database:
        await play.database.dispose()


async def test_report_numbers(database: Database) -> None:
    """The weekly report counts handling, medians and satisfaction as the office does."""
    world = await example_world(database)
    base = local(3, 6, 10)
    ids = []
    for index in range(4):
        complaint = await file(
            database, 2000 + index, now=(base + timedelta(hours=index)).astimezone(UTC)
        )
        assert complaint.id is not None
        ids.append(complaint.id)

    async def act(action: Any, complaint_id: int, hours: float, **values: Any) -> None:
        when = (base + timedelta(hours=hours)).astimezone(UTC)
        async with database.transaction() as session:
            outcome = await action(
                session=session,
                complaint_id=complaint_id,
                chat_id=G3_CHAT,
                actor=INSPECTOR,
                now=when,
                **values,
            )
            assert outcome.ok, outcome

    # Answered 2 h, 3 h and 5 h after filing (the 4th is still new): median 3 h.
    await act(workflow.order_immediate, ids[0], 2, expected="new", due_on=date(2023, 3, 9))
    await act(
        workflow.hand_off,
        ids[1],
        4,
        expected="new",
        department_id=world.department_id("water"),
        due_on=date(2023, 3, 10),
    )
    await act(workflow.reject, ids[2], 7, expected="new", reason="不属于巡察范围")
    # Resolved 48 h after filing.
    await act(workflow.resolve, ids[0], 48, expected="immediate", note="好了", photo_file_id=None)
    async with database.transaction() as session:
        round_ = await session.get(Round, world.round_id)
        assert round_ is not None
        stats = await schedule.round_report(
            session=session,
            round_=round_,
            group_id=None,
            since=local(3, 6, 9).astimezone(UTC),
            until=local(3, 13, 9).astimezone(UTC),
        )
    assert stats["total"] == 4
    assert stats["handling"] == {"immediate": 1, "handed_off": 1, "transferred": 0, "rejected": 1}
    assert stats["by_status"]["resolved"] == 1 and stats["by_status"]["new"] == 1
    assert stats["median_accept_hours"] == 3.0
    assert stats["median_resolve_hours"] == 48.0
    assert stats["new_in_week"] == 4 and stats["resolved_in_week"] == 1
    assert [g["name"] for g in stats["groups"]] == ["第三巡察组", "第五巡察组"]
    assert stats["groups"][0]["total"] == 4
    assert next(c for c in stats["by_category"] if c["code"] == "water")["count"] == 4


async def test_an_expired_draft_is_told_once_after_the_sweep_deleted_it(
    database: Database,
) -> None:
    await example_world(database)
    person = await resident(database, 3001)
    assert person.id is not None
    start = local(3, 14, 10).astimezone(UTC)
    async with database.transaction() as session:
        session.add(
            Draft(
                resident_id=person.id, step=DraftStep.category, created_at=start, updated_at=start
            )
        )
    later = start + drafts.DRAFT_TTL + timedelta(minutes=1)
    async with database.transaction() as session:
        report = await schedule.sweep_drafts(session=session, now=start + drafts.DRAFT_TTL)
        assert report.deleted == 0
        assert (await session.exec(select(Draft))).all() != []
    async with database.transaction() as session:
        report = await schedule.sweep_drafts(session=session, now=later)
        assert report.deleted == 1
    async with database.transaction() as session:
        assert await drafts.current(session=session, resident_id=person.id, now=later) == (
            None,
            True,
        )
    async with database.transaction() as session:
        assert await drafts.current(session=session, resident_id=person.id, now=later) == (
            None,
            False,
        )
