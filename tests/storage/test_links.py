"""Link codes: issue, redeem once within 24 hours, move a group, unlink, and what a chat serves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import links, workflow
from storage.db import Database
from storage.links import ALPHABET, ChatRole, LinkError, LinkResult
from storage.models import (
    CardMessage,
    Department,
    InspectionGroup,
    LinkCode,
    OutboxMessage,
    Round,
)
from storage.outbox import ATTACHMENTS, CARD, DEPARTMENT_CARD
from storage.roster import load_roster
from storage.workflow import Actor
from tests.helpers.factories import NOW, World, complaint, example_world, file, outbox_rows

CHAT_A = -100_111
CHAT_B = -100_222
ROUND_NAME = "卫东区委2023年第一轮巡察"

# A second round with a group g3 too (other villages, so the dates may overlap).
SECOND_ROUND = """
round:
  code: WD2023-2
  name: 第二轮
  starts_on: {starts_on}
  ends_on: 2023-06-30
  timezone: Asia/Shanghai
groups:
  - code: g3
    name: 第二轮第三组
    villages:
      - {{code: other, name: 另一村, township: 另一街道}}
departments:
  - {{code: water, name: 区水利局二}}
"""


@pytest.fixture
async def world(database: Database) -> World:
    """The example round, no chat linked yet."""
    return await example_world(database, link=False)


async def issue(
    world: World, target: str, code: str | None = None, round_code: str | None = None
) -> LinkCode:
    """Issue a code at NOW."""
    async with world.database.transaction() as session:
        return await links.issue_code(
            session=session, target=target, round_code=round_code, code=code, now=NOW
        )


async def redeem(
    world: World, code: str, chat_id: int, *, late: timedelta = timedelta(0)
) -> LinkResult | None:
    """Send /link CODE in a chat, `late` after the code was issued."""
    async with world.database.transaction() as session:
        return await links.redeem(session=session, code=code, chat_id=chat_id, now=NOW + late)


async def role(world: World, chat_id: int) -> ChatRole | None:
    """What a chat serves."""
    async with world.database.transaction() as session:
        return await links.chat_role(session=session, chat_id=chat_id)


async def group_chat(world: World, code: str = "g3") -> int | None:
    """A group's linked chat."""
    async with world.database.transaction() as session:
        row = (
            await session.exec(select(InspectionGroup).where(InspectionGroup.code == code))
        ).first()
        assert row is not None
        return row.chat_id


async def test_a_code_is_eight_unambiguous_characters_valid_for_a_day(world: World) -> None:
    link = await issue(world, "group", "g3")
    assert len(link.code) == 8 and set(link.code) <= set(ALPHABET)
    assert not set("01OIL") & set(ALPHABET)
    assert (link.target, link.target_id) == ("group", world.groups["g3"].id)
    assert link.expires_at == NOW + timedelta(hours=24)
    assert link.used_at is None
    codes = {(await issue(world, "group", "g3")).code for _ in range(5)}
    assert len(codes | {link.code}) == 6


async def test_what_cannot_be_issued(world: World) -> None:
    for target, code, round_code, words in (
        ("group", "g9", None, "no group with code 'g9'"),
        ("group", "g3", "NOPE", "no round with code 'NOPE'"),
        ("department", "police", "WD2023-1", "no department with code 'police'"),
        ("group", None, None, "a group code is needed"),
        ("office", None, None, "--office needs the round's code"),
        ("office", None, "NOPE", "no round with code 'NOPE'"),
        ("chat", "g3", None, "unknown link target"),
    ):
        with pytest.raises(LinkError, match=words):
            await issue(world, target, code, round_code)


async def test_the_latest_round_with_the_code_is_the_default(world: World) -> None:
    async with world.database.transaction() as session:
        await load_roster(
            session=session, text=SECOND_ROUND.format(starts_on="2023-05-01"), source="r2.yaml"
        )
        second = (
            await session.exec(
                select(InspectionGroup).where(InspectionGroup.name == "第二轮第三组")
            )
        ).one()
    assert (await issue(world, "group", "g3")).target_id == second.id
    first = await issue(world, "group", "g3", round_code="WD2023-1")
    assert first.target_id == world.groups["g3"].id
    department = await issue(world, "department", "water", round_code="WD2023-1")
    assert department.target_id == world.department_id("water")


async def test_two_rounds_starting_the_same_day_are_ambiguous(world: World) -> None:
    async with world.database.transaction() as session:
        await load_roster(
            session=session, text=SECOND_ROUND.format(starts_on="2023-02-27"), source="r2.yaml"
        )
    with pytest.raises(LinkError, match="several rounds"):
        await issue(world, "group", "g3")
    assert (await issue(world, "group", "g3", round_code="WD2023-2")).target_id is not None


async def test_redeem_links_the_group_once(world: World) -> None:
    link = await issue(world, "group", "g3")
    # As typed: lower case and spaces are fine.
    typed = f" {link.code[:4].lower()} {link.code[4:]} "
    result = await redeem(world, typed, CHAT_A, late=timedelta(hours=23, minutes=59))
    assert result == LinkResult("group", "第三巡察组", "WD2023-1", ROUND_NAME, None)
    assert await group_chat(world) == CHAT_A
    async with world.database.transaction() as session:
        used = (await session.exec(select(LinkCode).where(LinkCode.code == link.code))).one()
    assert used.used_chat_id == CHAT_A and used.used_at is not None
    assert await redeem(world, link.code, CHAT_B) is None
    assert await group_chat(world) == CHAT_A
    assert await role(world, CHAT_A) == ChatRole(
        "group", world.round_id, world.groups["g3"].id, None, "第三巡察组", "Asia/Shanghai"
    )


async def test_unknown_and_expired_codes_link_nothing(world: World) -> None:
    assert await redeem(world, "ABCDEFGH", CHAT_A) is None
    link = await issue(world, "group", "g3")
    assert await redeem(world, link.code, CHAT_A, late=timedelta(hours=24)) is None
    assert await group_chat(world) is None
    assert await role(world, CHAT_A) is None


async def test_linking_another_chat_moves_the_group(world: World) -> None:
    first = await issue(world, "group", "g3")
    assert await redeem(world, first.code, CHAT_A) is not None
    cid = (await file(world.database, 1001)).id
    assert cid is not None
    # A card waiting for the old chat is not sent there once the group has moved.
    second = await issue(world, "group", "g3")
    result = await redeem(world, second.code, CHAT_B)
    assert result is not None and result.previous_chat_id == CHAT_A
    assert await group_chat(world) == CHAT_B
    assert await role(world, CHAT_A) is None
    rows = await outbox_rows(world.database)
    old = [row for row in rows if row.chat_id == CHAT_A]
    assert old and all(row.status == "failed" for row in old)
    assert all(row.last_error == links.UNLINKED for row in old)
    # The open complaint gets a new card (and its location) in the new chat.
    new = [(row.kind, row.status) for row in rows if row.chat_id == CHAT_B]
    assert new == [(CARD, "pending"), (ATTACHMENTS, "pending")]
    row = await complaint(world.database, cid)
    async with world.database.transaction() as session:
        card = await session.get(CardMessage, row.group_card_id)
    assert card is not None and (card.chat_id, card.message_id) == (CHAT_B, None)
    # Linking the same chat again changes nothing and names no previous chat.
    again = await redeem(world, (await issue(world, "group", "g3")).code, CHAT_B)
    assert again is not None and again.previous_chat_id is None
    assert [r.chat_id for r in await outbox_rows(world.database)].count(CHAT_B) == 2


async def test_complaints_filed_before_linking_get_cards(world: World) -> None:
    open_ = (await file(world.database, 1001, latitude=None, longitude=None)).id
    with_location = (await file(world.database, 1002)).id
    closed = (await file(world.database, 1003)).id
    elsewhere = (await file(world.database, 1004, village="youyue")).id
    assert None not in (open_, with_location, closed, elsewhere)
    async with world.database.transaction() as session:
        row = await session.get(InspectionGroup, world.groups["g3"].id)
        assert row is not None
        row.chat_id = CHAT_B  # briefly, to reject one complaint from it
    assert closed is not None
    rejected = await _in_transaction(
        world,
        lambda session: workflow.reject(
            session=session,
            complaint_id=closed,
            chat_id=CHAT_B,
            expected="new",
            reason="不属于范围",
            actor=Actor("inspector", 1, "x"),
            now=NOW,
        ),
    )
    assert rejected.ok
    async with world.database.transaction() as session:
        row = await session.get(InspectionGroup, world.groups["g3"].id)
        assert row is not None
        row.chat_id = None
    mark = max(r.id or 0 for r in await outbox_rows(world.database))
    assert await redeem(world, (await issue(world, "group", "g3")).code, CHAT_A) is not None
    rows = await outbox_rows(world.database, after=mark)
    assert [(r.kind, r.complaint_id) for r in rows] == [
        (CARD, open_),
        (CARD, with_location),
        (ATTACHMENTS, with_location),
    ]
    assert all(r.chat_id == CHAT_A for r in rows)


async def _in_transaction(
    world: World, call: Callable[[AsyncSession], Awaitable[workflow.Outcome]]
) -> workflow.Outcome:
    """Run a workflow call in a transaction of its own."""
    async with world.database.transaction() as session:
        return await call(session)


async def test_a_chat_serves_one_thing(world: World) -> None:
    assert await redeem(world, (await issue(world, "group", "g3")).code, CHAT_A)
    await file(world.database, 1001)  # its card waits to be sent to CHAT_A
    department = await issue(world, "department", "water")
    result = await redeem(world, department.code, CHAT_A)
    assert result == LinkResult("department", "区水利局", "WD2023-1", ROUND_NAME, None)
    assert await group_chat(world) is None
    found = await role(world, CHAT_A)
    assert found is not None
    assert (found.kind, found.department_id, found.group_id) == (
        "department",
        world.department_id("water"),
        None,
    )
    # The group's card is not posted into what is now the water bureau's chat.
    rows = await outbox_rows(world.database)
    assert [(r.kind, r.status) for r in rows] == [(CARD, "failed"), (ATTACHMENTS, "failed")]


async def test_the_office_of_a_round(world: World) -> None:
    link = await issue(world, "office", round_code="WD2023-1")
    assert (link.target, link.target_id) == ("office", world.round_id)
    result = await redeem(world, link.code, CHAT_A)
    assert result == LinkResult("office", ROUND_NAME, "WD2023-1", ROUND_NAME, None)
    async with world.database.transaction() as session:
        round_ = (await session.exec(select(Round))).one()
    assert round_.office_chat_id == CHAT_A
    assert await role(world, CHAT_A) == ChatRole(
        "office", world.round_id, None, None, ROUND_NAME, "Asia/Shanghai"
    )


async def test_linking_a_department_shows_it_what_is_handed_off_to_it(world: World) -> None:
    assert await redeem(world, (await issue(world, "group", "g3")).code, CHAT_A)
    cid = (await file(world.database, 1001)).id
    assert cid is not None
    handed = await _in_transaction(
        world,
        lambda session: workflow.hand_off(
            session=session,
            complaint_id=cid,
            chat_id=CHAT_A,
            expected="new",
            department_id=world.department_id("water"),
            due_on=NOW.date() + timedelta(days=3),
            actor=Actor("inspector", 1, "x"),
            now=NOW,
        ),
    )
    assert handed.ok
    assert (await complaint(world.database, cid)).department_card_id is None
    mark = max(r.id or 0 for r in await outbox_rows(world.database))
    assert await redeem(world, (await issue(world, "department", "water")).code, CHAT_B)
    rows = await outbox_rows(world.database, after=mark)
    assert [(r.kind, r.chat_id, r.complaint_id) for r in rows] == [(DEPARTMENT_CARD, CHAT_B, cid)]
    row = await complaint(world.database, cid)
    async with world.database.transaction() as session:
        card = await session.get(CardMessage, row.department_card_id)
    assert card is not None and (card.chat_id, card.kind) == (CHAT_B, "department")


async def test_unlink(world: World) -> None:
    assert await redeem(world, (await issue(world, "group", "g3")).code, CHAT_A)
    await file(world.database, 1001)
    async with world.database.transaction() as session:
        result = await links.unlink(session=session, chat_id=CHAT_A, now=NOW)
    assert result == LinkResult("group", "第三巡察组", "WD2023-1", ROUND_NAME, CHAT_A)
    assert await group_chat(world) is None
    assert await role(world, CHAT_A) is None
    async with world.database.transaction() as session:
        assert await links.unlink(session=session, chat_id=CHAT_A) is None
        pending = (
            await session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.chat_id == CHAT_A, OutboxMessage.status == "pending"
                )
            )
        ).all()
    assert pending == []
    # Nothing is posted while the group is unlinked.
    before = len(await outbox_rows(world.database))
    await file(world.database, 1002)
    assert len(await outbox_rows(world.database)) == before


async def test_unlinking_a_department_and_an_office(world: World) -> None:
    assert await redeem(world, (await issue(world, "department", "discipline")).code, CHAT_A)
    assert await redeem(world, (await issue(world, "office", round_code="WD2023-1")).code, CHAT_B)
    async with world.database.transaction() as session:
        department = await links.unlink(session=session, chat_id=CHAT_A)
        office = await links.unlink(session=session, chat_id=CHAT_B)
        rows = (await session.exec(select(Department).order_by(col(Department.id)))).all()
        round_ = (await session.exec(select(Round))).one()
    assert department is not None and department.target == "department"
    assert office is not None and office.target == "office"
    assert all(row.chat_id is None for row in rows)
    assert round_.office_chat_id is None


async def _mark_sent(world: World, kinds: tuple[str, ...], message_id: int = 500) -> None:
    """The sender sent the pending rows of these kinds, and their cards got message ids."""
    async with world.database.transaction() as session:
        for row in (await session.exec(select(OutboxMessage))).all():
            if row.status == "pending" and row.kind in kinds:
                row.status = "sent"
        for card in (await session.exec(select(CardMessage))).all():
            card.message_id = message_id


async def test_relinking_the_same_chat_posts_cards_that_never_went_out(world: World) -> None:
    assert await redeem(world, (await issue(world, "group", "g3")).code, CHAT_A)
    cid = (await file(world.database, 1001)).id  # card and attachments queued, not sent
    async with world.database.transaction() as session:
        assert await links.unlink(session=session, chat_id=CHAT_A, now=NOW)
    mark = max(r.id or 0 for r in await outbox_rows(world.database))
    assert await redeem(world, (await issue(world, "group", "g3")).code, CHAT_A)
    rows = await outbox_rows(world.database, after=mark)
    assert [(r.kind, r.chat_id, r.complaint_id) for r in rows] == [
        (CARD, CHAT_A, cid),
        (ATTACHMENTS, CHAT_A, cid),
    ]


async def test_relinking_the_same_chat_refreshes_cards_already_there(world: World) -> None:
    assert await redeem(world, (await issue(world, "group", "g3")).code, CHAT_A)
    sent = (await file(world.database, 1001)).id
    await _mark_sent(world, (CARD, ATTACHMENTS))
    async with world.database.transaction() as session:
        assert await links.unlink(session=session, chat_id=CHAT_A, now=NOW)
    mark = max(r.id or 0 for r in await outbox_rows(world.database))
    assert await redeem(world, (await issue(world, "group", "g3")).code, CHAT_A)
    rows = await outbox_rows(world.database, after=mark)
    # The card is edited in place; its attachments went out already.
    assert [(r.kind, r.chat_id, r.complaint_id) for r in rows] == [(CARD, CHAT_A, sent)]


async def test_relinking_sends_attachments_that_were_dropped(world: World) -> None:
    assert await redeem(world, (await issue(world, "group", "g3")).code, CHAT_A)
    cid = (await file(world.database, 1001)).id
    await _mark_sent(world, (CARD,))  # the card went out, its attachments did not
    async with world.database.transaction() as session:
        assert await links.unlink(session=session, chat_id=CHAT_A, now=NOW)
    mark = max(r.id or 0 for r in await outbox_rows(world.database))
    assert await redeem(world, (await issue(world, "group", "g3")).code, CHAT_A)
    rows = await outbox_rows(world.database, after=mark)
    assert [(r.kind, r.complaint_id) for r in rows] == [(CARD, cid), (ATTACHMENTS, cid)]
