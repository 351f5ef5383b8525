"""The location step: a shared point (asked about when far from the village), an address, none."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import villages
from storage.drafts.steps import (
    ADDRESS_MAX,
    FAR_KM,
    StepOutcome,
    StepResult,
    answered,
    step_result,
    village_distance,
)
from storage.models import Draft, DraftStep
from storage.typed_text import tidy, visible_length


async def set_location(
    *, session: AsyncSession, draft: Draft, latitude: float, longitude: float, now: datetime
) -> StepResult:
    """A shared location: kept, unless it is far from the village (then asked about first)."""
    village = (
        await villages.village(session=session, village_id=draft.village_id)
        if draft.village_id
        else None
    )
    km = village_distance(village, latitude, longitude) if village is not None else None
    if km is None or km <= FAR_KM:
        return await _located(session, draft, now, (latitude, longitude, None))
    # Kept on the draft row, so that the question survives a restart.
    draft.pending_latitude, draft.pending_longitude = latitude, longitude
    draft.step = DraftStep.location_confirm
    draft.updated_at = now
    return await step_result(
        session, draft, now, StepOutcome.far_location, village=village, distance_km=km
    )


async def confirm_location(
    *, session: AsyncSession, draft: Draft, accept: bool, now: datetime
) -> StepResult:
    """Yes: the far location is the one; no: back to the location question."""
    pending = (draft.pending_latitude, draft.pending_longitude)
    if accept and pending[0] is not None and pending[1] is not None:
        return await _located(session, draft, now, (*pending, None))
    draft.pending_latitude = draft.pending_longitude = None
    draft.step = DraftStep.location
    draft.updated_at = now
    return await step_result(session, draft, now)


async def set_address(
    *, session: AsyncSession, draft: Draft, text: str, now: datetime
) -> StepResult:
    """Where the problem is, as a typed address of 1 to 200 characters."""
    text = tidy(text)
    if not visible_length(text):
        return await step_result(session, draft, now, StepOutcome.too_short)
    if len(text) > ADDRESS_MAX:
        return await step_result(session, draft, now, StepOutcome.too_long)
    return await _located(session, draft, now, (None, None, text))


async def skip_location(*, session: AsyncSession, draft: Draft, now: datetime) -> StepResult:
    """No location given."""
    return await _located(session, draft, now, (None, None, None))


async def _located(
    session: AsyncSession,
    draft: Draft,
    now: datetime,
    where: tuple[float | None, float | None, str | None],
) -> StepResult:
    """Record (latitude, longitude, address) as the location answer and go on."""
    draft.latitude, draft.longitude, draft.address = where
    draft.pending_latitude = draft.pending_longitude = None
    draft.location_answered = True
    return await answered(session, draft, DraftStep.location, now)
