"""代录 and follow links in storage (storage/drafts/recording.py, storage/complaints.py,
storage/follow_links.py): a recorded complaint has its channel and recorder and no resident;
a follow link is claimed once, in time, and only while nobody owns the complaint."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from storage import follow_links, ledger
from storage.db import Database
from storage.follow_links import Followed
from storage.models import Complaint, Resident
from tests.helpers.factories import NOW, World, complaint, events, example_world, file, resident

INSPECTOR = 501


@pytest.fixture
async def world(database: Database) -> World:
    return await example_world(database)


async def recorded(world: World, *, anonymous: bool = False) -> Complaint:
    """A complaint 李组长 recorded as told by phone (named 赵大妈 unless anonymous)."""
    await resident(world.database, INSPECTOR, first_name="李组长", last_name="")
    return await file(
        world.database,
        INSPECTOR,
        anonymous=anonymous,
        recorded_for_group_id=world.groups["g3"].id,
        channel="phone",
        reporter_name="赵大妈",
    )


async def issue(world: World, row: Complaint, when: timedelta = timedelta()) -> str | None:
    """A follow link by the recorder: its token (None: refused)."""
    assert row.id is not None
    async with world.database.transaction() as session:
        outcome = await follow_links.issue(
            session=session, complaint_id=row.id, recorder_telegram_id=INSPECTOR, now=NOW + when
        )
    return outcome.token


async def claim(world: World, token: str, telegram_id: int, when: timedelta) -> Followed:
    """Someone opens the link."""
    person = await resident(world.database, telegram_id)
    async with world.database.transaction() as session:
        found = await session.get(Resident, person.id)
        assert found is not None
        outcome = await follow_links.claim(
            session=session, token=token, resident=found, now=NOW + when
        )
    return outcome.result


async def test_a_recorded_complaint_has_its_channel_and_recorder_and_no_resident(
    world: World,
) -> None:
    row = await recorded(world)
    assert (row.channel, row.resident_id, row.recorded_by_telegram_id) == (
        "phone",
        None,
        INSPECTOR,
    )
    assert (row.reporter_name, row.reporter_phone, row.reporter_username) == (
        "赵大妈",
        "+8613800000000",
        None,
    )
    (filed,) = await events(world.database, row.id or 0)
    assert (filed.actor, filed.actor_name) == ("inspector", "李组长")
    anonymous = await recorded(world, anonymous=True)
    assert anonymous.reporter_name is None and anonymous.reporter_phone is None
    # A resident's own complaint keeps its resident and the channel bot.
    own = await file(world.database, 1001)
    assert (own.channel, own.recorded_by_telegram_id) == ("bot", None) and own.resident_id
    # The ledger's 渠道 column and summary.
    async with world.database.transaction() as session:
        rows = [
            r
            async for r in ledger.ledger_rows(
                session=session, round_id=own.round_id, shareable=False
            )
        ]
        summary = await ledger.ledger_summary(session=session, round_id=own.round_id)
    assert [r.channel for r in rows] == ["来电", "来电", "本机器人"]
    assert (summary.by_channel["phone"], summary.by_channel["bot"]) == (2, 1)


async def test_a_follow_link_works_once_and_in_time(world: World) -> None:
    row = await recorded(world)
    first = await issue(world, row)
    second = await issue(world, row, timedelta(minutes=1))
    assert first and second
    # The newer link retires the older one.
    assert await claim(world, first, 2001, timedelta(minutes=2)) == Followed.expired
    assert await claim(world, "forged", 2001, timedelta(minutes=2)) == Followed.unknown
    assert await claim(world, second, 2001, timedelta(minutes=3)) == Followed.followed
    assert await claim(world, second, 2002, timedelta(minutes=4)) == Followed.used
    owner = await resident(world.database, 2001)
    assert (await complaint(world.database, row.id or 0)).resident_id == owner.id
    # Someone follows it: no more links, not even by the recorder.
    assert await issue(world, row, timedelta(minutes=5)) is None


async def test_a_link_expires_and_only_the_recorder_issues_one(world: World) -> None:
    row = await recorded(world)
    token = await issue(world, row)
    assert token
    later = follow_links.FOLLOW_LINK_LIFETIME + timedelta(seconds=1)
    assert await claim(world, token, 2001, later) == Followed.expired
    assert (await complaint(world.database, row.id or 0)).resident_id is None
    async with world.database.transaction() as session:
        outcome = await follow_links.issue(
            session=session, complaint_id=row.id or 0, recorder_telegram_id=999, now=NOW
        )
    assert outcome.result == Followed.refused


async def test_two_people_opening_one_link_at_once_make_one_owner(
    world: World, database: Database
) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite runs one writing transaction at a time: no two can interleave")
    row = await recorded(world)
    token = await issue(world, row)
    assert token
    results = await asyncio.gather(
        claim(world, token, 2001, timedelta(minutes=1)),
        claim(world, token, 2002, timedelta(minutes=1)),
    )
    assert sorted(results) == [Followed.followed, Followed.used]
