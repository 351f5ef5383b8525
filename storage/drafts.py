"""Drafts: a complaint put together one answer at a time, written at every step."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import villages
from storage.models import Category, Draft, DraftStep, Round, SentNotice, Village

# A draft nobody touched for this long is thrown away when its resident comes back.
DRAFT_TTL = timedelta(hours=24)
DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 2000
MAX_PHOTOS = 5
ADDRESS_MAX = 200

# The question that follows each answered one (identity depends on the answer).
NEXT_STEP: dict[str, DraftStep] = {
    DraftStep.village: DraftStep.category,
    DraftStep.category: DraftStep.description,
    DraftStep.description: DraftStep.location,
    DraftStep.location: DraftStep.identity,
    DraftStep.phone: DraftStep.confirm,
}


class Outcome(StrEnum):
    """What became of a step's answer."""

    ok = "ok"
    # A button of another draft, or of a step the draft is no longer at.
    stale = "stale"
    # /start while a draft is running: the resident chooses to continue or start over.
    running = "running"
    # No open round covers the village: nothing is filed.
    closed = "closed"
    unknown_village = "unknown_village"
    none_nearby = "none_nearby"
    unknown_category = "unknown_category"
    too_short = "too_short"
    too_long = "too_long"
    too_many_photos = "too_many_photos"
    voice_taken = "voice_taken"
    # "Done" before there is text or voice.
    empty = "empty"


class EditField(StrEnum):
    """A field the resident can change from the summary (short: it travels in buttons)."""

    village = "v"
    category = "c"
    description = "d"
    location = "l"
    identity = "i"


EDIT_STEPS: dict[EditField, DraftStep] = {
    EditField.village: DraftStep.village,
    EditField.category: DraftStep.category,
    EditField.description: DraftStep.description,
    EditField.location: DraftStep.location,
    EditField.identity: DraftStep.identity,
}


@dataclass
class DraftView:
    """A draft with what it takes to ask its current question or show its summary."""

    draft: Draft
    village: Village | None = None
    # The open round covering the village (None when there is no village or no open round).
    round: Round | None = None
    categories: list[Category] = field(default_factory=list)
    suggested: Village | None = None
    # At the village step: the townships to choose from, or the villages of the only one.
    townships: list[villages.Township] = field(default_factory=list)
    only_township: villages.TownshipChoice | None = None

    @property
    def category(self) -> Category | None:
        """The chosen category as the round defines it."""
        return next((c for c in self.categories if c.code == self.draft.category_code), None)


@dataclass
class StepResult:
    """The outcome of one step, and the draft as it now stands (None once gone)."""

    outcome: Outcome
    view: DraftView | None = None
    # The village concerned: the chosen, suggested, deep-linked or closed one.
    village: Village | None = None
    # The round office contact, for `closed`.
    contact: str | None = None
    distance_km: float | None = None
    # /start carried a village link that matches no village.
    unknown_link: bool = False


def is_current(draft: Draft | None, draft_id: int, *steps: str) -> bool:
    """Whether a button carrying `draft_id` belongs to this draft at one of `steps`."""
    if draft is None or draft.id != draft_id:
        return False
    return not steps or draft.step in steps


def expired_mark(resident_id: int) -> str:
    """The SentNotice key left when the sweep deletes a resident's idle draft."""
    return f"draft_expired:{resident_id}"


async def current(
    *, session: AsyncSession, resident_id: int, now: datetime
) -> tuple[Draft | None, bool]:
    """The resident's draft, and whether an idle one expired since they were last here.

    An idle draft is deleted here, or earlier by the scheduled sweep (`expire_idle`), which
    leaves a mark so the resident is still told once.
    """
    statement = select(Draft).where(Draft.resident_id == resident_id)
    draft = (await session.exec(statement)).first()
    if draft is not None and now - draft.updated_at > DRAFT_TTL:
        await session.delete(draft)
        await session.flush()
        await _take_mark(session, resident_id)
        return None, True
    if draft is None and await _take_mark(session, resident_id):
        return None, True
    return draft, False


async def _take_mark(session: AsyncSession, resident_id: int) -> bool:
    """Remove the resident's "draft expired" mark; whether there was one."""
    result = await session.exec(
        delete(SentNotice).where(col(SentNotice.key) == expired_mark(resident_id))
    )
    return bool(cast("CursorResult[Any]", result).rowcount)


async def expire_idle(*, session: AsyncSession, now: datetime) -> int:
    """Delete every draft idle for longer than DRAFT_TTL; mark each so its resident is told.

    Returns how many drafts were deleted.
    """
    statement = select(Draft).where(col(Draft.updated_at) < now - DRAFT_TTL)
    idle = list((await session.exec(statement)).all())
    if not idle:
        return 0
    keys = [expired_mark(draft.resident_id) for draft in idle]
    marked = set(
        (await session.exec(select(SentNotice.key).where(col(SentNotice.key).in_(keys)))).all()
    )
    for draft in idle:
        await session.delete(draft)
        key = expired_mark(draft.resident_id)
        if key not in marked:
            marked.add(key)
            session.add(
                SentNotice(
                    key=key,
                    kind="draft_expired",
                    due_at=draft.updated_at + DRAFT_TTL,
                    sent_at=now,
                )
            )
    await session.flush()
    return len(idle)


async def view(*, session: AsyncSession, draft: Draft, now: datetime) -> DraftView:
    """Everything needed to render the draft's current question."""
    result = DraftView(draft=draft)
    if draft.village_id is not None:
        result.village = await session.get(Village, draft.village_id)
        coverage = await villages.open_coverage(
            session=session, village_id=draft.village_id, now=now
        )
        if coverage is not None and coverage.round.id is not None:
            result.round = coverage.round
            result.categories = await villages.categories(
                session=session, round_id=coverage.round.id
            )
    if draft.suggested_village_id is not None:
        result.suggested = await session.get(Village, draft.suggested_village_id)
    if draft.step == DraftStep.village:
        result.townships = await villages.townships(session=session, now=now)
        if len(result.townships) == 1:
            result.only_township = await villages.township_choice(
                session=session, anchor_id=result.townships[0].anchor_id, now=now
            )
    return result


async def _result(
    session: AsyncSession,
    draft: Draft,
    now: datetime,
    outcome: Outcome = Outcome.ok,
    *,
    village: Village | None = None,
    contact: str | None = None,
    distance_km: float | None = None,
) -> StepResult:
    """A step's result with a fresh view of the draft."""
    current_view = await view(session=session, draft=draft, now=now)
    return StepResult(
        outcome, current_view, village=village, contact=contact, distance_km=distance_km
    )


def _advance(draft: Draft, answered: DraftStep, now: datetime) -> None:
    """Go to the question after `answered`: back to the summary once an edit is done."""
    if answered == DraftStep.identity:
        following = DraftStep.confirm if draft.anonymous else DraftStep.phone
    else:
        following = NEXT_STEP[answered]
    if draft.editing and following != DraftStep.phone:
        following = DraftStep.confirm
    draft.step = following
    if following == DraftStep.confirm:
        draft.editing = False
    draft.updated_at = now


# --- starting -----------------------------------------------------------------------------


async def start(
    *,
    session: AsyncSession,
    resident_id: int,
    draft: Draft | None,
    village_code: str | None,
    now: datetime,
) -> StepResult:
    """/start: a new draft (with the deep-linked village), unless one is running."""
    village: Village | None = None
    unknown = False
    if village_code:
        village = await villages.village_by_code(session=session, code=village_code)
        unknown = village is None
    closed = await _closed(session, village, now)
    if closed is not None:
        return closed
    if draft is not None:
        view_ = await view(session=session, draft=draft, now=now)
        return StepResult(Outcome.running, view_, village=village, unknown_link=unknown)
    result = await _create(session, resident_id, village, now)
    result.unknown_link = unknown
    return result


async def restart(
    *, session: AsyncSession, draft: Draft, village_id: int | None, now: datetime
) -> StepResult:
    """Throw the running draft away and start a new one (with a village, if given)."""
    village = await session.get(Village, village_id) if village_id else None
    closed = await _closed(session, village, now)
    if closed is not None:
        return closed
    resident_id = draft.resident_id
    await session.delete(draft)
    # The unit of work inserts before it deletes; the new draft needs the old one gone.
    await session.flush()
    return await _create(session, resident_id, village, now)


async def _closed(
    session: AsyncSession, village: Village | None, now: datetime
) -> StepResult | None:
    """A `closed` result (with the office contact) when no open round covers the village."""
    if village is None or village.id is None:
        return None
    if await villages.open_coverage(session=session, village_id=village.id, now=now):
        return None
    contact = await villages.office_contact(session=session, village_id=village.id)
    return StepResult(Outcome.closed, village=village, contact=contact)


async def _create(
    session: AsyncSession, resident_id: int, village: Village | None, now: datetime
) -> StepResult:
    """A new draft: at the category step with a village, else at the village step."""
    if village is None and not await villages.townships(session=session, now=now):
        contact = await villages.office_contact(session=session, village_id=None)
        return StepResult(Outcome.closed, contact=contact)
    draft = Draft(
        resident_id=resident_id,
        step=DraftStep.category if village is not None else DraftStep.village,
        village_id=village.id if village is not None else None,
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    await session.flush()
    return await _result(session, draft, now, village=village)


async def cancel(*, session: AsyncSession, draft: Draft) -> None:
    """Delete a draft."""
    await session.delete(draft)
    await session.flush()


# --- the village --------------------------------------------------------------------------


async def choose_village(
    *, session: AsyncSession, draft: Draft, village_id: int, now: datetime
) -> StepResult:
    """The resident picked a village with the buttons."""
    village = await session.get(Village, village_id)
    if village is None:
        return await _result(session, draft, now, Outcome.unknown_village)
    return await _set_village(session, draft, village, now)


async def choose_village_by_name(
    *, session: AsyncSession, draft: Draft, text: str, now: datetime
) -> StepResult:
    """The resident typed a village's name (or code) at the village step."""
    village = await villages.find_open_village(session=session, text=text, now=now)
    if village is None:
        return await _result(session, draft, now, Outcome.unknown_village)
    return await _set_village(session, draft, village, now)


async def suggest_village(
    *, session: AsyncSession, draft: Draft, latitude: float, longitude: float, now: datetime
) -> StepResult:
    """A shared location: suggest the nearest open village within reach, to be confirmed."""
    nearest = await villages.nearest_open_village(
        session=session, latitude=latitude, longitude=longitude, now=now
    )
    if nearest is None:
        return await _result(session, draft, now, Outcome.none_nearby)
    village, km = nearest
    draft.suggested_village_id = village.id
    draft.step = DraftStep.village_confirm
    draft.updated_at = now
    return await _result(session, draft, now, village=village, distance_km=km)


async def confirm_suggestion(
    *, session: AsyncSession, draft: Draft, accept: bool, now: datetime
) -> StepResult:
    """Yes: the suggested village is the one; no: back to choosing with buttons."""
    suggested_id = draft.suggested_village_id
    suggested = await session.get(Village, suggested_id) if suggested_id is not None else None
    draft.suggested_village_id = None
    if accept and suggested is not None:
        result = await _set_village(session, draft, suggested, now)
        if result.outcome != Outcome.ok:
            # The round closed meanwhile (the result says so): choose with buttons.
            draft.step = DraftStep.village
            draft.updated_at = now
            result.view = await view(session=session, draft=draft, now=now)
        return result
    draft.step = DraftStep.village
    draft.updated_at = now
    return await _result(session, draft, now)


async def _set_village(
    session: AsyncSession, draft: Draft, village: Village, now: datetime
) -> StepResult:
    """Record the village if an open round covers it; a category it lacks is cleared."""
    assert village.id is not None
    coverage = await villages.open_coverage(session=session, village_id=village.id, now=now)
    if coverage is None or coverage.round.id is None:
        contact = await villages.office_contact(session=session, village_id=village.id)
        return await _result(session, draft, now, Outcome.closed, village=village, contact=contact)
    draft.village_id = village.id
    draft.suggested_village_id = None
    codes = {
        c.code for c in await villages.categories(session=session, round_id=coverage.round.id)
    }
    if draft.category_code not in codes:
        draft.category_code = None
    if draft.editing and draft.category_code is None:
        # Another round may name its categories differently: ask again before the summary.
        draft.step = DraftStep.category
        draft.updated_at = now
    else:
        _advance(draft, DraftStep.village, now)
    return await _result(session, draft, now, village=village)


# --- category, description, location, identity --------------------------------------------


async def choose_category(
    *, session: AsyncSession, draft: Draft, code: str, now: datetime
) -> StepResult:
    """The resident picked a category of the village's round."""
    current_view = await view(session=session, draft=draft, now=now)
    if not any(c.code == code for c in current_view.categories):
        return StepResult(Outcome.unknown_category, current_view)
    draft.category_code = code
    _advance(draft, DraftStep.category, now)
    return await _result(session, draft, now)


def _check_text(draft: Draft, text: str) -> Outcome:
    """Whether a piece of description text may be added to what the draft has."""
    if len(text) < DESCRIPTION_MIN:
        return Outcome.too_short
    if len(text) > DESCRIPTION_MAX or len(_joined(draft.description, text)) > DESCRIPTION_MAX:
        return Outcome.too_long
    return Outcome.ok


def _joined(before: str | None, text: str) -> str:
    """Description text so far with a new piece after it."""
    return f"{before}\n\n{text}" if before else text


async def add_text(*, session: AsyncSession, draft: Draft, text: str, now: datetime) -> StepResult:
    """Description text: 10 to 2000 characters, added to any text sent before."""
    text = text.strip()
    outcome = _check_text(draft, text)
    if outcome != Outcome.ok:
        return await _result(session, draft, now, outcome)
    draft.description = _joined(draft.description, text)
    draft.updated_at = now
    return await _result(session, draft, now)


async def add_voice(
    *, session: AsyncSession, draft: Draft, file_id: str, now: datetime
) -> StepResult:
    """One voice message (a second one is refused, not swapped in silently)."""
    if draft.voice_file_id is not None:
        return await _result(session, draft, now, Outcome.voice_taken)
    draft.voice_file_id = file_id
    draft.updated_at = now
    return await _result(session, draft, now)


async def add_photo(
    *, session: AsyncSession, draft: Draft, file_id: str, caption: str | None, now: datetime
) -> StepResult:
    """A photo (at most five), with its caption as description text; all or nothing."""
    if len(draft.photo_file_ids) >= MAX_PHOTOS:
        return await _result(session, draft, now, Outcome.too_many_photos)
    caption = (caption or "").strip()
    if caption:
        outcome = _check_text(draft, caption)
        if outcome != Outcome.ok:
            return await _result(session, draft, now, outcome)
        draft.description = _joined(draft.description, caption)
    # A new list: the JSON column does not notice changes made in place.
    draft.photo_file_ids = [*draft.photo_file_ids, file_id]
    draft.updated_at = now
    return await _result(session, draft, now)


async def finish_description(*, session: AsyncSession, draft: Draft, now: datetime) -> StepResult:
    """ "Done": accepted once there is text or voice."""
    if not draft.description and draft.voice_file_id is None:
        return await _result(session, draft, now, Outcome.empty)
    _advance(draft, DraftStep.description, now)
    return await _result(session, draft, now)


async def set_location(
    *, session: AsyncSession, draft: Draft, latitude: float, longitude: float, now: datetime
) -> StepResult:
    """Where the problem is, as a shared location."""
    draft.latitude, draft.longitude, draft.address = latitude, longitude, None
    draft.location_answered = True
    _advance(draft, DraftStep.location, now)
    return await _result(session, draft, now)


async def set_address(
    *, session: AsyncSession, draft: Draft, text: str, now: datetime
) -> StepResult:
    """Where the problem is, as a typed address of 1 to 200 characters."""
    text = text.strip()
    if not text:
        return await _result(session, draft, now, Outcome.too_short)
    if len(text) > ADDRESS_MAX:
        return await _result(session, draft, now, Outcome.too_long)
    draft.latitude, draft.longitude, draft.address = None, None, text
    draft.location_answered = True
    _advance(draft, DraftStep.location, now)
    return await _result(session, draft, now)


async def skip_location(*, session: AsyncSession, draft: Draft, now: datetime) -> StepResult:
    """No location given."""
    draft.latitude, draft.longitude, draft.address = None, None, None
    draft.location_answered = True
    _advance(draft, DraftStep.location, now)
    return await _result(session, draft, now)


async def set_identity(
    *, session: AsyncSession, draft: Draft, anonymous: bool, now: datetime
) -> StepResult:
    """Anonymous (no phone kept) or named (the phone is asked next)."""
    draft.anonymous = anonymous
    if anonymous:
        draft.phone = None
    _advance(draft, DraftStep.identity, now)
    return await _result(session, draft, now)


async def set_phone(
    *, session: AsyncSession, draft: Draft, phone: str | None, now: datetime
) -> StepResult:
    """The resident's own phone from Telegram's contact button, or None when skipped."""
    draft.phone = phone
    _advance(draft, DraftStep.phone, now)
    return await _result(session, draft, now)


# --- the summary --------------------------------------------------------------------------


async def edit_field(
    *, session: AsyncSession, draft: Draft, which: EditField, now: datetime
) -> StepResult:
    """Go back to one field's question; answering it returns to the summary."""
    draft.step = EDIT_STEPS[which]
    draft.editing = True
    draft.suggested_village_id = None
    if which == EditField.description:
        # A new description replaces the old one as a whole: text, voice and photos.
        draft.description, draft.voice_file_id, draft.photo_file_ids = None, None, []
    draft.updated_at = now
    return await _result(session, draft, now)
