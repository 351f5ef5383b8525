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


EDIT_STEPS: dict[EditField, DraftStep] = {
    EditField.village: DraftStep.village,
    EditField.category: DraftStep.category,
    EditField.description: DraftStep.description,
    EditField.location: DraftStep.location,
    EditField.identity: DraftStep.identity,
}


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
