"""How a complaint was dealt with (办理方式): one rule for the ledger, /stats and the reports.

A complaint's handling is its status when that is immediate, handed_off, transferred or
rejected; otherwise the latest such action on its timeline (a resolved or closed complaint
keeps how it was handled), unless that was a rejection an inspector later reconsidered (an
"accepted" event from "rejected", which undoes it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, literal_column, or_
from sqlmodel import col

from storage.models import ComplaintStatus, TimelineEvent

S = ComplaintStatus

HANDLING: tuple[str, ...] = (S.immediate, S.handed_off, S.transferred, S.rejected)


def handling_of(status: str, last_action: str | None) -> str | None:
    """A complaint's handling from its status and its latest handling event's action."""
    if status in HANDLING:
        return status
    # A last action of "accepted" (a reconsidered rejection) is no handling (yet).
    return last_action if last_action in HANDLING else None


def is_handling_event(action: str, from_status: str | None) -> bool:
    """Whether a timeline event decides (or undoes) a complaint's handling."""
    return action in HANDLING or (action == "accepted" and from_status == S.rejected)


def handling_event() -> Any:
    """Where-clause of the handling events (is_handling_event), written out, not bound: so
    that the planner, even with a prepared statement's generic plan, sees the partial index's
    condition (ix_timeline_event_handling)."""
    action = col(TimelineEvent.action)
    return or_(
        action.in_([literal_column(f"'{a}'") for a in HANDLING]),
        and_(
            action == literal_column("'accepted'"),
            col(TimelineEvent.from_status) == literal_column("'rejected'"),
        ),
    )
