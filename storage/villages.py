"""Villages, townships and the rounds that cover them, as the resident's conversation sees them.

All from the roster's facts cached per process (storage/roster/facts.py): no statement per step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Category, Round, Village
from storage.roster.facts import facts

# A shared location suggests the nearest village of an open round at most this far away.
NEARBY_KM = 5.0
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Coverage:
    """The open round and the group that take a village's complaints.

    The round is the roster's cached copy (storage/roster/facts.py); the group is named by id:
    its chat changes on linking, so whoever needs it reads the row.
    """

    round: Round
    group_id: int


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


async def open_coverage(
    *, session: AsyncSession, village_id: int, now: datetime
) -> Coverage | None:
    """The open round (and its group) covering a village at `now`, if any."""
    known = await facts(session)
    for cover in known.covers.get(village_id, []):
        if is_open(cover.round, now):
            return Coverage(round=cover.round, group_id=cover.group_id)
    return None


async def village(*, session: AsyncSession, village_id: int) -> Village | None:
    """A village by id (from the roster's cached facts: read it, never change it)."""
    return (await facts(session)).villages.get(village_id)


async def open_villages(*, session: AsyncSession, now: datetime) -> list[Village]:
    """Villages covered by an open round, in roster order."""
    known = await facts(session)
    open_rounds = {r.id for r in known.rounds if is_open(r, now)}
    return [
        village
        for village_id, village in known.villages.items()
        if any(c.round.id in open_rounds for c in known.covers.get(village_id, []))
    ]


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
    anchor = await village(session=session, village_id=anchor_id)
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
    for candidate in await open_villages(session=session, now=now):
        if candidate.latitude is None or candidate.longitude is None:
            continue
        km = distance_km(latitude, longitude, candidate.latitude, candidate.longitude)
        if km <= within_km and (best is None or km < best[1]):
            best = (candidate, km)
    return best


async def find_open_village(*, session: AsyncSession, text: str, now: datetime) -> Village | None:
    """An open village whose name or code is exactly `text` (ignoring case and spaces)."""
    wanted = _plain(text)
    for candidate in await open_villages(session=session, now=now):
        if wanted in (_plain(candidate.name), _plain(candidate.code)):
            return candidate
    return None


def _plain(text: str) -> str:
    """Text without spaces and case, for matching what a resident typed."""
    return "".join(text.split()).casefold()


async def village_by_code(*, session: AsyncSession, code: str) -> Village | None:
    """The village with this code (codes are compared without regard to case)."""
    return (await facts(session)).by_code.get(code.lower())


async def office_contact(*, session: AsyncSession, village_id: int | None) -> str | None:
    """The contact of the latest round covering the village (any round without one)."""
    known = await facts(session)
    if village_id is not None:
        rounds = [cover.round for cover in known.covers.get(village_id, [])]
    else:
        rounds = known.rounds
    for round_ in rounds:
        if round_.contact:
            return round_.contact
    return None


async def categories(*, session: AsyncSession, round_id: int) -> list[Category]:
    """A round's categories in the order residents see them."""
    return list((await facts(session)).categories.get(round_id, []))
