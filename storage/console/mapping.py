"""The console's map: complaints at their own location, and the rest at their village's point
(one marker per village, with its counts by status)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.console.listing import Filters, conditions
from storage.console.viewer import Viewer, on_postgres
from storage.models import Complaint, Village

# At most this many complaints with a location of their own (the newest): a map of more is
# unreadable and slow to draw on a phone.
MAX_POINTS = 5000
# Which status colours a village's marker: the first of these among its complaints.
URGENCY = ("new", "accepted", "immediate", "handed_off", "transferred", "resolved", "rejected")


async def map_points(
    *, session: AsyncSession, viewer: Viewer, filters: Filters, now: datetime
) -> dict[str, Any]:
    """{"complaints": [...], "villages": [...], "truncated": bool}, ready for JSON."""
    today = now.astimezone(ZoneInfo(viewer.timezone)).date()
    where = conditions(viewer, filters, today=today, postgres=on_postgres(session))
    own = (
        await session.exec(  # type: ignore[call-overload]
            sa_select(
                col(Complaint.number),
                col(Complaint.status),
                col(Complaint.latitude),
                col(Complaint.longitude),
            )
            .where(*where, col(Complaint.latitude).is_not(None))
            .order_by(col(Complaint.filed_at).desc())
            .limit(MAX_POINTS + 1)
        )
    ).all()
    placed = (
        await session.exec(  # type: ignore[call-overload]
            sa_select(
                col(Village.id),
                col(Village.name),
                col(Village.latitude),
                col(Village.longitude),
                col(Complaint.status),
            )
            .join(Village, col(Village.id) == col(Complaint.village_id))
            .where(*where, col(Complaint.latitude).is_(None), col(Village.latitude).is_not(None))
        )
    ).all()
    villages: dict[int, dict[str, Any]] = {}
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for village_id, name, latitude, longitude, status in placed:
        villages[village_id] = {"name": name, "lat": latitude, "lon": longitude}
        counts[village_id][status] += 1
    for village_id, village in villages.items():
        village["counts"] = dict(counts[village_id])
        village["status"] = next(
            (s for s in URGENCY if counts[village_id][s]), next(iter(counts[village_id]))
        )
    return {
        "complaints": [
            {"number": n, "status": s, "lat": lat, "lon": lon}
            for n, s, lat, lon in own[:MAX_POINTS]
        ],
        "villages": list(villages.values()),
        "truncated": len(own) > MAX_POINTS,
    }
