"""Starting a draft: /start, starting over, and throwing it away."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import villages
from storage.drafts.steps import StepOutcome, StepResult, step_result, view
from storage.models import Draft, DraftStep, Village


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
        return StepResult(StepOutcome.running, view_, village=village, unknown_link=unknown)
    result = await _create(session, resident_id, village, now)
    result.unknown_link = unknown
    return result


async def restart(
    *, session: AsyncSession, draft: Draft, village_id: int | None, now: datetime
) -> StepResult:
    """Throw the running draft away and start a new one (with a village, if given)."""
    village = (
        await villages.village(session=session, village_id=village_id) if village_id else None
    )
    closed = await _closed(session, village, now)
    if closed is not None:
        return closed
    resident_id, recorded_for = draft.resident_id, draft.recorded_for_group_id
    await session.delete(draft)
    # The unit of work inserts before it deletes; the new draft needs the old one gone.
    await session.flush()
    result = await _create(session, resident_id, village, now)
    if result.view is not None and recorded_for is not None:
        # An inspector starting over goes on recording (代录) for the same group.
        result.view.draft.recorded_for_group_id = recorded_for
        await session.flush()
    return result


async def _closed(
    session: AsyncSession, village: Village | None, now: datetime
) -> StepResult | None:
    """A `closed` result (with the office contact) when no open round covers the village."""
    if village is None or village.id is None:
        return None
    if await villages.open_coverage(session=session, village_id=village.id, now=now):
        return None
    contact = await villages.office_contact(session=session, village_id=village.id)
    return StepResult(StepOutcome.closed, village=village, contact=contact)


async def _create(
    session: AsyncSession, resident_id: int, village: Village | None, now: datetime
) -> StepResult:
    """A new draft: at the category step with a village, else at the village step."""
    if village is None and not await villages.townships(session=session, now=now):
        contact = await villages.office_contact(session=session, village_id=None)
        return StepResult(StepOutcome.closed, contact=contact)
    draft = Draft(
        resident_id=resident_id,
        step=DraftStep.category if village is not None else DraftStep.village,
        village_id=village.id if village is not None else None,
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    await session.flush()
    return await step_result(session, draft, now, village=village)


async def cancel(*, session: AsyncSession, draft: Draft) -> None:
    """Delete a draft."""
    await session.delete(draft)
    await session.flush()
