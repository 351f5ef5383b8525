"""回访 after a resolution: 问题解决了吗 and 您满意吗, and the group's call on 部分解决.

The two answers (Complaint.resolution_state, Complaint.satisfaction) are what storage/rates.py
counts. 未解决 reopens the complaint at once (the satisfaction question is still asked and its
answer recorded); 不满意 reopens it; 部分解决 with 满意 or 基本满意 keeps it resolved and asks
the group whether to reopen it (an internal `partly_solved` event told to the group chat,
with the group's two buttons); otherwise the answer closes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import lifecycle
from storage.lifecycle import Act, Role
from storage.models import Complaint, TimelineEvent
from storage.workflow import follower_survey, steps
from storage.workflow.base import (
    RESOLUTION_STATES,
    SATISFACTIONS,
    Action,
    Actor,
    Outcome,
    Press,
    Refusal,
    S,
    press_action,
)
from storage.workflow.publish import publish
from storage.workflow.residents import resident_by_telegram_id

UNSOLVED = "unsolved"
PARTLY = "partly"


async def _own_resolved(
    session: AsyncSession, complaint_id: int, resident_telegram_id: int
) -> tuple[Complaint, Actor] | Outcome:
    """The resident's own complaint and the resident as actor; else the refusal."""
    complaint = await steps.fresh(session, complaint_id)
    resident = await resident_by_telegram_id(session, resident_telegram_id)
    if complaint is None:
        return Outcome(None, Refusal.not_found)
    if resident is None or complaint.resident_id != resident.id:
        return Outcome(None, Refusal.not_allowed)
    return complaint, steps.resident_actor(complaint, resident)


async def _as_follower(
    session: AsyncSession,
    complaint_id: int,
    resident_telegram_id: int,
    now: datetime,
    **answer: str,
) -> Outcome:
    """A follower's answer (recorded, informs the group); else not_allowed."""
    complaint = await steps.fresh(session, complaint_id)
    resident = await resident_by_telegram_id(session, resident_telegram_id)
    if complaint is None or resident is None:
        return Outcome(None, Refusal.not_allowed)
    if not await follower_survey.is_follower(session, complaint, resident):
        return Outcome(None, Refusal.not_allowed)
    return await follower_survey.answer(session, complaint, resident, now, **answer)


async def _set_if_open(
    session: AsyncSession, complaint: Complaint, now: datetime, **values: Any
) -> bool:
    """Record an answer on a resolved complaint whose 回访 is still open (one press wins)."""
    assert complaint.id is not None
    still_open = [
        col(Complaint.id) == complaint.id,
        col(Complaint.status) == S.resolved,
        col(Complaint.satisfaction).is_(None),
    ]
    if "resolution_state" in values:
        still_open.append(col(Complaint.resolution_state).is_(None))
    statement = (
        update(Complaint)
        .where(*still_open)
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    result = cast("CursorResult[Any]", await session.exec(statement))
    if result.rowcount != 1:
        return False
    for name, value in {"updated_at": now, **values}.items():
        setattr(complaint, name, value)
    return True


async def answer_resolution(
    *,
    session: AsyncSession,
    complaint_id: int,
    resident_telegram_id: int,
    state: str,
    now: datetime,
) -> Outcome:
    """The resident's answer to 问题解决了吗: solved / partly / unsolved.

    Only the complaint's own resident, only while resolved and not answered yet (else moved_on
    with the current status). `unsolved` reopens it and alerts the group. A follower's answer
    is only recorded (detail "follower"); anyone else: not_allowed.
    """
    if state not in RESOLUTION_STATES:
        return Outcome(None, Refusal.invalid, "resolution_state")
    found = await _own_resolved(session, complaint_id, resident_telegram_id)
    if isinstance(found, Outcome) and found.refusal == Refusal.not_allowed:
        return await _as_follower(session, complaint_id, resident_telegram_id, now, state=state)
    if isinstance(found, Outcome):
        return found
    complaint, actor = found
    if complaint.status != S.resolved:
        return Outcome(complaint, Refusal.moved_on, complaint.status)
    if complaint.resolution_state is not None or complaint.satisfaction is not None:
        return Outcome(complaint, Refusal.moved_on, complaint.status)
    if state != UNSOLVED:
        if not await _set_if_open(session, complaint, now, resolution_state=state):
            current = await steps.fresh(session, complaint_id)
            return Outcome(current, Refusal.moved_on, current.status if current else None)
        return Outcome(complaint)
    return await _reopen(session, complaint, actor, now, {"resolution_state": state}, UNSOLVED)


async def _reopen(
    session: AsyncSession,
    complaint: Complaint,
    actor: Actor,
    now: datetime,
    values: dict[str, Any],
    note: str,
) -> Outcome:
    """Reopen a resolved complaint (resolved → accepted), tell the resident and the group."""
    if actor.kind == "resident":
        refused = steps.check_move(complaint, S.resolved, Act.reopen, Role.resident)
    else:
        refused = _check_partly(complaint, Act.reopen)
    if refused is not None:
        return refused
    to = lifecycle.MOVES_TO[Act.reopen]
    refused = await steps.move(session, complaint, S.resolved, to, now, values)
    if refused is not None:
        return refused
    event = await steps.record(
        session,
        complaint,
        actor,
        Action.reopened,
        now,
        public=True,
        from_status=S.resolved,
        to_status=to,
        note=note,
    )
    await publish(session, complaint, event, now, tell_group=actor.kind == "resident")
    return Outcome(complaint, event_id=event.id)


async def rate(
    *,
    session: AsyncSession,
    complaint_id: int,
    resident_telegram_id: int,
    satisfaction: str,
    now: datetime,
) -> Outcome:
    """The resident's answer to 您满意吗: satisfied / basic / unsatisfied.

    Only the complaint's own resident; a follower's is only recorded and told to the group
    (detail "follower", storage/workflow/follower_survey.py); anyone else: not_allowed. After
    未解决 (already reopened) the answer is only recorded (detail "recorded"); after 部分解决 a
    satisfied or basic answer asks the group (detail "partly"); unsatisfied reopens it;
    otherwise it closes. Once answered, or no longer resolved, moved_on with the current status.
    """
    if satisfaction not in SATISFACTIONS:
        return Outcome(None, Refusal.invalid, "satisfaction")
    found = await _own_resolved(session, complaint_id, resident_telegram_id)
    if isinstance(found, Outcome) and found.refusal == Refusal.not_allowed:
        return await _as_follower(
            session, complaint_id, resident_telegram_id, now, satisfaction=satisfaction
        )
    if isinstance(found, Outcome):
        return found
    complaint, actor = found
    if complaint.satisfaction is None and complaint.resolution_state == UNSOLVED:
        # 未解决 reopened it already: the second answer is kept for the 满意率.
        complaint.satisfaction = satisfaction
        complaint.updated_at = now
        session.add(complaint)
        await session.flush()
        return Outcome(complaint, detail="recorded")
    if complaint.satisfaction is not None:
        return Outcome(complaint, Refusal.moved_on, complaint.status)
    if satisfaction == "unsatisfied":
        return await _reopen(
            session, complaint, actor, now, {"satisfaction": satisfaction}, satisfaction
        )
    if complaint.resolution_state == PARTLY:
        if complaint.status != S.resolved or complaint.satisfaction is not None:
            return Outcome(complaint, Refusal.moved_on, complaint.status)
        if not await _set_if_open(session, complaint, now, satisfaction=satisfaction):
            current = await steps.fresh(session, complaint_id)
            return Outcome(current, Refusal.moved_on, current.status if current else None)
        event = await ask_group(session, complaint, actor, now, satisfaction)
        return Outcome(complaint, detail="partly", event_id=event.id)
    refused = steps.check_move(complaint, S.resolved, Act.close, Role.resident)
    if refused is not None:
        return refused
    to = lifecycle.MOVES_TO[Act.close]
    values = {"satisfaction": satisfaction, "closed_at": now}
    refused = await steps.move(session, complaint, S.resolved, to, now, values)
    if refused is not None:
        return refused
    event = await steps.record(
        session,
        complaint,
        actor,
        Action.closed,
        now,
        public=True,
        from_status=S.resolved,
        to_status=to,
        note=satisfaction,
    )
    await publish(session, complaint, event, now)
    return Outcome(complaint, event_id=event.id)


async def ask_group(
    session: AsyncSession, complaint: Complaint, actor: Actor, now: datetime, note: str
) -> TimelineEvent:
    """The `partly_solved` event (internal; note: the satisfaction, or no_answer), told to
    the group chat, whose buttons reopen or close it (`review_partly`)."""
    event = await steps.record(
        session, complaint, actor, Action.partly_solved, now, public=False, note=note
    )
    await publish(session, complaint, event, now, tell_group=True)
    return event


def waits_on_group(complaint: Complaint) -> bool:
    """Whether the group still has to decide on a 部分解决 (reopen or close)."""
    return (
        complaint.status == S.resolved
        and complaint.resolution_state == PARTLY
        and complaint.satisfaction is not None
    )


def _check_partly(complaint: Complaint, act: Act) -> Outcome | None:
    """Refuse the group's call unless the complaint waits on it (storage/lifecycle.py)."""
    if not waits_on_group(complaint):
        return Outcome(complaint, Refusal.moved_on, complaint.status)
    if not lifecycle.allows(complaint.status, Role.group, act, partly=True):
        return Outcome(complaint, Refusal.not_allowed, complaint.status)
    return None


@press_action
async def review_partly(press: Press, *, reopen: bool) -> Outcome:
    """The group's call on a 部分解决: reopen it (the resident is told) or close it."""
    session, now = press.session, press.now
    complaint, refused = await steps.owned(session, press.complaint_id, press.chat_id)
    if refused is not None:
        return refused
    assert complaint is not None
    if reopen:
        return await _reopen(session, complaint, press.actor, now, {}, PARTLY)
    refused = _check_partly(complaint, Act.close)
    if refused is not None:
        return refused
    to = lifecycle.MOVES_TO[Act.close]
    refused = await steps.move(session, complaint, S.resolved, to, now, {"closed_at": now})
    if refused is not None:
        return refused
    event = await steps.record(
        session,
        complaint,
        press.actor,
        Action.closed,
        now,
        public=True,
        from_status=S.resolved,
        to_status=to,
        note=complaint.satisfaction,
    )
    await publish(session, complaint, event, now)
    return Outcome(complaint, event_id=event.id)
