"""Filing a draft: gapless numbers per round, everything kept, identity only when named."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.categories import DEFAULT_CATEGORIES
from storage.complaints import (
    FilingOutcome,
    file_complaint,
    resident_complaint,
    resident_complaints,
)
from storage.db import Database
from storage.models import (
    Category,
    Complaint,
    Draft,
    DraftStep,
    GroupVillage,
    InspectionGroup,
    Resident,
    Round,
    TimelineEvent,
    Village,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Inside the example round, like the e2e harness's clock.
NOW = datetime(2023, 3, 14, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)

VillageSpec = tuple[str, str, str, float, float]
WD_VILLAGES: tuple[VillageSpec, ...] = (
    ("xiaodian", "小店村", "东高皇街道", 33.742, 113.351),
    ("yuejia", "岳家村", "东高皇街道", 33.736, 113.362),
)


async def seed_round(
    session: AsyncSession,
    *,
    code: str = "WD2023-1",
    starts_on: date = date(2023, 2, 27),
    ends_on: date = date(2023, 4, 12),
    timezone: str = "Asia/Shanghai",
    contact: str = "卫东区委巡察办 电话 0375-0000000",
    villages: tuple[VillageSpec, ...] = WD_VILLAGES,
    group_code: str = "g3",
) -> tuple[Round, InspectionGroup, list[Village]]:
    """A round with one group covering the given villages, and the default categories."""
    round_ = Round(
        code=code,
        name=f"round {code}",
        starts_on=starts_on,
        ends_on=ends_on,
        timezone=timezone,
        contact=contact,
    )
    session.add(round_)
    await session.flush()
    assert round_.id is not None
    group = InspectionGroup(round_id=round_.id, code=group_code, name="第三巡察组")
    session.add(group)
    for position, category in enumerate(DEFAULT_CATEGORIES):
        session.add(
            Category(
                round_id=round_.id,
                code=category.code,
                name_zh=category.zh,
                name_en=category.en,
                due_days=category.due_days,
                sensitive=category.sensitive,
                position=position,
            )
        )
    await session.flush()
    made = []
    for v_code, name, township, lat, lon in villages:
        existing = (await session.exec(select(Village).where(Village.code == v_code))).first()
        village = existing or Village(
            code=v_code, name=name, township=township, latitude=lat, longitude=lon
        )
        session.add(village)
        await session.flush()
        assert group.id is not None and village.id is not None
        session.add(GroupVillage(group_id=group.id, village_id=village.id))
        made.append(village)
    await session.flush()
    return round_, group, made


async def seed_resident(
    session: AsyncSession, telegram_id: int, first_name: str = "张", last_name: str = "三"
) -> Resident:
    """A resident with a Telegram profile."""
    resident = Resident(
        telegram_id=telegram_id,
        first_name=first_name,
        last_name=last_name,
        username=f"user{telegram_id}",
        created_at=NOW,
    )
    session.add(resident)
    await session.flush()
    return resident


async def seed_ready_draft(
    session: AsyncSession, resident: Resident, village: Village, **values: object
) -> Draft:
    """A draft at the summary with every answer given (override any with `values`)."""
    assert resident.id is not None
    draft = Draft(
        resident_id=resident.id,
        step=DraftStep.confirm,
        village_id=village.id,
        category_code="water",
        description="机井水压太低，浇不了地，已经两个月了。",
        voice_file_id="voice-1",
        photo_file_ids=["photo-1", "photo-2"],
        latitude=33.7421,
        longitude=113.3512,
        location_answered=True,
        anonymous=False,
        phone="+8613800000000",
        created_at=NOW,
        updated_at=NOW,
    )
    for name, value in values.items():
        setattr(draft, name, value)
    session.add(draft)
    await session.flush()
    return draft


async def file_for(
    database: Database, telegram_id: int, *, now: datetime = NOW, daily_limit: int = 5
) -> FilingOutcome | str:
    """Give the resident a ready draft in the first village and file it: number or outcome."""
    async with database.transaction() as session:
        resident = (
            await session.exec(select(Resident).where(Resident.telegram_id == telegram_id))
        ).first() or await seed_resident(session, telegram_id)
        village = (await session.exec(select(Village).order_by(col(Village.id)))).first()
        assert village is not None and resident.id is not None
        draft = await seed_ready_draft(session, resident, village, updated_at=now)
        assert draft.id is not None
        filing = await file_complaint(
            session=session,
            resident_id=resident.id,
            draft_id=draft.id,
            now=now,
            daily_limit=daily_limit,
        )
        if filing.outcome != FilingOutcome.filed:
            # The refused draft would block the resident's next draft (one per resident).
            await session.delete(draft)
            return filing.outcome
        assert filing.complaint is not None
        return filing.complaint.number


@pytest.fixture
async def seeded(database: Database) -> Database:
    """The example round in the database."""
    async with database.transaction() as session:
        await seed_round(session)
    return database


async def test_numbers_are_gapless_and_a_refused_filing_takes_none(seeded: Database) -> None:
    assert await file_for(seeded, 1) == "WD2023-1-0001"
    assert await file_for(seeded, 2) == "WD2023-1-0002"
    assert await file_for(seeded, 1, daily_limit=1) == FilingOutcome.limit
    assert await file_for(seeded, 3) == "WD2023-1-0003"
    async with seeded.transaction() as session:
        round_ = (await session.exec(select(Round))).one()
        assert round_.last_number == 3


async def test_a_rolled_back_filing_gives_its_number_back(seeded: Database) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with seeded.transaction() as session:
            resident = await seed_resident(session, 7)
            village = (await session.exec(select(Village))).first()
            assert village is not None and resident.id is not None
            draft = await seed_ready_draft(session, resident, village)
            assert draft.id is not None
            filing = await file_complaint(
                session=session, resident_id=resident.id, draft_id=draft.id, now=NOW
            )
            assert filing.complaint is not None
            assert filing.complaint.number == "WD2023-1-0001"
            raise Boom
    assert await file_for(seeded, 8) == "WD2023-1-0001"


async def test_two_rounds_count_separately(seeded: Database) -> None:
    async with seeded.transaction() as session:
        # A later round elsewhere, open at the same time (different villages).
        await seed_round(
            session,
            code="WD2023-2",
            villages=(("youyue", "优越社区", "优越路街道", 33.758, 113.329),),
            group_code="g5",
        )
        resident = await seed_resident(session, 50)
        other = await seed_resident(session, 51)
        youyue = (await session.exec(select(Village).where(Village.code == "youyue"))).one()
        xiaodian = (await session.exec(select(Village).where(Village.code == "xiaodian"))).one()
        numbers = []
        for who, village in ((resident, youyue), (other, xiaodian)):
            draft = await seed_ready_draft(session, who, village)
            assert who.id is not None and draft.id is not None
            filing = await file_complaint(
                session=session, resident_id=who.id, draft_id=draft.id, now=NOW
            )
            assert filing.complaint is not None
            numbers.append(filing.complaint.number)
    assert numbers == ["WD2023-2-0001", "WD2023-1-0001"]
    assert await file_for(seeded, 52) == "WD2023-1-0002"


async def test_everything_the_draft_carried_lands_on_the_complaint(seeded: Database) -> None:
    async with seeded.transaction() as session:
        resident = await seed_resident(session, 100, "Li", "Wei")
        village = (await session.exec(select(Village).where(Village.code == "yuejia"))).one()
        draft = await seed_ready_draft(session, resident, village, address="村东头机井")
        assert resident.id is not None and draft.id is not None
        filing = await file_complaint(
            session=session, resident_id=resident.id, draft_id=draft.id, now=NOW
        )
        assert filing.outcome == FilingOutcome.filed
        assert filing.group is not None and filing.group.code == "g3"
        # The group's chat is not linked yet: the card has nowhere to go.
        assert filing.group_chat_id is None
    async with seeded.transaction() as session:
        complaint = (await session.exec(select(Complaint))).one()
        assert complaint.number == "WD2023-1-0001"
        assert complaint.seq == 1
        assert complaint.village_id == village.id
        assert complaint.group_id == filing.group.id
        assert complaint.category_code == "water"
        assert complaint.status == "new"
        assert complaint.description == "机井水压太低，浇不了地，已经两个月了。"
        assert complaint.voice_file_id == "voice-1"
        assert complaint.photo_file_ids == ["photo-1", "photo-2"]
        assert (complaint.latitude, complaint.longitude) == (33.7421, 113.3512)
        assert complaint.address == "村东头机井"
        assert complaint.anonymous is False
        assert complaint.reporter_name == "Li Wei"
        assert complaint.reporter_username == "user100"
        assert complaint.reporter_phone == "+8613800000000"
        assert complaint.filed_at == NOW
        events = (await session.exec(select(TimelineEvent))).all()
        assert [(e.actor, e.action, e.to_status, e.public) for e in events] == [
            ("resident", "filed", "new", True)
        ]
        assert events[0].complaint_id == complaint.id
        assert (await session.exec(select(Draft))).first() is None


async def test_anonymous_complaints_store_no_identity(seeded: Database) -> None:
    async with seeded.transaction() as session:
        resident = await seed_resident(session, 200)
        village = (await session.exec(select(Village))).first()
        assert village is not None and resident.id is not None
        # A phone left over from an earlier "named" answer must not leak either.
        draft = await seed_ready_draft(session, resident, village, anonymous=True)
        assert draft.id is not None
        filing = await file_complaint(
            session=session, resident_id=resident.id, draft_id=draft.id, now=NOW
        )
        assert filing.outcome == FilingOutcome.filed
    async with seeded.transaction() as session:
        complaint = (await session.exec(select(Complaint))).one()
        assert complaint.anonymous is True
        assert complaint.reporter_name is None
        assert complaint.reporter_username is None
        assert complaint.reporter_phone is None
        event = (await session.exec(select(TimelineEvent))).one()
        assert event.actor_name is None and event.actor_telegram_id is None


async def test_the_daily_limit_counts_days_in_the_rounds_time_zone(seeded: Database) -> None:
    late = datetime(2023, 3, 14, 23, 30, tzinfo=SHANGHAI)
    assert await file_for(seeded, 300, now=late, daily_limit=1) == "WD2023-1-0001"
    # 00:30 in Shanghai is still 16:30 on the 14th in UTC, but a new day for the limit.
    early = datetime(2023, 3, 15, 0, 30, tzinfo=SHANGHAI)
    assert await file_for(seeded, 300, now=early, daily_limit=1) == "WD2023-1-0002"
    later = datetime(2023, 3, 15, 23, 59, tzinfo=SHANGHAI)
    assert await file_for(seeded, 300, now=later, daily_limit=1) == FilingOutcome.limit
    assert await file_for(seeded, 300, now=later, daily_limit=2) == "WD2023-1-0003"


async def test_concurrent_filings_get_distinct_gapless_numbers(seeded: Database) -> None:
    residents = list(range(1000, 1012))
    numbers = await asyncio.gather(*(file_for(seeded, tid) for tid in residents))
    assert sorted(map(str, numbers)) == [f"WD2023-1-{n:04d}" for n in range(1, 13)]


async def test_closed_round_refuses_and_keeps_the_draft(seeded: Database) -> None:
    after = datetime(2023, 4, 13, 0, 5, tzinfo=SHANGHAI)
    async with seeded.transaction() as session:
        resident = await seed_resident(session, 400)
        village = (await session.exec(select(Village))).first()
        assert village is not None and resident.id is not None
        draft = await seed_ready_draft(session, resident, village)
        assert draft.id is not None
        filing = await file_complaint(
            session=session, resident_id=resident.id, draft_id=draft.id, now=after
        )
        assert filing.outcome == FilingOutcome.closed
        assert filing.contact == "卫东区委巡察办 电话 0375-0000000"
    async with seeded.transaction() as session:
        assert (await session.exec(select(Draft))).one().step == DraftStep.confirm
        assert (await session.exec(select(Complaint))).first() is None
        assert (await session.exec(select(Round))).one().last_number == 0


async def test_stale_and_incomplete_drafts_are_not_filed(seeded: Database) -> None:
    async with seeded.transaction() as session:
        resident = await seed_resident(session, 500)
        other = await seed_resident(session, 501)
        village = (await session.exec(select(Village))).first()
        assert village is not None and resident.id is not None and other.id is not None
        draft = await seed_ready_draft(session, resident, village, category_code=None)
        assert draft.id is not None
        # Someone else's draft id.
        filing = await file_complaint(
            session=session, resident_id=other.id, draft_id=draft.id, now=NOW
        )
        assert filing.outcome == FilingOutcome.stale
        # A missing category sends the draft back to that question, to return to the summary.
        filing = await file_complaint(
            session=session, resident_id=resident.id, draft_id=draft.id, now=NOW
        )
        assert filing.outcome == FilingOutcome.incomplete
        assert draft.step == DraftStep.category and draft.editing
        # Not at the summary any more: an old "confirm" button.
        filing = await file_complaint(
            session=session, resident_id=resident.id, draft_id=draft.id, now=NOW
        )
        assert filing.outcome == FilingOutcome.stale
        assert (await session.exec(select(Round))).one().last_number == 0


async def test_residents_read_only_their_own_complaints(seeded: Database) -> None:
    first = await file_for(seeded, 600, now=NOW)
    second = await file_for(seeded, 600, now=NOW + timedelta(hours=1))
    theirs = await file_for(seeded, 601)
    async with seeded.transaction() as session:
        owner = (await session.exec(select(Resident).where(Resident.telegram_id == 600))).one()
        assert owner.id is not None
        mine = await resident_complaints(session=session, resident_id=owner.id)
        assert [m.complaint.number for m in mine] == [second, first]
        assert mine[0].village.code == "xiaodian"
        assert mine[0].category is not None and mine[0].category.code == "water"
        found = await resident_complaint(
            session=session, resident_id=owner.id, number=f" {str(first).lower()} "
        )
        assert found is not None and [e.action for e in found.events] == ["filed"]
        assert (
            await resident_complaint(session=session, resident_id=owner.id, number=str(theirs))
            is None
        )
