"""The resident after filing in storage (storage/workflow/resident_after.py): 撤回 and 补充材料,
their refusals, and a 撤回 at the moment the group accepts (one of the two wins)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from storage import workflow
from storage.db import Database
from storage.ledger import ledger_summary
from storage.models import OutboxMessage
from storage.workflow import Actor, Outcome, Refusal
from storage.workflow import resident_after as after_module
from tests.helpers.factories import (
    G3_CHAT,
    NOW,
    World,
    complaint,
    events,
    example_world,
    file,
    outbox_rows,
)

INSPECTOR = Actor("inspector", 501, "李组长")
RESIDENT = 1001
LATER = NOW + timedelta(minutes=5)


@pytest.fixture
async def world(database: Database) -> World:
    return await example_world(database)


async def withdraw(
    world: World, cid: int, expected: str = "new", resident: int = RESIDENT
) -> Outcome:
    """The resident withdraws, having seen `expected`."""
    async with world.database.transaction() as session:
        return await workflow.withdraw(
            session=session,
            resident_telegram_id=resident,
            complaint_id=cid,
            expected=expected,
            reason="已经自己修好了",
            now=LATER,
        )


async def accept(world: World, cid: int) -> Outcome:
    """The group accepts it."""
    async with world.database.transaction() as session:
        return await workflow.accept(
            session=session,
            complaint_id=cid,
            chat_id=G3_CHAT,
            actor=INSPECTOR,
            now=LATER,
            expected="new",
        )


async def supplement(world: World, cid: int, **given: Any) -> Outcome:
    """The resident adds material."""
    values: dict[str, Any] = {"text": None, "photo_file_ids": [], "voice_file_id": None}
    values.update(given)
    async with world.database.transaction() as session:
        return await workflow.supplement(
            session=session,
            resident_telegram_id=RESIDENT,
            complaint_id=cid,
            now=LATER,
            **values,
        )


async def test_withdrawn_once_the_group_told_and_the_ledger_counts_it(world: World) -> None:
    row = await file(world.database, RESIDENT, anonymous=True)
    assert row.id is not None
    outcome = await withdraw(world, row.id)
    assert outcome.ok, outcome
    assert (await complaint(world.database, row.id)).status == "withdrawn"
    (event,) = [e for e in await events(world.database, row.id) if e.action == "withdrawn"]
    assert event.note == "已经自己修好了" and event.public and event.actor_name is None
    kinds = {(r.kind, r.chat_id) for r in await outbox_rows(world.database)}
    assert ("event", G3_CHAT) in kinds and ("event", RESIDENT) in kinds

    again = await withdraw(world, row.id, expected="withdrawn")
    assert again.refusal == Refusal.not_allowed
    stale = await withdraw(world, row.id, expected="new")
    assert stale.refusal == Refusal.moved_on
    assert [e.action for e in await events(world.database, row.id)].count("withdrawn") == 1

    async with world.database.transaction() as session:
        summary = await ledger_summary(session=session, round_id=row.round_id)
    assert summary.by_status["withdrawn"] == 1


async def test_someone_else_cannot_withdraw_nor_add(world: World) -> None:
    row = await file(world.database, RESIDENT)
    assert row.id is not None
    assert (await withdraw(world, row.id, resident=9999)).refusal == Refusal.not_found
    assert (await complaint(world.database, row.id)).status == "new"


async def test_a_resolved_complaint_is_not_withdrawn_and_takes_no_material(world: World) -> None:
    row = await file(world.database, RESIDENT)
    assert row.id is not None
    assert (await accept(world, row.id)).ok
    async with world.database.transaction() as session:
        done = await workflow.resolve(
            session=session,
            complaint_id=row.id,
            chat_id=G3_CHAT,
            actor=INSPECTOR,
            now=LATER,
            expected="accepted",
            note="已修好",
            photo_file_id=None,
        )
    assert done.ok
    refused = await withdraw(world, row.id, expected="resolved")
    assert (refused.refusal, refused.detail) == (Refusal.not_allowed, "resolved")
    added = await supplement(world, row.id, text="还有一点想补充的内容")
    assert (added.refusal, added.detail) == (Refusal.not_allowed, "resolved")


async def test_material_within_the_limits_goes_to_the_group(world: World) -> None:
    row = await file(world.database, RESIDENT)
    assert row.id is not None
    before = len(await outbox_rows(world.database))
    assert (await supplement(world, row.id, text="  ")).detail == "empty"
    assert (await supplement(world, row.id, text="长" * 2001)).detail == "too_long"
    many = [f"p{i}" for i in range(6)]
    assert (await supplement(world, row.id, photo_file_ids=many)).detail == "too_many_photos"
    assert len(await outbox_rows(world.database)) == before
    outcome = await supplement(world, row.id, text="电线也断了", photo_file_ids=["p1"])
    assert outcome.ok
    (event,) = [e for e in await events(world.database, row.id) if e.action == "supplemented"]
    assert (event.note, event.photo_file_ids, event.public) == ("电线也断了", ["p1"], False)
    rows: list[OutboxMessage] = (await outbox_rows(world.database))[before:]
    assert {(r.kind, r.chat_id) for r in rows} >= {("event", G3_CHAT)}
    assert all(r.chat_id != RESIDENT for r in rows if r.kind == "event")


async def test_a_withdrawal_and_an_acceptance_at_once_make_one_change(
    world: World, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite runs one writing transaction at a time: no two can interleave")
    row = await file(world.database, RESIDENT)
    assert row.id is not None
    barrier = asyncio.Barrier(2)
    real_move = after_module.steps.move

    async def move_after_both_checked(*args: Any, **kwargs: Any) -> Outcome | None:
        await asyncio.wait_for(barrier.wait(), timeout=10)
        return await real_move(*args, **kwargs)

    monkeypatch.setattr(after_module.steps, "move", move_after_both_checked)
    outcomes = await asyncio.gather(withdraw(world, row.id), accept(world, row.id))
    assert sorted(o.refusal or "ok" for o in outcomes) == ["moved_on", "ok"]
    status = (await complaint(world.database, row.id)).status
    assert status in ("withdrawn", "accepted")
