"""A department's side of a hand-off: its report, from its own chat, that it is done."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.lifecycle import Act
from storage.workflow import dispatches, steps
from storage.workflow.base import Action, Actor, Outcome, Refusal, S
from storage.workflow.handoffs import PHOTOS_MAX, at_department, sign_implied
from storage.workflow.inspectors import resolution
from storage.workflow.publish import publish


async def report_done(
    *,
    session: AsyncSession,
    complaint_id: int,
    department_chat_id: int,
    note: str,
    actor: Actor,
    now: datetime,
    photo_file_ids: list[str] | None = None,
) -> Outcome:
    """A department's report from its own chat: handed_off → resolved; the group is told.

    The event (action resolved, actor "department"; the photos of the finished work, up to 5,
    the first also as `photo_file_id`) goes to the residents with the survey and into the group
    chat as a reply to the card.
    """
    cleaned = steps.clean(note)
    if isinstance(cleaned, Outcome):
        return cleaned
    photos = list(photo_file_ids or [])
    if len(photos) > PHOTOS_MAX:
        return Outcome(None, Refusal.invalid, "photos")
    found = await at_department(session, complaint_id, department_chat_id, Act.report)
    if isinstance(found, Outcome):
        return found
    complaint, department, expected = found.complaint, found.department, S.handed_off
    refused = await steps.move(
        session, complaint, expected, S.resolved, now, resolution(cleaned, now)
    )
    if refused is not None:
        return refused
    event = await steps.record(
        session,
        complaint,
        Actor("department", actor.telegram_id, actor.name or department.name),
        Action.resolved,
        now,
        public=True,
        from_status=expected,
        to_status=S.resolved,
        note=cleaned,
        photo_file_id=photos[0] if photos else None,
        photo_file_ids=photos or None,
    )
    await sign_implied(session, found, actor, now)
    assert complaint.id is not None
    await dispatches.end(session, complaint.id, now, done=True)
    await publish(session, complaint, event, now, tell_group=True)
    return Outcome(complaint, event_id=event.id)
