"""Drafts step by step: every answer is checked, and bad input changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import drafts, residents, villages
from storage.db import Database
from storage.drafts import EditField
from storage.drafts import StepOutcome as Outcome
from storage.models import Category, Draft, DraftStep, Resident, Village
from storage.roster import facts as roster_facts
from tests.storage.test_filing import NOW, SHANGHAI, seed_resident, seed_round

XIAODIAN = (33.742, 113.351)


@pytest.fixture
async def session(database: Database):
    """One transaction on a database holding the example round and a resident."""
    async with database.transaction() as session:
        await seed_round(session)
        await seed_resident(session, 1)
        yield session


async def resident_of(session: AsyncSession, telegram_id: int = 1) -> Resident:
    return (await session.exec(select(Resident).where(Resident.telegram_id == telegram_id))).one()


async def village(session: AsyncSession, code: str) -> Village:
    return (await session.exec(select(Village).where(Village.code == code))).one()


async def new_draft(session: AsyncSession, code: str | None = "xiaodian") -> Draft:
    resident = await resident_of(session)
    assert resident.id is not None
    result = await drafts.start(
        session=session, resident_id=resident.id, draft=None, village_code=code, now=NOW
    )
    assert result.outcome == Outcome.ok and result.view is not None
    return result.view.draft


async def at_description(session: AsyncSession) -> Draft:
    draft = await new_draft(session)
    await drafts.choose_category(session=session, draft=draft, code="water", now=NOW)
    assert draft.step == DraftStep.description
    return draft


def snapshot(draft: Draft) -> dict[str, object]:
    return draft.model_dump()


async def test_start_with_a_deep_link_goes_to_the_category(session: AsyncSession) -> None:
    draft = await new_draft(session, "XiaoDian")
    assert draft.step == DraftStep.category
    view = await drafts.view(session=session, draft=draft, now=NOW)
    assert view.village is not None and view.village.code == "xiaodian"
    assert [c.code for c in view.categories][:2] == ["water", "power"]


async def test_start_with_an_unknown_link_offers_the_village_choice(
    session: AsyncSession,
) -> None:
    resident = await resident_of(session)
    assert resident.id is not None
    result = await drafts.start(
        session=session, resident_id=resident.id, draft=None, village_code="nowhere", now=NOW
    )
    assert result.outcome == Outcome.ok and result.unknown_link
    assert result.view is not None and result.view.draft.step == DraftStep.village
    assert [t.name for t in result.view.townships] == ["东高皇街道"]
    # One township: its villages are offered straight away.
    assert result.view.only_township is not None
    assert [v.code for v in result.view.only_township.villages] == ["xiaodian", "yuejia"]


async def test_a_closed_village_files_nothing(session: AsyncSession) -> None:
    resident = await resident_of(session)
    assert resident.id is not None
    after = datetime(2023, 4, 13, 0, 1, tzinfo=SHANGHAI)
    result = await drafts.start(
        session=session, resident_id=resident.id, draft=None, village_code="xiaodian", now=after
    )
    assert result.outcome == Outcome.closed
    assert result.contact == "卫东区委巡察办 电话 0375-0000000"
    assert (await session.exec(select(Draft))).first() is None
    result = await drafts.start(
        session=session, resident_id=resident.id, draft=None, village_code=None, now=after
    )
    assert result.outcome == Outcome.closed and result.village is None


async def test_a_running_draft_is_offered_to_continue_or_restart(session: AsyncSession) -> None:
    draft = await at_description(session)
    result = await drafts.start(
        session=session,
        resident_id=draft.resident_id,
        draft=draft,
        village_code="yuejia",
        now=NOW,
    )
    assert result.outcome == Outcome.running
    assert result.village is not None and result.village.code == "yuejia"
    assert draft.step == DraftStep.description
    restarted = await drafts.restart(
        session=session, draft=draft, village_id=result.village.id, now=NOW
    )
    assert restarted.view is not None
    new = restarted.view.draft
    assert new.step == DraftStep.category and new.village_id == result.village.id
    assert new.category_code is None
    assert len((await session.exec(select(Draft))).all()) == 1


async def test_an_idle_draft_expires_after_24_hours(session: AsyncSession) -> None:
    draft = await new_draft(session)
    resident_id = draft.resident_id
    kept, expired = await drafts.current(
        session=session, resident_id=resident_id, now=NOW + timedelta(hours=24)
    )
    assert kept is draft and not expired
    gone, expired = await drafts.current(
        session=session, resident_id=resident_id, now=NOW + timedelta(hours=24, seconds=1)
    )
    assert gone is None and expired
    assert (await session.exec(select(Draft))).first() is None


async def test_description_rules(session: AsyncSession) -> None:
    draft = await at_description(session)
    before = snapshot(draft)
    for text in ("太短了", "x" * 2001, "   short   "):
        result = await drafts.add_text(session=session, draft=draft, text=text, now=NOW)
        assert result.outcome in (Outcome.too_short, Outcome.too_long)
    result = await drafts.finish_description(session=session, draft=draft, now=NOW)
    assert result.outcome == Outcome.empty
    assert snapshot(draft) == before

    ok = await drafts.add_text(session=session, draft=draft, text="x" * 1990, now=NOW)
    assert ok.outcome == Outcome.ok
    # Together the texts would pass 2000 characters.
    result = await drafts.add_text(session=session, draft=draft, text="y" * 20, now=NOW)
    assert result.outcome == Outcome.too_long and draft.description == "x" * 1990

    for n in range(5):
        result = await drafts.add_photo(
            session=session, draft=draft, file_id=f"p{n}", caption=None, now=NOW
        )
        assert result.outcome == Outcome.ok
    result = await drafts.add_photo(
        session=session, draft=draft, file_id="p5", caption=None, now=NOW
    )
    assert result.outcome == Outcome.too_many_photos
    assert draft.photo_file_ids == ["p0", "p1", "p2", "p3", "p4"]

    first = await drafts.add_voice(session=session, draft=draft, file_id="v1", now=NOW)
    assert first.outcome == Outcome.ok
    second = await drafts.add_voice(session=session, draft=draft, file_id="v2", now=NOW)
    assert second.outcome == Outcome.voice_taken and draft.voice_file_id == "v1"

    result = await drafts.finish_description(session=session, draft=draft, now=NOW)
    assert result.outcome == Outcome.ok and draft.step == DraftStep.location


async def test_a_photo_with_a_bad_caption_is_kept_without_it(session: AsyncSession) -> None:
    draft = await at_description(session)
    result = await drafts.add_photo(
        session=session, draft=draft, file_id="p1", caption="短", now=NOW
    )
    # The photo is kept (issue 10), the caption is not description text: the outcome says so.
    assert result.outcome == Outcome.photo_caption_short
    assert draft.photo_file_ids == ["p1"] and draft.description is None
    result = await drafts.add_photo(
        session=session, draft=draft, file_id="p2", caption="水" * 2001, now=NOW
    )
    assert result.outcome == Outcome.photo_caption_long
    assert draft.photo_file_ids == ["p1", "p2"] and draft.description is None
    result = await drafts.add_photo(
        session=session, draft=draft, file_id="p3", caption="机井坏了两个月没人修", now=NOW
    )
    assert result.outcome == Outcome.ok
    assert draft.photo_file_ids == ["p1", "p2", "p3"]
    assert draft.description == "机井坏了两个月没人修"


async def test_voice_alone_is_a_description(session: AsyncSession) -> None:
    draft = await at_description(session)
    await drafts.add_voice(session=session, draft=draft, file_id="v", now=NOW)
    result = await drafts.finish_description(session=session, draft=draft, now=NOW)
    assert result.outcome == Outcome.ok and draft.step == DraftStep.location


async def walk_to_identity(session: AsyncSession) -> Draft:
    draft = await at_description(session)
    await drafts.add_text(session=session, draft=draft, text="机井水压低，浇不了地。", now=NOW)
    await drafts.finish_description(session=session, draft=draft, now=NOW)
    return draft


async def test_location_address_or_skip(session: AsyncSession) -> None:
    draft = await walk_to_identity(session)
    result = await drafts.set_address(session=session, draft=draft, text="x" * 201, now=NOW)
    assert result.outcome == Outcome.too_long and draft.step == DraftStep.location
    assert not draft.location_answered
    result = await drafts.set_address(session=session, draft=draft, text=" 村东头 ", now=NOW)
    assert result.outcome == Outcome.ok and draft.address == "村东头"
    assert draft.step == DraftStep.identity and draft.location_answered


async def test_identity_and_phone(session: AsyncSession) -> None:
    draft = await walk_to_identity(session)
    await drafts.skip_location(session=session, draft=draft, now=NOW)
    await drafts.set_identity(session=session, draft=draft, anonymous=False, now=NOW)
    assert draft.step == DraftStep.phone
    await drafts.set_phone(session=session, draft=draft, phone="+86138", now=NOW)
    assert draft.step == DraftStep.confirm and draft.phone == "+86138"
    # Editing the identity to anonymous drops the phone and goes straight back.
    await drafts.edit_field(session=session, draft=draft, which=EditField.identity, now=NOW)
    assert draft.step == DraftStep.identity and draft.editing
    await drafts.set_identity(session=session, draft=draft, anonymous=True, now=NOW)
    assert draft.step == DraftStep.confirm and draft.phone is None and not draft.editing


async def test_editing_returns_to_the_summary(session: AsyncSession) -> None:
    draft = await walk_to_identity(session)
    await drafts.skip_location(session=session, draft=draft, now=NOW)
    await drafts.set_identity(session=session, draft=draft, anonymous=True, now=NOW)
    assert draft.step == DraftStep.confirm
    await drafts.edit_field(session=session, draft=draft, which=EditField.category, now=NOW)
    await drafts.choose_category(session=session, draft=draft, code="road", now=NOW)
    assert draft.step == DraftStep.confirm and draft.category_code == "road"
    await drafts.edit_field(session=session, draft=draft, which=EditField.description, now=NOW)
    assert draft.description is None and draft.photo_file_ids == []
    await drafts.add_text(session=session, draft=draft, text="路灯坏了一个月了没人管", now=NOW)
    await drafts.finish_description(session=session, draft=draft, now=NOW)
    assert draft.step == DraftStep.confirm
    yuejia = await village(session, "yuejia")
    await drafts.edit_field(session=session, draft=draft, which=EditField.village, now=NOW)
    assert yuejia.id is not None
    await drafts.choose_village(session=session, draft=draft, village_id=yuejia.id, now=NOW)
    assert draft.step == DraftStep.confirm and draft.village_id == yuejia.id


async def test_a_village_of_another_round_asks_the_category_again(
    database: Database,
) -> None:
    async with database.transaction() as session:
        await seed_round(session)
        second, _group, _villages = await seed_round(
            session,
            code="WD2023-2",
            villages=(("youyue", "优越社区", "优越路街道", 33.758, 113.329),),
            group_code="g5",
        )
        # Only water exists in the second round.
        statement = select(Category).where(Category.round_id == second.id)
        for category in (await session.exec(statement)).all():
            if category.code != "water":
                await session.delete(category)
        await seed_resident(session, 1)
        draft = await new_draft(session)
        await drafts.choose_category(session=session, draft=draft, code="road", now=NOW)
        draft.step = DraftStep.confirm
        youyue = await village(session, "youyue")
        assert youyue.id is not None
        await drafts.edit_field(session=session, draft=draft, which=EditField.village, now=NOW)
        await drafts.choose_village(session=session, draft=draft, village_id=youyue.id, now=NOW)
        assert draft.category_code is None and draft.step == DraftStep.category
        await drafts.choose_category(session=session, draft=draft, code="water", now=NOW)
        assert draft.step == DraftStep.confirm


async def test_a_shared_location_suggests_the_nearest_open_village(
    session: AsyncSession,
) -> None:
    draft = await new_draft(session, None)
    far = await drafts.suggest_village(
        session=session, draft=draft, latitude=34.5, longitude=113.3, now=NOW
    )
    assert far.outcome == Outcome.none_nearby and draft.step == DraftStep.village
    near = await drafts.suggest_village(
        session=session, draft=draft, latitude=33.737, longitude=113.361, now=NOW
    )
    assert near.outcome == Outcome.ok and near.village is not None
    assert near.village.code == "yuejia" and near.distance_km is not None
    assert near.distance_km < 1
    assert draft.step == DraftStep.village_confirm
    declined = await drafts.confirm_suggestion(session=session, draft=draft, accept=False, now=NOW)
    assert declined.outcome == Outcome.ok and draft.step == DraftStep.village
    await drafts.suggest_village(
        session=session, draft=draft, latitude=XIAODIAN[0], longitude=XIAODIAN[1], now=NOW
    )
    accepted = await drafts.confirm_suggestion(session=session, draft=draft, accept=True, now=NOW)
    assert accepted.outcome == Outcome.ok and draft.step == DraftStep.category
    assert accepted.village is not None and accepted.village.code == "xiaodian"


def test_haversine_distance() -> None:
    # One degree of latitude is about 111 km.
    assert villages.distance_km(33.0, 113.0, 34.0, 113.0) == pytest.approx(111.2, abs=0.2)
    assert villages.distance_km(33.742, 113.351, 33.742, 113.351) == 0


async def test_rounds_open_by_their_own_calendar(session: AsyncSession) -> None:
    xiaodian = await village(session, "xiaodian")
    assert xiaodian.id is not None
    # 2023-04-12 23:30 in Shanghai is the last day; 16:30 UTC the same instant.
    last = datetime(2023, 4, 12, 23, 30, tzinfo=SHANGHAI)
    first = datetime(2023, 2, 27, 0, 0, tzinfo=SHANGHAI)
    cases = (
        (last, True),
        (last + timedelta(hours=1), False),
        (first, True),
        (first - timedelta(minutes=1), False),
    )
    for when, expected in cases:
        coverage = await villages.open_coverage(session=session, village_id=xiaodian.id, now=when)
        assert (coverage is not None) is expected


async def test_an_unchanged_profile_leaves_the_resident_clean(session: AsyncSession) -> None:
    profile = {"first_name": "Bo", "last_name": "Li", "username": "bo", "language": "zh"}
    first = await residents.arrive(session=session, telegram_id=10, now=NOW, **profile)
    await session.flush()
    again = await residents.arrive(session=session, telegram_id=10, now=NOW, **profile)
    # Nothing assigned: no flush of the update has the resident to work through.
    assert again.resident is first.resident and again.resident not in session.dirty
    profile["first_name"] = "Bob"
    renamed = await residents.arrive(session=session, telegram_id=10, now=NOW, **profile)
    assert renamed.resident in session.dirty and renamed.resident.first_name == "Bob"


async def test_arrival_keeps_a_chosen_language(session: AsyncSession) -> None:
    arrival = await residents.arrive(
        session=session,
        telegram_id=9,
        first_name="Ann",
        last_name=None,
        username="ann",
        language="en",
        now=NOW,
    )
    assert arrival.resident.language == "en" and arrival.draft is None
    await residents.choose_language(session=session, resident=arrival.resident, language="zh")
    again = await residents.arrive(
        session=session,
        telegram_id=9,
        first_name="Anne",
        last_name="Lee",
        username=None,
        language="en",
        now=NOW,
    )
    assert again.resident.id == arrival.resident.id
    assert again.resident.language == "zh"
    assert (again.resident.first_name, again.resident.last_name) == ("Anne", "Lee")
    assert again.resident.username is None


def test_buttons_are_checked_against_the_draft() -> None:
    draft = Draft(id=5, resident_id=1, step=DraftStep.category)
    assert drafts.is_current(draft, 5, DraftStep.category)
    assert drafts.is_current(draft, 5)
    assert not drafts.is_current(draft, 4, DraftStep.category)
    assert not drafts.is_current(draft, 5, DraftStep.description)
    assert not drafts.is_current(None, 5)


async def test_invisible_characters_do_not_count(session: AsyncSession) -> None:
    draft = await at_description(session)
    before = snapshot(draft)
    for text in (
        "\u200b" * 12,
        "\u200b\u200c\u200d\u2060\ufeff\u00ad" * 4,
        "\u3164\u2800\u0007\u000b \u3000\u200b" * 4,
        "\u200b".join("水压低浇不了地两月"),
    ):
        result = await drafts.add_text(session=session, draft=draft, text=text, now=NOW)
        assert result.outcome == Outcome.too_short, repr(text)
    assert snapshot(draft) == before
    # A caption is description text: the same count (the photo is kept without it).
    for n, caption in enumerate(("\u3164\u2800\u3000" * 4, "\u200b".join("水压低浇不了地两月"))):
        result = await drafts.add_photo(
            session=session, draft=draft, file_id=f"p{n}", caption=caption, now=NOW
        )
        assert result.outcome == Outcome.photo_caption_short, repr(caption)
    assert draft.photo_file_ids == ["p0", "p1"] and draft.description is None
    # A caption of invisible characters only is no caption: the photo comes alone.
    result = await drafts.add_photo(
        session=session, draft=draft, file_id="p", caption="\u200b\u2060\ufeff", now=NOW
    )
    assert result.outcome == Outcome.ok and draft.photo_file_ids == ["p0", "p1", "p"]
    assert draft.description is None
    # Text is stored without zero-width characters; newlines and emoji sequences stay.
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    result = await drafts.add_text(
        session=session,
        draft=draft,
        text=f"\ufeff机井\u200b水压低，\n浇不了地，\u2060已经两个月了{family}\u200b ",
        now=NOW,
    )
    assert result.outcome == Outcome.ok
    assert draft.description == f"机井水压低，\n浇不了地，已经两个月了{family}"


async def test_an_invisible_address_is_too_short(session: AsyncSession) -> None:
    draft = await walk_to_identity(session)
    before = snapshot(draft)
    result = await drafts.set_address(
        session=session, draft=draft, text="\u200b\u2060 \ufeff", now=NOW
    )
    assert result.outcome == Outcome.too_short and snapshot(draft) == before
    result = await drafts.set_address(session=session, draft=draft, text="村\u200b东头", now=NOW)
    assert result.outcome == Outcome.ok and draft.address == "村东头"


PARIS = (48.8566, 2.3522)


async def test_a_far_location_waits_for_the_residents_yes(database: Database) -> None:
    async with database.transaction() as session:
        await seed_round(session)
        await seed_resident(session, 1)
        draft = await walk_to_identity(session)
        near = await drafts.set_location(
            session=session, draft=draft, latitude=33.877, longitude=113.351, now=NOW
        )
        # About 15 km away: kept at once.
        assert near.outcome == Outcome.ok and draft.step == DraftStep.identity
        await drafts.edit_field(session=session, draft=draft, which=EditField.location, now=NOW)
        far = await drafts.set_location(
            session=session, draft=draft, latitude=PARIS[0], longitude=PARIS[1], now=NOW
        )
        assert far.outcome == Outcome.far_location
        assert far.village is not None and far.village.code == "xiaodian"
        assert far.distance_km == pytest.approx(villages.distance_km(*XIAODIAN, *PARIS))
        assert far.view is not None and far.view.pending_km == far.distance_km
        assert draft.step == DraftStep.location_confirm
        # The earlier answer stays until the far one is confirmed.
        assert (draft.latitude, draft.longitude) == (33.877, 113.351)
        draft_id = draft.id
    # The pending location is on the draft row: a restart loses nothing.
    async with database.transaction() as session:
        draft = (await session.exec(select(Draft).where(Draft.id == draft_id))).one()
        assert (draft.pending_latitude, draft.pending_longitude) == PARIS
        assert draft.step == DraftStep.location_confirm
        result = await drafts.confirm_location(session=session, draft=draft, accept=True, now=NOW)
        assert result.outcome == Outcome.ok
        assert (draft.latitude, draft.longitude) == PARIS
        assert (draft.pending_latitude, draft.pending_longitude) == (None, None)
        # It was an edit: back to the summary.
        assert draft.step == DraftStep.confirm and draft.location_answered


async def test_resending_a_far_location_goes_back_to_the_location_step(
    session: AsyncSession,
) -> None:
    draft = await walk_to_identity(session)
    await drafts.set_location(
        session=session, draft=draft, latitude=PARIS[0], longitude=PARIS[1], now=NOW
    )
    result = await drafts.confirm_location(session=session, draft=draft, accept=False, now=NOW)
    assert result.outcome == Outcome.ok and draft.step == DraftStep.location
    assert (draft.pending_latitude, draft.pending_longitude) == (None, None)
    assert (draft.latitude, draft.longitude, draft.location_answered) == (None, None, False)
    # Skipping or typing an address while asked also clears the pending location.
    await drafts.set_location(
        session=session, draft=draft, latitude=PARIS[0], longitude=PARIS[1], now=NOW
    )
    result = await drafts.skip_location(session=session, draft=draft, now=NOW)
    assert result.outcome == Outcome.ok and draft.step == DraftStep.identity
    assert (draft.pending_latitude, draft.pending_longitude) == (None, None)


async def test_a_village_without_coordinates_takes_any_location(session: AsyncSession) -> None:
    draft = await walk_to_identity(session)
    xiaodian = await village(session, "xiaodian")
    xiaodian.latitude = xiaodian.longitude = None
    # Written here as a roster load would: processes read the roster's facts again.
    await roster_facts.bump(session, NOW)
    result = await drafts.set_location(
        session=session, draft=draft, latitude=PARIS[0], longitude=PARIS[1], now=NOW
    )
    assert result.outcome == Outcome.ok and draft.step == DraftStep.identity
    assert (draft.latitude, draft.longitude) == PARIS
