"""The console's reads and logins (storage/console): who sees which complaints and whose
identity, search, filters, the overview, one-time links and sessions, 督办."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import select

from storage import console, rates, workflow
from storage.console import Filters, Viewer
from storage.db import Database
from storage.models import Complaint, ConsoleToken, OutboxMessage
from tests.helpers.factories import (
    G3_CHAT,
    NOW,
    WATER_CHAT,
    World,
    act,
    example_world,
    file,
    outbox_rows,
)
from tests.helpers.ledger_round import INSPECTOR, Played, play_round

LATER = NOW + timedelta(days=10)
PHONE = "+8613800000000"


async def _viewer(database: Database, target: str, target_id: int) -> Viewer:
    async with database.transaction() as session:
        found = await console.viewer_of(session, target, target_id)
    assert found is not None
    return found


async def _numbers(database: Database, viewer: Viewer, **filters: Any) -> set[str]:
    async with database.snapshot() as session:
        page = await console.list_complaints(
            session=session, viewer=viewer, filters=Filters(**filters), now=LATER
        )
    return {row.number for row in page.rows}


async def _all(database: Database) -> list[Complaint]:
    async with database.transaction() as session:
        return list((await session.exec(select(Complaint))).all())


@pytest.fixture
async def played(database: Database) -> tuple[World, Played]:
    world = await example_world(database)
    return world, await play_round(world)


async def test_a_group_sees_its_own_complaints_and_the_identity_of_the_named_ones(
    database: Database, played: tuple[World, Played]
) -> None:
    world, _ = played
    g3 = await _viewer(database, "group", world.groups["g3"].id or 0)
    complaints = await _all(database)
    own = {c.number for c in complaints if c.group_id == g3.group_id}
    assert await _numbers(database, g3) == own
    async with database.snapshot() as session:
        page = await console.list_complaints(
            session=session, viewer=g3, filters=Filters(), now=LATER
        )
        for c in complaints:
            shown = await console.detail(session=session, viewer=g3, number=c.number, now=LATER)
            if c.group_id != g3.group_id:
                assert shown is None
                continue
            assert shown is not None
            if c.anonymous:
                assert shown.identity == ""
            else:
                assert PHONE in shown.identity or c.reporter_phone is None
    named = [row for row in page.rows if row.identity]
    assert named and all(row.identity.startswith("张 三") for row in named)


@pytest.mark.parametrize("target", ["office", "department"])
async def test_the_office_and_departments_never_see_identity(
    database: Database, played: tuple[World, Played], target: str
) -> None:
    world, _ = played
    target_id = world.round_id if target == "office" else world.department_id("water")
    viewer = await _viewer(database, target, target_id)
    complaints = await _all(database)
    visible = {
        c.number
        for c in complaints
        if target == "office" or c.department_id == world.department_id("water")
    }
    assert visible and await _numbers(database, viewer) == visible
    async with database.snapshot() as session:
        page = await console.list_complaints(
            session=session, viewer=viewer, filters=Filters(), now=LATER
        )
        assert all(row.identity == "" for row in page.rows)
        for c in complaints:
            shown = await console.detail(
                session=session, viewer=viewer, number=c.number, now=LATER
            )
            if c.number not in visible:
                assert shown is None, c.number
                continue
            assert shown is not None and shown.identity == ""
            text = repr(shown)
            assert "张 三" not in text and PHONE not in text


async def test_search_finds_chinese_without_word_splitting_and_takes_wildcards_literally(
    database: Database, played: tuple[World, Played]
) -> None:
    world, play = played
    office = await _viewer(database, "office", world.round_id)
    assert await _numbers(database, office, search="机井") == {
        play.numbers["handed_off_closed"],
        play.numbers["merged"],
    }
    assert await _numbers(database, office, search="井也没") == {play.numbers["merged"]}
    assert await _numbers(database, office, search="%") == set()
    assert await _numbers(database, office, search="_") == set()


async def test_filters_narrow_the_list(database: Database, played: tuple[World, Played]) -> None:
    world, play = played
    office = await _viewer(database, "office", world.round_id)
    assert await _numbers(database, office, status="rejected") == {play.numbers["rejected"]}
    assert await _numbers(database, office, group_id=world.groups["g5"].id) == {
        play.numbers["transferred"],
        play.numbers["resolved"],
    }
    assert await _numbers(database, office, village_id=world.villages["yuejia"].id) == {
        play.numbers["immediate_closed"]
    }
    assert await _numbers(database, office, category="gas") == {play.numbers["new"]}
    assert await _numbers(database, office, department_id=world.department_id("water")) == {
        play.numbers["handed_off_closed"],
        play.numbers["reopened"],
    }
    everything = await _numbers(database, office)
    # Every complaint of the played round came through the bot; none was recorded on a visit.
    assert await _numbers(database, office, channel="bot") == everything
    assert await _numbers(database, office, channel="visit") == set()
    assert await _numbers(database, office, date_from=date(2023, 3, 14)) == everything
    assert await _numbers(database, office, date_to=date(2023, 3, 13)) == set()
    # A group asking for another group's complaints by filter still sees only its own.
    g3 = await _viewer(database, "group", world.groups["g3"].id or 0)
    assert await _numbers(database, g3, group_id=world.groups["g5"].id) == set()


async def test_a_second_reminder_within_the_hour_is_refused(database: Database) -> None:
    world = await example_world(database)
    late = await file(database, 3101, description="灌溉渠堵了")
    assert late.id is not None
    await act(world, workflow.accept, late.id, actor=INSPECTOR, expected="new")
    await act(
        world,
        workflow.hand_off,
        late.id,
        actor=INSPECTOR,
        expected="accepted",
        department_id=world.department_id("water"),
        due_on=date(2023, 3, 16),
    )
    office = await _viewer(database, "office", world.round_id)
    async with database.transaction() as session:
        assert await console.remind(session=session, viewer=office, number=late.number, now=LATER)
    sent = len(await outbox_rows(database))
    soon = LATER + console.REMIND_EVERY - timedelta(seconds=1)
    with pytest.raises(console.RemindedRecently) as refused:
        async with database.transaction() as session:
            await console.remind(session=session, viewer=office, number=late.number, now=soon)
    assert refused.value.last == LATER
    assert len(await outbox_rows(database)) == sent
    async with database.transaction() as session:
        later = LATER + console.REMIND_EVERY
        assert await console.remind(session=session, viewer=office, number=late.number, now=later)
    assert len(await outbox_rows(database)) > sent


async def test_overdue_and_a_reminder_from_the_console(database: Database) -> None:
    world = await example_world(database)
    late = await file(database, 3001, description="灌溉渠堵了")
    assert late.id is not None
    await act(world, workflow.accept, late.id, actor=INSPECTOR, expected="new")
    await act(
        world,
        workflow.hand_off,
        late.id,
        actor=INSPECTOR,
        expected="accepted",
        department_id=world.department_id("water"),
        due_on=date(2023, 3, 16),
    )
    fresh = await file(database, 3002, description="路灯不亮")
    office = await _viewer(database, "office", world.round_id)
    assert await _numbers(database, office, overdue=True) == {late.number}
    async with database.snapshot() as session:
        summary = await console.overview(session=session, viewer=office, now=LATER)
    assert summary.overdue == 1 and summary.total == 2
    assert summary.by_status == {"handed_off": 1, "new": 1}
    assert sum(count for _day, count in summary.trend) == 2

    water = await _viewer(database, "department", world.department_id("water"))
    before = len(await outbox_rows(database))
    async with database.transaction() as session:
        assert (
            await console.remind(session=session, viewer=water, number=late.number, now=LATER)
            is None
        )
        assert (
            await console.remind(session=session, viewer=office, number=fresh.number, now=LATER)
            is False
        )
    assert len(await outbox_rows(database)) == before
    async with database.transaction() as session:
        assert await console.remind(session=session, viewer=office, number=late.number, now=LATER)
    rows: list[OutboxMessage] = (await outbox_rows(database))[before:]
    assert sorted((r.chat_id, r.payload["audience"]) for r in rows) == sorted(
        [(G3_CHAT, "group"), (WATER_CHAT, "department")]
    )
    assert all(r.payload["notice"] == "due" and r.payload["days"] == 8 for r in rows)
    async with database.snapshot() as session:
        shown = await console.detail(session=session, viewer=office, number=late.number, now=LATER)
    assert shown is not None and shown.events[-1].action == "reminded"
    assert not shown.events[-1].public


async def test_a_login_link_works_once_and_for_ten_minutes(database: Database) -> None:
    world = await example_world(database)
    async with database.transaction() as session:
        token = await console.issue_link(
            session=session, target="office", target_id=world.round_id, now=NOW
        )
        late = await console.issue_link(
            session=session, target="office", target_id=world.round_id, now=NOW
        )
    async with database.transaction() as session:
        opened = await console.redeem_link(session=session, token=token, now=NOW)
        again = await console.redeem_link(session=session, token=token, now=NOW)
        expired = await console.redeem_link(
            session=session, token=late, now=NOW + timedelta(minutes=10)
        )
        forged = await console.redeem_link(session=session, token=token + "x", now=NOW)
    assert opened is not None and again is None and expired is None and forged is None
    async with database.transaction() as session:
        # A session's token is no login link, and a link's is no session.
        assert await console.redeem_link(session=session, token=opened, now=NOW) is None
        assert await console.session_viewer(session=session, token=token, now=NOW) is None
        who = await console.session_viewer(session=session, token=opened, now=NOW)
        assert who is not None and who.target == "office" and who.round_id == world.round_id
        assert (
            await console.session_viewer(
                session=session, token=opened, now=NOW + console.SESSION_LIFETIME
            )
            is None
        )
        await console.logout(session=session, token=opened, now=NOW)
    async with database.transaction() as session:
        assert await console.session_viewer(session=session, token=opened, now=NOW) is None
        stored = (await session.exec(select(ConsoleToken.token_hash))).all()
    assert token not in stored and opened not in stored


async def test_a_chat_s_link_opens_the_view_of_what_it_serves(database: Database) -> None:
    world = await example_world(database)
    async with database.transaction() as session:
        token = await console.issue_link_for_chat(
            session=session, chat_id=WATER_CHAT, user_id=77, language="en", now=NOW
        )
        nothing = await console.issue_link_for_chat(
            session=session, chat_id=-1, user_id=77, language="en", now=NOW
        )
    assert token is not None and nothing is None
    async with database.transaction() as session:
        opened = await console.redeem_link(session=session, token=token, now=NOW)
        assert opened is not None
        who = await console.session_viewer(session=session, token=opened, now=NOW)
        chats = await console.linked_chats(session=session)
    assert who is not None
    assert (who.target, who.department_id, who.user_id, who.language) == (
        "department",
        world.department_id("water"),
        77,
        "en",
    )
    assert (WATER_CHAT, "department", world.department_id("water")) in chats
    assert (G3_CHAT, "group", world.groups["g3"].id) in chats


async def test_map_points_put_complaints_without_a_location_at_their_village(
    database: Database,
) -> None:
    world = await example_world(database)
    placed = await file(database, 3001)
    unplaced = await file(database, 3002, village="yuejia", latitude=None, longitude=None)
    office = await _viewer(database, "office", world.round_id)
    async with database.snapshot() as session:
        points = await console.map_points(
            session=session, viewer=office, filters=Filters(), now=LATER
        )
    assert [p["number"] for p in points["complaints"]] == [placed.number]
    assert points["villages"] == [
        {"name": "岳家村", "lat": 33.736, "lon": 113.362, "counts": {"new": 1}, "status": "new"}
    ]
    assert unplaced.latitude is None


async def test_the_overview_shows_the_three_rates_of_storage_rates(
    database: Database, played: tuple[World, Played]
) -> None:
    world, _ = played
    office = await _viewer(database, "office", world.round_id)
    water = await _viewer(database, "department", world.department_id("water"))
    async with database.snapshot() as session:
        summary = await console.overview(session=session, viewer=office, now=LATER)
        theirs = await console.overview(session=session, viewer=water, now=LATER)
        expected = await rates.round_rates(session=session, round_id=world.round_id, now=LATER)
    assert summary.overall == expected.overall
    assert summary.groups == expected.groups and summary.departments == expected.departments
    # handed_off_closed (满意) and reopened (不满意) were the water bureau's.
    assert [unit.name for unit in theirs.departments] == [world.departments["water"].name]
    assert theirs.departments[0].rates.satisfaction_rate == 0.5
    assert theirs.groups == []
    assert summary.total == sum(summary.by_status.values()) == 10


async def test_sorting_and_a_count_that_stops_at_its_cap(
    database: Database, played: tuple[World, Played], monkeypatch: pytest.MonkeyPatch
) -> None:
    world, _ = played
    office = await _viewer(database, "office", world.round_id)

    async def page(**filters: Any) -> console.ListPage:
        async with database.snapshot() as session:
            return await console.list_complaints(
                session=session, viewer=office, filters=Filters(**filters), now=LATER
            )

    numbers = [row.number for row in (await page(sort="number")).rows]
    assert numbers == sorted(numbers) and len(numbers) == 10
    assert [row.number for row in (await page(sort="old")).rows] == numbers
    assert [row.number for row in (await page()).rows] == numbers[::-1]
    by_due = (await page(sort="due")).rows
    dated = [row.due_on for row in by_due if row.due_on is not None]
    assert dated and dated == sorted(dated)
    # Those without a due date come last.
    assert all(row.due_on is None for row in by_due[len(dated) :])
    monkeypatch.setattr("storage.console.listing.COUNT_CAP", 4)
    capped = await page()
    assert (capped.total, capped.more, capped.pages) == (4, True, 1)
    assert not (await page(status="rejected")).more


async def test_the_office_never_reads_nor_finds_the_words_of_a_sensitive_complaint(
    database: Database,
) -> None:
    # The office's ledger is the shareable one: no words of 干部作风 or 问题线索 (they could
    # tell who spoke); the console keeps to it, the owning group still reads them.
    world = await example_world(database)
    words = "村干部吃拿卡要，收了低保户的好处费"
    row = await file(database, 1001, category="conduct", description=words)
    assert row.id is not None
    await act(
        world,
        workflow.transfer,
        row.id,
        actor=INSPECTOR,
        expected="new",
        department_id=world.department_id("discipline"),
    )
    office = await _viewer(database, "office", world.round_id)
    g3 = await _viewer(database, "group", world.groups["g3"].id or 0)
    assert await _numbers(database, office, search="好处费") == set()
    assert await _numbers(database, g3, search="好处费") == {row.number}
    async with database.snapshot() as session:
        page = await console.list_complaints(
            session=session, viewer=office, filters=Filters(), now=LATER
        )
        shown = await console.detail(session=session, viewer=office, number=row.number, now=LATER)
        own = await console.detail(session=session, viewer=g3, number=row.number, now=LATER)
    (listed,) = [r for r in page.rows if r.number == row.number]
    assert listed.description == ""
    assert shown is not None and own is not None
    assert shown.description == "" and shown.photos == 0
    assert all(event.note == "" for event in shown.events)
    assert own.description == words
