"""A complaint an inspector records as told in person (代录, issue 11 §1): the same draft and
steps as a resident's, owned by the inspector, with the channel (走访, 座谈会, ...) and the
resident's name and phone as typed (or anonymous).

The steps after the location differ: channel, then identity (named or anonymous), then for a
named one the resident's name and phone typed by the inspector (storage/drafts/steps.py,
`advance`).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.drafts.expiry import current
from storage.drafts.steps import StepOutcome, StepResult, answered, step_result
from storage.models import RECORDED_CHANNELS, Draft, DraftStep, InspectionGroup, Resident
from storage.typed_text import tidy, visible_length

NAME_MAX = 50
# A phone number as people type it: digits, spaces, +, - and brackets.
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,22}$")


class Recording(StrEnum):
    """What /record found."""

    started = "started"
    # A recorded draft of this inspector is running: go on with it.
    running = "running"
    # The inspector has a complaint of their own being written: finish or /cancel it first.
    busy = "busy"


def is_recorded(draft: Draft | None) -> bool:
    """Whether a draft is an inspector's record of a complaint heard in person."""
    return draft is not None and draft.recorded_for_group_id is not None


async def start_recording(
    *, session: AsyncSession, group_id: int, inspector: Resident, now: datetime
) -> tuple[Recording, Draft]:
    """/record in a group's chat: a recorded draft for the inspector, at the village step."""
    assert inspector.id is not None
    draft, _expired = await current(session=session, resident_id=inspector.id, now=now)
    if draft is not None:
        return (Recording.running if is_recorded(draft) else Recording.busy), draft
    draft = Draft(
        resident_id=inspector.id,
        step=DraftStep.village,
        recorded_for_group_id=group_id,
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    await session.flush()
    return Recording.started, draft


async def set_channel(
    *, session: AsyncSession, draft: Draft, channel: str, now: datetime
) -> StepResult:
    """How the complaint was heard (走访, 座谈会, 来电, 来信, 来访, 其他)."""
    if channel not in RECORDED_CHANNELS:
        return await step_result(session, draft, now, StepOutcome.stale)
    draft.channel = channel
    return await answered(session, draft, DraftStep.channel, now)


async def set_reporter_name(
    *, session: AsyncSession, draft: Draft, text: str, now: datetime
) -> StepResult:
    """The resident's name as the inspector types it (1 to 50 characters)."""
    name = tidy(text)
    if not visible_length(name):
        return await step_result(session, draft, now, StepOutcome.too_short)
    if len(name) > NAME_MAX:
        return await step_result(session, draft, now, StepOutcome.too_long)
    draft.reporter_name = name
    return await answered(session, draft, DraftStep.reporter_name, now)


async def set_typed_phone(
    *, session: AsyncSession, draft: Draft, text: str | None, now: datetime
) -> StepResult:
    """The resident's phone as the inspector types it, or None when skipped."""
    phone = tidy(text) if text is not None else None
    if phone is not None and not PHONE.match(phone):
        return await step_result(session, draft, now, StepOutcome.too_long)
    draft.phone = phone
    return await answered(session, draft, DraftStep.phone, now)


async def group_chats(*, session: AsyncSession) -> list[InspectionGroup]:
    """The inspection groups with a linked chat, whose members may record (代录) in private."""
    statement = (
        select(InspectionGroup)
        .where(col(InspectionGroup.chat_id).is_not(None))
        .order_by(col(InspectionGroup.id))
    )
    return list((await session.exec(statement)).all())
