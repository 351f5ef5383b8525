"""Open complaints like a new one: for the resident before confirming, and on the group's card.

Candidates come from the database by round, category, status and date, in the same village or
within NEAR_KM of the shared location (indexes ix_complaint_similar and ix_complaint_near), and
are scored here (storage/similar/text.py). A sensitive category is never looked up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_
from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Category, Complaint, ComplaintFollower, ComplaintStatus
from storage.similar.text import THRESHOLD, signature, similarity
from storage.villages import EARTH_RADIUS_KM, categories, distance_km

S = ComplaintStatus
# Complaints still being dealt with: a resident may join them, a group may merge into them.
OPEN = (S.new, S.accepted, S.immediate, S.handed_off)
# How far back, and how near a shared location must be.
WINDOW = timedelta(days=30)
NEAR_KM = 1.0
# Likely duplicates listed on a card.
CARD_MAX = 3


@dataclass(frozen=True)
class Match:
    """One open complaint alike to the text looked up."""

    complaint_id: int
    number: str
    status: str
    filed_at: datetime
    group_id: int
    village_id: int
    score: float
    resident_id: int = 0


@dataclass(frozen=True)
class Similar:
    """What the resident is told: how many residents raised it, and the complaint to join."""

    # Residents behind the matching complaints (their own, merged ones, followers).
    residents: int
    # The earliest match: the one a resident joins (the others are likely its duplicates).
    target: Match
    same_village: bool


@dataclass(frozen=True)
class Wanted:
    """What is looked up: a text of a category, in a village or near a point, of a round."""

    round_id: int
    village_id: int
    category_code: str
    text: str | None
    latitude: float | None
    longitude: float | None
    before: datetime
    # Leave out: the resident's own complaints, or the complaint itself (on its card).
    resident_id: int | None = None
    complaint_id: int | None = None
    group_id: int | None = None


# What a candidate is read with (not the whole row: it is scored, not shown).
_COLUMNS = (
    col(Complaint.id),
    col(Complaint.number),
    col(Complaint.status),
    col(Complaint.filed_at),
    col(Complaint.group_id),
    col(Complaint.village_id),
    col(Complaint.latitude),
    col(Complaint.longitude),
    col(Complaint.description),
    col(Complaint.resident_id),
)


async def matches(session: AsyncSession, wanted: Wanted) -> list[Match]:
    """The open complaints alike to `wanted`, earliest first."""
    mine = signature(wanted.text)
    if not mine:
        return []
    since = wanted.before - WINDOW
    base = (
        col(Complaint.round_id) == wanted.round_id,
        col(Complaint.category_code) == wanted.category_code,
        col(Complaint.status).in_(OPEN),
        col(Complaint.filed_at) >= since,
        col(Complaint.filed_at) <= wanted.before,
        # Never a sensitive category (asked in the same statement: one round trip less).
        col(Complaint.category_code).not_in(
            select(col(Category.code)).where(
                col(Category.round_id) == wanted.round_id, col(Category.sensitive).is_(True)
            )
        ),
    )
    # The village, or a box around the shared point (the real distance is checked below):
    # one statement, which PostgreSQL answers from both indexes at once (a BitmapOr).
    where = col(Complaint.village_id) == wanted.village_id
    lat, lon = wanted.latitude, wanted.longitude
    if lat is not None and lon is not None:
        dlat = math.degrees(NEAR_KM / EARTH_RADIUS_KM)
        dlon = dlat / max(0.01, math.cos(math.radians(lat)))
        where = or_(
            where,
            and_(
                col(Complaint.latitude).between(lat - dlat, lat + dlat),
                col(Complaint.longitude).between(lon - dlon, lon + dlon),
            ),
        )
    statements = [core_select(*_COLUMNS).where(*base, where)]
    found: dict[int, Match] = {}
    connection = await session.connection()
    for statement in statements:
        for row in (await connection.execute(statement)).all():
            cid, number, status, filed_at, group_id, village_id, clat, clon, text, resident = row
            if cid in found or cid == wanted.complaint_id or resident == wanted.resident_id:
                continue
            if wanted.group_id is not None and group_id != wanted.group_id:
                continue
            if village_id != wanted.village_id and (
                lat is None
                or lon is None
                or clat is None
                or clon is None
                or distance_km(lat, lon, clat, clon) > NEAR_KM
            ):
                continue
            score = similarity(mine, signature(text))
            if score >= THRESHOLD and cid is not None:
                found[cid] = Match(
                    cid, number, status, filed_at, group_id, village_id, score, resident or 0
                )
    return sorted(found.values(), key=lambda m: (m.filed_at, m.complaint_id))


async def is_sensitive(session: AsyncSession, round_id: int, code: str | None) -> bool:
    """Whether a category of the round is sensitive (never matched nor suggested)."""
    if code is None:
        return True
    # The roster's cached facts: a card rendered at every change need not read them again.
    of_round = await categories(session=session, round_id=round_id)
    category = next((c for c in of_round if c.code == code), None)
    return category is None or category.sensitive


async def residents_behind(session: AsyncSession, found: list[Match]) -> int:
    """How many residents raised these complaints: their own, merged duplicates', followers."""
    ids = [m.complaint_id for m in found]
    if not ids:
        return 0
    merged = select(col(Complaint.resident_id)).where(col(Complaint.merged_into_id).in_(ids))
    followers = select(col(ComplaintFollower.resident_id)).where(
        col(ComplaintFollower.complaint_id).in_(ids)
    )
    people: set[int | None] = {m.resident_id for m in found}
    connection = await session.connection()
    people |= set((await connection.execute(merged.union(followers))).scalars().all())
    return len(people)


async def for_draft(
    session: AsyncSession,
    *,
    round_id: int,
    village_id: int,
    category_code: str | None,
    text: str | None,
    latitude: float | None,
    longitude: float | None,
    resident_id: int,
    now: datetime,
) -> Similar | None:
    """What a resident about to confirm is told of open complaints like theirs (None: none)."""
    if category_code is None:
        return None
    wanted = Wanted(
        round_id,
        village_id,
        category_code,
        text,
        latitude,
        longitude,
        now,
        resident_id=resident_id,
    )
    found = await matches(session, wanted)
    if not found:
        return None
    target = found[0]
    count = await residents_behind(session, found)
    return Similar(count, target, same_village=target.village_id == village_id)


async def likely_duplicates(session: AsyncSession, complaint: Complaint) -> list[Match]:
    """Earlier open complaints of the same group a complaint on its card likely repeats.

    Only while the group may still merge it (待受理, 已受理) and never for a sensitive category.
    """
    if complaint.status not in (S.new, S.accepted) or complaint.id is None:
        return []
    if await is_sensitive(session, complaint.round_id, complaint.category_code):
        return []
    wanted = Wanted(
        complaint.round_id,
        complaint.village_id,
        complaint.category_code,
        complaint.description,
        complaint.latitude,
        complaint.longitude,
        complaint.filed_at,
        complaint_id=complaint.id,
        group_id=complaint.group_id,
    )
    found = [m for m in await matches(session, wanted) if m.complaint_id < complaint.id]
    return sorted(found, key=lambda m: -m.score)[:CARD_MAX]


async def follower_counts(session: AsyncSession, complaint_ids: list[int]) -> dict[int, int]:
    """How many residents follow each of these complaints (加入关注)."""
    if not complaint_ids:
        return {}
    statement = (
        select(ComplaintFollower.complaint_id, func.count())
        .where(col(ComplaintFollower.complaint_id).in_(complaint_ids))
        .group_by(col(ComplaintFollower.complaint_id))
    )
    return {cid: int(n) for cid, n in (await session.exec(statement)).all()}
