"""A department's side of a hand-off: its report, from its own chat, that it is done."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.lifecycle import Act, Role
from storage.models import Department
from storage.workflow import dispatches, steps
from storage.workflow.base import Action, Actor, Outcome, Refusal, S
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
) -> Outcome:
    """A department's report from its own chat: handed_off → resolved; the group is told.

    The event (action resolved, actor "department") goes to the residents with the survey and
    into the group chat as a reply to the card.
    """
    cleaned = steps.clean(note)
    if isinstance(cleaned, Outcome):
        return cleaned
    complaint = await steps.fresh(session, complaint_id)
    if complaint is None:
        return Outcome(None, Refusal.not_found)
    department = (
        await session.get(Department, complaint.department_id)
        if complaint.department_id is not None
        else None
    )
    if (
        department is None
        or department.chat_id is None
        or department.chat_id != department_chat_id
    ):
        return Outcome(None, Refusal.wrong_chat)
    expected = S.handed_off
    refused = steps.check_move(complaint, expected, Act.report, Role.department)
    if refused is not None:
        return refused
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
    )
    assert complaint.id is not None
    await dispatches.end(session, complaint.id, now, done=True)
    await publish(session, complaint, event, now, tell_group=True)
    return Outcome(complaint, event_id=event.id)
