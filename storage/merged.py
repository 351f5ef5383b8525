"""Who a complaint speaks for: the duplicates merged into it, and every resident it tells."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Complaint, Resident
from storage.similar import cards as similar_cards


async def by_id(session: AsyncSession, model: Any, ids: Iterable[int | None]) -> dict[int, Any]:
    """Rows of one table by id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = (await session.exec(select(model).where(col(model.id).in_(wanted)))).all()
    return {row.id: row for row in rows}


async def merged_tree(session: AsyncSession, roots: Iterable[int]) -> dict[int, list[Complaint]]:
    """For each root, every complaint merged into it, directly or through another duplicate."""
    tree: dict[int, list[Complaint]] = {root: [] for root in roots}
    root_of = {root: root for root in tree}
    frontier = set(tree)
    while frontier:
        statement = select(Complaint).where(col(Complaint.merged_into_id).in_(frontier))
        children = (await session.exec(statement)).all()
        frontier = set()
        for child in children:
            assert child.id is not None and child.merged_into_id is not None
            if child.id in root_of:  # a cycle would be a bug; never loop on one
                continue
            root = root_of[child.merged_into_id]
            root_of[child.id] = root
            tree[root].append(child)
            frontier.add(child.id)
    return tree


async def complaint_residents(*, session: AsyncSession, complaint_id: int) -> list[Resident]:
    """The complaint's resident, those of the duplicates merged into it and its followers
    (each once)."""
    complaint = await session.get(Complaint, complaint_id)
    if complaint is None:
        return []
    duplicates = (await merged_tree(session, [complaint_id]))[complaint_id]
    followers = [
        r.id for r in await similar_cards.followers(session, complaint_id) if r.id is not None
    ]
    everyone = [complaint.resident_id, *(c.resident_id for c in duplicates), *followers]
    order = [resident_id for resident_id in everyone if resident_id is not None]
    residents = await by_id(session, Resident, order)
    seen: set[int] = set()
    found = []
    for resident_id in order:
        if resident_id in residents and resident_id not in seen:
            seen.add(resident_id)
            found.append(residents[resident_id])
    return found
