"""The daily digest: each linked group's news since yesterday morning, at 08:30."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ladder import ladder_of, overdue_complaints
from storage.models import Category, Complaint, InspectionGroup, Round, TimelineEvent, Village
from storage.notices import NoticeKind
from storage.schedule.clock import DIGEST_AT, at_local, local_today, round_start
from storage.schedule.memory import Rounds, Sweeping, SweepReport, rounds_near, row_id
from storage.serving import linked_after
from storage.triage import NOT_OPEN

# Lists in a digest stop at this many lines (the rest is counted).
LIST_MAX = 20


async def sweep_digests(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """Each linked group's daily digest at 08:30, from the round's second day to its last.

    New complaints since 08:30 the day before (since the round's start, on its second day),
    those resolved then, and what is open and overdue now. Nothing is sent when nothing
    changed (no new complaint, no status change); the quiet day is remembered all the same.
    """
    sweeping = Sweeping(session, now, SweepReport("digest"))
    rounds = rounds or await rounds_near(session=session, now=now)
    for round_ in rounds.rounds:
        today = local_today(round_, now)
        if not round_.starts_on < today <= round_.ends_on:
            continue
        due_at = at_local(round_, today, DIGEST_AT)
        if now < due_at:
            continue
        yesterday = today - timedelta(days=1)
        # The first digest covers the round's first day from its very start.
        since = (
            round_start(round_)
            if yesterday <= round_.starts_on
            else at_local(round_, yesterday, DIGEST_AT)
        )
        for group in rounds.linked_groups(round_):
            key = f"digest:{row_id(group)}:{today.isoformat()}"
            if key in rounds.done or linked_after(group, due_at):
                # A chat linked after today's 08:30 starts with tomorrow's digest.
                continue
            payload = await _digest(session, round_, group, since, due_at, today)
            rows = 0
            if payload is not None and group.chat_id is not None:
                rows = sweeping.tell(group.chat_id, NoticeKind.digest, payload)
            sweeping.remember(key, NoticeKind.digest, round_id=round_.id, due_at=due_at, rows=rows)
    await session.flush()
    return sweeping.report


def _by_assignee(late: list[Complaint]) -> list[dict[str, Any]]:
    """Overdue complaints grouped by their 承办人 (those assigned to nobody are left out)."""
    found: dict[int, dict[str, Any]] = {}
    for complaint in late:
        if complaint.assignee_telegram_id is None:
            continue
        entry = found.setdefault(
            complaint.assignee_telegram_id, {"name": complaint.assignee_name, "numbers": []}
        )
        entry["numbers"].append(complaint.number)
    return [{**e, "numbers": e["numbers"][:LIST_MAX]} for e in found.values()]


async def category_names(session: AsyncSession, round_id: int) -> dict[str, Category]:
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


async def open_count(session: AsyncSession, group_id: int) -> int:
    """How many of the group's complaints are open (not closed, merged, rejected, transferred)."""
    statement = (
        select(func.count())
        .select_from(Complaint)
        .where(Complaint.group_id == group_id, col(Complaint.status).not_in(NOT_OPEN))
    )
    return (await session.exec(statement)).one()


async def _digest(
    session: AsyncSession,
    round_: Round,
    group: InspectionGroup,
    since: datetime,
    until: datetime,
    today: date,
) -> dict[str, Any] | None:
    """A digest's payload, or None when nothing changed between `since` and `until`."""
    group_id = row_id(group)
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
    still_open = await open_count(session, group_id)
    late = await overdue_complaints(session, today, group_id=group_id)
    categories = await category_names(session, row_id(round_))
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
        "open": still_open,
        "overdue_count": len(late),
        "flag_from": ladder_of(round_).flag_from,
        # 指派: each member's overdue ones, by name.
        "assignees": _by_assignee(late),
        "overdue": [
            {"number": c.number, "due_on": c.due_on.isoformat(), "days": (today - c.due_on).days}
            for c in late[:LIST_MAX]
            if c.due_on is not None
        ],
    }
