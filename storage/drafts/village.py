"""The village step: chosen with buttons, typed, or suggested from a shared location."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import villages
from storage.drafts.steps import StepOutcome, StepResult, advance, step_result, view
from storage.models import Draft, DraftStep, Village


async def choose_village(
    *, session: AsyncSession, draft: Draft, village_id: int, now: datetime
) -> StepResult:
    """The resident picked a village with the buttons."""
    village = await villages.village(session=session, village_id=village_id)
    if village is None:
        return await step_result(session, draft, now, StepOutcome.unknown_village)
    return await _set_village(session, draft, village, now)


async def choose_village_by_name(
    *, session: AsyncSession, draft: Draft, text: str, now: datetime
) -> StepResult:
    """The resident typed a village's name (or code) at the village step."""
    village = await villages.find_open_village(session=session, text=text, now=now)
    if village is None:
        return await step_result(session, draft, now, StepOutcome.unknown_village)
    return await _set_village(session, draft, village, now)


async def suggest_village(
    *, session: AsyncSession, draft: Draft, latitude: float, longitude: float, now: datetime
) -> StepResult:
    """A shared location: suggest the nearest open village within reach, to be confirmed."""
    nearest = await villages.nearest_open_village(
        session=session, latitude=latitude, longitude=longitude, now=now
    )
    if nearest is None:
        return await step_result(session, draft, now, StepOutcome.none_nearby)
    village, km = nearest
    draft.suggested_village_id = village.id
    draft.step = DraftStep.village_confirm
    draft.updated_at = now
    return await step_result(session, draft, now, village=village, distance_km=km)


async def confirm_suggestion(
    *, session: AsyncSession, draft: Draft, accept: bool, now: datetime
) -> StepResult:
    """Yes: the suggested village is the one; no: back to choosing with buttons."""
    suggested_id = draft.suggested_village_id
    suggested = (
        await villages.village(session=session, village_id=suggested_id)
        if suggested_id is not None
        else None
    )
    draft.suggested_village_id = None
    if accept and suggested is not None:
        result = await _set_village(session, draft, suggested, now)
        if result.outcome != StepOutcome.ok:
            # The round closed meanwhile (the result says so): choose with buttons.
            draft.step = DraftStep.village
            draft.updated_at = now
            result.view = await view(session=session, draft=draft, now=now)
        return result
    draft.step = DraftStep.village
    draft.updated_at = now
    return await step_result(session, draft, now)


async def _set_village(
    session: AsyncSession, draft: Draft, village: Village, now: datetime
) -> StepResult:
    """Record the village if an open round covers it; a category it lacks is cleared."""
    assert village.id is not None
    coverage = await villages.open_coverage(session=session, village_id=village.id, now=now)
    if coverage is None or coverage.round.id is None:
        contact = await villages.office_contact(session=session, village_id=village.id)
        return await step_result(
            session, draft, now, StepOutcome.closed, village=village, contact=contact
        )
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
        advance(draft, DraftStep.village, now)
    return await step_result(session, draft, now, village=village)
