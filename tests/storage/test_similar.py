"""Similar complaints in the database: the lookup while filing, the card's likely duplicates,
and joining (加入关注), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from storage import triage, workflow
from storage.db import Database
from storage.models import ComplaintFollower, Draft, DraftStep, Village
from storage.similar import lookup
from storage.similar.lookup import Similar
from storage.workflow import Actor, JoinOutcome
from tests.helpers.factories import NOW, World, act, example_world, file, resident

INSPECTOR = Actor("inspector", 501, "李组长")
WELL = "机井水压太低，浇不了地，已经两个月了。"
# The same well told another way, and another problem of the same category.
SAME_WELL = "俺们村的机井水压不够，地浇不了，都两个月了"
OTHER_WATER = "自来水三天两头停水，一停就是好几天"
LATER = NOW + timedelta(hours=2)


@pytest.fixture
async def world(database: Database) -> World:
    """The example round, g3 and g5 linked."""
    return await example_world(database)


async def draft_of(
    database: Database,
    telegram_id: int,
    text: str,
    *,
    village: str = "xiaodian",
    category: str = "water",
    latitude: float | None = None,
    longitude: float | None = None,
) -> Draft:
    """A resident's draft at its summary."""
    person = await resident(database, telegram_id)
    assert person.id is not None
    async with database.transaction() as session:
        place = (await session.exec(select(Village).where(Village.code == village))).one()
        draft = Draft(
            resident_id=person.id,
            step=DraftStep.confirm,
            village_id=place.id,
            category_code=category,
            description=text,
            latitude=latitude,
            longitude=longitude,
            location_answered=True,
            anonymous=True,
            created_at=LATER,
            updated_at=LATER,
        )
        session.add(draft)
        await session.flush()
        return draft


async def looked_up(world: World, draft: Draft, now: datetime = LATER) -> Similar | None:
    """What the resident with this draft is told (None: nothing alike)."""
    assert draft.village_id is not None
    async with world.database.transaction() as session:
        return await lookup.for_draft(
            session,
            round_id=world.round_id,
            village_id=draft.village_id,
            category_code=draft.category_code,
            text=draft.description,
            latitude=draft.latitude,
            longitude=draft.longitude,
            resident_id=draft.resident_id,
            now=now,
        )


async def join(world: World, draft: Draft, complaint_id: int) -> workflow.Joined:
    """The draft's resident presses 加入关注 on a complaint."""
    assert draft.id is not None
    async with world.database.transaction() as session:
        return await workflow.join(
            session=session,
            resident_id=draft.resident_id,
            draft_id=draft.id,
            complaint_id=complaint_id,
            now=LATER,
        )


async def test_an_open_complaint_like_the_draft_is_found_in_the_village(world: World) -> None:
    first = await file(world.database, 1001, description=WELL)
    await file(world.database, 1002, description=OTHER_WATER)
    found = await looked_up(world, await draft_of(world.database, 1003, SAME_WELL))
    assert found is not None and found.same_village
    assert found.target.complaint_id == first.id and found.residents == 1
    # Another problem of the category, or the same text in another category: nothing.
    assert await looked_up(world, await draft_of(world.database, 1004, "水库大坝有裂缝")) is None
    road = await draft_of(world.database, 1005, SAME_WELL, category="road")
    assert await looked_up(world, road) is None


async def test_near_a_shared_location_in_another_village(world: World) -> None:
    await file(world.database, 1001, description=WELL, latitude=33.7421, longitude=113.3512)
    # 岳家村, 500 m from the well; then 3 km away.
    near = await draft_of(
        world.database, 1002, SAME_WELL, village="yuejia", latitude=33.7445, longitude=113.3550
    )
    found = await looked_up(world, near)
    assert found is not None and not found.same_village
    far = await draft_of(
        world.database, 1003, SAME_WELL, village="yuejia", latitude=33.7700, longitude=113.3600
    )
    assert await looked_up(world, far) is None


async def test_sensitive_closed_old_and_own_complaints_are_never_suggested(world: World) -> None:
    await file(world.database, 1001, description="村支书办事推三阻四", category="conduct")
    conduct = await draft_of(world.database, 1002, "村支书办事推三阻四", category="conduct")
    assert await looked_up(world, conduct) is None
    # The resident's own earlier complaint is not offered to them.
    await file(world.database, 1003, description=WELL)
    assert await looked_up(world, await draft_of(world.database, 1003, SAME_WELL)) is None
    # Older than 30 days: nothing.
    other = await draft_of(world.database, 1004, SAME_WELL)
    assert await looked_up(world, other, now=NOW + timedelta(days=31)) is None
    # Once rejected (not open any more): nothing.
    (target,) = [c for c in await _complaints(world) if c.category_code == "water"]
    await act(
        world,
        workflow.reject,
        target.complaint_id,
        actor=INSPECTOR,
        expected="new",
        reason="不属于巡察范围",
    )
    assert await looked_up(world, other) is None


async def _complaints(world: World) -> list[triage.CardView]:
    """Every complaint of g3 still open, as cards."""
    group_id = world.groups["g3"].id
    assert group_id is not None
    async with world.database.transaction() as session:
        return await triage.open_complaints(session=session, group_id=group_id)


async def test_joining_makes_a_follower_who_hears_the_updates(world: World) -> None:
    first = await file(world.database, 1001, description=WELL)
    assert first.id is not None
    draft = await draft_of(world.database, 1002, SAME_WELL)
    joined = await join(world, draft, first.id)
    assert joined.outcome == JoinOutcome.joined
    async with world.database.transaction() as session:
        assert await session.get(Draft, draft.id) is None
        residents = await triage.complaint_residents(session=session, complaint_id=first.id)
        assert [r.id for r in residents] == [first.resident_id, draft.resident_id]
        card = await triage.card_view(session=session, complaint_id=first.id)
        assert card is not None and card.followers == 1
    # The next one counts the follower too.
    found = await looked_up(world, await draft_of(world.database, 1003, SAME_WELL))
    assert found is not None and found.residents == 2


async def test_joining_a_closed_or_sensitive_complaint_changes_nothing(world: World) -> None:
    first = await file(world.database, 1001, description=WELL)
    clue = await file(world.database, 1002, description=WELL, category="conduct")
    assert first.id is not None and clue.id is not None
    draft = await draft_of(world.database, 1003, SAME_WELL)
    conduct = await draft_of(world.database, 1004, WELL, category="conduct")
    assert (await join(world, conduct, clue.id)).outcome == JoinOutcome.refused
    await act(
        world, workflow.reject, first.id, actor=INSPECTOR, expected="new", reason="不属于巡察范围"
    )
    assert (await join(world, draft, first.id)).outcome == JoinOutcome.closed
    async with world.database.transaction() as session:
        assert (await session.exec(select(ComplaintFollower))).all() == []
        kept = await session.get(Draft, draft.id)
        assert kept is not None and kept.step == DraftStep.confirm
    # A draft no longer at its summary: stale.
    async with world.database.transaction() as session:
        row = await session.get(Draft, draft.id)
        assert row is not None
        row.step = DraftStep.description
    assert (await join(world, draft, first.id)).outcome == JoinOutcome.stale


async def test_the_later_card_lists_its_likely_duplicate(world: World) -> None:
    first = await file(world.database, 1001, description=WELL)
    second = await file(world.database, 1002, description=SAME_WELL, now=LATER)
    other = await file(world.database, 1003, description=OTHER_WATER, now=LATER)
    async with world.database.transaction() as session:
        cards = {
            c.id: await triage.card_view(session=session, complaint_id=c.id or 0)
            for c in (first, second, other)
        }
    assert [card.likely if card else None for card in cards.values()] == [
        [],
        [(first.id, first.number)],
        [],
    ]
