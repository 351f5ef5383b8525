"""The group's answers to a department's side of a dispatch: 坚持交办 after a 退回, and 同意 /
不同意 to a 申请延期. Only the chat of the complaint's group decides; a request already
answered, or a return already settled, changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col

from storage.lifecycle import Act
from storage.models import ExtensionState, Handoff, HandoffKind, ReturnOutcome
from storage.workflow import dispatches, steps
from storage.workflow.base import Action, Outcome, Press, Refusal, S, press_action
from storage.workflow.publish import publish


@press_action
async def insist(press: Press, *, note: str) -> Outcome:
    """坚持交办: a returned hand-off (accepted, its 退回 waiting) goes back to the same
    department with the group's note; the return counts against the department (overruled).

    The department's card comes back, new, with the note; the resident is not told again.
    """
    cleaned = steps.clean(note)
    if isinstance(cleaned, Outcome):
        return cleaned
    complaint, refused = await steps.owned(press.session, press.complaint_id, press.chat_id)
    if refused is not None:
        return refused
    assert complaint is not None and complaint.id is not None
    last = await dispatches.latest(press.session, complaint.id)
    if last is None or not last.return_pending or complaint.status != press.expected:
        if complaint.status != press.expected:
            return Outcome(complaint, Refusal.moved_on, complaint.status)
        return Outcome(complaint, Refusal.not_allowed, "not_returned")
    if complaint.department_id != last.department_id:
        return Outcome(complaint, Refusal.not_allowed, "not_returned")
    outcome = await steps.transition(
        press,
        Act.insist,
        Action.insisted,
        note=cleaned,
        new_department_card=True,
        public=False,
        settle=ReturnOutcome.overruled,
    )
    if outcome.ok and outcome.complaint is not None:
        await dispatches.start(
            press.session, outcome.complaint, HandoffKind.handoff, press.now, insist_note=cleaned
        )
    return outcome


async def _pending_extension(press: Press, handoff_id: int) -> Handoff | Outcome:
    """The dispatch whose request is answered, or why it cannot be."""
    complaint, refused = await steps.owned(press.session, press.complaint_id, press.chat_id)
    if refused is not None:
        return refused
    assert complaint is not None and complaint.id is not None
    handoff = await dispatches.current(press.session, complaint.id)
    if handoff is None or handoff.id != handoff_id or complaint.status != S.handed_off:
        return Outcome(complaint, Refusal.moved_on, complaint.status)
    if handoff.extension_state != ExtensionState.pending:
        return Outcome(complaint, Refusal.nothing_to_do, handoff.extension_state)
    return handoff


@press_action
async def approve_extension(press: Press, *, handoff_id: int) -> Outcome:
    """同意延期: the due date moves by the days asked (cards, reminders, ledger); the resident
    is told the new date (the event's note), the department hears it under its card.

    Refusals: wrong_chat; moved_on (the dispatch is not the complaint's current one any more);
    nothing_to_do (detail: approved / refused: answered already).
    """
    session, now = press.session, press.now
    handoff = await _pending_extension(press, handoff_id)
    if isinstance(handoff, Outcome):
        return handoff
    complaint = await steps.fresh(session, press.complaint_id)
    assert complaint is not None and complaint.due_on is not None and handoff.id is not None
    days = handoff.extension_days or 0
    made = await dispatches.guarded(
        session,
        handoff.id,
        col(Handoff.extension_state) == ExtensionState.pending,
        extension_state=ExtensionState.approved,
        extension_decided_at=now,
        extension_decided_by=press.actor.name,
        extended_days=Handoff.extended_days + days,
    )
    if not made:
        return Outcome(complaint, Refusal.nothing_to_do, "answered")
    due_on = complaint.due_on + timedelta(days=days)
    refused = await steps.move(
        session, complaint, S.handed_off, S.handed_off, now, {"due_on": due_on}
    )
    if refused is not None:
        return refused
    event = await steps.record(
        session,
        complaint,
        press.actor,
        Action.extension_approved,
        now,
        public=True,
        note=due_on.isoformat(),
    )
    await publish(session, complaint, event, now, tell_department=True)
    return Outcome(complaint, event_id=event.id)


@press_action
async def refuse_extension(press: Press, *, handoff_id: int, reason: str) -> Outcome:
    """不同意延期, with a reason: the due date stays; the department hears why under its card."""
    cleaned = steps.clean(reason)
    if isinstance(cleaned, Outcome):
        return cleaned
    session, now = press.session, press.now
    handoff = await _pending_extension(press, handoff_id)
    if isinstance(handoff, Outcome):
        return handoff
    assert handoff.id is not None
    complaint = await steps.fresh(session, press.complaint_id)
    assert complaint is not None
    made = await dispatches.guarded(
        session,
        handoff.id,
        col(Handoff.extension_state) == ExtensionState.pending,
        extension_state=ExtensionState.refused,
        extension_decided_at=now,
        extension_decided_by=press.actor.name,
        extension_refusal=cleaned,
    )
    if not made:
        return Outcome(complaint, Refusal.nothing_to_do, "answered")
    complaint.updated_at = now
    event = await steps.record(
        session, complaint, press.actor, Action.extension_refused, now, public=False, note=cleaned
    )
    await publish(session, complaint, event, now, tell_department=True)
    return Outcome(complaint, event_id=event.id)
