"""回访 of a complaint's followers (加入关注) and of the residents of duplicates merged into it.

They are asked the same two questions as the complaint's own resident, but their answers only
inform: each is an internal timeline event (`follower_resolution`, note: the state; then
`follower_rated`, note: "<state>:<satisfaction>", told to the group chat under the card). The
complaint's status (reopen, close) and the rates (storage/rates.py, Complaint.satisfaction)
follow the owner's answer alone. A follower may answer while the complaint is resolved or
closed, within the owner's 7 days (SURVEY_CLOSE_AFTER from survey_asked_at); not after a
reopening, and once each.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import triage
from storage.models import Complaint, Resident, TimelineEvent
from storage.workflow import steps
from storage.workflow.base import Action, Actor, Outcome, Refusal, S
from storage.workflow.publish import publish

FOLLOWER = "follower"
# As long as the owner's survey stays open before the sweep closes it (storage/schedule).
FOLLOWER_SURVEY_OPEN = timedelta(days=7)


async def is_follower(session: AsyncSession, complaint: Complaint, resident: Resident) -> bool:
    """Whether the resident hears the complaint without owning it (joined, or merged in)."""
    assert complaint.id is not None
    if complaint.resident_id == resident.id:
        return False
    told = await triage.complaint_residents(session=session, complaint_id=complaint.id)
    return any(r.id == resident.id for r in told)


async def _answers(
    session: AsyncSession, complaint: Complaint, resident: Resident
) -> dict[str, str]:
    """The follower's answers to this 回访 so far, by action."""
    assert complaint.survey_asked_at is not None
    statement = select(TimelineEvent).where(
        TimelineEvent.complaint_id == complaint.id,
        TimelineEvent.actor_telegram_id == resident.telegram_id,
        col(TimelineEvent.action).in_([Action.follower_resolution, Action.follower_rated]),
        col(TimelineEvent.at) >= complaint.survey_asked_at,
    )
    return {e.action: e.note or "" for e in (await session.exec(statement)).all()}


def _open(complaint: Complaint, now: datetime) -> bool:
    """Whether followers may still answer this complaint's 回访."""
    asked = complaint.survey_asked_at
    return (
        complaint.status in (S.resolved, S.closed)
        and asked is not None
        and now < asked + FOLLOWER_SURVEY_OPEN
    )


async def answer(
    session: AsyncSession,
    complaint: Complaint,
    resident: Resident,
    now: datetime,
    *,
    state: str | None = None,
    satisfaction: str | None = None,
) -> Outcome:
    """Record a follower's answer (first `state`, then `satisfaction`); detail "follower"."""
    if not _open(complaint, now):
        return Outcome(complaint, Refusal.moved_on, complaint.status)
    given = await _answers(session, complaint, resident)
    actor = Actor("resident", resident.telegram_id, None)
    if state is not None:
        if given:
            return Outcome(complaint, Refusal.moved_on, "answered")
        await steps.record(
            session, complaint, actor, Action.follower_resolution, now, public=False, note=state
        )
        return Outcome(complaint, detail=FOLLOWER)
    if Action.follower_rated in given:
        return Outcome(complaint, Refusal.moved_on, "answered")
    first = given.get(Action.follower_resolution, "")
    event = await steps.record(
        session,
        complaint,
        actor,
        Action.follower_rated,
        now,
        public=False,
        note=f"{first}:{satisfaction}",
    )
    await publish(session, complaint, event, now, tell_group=True)
    return Outcome(complaint, detail=FOLLOWER, event_id=event.id)
