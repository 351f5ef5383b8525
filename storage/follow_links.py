"""One-time follow links (issue 11 §1): the inspector who recorded a complaint in person (代录)
hands the resident `t.me/<bot>?start=f_<token>`; opening it makes them the complaint's owner,
with /my, /status, its updates and the 回访.

Only the token's SHA-256 is stored. A link works once, within FOLLOW_LINK_LIFETIME, and only
while the complaint has no owner; a new link for the same complaint retires the ones before.
The claim is a guarded UPDATE, so of two people opening one link at once, one owns it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Complaint, FollowLink, Resident, TimelineEvent
from storage.triage import NOT_OPEN

FOLLOW_LINK_LIFETIME = timedelta(days=7)
# What the deep link's payload starts with: /start f_<token>.
PREFIX = "f_"


class Followed(StrEnum):
    """What became of a follow link."""

    issued = "issued"
    followed = "followed"
    # The link was opened before (by anyone), or the complaint has its owner already.
    used = "used"
    expired = "expired"
    # No such link: mistyped or made up.
    unknown = "unknown"
    # Issuing: not this inspector's record, or it has its owner, or it is finished.
    refused = "refused"


@dataclass
class FollowOutcome:
    """A follow link issued or claimed, and the complaint it is about."""

    result: Followed
    complaint: Complaint | None = None
    token: str | None = None
    expires_at: datetime | None = None


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(
    *, session: AsyncSession, complaint_id: int, recorder_telegram_id: int, now: datetime
) -> FollowOutcome:
    """A new one-time link for a complaint the inspector recorded and nobody follows yet."""
    complaint = await session.get(Complaint, complaint_id)
    if (
        complaint is None
        or complaint.recorded_by_telegram_id != recorder_telegram_id
        or complaint.resident_id is not None
        or complaint.status in NOT_OPEN
    ):
        return FollowOutcome(Followed.refused, complaint)
    await session.exec(
        update(FollowLink)
        .where(
            col(FollowLink.complaint_id) == complaint_id,
            col(FollowLink.used_at).is_(None),
            col(FollowLink.expires_at) > now,
        )
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(18)
    expires = now + FOLLOW_LINK_LIFETIME
    session.add(
        FollowLink(
            token_hash=digest(token),
            complaint_id=complaint_id,
            created_at=now,
            expires_at=expires,
        )
    )
    await session.flush()
    return FollowOutcome(Followed.issued, complaint, token, expires)


async def claim(
    *, session: AsyncSession, token: str, resident: Resident, now: datetime
) -> FollowOutcome:
    """Open a follow link: the resident owns the complaint from now on (once, in time)."""
    statement = select(FollowLink).where(FollowLink.token_hash == digest(token))
    link = (await session.exec(statement)).first()
    if link is None or link.id is None:
        return FollowOutcome(Followed.unknown)
    if link.used_at is not None:
        return FollowOutcome(Followed.used)
    if link.expires_at <= now:
        return FollowOutcome(Followed.expired)
    used = cast(
        "CursorResult[Any]",
        await session.exec(
            update(FollowLink)
            .where(col(FollowLink.id) == link.id, col(FollowLink.used_at).is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if used.rowcount != 1:
        return FollowOutcome(Followed.used)
    owned = cast(
        "CursorResult[Any]",
        await session.exec(
            update(Complaint)
            .where(col(Complaint.id) == link.complaint_id, col(Complaint.resident_id).is_(None))
            .values(resident_id=resident.id, updated_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if owned.rowcount != 1:
        return FollowOutcome(Followed.used)
    complaint = (
        await session.exec(
            select(Complaint)
            .where(Complaint.id == link.complaint_id)
            .execution_options(populate_existing=True)
        )
    ).one()
    session.add(
        TimelineEvent(
            complaint_id=link.complaint_id,
            at=now,
            actor="resident",
            action="follow_link_used",
            public=False,
        )
    )
    await session.flush()
    return FollowOutcome(Followed.followed, complaint)
