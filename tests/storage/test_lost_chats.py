"""Linked chats the bot was removed from: their rows wait (the sender skips them), the office is
told once, and when the bot is back the open complaints' cards are there (issue 9 item 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from storage import links, lost_chats, outbox
from storage.db import Database
from storage.models import CardMessage, Complaint, OutboxMessage, Round
from storage.notices import NoticeKind
from storage.outbox import CARD, NOTICE
from tests.helpers.factories import (
    G3_CHAT,
    NOW,
    OFFICE_CHAT,
    World,
    example_world,
    file,
    outbox_rows,
)

LATER = NOW + timedelta(minutes=5)
NEW_CHAT = -100_999


@pytest.fixture
async def world(database: Database) -> World:
    """The example round with g3, g5, two departments and the office linked."""
    found = await example_world(database)
    async with database.transaction() as session:
        round_ = await session.get(Round, found.round_id)
        assert round_ is not None
        round_.office_chat_id = OFFICE_CHAT
        session.add(round_)
    return found


async def lose(world: World, chat_id: int = G3_CHAT) -> lost_chats.Change:
    async with world.database.transaction() as session:
        return await lost_chats.mark_lost(session=session, chat_id=chat_id, now=NOW)


async def due(world: World) -> list[int]:
    async with world.database.transaction() as session:
        return await outbox.due_chats(session=session, now=LATER)


async def office_notices(world: World) -> list[str]:
    return [
        str(row.payload["notice"]) + ":" + str(row.payload["name"])
        for row in await outbox_rows(world.database)
        if row.chat_id == OFFICE_CHAT and row.kind == NOTICE
    ]


async def mark_all_sent(world: World) -> None:
    """The sender delivered everything (cards got message ids)."""
    async with world.database.transaction() as session:
        for row in (await session.exec(select(OutboxMessage))).all():
            row.status, row.sent_at = "sent", NOW
            session.add(row)
        for card in (await session.exec(select(CardMessage))).all():
            card.message_id = card.message_id or 900
            session.add(card)


async def test_a_lost_chat_is_skipped_and_the_office_told_once(world: World) -> None:
    filed = await file(world.database, 1001)
    assert G3_CHAT in await due(world)

    change = await lose(world)
    assert change.linked and [c.name for c in change.changed] == ["第三巡察组"]
    assert (await lose(world)).changed == [], "told once"
    assert G3_CHAT not in await due(world), "its rows wait, untried"
    assert OFFICE_CHAT in await due(world)
    assert await office_notices(world) == [f"{NoticeKind.chat_lost}:第三巡察组"]
    rows = [r for r in await outbox_rows(world.database) if r.complaint_id == filed.id]
    assert rows and {r.status for r in rows} == {"pending"}

    async with world.database.transaction() as session:
        counts = await outbox.counts(session=session)
        (lost,) = await lost_chats.lost_chats(session=session)
    assert counts.waiting == len(rows)
    assert (lost.chat_id, lost.target, lost.round_code) == (G3_CHAT, "group", "WD2023-1")
    assert lost.waiting == len(rows)


async def test_an_unlinked_chat_and_the_office_chat_tell_nobody(world: World) -> None:
    assert not (await lose(world, -123)).linked
    change = await lose(world, OFFICE_CHAT)
    assert change.linked and [c.target for c in change.changed] == ["office"]
    assert await office_notices(world) == [], "only the log says the office lost its chat"


async def test_back_posts_what_is_missing_and_tells_the_office(world: World) -> None:
    earlier = await file(world.database, 1001)
    await mark_all_sent(world)
    await lose(world)
    meanwhile = await file(world.database, 1002)
    async with world.database.transaction() as session:
        change = await lost_chats.mark_back(session=session, chat_id=G3_CHAT, now=LATER)
        assert await lost_chats.lost_chats(session=session) == []
    assert [c.name for c in change.changed] == ["第三巡察组"]
    assert G3_CHAT in await due(world)
    cards = [
        r.complaint_id
        for r in await outbox_rows(world.database)
        if r.chat_id == G3_CHAT and r.kind == CARD and r.status == "pending"
    ]
    # The waiting card goes out once; the card already there is not posted again.
    assert cards == [meanwhile.id]
    assert earlier.id not in cards
    assert await office_notices(world) == [
        f"{NoticeKind.chat_lost}:第三巡察组",
        f"{NoticeKind.chat_back}:第三巡察组",
    ]


async def test_a_card_whose_row_was_dropped_is_posted_when_the_bot_is_back(world: World) -> None:
    filed = await file(world.database, 1001)
    await lose(world)
    async with world.database.transaction() as session:
        # As a 403 did before: the card's row failed for good, the card never went out.
        await outbox.drop_pending(session=session, chat_id=G3_CHAT, now=NOW, reason="403")
        await lost_chats.mark_back(session=session, chat_id=G3_CHAT, now=LATER)
    pending = [
        r.complaint_id
        for r in await outbox_rows(world.database)
        if r.chat_id == G3_CHAT and r.kind == CARD and r.status == "pending"
    ]
    assert pending == [filed.id]


async def test_a_new_chat_linked_is_no_longer_lost(world: World) -> None:
    filed = await file(world.database, 1001)
    await lose(world)
    async with world.database.transaction() as session:
        code = await links.issue_code(
            session=session, target="group", round_code=None, code="g3", now=NOW
        )
        linked = await links.redeem(session=session, code=code.code, chat_id=NEW_CHAT, now=LATER)
        assert linked is not None
        assert await lost_chats.lost_chats(session=session) == []
        complaint = await session.get(Complaint, filed.id)
        assert complaint is not None
        card = await session.get(CardMessage, complaint.group_card_id)
        assert card is not None and card.chat_id == NEW_CHAT
    assert NEW_CHAT in await due(world)
    assert await office_notices(world) == [
        f"{NoticeKind.chat_lost}:第三巡察组",
        f"{NoticeKind.chat_back}:第三巡察组",
    ]
