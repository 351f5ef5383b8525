"""Reports: the weekly report and the final one, to each group chat and the office chat."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import ladder
from storage.models import (
    ComplaintStatus,
    InspectionGroup,
    Round,
)
from storage.notices import NoticeKind
from storage.rates import rates_payload, round_rates
from storage.schedule.clock import WEEKLY_AT, at_local, local_today
from storage.schedule.digest import category_names
from storage.schedule.memory import Rounds, Sweeping, SweepReport, rounds_near, row_id
from storage.schedule.report_counts import answer_times, complaint_counts
from storage.serving import linked_after
from storage.similar.hotspots import round_hotspots

S = ComplaintStatus


def week_of_round(round_: Round, monday: date) -> int:
    """Which week of the round ends on this Monday (1 for the first Monday after the start)."""
    return max(((monday - round_.starts_on).days + 6) // 7, 1)


async def sweep_weekly(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """The weekly report, Monday 09:00, to each group chat and the office chat."""
    sweeping = Sweeping(session, now, SweepReport("weekly"))
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
        await send_reports(
            sweeping,
            rounds,
            round_,
            kind=NoticeKind.weekly,
            prefix=f"weekly:{row_id(round_)}:{iso.year}-W{iso.week:02d}",
            since=due_at - timedelta(days=7),
            until=due_at,
            extra={
                "week": week_of_round(round_, monday),
                "date": monday.isoformat(),
                "at": WEEKLY_AT.strftime("%H:%M"),
            },
        )
    await session.flush()
    return sweeping.report


def round_fields(round_: Round) -> dict[str, Any]:
    """What every round message names."""
    return {
        "round_id": round_.id,
        "round": round_.name,
        "round_code": round_.code,
        "starts_on": round_.starts_on.isoformat(),
        "ends_on": round_.ends_on.isoformat(),
    }


async def send_reports(
    sweeping: Sweeping,
    rounds: Rounds,
    round_: Round,
    *,
    kind: NoticeKind,
    prefix: str,
    since: datetime | None,
    until: datetime,
    extra: dict[str, Any],
) -> None:
    """A weekly or final report to each linked group chat and to the office chat.

    Keys are `<prefix>:group:<group>` and `<prefix>:office`; the report is due at `until`.
    """
    audiences: list[tuple[str, int, InspectionGroup | None]] = [
        (f"{prefix}:group:{row_id(g)}", g.chat_id, g)
        for g in rounds.linked_groups(round_)
        if g.chat_id is not None
    ]
    if round_.office_chat_id is not None:
        audiences.append((f"{prefix}:office", round_.office_chat_id, None))
    for key, chat_id, group in audiences:
        if key in rounds.done:
            continue
        if kind == NoticeKind.weekly and linked_after(group or round_, until):
            # The chat did not exist for that week: its reports start from its link.
            continue
        stats = await round_report(
            session=sweeping.session,
            round_=round_,
            group_id=group.id if group is not None else None,
            since=since,
            until=until,
        )
        payload = {
            **round_fields(round_),
            **extra,
            "audience": "group" if group is not None else "office",
            "group_id": group.id if group is not None else None,
            "group": group.name if group is not None else None,
            **stats,
        }
        sweeping.send(key, kind, round_id=round_.id, due_at=until, chat=chat_id, payload=payload)


# Hot spots a report lists (the rest are counted).
HOTSPOTS_LISTED = 10


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
    unsatisfied / no_answer); rates (storage.rates.rates_payload); with `since`, how many were
    filed and resolved in [since, until); for the office (no group), each group's total and
    open count.
    """
    counts = await complaint_counts(session, row_id(round_), group_id, since, until)
    times = await answer_times(session, row_id(round_), group_id, since, until)
    by_code = counts.by_code
    per_group = counts.per_group

    categories = await category_names(session, row_id(round_))
    by_category = [
        {"code": code, "zh": c.name_zh, "en": c.name_en, "count": by_code.pop(code, 0)}
        for code, c in categories.items()
    ]
    by_category += [
        {"code": code, "zh": code, "en": code, "count": n} for code, n in sorted(by_code.items())
    ]
    stats: dict[str, Any] = {
        "total": counts.total,
        "by_status": counts.by_status,
        "by_category": by_category,
        "by_channel": counts.by_channel,
        "handling": counts.handling,
        "median_accept_hours": times.median_accept_hours,
        "median_resolve_hours": times.median_resolve_hours,
        "satisfaction": counts.satisfaction,
    }
    # 响应率, 解决率, 满意率 as of the report (storage/rates.py), units ranked.
    figures = await round_rates(
        session=session, round_id=row_id(round_), now=until, group_id=group_id
    )
    stats["rates"] = rates_payload(figures)
    if since is not None:
        stats["new_in_week"] = counts.new_in_week
        stats["resolved_in_week"] = times.resolved_in_week
    stats["flagged"] = await ladder.flagged(
        session, round_, local_today(round_, until), group_id=group_id
    )
    # 热点: those told in the week (the final report: the whole round), of the group's own.
    hot = await round_hotspots(
        session, row_id(round_), group_id=group_id, since=since, until=until
    )
    stats["hotspots"] = [h.payload for h in hot[:HOTSPOTS_LISTED]]
    stats["hotspot_count"] = len(hot)
    if group_id is None:
        statement = (
            select(InspectionGroup)
            .where(InspectionGroup.round_id == round_.id)
            .order_by(col(InspectionGroup.id))
        )
        stats["groups"] = [
            {
                "name": g.name,
                "total": per_group.get(row_id(g), [0, 0])[0],
                "open": per_group.get(row_id(g), [0, 0])[1],
            }
            for g in (await session.exec(statement)).all()
        ]
    return stats
