"""Hand-off rows: one per dispatch to a department, ended when superseded or done."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from storage import workflow
from storage.db import Database
from storage.models import Handoff
from storage.workflow import Actor
from tests.helpers.factories import G3_CHAT, NOW, WATER_CHAT, World, example_world, file

INSPECTOR = Actor("inspector", 501, "李组长")
WORKER = Actor("department", 601, "水利局 赵")
DUE = date(2023, 3, 17)


@pytest.fixture
async def world(database: Database) -> World:
    """The example round with g3, the water bureau and the discipline commission linked."""
    return await example_world(database)


async def dispatches(world: World, complaint_id: int) -> list[Handoff]:
    """The complaint's hand-off rows, oldest first."""
    async with world.database.transaction() as session:
        result = await session.exec(
            select(Handoff).where(Handoff.complaint_id == complaint_id).order_by(col(Handoff.id))
        )
        return list(result.all())


async def press(world: World, action: object, complaint_id: int, **values: object) -> None:
    """An inspector's press in g3 that must succeed."""
    async with world.database.transaction() as session:
        outcome = await action(  # type: ignore[operator]
            session=session, complaint_id=complaint_id, chat_id=G3_CHAT, actor=INSPECTOR, **values
        )
    assert outcome.ok, outcome


async def test_each_dispatch_is_a_row_and_the_last_one_is_open(world: World) -> None:
    row = await file(world.database, 1001)
    assert row.id is not None
    water, housing = world.department_id("water"), world.department_id("housing")
    later = NOW + timedelta(hours=2)
    await press(
        world,
        workflow.hand_off,
        row.id,
        expected="new",
        department_id=water,
        due_on=DUE,
        now=NOW + timedelta(hours=1),
    )
    await press(
        world,
        workflow.hand_off,
        row.id,
        expected="handed_off",
        department_id=housing,
        due_on=DUE,
        now=later,
    )
    first, second = await dispatches(world, row.id)
    assert (first.department_id, first.kind, first.ended_at, first.done_at) == (
        water,
        "handoff",
        later,
        None,
    )
    assert (second.department_id, second.handed_at, second.due_on, second.ended_at) == (
        housing,
        later,
        DUE,
        None,
    )


async def test_a_department_reporting_done_ends_its_dispatch_as_done(world: World) -> None:
    row = await file(world.database, 1001)
    assert row.id is not None
    await press(
        world,
        workflow.hand_off,
        row.id,
        expected="new",
        department_id=world.department_id("water"),
        due_on=DUE,
        now=NOW,
    )
    done = NOW + timedelta(days=1)
    async with world.database.transaction() as session:
        outcome = await workflow.report_done(
            session=session,
            complaint_id=row.id,
            department_chat_id=WATER_CHAT,
            note="已修复",
            actor=WORKER,
            now=done,
        )
    assert outcome.ok
    (only,) = await dispatches(world, row.id)
    assert (only.done_at, only.ended_at) == (done, done)


async def test_a_transfer_is_a_clue_dispatch(world: World) -> None:
    row = await file(world.database, 1001, category="conduct")
    assert row.id is not None
    await press(
        world,
        workflow.transfer,
        row.id,
        expected="new",
        department_id=world.department_id("discipline"),
        now=NOW,
    )
    (only,) = await dispatches(world, row.id)
    assert (only.kind, only.due_on, only.ended_at) == ("clue", None, None)
