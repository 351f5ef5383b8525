"""The roster's facts (villages, rounds, who covers which village, categories), cached per process.

They change only when a roster is loaded, yet the resident's conversation reads them at every
step. So each process keeps them in memory per database, labelled with the `roster_version` row
(storage/models/roster.py) they were read at. A load bumps that row in its own transaction
(`bump`); every transaction that uses the facts compares the row with the label, once (the
value is kept in the session's `info`, and the resident's arrival reads it with the resident
row, so it costs no statement of its own), and reads the facts again when it moved. A load in
another process is therefore seen by the first transaction that starts after it commits.

The cached rows are transient copies made from row tuples, shared by every update: read them,
never change them or add them to a session. Only roster fields are in them: a round's complaint
counter and its office chat, and every group (whose chat changes on linking, not on a load) are
not cached: read those rows.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Category, GroupVillage, InspectionGroup, RosterVersion, Round, Village

# Where a transaction keeps the roster version it read (AsyncSession.info), and whether it
# changed the roster itself (its facts are then its own until it commits: never cached).
VERSION_KEY = "xuncha_roster_version"
CHANGED_KEY = "xuncha_roster_changed"


@dataclass(frozen=True)
class Cover:
    """One group of one round covering a village."""

    round: Round
    group_id: int


@dataclass
class RosterFacts:
    """Every roster fact the conversation reads, as of one roster version."""

    version: int | None
    # In id order, which is the roster's order.
    villages: dict[int, Village] = field(default_factory=dict)
    by_code: dict[str, Village] = field(default_factory=dict)
    # Newest round first (by its start), as `storage/villages.py` wants them.
    rounds: list[Round] = field(default_factory=list)
    covers: dict[int, list[Cover]] = field(default_factory=dict)
    # A round's categories in the order residents see them.
    categories: dict[int, list[Category]] = field(default_factory=dict)


# One entry per database (keyed by its connection pool, which a snapshot's engine shares).
_cache: weakref.WeakKeyDictionary[Any, RosterFacts] = weakref.WeakKeyDictionary()


def version_column() -> ScalarSelect[Any]:
    """The roster version as a column, for a statement the transaction runs anyway."""
    return select(RosterVersion.version).where(RosterVersion.id == 1).scalar_subquery()


def note_version(session: AsyncSession, version: int | None) -> None:
    """Remember the roster version this transaction read (see `version_column`)."""
    session.info[VERSION_KEY] = version


async def _version(session: AsyncSession) -> int | None:
    """The roster version as this transaction sees it (read once per transaction)."""
    if VERSION_KEY not in session.info:
        statement = select(RosterVersion.version).where(RosterVersion.id == 1)
        note_version(session, (await session.exec(statement)).first())
    version = session.info[VERSION_KEY]
    return None if version is None else int(version)


async def facts(session: AsyncSession) -> RosterFacts:
    """The roster's facts as of this transaction's roster version (read again if it moved)."""
    if session.info.get(CHANGED_KEY):
        return await _read(session, None)
    version = await _version(session)
    bind = session.get_bind()
    key = bind.engine.pool
    cached = _cache.get(key)
    if cached is not None and cached.version == version:
        return cached
    # Labelled with the version read before them: a load committed meanwhile only makes the
    # next transaction read them once more.
    fresh = await _read(session, version)
    _cache[key] = fresh
    return fresh


def _columns(*columns: Any) -> Any:
    """A core SELECT of some columns: rows come back as tuples, no ORM object is made."""
    return sa_select(*columns)


async def _rows(session: AsyncSession, statement: Any) -> list[Any]:
    """A statement's rows as tuples."""
    return list((await session.exec(statement)).all())


async def _read(session: AsyncSession, version: int | None) -> RosterFacts:
    """Read every roster fact, as row tuples made into transient rows."""
    result = RosterFacts(version=version)
    v = Village
    villages = _columns(v.id, v.code, v.name, v.township, v.latitude, v.longitude)
    for id_, code, name, township, latitude, longitude in await _rows(
        session, villages.order_by(col(v.id))
    ):
        village = Village(
            id=id_, code=code, name=name, township=township, latitude=latitude, longitude=longitude
        )
        result.villages[id_] = village
        result.by_code[code.lower()] = village
    r = Round
    rounds = _columns(
        r.id, r.code, r.name, r.kind, r.organizer, r.starts_on, r.ends_on, r.timezone, r.contact
    ).order_by(col(r.starts_on).desc(), col(r.id))
    by_id: dict[int, Round] = {}
    for id_, code, name, kind, organizer, starts_on, ends_on, timezone, contact in await _rows(
        session, rounds
    ):
        by_id[id_] = Round(
            id=id_,
            code=code,
            name=name,
            kind=kind,
            organizer=organizer,
            starts_on=starts_on,
            ends_on=ends_on,
            timezone=timezone,
            contact=contact,
        )
    result.rounds = list(by_id.values())
    covers = _columns(
        GroupVillage.village_id, GroupVillage.group_id, InspectionGroup.round_id
    ).join(InspectionGroup, col(InspectionGroup.id) == col(GroupVillage.group_id))
    for village_id, group_id, round_id in await _rows(session, covers):
        result.covers.setdefault(village_id, []).append(Cover(by_id[round_id], group_id))
    order = {round_.id: index for index, round_ in enumerate(result.rounds)}
    for listed in result.covers.values():
        listed.sort(key=lambda cover: order[cover.round.id])
    c = Category
    categories = _columns(
        c.id, c.round_id, c.code, c.name_zh, c.name_en, c.due_days, c.sensitive, c.position,
        c.department_code,
    ).order_by(col(c.round_id), col(c.position), col(c.id))  # fmt: skip
    for id_, round_id, code, zh, en, due_days, sensitive, position, department in await _rows(
        session, categories
    ):
        result.categories.setdefault(round_id, []).append(
            Category(
                id=id_,
                round_id=round_id,
                code=code,
                name_zh=zh,
                name_en=en,
                due_days=due_days,
                sensitive=sensitive,
                position=position,
                department_code=department,
            )
        )
    return result


async def bump(session: AsyncSession, now: datetime) -> None:
    """Say the roster changed: every process reads its facts again once this commits."""
    statement = (
        update(RosterVersion)
        .where(col(RosterVersion.id) == 1)
        .values(version=RosterVersion.version + 1, loaded_at=now)
        .execution_options(synchronize_session=False)
    )
    result: Any = await session.exec(statement)
    if not result.rowcount:
        # A database made without the migrations' first row (tests' own schemas).
        session.add(RosterVersion(id=1, version=1, loaded_at=now))
        await session.flush()
    session.info[CHANGED_KEY] = True
