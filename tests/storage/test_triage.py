"""Queries for the group chat: cards, open and overdue lists, find, departments, events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from storage import triage, workflow
from storage.db import Database
from storage.models import CardMessage, Complaint, FollowUp, Resident, TimelineEvent
from storage.triage import CardView
from storage.workflow import Actor, Outcome
from tests.helpers.factories import (
    G3_CHAT,
    NOW,
    WATER_CHAT,
    World,
    complaint,
    events,
    example_world,
    file,
)
from tests.helpers.factories import (
    act as inspector_act,
)

INSPECTOR = Actor("inspector", 501, "李组长")
CONTACT = "卫东区委巡察办 电话 0375-0000000"


@pytest.fixture
async def world(database: Database) -> World:
    """The example round, g3 and g5 linked, the water bureau and the discipline commission too."""
    return await example_world(database)


async def act(
    world: World, action: Callable[..., Awaitable[Outcome]], complaint_id: int, **values: Any
) -> Outcome:
    """An inspector's action from the g3 chat."""
    return await inspector_act(world, action, complaint_id, actor=INSPECTOR, **values)


async def filed(world: World, telegram_id: int, **values: Any) -> int:
    """File a complaint; its id."""
    row = await file(world.database, telegram_id, **values)
    assert row.id is not None
    return row.id


async def view(world: World, complaint_id: int) -> CardView:
    """The card view of a complaint."""
    async with world.database.transaction() as session:
        found = await triage.card_view(session=session, complaint_id=complaint_id)
    assert found is not None
    return found


async def test_the_card_view_of_a_named_complaint(world: World) -> None:
    cid = await filed(
        world,
        1001,
        photo_file_ids=["p1", "p2"],
        voice_file_id="v1",
        address="村东头",
        description="水压 <低> & 浇不了地",
    )
    card = await view(world, cid)
    row = await complaint(world.database, cid)
    assert (card.complaint_id, card.number, card.status) == (cid, "WD2023-1-0001", "new")
    assert (card.village, card.township) == ("小店村", "东高皇街道")
    assert (card.category_code, card.category_zh, card.category_en, card.sensitive) == (
        "water",
        "饮水灌溉",
        "Drinking water and irrigation",
        False,
    )
    assert card.description == "水压 <低> & 浇不了地"
    assert (card.has_voice, card.photo_count, card.address) == (True, 2, "村东头")
    assert (card.latitude, card.longitude) == (33.7421, 113.3512)
    assert (card.anonymous, card.reporter_name, card.reporter_username, card.reporter_phone) == (
        False,
        "张 三",
        "user1001",
        "+8613800000000",
    )
    assert card.filed_at == NOW
    assert (card.due_on, card.taken_by_name, card.department_name) == (None, None, None)
    assert (card.merged_into_number, card.duplicates, card.resolution, card.satisfaction) == (
        None,
        0,
        None,
        None,
    )
    assert card.timezone == "Asia/Shanghai"
    assert (card.group_chat_id, card.group_card_message_id) == (G3_CHAT, None)
    assert card.group_card_id == row.group_card_id
    assert (card.department_chat_id, card.department_card_message_id) == (None, None)

    # Once the sender has posted the card, its message id shows.
    async with world.database.transaction() as session:
        message = await session.get(CardMessage, row.group_card_id)
        assert message is not None
        message.message_id = 77
    assert (await view(world, cid)).group_card_message_id == 77


async def test_an_anonymous_card_has_no_identity(world: World) -> None:
    cid = await filed(world, 1001, anonymous=True, category="conduct")
    card = await view(world, cid)
    assert (card.anonymous, card.reporter_name, card.reporter_username, card.reporter_phone) == (
        True,
        None,
        None,
        None,
    )
    assert card.sensitive is True


async def test_the_card_follows_a_hand_off_and_a_resolution(world: World) -> None:
    cid = await filed(world, 1001)
    await act(world, workflow.take, cid)
    await act(
        world,
        workflow.hand_off,
        cid,
        expected="new",
        department_id=world.department_id("water"),
        due_on=date(2023, 3, 17),
    )
    card = await view(world, cid)
    assert (card.status, card.taken_by_name, card.department_name, card.due_on) == (
        "handed_off",
        "李组长",
        "区水利局",
        date(2023, 3, 17),
    )
    assert (card.department_chat_id, card.department_card_message_id) == (WATER_CHAT, None)
    assert card.department_card_id is not None
    await act(world, workflow.resolve, cid, expected="handed_off", note="已修", photo_file_id=None)
    card = await view(world, cid)
    assert (card.status, card.resolution) == ("resolved", "已修")


async def test_cards_of_one_message(world: World) -> None:
    first = await filed(world, 1001)
    second = await filed(world, 1002)
    third = await filed(world, 1003)
    # The sender combined a burst into the first card's message.
    async with world.database.transaction() as session:
        rows = {c.id: c for c in (await session.exec(select(Complaint))).all()}
        shared = rows[first].group_card_id
        rows[third].group_card_id = shared
        rows[second].group_card_id = shared
    async with world.database.transaction() as session:
        assert shared is not None
        cards = await triage.cards_of_message(session=session, card_id=shared)
        none = await triage.cards_of_message(session=session, card_id=99_999)
    assert [c.number for c in cards] == ["WD2023-1-0001", "WD2023-1-0002", "WD2023-1-0003"]
    assert none == []


async def test_open_complaints_oldest_first(world: World) -> None:
    ids = [
        await filed(world, 1000 + n, now=NOW + timedelta(minutes=n))
        for n in range(6)  # 0..5
    ]
    other_group = await filed(world, 1100, village="youyue")
    assert other_group
    await act(world, workflow.accept, ids[1], expected="new")
    await act(world, workflow.reject, ids[2], expected="new", reason="x")
    await act(
        world,
        workflow.transfer,
        ids[3],
        expected="new",
        department_id=world.department_id("discipline"),
    )
    number = (await complaint(world.database, ids[0])).number
    await act(world, workflow.merge, ids[4], expected="new", into_number=number)
    async with world.database.transaction() as session:
        found = await triage.open_complaints(session=session, group_id=world.groups["g3"].id or 0)
        two = await triage.open_complaints(
            session=session, group_id=world.groups["g3"].id or 0, limit=2
        )
    assert [c.complaint_id for c in found] == [ids[0], ids[1], ids[5]]
    assert [c.complaint_id for c in two] == [ids[0], ids[1]]
    assert found[0].duplicates == 1


async def test_find_by_number_in_the_group_only(world: World) -> None:
    cid = await filed(world, 1001)
    elsewhere = await filed(world, 1002, village="youyue")
    g3 = world.groups["g3"].id or 0
    async with world.database.transaction() as session:
        found = await triage.find(session=session, group_id=g3, number=" wd2023-1-0001 ")
        missing = await triage.find(session=session, group_id=g3, number="WD2023-1-0002")
        nothing = await triage.find(session=session, group_id=g3, number="junk")
    assert found is not None and found.complaint_id == cid
    assert (await complaint(world.database, elsewhere)).number == "WD2023-1-0002"
    assert missing is None and nothing is None


async def test_overdue(world: World) -> None:
    late = await filed(world, 1001)
    due_today = await filed(world, 1002)
    handed = await filed(world, 1003)
    done = await filed(world, 1004)
    await act(world, workflow.order_immediate, late, expected="new", due_on=date(2023, 3, 15))
    await act(world, workflow.order_immediate, due_today, expected="new", due_on=date(2023, 3, 16))
    await act(
        world,
        workflow.hand_off,
        handed,
        expected="new",
        department_id=world.department_id("housing"),
        due_on=date(2023, 3, 10),
    )
    await act(world, workflow.order_immediate, done, expected="new", due_on=date(2023, 3, 1))
    await act(world, workflow.resolve, done, expected="immediate", note="ok", photo_file_id=None)
    async with world.database.transaction() as session:
        found = await triage.overdue(
            session=session, group_id=world.groups["g3"].id or 0, today=date(2023, 3, 16)
        )
    assert [c.complaint_id for c in found] == [handed, late]


async def test_departments(world: World) -> None:
    async with world.database.transaction() as session:
        every = await triage.departments(session=session, round_id=world.round_id)
        clues = await triage.departments(session=session, round_id=world.round_id, clues=True)
        others = await triage.departments(session=session, round_id=world.round_id, clues=False)
        none = await triage.departments(session=session, round_id=99_999)
    assert [d.code for d in every] == ["water", "housing", "dgh", "discipline"]
    assert [d.code for d in clues] == ["discipline"]
    assert [d.code for d in others] == ["water", "housing", "dgh"]
    assert none == []


async def test_event_view_of_a_question(world: World) -> None:
    cid = await filed(world, 1001)
    async with world.database.transaction() as session:
        person = (await session.exec(select(Resident).where(Resident.telegram_id == 1001))).one()
        person.language = "en"
    outcome = await act(world, workflow.ask_resident, cid, question="Where exactly?")
    assert outcome.event_id is not None
    async with world.database.transaction() as session:
        found = await triage.event_view(session=session, event_id=outcome.event_id)
        follow_up = (await session.exec(select(FollowUp))).one()
    assert found is not None
    assert (found.event.action, found.card.complaint_id) == ("follow_up_asked", cid)
    assert (found.resident_telegram_id, found.resident_language) == (1001, "en")
    assert found.follow_up is not None and found.follow_up.id == follow_up.id
    assert found.contact == CONTACT
    assert found.is_own(1001) and not found.is_own(1002)
    assert found.language_for(1001) == "en"


async def test_event_view_of_an_answer_and_of_a_plain_event(world: World) -> None:
    cid = await filed(world, 1001)
    await act(world, workflow.ask_resident, cid, question="第一个问题")
    await act(world, workflow.ask_resident, cid, question="第二个问题")
    async with world.database.transaction() as session:
        second = (await session.exec(select(FollowUp).order_by(col(FollowUp.id).desc()))).first()
        assert second is not None and second.id is not None
        await workflow.start_answer(
            session=session, resident_telegram_id=1001, follow_up_id=second.id, now=NOW
        )
        answered = await workflow.answer_follow_up(
            session=session, resident_telegram_id=1001, text="答复", now=NOW + timedelta(hours=1)
        )
    assert answered.event_id is not None
    async with world.database.transaction() as session:
        found = await triage.event_view(session=session, event_id=answered.event_id)
        filed_event = (
            await session.exec(select(TimelineEvent).where(TimelineEvent.action == "filed"))
        ).one()
        assert filed_event.id is not None
        plain = await triage.event_view(session=session, event_id=filed_event.id)
        missing = await triage.event_view(session=session, event_id=99_999)
    assert found is not None and found.follow_up is not None
    assert (found.follow_up.question, found.follow_up.answer) == ("第二个问题", "答复")
    assert plain is not None and plain.follow_up is None
    assert missing is None


async def test_event_view_names_its_own_question_among_equal_ones(world: World) -> None:
    # The same question twice in the same minute: each event still names its own FollowUp.
    cid = await filed(world, 1001)
    first = await act(world, workflow.ask_resident, cid, question="在哪里？")
    second = await act(world, workflow.ask_resident, cid, question="在哪里？")
    assert first.event_id is not None and second.event_id is not None
    async with world.database.transaction() as session:
        asked = list((await session.exec(select(FollowUp).order_by(col(FollowUp.id)))).all())
        views = [
            await triage.event_view(session=session, event_id=event_id)
            for event_id in (first.event_id, second.event_id)
        ]
    assert [v.follow_up.id if v and v.follow_up else None for v in views] == [f.id for f in asked]


async def test_event_view_of_a_resolution_carries_its_photo(world: World) -> None:
    cid = await filed(world, 1001)
    await act(world, workflow.accept, cid, expected="new")
    done = await act(
        world, workflow.resolve, cid, expected="accepted", note="已修", photo_file_id="after"
    )
    assert done.event_id is not None
    async with world.database.transaction() as session:
        found = await triage.event_view(session=session, event_id=done.event_id)
    assert found is not None and found.follow_up is None
    assert (found.event.action, found.event.photo_file_id) == ("resolved", "after")


async def test_event_view_knows_the_duplicates_residents(world: World) -> None:
    target = await filed(world, 1001)
    duplicate = await filed(world, 1002)
    async with world.database.transaction() as session:
        person = (await session.exec(select(Resident).where(Resident.telegram_id == 1002))).one()
        person.language = "en"
    target_number = (await complaint(world.database, target)).number
    duplicate_number = (await complaint(world.database, duplicate)).number
    await act(world, workflow.merge, duplicate, expected="new", into_number=target_number)
    outcome = await act(world, workflow.accept, target, expected="new")
    assert outcome.event_id is not None
    async with world.database.transaction() as session:
        found = await triage.event_view(session=session, event_id=outcome.event_id)
    assert found is not None
    assert found.number_for(1001) == target_number
    assert found.number_for(1002) == duplicate_number
    assert found.language_for(1002) == "en" and found.language_for(1001) == "zh"
    assert found.is_own(1001) and not found.is_own(1002)
    assert [e.action for e in await events(world.database, target)][-2:] == [
        "merged_in",
        "accepted",
    ]
