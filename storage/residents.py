"""Residents: the people who talk to the bot in private chats."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import blocks, drafts
from storage.blocks import Barrier
from storage.models import Draft, Resident
from storage.roster import facts as roster_facts


@dataclass
class Arrival:
    """A resident as of this update, their running draft, and whether an idle one expired."""

    resident: Resident
    draft: Draft | None
    expired: bool
    # 屏蔽: the resident is blocked now (None: not); nothing they send goes further.
    barrier: Barrier | None = None


@functools.cache
def _arrival() -> Any:
    """One statement for what every update needs: the resident, their draft, whether a block
    is in force, whether an expired draft's mark waits, and the roster's version.

    Built once, with parameters `telegram_id` and `now`: building it is most of its cost.
    """
    return (
        sa_select(
            Resident,
            Draft,
            blocks.in_force(col(Resident.id), bindparam("now")),
            drafts.mark_exists(col(Resident.id)),
            roster_facts.version_column(),
        )
        .outerjoin(Draft, col(Draft.resident_id) == col(Resident.id))
        .where(col(Resident.telegram_id) == bindparam("telegram_id"))
    )


async def arrive(
    *,
    session: AsyncSession,
    telegram_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language: str,
    now: datetime,
) -> Arrival:
    """Create or refresh the resident from their Telegram profile; load (or expire) the draft."""
    params = {"telegram_id": telegram_id, "now": now}
    row = (await session.exec(_arrival(), params=params)).first()
    if row is None:
        resident = Resident(telegram_id=telegram_id, language=language, created_at=now)
        session.add(resident)
        draft, blocked, marked = None, False, False
    else:
        resident, draft, blocked, marked, version = row
        roster_facts.note_version(session, version)
    # `language` is what Telegram's language_code maps to: it does not override a language
    # the resident chose with /lang. Only changed values are assigned: an assignment, even of
    # an equal value, makes the resident dirty, and every flush of the update then works
    # through it (issue 12). A changed profile is flushed with the step's own changes.
    profile = {"first_name": first_name, "last_name": last_name or "", "username": username}
    if not resident.language_chosen:
        profile["language"] = language
    for name, value in profile.items():
        if getattr(resident, name) != value:
            setattr(resident, name, value)
    if resident.id is None:
        await session.flush()
    assert resident.id is not None
    if blocked:
        barrier = await blocks.barrier(session=session, resident_id=resident.id, now=now)
        if barrier is not None:
            # Blocked: the draft is left as it is (not even expired) until the block ends.
            return Arrival(resident=resident, draft=None, expired=False, barrier=barrier)
    draft, expired = await drafts.settle(
        session=session, resident_id=resident.id, draft=draft, marked=bool(marked), now=now
    )
    return Arrival(resident=resident, draft=draft, expired=expired)


async def choose_language(*, session: AsyncSession, resident: Resident, language: str) -> None:
    """The resident's own choice of language, kept from now on."""
    resident.language = language
    resident.language_chosen = True
    await session.flush()
