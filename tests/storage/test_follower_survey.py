"""A follower's 回访 in storage (storage/workflow/follower_survey.py): recorded, told to the
group, never moving the complaint; once; within the owner's 7 days; not after a reopening."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from storage import workflow
from storage.db import Database
from storage.models import Complaint, ComplaintFollower, TimelineEvent
from storage.workflow import Outcome, Refusal
from tests.helpers.factories import NOW, World, example_world, resident
from tests.storage.test_survey import answer, resolved

FOLLOWER = 2002
STRANGER = 3003


@pytest.fixture
async def world(database: Database) -> World:
    return await example_world(database)


async def followed(world: World) -> int:
    """A resolved complaint with one follower."""
    cid = await resolved(world)
    follower = await resident(world.database, FOLLOWER, first_name="乙")
    await resident(world.database, STRANGER, first_name="丙")
    async with world.database.transaction() as session:
        assert follower.id is not None
        session.add(ComplaintFollower(complaint_id=cid, resident_id=follower.id, joined_at=NOW))
    return cid


async def press(world: World, cid: int, who: int, at: datetime, **answer: str) -> Outcome:
    """A press on the survey: `state=` answers 问题解决了吗, `satisfaction=` 您满意吗."""
    async with world.database.transaction() as session:
        common: dict[str, Any] = {
            "session": session,
            "complaint_id": cid,
            "resident_telegram_id": who,
            "now": at,
        }
        if "state" in answer:
            return await workflow.answer_resolution(state=answer["state"], **common)
        return await workflow.rate(satisfaction=answer["satisfaction"], **common)


async def row(world: World, cid: int) -> Complaint:
    """The complaint as stored."""
    async with world.database.transaction() as session:
        found = await session.get(Complaint, cid)
        assert found is not None
        return found


async def test_a_follower_answer_is_recorded_and_moves_nothing(world: World) -> None:
    cid = await followed(world)
    at = NOW + timedelta(hours=2)
    first = await press(world, cid, FOLLOWER, at, state="unsolved")
    assert first.ok and first.detail == "follower"
    second = await press(world, cid, FOLLOWER, at, satisfaction="unsatisfied")
    assert second.ok and second.detail == "follower"
    stored = await row(world, cid)
    assert stored.status == "resolved"
    assert stored.resolution_state is None and stored.satisfaction is None
    async with world.database.transaction() as session:
        statement = select(TimelineEvent).where(
            col(TimelineEvent.action).in_(["follower_resolution", "follower_rated"])
        )
        events = (await session.exec(statement)).all()
    assert sorted((e.action, e.note, e.public) for e in events) == [
        ("follower_rated", "unsolved:unsatisfied", False),
        ("follower_resolution", "unsolved", False),
    ]
    # Once: a second answer changes nothing.
    again = await press(world, cid, FOLLOWER, at, state="solved")
    assert again.refusal == Refusal.moved_on and again.detail == "answered"
    # Someone neither owning nor following it: not allowed.
    stranger = await press(world, cid, STRANGER, at, state="solved")
    assert stranger.refusal == Refusal.not_allowed


async def test_after_the_owner_closes_it_a_follower_may_still_answer(world: World) -> None:
    cid = await followed(world)
    assert (await answer(world, cid, "y")).ok
    assert (await answer(world, cid, "s")).ok
    assert (await row(world, cid)).status == "closed"
    outcome = await press(world, cid, FOLLOWER, NOW + timedelta(days=2), state="partly")
    assert outcome.ok and outcome.detail == "follower"
    assert (await row(world, cid)).satisfaction == "satisfied"


async def test_no_follower_answer_after_seven_days_or_a_reopening(world: World) -> None:
    cid = await followed(world)
    late = await press(world, cid, FOLLOWER, NOW + timedelta(days=8), state="solved")
    assert late.refusal == Refusal.moved_on
    assert (await answer(world, cid, "n")).ok
    assert (await row(world, cid)).status == "accepted"
    reopened = await press(world, cid, FOLLOWER, NOW + timedelta(hours=2), state="solved")
    assert reopened.refusal == Refusal.moved_on
