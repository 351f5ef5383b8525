"""The resident after filing (issue 11): 撤回 and 补充材料 on their own complaint.

Both are the resident's acts in the lifecycle (storage/lifecycle.py, Role.resident): 撤回
moves a complaint not resolved yet to `withdrawn`, 补充材料 adds to an open one. A complaint
that is someone else's is `not_found` (nothing leaks); one that is closed is `not_allowed`
with its status, and the resident is told to file a new one.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import lifecycle
from storage.lifecycle import Act, Role
from storage.models import Complaint
from storage.typed_text import tidy, visible_length
from storage.workflow import dispatches, steps
from storage.workflow.base import TEXT_MAX, Action, Outcome, Refusal
from storage.workflow.publish import publish
from storage.workflow.residents import resident_by_telegram_id

# 补充材料: as for filing, at most this many photos and one voice message at a time.
SUPPLEMENT_PHOTOS_MAX = 5
# An optional reason for 撤回.
WITHDRAW_REASON_MAX = 500


async def own_complaint(
    session: AsyncSession, resident_telegram_id: int, complaint_id: int
) -> tuple[Complaint | None, Outcome | None]:
    """The resident's own complaint as the database has it now; else the refusal."""
    resident = await resident_by_telegram_id(session, resident_telegram_id)
    complaint = await steps.fresh(session, complaint_id)
    if resident is None or complaint is None or complaint.resident_id != resident.id:
        return None, Outcome(None, Refusal.not_found)
    return complaint, None


async def may(
    *, session: AsyncSession, resident_telegram_id: int, complaint_id: int, act: Act
) -> Outcome:
    """Whether the resident may withdraw or add to their complaint now (nothing changes)."""
    complaint, refused = await own_complaint(session, resident_telegram_id, complaint_id)
    if refused is not None:
        return refused
    assert complaint is not None
    if not lifecycle.allows(complaint.status, Role.resident, act):
        return Outcome(complaint, Refusal.not_allowed, complaint.status)
    return Outcome(complaint)


async def withdraw(
    *,
    session: AsyncSession,
    resident_telegram_id: int,
    complaint_id: int,
    expected: str,
    reason: str | None,
    now: datetime,
) -> Outcome:
    """群众撤回: the complaint leaves the group's work, with the resident's reason if given.

    Guarded on the status the resident saw; a department's open hand-off ends; the group is
    told under its card.
    """
    complaint, refused = await own_complaint(session, resident_telegram_id, complaint_id)
    if refused is not None:
        return refused
    assert complaint is not None and complaint.id is not None
    note = tidy(reason or "") or None
    if note is not None and len(note) > WITHDRAW_REASON_MAX:
        return Outcome(complaint, Refusal.invalid, "too_long")
    refused = steps.check_move(complaint, expected, Act.withdraw, Role.resident)
    if refused is None:
        refused = await steps.move(session, complaint, expected, lifecycle.S.withdrawn, now)
    if refused is not None:
        return refused
    await dispatches.end(session, complaint.id, now)
    resident = await resident_by_telegram_id(session, resident_telegram_id)
    assert resident is not None
    event = await steps.record(
        session,
        complaint,
        steps.resident_actor(complaint, resident),
        Action.withdrawn,
        now,
        public=True,
        from_status=expected,
        to_status=lifecycle.S.withdrawn,
        note=note,
    )
    await publish(session, complaint, event, now, tell_group=True, tell_department=True)
    return Outcome(complaint, event_id=event.id)


async def supplement(
    *,
    session: AsyncSession,
    resident_telegram_id: int,
    complaint_id: int,
    text: str | None,
    photo_file_ids: list[str],
    voice_file_id: str | None,
    now: datetime,
) -> Outcome:
    """补充材料: text, photos or a voice message added to an open complaint, told to the group
    under its card (for an anonymous complaint without a name)."""
    complaint, refused = await own_complaint(session, resident_telegram_id, complaint_id)
    if refused is not None:
        return refused
    assert complaint is not None
    if not lifecycle.allows(complaint.status, Role.resident, Act.supplement):
        return Outcome(complaint, Refusal.not_allowed, complaint.status)
    cleaned = tidy(text or "") or None
    if cleaned is not None and len(cleaned) > TEXT_MAX:
        return Outcome(complaint, Refusal.invalid, "too_long")
    if len(photo_file_ids) > SUPPLEMENT_PHOTOS_MAX:
        return Outcome(complaint, Refusal.invalid, "too_many_photos")
    has_text = cleaned is not None and visible_length(cleaned) > 0
    if not has_text and not photo_file_ids and voice_file_id is None:
        return Outcome(complaint, Refusal.invalid, "empty")
    resident = await resident_by_telegram_id(session, resident_telegram_id)
    assert resident is not None
    complaint.updated_at = now
    event = await steps.record(
        session,
        complaint,
        steps.resident_actor(complaint, resident),
        Action.supplemented,
        now,
        public=False,
        note=cleaned if has_text else None,
        photo_file_ids=list(photo_file_ids) or None,
    )
    event.voice_file_id = voice_file_id
    await publish(session, complaint, event, now, tell_group=True)
    return Outcome(complaint, event_id=event.id)
