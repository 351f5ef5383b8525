"""A hand-off's own life on the department's side: one row per dispatch to a department."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, Text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class HandoffKind(StrEnum):
    """What went to the department: a 现场交办 or a confidential 移交问题线索."""

    handoff = "handoff"
    clue = "clue"


class ReturnOutcome(StrEnum):
    """What the group made of a department's 退回."""

    accepted = "accepted"  # re-dispatched or taken back: does not count against the department
    overruled = "overruled"  # 坚持交办: counts against the department


class ExtensionState(StrEnum):
    """Where a department's 申请延期 stands."""

    pending = "pending"
    approved = "approved"
    refused = "refused"


# 退回's reasons (buttons), as Handoff.return_reason holds them.
RETURN_REASONS = ("not_ours", "wrong_place", "unclear", "other")


class Handoff(SQLModel, table=True):
    """One dispatch of a complaint to a department (交办 or 移交), from sending to its end.

    A complaint handed off twice (re-dispatched after a 退回, or to another department) has two
    rows; the open one has `ended_at` None. The rates (响应率 of departments) read these rows.
    """

    __tablename__ = "handoff"
    __table_args__ = (
        Index("ix_handoff_department_handed", "department_id", "handed_at"),
        # A group's hand-offs for its 响应率 of departments (storage/rates.py), read from the
        # index alone: not the round's every hand-off joined to the group's complaints.
        Index(
            "ix_handoff_group",
            "group_id",
            "kind",
            "department_id",
            "handed_at",
            "signed_at",
            "done_at",
            "returned_at",
            "return_outcome",
            "ended_at",
            "id",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    department_id: int = Field(foreign_key="department.id")
    # The complaint's group, copied when the dispatch starts (a complaint keeps its group).
    group_id: int | None = Field(default=None, foreign_key="inspection_group.id")
    kind: str = Field(default=HandoffKind.handoff)
    handed_at: datetime = Field(sa_type=UTCDateTime)
    # The due date as handed off (the complaint's due_on moves with an approved 延期).
    due_on: date | None = None
    # 签收
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    signed_by_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    signed_by_name: str | None = None
    # 退回: a reason code (not_ours, wrong_place, unclear, other), the typed explanation, and
    # what the group decided.
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    return_reason: str | None = None
    return_note: str | None = Field(default=None, sa_type=Text)
    return_outcome: str | None = None
    # 坚持交办: the group's note to the department, on the dispatch it sent back again.
    insist_note: str | None = Field(default=None, sa_type=Text)
    # 申请延期 (one at a time): the days and reason asked, and the group's answer (state
    # pending, approved or refused; who answered; a refusal's reason). `extended_days`: every
    # approved request of this dispatch, added up.
    extension_days: int | None = None
    extension_reason: str | None = Field(default=None, sa_type=Text)
    extension_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    extension_state: str | None = None
    extension_decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    extension_decided_by: str | None = None
    extension_refusal: str | None = Field(default=None, sa_type=Text)
    extended_days: int = 0
    # A clue's 已受理 (the commission has taken it up).
    received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Reported done (报告办结, or a clue's 销号).
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # No longer the complaint's current dispatch (done, re-dispatched, taken back).
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def return_pending(self) -> bool:
        """Sent back, and the group has not yet decided what to do with it."""
        return self.returned_at is not None and self.return_outcome is None
