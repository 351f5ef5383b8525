"""A department's side of a dispatch, from its own chat: 签收, 退回, 申请延期, 阶段性进展.

Each act is checked like a press on a card: the chat must be the linked chat of the
complaint's department, the complaint's current dispatch (`Handoff`) must be that department's,
and the lifecycle must allow the act to a department's chat in the complaint's status
(storage/lifecycle.py). Every change to the dispatch row is a guarded UPDATE
(`dispatches.guarded`), so two presses at once make one change. The report of done is
storage/workflow/departments.py's; a clue's 已受理 and 销号 storage/workflow/clues.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import lifecycle
from storage.lifecycle import Act, Role
from storage.models import (
    RETURN_REASONS,
    Complaint,
    Department,
    ExtensionState,
    Handoff,
    Round,
)
from storage.workflow import dispatches, steps
from storage.workflow.base import Action, Actor, Outcome, Refusal, S
from storage.workflow.publish import publish

# The 延期 a department may ask for, in days (the buttons offer some of these).
EXTENSION_MAX_DAYS = 30
# A progress note's photos, at most.
PHOTOS_MAX = 5


@dataclass
class AtDepartment:
    """A press from a department's chat that may go ahead: the complaint, the department,
    its current dispatch."""

    complaint: Complaint
    department: Department
    handoff: Handoff


async def at_department(
    session: AsyncSession, complaint_id: int, chat_id: int, act: Act
) -> AtDepartment | Outcome:
    """The complaint, its department and current dispatch, if `chat_id` is that department's
    chat and the lifecycle lets the department `act` now; else the refusal.

    Refusals: not_found; wrong_chat (another chat, or a dispatch that went to another
    department since); moved_on (detail: the status; the dispatch ended, e.g. sent back).
    """
    complaint = await steps.fresh(session, complaint_id)
    if complaint is None:
        return Outcome(None, Refusal.not_found)
    department = (
        await session.get(Department, complaint.department_id)
        if complaint.department_id is not None
        else None
    )
    if department is None or department.chat_id is None or department.chat_id != chat_id:
        return Outcome(None, Refusal.wrong_chat)
    if not lifecycle.allows(complaint.status, Role.department, act):
        return Outcome(complaint, Refusal.moved_on, complaint.status)
    assert complaint.id is not None
    handoff = await dispatches.current(session, complaint.id)
    if handoff is None or handoff.department_id != department.id:
        return Outcome(complaint, Refusal.moved_on, complaint.status)
    return AtDepartment(complaint, department, handoff)


def department_actor(actor: Actor, department: Department) -> Actor:
    """The department's member as the timeline records them (the department's name if none)."""
    return Actor("department", actor.telegram_id, actor.name or department.name)


async def as_department(
    session: AsyncSession,
    found: AtDepartment,
    actor: Actor,
    action: Action,
    now: datetime,
    *,
    tell_group: bool = True,
    **event: Any,
) -> Outcome:
    """Record the department's act on the complaint's timeline and publish it (the cards, the
    residents, and under the group's card unless `tell_group` is false)."""
    complaint = found.complaint
    complaint.updated_at = now
    recorded = await steps.record(
        session, complaint, department_actor(actor, found.department), action, now, **event
    )
    await publish(session, complaint, recorded, now, tell_group=tell_group)
    return Outcome(complaint, event_id=recorded.id)


async def sign_implied(
    session: AsyncSession, found: AtDepartment, actor: Actor, now: datetime
) -> None:
    """A department that acts on a dispatch it has not signed for has signed for it now."""
    if found.handoff.signed_at is not None or found.handoff.id is None:
        return
    await dispatches.guarded(
        session,
        found.handoff.id,
        col(Handoff.signed_at).is_(None),
        signed_at=now,
        signed_by_telegram_id=actor.telegram_id,
        signed_by_name=actor.name,
    )


async def sign(
    *,
    session: AsyncSession,
    complaint_id: int,
    department_chat_id: int,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """签收: the department has it (the time and who); both cards show it.

    A second press (already signed, two members at once) is `nothing_to_do` (detail: who
    signed).
    """
    found = await at_department(session, complaint_id, department_chat_id, Act.sign)
    if isinstance(found, Outcome):
        return found
    assert found.handoff.id is not None
    made = await dispatches.guarded(
        session,
        found.handoff.id,
        col(Handoff.signed_at).is_(None),
        signed_at=now,
        signed_by_telegram_id=actor.telegram_id,
        signed_by_name=actor.name,
    )
    if not made:
        await session.refresh(found.handoff)
        return Outcome(found.complaint, Refusal.nothing_to_do, found.handoff.signed_by_name)
    return await as_department(
        session,
        found,
        actor,
        Action.signed,
        now,
        tell_group=False,
        public=False,
    )


async def send_back(
    *,
    session: AsyncSession,
    complaint_id: int,
    department_chat_id: int,
    reason: str,
    note: str,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """退回: handed_off → accepted, with a reason (RETURN_REASONS) and a typed explanation.

    The dispatch ends, returned and waiting for the group (re-dispatch, 立行立改, its own work,
    or 坚持交办). The group hears it under its card; the resident hears only that it is being
    re-assigned (the event has no note).
    """
    if reason not in RETURN_REASONS:
        return Outcome(None, Refusal.invalid, "reason")
    cleaned = steps.clean(note)
    if isinstance(cleaned, Outcome):
        return cleaned
    found = await at_department(session, complaint_id, department_chat_id, Act.send_back)
    if isinstance(found, Outcome):
        return found
    complaint = found.complaint
    assert found.handoff.id is not None
    refused = await steps.move(session, complaint, S.handed_off, S.accepted, now)
    if refused is not None:
        return refused
    await dispatches.guarded(
        session,
        found.handoff.id,
        returned_at=now,
        return_reason=reason,
        return_note=cleaned,
        ended_at=now,
    )
    return await as_department(
        session,
        found,
        actor,
        Action.returned,
        now,
        public=True,
        from_status=S.handed_off,
        to_status=S.accepted,
    )


def round_today(round_: Round | None, now: datetime) -> date:
    """Today on the round's clock."""
    zone = ZoneInfo(round_.timezone if round_ is not None else "Asia/Shanghai")
    return now.astimezone(zone).date()


async def request_extension(
    *,
    session: AsyncSession,
    complaint_id: int,
    department_chat_id: int,
    days: int,
    reason: str,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """申请延期: `days` more, with a reason; the group's chat gets 同意 / 不同意.

    Refusals besides at_department's: invalid "days" (not 1..30), "empty"/"too_long";
    not_allowed "overdue" (the due date has passed: asked too late), "no_due";
    nothing_to_do "pending" (a request already waits for the group).
    """
    if not 0 < days <= EXTENSION_MAX_DAYS:
        return Outcome(None, Refusal.invalid, "days")
    cleaned = steps.clean(reason)
    if isinstance(cleaned, Outcome):
        return cleaned
    found = await at_department(session, complaint_id, department_chat_id, Act.extend)
    if isinstance(found, Outcome):
        return found
    complaint, handoff = found.complaint, found.handoff
    if complaint.due_on is None:
        return Outcome(complaint, Refusal.not_allowed, "no_due")
    today = round_today(await session.get(Round, complaint.round_id), now)
    if today > complaint.due_on:
        return Outcome(complaint, Refusal.not_allowed, "overdue")
    assert handoff.id is not None
    made = await dispatches.guarded(
        session,
        handoff.id,
        or_(
            col(Handoff.extension_state).is_(None),
            col(Handoff.extension_state) != ExtensionState.pending,
        ),
        extension_days=days,
        extension_reason=cleaned,
        extension_requested_at=now,
        extension_state=ExtensionState.pending,
        extension_decided_at=None,
        extension_decided_by=None,
        extension_refusal=None,
    )
    if not made:
        return Outcome(complaint, Refusal.nothing_to_do, "pending")
    await sign_implied(session, found, actor, now)
    return await as_department(
        session,
        found,
        actor,
        Action.extension_requested,
        now,
        public=False,
        note=cleaned,
    )


async def post_progress(
    *,
    session: AsyncSession,
    complaint_id: int,
    department_chat_id: int,
    note: str,
    photo_file_ids: list[str],
    actor: Actor,
    now: datetime,
) -> Outcome:
    """阶段性进展: text and up to 5 photos, without resolving; under the group's card, on the
    timeline, and the text to the resident."""
    cleaned = steps.clean(note)
    if isinstance(cleaned, Outcome):
        return cleaned
    if len(photo_file_ids) > PHOTOS_MAX:
        return Outcome(None, Refusal.invalid, "photos")
    found = await at_department(session, complaint_id, department_chat_id, Act.progress)
    if isinstance(found, Outcome):
        return found
    await sign_implied(session, found, actor, now)
    return await as_department(
        session,
        found,
        actor,
        Action.progress,
        now,
        public=True,
        note=cleaned,
        photo_file_ids=list(photo_file_ids) or None,
    )
