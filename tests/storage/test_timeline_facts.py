"""The timeline facts stored on a complaint (storage/timeline_facts.py) are what its timeline and
hand-offs give, after each kind of event, and after migration 0022 fills them in (issue 12)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from alembic import command
from sqlmodel import col, select

from storage import rates, workflow
from storage.db import Database
from storage.migrate import alembic_config
from storage.models import Complaint, Handoff
from storage.timeline_facts import FACTS, derived_facts, stored_facts
from tests.helpers.factories import World, example_world, file
from tests.helpers.rates_round import (
    DUE,
    READ_AT,
    hours,
    play_rates_round,
    press,
    set_handoff,
    set_survey,
)


@pytest.fixture
async def world(database: Database) -> World:
    return await example_world(database)


async def facts(world: World) -> dict[int, dict[str, Any]]:
    """The stored facts by complaint, after checking that they are the derived ones."""
    async with world.database.transaction() as session:
        stored = await stored_facts(session, world.round_id)
        derived = await derived_facts(session, world.round_id)
    assert stored == derived
    async with world.database.transaction() as session:
        groups = (
            await session.exec(
                select(Handoff.group_id, Complaint.group_id).join(
                    Complaint, col(Complaint.id) == col(Handoff.complaint_id)
                )
            )
        ).all()
    # Each hand-off carries its complaint's group.
    assert all(mine == its for mine, its in groups)
    return {cid: dict(zip(FACTS, values, strict=True)) for cid, values in stored.items()}


async def answer(world: World, cid: int, state: str, at: float) -> None:
    """The resident's answer to 问题解决了吗."""
    async with world.database.transaction() as session:
        outcome = await workflow.answer_resolution(
            session=session,
            complaint_id=cid,
            resident_telegram_id=1001,
            now=hours(at),
            state=state,
        )
    assert outcome.ok, outcome


async def test_the_rates_round_acts_and_hand_offs(world: World) -> None:
    played = await play_rates_round(world)
    found = await facts(world)
    a, h, d, e = (found[played.ids[k]] for k in "AHDE")
    # A: accepted at 2 h (from new), handed off at 3 h.
    assert (a["acted_at"], a["answered_at"]) == (hours(2), hours(2))
    assert a["handling_action"] == "handed_off" and a["last_handoff_id"] is not None
    # H: handed off twice: its last hand-off is the second (to water).
    assert h["last_handoff_id"] > a["last_handoff_id"]
    async with world.database.transaction() as session:
        handed = (await session.exec(select(Handoff.group_id))).all()
    assert len(handed) >= 5 and None not in handed
    assert d["handling_action"] == "rejected"
    assert e == dict.fromkeys(FACTS)


async def test_resolved_reopened_resolved_again_and_a_reconsidered_rejection(
    world: World,
) -> None:
    row = await file(world.database, 1001)
    cid = row.id
    assert cid is not None
    assert (await facts(world))[cid] == dict.fromkeys(FACTS)
    await press(world, workflow.accept, cid, 1, expected="new")
    await press(
        world, workflow.resolve, cid, 5, expected="accepted", note="修好", photo_file_id=None
    )
    found = (await facts(world))[cid]
    assert (found["first_resolved_at"], found["last_resolved_at"]) == (hours(5), hours(5))
    await answer(world, cid, "unsolved", 6)
    await press(
        world, workflow.resolve, cid, 9, expected="accepted", note="再修", photo_file_id=None
    )
    found = (await facts(world))[cid]
    assert (found["first_resolved_at"], found["last_resolved_at"]) == (hours(5), hours(9))
    assert (found["acted_at"], found["answered_at"]) == (hours(1), hours(1))

    other = await file(world.database, 1002)
    oid = other.id
    assert oid is not None
    await press(world, workflow.reject, oid, 2, expected="new", reason="不属于巡察受理范围。")
    assert (await facts(world))[oid]["handling_action"] == "rejected"
    await press(world, workflow.reconsider, oid, 3, expected="rejected")
    found = (await facts(world))[oid]
    # The reconsidered rejection is undone (storage/handling.py); the first act stays.
    assert found["handling_action"] == "accepted"
    assert (found["acted_at"], found["answered_at"]) == (hours(2), hours(2))
    await press(world, workflow.order_immediate, oid, 4, expected="accepted", due_on=DUE)
    assert (await facts(world))[oid]["handling_action"] == "immediate"


async def test_migration_0022_fills_them_in(world: World, database_url: str) -> None:
    played = await play_rates_round(world)
    row = await file(world.database, 1001, now=hours(0))
    assert row.id is not None
    await press(world, workflow.accept, row.id, 1, expected="new")
    await press(
        world, workflow.resolve, row.id, 2, expected="accepted", note="修", photo_file_id=None
    )
    await answer(world, row.id, "unsolved", 3)
    await press(
        world, workflow.resolve, row.id, 4, expected="accepted", note="修", photo_file_id=None
    )
    before = await facts(world)
    await world.database.dispose()
    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "0021")
    await asyncio.to_thread(command.upgrade, config, "head")
    # Filled in from the timeline and the hand-offs: the same as recorded as they happened.
    assert await facts(world) == before
    assert before[played.ids["A"]]["acted_at"] == hours(2)
    assert before[row.id]["last_resolved_at"] - before[row.id]["first_resolved_at"] == timedelta(
        hours=2
    )


async def test_a_last_hand_off_taken_back_with_consent_leaves_the_department_s_survey(
    world: World,
) -> None:
    """A department's 解决率 and 满意率 count the 回访 of complaints whose last hand-off was
    to it, not of one the group took back with its consent (counted with the rest, then
    taken out: storage/rates.py)."""
    played = await play_rates_round(world)
    k = played.ids["K"]

    async def water() -> Any:
        async with world.database.transaction() as session:
            figures = await rates.round_rates(
                session=session, round_id=world.round_id, now=READ_AT
            )
        by_id = {unit.id: unit.rates for unit in figures.departments}
        return by_id[world.department_id("water")], figures.overall

    before, overall_before = await water()
    await set_survey(world, k, resolution_state="solved", satisfaction="satisfied")
    counted, overall = await water()
    # K's last hand-off is to water and still waiting for the group: its answers count there.
    assert counted.resolution["solved"] == before.resolution["solved"] + 1
    assert overall.resolution["solved"] == overall_before.resolution["solved"] + 1
    await set_handoff(world, k, "water", return_outcome="accepted")
    taken_back, overall_after = await water()
    assert taken_back.resolution == before.resolution
    assert taken_back.satisfaction == before.satisfaction
    assert overall_after.resolution == overall.resolution
