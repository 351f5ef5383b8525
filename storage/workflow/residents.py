"""The resident's side: answering an inspector's question (the survey: survey.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import FollowUp, Resident
from storage.workflow import steps
from storage.workflow.base import FINISHED, Action, Outcome, Refusal, S
from storage.workflow.publish import publish

# A question about a complaint in these statuses is no longer answered.
CLOSED_TO_ANSWERS = FINISHED | {S.resolved, S.rejected}


async def resident_by_telegram_id(session: AsyncSession, telegram_id: int) -> Resident | None:
    """A resident by Telegram id."""
    statement = select(Resident).where(Resident.telegram_id == telegram_id)
    return (await session.exec(statement)).first()


async def start_answer(
    *, session: AsyncSession, resident_telegram_id: int, follow_up_id: int, now: datetime
) -> Outcome:
    """The resident pressed "answer": their next text answers this question.

    Only for a question about their own complaint (else not_found, so nothing leaks);
    an answered question is `nothing_to_do`.
    """
    resident = await resident_by_telegram_id(session, resident_telegram_id)
    follow_up = await session.get(FollowUp, follow_up_id)
    if resident is None or follow_up is None:
        return Outcome(None, Refusal.not_found)
    complaint = await steps.fresh(session, follow_up.complaint_id)
    if complaint is None or complaint.resident_id != resident.id:
        return Outcome(None, Refusal.not_found)
    if follow_up.answer is not None:
        return Outcome(complaint, Refusal.nothing_to_do, "answered")
    if complaint.status in CLOSED_TO_ANSWERS:
        # Finished (issue 11 §4): the way on is a new complaint, not an answer to this one.
        return Outcome(complaint, Refusal.not_allowed, complaint.status)
    resident.answering_follow_up_id = follow_up.id
    await session.flush()
    return Outcome(complaint)


async def answering(*, session: AsyncSession, resident_telegram_id: int) -> FollowUp | None:
    """The question the resident's next text answers, if any (still unanswered)."""
    resident = await resident_by_telegram_id(session, resident_telegram_id)
    if resident is None or resident.answering_follow_up_id is None:
        return None
    follow_up = await session.get(FollowUp, resident.answering_follow_up_id)
    if follow_up is None or follow_up.answer is not None:
        return None
    return follow_up


async def stop_answering(*, session: AsyncSession, resident_telegram_id: int) -> bool:
    """The resident's next text no longer answers a question (it stays open); False if none."""
    resident = await resident_by_telegram_id(session, resident_telegram_id)
    if resident is None or resident.answering_follow_up_id is None:
        return False
    resident.answering_follow_up_id = None
    await session.flush()
    return True


async def answer_follow_up(
    *, session: AsyncSession, resident_telegram_id: int, text: str, now: datetime
) -> Outcome:
    """Store the resident's answer and send it into the group chat (as a reply to the card).

    The event (follow_up_answered, internal; names its FollowUp) names the resident only for a
    named complaint.
    """
    resident = await resident_by_telegram_id(session, resident_telegram_id)
    if resident is None or resident.answering_follow_up_id is None:
        return Outcome(None, Refusal.nothing_to_do)
    cleaned = steps.clean(text)
    if isinstance(cleaned, Outcome):
        return cleaned
    follow_up = await session.get(FollowUp, resident.answering_follow_up_id)
    complaint = (
        await steps.fresh(session, follow_up.complaint_id) if follow_up is not None else None
    )
    if follow_up is None or complaint is None or complaint.resident_id != resident.id:
        resident.answering_follow_up_id = None
        return Outcome(None, Refusal.nothing_to_do)
    if follow_up.answer is not None:
        resident.answering_follow_up_id = None
        return Outcome(complaint, Refusal.nothing_to_do, "answered")
    follow_up.answer = cleaned
    follow_up.answered_at = now
    resident.answering_follow_up_id = None
    complaint.updated_at = now
    event = await steps.record(
        session,
        complaint,
        steps.resident_actor(complaint, resident),
        Action.follow_up_answered,
        now,
        public=False,
        note=cleaned,
        follow_up_id=follow_up.id,
    )
    await publish(session, complaint, event, now, tell_group=True)
    return Outcome(complaint, event_id=event.id)
