"""The complaint workflow: every transition, every refusal, and the outbox rows each writes."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from storage import triage, workflow
from storage.db import Database
from storage.models import (
    CardMessage,
    Complaint,
    FollowUp,
    Prompt,
    Resident,
    TimelineEvent,
)
from storage.outbox import ATTACHMENTS, CARD, DEPARTMENT_CARD, EVENT
from storage.workflow import Actor, Outcome, Refusal, steps
from tests.helpers.factories import (
    DISCIPLINE_CHAT,
    G3_CHAT,
    G5_CHAT,
    NOW,
    STRANGER_CHAT,
    WATER_CHAT,
    World,
    complaint,
    events,
    example_world,
    file,
    last_outbox_id,
    outbox_rows,
)

INSPECTOR = Actor("inspector", 501, "李组长")
SECOND = Actor("inspector", 502, "王干部")
WORKER = Actor("department", 601, "水利局 赵")
LATER = NOW + timedelta(minutes=5)
DUE = date(2023, 3, 17)
RESIDENT = 1001
NEIGHBOUR = 1002


@pytest.fixture
async def world(database: Database) -> World:
    """The example round, g3 and g5 linked, the water bureau and the discipline commission too."""
    return await example_world(database)


async def run(world: World, call: Callable[..., Awaitable[Any]], /, **values: Any) -> Any:
    """Call a workflow function in a transaction of its own (at LATER unless told)."""
    if "now" in inspect.signature(call).parameters:
        values.setdefault("now", LATER)
    async with world.database.transaction() as session:
        return await call(session=session, **values)


async def act(
    world: World,
    action: Callable[..., Awaitable[Outcome]],
    complaint_id: int,
    *,
    chat_id: int = G3_CHAT,
    actor: Actor = INSPECTOR,
    **values: Any,
) -> Outcome:
    """An inspector's action from a chat (the g3 chat by default)."""
    return await run(
        world, action, complaint_id=complaint_id, chat_id=chat_id, actor=actor, **values
    )


def sent(rows: list[Any]) -> list[tuple[str, int]]:
    """(kind, chat) of outbox rows."""
    return [(row.kind, row.chat_id) for row in rows]


async def filed(world: World, telegram_id: int = RESIDENT, **values: Any) -> int:
    """File a complaint in xiaodian (group g3); return its id."""
    row = await file(world.database, telegram_id, **values)
    assert row.id is not None
    return row.id


async def at_status(world: World, status: str, telegram_id: int = RESIDENT, **values: Any) -> int:
    """A complaint brought to `status` through the workflow."""
    cid = await filed(world, telegram_id, **values)
    if status == "new":
        return cid
    steps: dict[str, list[tuple[Callable[..., Awaitable[Outcome]], dict[str, Any]]]] = {
        "accepted": [(workflow.accept, {"expected": "new"})],
        "immediate": [(workflow.order_immediate, {"expected": "new", "due_on": DUE})],
        "handed_off": [
            (
                workflow.hand_off,
                {"expected": "new", "department_id": world.department_id("water"), "due_on": DUE},
            )
        ],
        "transferred": [
            (
                workflow.transfer,
                {"expected": "new", "department_id": world.department_id("discipline")},
            )
        ],
        "rejected": [(workflow.reject, {"expected": "new", "reason": "不属于巡察范围"})],
        "resolved": [
            (workflow.accept, {"expected": "new"}),
            (
                workflow.resolve,
                {"expected": "accepted", "note": "已修好", "photo_file_id": None},
            ),
        ],
    }
    for action, values_ in steps[status]:
        outcome = await act(world, action, cid, **values_)
        assert outcome.ok, outcome
    return cid


# --- filing puts a card in the group chat -----------------------------------------------------


async def test_filing_queues_the_card_and_then_the_attachments(world: World) -> None:
    cid = await filed(world, photo_file_ids=["p1"], voice_file_id="v1")
    row = await complaint(world.database, cid)
    assert row.group_card_id is not None
    async with world.database.transaction() as session:
        card = await session.get(CardMessage, row.group_card_id)
    assert card is not None
    assert (card.chat_id, card.kind, card.message_id) == (G3_CHAT, "group", None)
    rows = await outbox_rows(world.database)
    assert sent(rows) == [(CARD, G3_CHAT), (ATTACHMENTS, G3_CHAT)]
    assert [r.priority for r in rows] == [0, 1]
    assert all(r.payload == {"complaint_id": cid} for r in rows)


async def test_a_complaint_without_location_or_media_gets_no_attachments(world: World) -> None:
    await filed(world, latitude=None, longitude=None)
    assert sent(await outbox_rows(world.database)) == [(CARD, G3_CHAT)]


async def test_an_address_alone_is_an_attachment(world: World) -> None:
    await filed(world, latitude=None, longitude=None, address="村东头机井")
    assert sent(await outbox_rows(world.database)) == [(CARD, G3_CHAT), (ATTACHMENTS, G3_CHAT)]


async def test_an_unlinked_group_gets_nothing(database: Database) -> None:
    await example_world(database, link=False)
    row = await file(database, RESIDENT)
    assert row.group_card_id is None
    assert await outbox_rows(database) == []


# --- each transition ------------------------------------------------------------------------


async def test_accept_tells_the_resident_and_refreshes_the_card(world: World) -> None:
    cid = await filed(world)
    mark = await last_outbox_id(world.database)
    outcome = await act(world, workflow.accept, cid, expected="new")
    assert outcome.ok and outcome.complaint is not None
    assert outcome.complaint.status == "accepted"
    row = await complaint(world.database, cid)
    assert row.status == "accepted"
    assert row.updated_at == LATER
    event = (await events(world.database, cid))[-1]
    assert event.id == outcome.event_id
    assert (event.action, event.from_status, event.to_status, event.public) == (
        "accepted",
        "new",
        "accepted",
        True,
    )
    assert (event.actor, event.actor_telegram_id, event.actor_name) == ("inspector", 501, "李组长")
    rows = await outbox_rows(world.database, after=mark)
    assert sent(rows) == [(CARD, G3_CHAT), (EVENT, RESIDENT)]
    assert rows[1].payload == {"event_id": event.id}
    assert rows[1].complaint_id == cid


async def test_take_is_internal_and_only_refreshes_the_card(world: World) -> None:
    cid = await filed(world)
    mark = await last_outbox_id(world.database)
    outcome = await run(world, workflow.take, complaint_id=cid, chat_id=G3_CHAT, actor=INSPECTOR)
    assert outcome.ok
    row = await complaint(world.database, cid)
    assert (row.status, row.taken_by_telegram_id, row.taken_by_name) == ("new", 501, "李组长")
    event = (await events(world.database, cid))[-1]
    assert (event.action, event.public, event.to_status) == ("taken", False, None)
    assert sent(await outbox_rows(world.database, after=mark)) == [(CARD, G3_CHAT)]

    again = await run(world, workflow.take, complaint_id=cid, chat_id=G3_CHAT, actor=INSPECTOR)
    assert again.refusal == Refusal.nothing_to_do
    other = await run(world, workflow.take, complaint_id=cid, chat_id=G3_CHAT, actor=SECOND)
    assert other.ok
    assert (await complaint(world.database, cid)).taken_by_name == "王干部"


async def test_immediate_fix_sets_the_due_date(world: World) -> None:
    cid = await filed(world)
    mark = await last_outbox_id(world.database)
    outcome = await act(world, workflow.order_immediate, cid, expected="new", due_on=DUE)
    assert outcome.ok
    row = await complaint(world.database, cid)
    assert (row.status, row.due_on) == ("immediate", DUE)
    assert sent(await outbox_rows(world.database, after=mark)) == [
        (CARD, G3_CHAT),
        (EVENT, RESIDENT),
    ]


async def test_hand_off_sends_a_department_card(world: World) -> None:
    cid = await at_status(world, "accepted")
    mark = await last_outbox_id(world.database)
    water = world.department_id("water")
    outcome = await act(
        world, workflow.hand_off, cid, expected="accepted", department_id=water, due_on=DUE
    )
    assert outcome.ok
    row = await complaint(world.database, cid)
    assert (row.status, row.department_id, row.due_on) == ("handed_off", water, DUE)
    assert row.department_card_id is not None
    async with world.database.transaction() as session:
        card = await session.get(CardMessage, row.department_card_id)
    assert card is not None
    assert (card.chat_id, card.kind, card.message_id) == (WATER_CHAT, "department", None)
    event = (await events(world.database, cid))[-1]
    assert (event.action, event.note, event.public) == ("handed_off", "区水利局", True)
    assert sent(await outbox_rows(world.database, after=mark)) == [
        (CARD, G3_CHAT),
        (DEPARTMENT_CARD, WATER_CHAT),
        (EVENT, RESIDENT),
    ]

    # Later changes refresh the department's card too.
    mark = await last_outbox_id(world.database)
    assert (await act(world, workflow.add_note, cid, note="已电话催办")).ok
    assert sent(await outbox_rows(world.database, after=mark)) == [
        (CARD, G3_CHAT),
        (DEPARTMENT_CARD, WATER_CHAT),
    ]


async def test_hand_off_to_an_unlinked_department_sends_no_department_card(world: World) -> None:
    cid = await filed(world)
    housing = world.department_id("housing")
    mark = await last_outbox_id(world.database)
    outcome = await act(
        world, workflow.hand_off, cid, expected="new", department_id=housing, due_on=DUE
    )
    assert outcome.ok
    assert (await complaint(world.database, cid)).department_card_id is None
    assert sent(await outbox_rows(world.database, after=mark)) == [
        (CARD, G3_CHAT),
        (EVENT, RESIDENT),
    ]


async def test_a_hand_off_moves_on_to_another_department(world: World) -> None:
    cid = await at_status(world, "handed_off")
    housing = world.department_id("housing")
    outcome = await act(
        world, workflow.hand_off, cid, expected="handed_off", department_id=housing, due_on=DUE
    )
    assert outcome.ok
    assert (await complaint(world.database, cid)).department_id == housing
    # The water bureau's old card no longer reports for it.
    report = await run(
        world,
        workflow.report_done,
        complaint_id=cid,
        department_chat_id=WATER_CHAT,
        note="修好了",
        actor=WORKER,
    )
    assert report.refusal == Refusal.wrong_chat


async def test_sensitive_categories_are_never_handed_off(world: World) -> None:
    cid = await filed(world, category="conduct")
    mark = await last_outbox_id(world.database)
    outcome = await act(
        world,
        workflow.hand_off,
        cid,
        expected="new",
        department_id=world.department_id("water"),
        due_on=DUE,
    )
    assert (outcome.refusal, outcome.detail) == (Refusal.not_allowed, "sensitive")
    assert (await complaint(world.database, cid)).status == "new"
    assert await outbox_rows(world.database, after=mark) == []
    assert [e.action for e in await events(world.database, cid)] == ["filed"]


async def test_hand_off_to_a_department_of_no_round_is_invalid(world: World) -> None:
    cid = await filed(world)
    outcome = await act(
        world, workflow.hand_off, cid, expected="new", department_id=99_999, due_on=DUE
    )
    assert (outcome.refusal, outcome.detail) == (Refusal.invalid, "unknown_department")
    assert (await complaint(world.database, cid)).status == "new"


async def test_transfer_goes_only_to_a_clue_department_and_tells_no_other_chat(
    world: World,
) -> None:
    """The commission's chat gets its confidential card (and the attachments under it); no
    chat but the group's, the commission's and the resident's hears of it."""
    cid = await filed(world, category="clue")
    mark = await last_outbox_id(world.database)
    refused = await act(
        world, workflow.transfer, cid, expected="new", department_id=world.department_id("water")
    )
    assert refused.refusal == Refusal.not_allowed
    assert await outbox_rows(world.database, after=mark) == []

    discipline = world.department_id("discipline")
    outcome = await act(world, workflow.transfer, cid, expected="new", department_id=discipline)
    assert outcome.ok
    row = await complaint(world.database, cid)
    assert (row.status, row.department_id) == ("transferred", discipline)
    assert row.department_card_id is not None
    event = (await events(world.database, cid))[-1]
    # The resident (and /status) learn only that it was passed on.
    assert (event.action, event.note, event.public) == ("transferred", None, True)
    rows = await outbox_rows(world.database, after=mark)
    assert sent(rows) == [
        (CARD, G3_CHAT),
        (DEPARTMENT_CARD, DISCIPLINE_CHAT),
        (EVENT, RESIDENT),
        (ATTACHMENTS, DISCIPLINE_CHAT),
    ]

    # A transferred complaint is closed from the group chat once passed on.
    closed = await act(world, workflow.close, cid, expected="transferred")
    assert closed.ok
    assert (await complaint(world.database, cid)).status == "closed"


async def test_reject_needs_a_reason_and_tells_the_resident(world: World) -> None:
    cid = await filed(world)
    empty = await act(world, workflow.reject, cid, expected="new", reason="   ")
    assert (empty.refusal, empty.detail) == (Refusal.invalid, "empty")
    too_long = await act(world, workflow.reject, cid, expected="new", reason="长" * 2001)
    assert (too_long.refusal, too_long.detail) == (Refusal.invalid, "too_long")
    mark = await last_outbox_id(world.database)
    outcome = await act(world, workflow.reject, cid, expected="new", reason=" 属于司法程序 ")
    assert outcome.ok
    event = (await events(world.database, cid))[-1]
    assert (event.action, event.note, event.to_status) == ("rejected", "属于司法程序", "rejected")
    assert sent(await outbox_rows(world.database, after=mark)) == [
        (CARD, G3_CHAT),
        (EVENT, RESIDENT),
    ]


async def test_reconsider_takes_a_rejection_back(world: World) -> None:
    cid = await at_status(world, "rejected")
    wrong = await act(world, workflow.reconsider, cid, expected="new")
    assert (wrong.refusal, wrong.detail) == (Refusal.moved_on, "rejected")
    outcome = await act(world, workflow.reconsider, cid, expected="rejected")
    assert outcome.ok
    event = (await events(world.database, cid))[-1]
    assert (event.action, event.from_status, event.to_status) == (
        "accepted",
        "rejected",
        "accepted",
    )
    # Reconsidering is for rejections only, even where the lifecycle knows the move.
    resolved = await at_status(world, "resolved", NEIGHBOUR)
    refused = await act(world, workflow.reconsider, resolved, expected="resolved")
    assert refused.refusal == Refusal.not_allowed


async def test_resolve_records_the_note_and_asks_the_survey(world: World) -> None:
    cid = await at_status(world, "immediate")
    mark = await last_outbox_id(world.database)
    outcome = await act(
        world,
        workflow.resolve,
        cid,
        expected="immediate",
        note="新打机井一眼, 已通水 <ok> & done",
        photo_file_id="photo-after",
    )
    assert outcome.ok
    row = await complaint(world.database, cid)
    assert row.status == "resolved"
    assert row.resolution == "新打机井一眼, 已通水 <ok> & done"
    assert row.resolved_at == LATER and row.survey_asked_at == LATER
    event = (await events(world.database, cid))[-1]
    assert (event.action, event.public) == ("resolved", True)
    # The photo is on the event; the outbox row only points at the event.
    assert (event.photo_file_id, event.follow_up_id) == ("photo-after", None)
    rows = await outbox_rows(world.database, after=mark)
    assert sent(rows) == [(CARD, G3_CHAT), (EVENT, RESIDENT)]
    assert rows[1].payload == {"event_id": event.id}


async def test_a_department_report_resolves_it_and_tells_the_group(world: World) -> None:
    cid = await at_status(world, "handed_off")
    for chat in (G3_CHAT, DISCIPLINE_CHAT, STRANGER_CHAT):
        refused = await run(
            world,
            workflow.report_done,
            complaint_id=cid,
            department_chat_id=chat,
            note="已修复",
            actor=WORKER,
        )
        assert (refused.refusal, refused.complaint) == (Refusal.wrong_chat, None)
    mark = await last_outbox_id(world.database)
    outcome = await run(
        world,
        workflow.report_done,
        complaint_id=cid,
        department_chat_id=WATER_CHAT,
        note="已更换水泵",
        actor=WORKER,
    )
    assert outcome.ok
    row = await complaint(world.database, cid)
    assert (row.status, row.resolution, row.survey_asked_at) == ("resolved", "已更换水泵", LATER)
    event = (await events(world.database, cid))[-1]
    assert (event.action, event.actor, event.note) == ("resolved", "department", "已更换水泵")
    assert sent(await outbox_rows(world.database, after=mark)) == [
        (CARD, G3_CHAT),
        (DEPARTMENT_CARD, WATER_CHAT),
        (EVENT, RESIDENT),
        (EVENT, G3_CHAT),
    ]
    again = await run(
        world,
        workflow.report_done,
        complaint_id=cid,
        department_chat_id=WATER_CHAT,
        note="再报一次",
        actor=WORKER,
    )
    assert (again.refusal, again.detail) == (Refusal.moved_on, "resolved")


async def test_satisfied_closes(world: World) -> None:
    cid = await at_status(world, "resolved")
    mark = await last_outbox_id(world.database)
    outcome = await run(
        world,
        workflow.rate,
        complaint_id=cid,
        resident_telegram_id=RESIDENT,
        satisfaction="basic",
    )
    assert outcome.ok
    row = await complaint(world.database, cid)
    assert (row.status, row.satisfaction, row.closed_at) == ("closed", "basic", LATER)
    event = (await events(world.database, cid))[-1]
    assert (event.action, event.actor, event.note) == ("closed", "resident", "basic")
    assert sent(await outbox_rows(world.database, after=mark)) == [
        (CARD, G3_CHAT),
        (EVENT, RESIDENT),
    ]
    twice = await run(
        world,
        workflow.rate,
        complaint_id=cid,
        resident_telegram_id=RESIDENT,
        satisfaction="satisfied",
    )
    assert (twice.refusal, twice.detail) == (Refusal.moved_on, "closed")


async def test_unsatisfied_reopens_and_alerts_the_group(world: World) -> None:
    cid = await at_status(world, "resolved")
    mark = await last_outbox_id(world.database)
    outcome = await run(
        world,
        workflow.rate,
        complaint_id=cid,
        resident_telegram_id=RESIDENT,
        satisfaction="unsatisfied",
    )
    assert outcome.ok
    row = await complaint(world.database, cid)
    assert (row.status, row.satisfaction, row.closed_at) == ("accepted", "unsatisfied", None)
    event = (await events(world.database, cid))[-1]
    assert (event.action, event.from_status, event.to_status) == (
        "reopened",
        "resolved",
        "accepted",
    )
    assert sent(await outbox_rows(world.database, after=mark)) == [
        (CARD, G3_CHAT),
        (EVENT, RESIDENT),
        (EVENT, G3_CHAT),
    ]


async def test_only_the_own_resident_rates_and_only_known_answers(world: World) -> None:
    cid = await at_status(world, "resolved")
    await file(world.database, NEIGHBOUR)
    stranger = await run(
        world,
        workflow.rate,
        complaint_id=cid,
        resident_telegram_id=NEIGHBOUR,
        satisfaction="satisfied",
    )
    assert stranger.refusal == Refusal.not_allowed
    bogus = await run(
        world, workflow.rate, complaint_id=cid, resident_telegram_id=RESIDENT, satisfaction="meh"
    )
    assert bogus.refusal == Refusal.invalid
    early = await at_status(world, "accepted", NEIGHBOUR)
    not_yet = await run(
        world,
        workflow.rate,
        complaint_id=early,
        resident_telegram_id=NEIGHBOUR,
        satisfaction="satisfied",
    )
    assert (not_yet.refusal, not_yet.detail) == (Refusal.moved_on, "accepted")
    assert (await complaint(world.database, cid)).status == "resolved"


async def test_an_internal_note_never_reaches_the_resident(world: World) -> None:
    cid = await filed(world)
    mark = await last_outbox_id(world.database)
    outcome = await act(world, workflow.add_note, cid, note="村支书说月底前修")
    assert outcome.ok
    event = (await events(world.database, cid))[-1]
    assert (event.action, event.public, event.note) == ("note", False, "村支书说月底前修")
    assert sent(await outbox_rows(world.database, after=mark)) == [(CARD, G3_CHAT)]
    assert (await complaint(world.database, cid)).status == "new"


# --- refusals -------------------------------------------------------------------------------


async def test_unknown_complaint(world: World) -> None:
    outcome = await act(world, workflow.accept, 99_999, expected="new")
    assert (outcome.refusal, outcome.complaint) == (Refusal.not_found, None)


async def test_only_the_owning_chat_may_act(world: World) -> None:
    cid = await filed(world)
    mark = await last_outbox_id(world.database)
    calls: list[tuple[Callable[..., Awaitable[Outcome]], dict[str, Any]]] = [
        (workflow.accept, {"expected": "new"}),
        (workflow.reject, {"expected": "new", "reason": "x"}),
        (workflow.add_note, {"note": "x"}),
        (workflow.ask_resident, {"question": "x"}),
        (workflow.merge, {"expected": "new", "into_number": "WD2023-1-0001"}),
    ]
    for chat in (G5_CHAT, WATER_CHAT, STRANGER_CHAT, RESIDENT):
        for action, values in calls:
            outcome = await act(world, action, cid, chat_id=chat, **values)
            assert (outcome.refusal, outcome.complaint) == (Refusal.wrong_chat, None)
        taken = await run(world, workflow.take, complaint_id=cid, chat_id=chat, actor=INSPECTOR)
        assert taken.refusal == Refusal.wrong_chat
    assert await outbox_rows(world.database, after=mark) == []
    assert len(await events(world.database, cid)) == 1
    assert (await complaint(world.database, cid)).status == "new"


async def test_a_group_without_a_chat_owns_nothing(database: Database) -> None:
    world = await example_world(database, link=False)
    cid = await filed(world)
    outcome = await act(world, workflow.accept, cid, expected="new")
    assert outcome.refusal == Refusal.wrong_chat


async def test_a_stale_card_changes_nothing_and_says_where_it_is(world: World) -> None:
    cid = await at_status(world, "accepted")
    mark = await last_outbox_id(world.database)
    outcome = await act(world, workflow.reject, cid, expected="new", reason="重复")
    assert (outcome.refusal, outcome.detail) == (Refusal.moved_on, "accepted")
    assert outcome.complaint is not None and outcome.complaint.status == "accepted"
    assert await outbox_rows(world.database, after=mark) == []
    assert [e.action for e in await events(world.database, cid)] == ["filed", "accepted"]


@pytest.mark.parametrize(
    ("status", "action", "values"),
    [
        ("new", workflow.resolve, {"note": "x", "photo_file_id": None}),
        ("immediate", workflow.accept, {}),
        ("immediate", workflow.reject, {"reason": "x"}),
        ("handed_off", workflow.order_immediate, {"due_on": DUE}),
        ("transferred", workflow.accept, {}),
        ("resolved", workflow.reject, {"reason": "x"}),
        ("rejected", workflow.resolve, {"note": "x", "photo_file_id": None}),
    ],
)
async def test_moves_outside_the_lifecycle_are_not_allowed(
    world: World, status: str, action: Callable[..., Awaitable[Outcome]], values: dict[str, Any]
) -> None:
    cid = await at_status(world, status)
    mark = await last_outbox_id(world.database)
    outcome = await act(world, action, cid, expected=status, **values)
    assert (outcome.refusal, outcome.detail) == (Refusal.not_allowed, status)
    assert (await complaint(world.database, cid)).status == status
    assert await outbox_rows(world.database, after=mark) == []


async def test_merged_and_closed_complaints_take_nothing_more(world: World) -> None:
    target = await filed(world)
    duplicate = await filed(world, NEIGHBOUR)
    number = (await complaint(world.database, target)).number
    assert (await act(world, workflow.merge, duplicate, expected="new", into_number=number)).ok
    calls: list[tuple[Callable[..., Awaitable[Outcome]], dict[str, Any]]] = [
        (workflow.accept, {"expected": "merged"}),
        (workflow.ask_resident, {"question": "?"}),
    ]
    for action, values in calls:
        outcome = await act(world, action, duplicate, **values)
        assert outcome.refusal == Refusal.not_allowed
    taken = await run(
        world, workflow.take, complaint_id=duplicate, chat_id=G3_CHAT, actor=INSPECTOR
    )
    assert taken.refusal == Refusal.not_allowed


# --- two inspectors at once -----------------------------------------------------------------


async def test_two_accepts_at_once_make_one_change(world: World) -> None:
    cid = await filed(world)
    database = world.database

    async def press(actor: Actor) -> Outcome:
        async with database.transaction() as session:
            return await workflow.accept(
                session=session,
                complaint_id=cid,
                chat_id=G3_CHAT,
                expected="new",
                actor=actor,
                now=LATER,
            )

    outcomes = await asyncio.gather(press(INSPECTOR), press(SECOND))
    assert sorted(o.refusal or "ok" for o in outcomes) == ["moved_on", "ok"]
    loser = next(o for o in outcomes if not o.ok)
    assert loser.detail == "accepted"
    assert [e.action for e in await events(database, cid)] == ["filed", "accepted"]


async def test_two_accepts_racing_past_the_check_make_one_change(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both transactions read "new" before either writes: the guarded UPDATE decides."""
    database = world.database
    if database.is_sqlite:
        pytest.skip("SQLite runs one writing transaction at a time: no two can interleave")
    cid = await filed(world)
    barrier = asyncio.Barrier(2)
    real_move = steps.move

    async def move_after_both_checked(*args: Any, **kwargs: Any) -> Outcome | None:
        await asyncio.wait_for(barrier.wait(), timeout=10)
        return await real_move(*args, **kwargs)

    monkeypatch.setattr(steps, "move", move_after_both_checked)

    async def press(actor: Actor) -> Outcome:
        async with database.transaction() as session:
            return await workflow.accept(
                session=session,
                complaint_id=cid,
                chat_id=G3_CHAT,
                expected="new",
                actor=actor,
                now=LATER,
            )

    outcomes = await asyncio.gather(press(INSPECTOR), press(SECOND))
    assert sorted(o.refusal or "ok" for o in outcomes) == ["moved_on", "ok"]
    assert next(o for o in outcomes if not o.ok).detail == "accepted"
    timeline = await events(database, cid)
    assert [e.action for e in timeline] == ["filed", "accepted"]
    resident_rows = [r for r in await outbox_rows(database) if r.chat_id == RESIDENT]
    assert len(resident_rows) == 1


# --- merge ----------------------------------------------------------------------------------


async def test_merge_refuses_bad_targets(world: World) -> None:
    first = await filed(world)
    duplicate = await filed(world, NEIGHBOUR)
    elsewhere = await filed(world, 1003, village="youyue")  # group g5
    closed = await at_status(world, "resolved", 1004)
    assert (
        await run(
            world,
            workflow.rate,
            complaint_id=closed,
            resident_telegram_id=1004,
            satisfaction="satisfied",
        )
    ).ok
    numbers = {cid: (await complaint(world.database, cid)).number for cid in (first, duplicate)}
    numbers[elsewhere] = (await complaint(world.database, elsewhere)).number
    numbers[closed] = (await complaint(world.database, closed)).number
    for into, detail in (
        ("WD2023-1-9999", "unknown_number"),
        (numbers[elsewhere], "unknown_number"),
        (numbers[duplicate], "self"),
        (numbers[closed], "target_closed"),
    ):
        outcome = await act(world, workflow.merge, duplicate, expected="new", into_number=into)
        assert (outcome.refusal, outcome.detail) == (Refusal.invalid, detail)
    assert (await complaint(world.database, duplicate)).status == "new"
    # Numbers are matched whatever the case and spacing.
    typed = " " + numbers[first].lower() + " "
    assert (await act(world, workflow.merge, duplicate, expected="new", into_number=typed)).ok
    third = await filed(world, 1005)
    merged = await act(
        world, workflow.merge, third, expected="new", into_number=numbers[duplicate]
    )
    assert (merged.refusal, merged.detail) == (Refusal.invalid, "target_merged")


async def test_merge_makes_the_duplicates_resident_follow_the_target(world: World) -> None:
    target = await filed(world)
    duplicate = await filed(world, NEIGHBOUR, anonymous=True)
    number = (await complaint(world.database, target)).number
    mark = await last_outbox_id(world.database)
    outcome = await act(world, workflow.merge, duplicate, expected="new", into_number=number)
    assert outcome.ok
    row = await complaint(world.database, duplicate)
    assert (row.status, row.merged_into_id) == ("merged", target)
    dup_events = await events(world.database, duplicate)
    assert (dup_events[-1].action, dup_events[-1].note, dup_events[-1].public) == (
        "merged",
        number,
        True,
    )
    target_events = await events(world.database, target)
    assert (target_events[-1].action, target_events[-1].public) == ("merged_in", False)
    rows = await outbox_rows(world.database, after=mark)
    assert sent(rows) == [(CARD, G3_CHAT), (EVENT, NEIGHBOUR), (CARD, G3_CHAT)]
    assert [r.complaint_id for r in rows] == [duplicate, duplicate, target]
    async with world.database.transaction() as session:
        view = await triage.card_view(session=session, complaint_id=target)
        dup_view = await triage.card_view(session=session, complaint_id=duplicate)
    assert view is not None and view.duplicates == 1
    assert dup_view is not None and dup_view.merged_into_number == number

    # Later updates of the target reach both residents; earlier ones did not go back.
    mark = await last_outbox_id(world.database)
    assert (await act(world, workflow.accept, target, expected="new")).ok
    assert sent(await outbox_rows(world.database, after=mark)) == [
        (CARD, G3_CHAT),
        (EVENT, RESIDENT),
        (EVENT, NEIGHBOUR),
    ]
    mark = await last_outbox_id(world.database)
    assert (await act(world, workflow.add_note, target, note="内部")).ok
    assert sent(await outbox_rows(world.database, after=mark)) == [(CARD, G3_CHAT)]
    mark = await last_outbox_id(world.database)
    resolved = await act(
        world, workflow.resolve, target, expected="accepted", note="修好", photo_file_id=None
    )
    assert resolved.ok
    assert sent(await outbox_rows(world.database, after=mark)) == [
        (CARD, G3_CHAT),
        (EVENT, RESIDENT),
        (EVENT, NEIGHBOUR),
    ]
    # The duplicate's resident may answer the survey too, but only as a follower: their
    # answer is recorded for the group and moves nothing; only the target's own resident's does.
    rating = await run(
        world,
        workflow.rate,
        complaint_id=target,
        resident_telegram_id=NEIGHBOUR,
        satisfaction="satisfied",
    )
    assert (rating.refusal, rating.detail) == (None, "follower")
    row = await complaint(world.database, target)
    assert (row.status, row.satisfaction) == ("resolved", None)


async def test_a_chain_of_merges_reaches_every_resident_once(world: World) -> None:
    top = await filed(world)
    middle = await filed(world, NEIGHBOUR)
    bottom = await filed(world, 1003)
    again = await filed(world, RESIDENT)  # the same resident twice
    number = {c: (await complaint(world.database, c)).number for c in (top, middle)}
    assert (
        await act(world, workflow.merge, bottom, expected="new", into_number=number[middle])
    ).ok
    assert (await act(world, workflow.merge, again, expected="new", into_number=number[top])).ok
    assert (await act(world, workflow.merge, middle, expected="new", into_number=number[top])).ok
    async with world.database.transaction() as session:
        residents = await triage.complaint_residents(session=session, complaint_id=top)
        view = await triage.card_view(session=session, complaint_id=top)
    assert [r.telegram_id for r in residents] == [RESIDENT, NEIGHBOUR, 1003]
    assert view is not None and view.duplicates == 3


# --- follow-up questions ----------------------------------------------------------------------


async def test_ask_and_answer(world: World) -> None:
    cid = await filed(world)
    mark = await last_outbox_id(world.database)
    outcome = await act(world, workflow.ask_resident, cid, question="机井具体在哪个位置？")
    assert outcome.ok
    async with world.database.transaction() as session:
        follow_up = (await session.exec(select(FollowUp))).one()
    assert (follow_up.complaint_id, follow_up.question, follow_up.asked_by_name) == (
        cid,
        "机井具体在哪个位置？",
        "李组长",
    )
    event = (await events(world.database, cid))[-1]
    assert (event.action, event.public, event.note) == (
        "follow_up_asked",
        True,
        "机井具体在哪个位置？",
    )
    assert (event.follow_up_id, event.photo_file_id) == (follow_up.id, None)
    assert sent(await outbox_rows(world.database, after=mark)) == [
        (CARD, G3_CHAT),
        (EVENT, RESIDENT),
    ]
    assert follow_up.id is not None

    # Someone else cannot answer it; nothing is said about whose it is.
    await file(world.database, NEIGHBOUR)
    other = await run(
        world, workflow.start_answer, resident_telegram_id=NEIGHBOUR, follow_up_id=follow_up.id
    )
    assert (other.refusal, other.complaint) == (Refusal.not_found, None)
    assert await run(world, workflow.answering, resident_telegram_id=NEIGHBOUR) is None
    nothing = await run(
        world, workflow.answer_follow_up, resident_telegram_id=NEIGHBOUR, text="hi"
    )
    assert nothing.refusal == Refusal.nothing_to_do

    started = await run(
        world, workflow.start_answer, resident_telegram_id=RESIDENT, follow_up_id=follow_up.id
    )
    assert started.ok
    asking = await run(world, workflow.answering, resident_telegram_id=RESIDENT)
    assert asking is not None and asking.id == follow_up.id
    mark = await last_outbox_id(world.database)
    answered = await run(
        world,
        workflow.answer_follow_up,
        resident_telegram_id=RESIDENT,
        text="村东头第二眼井 <b>旁</b>",
        now=LATER + timedelta(minutes=1),
    )
    assert answered.ok
    async with world.database.transaction() as session:
        stored = await session.get(FollowUp, follow_up.id)
        person = (
            await session.exec(select(Resident).where(Resident.telegram_id == RESIDENT))
        ).one()
    assert stored is not None and stored.answer == "村东头第二眼井 <b>旁</b>"
    assert stored.answered_at == LATER + timedelta(minutes=1)
    assert person.answering_follow_up_id is None
    event = (await events(world.database, cid))[-1]
    assert (event.action, event.public, event.actor) == ("follow_up_answered", False, "resident")
    assert event.follow_up_id == follow_up.id
    assert sent(await outbox_rows(world.database, after=mark)) == [
        (CARD, G3_CHAT),
        (EVENT, G3_CHAT),
    ]
    # Answered once: the button does not start another answer.
    again = await run(
        world, workflow.start_answer, resident_telegram_id=RESIDENT, follow_up_id=follow_up.id
    )
    assert again.refusal == Refusal.nothing_to_do


async def test_stop_answering_keeps_the_question_open(world: World) -> None:
    cid = await filed(world)
    assert (await act(world, workflow.ask_resident, cid, question="几户受影响？")).ok
    async with world.database.transaction() as session:
        follow_up = (await session.exec(select(FollowUp))).one()
    assert follow_up.id is not None
    await run(
        world, workflow.start_answer, resident_telegram_id=RESIDENT, follow_up_id=follow_up.id
    )
    assert await run(world, workflow.stop_answering, resident_telegram_id=RESIDENT) is True
    assert await run(world, workflow.answering, resident_telegram_id=RESIDENT) is None
    assert await run(world, workflow.stop_answering, resident_telegram_id=RESIDENT) is False


# --- anonymity ------------------------------------------------------------------------------


async def test_an_anonymous_complaint_leaves_no_identity_anywhere(world: World) -> None:
    await file(world.database, 4242, anonymous=True)  # resident 4242 has a name and username
    async with world.database.transaction() as session:
        person = (await session.exec(select(Resident).where(Resident.telegram_id == 4242))).one()
        complaint_row = (await session.exec(select(Complaint))).one()
    cid = complaint_row.id
    assert cid is not None
    assert (
        complaint_row.reporter_name,
        complaint_row.reporter_username,
        complaint_row.reporter_phone,
    ) == (None, None, None)
    assert (await act(world, workflow.accept, cid, expected="new")).ok
    assert (await act(world, workflow.ask_resident, cid, question="请补充位置")).ok
    async with world.database.transaction() as session:
        follow_up = (await session.exec(select(FollowUp))).one()
    assert follow_up.id is not None
    assert (
        await run(
            world, workflow.start_answer, resident_telegram_id=4242, follow_up_id=follow_up.id
        )
    ).ok
    assert (
        await run(world, workflow.answer_follow_up, resident_telegram_id=4242, text="村东头")
    ).ok
    water = world.department_id("water")
    assert (
        await act(
            world, workflow.hand_off, cid, expected="accepted", department_id=water, due_on=DUE
        )
    ).ok
    assert (
        await run(
            world,
            workflow.report_done,
            complaint_id=cid,
            department_chat_id=WATER_CHAT,
            note="已修",
            actor=WORKER,
        )
    ).ok
    assert (
        await run(
            world,
            workflow.rate,
            complaint_id=cid,
            resident_telegram_id=4242,
            satisfaction="unsatisfied",
        )
    ).ok

    secrets_ = [person.first_name, "张 三", "user4242", "+8613800000000"]
    rows = await outbox_rows(world.database)
    for row in rows:
        text = json.dumps(row.payload, ensure_ascii=False)
        assert "4242" not in text
        assert not any(secret in text for secret in secrets_)
    # The only rows to the resident's chat are their own notifications.
    assert all(row.kind == EVENT for row in rows if row.chat_id == 4242)
    for event in await events(world.database, cid):
        assert event.actor_telegram_id != 4242
        if event.actor == "resident":
            assert (event.actor_telegram_id, event.actor_name) == (None, None)
        assert not any(secret in (event.note or "") for secret in secrets_)
    async with world.database.transaction() as session:
        view = await triage.card_view(session=session, complaint_id=cid)
        event_ids = [
            e.id
            for e in (
                await session.exec(select(TimelineEvent).where(TimelineEvent.complaint_id == cid))
            ).all()
        ]
    assert view is not None
    assert (view.anonymous, view.reporter_name, view.reporter_username, view.reporter_phone) == (
        True,
        None,
        None,
        None,
    )
    assert len(event_ids) == 7


async def test_a_named_answer_names_the_resident(world: World) -> None:
    cid = await filed(world)
    assert (await act(world, workflow.ask_resident, cid, question="?")).ok
    async with world.database.transaction() as session:
        follow_up = (await session.exec(select(FollowUp))).one()
    assert follow_up.id is not None
    await run(
        world, workflow.start_answer, resident_telegram_id=RESIDENT, follow_up_id=follow_up.id
    )
    assert (
        await run(world, workflow.answer_follow_up, resident_telegram_id=RESIDENT, text="!")
    ).ok
    event = (await events(world.database, cid))[-1]
    assert (event.actor_telegram_id, event.actor_name) == (RESIDENT, "张 三")


# --- residents the bot does not know ----------------------------------------------------------


async def test_residents_without_a_row_are_skipped(world: World) -> None:
    cid = await filed(world)
    async with world.database.transaction() as session:
        rows = await triage.complaint_residents(session=session, complaint_id=99_999)
    assert rows == []
    # A complaint always points at a resident row, so its resident is always told.
    mark = await last_outbox_id(world.database)
    assert (await act(world, workflow.accept, cid, expected="new")).ok
    assert (EVENT, RESIDENT) in sent(await outbox_rows(world.database, after=mark))


# --- a group moved to another chat --------------------------------------------------------------


async def test_after_a_group_moves_its_cards_go_to_the_new_chat(world: World) -> None:
    cid = await filed(world)
    old_card = (await complaint(world.database, cid)).group_card_id
    async with world.database.transaction() as session:
        group = world.groups["g3"]
        row = await session.get(type(group), group.id)
        assert row is not None
        row.chat_id = -100_301
    moved = await act(world, workflow.accept, cid, chat_id=G3_CHAT, expected="new")
    assert moved.refusal == Refusal.wrong_chat
    mark = await last_outbox_id(world.database)
    assert (await act(world, workflow.accept, cid, chat_id=-100_301, expected="new")).ok
    row_ = await complaint(world.database, cid)
    assert row_.group_card_id != old_card
    async with world.database.transaction() as session:
        card = await session.get(CardMessage, row_.group_card_id)
    assert card is not None and card.chat_id == -100_301
    assert sent(await outbox_rows(world.database, after=mark)) == [
        (CARD, -100_301),
        (EVENT, RESIDENT),
    ]


# --- prompts --------------------------------------------------------------------------------


async def test_prompts_replace_expire_and_are_taken_once(world: World) -> None:
    cid = await filed(world)
    first = await run(
        world,
        workflow.open_prompt,
        chat_id=G3_CHAT,
        user_id=501,
        complaint_id=cid,
        action="reject",
        details={},
        now=NOW,
    )
    assert first.expires_at == NOW + timedelta(hours=1)
    await run(
        world,
        workflow.open_prompt,
        chat_id=G3_CHAT,
        user_id=501,
        complaint_id=cid,
        action="resolve",
        details={"photo": True},
        now=NOW,
    )
    # Another inspector's prompt in the same chat is separate.
    await run(
        world,
        workflow.open_prompt,
        chat_id=G3_CHAT,
        user_id=502,
        complaint_id=cid,
        action="note",
        details={},
        now=NOW,
    )
    taken = await run(world, workflow.take_prompt, chat_id=G3_CHAT, user_id=501, now=NOW)
    assert taken is not None
    assert (taken.action, taken.details, taken.complaint_id) == ("resolve", {"photo": True}, cid)
    assert await run(world, workflow.take_prompt, chat_id=G3_CHAT, user_id=501, now=NOW) is None
    assert await run(world, workflow.take_prompt, chat_id=G5_CHAT, user_id=502, now=NOW) is None
    late = NOW + timedelta(hours=1)
    assert await run(world, workflow.take_prompt, chat_id=G3_CHAT, user_id=502, now=late) is None
    async with world.database.transaction() as session:
        assert (await session.exec(select(Prompt).order_by(col(Prompt.id)))).all() == []


async def test_two_merges_into_each_other_at_once_make_one_change(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0001 → 0002 and 0002 → 0001 at once: one is merged, the other is refused."""
    database = world.database
    first, second = await filed(world), await filed(world, NEIGHBOUR)
    numbers = {cid: (await complaint(database, cid)).number for cid in (first, second)}
    if not database.is_sqlite:
        # Both have read their own complaint before either goes on to its target.
        barrier = asyncio.Barrier(2)
        real_owned = steps.owned

        async def owned_then_wait(*args: Any, **kwargs: Any) -> Any:
            found = await real_owned(*args, **kwargs)
            await asyncio.wait_for(barrier.wait(), timeout=10)
            return found

        monkeypatch.setattr(steps, "owned", owned_then_wait)

    async def merge(cid: int, into: int, actor: Actor) -> Outcome:
        async with database.transaction() as session:
            return await workflow.merge(
                session=session,
                complaint_id=cid,
                chat_id=G3_CHAT,
                expected="new",
                into_number=numbers[into],
                actor=actor,
                now=LATER,
            )

    outcomes = await asyncio.gather(merge(first, second, INSPECTOR), merge(second, first, SECOND))
    assert sorted(o.refusal or "ok" for o in outcomes) == ["invalid", "ok"]
    assert next(o for o in outcomes if not o.ok).detail in ("target_merged", "moved_on")
    statuses = sorted([(await complaint(database, c)).status for c in (first, second)])
    assert statuses == ["merged", "new"]


async def test_a_second_hand_off_to_the_same_department_sends_a_new_card(world: World) -> None:
    cid = await at_status(world, "handed_off")
    old = (await complaint(world.database, cid)).department_card_id
    async with world.database.transaction() as session:
        card = await session.get(CardMessage, old)
        assert card is not None
        card.message_id = 77  # the sender showed it
    mark = await last_outbox_id(world.database)
    outcome = await act(
        world,
        workflow.hand_off,
        cid,
        expected="handed_off",
        department_id=world.department_id("water"),
        due_on=DUE + timedelta(days=3),
    )
    assert outcome.ok
    new = (await complaint(world.database, cid)).department_card_id
    assert new is not None and new != old
    async with world.database.transaction() as session:
        card = await session.get(CardMessage, new)
    assert card is not None and (card.chat_id, card.message_id) == (WATER_CHAT, None)
    assert (DEPARTMENT_CARD, WATER_CHAT) in sent(await outbox_rows(world.database, after=mark))


async def test_a_hand_off_elsewhere_takes_the_done_button_off_the_old_card(world: World) -> None:
    cid = await at_status(world, "handed_off")
    old = (await complaint(world.database, cid)).department_card_id
    async with world.database.transaction() as session:
        card = await session.get(CardMessage, old)
        assert card is not None
        card.message_id = 77
    mark = await last_outbox_id(world.database)
    outcome = await act(
        world,
        workflow.hand_off,
        cid,
        expected="handed_off",
        department_id=world.department_id("discipline"),
        due_on=DUE,
    )
    assert outcome.ok
    rows = await outbox_rows(world.database, after=mark)
    assert (DEPARTMENT_CARD, DISCIPLINE_CHAT) in sent(rows)
    edits = [r for r in rows if r.chat_id == WATER_CHAT]
    number = (await complaint(world.database, cid)).number
    assert [(r.kind, r.payload) for r in edits] == [
        ("clear_buttons", {"card_id": old}),
        (
            "notice",
            {
                "notice": "handed_elsewhere",
                "department_id": world.department_id("water"),
                "number": number,
                "department": "区纪委监委",
                "reply_to": 77,
            },
        ),
    ]


def test_typed_text_counts_what_a_reader_sees() -> None:
    """Reasons, notes, questions and answers: only invisible characters is empty."""
    for invisible in ("\u200b" * 12, "\u200b\u2060\ufeff \u3000", "\u0007\u00ad"):
        refused = steps.clean(invisible)
        assert isinstance(refused, Outcome) and refused.detail == "empty", repr(invisible)
    assert steps.clean(" 不属实\u200b，\n已核查\ufeff ") == "不属实，\n已核查"
