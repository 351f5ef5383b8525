"""指派 in storage: members seen in a group's chat, assigning to one of them, /mine's list."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from storage import members, workflow
from storage.db import Database
from storage.models import GroupMember
from storage.workflow import Actor, Outcome, Refusal, assigning
from tests.helpers.factories import (
    G3_CHAT,
    G5_CHAT,
    NOW,
    complaint,
    events,
    example_world,
    file,
)

INSPECTOR = Actor("inspector", 501, "李组长")
LATER = NOW + timedelta(minutes=5)


async def test_assign_to_a_member_seen_and_list_theirs(database: Database) -> None:
    world = await example_world(database)
    g3 = world.groups["g3"].id
    assert g3 is not None
    filed = await file(database, 1001)
    complaint_id = filed.id
    assert complaint_id is not None
    async with database.transaction() as session:
        await members.seen(session=session, group_id=g3, telegram_id=777, name="李四", now=NOW)
        # Seen again, renamed, then /join: one row, the latest name, joined.
        await members.seen(
            session=session, group_id=g3, telegram_id=777, name="李 四", now=LATER, joined=True
        )
    async with database.transaction() as session:
        rows = (await session.exec(select(GroupMember))).all()
        assert [(r.telegram_id, r.name, r.joined_at is not None) for r in rows] == [
            (777, "李 四", True)
        ]

    async def assign(telegram_id: int, chat_id: int = G3_CHAT, expected: str = "new") -> Outcome:
        async with database.transaction() as session:
            return await workflow.assign(
                session=session,
                complaint_id=complaint_id,
                chat_id=chat_id,
                actor=INSPECTOR,
                now=LATER,
                expected=expected,
                telegram_id=telegram_id,
            )

    refused = await assign(888)
    assert (refused.refusal, refused.detail) == (Refusal.invalid, "unknown_member")
    refused = await assign(777, chat_id=G5_CHAT)
    assert refused.refusal == Refusal.wrong_chat
    refused = await assign(777, expected="accepted")
    assert refused.refusal == Refusal.moved_on
    assert (await complaint(database, complaint_id)).assignee_telegram_id is None
    assert (await assign(777)).ok
    again = await assign(777)
    assert again.refusal == Refusal.nothing_to_do
    stored = await complaint(database, complaint_id)
    assert (stored.assignee_telegram_id, stored.assignee_name) == (777, "李 四")
    async with database.transaction() as session:
        mine = await members.assigned(session=session, group_id=g3, telegram_id=777)
        nobody = await members.assigned(session=session, group_id=g3, telegram_id=501)
    assert [v.number for v in mine] == [filed.number] and nobody == []
    assert mine[0].assignee_name == "李 四"


async def test_two_assigns_racing_past_the_check_make_one_change(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both transactions read "nobody" before either writes: the guarded UPDATE decides."""
    if database.is_sqlite:
        pytest.skip("SQLite runs one writing transaction at a time: no two can interleave")
    world = await example_world(database)
    g3 = world.groups["g3"].id
    assert g3 is not None
    filed = await file(database, 1001)
    complaint_id = filed.id
    assert complaint_id is not None
    async with database.transaction() as session:
        await members.seen(session=session, group_id=g3, telegram_id=777, name="李四", now=NOW)
    barrier = asyncio.Barrier(2)
    real_claim = assigning.claim

    async def claim_after_both_checked(*args: Any) -> bool:
        await asyncio.wait_for(barrier.wait(), timeout=10)
        return await real_claim(*args)

    monkeypatch.setattr(assigning, "claim", claim_after_both_checked)

    async def press() -> Outcome:
        async with database.transaction() as session:
            return await workflow.assign(
                session=session,
                complaint_id=complaint_id,
                chat_id=G3_CHAT,
                actor=INSPECTOR,
                now=LATER,
                expected="new",
                telegram_id=777,
            )

    outcomes = await asyncio.gather(press(), press())
    assert sorted(o.refusal or "ok" for o in outcomes) == ["nothing_to_do", "ok"]
    assert [e.action for e in await events(database, complaint_id)].count("assigned") == 1
