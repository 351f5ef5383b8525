"""回访's two questions in storage (storage/workflow/survey.py): what each answer does, the
group's call on 部分解决, the 7-day sweep, and two presses at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from storage import workflow
from storage.db import Database
from storage.models import Complaint, OutboxMessage, TimelineEvent
from storage.schedule.surveys import sweep_surveys
from storage.workflow import Actor, Outcome, Refusal
from storage.workflow import survey as survey_module
from tests.helpers.factories import G3_CHAT, G5_CHAT, NOW, World, example_world, file

INSPECTOR = Actor("inspector", 501, "李组长")
SECOND = Actor("inspector", 502, "王干部")
RESIDENT = 1001


@pytest.fixture
async def world(database: Database) -> World:
    return await example_world(database)


async def resolved(world: World) -> int:
    """A complaint of g3, accepted and resolved by the group."""
    row = await file(world.database, RESIDENT)
    assert row.id is not None
    for action, values in (
        (workflow.accept, {"expected": "new"}),
        (workflow.resolve, {"expected": "accepted", "note": "已修好", "photo_file_id": None}),
    ):
        async with world.database.transaction() as session:
            outcome = await action(
                session=session,
                complaint_id=row.id,
                chat_id=G3_CHAT,
                actor=INSPECTOR,
                now=NOW + timedelta(minutes=1),
                **values,
            )
        assert outcome.ok, outcome
    return row.id


async def answer(world: World, cid: int, code: str, resident: int = RESIDENT) -> Outcome:
    """The resident's press: y/p/n answers 问题解决了吗, s/b/u 您满意吗."""
    states = {"y": "solved", "p": "partly", "n": "unsolved"}
    satisfactions = {"s": "satisfied", "b": "basic", "u": "unsatisfied"}
    async with world.database.transaction() as session:
        common: dict[str, Any] = {
            "session": session,
            "complaint_id": cid,
            "resident_telegram_id": resident,
            "now": NOW + timedelta(hours=1),
        }
        if code in states:
            return await workflow.answer_resolution(state=states[code], **common)
        return await workflow.rate(satisfaction=satisfactions[code], **common)


async def review(world: World, cid: int, *, reopen: bool, chat: int = G3_CHAT) -> Outcome:
    """The group's press on the 部分解决 prompt."""
    async with world.database.transaction() as session:
        return await workflow.review_partly(
            session=session,
            complaint_id=cid,
            chat_id=chat,
            actor=INSPECTOR,
            now=NOW + timedelta(hours=2),
            reopen=reopen,
        )


async def state(world: World, cid: int) -> tuple[str, str | None, str | None]:
    async with world.database.transaction() as session:
        row = await session.get(Complaint, cid)
        assert row is not None
        return row.status, row.resolution_state, row.satisfaction


async def actions(world: World, cid: int) -> list[tuple[str, str | None]]:
    async with world.database.transaction() as session:
        rows = await session.exec(
            select(TimelineEvent)
            .where(TimelineEvent.complaint_id == cid)
            .order_by(col(TimelineEvent.id))
        )
        return [(e.action, e.note) for e in rows.all()]


async def group_events(world: World) -> list[OutboxMessage]:
    async with world.database.transaction() as session:
        rows = await session.exec(
            select(OutboxMessage).where(
                OutboxMessage.chat_id == G3_CHAT, OutboxMessage.kind == "event"
            )
        )
        return list(rows.all())


async def test_solved_then_satisfied_closes(world: World) -> None:
    cid = await resolved(world)
    assert (await answer(world, cid, "y")).ok
    assert await state(world, cid) == ("resolved", "solved", None)
    assert (await answer(world, cid, "s")).ok
    assert await state(world, cid) == ("closed", "solved", "satisfied")
    # Either question again: over.
    for code in ("y", "b"):
        assert (await answer(world, cid, code)).refusal == Refusal.moved_on


async def test_unsolved_reopens_and_keeps_the_second_answer(world: World) -> None:
    cid = await resolved(world)
    assert (await answer(world, cid, "n")).ok
    assert await state(world, cid) == ("accepted", "unsolved", None)
    assert ("reopened", "unsolved") in await actions(world, cid)
    outcome = await answer(world, cid, "b")
    assert outcome.ok and outcome.detail == "recorded"
    assert await state(world, cid) == ("accepted", "unsolved", "basic")
    # Recorded once.
    assert (await answer(world, cid, "s")).refusal == Refusal.moved_on


async def test_partly_asks_the_group_then_its_call(world: World) -> None:
    cid = await resolved(world)
    assert (await answer(world, cid, "p")).ok
    before = len(await group_events(world))
    outcome = await answer(world, cid, "b")
    assert outcome.ok and outcome.detail == "partly"
    assert await state(world, cid) == ("resolved", "partly", "basic")
    assert ("partly_solved", "basic") in await actions(world, cid)
    assert len(await group_events(world)) == before + 1, "the group is asked"
    # Not satisfied after all (an old button): answered already.
    assert (await answer(world, cid, "u")).refusal == Refusal.moved_on
    # Another group's chat cannot decide; the owning group reopens it.
    assert (await review(world, cid, reopen=True, chat=G5_CHAT)).refusal == Refusal.wrong_chat
    assert (await review(world, cid, reopen=True)).ok
    assert await state(world, cid) == ("accepted", "partly", "basic")
    assert (await review(world, cid, reopen=False)).refusal == Refusal.moved_on


async def test_the_group_cannot_close_a_resolved_complaint_that_does_not_wait_on_it(
    world: World,
) -> None:
    cid = await resolved(world)
    assert (await review(world, cid, reopen=False)).refusal == Refusal.moved_on
    assert (await answer(world, cid, "y")).ok
    assert (await review(world, cid, reopen=True)).refusal == Refusal.moved_on
    assert await state(world, cid) == ("resolved", "solved", None)


async def test_partly_without_a_second_answer_goes_to_the_group_after_7_days(
    world: World,
) -> None:
    cid = await resolved(world)
    assert (await answer(world, cid, "p")).ok
    # 8 days on, at 10:00 on the round's clock: the sweep would close it; it asks instead.
    async with world.database.transaction() as session:
        await sweep_surveys(session=session, now=NOW + timedelta(days=8))
    assert await state(world, cid) == ("resolved", "partly", "no_answer")
    assert ("partly_solved", "no_answer") in await actions(world, cid)
    async with world.database.transaction() as session:
        await sweep_surveys(session=session, now=NOW + timedelta(days=9))
    assert [a for a, _ in await actions(world, cid)].count("partly_solved") == 1
    assert (await review(world, cid, reopen=False)).ok
    assert await state(world, cid) == ("closed", "partly", "no_answer")


async def test_two_calls_at_once_make_one_change(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reopen and close pressed at once, both past the check: the guarded UPDATE decides."""
    database = world.database
    if database.is_sqlite:
        pytest.skip("SQLite runs one writing transaction at a time: no two can interleave")
    cid = await resolved(world)
    assert (await answer(world, cid, "p")).ok
    assert (await answer(world, cid, "s")).ok
    barrier = asyncio.Barrier(2)
    real_move = survey_module.steps.move

    async def move_after_both_checked(*args: Any, **kwargs: Any) -> Outcome | None:
        await asyncio.wait_for(barrier.wait(), timeout=10)
        return await real_move(*args, **kwargs)

    monkeypatch.setattr(survey_module.steps, "move", move_after_both_checked)
    outcomes = await asyncio.gather(
        review(world, cid, reopen=True), review(world, cid, reopen=False)
    )
    assert sorted(o.refusal or "ok" for o in outcomes) == ["moved_on", "ok"]
    calls = [a for a, _ in await actions(world, cid) if a in ("reopened", "closed")]
    assert len(calls) == 1


async def test_two_answers_at_once_make_one_change(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two satisfaction answers after 部分解决, both past the check: one is recorded."""
    database = world.database
    if database.is_sqlite:
        pytest.skip("SQLite runs one writing transaction at a time: no two can interleave")
    cid = await resolved(world)
    assert (await answer(world, cid, "p")).ok
    barrier = asyncio.Barrier(2)
    real_set = survey_module._set_if_open

    async def set_after_both_checked(*args: Any, **kwargs: Any) -> bool:
        await asyncio.wait_for(barrier.wait(), timeout=10)
        return await real_set(*args, **kwargs)

    monkeypatch.setattr(survey_module, "_set_if_open", set_after_both_checked)
    outcomes = await asyncio.gather(answer(world, cid, "s"), answer(world, cid, "b"))
    assert sorted(o.refusal or "ok" for o in outcomes) == ["moved_on", "ok"]
    assert [a for a, _ in await actions(world, cid)].count("partly_solved") == 1
