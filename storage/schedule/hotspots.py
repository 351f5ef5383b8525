"""热点提示: once a day, the round's hot spots of the last 7 days, each told once while it lasts.

The office's chat hears every new hot spot; each group whose complaints are in one hears it too.
A cluster is told once: its key names its kind and subject (a category, a village, a pattern's
category and first phrase) and the day it was told, and another of the same kind and subject
within HOT_DAYS after that is the same cluster still going (storage/similar/hotspots.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Category,
    GroupVillage,
    Hotspot,
    InspectionGroup,
    Round,
    SentNotice,
    Village,
)
from storage.notices import NoticeKind
from storage.schedule.clock import at_local, local_today
from storage.schedule.digest import LIST_MAX, category_names
from storage.schedule.memory import Rounds, Sweeping, SweepReport, rounds_near, row_id
from storage.similar.hotspots import Cluster, find_clusters, window

HOTSPOT_AT = time(8, 45)
HOT_DAYS = 7


async def sweep_hotspots(
    *, session: AsyncSession, now: datetime, rounds: Rounds | None = None
) -> SweepReport:
    """Each running round's new hot spots, at 08:45 on its clock, once a day."""
    sweeping = Sweeping(session, now, SweepReport("hotspots"))
    rounds = rounds or await rounds_near(session=session, now=now)
    for round_ in rounds.rounds:
        today = local_today(round_, now)
        due_at = at_local(round_, today, HOTSPOT_AT)
        run_key = f"hotspots:{row_id(round_)}:{today.isoformat()}"
        if not round_.starts_on <= today <= round_.ends_on or now < due_at:
            continue
        if await _remembered(session, [run_key]):
            continue
        told = await told_recently(session, row_id(round_), now)
        names = await Names.of(session, round_)
        rows = 0
        for cluster in await round_clusters(session, round_, now):
            prefix = f"hotspot:{row_id(round_)}:{cluster.kind}:{cluster.subject}:"
            if any(key.startswith(prefix) for key in told):
                continue
            key = f"{prefix}{today.isoformat()}"[:160]
            told.append(key)
            sent = _tell(sweeping, names, round_, cluster, today.isoformat())
            session.add(
                Hotspot(
                    round_id=row_id(round_),
                    kind=cluster.kind,
                    subject=cluster.subject[:120],
                    found_at=now,
                    group_ids=cluster.group_ids,
                    payload=payload_of(names, round_, cluster, today.isoformat()),
                )
            )
            sweeping.remember(
                key, NoticeKind.hotspot, round_id=round_.id, due_at=due_at, rows=sent
            )
            rows += sent
        sweeping.remember(run_key, NoticeKind.hotspot, round_id=round_.id, due_at=due_at, rows=0)
    await session.flush()
    return sweeping.report


async def round_clusters(session: AsyncSession, round_: Round, now: datetime) -> list[Cluster]:
    """The round's hot spots of the HOT_DAYS up to `now`."""
    members = await window(session, row_id(round_), now - timedelta(days=HOT_DAYS), now)
    return find_clusters(members)


async def _remembered(session: AsyncSession, keys: list[str]) -> bool:
    """Whether any of these keys is remembered."""
    statement = select(SentNotice.key).where(col(SentNotice.key).in_(keys))
    return (await session.exec(statement)).first() is not None


async def told_recently(session: AsyncSession, round_id: int, now: datetime) -> list[str]:
    """Keys of the round's hot spots told in the last HOT_DAYS."""
    statement = select(SentNotice.key).where(
        SentNotice.round_id == round_id,
        SentNotice.kind == NoticeKind.hotspot,
        col(SentNotice.key).startswith("hotspot:"),
        col(SentNotice.due_at) >= now - timedelta(days=HOT_DAYS),
    )
    return list((await session.exec(statement)).all())


@dataclass
class Names:
    """A round's categories, villages and groups, read once per sweep."""

    categories: dict[str, Category]
    villages: dict[int, Village]
    groups: dict[int, InspectionGroup]

    @classmethod
    async def of(cls, session: AsyncSession, round_: Round) -> Names:
        """The round's names."""
        round_id = row_id(round_)
        groups = (
            await session.exec(select(InspectionGroup).where(InspectionGroup.round_id == round_id))
        ).all()
        village_ids = select(GroupVillage.village_id).where(
            col(GroupVillage.group_id).in_([g.id for g in groups])
        )
        villages = (
            await session.exec(select(Village).where(col(Village.id).in_(village_ids)))
        ).all()
        return cls(
            await category_names(session, round_id),
            {v.id: v for v in villages if v.id is not None},
            {g.id: g for g in groups if g.id is not None},
        )


def payload_of(names: Names, round_: Round, cluster: Cluster, date: str) -> dict[str, Any]:
    """What a hot spot's notice (and the reports' list) says: no text, no identity."""
    categories, villages = names.categories, names.villages
    code = cluster.subject.split(":", 1)[0] if cluster.kind != "village" else None
    category = categories.get(code) if code is not None else None
    common = Counter(m.category_code for m in cluster.members).most_common(3)
    return {
        "round_id": round_.id,
        "round": round_.name,
        "date": date,
        "days": HOT_DAYS,
        "kind": cluster.kind,
        "count": len(cluster.members),
        "category_zh": category.name_zh if category is not None else "",
        "category_en": category.name_en if category is not None else "",
        "village_count": len(cluster.village_ids),
        "villages": [villages[v].name for v in cluster.village_ids[:LIST_MAX] if v in villages],
        "numbers": [m.number for m in cluster.members[:LIST_MAX]],
        "phrases": cluster.phrases,
        "categories": [
            {
                "category_zh": categories[c].name_zh if c in categories else c,
                "category_en": categories[c].name_en if c in categories else c,
                "count": n,
            }
            for c, n in common
        ],
    }


def _tell(sweeping: Sweeping, names: Names, round_: Round, cluster: Cluster, date: str) -> int:
    """The hot spot to the office's chat and to each linked group concerned; rows written."""
    payload = payload_of(names, round_, cluster, date)
    rows = 0
    if round_.office_chat_id is not None:
        rows += sweeping.tell(
            round_.office_chat_id, NoticeKind.hotspot, {**payload, "audience": "office"}
        )
    for group_id in cluster.group_ids:
        group = names.groups.get(group_id)
        if group is not None and group.chat_id is not None:
            rows += sweeping.tell(
                group.chat_id,
                NoticeKind.hotspot,
                {**payload, "audience": "group", "group_id": group_id},
            )
    return rows
