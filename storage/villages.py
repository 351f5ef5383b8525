"""Villages, townships and the rounds that cover them, as the resident's conversation sees them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Category, GroupVillage, InspectionGroup, Round, Village

# A shared location suggests the nearest village of an open round at most this far away.
NEARBY_KM = 5.0
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Coverage:
    """The open round and the group that take a village's complaints."""

    round: Round
    group: InspectionGroup


@dataclass(frozen=True)
class Township:
    """A township with at least one open village; `anchor_id` is its first village's id."""

    name: str
    anchor_id: int


def is_open(round_: Round, now: datetime) -> bool:
    """Whether today, in the round's own time zone, is within its dates."""
    today = now.astimezone(ZoneInfo(round_.timezone)).date()
    return round_.starts_on <= today <= round_.ends_on


def local_time(round_: Round, when: datetime) -> datetime:
    """A moment as the round's clock shows it."""
    return when.astimezone(ZoneInfo(round_.timezone))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


async def _covered(
    *, session: AsyncSession, village_id: int | None = None
) -> list[tuple[Village, InspectionGroup, Round]]:
    """Every (village, group, round) triple, optionally of one village, in roster order."""
    statement = (
        select(Village, InspectionGroup, Round)
        .join(GroupVillage, col(GroupVillage.village_id) == col(Village.id))
        .join(InspectionGroup, col(InspectionGroup.id) == col(GroupVillage.group_id))
        .join(Round, col(Round.id) == col(InspectionGroup.round_id))
        .order_by(col(Village.id), col(Round.starts_on).desc())
    )
    if village_id is not None:
        statement = statement.where(col(Village.id) == village_id)
    return [(v, g, r) for v, g, r in (await session.exec(statement)).all()]


async def open_coverage(
    *, session: AsyncSession, village_id: int, now: datetime
) -> Coverage | None:
    """The open round (and its group) covering a village at `now`, if any."""
    for _village, group, round_ in await _covered(session=session, village_id=village_id):
        if is_open(round_, now):
            return Coverage(round=round_, group=group)
    return None


async def open_villages(*, session: AsyncSession, now: datetime) -> list[Village]:
    """Villages covered by an open round, in roster order."""
    seen: dict[int, Village] = {}
    for village, _group, round_ in await _covered(session=session):
        if village.id is not None and village.id not in seen and is_open(round_, now):
            seen[village.id] = village
    return list(seen.values())


async def townships(*, session: AsyncSession, now: datetime) -> list[Township]:
    """Townships with an open village, in the order their first village was listed."""
    found: dict[str, Township] = {}
    for village in await open_villages(session=session, now=now):
        if village.township not in found and village.id is not None:
            found[village.township] = Township(name=village.township, anchor_id=village.id)
    return list(found.values())


@dataclass(frozen=True)
class TownshipChoice:
    """The open villages of one township, to choose from."""

    name: str
    anchor_id: int
    villages: list[Village]
    # The only township with open villages (no way back to a list of townships).
    only_one: bool


async def township_choice(
    *, session: AsyncSession, anchor_id: int, now: datetime
) -> TownshipChoice | None:
    """The township of village `anchor_id` with its open villages (None if it has none)."""
    anchor = await session.get(Village, anchor_id)
    if anchor is None:
        return None
    open_now = await open_villages(session=session, now=now)
    chosen = [v for v in open_now if v.township == anchor.township]
    if not chosen:
        return None
    only_one = all(v.township == anchor.township for v in open_now)
    return TownshipChoice(anchor.township, anchor_id, chosen, only_one)


async def nearest_open_village(
    *,
    session: AsyncSession,
    latitude: float,
    longitude: float,
    now: datetime,
    within_km: float = NEARBY_KM,
) -> tuple[Village, float] | None:
    """The open village nearest to a point, with its distance, if one is within reach."""
    best: tuple[Village, float] | None = None
    for village in await open_villages(session=session, now=now):
        if village.latitude is None or village.longitude is None:
            continue
        km = distance_km(latitude, longitude, village.latitude, village.longitude)
        if km <= within_km and (best is None or km < best[1]):
            best = (village, km)
    return best


async def find_open_village(*, session: AsyncSession, text: str, now: datetime) -> Village | None:
    """An open village whose name or code is exactly `text` (ignoring case and spaces)."""
    wanted = _plain(text)
    for village in await open_villages(session=session, now=now):
        if wanted in (_plain(village.name), _plain(village.code)):
            return village
    return None


def _plain(text: str) -> str:
    """Text without spaces and case, for matching what a resident typed."""
    return "".join(text.split()).casefold()


async def village_by_code(*, session: AsyncSession, code: str) -> Village | None:
    """The village with this code (codes are compared without regard to case)."""
    statement = select(Village).where(func.lower(col(Village.code)) == code.lower())
    return (await session.exec(statement)).first()


async def office_contact(*, session: AsyncSession, village_id: int | None) -> str | None:
    """The contact of the latest round covering the village (any round without one)."""
    if village_id is not None:
        rounds = [r for _v, _g, r in await _covered(session=session, village_id=village_id)]
    else:
        statement = select(Round).order_by(col(Round.starts_on).desc())
        rounds = list((await session.exec(statement)).all())
    for round_ in rounds:
        if round_.contact:
            return round_.contact
    return None


async def categories(*, session: AsyncSession, round_id: int) -> list[Category]:
    """A round's categories in the order residents see them."""
    statement = (
        select(Category)
        .where(Category.round_id == round_id)
        .order_by(col(Category.position), col(Category.id))
    )
    return list((await session.exec(statement)).all())
