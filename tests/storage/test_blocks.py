"""屏蔽 in storage: a block through a complaint, its refusals, the once-a-day notice, expiry,
lifting it, and the record (both backends)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import col, select

from storage import blocks
from storage.blocks import BlockOutcome
from storage.db import Database
from storage.models import ResidentBlock
from storage.workflow import Actor
from tests.helpers.factories import G3_CHAT, G5_CHAT, NOW, events, example_world, file

INSPECTOR = Actor("inspector", 501, "李组长")
OPERATOR = Actor("operator", None, "operator")


async def _block(
    database: Database, complaint_id: int, *, chat_id: int | None = G3_CHAT, days: int = 7
) -> BlockOutcome:
    """Block the complaint's resident from a chat, now."""
    async with database.transaction() as session:
        return await blocks.block(
            session=session,
            complaint_id=complaint_id,
            chat_id=chat_id,
            actor=INSPECTOR,
            reason="辱骂工作人员",
            days=days,
            now=NOW,
        )


async def test_block_refusals_notice_expiry_and_lift(database: Database) -> None:
    await example_world(database)
    filed = await file(database, 1001, anonymous=True)
    other = await file(database, 1001, anonymous=True, description="路灯坏了，晚上看不见。")
    assert filed.id is not None and other.id is not None and filed.resident_id is not None

    # From a chat that does not own the complaint, or with a duration not offered: nothing.
    assert (await _block(database, filed.id, chat_id=G5_CHAT)).refusal == "wrong_chat"
    assert (await _block(database, filed.id, days=3)).refusal == "duration"
    assert (await _block(database, 999_999)).refusal == "not_found"
    async with database.transaction() as session:
        empty = await blocks.block(
            session=session,
            complaint_id=filed.id,
            chat_id=G3_CHAT,
            actor=INSPECTOR,
            reason=" \u200b ",
            days=7,
            now=NOW,
        )
    assert empty.refusal == "empty"

    done = await _block(database, filed.id)
    assert done.ok and done.number == filed.number
    # Twice, or through another complaint of the same resident: already blocked.
    assert (await _block(database, filed.id)).refusal == "already"
    assert (await _block(database, other.id)).refusal == "already"

    # Told once a day.
    assert filed.resident_id is not None

    async def barrier(at: timedelta) -> blocks.Barrier | None:
        assert filed.resident_id is not None
        async with database.transaction() as session:
            return await blocks.barrier(
                session=session, resident_id=filed.resident_id, now=NOW + at
            )

    first = await barrier(timedelta(minutes=1))
    assert first is not None and first.notify and "巡察办" in first.contact
    second = await barrier(timedelta(hours=5))
    assert second is not None and not second.notify
    third = await barrier(timedelta(hours=25))
    assert third is not None and third.notify
    # Seven days on, the block has run out.
    assert await barrier(timedelta(days=7, seconds=1)) is None
    async with database.transaction() as session:
        lifted = await blocks.unblock_number(
            session=session,
            number=filed.number,
            actor=OPERATOR,
            now=NOW + timedelta(days=8),
            reason=None,
        )
    assert lifted.refusal == "not_blocked"

    # Blocked again for good; lifted from the command line with a reason.
    async with database.transaction() as session:
        again = await blocks.block(
            session=session,
            complaint_id=other.id,
            chat_id=G3_CHAT,
            actor=INSPECTOR,
            reason="刷屏",
            days=0,
            now=NOW + timedelta(days=8),
        )
    assert again.ok and again.block is not None and again.block.until is None
    later = NOW + timedelta(days=400)
    assert await barrier(timedelta(days=400)) is not None
    async with database.transaction() as session:
        listed = await blocks.listing(session=session, now=later)
        assert [line.number for line in listed] == [other.number]
        lifted = await blocks.unblock_number(
            session=session,
            number=other.number.lower(),
            actor=OPERATOR,
            now=later,
            reason="误操作",
        )
    assert lifted.ok
    assert await barrier(timedelta(days=401)) is None
    async with database.transaction() as session:
        record = (await session.exec(select(ResidentBlock).order_by(col(ResidentBlock.id)))).all()
        whole = await blocks.listing(session=session, now=later, everything=True)
    assert [(r.reason, r.blocked_by_name, r.lifted_by_kind, r.lift_reason) for r in record] == [
        ("辱骂工作人员", "李组长", None, None),
        ("刷屏", "李组长", "operator", "误操作"),
    ]
    assert len(whole) == 2
    timeline = [(e.action, e.public, e.note) for e in await events(database, other.id)]
    assert ("blocked", False, "刷屏") in timeline
    assert ("unblocked", False, "误操作") in timeline


async def test_unblock_from_the_group_chat_only(database: Database) -> None:
    await example_world(database)
    filed = await file(database, 1002)
    assert filed.id is not None
    done = await _block(database, filed.id, days=30)
    assert done.block is not None and done.block.id is not None
    block_id = done.block.id

    async def unblock(chat_id: int) -> BlockOutcome:
        async with database.transaction() as session:
            return await blocks.unblock(
                session=session, block_id=block_id, chat_id=chat_id, actor=INSPECTOR, now=NOW
            )

    assert (await unblock(G5_CHAT)).refusal == "wrong_chat"
    assert (await unblock(G3_CHAT)).ok
    assert (await unblock(G3_CHAT)).refusal == "not_blocked"


async def test_two_blocks_at_once_make_one(database: Database) -> None:
    await example_world(database)
    filed = await file(database, 1003)
    assert filed.id is not None
    complaint_id = filed.id
    outcomes = await asyncio.gather(*(_block(database, complaint_id) for _ in range(2)))
    assert sorted(str(o.refusal) for o in outcomes) == ["None", "already"]
