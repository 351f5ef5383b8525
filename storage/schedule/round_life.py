"""The round's life: the opening message, the warning a day before the end, the final report."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ladder import overdue_complaints
from storage.models import GroupVillage, InspectionGroup, Round, Village
from storage.notices import NoticeKind
from storage.schedule.clock import WARNING_AT, at_local, local_today, round_end, round_start
from storage.schedule.digest import open_count
from storage.schedule.memory import (
    FINAL_CATCH_UP,
    Rounds,
    Sweeping,
    SweepReport,
    rounds_near,
    row_id,
)
from storage.schedule.reports import round_fields, send_reports


async def sweep_round_life(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """The round's life: opening, the warning a day before the end, the final report."""
    sweeping = Sweeping(session, now, SweepReport("round"))
    rounds = rounds or await rounds_near(session=session, now=now)
    for round_ in rounds.rounds:
        start, end = round_start(round_), round_end(round_)
        if start <= now < end:
            opening = partial(_opening, sweeping, round_)
            await _to_each_group(
                sweeping, rounds, round_, NoticeKind.round_open, max(start, now), opening
            )
            warn_at = at_local(round_, round_.ends_on - timedelta(days=1), WARNING_AT)
            if now >= warn_at:
                warning = partial(_warning, sweeping, round_)
                await _to_each_group(
                    sweeping, rounds, round_, NoticeKind.round_warn, warn_at, warning
                )
        elif end <= now < end + FINAL_CATCH_UP:
            await send_reports(
                sweeping,
                rounds,
                round_,
                kind=NoticeKind.final,
                prefix=f"round_final:{row_id(round_)}",
                since=None,
                until=end,
                extra={
                    "starts_on": round_.starts_on.isoformat(),
                    "ends_on": round_.ends_on.isoformat(),
                    "contact": round_.contact,
                },
            )
    await session.flush()
    return sweeping.report


async def _group_villages(session: AsyncSession, group_id: int) -> list[str]:
    """The names of the villages a group covers, in roster order."""
    statement = (
        select(Village.name)
        .join(GroupVillage, col(GroupVillage.village_id) == col(Village.id))
        .where(GroupVillage.group_id == group_id)
        .order_by(col(Village.id))
    )
    return list((await session.exec(statement)).all())


async def _to_each_group(
    sweeping: Sweeping,
    rounds: Rounds,
    round_: Round,
    kind: NoticeKind,
    due_at: datetime,
    fields: Callable[[InspectionGroup], Awaitable[dict[str, Any]]],
) -> None:
    """A round message (key `<kind>:<round>:<group>`) to each linked group chat without it."""
    for group in rounds.linked_groups(round_):
        key = f"{kind}:{row_id(round_)}:{row_id(group)}"
        if key in rounds.done or group.chat_id is None:
            continue
        payload = {
            **round_fields(round_),
            "group_id": group.id,
            "group": group.name,
            **await fields(group),
        }
        sweeping.send(
            key, kind, round_id=round_.id, due_at=due_at, chat=group.chat_id, payload=payload
        )


async def _opening(sweeping: Sweeping, round_: Round, group: InspectionGroup) -> dict[str, Any]:
    """What the opening message says to a group: its villages, whether it started today."""
    return {
        "villages": await _group_villages(sweeping.session, row_id(group)),
        "started_today": local_today(round_, sweeping.now) == round_.starts_on,
    }


async def _warning(sweeping: Sweeping, round_: Round, group: InspectionGroup) -> dict[str, Any]:
    """What the day-before-the-end warning says to a group: what is open and overdue."""
    today = local_today(round_, sweeping.now)
    return {
        "open": await open_count(sweeping.session, row_id(group)),
        "overdue": len(await overdue_complaints(sweeping.session, today, group_id=row_id(group))),
        "contact": round_.contact,
    }
