"""The summary: going back from it to change one field."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.drafts.steps import StepResult, step_result
from storage.models import Draft, DraftStep


class EditField(StrEnum):
    """A field the resident can change from the summary (short: it travels in buttons)."""

    village = "v"
    category = "c"
    description = "d"
    location = "l"
    identity = "i"


# Each field is asked again by the step of the same name.
EDIT_STEPS: dict[EditField, DraftStep] = {which: DraftStep(which.name) for which in EditField}


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
    return await step_result(session, draft, now)
