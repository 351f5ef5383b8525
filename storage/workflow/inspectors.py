"""The inspectors' actions on a card in their group's chat: each one press, one change."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox
from storage.cards import has_attachments
from storage.lifecycle import Act
from storage.models import Complaint, Department, FollowUp, HandoffKind
from storage.triage import normalise_number
from storage.workflow import dispatches, steps
from storage.workflow.base import FINISHED, Action, Outcome, Press, Refusal, S, press_action
from storage.workflow.publish import publish


@press_action
async def accept(press: Press) -> Outcome:
    """受理: new → accepted; the resident is told."""
    return await steps.transition(press, Act.accept, Action.accepted)


@press_action
async def take(press: Press) -> Outcome:
    """认领: the actor is now on it (no status change; internal event; the card refreshes)."""
    session, actor, now = press.session, press.actor, press.now
    complaint = await steps.pressed_on(press, finished=False)
    if isinstance(complaint, Outcome):
        return complaint
    if actor.telegram_id is not None and complaint.taken_by_telegram_id == actor.telegram_id:
        return Outcome(complaint, Refusal.nothing_to_do, complaint.taken_by_name)
    complaint.taken_by_telegram_id = actor.telegram_id
    complaint.taken_by_name = actor.name
    complaint.updated_at = now
    event = await steps.record(session, complaint, actor, Action.taken, now, public=False)
    await publish(session, complaint, event, now)
    return Outcome(complaint, event_id=event.id)


@press_action
async def order_immediate(press: Press, *, due_on: date) -> Outcome:
    """立行立改: → immediate, due by `due_on` (never a sensitive category)."""
    return await steps.transition(
        press, Act.immediate, Action.immediate, values={"due_on": due_on}
    )


async def _round_department(
    session: AsyncSession, complaint: Complaint, department_id: int
) -> Department | None:
    """A department of the complaint's round."""
    department = await session.get(Department, department_id)
    if department is None or department.round_id != complaint.round_id:
        return None
    return department


@press_action
async def hand_off(press: Press, *, department_id: int, due_on: date) -> Outcome:
    """现场交办: → handed_off to a department of the round (never a sensitive category).

    A linked department chat gets a card without the resident's identity.
    """
    names: list[str] = []

    async def check(complaint: Complaint) -> Outcome | None:
        department = await _round_department(press.session, complaint, department_id)
        if department is None:
            return Outcome(complaint, Refusal.invalid, "unknown_department")
        names.append(department.name)
        return None

    outcome = await steps.transition(
        press,
        Act.hand_off,
        Action.handed_off,
        check=check,
        note=lambda: names[0],
        values={"department_id": department_id, "due_on": due_on},
        new_department_card=True,
    )
    if outcome.ok and outcome.complaint is not None:
        await dispatches.start(press.session, outcome.complaint, HandoffKind.handoff, press.now)
    return outcome


@press_action
async def transfer(press: Press, *, department_id: int) -> Outcome:
    """移交问题线索: → transferred to a department that receives clues; no other chat is told.

    The event has no note: the resident is told only that it was passed on as the rules
    require. The commission's linked chat gets a confidential card (never the resident's
    identity) with the complaint's attachments under it (storage/workflow/clues.py).
    """

    async def check(complaint: Complaint) -> Outcome | None:
        department = await _round_department(press.session, complaint, department_id)
        if department is None:
            return Outcome(complaint, Refusal.invalid, "unknown_department")
        if not department.receives_clues:
            return Outcome(complaint, Refusal.not_allowed, "not_for_clues")
        return None

    outcome = await steps.transition(
        press,
        Act.transfer,
        Action.transferred,
        values={"department_id": department_id, "due_on": None},
        check=check,
        new_department_card=True,
    )
    if outcome.ok and outcome.complaint is not None:
        await dispatches.start(press.session, outcome.complaint, HandoffKind.clue, press.now)
        await _clue_attachments(press, outcome.complaint)
    return outcome


async def _clue_attachments(press: Press, complaint: Complaint) -> None:
    """The clue's location, photos and voice, under its card in the commission's chat."""
    department = await press.session.get(Department, complaint.department_id)
    if department is None or department.chat_id is None or not has_attachments(complaint):
        return
    outbox.enqueue_attachments(
        session=press.session, complaint=complaint, chat_id=department.chat_id, now=press.now
    )


@press_action
async def reject(press: Press, *, reason: str) -> Outcome:
    """不予受理: → rejected with a reason; the resident gets it and the office contact."""
    cleaned = steps.clean(reason)
    if isinstance(cleaned, Outcome):
        return cleaned
    return await steps.transition(press, Act.reject, Action.rejected, note=cleaned)


@press_action
async def reconsider(press: Press) -> Outcome:
    """rejected → accepted (event action "accepted"); the resident is told."""
    if press.expected != S.rejected:
        # Only a rejection is reconsidered; anything else is the lifecycle's business.
        complaint, refused = await steps.owned(press.session, press.complaint_id, press.chat_id)
        if refused is not None:
            return refused
        assert complaint is not None
        if complaint.status != press.expected:
            return Outcome(complaint, Refusal.moved_on, complaint.status)
        return Outcome(complaint, Refusal.not_allowed, complaint.status)
    return await steps.transition(press, Act.reconsider, Action.accepted)


@press_action
async def merge(press: Press, *, into_number: str) -> Outcome:
    """合并: the complaint joins another of its group (→ merged, merged_into_id).

    Its resident is told, and from then on hears the target's later updates too. `invalid`
    details: "unknown_number" (none in this group), "self", "target_merged", "target_closed".
    """
    session, expected, actor, now = press.session, press.expected, press.actor, press.now
    complaint, refused = await steps.owned(session, press.complaint_id, press.chat_id)
    if refused is not None:
        return refused
    assert complaint is not None
    refused = steps.check_move(complaint, expected, Act.merge, steps.role_of(press))
    if refused is not None:
        return refused
    statement = select(Complaint).where(
        func.upper(col(Complaint.number)) == normalise_number(into_number),
        Complaint.group_id == complaint.group_id,
    )
    found = (await session.exec(statement)).first()
    if found is None:
        return Outcome(complaint, Refusal.invalid, "unknown_number")
    if found.id == complaint.id:
        return Outcome(complaint, Refusal.invalid, "self")
    # Lock both, in id order, and read them as they are now: of two merges into each other
    # at once (A → B and B → A), the second waits, then sees its target merged.
    locked = (
        await session.exec(
            select(Complaint)
            .where(col(Complaint.id).in_([complaint.id, found.id]))
            .order_by(col(Complaint.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    rows = {row.id: row for row in locked}
    complaint, target = rows[complaint.id], rows[found.id]
    refused = steps.check_move(complaint, expected, Act.merge, steps.role_of(press))
    if refused is not None:
        return refused
    if target.status in FINISHED:
        return Outcome(complaint, Refusal.invalid, f"target_{target.status}")
    refused = await steps.move(
        session, complaint, expected, S.merged, now, {"merged_into_id": target.id}
    )
    if refused is not None:
        return refused
    event = await steps.record(
        session,
        complaint,
        actor,
        Action.merged,
        now,
        public=True,
        from_status=expected,
        to_status=S.merged,
        note=target.number,
    )
    await publish(session, complaint, event, now)
    target.updated_at = now
    joined = await steps.record(
        session, target, actor, Action.merged_in, now, public=False, note=complaint.number
    )
    await publish(session, target, joined, now)
    return Outcome(complaint, event_id=event.id)


@press_action
async def ask_resident(press: Press, *, question: str) -> Outcome:
    """追问: a FollowUp; the resident gets the question with an "answer" button.

    The event (action follow_up_asked, note: the question) is public and names its FollowUp.
    """
    cleaned = steps.clean(question)
    if isinstance(cleaned, Outcome):
        return cleaned
    session, now = press.session, press.now
    complaint = await steps.pressed_on(press, finished=False)
    if isinstance(complaint, Outcome):
        return complaint
    assert complaint.id is not None
    follow_up = FollowUp(
        complaint_id=complaint.id, question=cleaned, asked_at=now, asked_by_name=press.actor.name
    )
    session.add(follow_up)
    await session.flush()
    complaint.updated_at = now
    event = await steps.record(
        session,
        complaint,
        press.actor,
        Action.follow_up_asked,
        now,
        public=True,
        note=cleaned,
        follow_up_id=follow_up.id,
    )
    await publish(session, complaint, event, now)
    return Outcome(complaint, event_id=event.id)


@press_action
async def resolve(press: Press, *, note: str, photo_file_id: str | None) -> Outcome:
    """办结: → resolved with a note (and a photo, on the event); the resident rates it."""
    cleaned = steps.clean(note)
    if isinstance(cleaned, Outcome):
        return cleaned
    outcome = await steps.transition(
        press,
        Act.resolve,
        Action.resolved,
        note=cleaned,
        values=resolution(cleaned, press.now),
        photo_file_id=photo_file_id or None,
    )
    if outcome.ok:
        # The group resolved it itself: a dispatch still open ends, not done by the department.
        await dispatches.end(press.session, press.complaint_id, press.now)
    return outcome


def resolution(note: str, now: datetime) -> dict[str, Any]:
    """The columns a resolution sets."""
    # A new resolution asks the 回访 afresh: the answers to the last one are cleared.
    return {
        "resolution": note,
        "resolved_at": now,
        "survey_asked_at": now,
        "satisfaction": None,
        "resolution_state": None,
    }


@press_action
async def add_note(press: Press, *, note: str) -> Outcome:
    """An internal note on the timeline (public=False), never sent to the resident."""
    cleaned = steps.clean(note)
    if isinstance(cleaned, Outcome):
        return cleaned
    session, now = press.session, press.now
    complaint = await steps.pressed_on(press, finished=True)
    if isinstance(complaint, Outcome):
        return complaint
    complaint.updated_at = now
    event = await steps.record(
        session, complaint, press.actor, Action.note, now, public=False, note=cleaned
    )
    await publish(session, complaint, event, now)
    return Outcome(complaint, event_id=event.id)


@press_action
async def close(press: Press, *, note: str | None = None) -> Outcome:
    """Close a transferred complaint (from the group chat), or a resolved one nobody rated.

    `chat_id` None only for the system (a scheduled sweep), which needs no chat.
    """
    if press.chat_id is None and press.actor.kind != "system":
        return Outcome(None, Refusal.wrong_chat)
    outcome = await steps.transition(
        press, Act.close, Action.closed, note=note, values={"closed_at": press.now}
    )
    if outcome.ok:
        # A clue the group closes itself: the commission's dispatch ends (not as its 销号).
        await dispatches.end(press.session, press.complaint_id, press.now)
    return outcome
