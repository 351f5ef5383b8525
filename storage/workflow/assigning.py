"""指派: an inspector assigns a complaint to a member of the group's chat (承办人)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import lifecycle, members
from storage.lifecycle import Act, Role
from storage.models import Complaint
from storage.workflow import steps
from storage.workflow.base import Action, Outcome, Press, Refusal, press_action
from storage.workflow.publish import publish


@press_action
async def assign(press: Press, *, telegram_id: int) -> Outcome:
    """The complaint's 承办人 is now this member (seen in the group's chat); no status change.

    Only from the group's own chat, while the card's status is still the complaint's and the
    lifecycle offers 指派 in it; someone the bot has not seen in that chat is refused
    ("unknown_member"), the same member again changes nothing. An internal event; the card
    refreshes.
    """
    complaint = await steps.pressed_on(press, finished=False)
    if isinstance(complaint, Outcome):
        return complaint
    if press.expected and complaint.status != press.expected:
        return Outcome(complaint, Refusal.moved_on, complaint.status)
    if not lifecycle.allows(complaint.status, Role.group, Act.assign):
        return Outcome(complaint, Refusal.not_allowed, complaint.status)
    found = await members.member(
        session=press.session, group_id=complaint.group_id, telegram_id=telegram_id
    )
    if found is None:
        return Outcome(complaint, Refusal.invalid, "unknown_member")
    if complaint.assignee_telegram_id == telegram_id:
        return Outcome(complaint, Refusal.nothing_to_do, found.name)
    if not await claim(press.session, complaint, telegram_id, found.name, press.now):
        # Someone pressed at the same moment: their change stands, this one makes none.
        current = await steps.fresh(press.session, press.complaint_id)
        if current is not None and current.assignee_telegram_id == telegram_id:
            return Outcome(current, Refusal.nothing_to_do, found.name)
        return Outcome(current, Refusal.moved_on, current.status if current else None)
    event = await steps.record(
        press.session,
        complaint,
        press.actor,
        Action.assigned,
        press.now,
        public=False,
        note=found.name,
    )
    await publish(press.session, complaint, event, press.now)
    return Outcome(complaint, event_id=event.id)


async def claim(
    session: AsyncSession, complaint: Complaint, telegram_id: int, name: str, now: datetime
) -> bool:
    """Set the 承办人 only if the complaint is still as read (its status, another assignee).

    The guarded UPDATE is evaluated again on PostgreSQL after a concurrent writer commits, so
    of two presses at once only one makes the change (and writes the event).
    """
    assert complaint.id is not None
    statement = (
        update(Complaint)
        .where(
            col(Complaint.id) == complaint.id,
            col(Complaint.status) == complaint.status,
            or_(
                col(Complaint.assignee_telegram_id).is_(None),
                col(Complaint.assignee_telegram_id) != telegram_id,
            ),
        )
        .values(assignee_telegram_id=telegram_id, assignee_name=name, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    result = cast("CursorResult[Any]", await session.exec(statement))
    if result.rowcount != 1:
        return False
    for field, value in (
        ("assignee_telegram_id", telegram_id),
        ("assignee_name", name),
        ("updated_at", now),
    ):
        set_committed_value(complaint, field, value)
    return True
