"""Counts over a round's complaints (or one group's): by status, category, handling and
satisfaction, with a few GROUP BY queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import ladder
from storage.handling import handling_of, last_handling_events
from storage.ledger.scope import round_of, scoped
from storage.ledger.words import HANDLING_ZH, STATUS_ZH
from storage.models import (
    Category,
    Channel,
    Complaint,
    InspectionGroup,
    Round,
    TimelineEvent,
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

    count = func.count(col(Complaint.id))
    status_rows = await _counts(
        session,
        scoped(select(col(Complaint.status), count), round_id, group_id).group_by(
            col(Complaint.status)
        ),
    )
    by_status = {status: 0 for status in STATUS_ZH}
    for status, n in status_rows:
        by_status[status] = by_status.get(status, 0) + n

    category_rows = await _counts(
        session,
        scoped(select(col(Complaint.category_code), count), round_id, group_id).group_by(
            col(Complaint.category_code)
        ),
    )
    per_code = {code: n for code, n in category_rows}
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

    last = last_handling_events(round_id)
    handling_event: Any = aliased(TimelineEvent)
    handling_rows = await _counts(
        session,
        scoped(
            select(col(Complaint.status), handling_event.action, count)
            .select_from(Complaint)
            .outerjoin(last, last.c.complaint_id == col(Complaint.id))
            .outerjoin(handling_event, handling_event.id == last.c.event_id),
            round_id,
            group_id,
        ).group_by(col(Complaint.status), handling_event.action),
    )
    by_handling = {key: 0 for key in HANDLING_ZH}
    for status, action, n in handling_rows:
        handling = handling_of(status, action)
        if handling is not None:
            by_handling[handling] += n

    satisfaction_rows = await _counts(
        session,
        scoped(select(col(Complaint.satisfaction), count), round_id, group_id)
        .where(col(Complaint.satisfaction).is_not(None))
        .group_by(col(Complaint.satisfaction)),
    )
    satisfaction = {key: 0 for key in ("satisfied", "basic", "unsatisfied")}
    for value, n in satisfaction_rows:
        satisfaction[value] = satisfaction.get(value, 0) + n

    figures = None
    if now is not None:
        figures = await round_rates(session=session, round_id=round_id, now=now, group_id=group_id)
    channel_rows = await _counts(
        session,
        scoped(select(col(Complaint.channel), count), round_id, group_id).group_by(
            col(Complaint.channel)
        ),
    )
    by_channel = {channel.value: 0 for channel in Channel}
    for channel, n in channel_rows:
        by_channel[channel] = by_channel.get(channel, 0) + n

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
