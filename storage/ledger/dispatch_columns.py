"""The ledger's columns of the department's side of a dispatch (Handoff rows): 签收时间 of the
latest dispatch, 退回 (how many times, the last reason), 延期 (the days approved, by whom).

Joined into the ledger's one streamed query (storage/ledger/rows.py) as grouped subqueries,
so that each complaint stays one row and the export still reads in pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import col

from storage.ledger.words import RETURN_REASON_ZH
from storage.models import Complaint, Handoff

# How many of the ledger query's columns this module adds (at the end, in this order).
WIDTH = 5


def _scoped(statement: Any, round_id: int, group_id: int | None) -> Any:
    """A Handoff subquery's statement kept to the round's complaints (one group's, when given):
    without it every dispatch in the database is grouped for one group's ledger."""
    statement = statement.join(Complaint, col(Complaint.id) == col(Handoff.complaint_id)).where(
        col(Complaint.round_id) == round_id
    )
    if group_id is not None:
        statement = statement.where(col(Complaint.group_id) == group_id)
    return statement


def join_dispatches(statement: Any, round_id: int, group_id: int | None = None) -> Any:
    """The ledger query with this module's columns added at its end (the round's complaints,
    or one group's)."""
    totals = _scoped(
        sa_select(
            col(Handoff.complaint_id).label("complaint_id"),
            func.max(col(Handoff.id)).label("latest_id"),
            func.count(col(Handoff.returned_at)).label("returns"),
            func.sum(col(Handoff.extended_days)).label("extended"),
        ),
        round_id,
        group_id,
    )
    totals = totals.group_by(col(Handoff.complaint_id)).subquery()
    last_return = _scoped(
        sa_select(
            col(Handoff.complaint_id).label("complaint_id"),
            func.max(col(Handoff.id)).label("handoff_id"),
        ).where(col(Handoff.returned_at).is_not(None)),
        round_id,
        group_id,
    )
    last_return = last_return.group_by(col(Handoff.complaint_id)).subquery()
    last_approval = _scoped(
        sa_select(
            col(Handoff.complaint_id).label("complaint_id"),
            func.max(col(Handoff.id)).label("handoff_id"),
        ).where(col(Handoff.extended_days) > 0),
        round_id,
        group_id,
    )
    last_approval = last_approval.group_by(col(Handoff.complaint_id)).subquery()
    # Any: SQLModel types an aliased model's attributes as plain values.
    latest: Any = aliased(Handoff)
    returned: Any = aliased(Handoff)
    approved: Any = aliased(Handoff)
    return (
        statement.add_columns(
            latest.signed_at,
            totals.c.returns,
            returned.return_reason,
            totals.c.extended,
            approved.extension_decided_by,
        )
        .outerjoin(totals, totals.c.complaint_id == col(Complaint.id))
        .outerjoin(latest, latest.id == totals.c.latest_id)
        .outerjoin(last_return, last_return.c.complaint_id == col(Complaint.id))
        .outerjoin(returned, returned.id == last_return.c.handoff_id)
        .outerjoin(last_approval, last_approval.c.complaint_id == col(Complaint.id))
        .outerjoin(approved, approved.id == last_approval.c.handoff_id)
    )


@dataclass(frozen=True)
class DispatchColumns:
    """The values of this module's columns for one ledger row."""

    # 签收时间 (the latest dispatch's), on the round's clock.
    signed_at: datetime | None = None
    # 退回次数 and 最近退回理由 (in Chinese).
    returns: int | None = None
    last_return: str = ""
    # 延期（天） approved in all, and 延期批准人 (who approved the last one).
    extended_days: int | None = None
    extended_by: str = ""


def dispatch_columns(values: tuple[Any, ...], zone: ZoneInfo, withheld: bool) -> DispatchColumns:
    """The columns from the query's last WIDTH values (`withheld`: a shareable ledger's
    sensitive complaint, of which nothing of the commission's handling is shown)."""
    signed_at, returns, reason, extended, approver = values
    if withheld:
        return DispatchColumns()
    return DispatchColumns(
        signed_at=signed_at.astimezone(zone) if signed_at is not None else None,
        returns=int(returns) if returns else None,
        last_return=RETURN_REASON_ZH.get(reason or "", reason or ""),
        extended_days=int(extended) if extended else None,
        extended_by=approver or "",
    )
