"""加入关注: a resident about to file joins an open complaint like theirs instead.

They become its follower (ComplaintFollower): they hear its public updates as the residents of
merged duplicates do (storage/triage.py complaint_residents), the card counts them, and their
draft is gone. Nothing of the complaint's own resident is shown to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Complaint, ComplaintFollower, Draft, DraftStep
from storage.similar.lookup import OPEN, is_sensitive
from storage.villages import open_coverage
from storage.workflow import steps
from storage.workflow.base import Action, Actor
from storage.workflow.publish import publish


class JoinOutcome(StrEnum):
    """What became of a press on 加入关注."""

    joined = "joined"
    # Already a follower (a second press): nothing changes, the draft goes all the same.
    already = "already"
    # The complaint is no longer open (办结, closed, merged, rejected, transferred).
    closed = "closed"
    # A sensitive category, another round or category, the resident's own, or no such one.
    refused = "refused"
    # The draft is gone or no longer at its summary (an old button).
    stale = "stale"


@dataclass
class Joined:
    """The result of join."""

    outcome: JoinOutcome
    complaint: Complaint | None = None


async def join(
    *,
    session: AsyncSession,
    resident_id: int,
    draft_id: int,
    complaint_id: int,
    now: datetime,
) -> Joined:
    """Make the resident a follower of an open complaint alike to their draft; the draft goes.

    A refusal changes nothing: the draft stays at its summary.
    """
    statement = select(Draft).where(Draft.id == draft_id, Draft.resident_id == resident_id)
    draft = (await session.exec(statement)).first()
    if draft is None or draft.step != DraftStep.confirm or draft.village_id is None:
        return Joined(JoinOutcome.stale)
    complaint = await steps.fresh(session, complaint_id)
    coverage = await open_coverage(session=session, village_id=draft.village_id, now=now)
    if (
        complaint is None
        or coverage is None
        or complaint.round_id != coverage.round.id
        or complaint.category_code != draft.category_code
        or complaint.resident_id == resident_id
        or await is_sensitive(session, complaint.round_id, complaint.category_code)
    ):
        return Joined(JoinOutcome.refused)
    if complaint.status not in OPEN:
        return Joined(JoinOutcome.closed, complaint)
    assert complaint.id is not None
    existing = (
        await session.exec(
            select(ComplaintFollower).where(
                ComplaintFollower.complaint_id == complaint.id,
                ComplaintFollower.resident_id == resident_id,
            )
        )
    ).first()
    await session.delete(draft)
    if existing is not None:
        await session.flush()
        return Joined(JoinOutcome.already, complaint)
    session.add(
        ComplaintFollower(complaint_id=complaint.id, resident_id=resident_id, joined_at=now)
    )
    complaint.updated_at = now
    # Internal: the group's card counts followers; the complaint's resident is not told.
    event = await steps.record(
        session, complaint, Actor("resident"), Action.followed, now, public=False
    )
    await publish(session, complaint, event, now, department_card=False)
    return Joined(JoinOutcome.joined, complaint)
