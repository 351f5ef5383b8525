"""A linked group chat upgraded to a supergroup: links.migrate_chat moves what is keyed by the
old chat id to the new one, once, whichever side of the upgrade is seen first."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import col, select

from handlers.calls import readdress
from storage import links, outbox, workflow
from storage.db import Database
from storage.links import ChatMigration
from storage.models import CardMessage, Complaint, OutboxMessage, Prompt, Round
from storage.outbox import API, ATTACHMENTS, CARD, DEPARTMENT_CARD
from storage.workflow import Actor
from tests.helpers.factories import (
    G3_CHAT,
    NOW,
    OFFICE_CHAT,
    WATER_CHAT,
    World,
    act,
    example_world,
    file,
    outbox_rows,
)

SUPERGROUP = -1_002_000_000_777
INSPECTOR = Actor("inspector", 42, "王组长")


@pytest.fixture
async def world(database: Database) -> World:
    """The example round with g3, g5 and the water bureau linked."""
    return await example_world(database)


async def migrate(world: World, old: int = G3_CHAT, new: int = SUPERGROUP) -> ChatMigration:
    async with world.database.transaction() as session:
        return await links.migrate_chat(
            session=session,
            old_chat_id=old,
            new_chat_id=new,
            now=NOW + timedelta(minutes=5),
            readdress=readdress,
        )


async def reject(world: World, complaint_id: int) -> None:
    """The g3 inspector rejects a new complaint."""
    await act(
        world,
        workflow.reject,
        complaint_id,
        actor=INSPECTOR,
        now=NOW,
        expected="new",
        reason="不属于巡察范围",
    )


async def role_kind(world: World, chat_id: int) -> str | None:
    async with world.database.transaction() as session:
        role = await links.chat_role(session=session, chat_id=chat_id)
    return role.kind if role is not None else None


async def card_of(world: World, complaint_id: int, *, department: bool = False) -> CardMessage:
    async with world.database.transaction() as session:
        complaint = await session.get(Complaint, complaint_id)
        assert complaint is not None
        card_id = complaint.department_card_id if department else complaint.group_card_id
        card = await session.get(CardMessage, card_id)
    assert card is not None
    return card


async def mark_sent(world: World, *, message_id: int = 900) -> None:
    """The sender delivered everything pending, and every card got a message id."""
    async with world.database.transaction() as session:
        for row in (await session.exec(select(OutboxMessage))).all():
            if row.status == "pending":
                row.status, row.sent_at = "sent", NOW
                session.add(row)
        for card in (await session.exec(select(CardMessage))).all():
            if card.message_id is None:
                card.message_id = message_id
                session.add(card)


async def queue_call(world: World, chat_id: int, method: str, **params: object) -> None:
    async with world.database.transaction() as session:
        outbox.enqueue_call(
            session=session,
            chat_id=chat_id,
            method=method,
            params={"chat_id": chat_id, **params},
            now=NOW,
        )


async def pending(world: World, chat_id: int) -> list[OutboxMessage]:
    return [
        r
        for r in await outbox_rows(world.database)
        if r.chat_id == chat_id and r.status == "pending"
    ]


async def test_everything_on_its_way_moves_with_the_chat(world: World) -> None:
    filed = await file(world.database, 1001)  # card and location queued, not sent yet
    assert filed.id is not None
    unsent = await card_of(world, filed.id)
    await queue_call(
        world, G3_CHAT, "sendMessage", text="答复", reply_parameters={"message_id": 5}
    )
    await queue_call(world, G3_CHAT, "editMessageReplyMarkup", message_id=5)
    async with world.database.transaction() as session:
        await workflow.open_prompt(
            session=session,
            chat_id=G3_CHAT,
            user_id=42,
            complaint_id=filed.id,
            action="note",
            details={"number": filed.number},
            now=NOW,
        )

    result = await migrate(world)

    assert result.moved is not None and result.moved.target == "group"
    assert result.moved.previous_chat_id == G3_CHAT
    assert (result.rows.moved, result.rows.dropped) == (3, 1)
    assert await role_kind(world, G3_CHAT) is None
    assert await role_kind(world, SUPERGROUP) == "group"
    rows = await outbox_rows(world.database)
    assert [(r.kind, r.chat_id, r.status) for r in rows] == [
        (CARD, SUPERGROUP, "pending"),
        (ATTACHMENTS, SUPERGROUP, "pending"),
        (API, SUPERGROUP, "pending"),
        (API, G3_CHAT, "failed"),
    ], "the card and location are not queued twice"
    # A ready call goes to the new id, as a plain message: message ids stay with the old chat.
    assert rows[2].payload["params"] == {"chat_id": SUPERGROUP, "text": "答复"}
    assert rows[3].last_error == outbox.IN_OLD_CHAT
    # The card that never went out is the same card, now in the new chat.
    moved = await card_of(world, filed.id)
    assert (moved.id, moved.chat_id, moved.message_id) == (unsent.id, SUPERGROUP, None)
    async with world.database.transaction() as session:
        prompts = (await session.exec(select(Prompt))).all()
    assert [(p.chat_id, p.user_id) for p in prompts] == [(SUPERGROUP, 42)]


async def test_a_second_call_and_the_other_direction_change_nothing(world: World) -> None:
    filed = await file(world.database, 1001)
    assert filed.id is not None
    await mark_sent(world)
    first = await migrate(world)
    assert first.moved is not None and first.cards == 1
    before = [(r.id, r.chat_id, r.status) for r in await outbox_rows(world.database)]
    card = await card_of(world, filed.id)

    again = await migrate(world)

    assert again.moved is None and again.cards == 0
    assert (again.rows.moved, again.rows.dropped) == (0, 0)
    assert [(r.id, r.chat_id, r.status) for r in await outbox_rows(world.database)] == before
    assert (await card_of(world, filed.id)).id == card.id
    assert await role_kind(world, SUPERGROUP) == "group"
    # Even once the fresh card is out, nothing is posted again.
    await mark_sent(world, message_id=1)
    mark = max(r.id or 0 for r in await outbox_rows(world.database))
    assert (await migrate(world)).cards == 0
    assert await outbox_rows(world.database, after=mark) == []


async def test_open_complaints_get_fresh_cards_in_the_new_chat(world: World) -> None:
    open_ = await file(world.database, 1001)
    rejected = await file(world.database, 1002)
    assert open_.id is not None and rejected.id is not None
    await reject(world, rejected.id)
    await mark_sent(world)  # both cards and their locations are in the old chat
    old_card = await card_of(world, open_.id)
    mark = max(r.id or 0 for r in await outbox_rows(world.database))

    result = await migrate(world)

    assert result.cards == 1
    rows = await outbox_rows(world.database, after=mark)
    assert [(r.kind, r.chat_id, r.complaint_id) for r in rows] == [
        (CARD, SUPERGROUP, open_.id),
        (ATTACHMENTS, SUPERGROUP, open_.id),
    ], "only the open complaint, with its location under the fresh card"
    fresh = await card_of(world, open_.id)
    assert fresh.id != old_card.id and (fresh.chat_id, fresh.message_id) == (SUPERGROUP, None)
    # The old card is left as the old chat's history; the closed one stays there too.
    async with world.database.transaction() as session:
        kept = await session.get(CardMessage, old_card.id)
    assert kept is not None and (kept.chat_id, kept.message_id) == (G3_CHAT, 900)
    assert (await card_of(world, rejected.id)).chat_id == G3_CHAT


async def test_a_refresh_on_its_way_gets_a_fresh_card(world: World) -> None:
    filed = await file(world.database, 1001, latitude=None, longitude=None)
    assert filed.id is not None
    await mark_sent(world)
    await reject(world, filed.id)  # the card's edit is queued for the old chat
    result = await migrate(world)
    assert result.cards == 0, "the refresh on its way shows it"
    card_rows = [r for r in await pending(world, SUPERGROUP) if r.kind == CARD]
    assert len(card_rows) == 1
    card = await card_of(world, filed.id)
    assert (card.chat_id, card.message_id) == (SUPERGROUP, None), "sent new, not an edit"


async def test_a_department_chat_keeps_its_hand_offs(world: World) -> None:
    filed = await file(world.database, 1001)
    assert filed.id is not None
    await act(
        world,
        workflow.hand_off,
        filed.id,
        actor=INSPECTOR,
        now=NOW,
        expected="new",
        department_id=world.department_id("water"),
        due_on=NOW.date() + timedelta(days=3),
    )
    await mark_sent(world)
    old_card = await card_of(world, filed.id, department=True)
    assert old_card.chat_id == WATER_CHAT
    mark = max(r.id or 0 for r in await outbox_rows(world.database))

    result = await migrate(world, WATER_CHAT)

    assert result.moved is not None and result.moved.target == "department"
    assert result.cards == 1
    assert await role_kind(world, SUPERGROUP) == "department"
    assert await role_kind(world, G3_CHAT) == "group", "the group's chat is not touched"
    rows = await outbox_rows(world.database, after=mark)
    assert [(r.kind, r.chat_id, r.complaint_id) for r in rows] == [
        (DEPARTMENT_CARD, SUPERGROUP, filed.id)
    ]
    fresh = await card_of(world, filed.id, department=True)
    assert (fresh.chat_id, fresh.kind, fresh.message_id) == (SUPERGROUP, "department", None)
    assert (await migrate(world, WATER_CHAT)).cards == 0


async def test_a_retired_card_keeps_its_buttons_in_the_old_chat(world: World) -> None:
    """A hand-off passed on queues the first department's card losing its buttons: that card
    is a message of the old chat, so the row is dropped; the notice goes unreplied."""
    filed = await file(world.database, 1001)
    assert filed.id is not None
    for expected, department in (("new", "water"), ("handed_off", "discipline")):
        await act(
            world,
            workflow.hand_off,
            filed.id,
            actor=INSPECTOR,
            now=NOW,
            expected=expected,
            department_id=world.department_id(department),
            due_on=NOW.date() + timedelta(days=3),
        )
        if department == "water":
            await mark_sent(world)

    result = await migrate(world, WATER_CHAT)

    rows = [r for r in await outbox_rows(world.database) if r.kind == outbox.CLEAR_BUTTONS]
    assert [(r.chat_id, r.status, r.last_error) for r in rows] == [
        (WATER_CHAT, "failed", outbox.IN_OLD_CHAT)
    ]
    (notice,) = await pending(world, SUPERGROUP)
    assert notice.payload["notice"] == "handed_elsewhere"
    assert notice.payload["reply_to"] is None
    assert result.rows.dropped == 1


async def test_the_office_chat(world: World) -> None:
    async with world.database.transaction() as session:
        round_ = (await session.exec(select(Round))).one()
        round_.office_chat_id = OFFICE_CHAT
        session.add(round_)
        outbox.enqueue_notice(
            session=session,
            chat_id=OFFICE_CHAT,
            kind="weekly",
            payload={"x": 1, "reply_to": 7},
            now=NOW,
        )
    result = await migrate(world, OFFICE_CHAT)
    assert result.moved is not None and result.moved.target == "office"
    assert await role_kind(world, SUPERGROUP) == "office"
    (row,) = await pending(world, SUPERGROUP)
    # Message 7 of the old chat is not message 7 of the new one.
    assert row.kind == outbox.NOTICE
    assert row.payload == {"x": 1, "reply_to": None, "notice": "weekly"}


async def test_a_new_chat_linked_on_its_own_keeps_its_link(world: World) -> None:
    await file(world.database, 1001)  # queued for g3's old chat
    async with world.database.transaction() as session:
        link = await links.issue_code(
            session=session, target="department", round_code=None, code="discipline", now=NOW
        )
    async with world.database.transaction() as session:
        assert await links.redeem(session=session, code=link.code, chat_id=SUPERGROUP, now=NOW)
        await workflow.open_prompt(
            session=session,
            chat_id=G3_CHAT,
            user_id=42,
            complaint_id=1,
            action="note",
            details={},
            now=NOW,
        )

    result = await migrate(world)

    assert result.moved is None and result.rows.dropped == 2
    assert await role_kind(world, SUPERGROUP) == "department"
    assert await role_kind(world, G3_CHAT) is None
    old = [r for r in await outbox_rows(world.database) if r.chat_id == G3_CHAT]
    assert [(r.status, r.last_error) for r in old] == [("failed", outbox.OLD_ROLE)] * 2
    assert await pending(world, SUPERGROUP) == [], "g3's card never reaches that chat"
    async with world.database.transaction() as session:
        assert (await session.exec(select(Prompt))).all() == []


async def test_an_unlinked_chat_moves_only_its_answers(world: World) -> None:
    stranger = -4242
    await queue_call(world, stranger, "sendMessage", text="/help 的回答")
    result = await migrate(world, stranger)
    assert result.moved is None and result.rows.moved == 1
    (row,) = await pending(world, SUPERGROUP)
    assert row.payload["params"]["chat_id"] == SUPERGROUP
    assert await role_kind(world, SUPERGROUP) is None


async def test_prompts_do_not_collide_in_the_new_chat(world: World) -> None:
    filed = await file(world.database, 1001)
    assert filed.id is not None
    async with world.database.transaction() as session:
        for chat_id, user_id, action in (
            (G3_CHAT, 42, "note"),
            (G3_CHAT, 43, "ask"),
            (SUPERGROUP, 42, "resolve"),
        ):
            await workflow.open_prompt(
                session=session,
                chat_id=chat_id,
                user_id=user_id,
                complaint_id=filed.id,
                action=action,
                details={},
                now=NOW,
            )
    await migrate(world)
    async with world.database.transaction() as session:
        statement = select(Prompt).order_by(col(Prompt.user_id))
        prompts = [(p.chat_id, p.user_id, p.action) for p in (await session.exec(statement))]
    # The newer prompt in the new chat wins; the other inspector's moves.
    assert prompts == [(SUPERGROUP, 42, "resolve"), (SUPERGROUP, 43, "ask")]


async def test_both_sides_at_once_post_one_fresh_card(world: World) -> None:
    """The service message and the sender's error in two transactions at the same time."""
    filed = await file(world.database, 1001)
    assert filed.id is not None
    await mark_sent(world)
    mark = max(r.id or 0 for r in await outbox_rows(world.database))

    results = await asyncio.gather(migrate(world), migrate(world), migrate(world))

    assert sorted(r.moved is not None for r in results) == [False, False, True]
    rows = await outbox_rows(world.database, after=mark)
    assert [(r.kind, r.chat_id) for r in rows] == [(CARD, SUPERGROUP), (ATTACHMENTS, SUPERGROUP)]
    async with world.database.transaction() as session:
        statement = select(CardMessage).where(CardMessage.chat_id == SUPERGROUP)
        assert len((await session.exec(statement)).all()) == 1


async def test_a_complaint_filed_during_the_move_gets_its_card_in_the_new_chat(
    world: World,
) -> None:
    """The move and a filing at the same time (PostgreSQL: in parallel): the card is queued
    for the new chat, never stranded on the old id."""
    moving, go_on = asyncio.Event(), asyncio.Event()

    async def slow_move() -> None:
        async with world.database.transaction() as session:
            await links.migrate_chat(
                session=session,
                old_chat_id=G3_CHAT,
                new_chat_id=SUPERGROUP,
                now=NOW,
                readdress=readdress,
            )
            moving.set()
            await go_on.wait()

    move = asyncio.create_task(slow_move())
    await moving.wait()
    filing = asyncio.create_task(file(world.database, 1001))
    # Give the filing time to reach the group's row (where it waits for the move).
    await asyncio.sleep(0.3)
    go_on.set()
    await move
    filed = await filing
    cards = [r for r in await outbox_rows(world.database) if r.complaint_id == filed.id]
    assert [(r.kind, r.chat_id, r.status) for r in cards if r.kind == CARD] == [
        (CARD, SUPERGROUP, "pending")
    ]
