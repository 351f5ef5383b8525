"""The answers after the village: category, description, identity and phone."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.drafts.steps import (
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    MAX_PHOTOS,
    StepOutcome,
    StepResult,
    answered,
    step_result,
    view,
)
from storage.models import Draft, DraftStep
from storage.typed_text import tidy, visible_length


async def choose_category(
    *, session: AsyncSession, draft: Draft, code: str, now: datetime
) -> StepResult:
    """The resident picked a category of the village's round."""
    current_view = await view(session=session, draft=draft, now=now)
    if not any(c.code == code for c in current_view.categories):
        return StepResult(StepOutcome.unknown_category, current_view)
    draft.category_code = code
    return await answered(session, draft, DraftStep.category, now)


def _check_text(draft: Draft, text: str) -> StepOutcome:
    """Whether a piece of description text may be added to what the draft has."""
    # Only what a reader sees counts: twelve zero-width spaces are no description.
    if visible_length(text) < DESCRIPTION_MIN:
        return StepOutcome.too_short
    if len(text) > DESCRIPTION_MAX or len(_joined(draft.description, text)) > DESCRIPTION_MAX:
        return StepOutcome.too_long
    return StepOutcome.ok


def _joined(before: str | None, text: str) -> str:
    """Description text so far with a new piece after it."""
    return f"{before}\n\n{text}" if before else text


async def add_text(*, session: AsyncSession, draft: Draft, text: str, now: datetime) -> StepResult:
    """Description text: 10 to 2000 characters, added to any text sent before."""
    text = tidy(text)
    outcome = _check_text(draft, text)
    if outcome != StepOutcome.ok:
        return await step_result(session, draft, now, outcome)
    draft.description = _joined(draft.description, text)
    draft.updated_at = now
    return await step_result(session, draft, now)


async def add_voice(
    *, session: AsyncSession, draft: Draft, file_id: str, now: datetime
) -> StepResult:
    """One voice message (a second one is refused, not swapped in silently)."""
    if draft.voice_file_id is not None:
        return await step_result(session, draft, now, StepOutcome.voice_taken)
    draft.voice_file_id = file_id
    draft.updated_at = now
    return await step_result(session, draft, now)


async def add_photo(
    *, session: AsyncSession, draft: Draft, file_id: str, caption: str | None, now: datetime
) -> StepResult:
    """A photo (at most five), with its caption as description text.

    The photo is kept even when its caption cannot be description text (too short, too long):
    the outcome says so, and the resident is asked for the text.
    """
    if len(draft.photo_file_ids) >= MAX_PHOTOS:
        return await step_result(session, draft, now, StepOutcome.too_many_photos)
    caption = tidy(caption or "")
    outcome = _check_text(draft, caption) if caption else StepOutcome.ok
    if outcome == StepOutcome.ok and caption:
        draft.description = _joined(draft.description, caption)
    # A new list: the JSON column does not notice changes made in place.
    draft.photo_file_ids = [*draft.photo_file_ids, file_id]
    draft.updated_at = now
    kept = {
        StepOutcome.too_short: StepOutcome.photo_caption_short,
        StepOutcome.too_long: StepOutcome.photo_caption_long,
    }
    return await step_result(session, draft, now, kept.get(outcome, StepOutcome.ok))


async def finish_description(*, session: AsyncSession, draft: Draft, now: datetime) -> StepResult:
    """ "Done": accepted once there is text or voice."""
    if not draft.description and draft.voice_file_id is None:
        return await step_result(session, draft, now, StepOutcome.empty)
    return await answered(session, draft, DraftStep.description, now)


async def set_identity(
    *, session: AsyncSession, draft: Draft, anonymous: bool, now: datetime
) -> StepResult:
    """Anonymous (no phone kept) or named (the phone is asked next)."""
    draft.anonymous = anonymous
    if anonymous:
        draft.phone = None
    return await answered(session, draft, DraftStep.identity, now)


async def set_phone(
    *, session: AsyncSession, draft: Draft, phone: str | None, now: datetime
) -> StepResult:
    """The resident's own phone from Telegram's contact button, or None when skipped."""
    draft.phone = phone
    return await answered(session, draft, DraftStep.phone, now)
