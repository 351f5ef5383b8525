"""The dispatch rows (Handoff) that cards and the ledger show: each complaint's latest, and
how often it was sent back. Kept apart from storage/workflow/dispatches.py (which changes
them) so that storage/triage.py can read them without importing the workflow."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Handoff

__all__ = ["Handoff", "latest_of"]


async def latest_of(
    session: AsyncSession, complaint_ids: list[int]
) -> tuple[dict[int, Handoff], dict[int, int]]:
    """Each complaint's latest dispatch, and how many of its dispatches were sent back."""
    if not complaint_ids:
        return {}, {}
    statement = (
        select(Handoff)
        .where(col(Handoff.complaint_id).in_(complaint_ids))
        .order_by(col(Handoff.id))
        .execution_options(populate_existing=True)
    )
    latest: dict[int, Handoff] = {}
    returns: dict[int, int] = {}
    for row in (await session.exec(statement)).all():
        latest[row.complaint_id] = row
        if row.returned_at is not None:
            returns[row.complaint_id] = returns.get(row.complaint_id, 0) + 1
    return latest, returns
