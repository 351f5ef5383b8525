"""Scheduled work (督办): idempotent sweeps over the database.

Every sweep looks at the database at `now` (aware; "today" and local times are on each
round's own clock), decides what is due, writes outbox rows, and remembers what it did in
`SentNotice` under a unique key. Because each sweep asks "is it past the scheduled local time,
and not done yet?", running it again changes nothing, a restart loses nothing, and a run
missed while the bot was down happens once when it is back. The runtime runs them all every
minute (bot/jobs.py, `run_reports`); the demo and the tests call `run_all` (or one sweep) at
chosen fake times.

What is sent, to whom, when (local time of the round), by key:

- `due:<complaint>:<date>` (kind due): to the group chat, and to the department's chat for a
  hand-off; 09:00 the day before the due date, and 09:00 on each of the first 7 days overdue.
- `digest:<group>:<date>` (digest): to the group chat, 08:30 each day of the round after the
  first, when something changed since 08:30 the day before (a new complaint, any status
  change); a quiet day is remembered with 0 rows.
- `weekly:<round>:<ISO week>:group:<group>` and `...:office` (weekly): Monday 09:00 within the
  round (not on its first day), to each group chat and to the office chat.
- `round_open:<round>:<group>` (round_open): from starts_on 00:00, or as soon as the chat is
  linked if later, while the round is open.
- `round_warn:<round>:<group>` (round_warn): 09:00 the day before ends_on, while it is open.
- `round_final:<round>:group:<group>` and `...:office` (final): after ends_on 24:00 (for up to
  a week, if the bot was down), to each group chat and to the office chat.
- `survey_reminder:<complaint>:<survey asked at>` (survey_reminder): to the resident, 3 days
  after the survey was asked, between 09:00 and 21:00.
- `survey_closed:<complaint>:<survey asked at>`: 7 days after, between 09:00 and 21:00, the
  complaint is closed as "no_answer" (a workflow event, which tells the resident).

Idle drafts are deleted after 24 hours (storage/drafts.py `expire_idle`); the resident is told
when they come back. Handled updates are forgotten after 48 hours (storage/updates.py), and
outbox rows sent over 30 days ago are deleted (storage/outbox.py; failed rows are kept).

Outbox rows are of kind "notice" (`storage.outbox.enqueue_notice`): the payload holds the
numbers as of the sweep and handlers/notices.py words them in the chat's language. A reminder
about a complaint that has moved on by the time it is sent is not sent.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import drafts, outbox, updates, workflow
from storage.handling import HANDLING, handling_of, is_handling_event
from storage.models import (
    Category,
    Complaint,
    ComplaintStatus,
    Department,
    GroupVillage,
    InspectionGroup,
    Resident,
    Round,
    SentNotice,
    TimelineEvent,
    Village,
)
from storage.triage import DUE, NOT_OPEN

S = ComplaintStatus

# Local times of the round's clock.
REMINDER_AT = time(9, 0)
DIGEST_AT = time(8, 30)
WEEKLY_AT = time(9, 0)
WARNING_AT = time(9, 0)
# Residents are reminded (and told of a closing) only between these hours.
DAYTIME = (time(9, 0), time(21, 0))

OVERDUE_REMINDERS = 7
SURVEY_REMINDER_AFTER = timedelta(days=3)
SURVEY_CLOSE_AFTER = timedelta(days=7)
# A final report missed while the bot was down is still sent this long after the end.
FINAL_CATCH_UP = timedelta(days=7)
NO_ANSWER = "no_answer"
# Lists in a digest stop at this many lines (the rest is counted).
LIST_MAX = 20

# Events that end "new": the group's first answer to a complaint.
FIRST_ANSWERS = frozenset({"accepted", "immediate", "handed_off", "transferred", "rejected"})
SATISFACTIONS = ("satisfied", "basic", "unsatisfied", NO_ANSWER)
# Kinds of SentNotice that `Rounds` reads ahead (the others are looked up by their sweeps).
ROUND_KINDS = ("round_open", "round_warn", "final", "weekly", "digest")


@dataclass
class SweepReport:
    """What one sweep did."""

    name: str
    # Keys of the notices it sent (outbox rows written), in order.
    sent: list[str] = field(default_factory=list)
    rows: int = 0
    # Complaints it closed (no survey answer), drafts it deleted, handled updates and sent
    # outbox rows it forgot.
    closed: list[int] = field(default_factory=list)
    deleted: int = 0
    forgotten: int = 0

    @property
    def wrote_outbox(self) -> bool:
        """Whether the outbox has something new to send."""
        return self.rows > 0 or bool(self.closed)


# --- the round's clock ------------------------------------------------------------------------


def zone(round_: Round) -> ZoneInfo:
    """The round's time zone."""
    return ZoneInfo(round_.timezone)


def local_today(round_: Round, now: datetime) -> date:
    """Today on the round's clock."""
    return now.astimezone(zone(round_)).date()


def at_local(round_: Round, day: date, clock: time) -> datetime:
    """A local date and time of the round, as an aware moment."""
    return datetime.combine(day, clock, tzinfo=zone(round_))


def round_start(round_: Round) -> datetime:
    """starts_on 00:00 on the round's clock."""
    return at_local(round_, round_.starts_on, time(0))


def round_end(round_: Round) -> datetime:
    """ends_on 24:00 on the round's clock."""
    return at_local(round_, round_.ends_on + timedelta(days=1), time(0))


def _daytime(round_: Round, when: datetime) -> bool:
    """Whether a moment is within the hours residents are written to."""
    clock = when.astimezone(zone(round_)).time()
    return DAYTIME[0] <= clock < DAYTIME[1]


def _next_daytime(round_: Round, when: datetime) -> datetime:
    """The moment itself if it is in the day's hours, else the next 09:00."""
    local = when.astimezone(zone(round_))
    if local.time() < DAYTIME[0]:
        return at_local(round_, local.date(), DAYTIME[0])
    if local.time() >= DAYTIME[1]:
        return at_local(round_, local.date() + timedelta(days=1), DAYTIME[0])
    return when


def _stamp(moment: datetime) -> str:
    """A moment in a key: UTC to the second."""
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%S")


# --- what was done ----------------------------------------------------------------------------


async def _done(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """The keys among these that are already remembered."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return set()
    statement = select(SentNotice.key).where(col(SentNotice.key).in_(wanted))
    return set((await session.exec(statement)).all())


def _remember(
    session: AsyncSession,
    report: SweepReport,
    *,
    key: str,
    kind: str,
    round_id: int | None,
    due_at: datetime,
    now: datetime,
    rows: int,
) -> None:
    """Remember a notice (rows: outbox rows written for it; 0 when nothing was worth saying)."""
    session.add(
        SentNotice(key=key, kind=kind, round_id=round_id, due_at=due_at, sent_at=now, rows=rows)
    )
    report.rows += rows
    if rows:
        report.sent.append(key)


@dataclass
class Rounds:
    """The rounds a sweep looks at, with their linked groups: read once per run."""

    rounds: list[Round]
    # Round id -> its groups that have a chat, in roster order.
    groups: dict[int, list[InspectionGroup]]
    # Keys of the round messages, digests and reports already sent that can still matter.
    done: set[str] = field(default_factory=set)

    def linked_groups(self, round_: Round) -> list[InspectionGroup]:
        """A round's groups that have a chat."""
        return self.groups.get(_id(round_), [])


async def rounds_near(*, session: AsyncSession, now: datetime) -> Rounds:
    """Rounds that are running, about to start, or ended in the last days (final reports)."""
    today = now.date()
    statement = (
        select(Round)
        .where(
            col(Round.starts_on) <= today + timedelta(days=1),
            col(Round.ends_on) >= today - FINAL_CATCH_UP - timedelta(days=2),
        )
        .order_by(col(Round.starts_on), col(Round.id))
    )
    rounds = list((await session.exec(statement)).all())
    groups: dict[int, list[InspectionGroup]] = {_id(r): [] for r in rounds}
    if rounds:
        linked = (
            select(InspectionGroup)
            .where(
                col(InspectionGroup.round_id).in_(list(groups)),
                col(InspectionGroup.chat_id).is_not(None),
            )
            .order_by(col(InspectionGroup.id))
        )
        for group in (await session.exec(linked)).all():
            groups[group.round_id].append(group)
    done: set[str] = set()
    if rounds:
        sent = select(SentNotice.key).where(
            col(SentNotice.round_id).in_(list(groups)),
            col(SentNotice.kind).in_(ROUND_KINDS),
            or_(
                col(SentNotice.kind).in_(("round_open", "round_warn")),
                col(SentNotice.due_at) >= now - FINAL_CATCH_UP - timedelta(days=2),
            ),
        )
        done = set((await session.exec(sent)).all())
    return Rounds(rounds, groups, done)


def _id(row: Round | InspectionGroup | Complaint) -> int:
    """A row's id (rows read from the database have one)."""
    assert row.id is not None
    return row.id


# --- due dates --------------------------------------------------------------------------------


async def sweep_due(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """督办: the day before a due date, and each of the first 7 days overdue, from 09:00.

    To the group chat (as a reply to the card) and, for a hand-off, to the department's chat
    (no identity). The day-before reminder is skipped when the due date was set after that
    day's 09:00 (the inspector has just chosen it).
    """
    report = SweepReport("due")
    utc_today = now.date()
    statement = (
        select(Complaint)
        .where(
            col(Complaint.status).in_(DUE),
            col(Complaint.due_on).is_not(None),
            col(Complaint.due_on) >= utc_today - timedelta(days=OVERDUE_REMINDERS + 2),
            col(Complaint.due_on) <= utc_today + timedelta(days=2),
        )
        .order_by(col(Complaint.due_on), col(Complaint.id))
    )
    complaints = list((await session.exec(statement)).all())
    if not complaints:
        return report
    by_id = await _rounds_of(session, rounds, complaints)
    due: list[tuple[Complaint, Round, str, datetime, int]] = []
    for complaint in complaints:
        round_ = by_id[complaint.round_id]
        assert complaint.due_on is not None
        today = local_today(round_, now)
        days = (today - complaint.due_on).days
        if days != -1 and not 1 <= days <= OVERDUE_REMINDERS:
            continue
        due_at = at_local(round_, today, REMINDER_AT)
        if now < due_at:
            continue
        due.append((complaint, round_, f"due:{_id(complaint)}:{today.isoformat()}", due_at, days))
    done = await _done(session, (key for _c, _r, key, _at, _d in due))
    due = [item for item in due if item[2] not in done]
    if not due:
        return report
    set_at = await _due_set_at(session, [_id(c) for c, _r, key, _a, d in due if d == -1])
    groups = await _by_id(session, InspectionGroup, {c.group_id for c, *_ in due})
    departments = await _by_id(
        session, Department, {c.department_id for c, *_ in due if c.department_id is not None}
    )
    for complaint, round_, key, due_at, days in due:
        if days == -1 and set_at.get(_id(complaint), due_at) > due_at:
            continue
        assert complaint.due_on is not None
        payload: dict[str, Any] = {
            "complaint_id": complaint.id,
            "due_on": complaint.due_on.isoformat(),
            "days": days,
        }
        rows = 0
        group = groups.get(complaint.group_id)
        if group is not None and group.chat_id is not None:
            outbox.enqueue_notice(
                session=session,
                chat_id=group.chat_id,
                kind="due",
                payload={**payload, "audience": "group"},
                now=now,
                complaint_id=complaint.id,
            )
            rows += 1
        department = (
            departments.get(complaint.department_id)
            if complaint.department_id is not None
            else None
        )
        if complaint.status == S.handed_off and department is not None and department.chat_id:
            outbox.enqueue_notice(
                session=session,
                chat_id=department.chat_id,
                kind="due",
                payload={**payload, "audience": "department"},
                now=now,
                complaint_id=complaint.id,
            )
            rows += 1
        if rows:
            # Nobody to tell yet (no chat linked): tried again at the next sweep.
            _remember(
                session,
                report,
                key=key,
                kind="due",
                round_id=round_.id,
                due_at=due_at,
                now=now,
                rows=rows,
            )
    await session.flush()
    return report


async def _due_set_at(session: AsyncSession, complaint_ids: list[int]) -> dict[int, datetime]:
    """When each complaint's due date was last set (its latest immediate/handed_off event)."""
    if not complaint_ids:
        return {}
    statement = (
        select(TimelineEvent.complaint_id, func.max(col(TimelineEvent.at)))
        .where(
            col(TimelineEvent.complaint_id).in_(complaint_ids),
            col(TimelineEvent.action).in_(("immediate", "handed_off")),
        )
        .group_by(col(TimelineEvent.complaint_id))
    )
    found: dict[int, datetime] = {}
    for complaint_id, latest in (await session.exec(statement)).all():
        if latest is not None:
            # func.max loses the column type on SQLite: the value may come back naive.
            found[complaint_id] = _aware(latest)
    return found


def _aware(value: datetime | str) -> datetime:
    """A UTC moment read back from an aggregate (naive or text on SQLite)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=ZoneInfo("UTC"))
    return value


async def _rounds_of(
    session: AsyncSession, rounds: Rounds | None, complaints: list[Complaint]
) -> dict[int, Round]:
    """The rounds of these complaints by id (those not read ahead are read now)."""
    found = {_id(r): r for r in rounds.rounds} if rounds is not None else {}
    missing = {c.round_id for c in complaints} - set(found)
    if missing:
        found.update(await _by_id(session, Round, missing))
    return found


async def _by_id(session: AsyncSession, model: Any, ids: Iterable[int]) -> dict[int, Any]:
    """Rows of a table by id."""
    wanted = set(ids)
    if not wanted:
        return {}
    statement = select(model).where(col(model.id).in_(wanted))
    return {row.id: row for row in (await session.exec(statement)).all()}


# --- daily digest -----------------------------------------------------------------------------


async def sweep_digests(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """Each linked group's daily digest at 08:30, from the round's second day to its last.

    New complaints since 08:30 the day before (since the round's start, on its second day),
    those resolved then, and what is open and overdue now. Nothing is sent when nothing
    changed (no new complaint, no status change); the quiet day is remembered all the same.
    """
    report = SweepReport("digest")
    rounds = rounds or await rounds_near(session=session, now=now)
    for round_ in rounds.rounds:
        today = local_today(round_, now)
        if not round_.starts_on < today <= round_.ends_on:
            continue
        due_at = at_local(round_, today, DIGEST_AT)
        if now < due_at:
            continue
        groups = rounds.linked_groups(round_)
        keys = {_id(g): f"digest:{_id(g)}:{today.isoformat()}" for g in groups}
        done = rounds.done
        yesterday = today - timedelta(days=1)
        # The first digest covers the round's first day from its very start.
        since = (
            round_start(round_)
            if yesterday <= round_.starts_on
            else at_local(round_, yesterday, DIGEST_AT)
        )
        for group in groups:
            key = keys[_id(group)]
            if key in done:
                continue
            payload = await _digest(session, round_, group, since, due_at, today)
            rows = 0
            if payload is not None and group.chat_id is not None:
                outbox.enqueue_notice(
                    session=session, chat_id=group.chat_id, kind="digest", payload=payload, now=now
                )
                rows = 1
            _remember(
                session,
                report,
                key=key,
                kind="digest",
                round_id=round_.id,
                due_at=due_at,
                now=now,
                rows=rows,
            )
    await session.flush()
    return report


async def _category_names(session: AsyncSession, round_id: int) -> dict[str, Category]:
    """The round's categories by code, in their order."""
    statement = (
        select(Category)
        .where(Category.round_id == round_id)
        .order_by(col(Category.position), col(Category.id))
    )
    return {c.code: c for c in (await session.exec(statement)).all()}


def _category_item(categories: dict[str, Category], code: str) -> dict[str, str]:
    """A category's names for a payload."""
    category = categories.get(code)
    return {
        "category_zh": category.name_zh if category is not None else code,
        "category_en": category.name_en if category is not None else code,
    }


async def _digest(
    session: AsyncSession,
    round_: Round,
    group: InspectionGroup,
    since: datetime,
    until: datetime,
    today: date,
) -> dict[str, Any] | None:
    """A digest's payload, or None when nothing changed between `since` and `until`."""
    group_id = _id(group)
    new_rows = (
        await session.exec(
            select(Complaint, Village)
            .join(Village, col(Village.id) == col(Complaint.village_id))
            .where(
                Complaint.group_id == group_id,
                col(Complaint.filed_at) >= since,
                col(Complaint.filed_at) < until,
            )
            .order_by(col(Complaint.filed_at), col(Complaint.id))
        )
    ).all()
    changes = (
        await session.exec(
            select(TimelineEvent.action, TimelineEvent.complaint_id)
            .join(Complaint, col(Complaint.id) == col(TimelineEvent.complaint_id))
            .where(
                Complaint.group_id == group_id,
                col(TimelineEvent.at) >= since,
                col(TimelineEvent.at) < until,
                col(TimelineEvent.to_status).is_not(None),
                # Filing is counted as new, not as a change.
                col(TimelineEvent.action) != "filed",
            )
        )
    ).all()
    if not new_rows and not changes:
        return None
    resolved = {complaint_id for action, complaint_id in changes if action == "resolved"}
    open_count = (
        await session.exec(
            select(func.count())
            .select_from(Complaint)
            .where(Complaint.group_id == group_id, col(Complaint.status).not_in(NOT_OPEN))
        )
    ).one()
    overdue = await _overdue(session, group_id, today)
    categories = await _category_names(session, _id(round_))
    return {
        "round_id": round_.id,
        "group_id": group_id,
        "group": group.name,
        "date": today.isoformat(),
        "at": DIGEST_AT.strftime("%H:%M"),
        "new_count": len(new_rows),
        "new": [
            {
                "number": complaint.number,
                "village": village.name,
                **_category_item(categories, complaint.category_code),
            }
            for complaint, village in new_rows[:LIST_MAX]
        ],
        "resolved_count": len(resolved),
        "changes": len(changes),
        "open": open_count,
        "overdue_count": len(overdue),
        "overdue": [
            {"number": c.number, "due_on": c.due_on.isoformat(), "days": (today - c.due_on).days}
            for c in overdue[:LIST_MAX]
            if c.due_on is not None
        ],
    }


async def _overdue(session: AsyncSession, group_id: int, today: date) -> list[Complaint]:
    """The group's complaints past their due date, most overdue first."""
    statement = (
        select(Complaint)
        .where(
            Complaint.group_id == group_id,
            col(Complaint.status).in_(DUE),
            col(Complaint.due_on).is_not(None),
            col(Complaint.due_on) < today,
        )
        .order_by(col(Complaint.due_on), col(Complaint.id))
    )
    return list((await session.exec(statement)).all())


# --- reports: weekly and final ----------------------------------------------------------------


def week_of_round(round_: Round, monday: date) -> int:
    """Which week of the round ends on this Monday (1 for the first Monday after the start)."""
    return max(((monday - round_.starts_on).days + 6) // 7, 1)


async def sweep_weekly(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """The weekly report, Monday 09:00, to each group chat and the office chat."""
    report = SweepReport("weekly")
    rounds = rounds or await rounds_near(session=session, now=now)
    for round_ in rounds.rounds:
        today = local_today(round_, now)
        monday = today - timedelta(days=today.weekday())
        if not round_.starts_on < monday <= round_.ends_on:
            continue
        due_at = at_local(round_, monday, WEEKLY_AT)
        if now < due_at:
            continue
        iso = monday.isocalendar()
        prefix = f"weekly:{_id(round_)}:{iso.year}-W{iso.week:02d}"
        extra = {
            "week": week_of_round(round_, monday),
            "date": monday.isoformat(),
            "at": WEEKLY_AT.strftime("%H:%M"),
        }
        await _reports(
            session,
            report,
            round_,
            rounds.linked_groups(round_),
            rounds.done,
            prefix=prefix,
            kind="weekly",
            since=due_at - timedelta(days=7),
            until=due_at,
            due_at=due_at,
            now=now,
            extra=extra,
        )
    await session.flush()
    return report


async def sweep_round_life(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """The round's life: opening, the warning a day before the end, the final report."""
    report = SweepReport("round")
    rounds = rounds or await rounds_near(session=session, now=now)
    for round_ in rounds.rounds:
        start, end = round_start(round_), round_end(round_)
        if start <= now < end:
            groups = rounds.linked_groups(round_)
            await _opening(session, report, round_, groups, rounds.done, now)
            warn_at = at_local(round_, round_.ends_on - timedelta(days=1), WARNING_AT)
            if now >= warn_at:
                await _warning(session, report, round_, groups, rounds.done, now, warn_at)
        elif end <= now < end + FINAL_CATCH_UP:
            await _reports(
                session,
                report,
                round_,
                rounds.linked_groups(round_),
                rounds.done,
                prefix=f"round_final:{_id(round_)}",
                kind="final",
                since=None,
                until=end,
                due_at=end,
                now=now,
                extra={
                    "starts_on": round_.starts_on.isoformat(),
                    "ends_on": round_.ends_on.isoformat(),
                    "contact": round_.contact,
                },
            )
    await session.flush()
    return report


async def _group_villages(session: AsyncSession, group_id: int) -> list[str]:
    """The names of the villages a group covers, in roster order."""
    statement = (
        select(Village.name)
        .join(GroupVillage, col(GroupVillage.village_id) == col(Village.id))
        .where(GroupVillage.group_id == group_id)
        .order_by(col(Village.id))
    )
    return list((await session.exec(statement)).all())


def _round_fields(round_: Round) -> dict[str, Any]:
    """What every round message names."""
    return {
        "round_id": round_.id,
        "round": round_.name,
        "round_code": round_.code,
        "starts_on": round_.starts_on.isoformat(),
        "ends_on": round_.ends_on.isoformat(),
    }


async def _opening(
    session: AsyncSession,
    report: SweepReport,
    round_: Round,
    groups: list[InspectionGroup],
    done: set[str],
    now: datetime,
) -> None:
    """The opening message to each linked group chat that has not had it."""
    keys = {_id(g): f"round_open:{_id(round_)}:{_id(g)}" for g in groups}
    for group in groups:
        key = keys[_id(group)]
        if key in done or group.chat_id is None:
            continue
        payload = {
            **_round_fields(round_),
            "group_id": group.id,
            "group": group.name,
            "villages": await _group_villages(session, _id(group)),
            "started_today": local_today(round_, now) == round_.starts_on,
        }
        outbox.enqueue_notice(
            session=session, chat_id=group.chat_id, kind="round_open", payload=payload, now=now
        )
        _remember(
            session,
            report,
            key=key,
            kind="round_open",
            round_id=round_.id,
            due_at=max(round_start(round_), now),
            now=now,
            rows=1,
        )


async def _warning(
    session: AsyncSession,
    report: SweepReport,
    round_: Round,
    groups: list[InspectionGroup],
    done: set[str],
    now: datetime,
    due_at: datetime,
) -> None:
    """The day-before-the-end warning to each linked group chat."""
    keys = {_id(g): f"round_warn:{_id(round_)}:{_id(g)}" for g in groups}
    today = local_today(round_, now)
    for group in groups:
        key = keys[_id(group)]
        if key in done or group.chat_id is None:
            continue
        open_count = (
            await session.exec(
                select(func.count())
                .select_from(Complaint)
                .where(Complaint.group_id == group.id, col(Complaint.status).not_in(NOT_OPEN))
            )
        ).one()
        payload = {
            **_round_fields(round_),
            "group_id": group.id,
            "group": group.name,
            "open": open_count,
            "overdue": len(await _overdue(session, _id(group), today)),
            "contact": round_.contact,
        }
        outbox.enqueue_notice(
            session=session, chat_id=group.chat_id, kind="round_warn", payload=payload, now=now
        )
        _remember(
            session,
            report,
            key=key,
            kind="round_warn",
            round_id=round_.id,
            due_at=due_at,
            now=now,
            rows=1,
        )


async def _reports(
    session: AsyncSession,
    report: SweepReport,
    round_: Round,
    groups: list[InspectionGroup],
    done: set[str],
    *,
    prefix: str,
    kind: str,
    since: datetime | None,
    until: datetime,
    due_at: datetime,
    now: datetime,
    extra: dict[str, Any],
) -> None:
    """A weekly or final report to each linked group chat and to the office chat."""
    audiences: list[tuple[str, int, InspectionGroup | None]] = [
        (f"{prefix}:group:{_id(g)}", g.chat_id, g) for g in groups if g.chat_id is not None
    ]
    if round_.office_chat_id is not None:
        audiences.append((f"{prefix}:office", round_.office_chat_id, None))
    for key, chat_id, group in audiences:
        if key in done:
            continue
        stats = await round_report(
            session=session,
            round_=round_,
            group_id=group.id if group is not None else None,
            since=since,
            until=until,
        )
        payload = {
            **_round_fields(round_),
            **extra,
            "audience": "group" if group is not None else "office",
            "group_id": group.id if group is not None else None,
            "group": group.name if group is not None else None,
            **stats,
        }
        outbox.enqueue_notice(
            session=session, chat_id=chat_id, kind=kind, payload=payload, now=now
        )
        _remember(
            session,
            report,
            key=key,
            kind=kind,
            round_id=round_.id,
            due_at=due_at,
            now=now,
            rows=1,
        )


def _median_hours(values: list[timedelta]) -> float | None:
    """The median of durations, in hours (None when there are none)."""
    if not values:
        return None
    return round(statistics.median(v.total_seconds() for v in values) / 3600, 1)


async def round_report(
    *,
    session: AsyncSession,
    round_: Round,
    group_id: int | None,
    since: datetime | None,
    until: datetime,
) -> dict[str, Any]:
    """A round's (or one group's) numbers for a report, JSON-ready.

    total; by_status (every status); by_category (every category of the round, in order);
    handling (immediate / handed_off / transferred / rejected); median hours from filing to
    the group's first answer and to the first resolution; satisfaction (satisfied / basic /
    unsatisfied / no_answer); with `since`, how many were filed and resolved in
    [since, until); for the office (no group), each group's total and open count.
    """
    # Six columns: more than sqlmodel's select() is typed for.
    scope: Any = sa_select(
        col(Complaint.id),
        col(Complaint.group_id),
        col(Complaint.status),
        col(Complaint.category_code),
        col(Complaint.satisfaction),
        col(Complaint.filed_at),
    ).where(col(Complaint.round_id) == round_.id)
    if group_id is not None:
        scope = scope.where(col(Complaint.group_id) == group_id)
    complaints = (await session.exec(scope)).all()
    filed: dict[int, datetime] = {cid: filed_at for cid, _g, _s, _c, _sat, filed_at in complaints}

    events = (
        select(
            TimelineEvent.complaint_id,
            TimelineEvent.action,
            TimelineEvent.from_status,
            TimelineEvent.at,
        )
        .join(Complaint, col(Complaint.id) == col(TimelineEvent.complaint_id))
        .where(
            Complaint.round_id == round_.id,
            col(TimelineEvent.action).in_([*FIRST_ANSWERS, "resolved"]),
        )
    )
    if group_id is not None:
        events = events.where(Complaint.group_id == group_id)
    last_handling: dict[int, str | None] = {}
    first_answer: dict[int, datetime] = {}
    first_resolved: dict[int, datetime] = {}
    resolved_in_week: set[int] = set()
    for complaint_id, action, from_status, at in (
        await session.exec(events.order_by(col(TimelineEvent.at), col(TimelineEvent.id)))
    ).all():
        if is_handling_event(action, from_status):
            last_handling[complaint_id] = action
        if action in FIRST_ANSWERS and from_status == S.new:
            first_answer.setdefault(complaint_id, at)
        if action == "resolved":
            first_resolved.setdefault(complaint_id, at)
            if since is not None and since <= at < until:
                resolved_in_week.add(complaint_id)

    by_status = {status.value: 0 for status in S}
    by_code: Counter[str] = Counter()
    handling = dict.fromkeys(HANDLING, 0)
    satisfaction = dict.fromkeys(SATISFACTIONS, 0)
    per_group: dict[int, list[int]] = {}
    new_in_week = 0
    for cid, gid, status, category_code, rated, filed_at in complaints:
        by_status[status] = by_status.get(status, 0) + 1
        by_code[category_code] += 1
        how = handling_of(status, last_handling.get(cid))
        if how is not None:
            handling[how] += 1
        if rated:
            satisfaction[rated] = satisfaction.get(rated, 0) + 1
        counts = per_group.setdefault(gid, [0, 0])
        counts[0] += 1
        if status not in NOT_OPEN:
            counts[1] += 1
        if since is not None and since <= filed_at < until:
            new_in_week += 1

    categories = await _category_names(session, _id(round_))
    by_category = [
        {"code": code, "zh": c.name_zh, "en": c.name_en, "count": by_code.pop(code, 0)}
        for code, c in categories.items()
    ]
    by_category += [
        {"code": code, "zh": code, "en": code, "count": n} for code, n in sorted(by_code.items())
    ]
    stats: dict[str, Any] = {
        "total": len(complaints),
        "by_status": by_status,
        "by_category": by_category,
        "handling": handling,
        "median_accept_hours": _median_hours(
            [at - filed[cid] for cid, at in first_answer.items() if cid in filed]
        ),
        "median_resolve_hours": _median_hours(
            [at - filed[cid] for cid, at in first_resolved.items() if cid in filed]
        ),
        "satisfaction": satisfaction,
    }
    if since is not None:
        stats["new_in_week"] = new_in_week
        stats["resolved_in_week"] = len(resolved_in_week)
    if group_id is None:
        statement = (
            select(InspectionGroup)
            .where(InspectionGroup.round_id == round_.id)
            .order_by(col(InspectionGroup.id))
        )
        stats["groups"] = [
            {
                "name": g.name,
                "total": per_group.get(_id(g), [0, 0])[0],
                "open": per_group.get(_id(g), [0, 0])[1],
            }
            for g in (await session.exec(statement)).all()
        ]
    return stats


# --- satisfaction -----------------------------------------------------------------------------


async def sweep_surveys(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """No survey answer in 3 days: one reminder; in 7 days: closed as "no_answer".

    Both only between 09:00 and 21:00 on the round's clock. The resident is told of the
    closing (a public "closed" event with the note "no_answer").
    """
    report = SweepReport("survey")
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
        return report
    by_id = await _rounds_of(session, rounds, complaints)
    reminders: list[tuple[Complaint, Round, str, datetime]] = []
    for complaint in complaints:
        round_ = by_id[complaint.round_id]
        asked = complaint.survey_asked_at
        assert asked is not None
        if not _daytime(round_, now):
            continue
        close_at = _next_daytime(round_, asked + SURVEY_CLOSE_AFTER)
        if now >= close_at:
            await _close_unanswered(session, report, complaint, round_, close_at, now)
            continue
        remind_at = _next_daytime(round_, asked + SURVEY_REMINDER_AFTER)
        if now >= remind_at:
            reminders.append(
                (complaint, round_, f"survey_reminder:{_id(complaint)}:{_stamp(asked)}", remind_at)
            )
    done = await _done(session, (key for _c, _r, key, _at in reminders))
    reminders = [item for item in reminders if item[2] not in done]
    residents = await _by_id(session, Resident, {c.resident_id for c, *_ in reminders})
    for complaint, round_, key, remind_at in reminders:
        resident = residents.get(complaint.resident_id)
        if resident is None:
            continue
        outbox.enqueue_notice(
            session=session,
            chat_id=resident.telegram_id,
            kind="survey_reminder",
            payload={"complaint_id": complaint.id},
            now=now,
            complaint_id=complaint.id,
        )
        _remember(
            session,
            report,
            key=key,
            kind="survey_reminder",
            round_id=round_.id,
            due_at=remind_at,
            now=now,
            rows=1,
        )
    await session.flush()
    return report


async def _close_unanswered(
    session: AsyncSession,
    report: SweepReport,
    complaint: Complaint,
    round_: Round,
    due_at: datetime,
    now: datetime,
) -> None:
    """Close a resolved complaint nobody rated; the resident is told."""
    asked = complaint.survey_asked_at
    assert asked is not None
    outcome = await workflow.close(
        session=session,
        complaint_id=_id(complaint),
        chat_id=None,
        expected=S.resolved,
        actor=workflow.Actor("system"),
        now=now,
        note=NO_ANSWER,
    )
    if not outcome.ok or outcome.complaint is None:
        return
    outcome.complaint.satisfaction = NO_ANSWER
    session.add(outcome.complaint)
    report.closed.append(_id(complaint))
    _remember(
        session,
        report,
        key=f"survey_closed:{_id(complaint)}:{_stamp(asked)}",
        kind="survey_closed",
        round_id=round_.id,
        due_at=due_at,
        now=now,
        rows=1,
    )


# --- drafts -----------------------------------------------------------------------------------


async def sweep_drafts(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """Delete drafts idle for 24 hours (the resident is told when they come back)."""
    report = SweepReport("drafts")
    report.deleted = await drafts.expire_idle(session=session, now=now)
    return report


async def sweep_housekeeping(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """Forget handled updates older than 48 hours and outbox rows sent over 30 days ago."""
    report = SweepReport("housekeeping")
    report.forgotten = await updates.forget_old(session=session, now=now)
    report.forgotten += await outbox.forget_sent(session=session, now=now)
    return report


# --- all of them ------------------------------------------------------------------------------

Sweep = Callable[..., Awaitable[SweepReport]]
# In this order: a chat hears of the round's opening before anything else, and of a Monday's
# report before that day's reminders.
SWEEPS: tuple[tuple[str, Sweep], ...] = (
    ("round", sweep_round_life),
    ("weekly", sweep_weekly),
    ("digest", sweep_digests),
    ("due", sweep_due),
    ("survey", sweep_surveys),
    ("drafts", sweep_drafts),
    ("housekeeping", sweep_housekeeping),
)


async def run_reports(*, session: AsyncSession, now: datetime) -> list[SweepReport]:
    """Run every sweep in this transaction, in order; what each did."""
    rounds = await rounds_near(session=session, now=now)
    return [await sweep(session=session, now=now, rounds=rounds) for _name, sweep in SWEEPS]


async def run_all(*, session: AsyncSession, now: datetime) -> list[str]:
    """Run every sweep in this transaction; the keys of what was sent, in order."""
    return [key for report in await run_reports(session=session, now=now) for key in report.sent]
