"""Counts over a round's complaints (or one group's): by status, category, handling and
satisfaction, with a few GROUP BY queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import ladder
from storage.handling import handling_of
from storage.ledger.scope import round_of, scoped
from storage.ledger.words import HANDLING_ZH, STATUS_ZH
from storage.models import (
    Category,
    Channel,
    Complaint,
    InspectionGroup,
    Round,
)
from storage.rates import RoundRates, round_rates, satisfaction_rate
from storage.similar.hotspots import round_hotspots


@dataclass(frozen=True)
class CategoryCount:
    """How many complaints one category has."""

    code: str
    name_zh: str
    name_en: str
    count: int


@dataclass
class LedgerSummary:
    """Counts over a round's complaints (or one group's)."""

    round_code: str
    round_name: str
    timezone: str
    # The group's name when the summary is about one group only.
    group_name: str | None
    total: int
    # Every status, in lifecycle order (zeros included).
    by_status: dict[str, int]
    # Every category of the round in its order, then any unknown code that complaints carry.
    by_category: list[CategoryCount]
    # immediate / handed_off / transferred / rejected (zeros included): see storage/handling.py.
    by_handling: dict[str, int]
    # satisfied / basic / unsatisfied (zeros included), plus any other value found.
    satisfaction: dict[str, int] = field(default_factory=dict)
    # 响应率, 解决率, 满意率 overall and per unit (storage/rates.py), when asked with `now`.
    rates: RoundRates | None = None
    # 渠道: every channel (zeros included), bot first (issue 11).
    by_channel: dict[str, int] = field(default_factory=dict)
    # 热点: the hot spots told in the round (of the group's complaints), as their notices'
    # payloads (storage/schedule/hotspots.py), earliest first.
    hotspots: list[dict[str, Any]] = field(default_factory=list)
    # 超期 (storage/ladder.py) as of `now`: flag_from, count and the first numbers; None
    # without `now`.
    flagged: dict[str, Any] | None = None

    @property
    def rated(self) -> int:
        """Complaints with a satisfaction answer (satisfied, basic or unsatisfied)."""
        return sum(self.satisfaction.get(key, 0) for key in ("satisfied", "basic", "unsatisfied"))

    @property
    def satisfied_share(self) -> float | None:
        """Satisfied or basically satisfied among the rated (storage/rates.py's 满意率); None
        when none was rated."""
        return satisfaction_rate(self.satisfaction)


async def _flagged(
    session: AsyncSession, round_: Round, now: datetime | None, group_id: int | None
) -> dict[str, Any] | None:
    """The complaints marked 超期 as of `now` (None without it)."""
    if now is None:
        return None
    today = now.astimezone(ZoneInfo(round_.timezone)).date()
    return await ladder.flagged(session, round_, today, group_id=group_id)


async def _counts(session: AsyncSession, statement: Any) -> Sequence[Any]:
    """The rows of a small GROUP BY query."""
    return (await session.exec(statement)).all()


async def ledger_summary(
    *,
    session: AsyncSession,
    round_id: int,
    group_id: int | None = None,
    now: datetime | None = None,
) -> LedgerSummary:
    """Counts by status, category, handling and satisfaction over the round (or one group);
    with `now`, the three rates as of then too."""
    round_ = await round_of(session, round_id)
    group_name: str | None = None
    if group_id is not None:
        group = await session.get(InspectionGroup, group_id)
        group_name = group.name if group is not None else None

    # One pass over the complaints (a group of 100,000 is read once, not five times): counts
    # by every combination of status, category, satisfaction, channel and latest handling
    # event's action; a few hundred rows, added up below.
    each: Any = scoped(
        # In ix_complaint_counts' order, so the group's entries come grouped already (no
        # sort); the handling is stored on the complaint (storage/timeline_facts.py).
        sa_select(
            col(Complaint.status),
            col(Complaint.handling_action).label("action"),
            col(Complaint.satisfaction),
            col(Complaint.category_code),
            col(Complaint.channel),
        ),
        round_id,
        group_id,
    ).subquery()
    keys = tuple(each.c)
    rows = await _counts(session, sa_select(*keys, func.count()).group_by(*keys))
    by_status = {status: 0 for status in STATUS_ZH}
    per_code: dict[str, int] = {}
    by_handling = {key: 0 for key in HANDLING_ZH}
    satisfaction = {key: 0 for key in ("satisfied", "basic", "unsatisfied")}
    by_channel = {channel.value: 0 for channel in Channel}
    for status, action, rated, code, channel, n in rows:
        by_status[status] = by_status.get(status, 0) + n
        per_code[code] = per_code.get(code, 0) + n
        handling = handling_of(status, action)
        if handling is not None:
            by_handling[handling] += n
        if rated is not None:
            satisfaction[rated] = satisfaction.get(rated, 0) + n
        by_channel[channel] = by_channel.get(channel, 0) + n

    categories = await _counts(
        session,
        select(col(Category.code), col(Category.name_zh), col(Category.name_en))
        .where(col(Category.round_id) == round_id)
        .order_by(col(Category.position), col(Category.id)),
    )
    by_category = [
        CategoryCount(code, name_zh, name_en, per_code.pop(code, 0))
        for code, name_zh, name_en in categories
    ]
    by_category += [CategoryCount(code, code, code, n) for code, n in sorted(per_code.items())]

    figures = None
    if now is not None:
        figures = await round_rates(session=session, round_id=round_id, now=now, group_id=group_id)

    return LedgerSummary(
        round_code=round_.code,
        round_name=round_.name,
        timezone=round_.timezone,
        group_name=group_name,
        total=sum(by_status.values()),
        by_status=by_status,
        by_category=by_category,
        by_handling=by_handling,
        satisfaction=satisfaction,
        rates=figures,
        by_channel=by_channel,
        hotspots=[h.payload for h in await round_hotspots(session, round_id, group_id=group_id)],
        flagged=(
            await ladder.flagged(
                session,
                round_,
                now.astimezone(ZoneInfo(round_.timezone)).date(),
                group_id=group_id,
            )
            if now is not None
            else None
        ),
    )
