"""Satisfaction surveys: a reminder to a resident who has not answered, then the closing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import workflow
from storage.models import Complaint, ComplaintStatus, Resident, Round
from storage.notices import NoticeKind
from storage.schedule.clock import daytime, next_daytime, stamp
from storage.schedule.memory import (
    SURVEY_CLOSED,
    Rounds,
    Sweeping,
    SweepReport,
    by_id,
    done,
    rounds_of,
    row_id,
)
from storage.schedule.report_counts import NO_ANSWER

S = ComplaintStatus

SURVEY_REMINDER_AFTER = timedelta(days=3)
SURVEY_CLOSE_AFTER = timedelta(days=7)


async def sweep_surveys(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """No survey answer in 3 days: one reminder; in 7 days: closed as "no_answer".

    Both only between 09:00 and 21:00 on the round's clock. The resident is told of the
    closing (a public "closed" event with the note "no_answer").
    """
    sweeping = Sweeping(session, now, SweepReport("survey"))
    statement = (
        select(Complaint)
        .where(
            Complaint.status == S.resolved,
            col(Complaint.satisfaction).is_(None),
            col(Complaint.survey_asked_at).is_not(None),
            col(Complaint.survey_asked_at) <= now - SURVEY_REMINDER_AFTER,
        )
        .order_by(col(Complaint.survey_asked_at), col(Complaint.id))
    )
    complaints = list((await session.exec(statement)).all())
    if not complaints:
        return sweeping.report
    by_round = await rounds_of(session, rounds, complaints)
    reminders: list[tuple[Complaint, Round, str, datetime]] = []
    for complaint in complaints:
        round_ = by_round[complaint.round_id]
        asked = complaint.survey_asked_at
        assert asked is not None
        if not daytime(round_, now):
            continue
        close_at = next_daytime(round_, asked + SURVEY_CLOSE_AFTER)
        if now >= close_at:
            await _close_unanswered(sweeping, complaint, round_, close_at)
            continue
        remind_at = next_daytime(round_, asked + SURVEY_REMINDER_AFTER)
        if now >= remind_at:
            key = f"survey_reminder:{row_id(complaint)}:{stamp(asked)}"
            reminders.append((complaint, round_, key, remind_at))
    already = await done(session, (key for _c, _r, key, _at in reminders))
    reminders = [item for item in reminders if item[2] not in already]
    # A complaint recorded in person (代录) has no resident until its follow link is opened.
    owners = {c.resident_id for c, *_ in reminders if c.resident_id is not None}
    residents = await by_id(session, Resident, owners)
    for complaint, round_, key, remind_at in reminders:
        resident = residents.get(complaint.resident_id) if complaint.resident_id else None
        if resident is None:
            continue
        rows = sweeping.tell(
            resident.telegram_id,
            NoticeKind.survey_reminder,
            {"complaint_id": complaint.id},
            complaint.id,
        )
        sweeping.remember(
            key, NoticeKind.survey_reminder, round_id=round_.id, due_at=remind_at, rows=rows
        )
    await session.flush()
    return sweeping.report


async def _close_unanswered(
    sweeping: Sweeping, complaint: Complaint, round_: Round, due_at: datetime
) -> None:
    """Close a resolved complaint nobody rated; the resident is told.

    A 部分解决 with no satisfaction answer is not closed: the group is asked whether to reopen
    it, as after an answer (storage/workflow/survey.py).
    """
    asked = complaint.survey_asked_at
    assert asked is not None
    key = f"survey_closed:{row_id(complaint)}:{stamp(asked)}"
    if complaint.resolution_state == "partly":
        complaint.satisfaction = NO_ANSWER
        sweeping.session.add(complaint)
        await workflow.ask_group(
            sweeping.session, complaint, workflow.Actor("system"), sweeping.now, NO_ANSWER
        )
        sweeping.remember(key, SURVEY_CLOSED, round_id=round_.id, due_at=due_at, rows=1)
        return
    outcome = await workflow.close(
        session=sweeping.session,
        complaint_id=row_id(complaint),
        chat_id=None,
        expected=S.resolved,
        actor=workflow.Actor("system"),
        now=sweeping.now,
        note=NO_ANSWER,
    )
    if not outcome.ok or outcome.complaint is None:
        return
    outcome.complaint.satisfaction = NO_ANSWER
    sweeping.session.add(outcome.complaint)
    sweeping.report.closed.append(row_id(complaint))
    # The closing event tells the resident: its outbox row is the workflow's.
    sweeping.remember(key, SURVEY_CLOSED, round_id=round_.id, due_at=due_at, rows=1)
