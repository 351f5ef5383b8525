"""What was done: each sweep's report, the notices it writes and remembers, the rounds it reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox
from storage.models import Complaint, InspectionGroup, Round, SentNotice
from storage.notices import NoticeKind

# A final report missed while the bot was down is still sent this long after the end.
FINAL_CATCH_UP = timedelta(days=7)
# Kinds of SentNotice that `Rounds` reads ahead (the others are looked up by their sweeps).
ROUND_KINDS = (
    NoticeKind.round_open,
    NoticeKind.round_warn,
    NoticeKind.final,
    NoticeKind.weekly,
    NoticeKind.digest,
)
# A closing for want of a survey answer: remembered, though its message is the workflow's event.
SURVEY_CLOSED: Final = "survey_closed"


@dataclass
class SweepReport:
    """What one sweep did."""

    name: str
    # Keys of the notices it sent (outbox rows written), in order.
    sent: list[str] = field(default_factory=list)
    rows: int = 0
    # Complaints it closed (no survey answer), drafts it deleted, handled updates and sent
    # outbox rows it forgot.
    closed: list[int] = field(default_factory=list)
    deleted: int = 0
    forgotten: int = 0

    @property
    def wrote_outbox(self) -> bool:
        """Whether the outbox has something new to send."""
        return self.rows > 0 or bool(self.closed)


@dataclass
class Sweeping:
    """One sweep at work: it writes notices in this transaction at `now`, into its report."""

    session: AsyncSession
    now: datetime
    report: SweepReport

    def tell(
        self,
        chat_id: int,
        kind: NoticeKind,
        payload: dict[str, Any],
        complaint_id: int | None = None,
    ) -> int:
        """Write one notice to one chat; the rows written (1)."""
        outbox.enqueue_notice(
            session=self.session,
            chat_id=chat_id,
            kind=kind,
            payload=payload,
            now=self.now,
            complaint_id=complaint_id,
        )
        return 1

    def remember(
        self,
        key: str,
        kind: NoticeKind | Literal["survey_closed"],
        *,
        round_id: int | None,
        due_at: datetime,
        rows: int,
    ) -> None:
        """Remember a notice (rows: outbox rows written for it; 0: nothing was worth saying)."""
        self.session.add(
            SentNotice(
                key=key, kind=kind, round_id=round_id, due_at=due_at, sent_at=self.now, rows=rows
            )
        )
        self.report.rows += rows
        if rows:
            self.report.sent.append(key)

    def send(
        self,
        key: str,
        kind: NoticeKind,
        *,
        round_id: int | None,
        due_at: datetime,
        chat: int,
        payload: dict[str, Any],
    ) -> None:
        """Write one notice to one chat (by its id) and remember it."""
        rows = self.tell(chat, kind, payload)
        self.remember(key, kind, round_id=round_id, due_at=due_at, rows=rows)


async def done(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """The keys among these that are already remembered."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return set()
    statement = select(SentNotice.key).where(col(SentNotice.key).in_(wanted))
    return set((await session.exec(statement)).all())


@dataclass
class Rounds:
    """The rounds a sweep looks at, with their linked groups: read once per run."""

    rounds: list[Round]
    # Round id -> its groups that have a chat, in roster order.
    groups: dict[int, list[InspectionGroup]]
    # Keys of the round messages, digests and reports already sent that can still matter.
    done: set[str] = field(default_factory=set)

    def linked_groups(self, round_: Round) -> list[InspectionGroup]:
        """A round's groups that have a chat."""
        return self.groups.get(row_id(round_), [])


async def rounds_near(*, session: AsyncSession, now: datetime) -> Rounds:
    """Rounds that are running, about to start, or ended in the last days (final reports)."""
    today = now.date()
    statement = (
        select(Round)
        .where(
            col(Round.starts_on) <= today + timedelta(days=1),
            col(Round.ends_on) >= today - FINAL_CATCH_UP - timedelta(days=2),
        )
        .order_by(col(Round.starts_on), col(Round.id))
    )
    rounds = list((await session.exec(statement)).all())
    groups: dict[int, list[InspectionGroup]] = {row_id(r): [] for r in rounds}
    if rounds:
        linked = (
            select(InspectionGroup)
            .where(
                col(InspectionGroup.round_id).in_(list(groups)),
                col(InspectionGroup.chat_id).is_not(None),
            )
            .order_by(col(InspectionGroup.id))
        )
        for group in (await session.exec(linked)).all():
            groups[group.round_id].append(group)
    sent: set[str] = set()
    if rounds:
        statement_sent = select(SentNotice.key).where(
            col(SentNotice.round_id).in_(list(groups)),
            col(SentNotice.kind).in_(ROUND_KINDS),
            or_(
                col(SentNotice.kind).in_((NoticeKind.round_open, NoticeKind.round_warn)),
                col(SentNotice.due_at) >= now - FINAL_CATCH_UP - timedelta(days=2),
            ),
        )
        sent = set((await session.exec(statement_sent)).all())
    return Rounds(rounds, groups, sent)


def row_id(row: Round | InspectionGroup | Complaint) -> int:
    """A row's id (rows read from the database have one)."""
    assert row.id is not None
    return row.id


async def by_id(session: AsyncSession, model: Any, ids: Iterable[int]) -> dict[int, Any]:
    """Rows of a table by id."""
    wanted = set(ids)
    if not wanted:
        return {}
    statement = select(model).where(col(model.id).in_(wanted))
    return {row.id: row for row in (await session.exec(statement)).all()}


async def rounds_of(
    session: AsyncSession, rounds: Rounds | None, complaints: list[Complaint]
) -> dict[int, Round]:
    """The rounds of these complaints by id (those not read ahead are read now)."""
    found = {row_id(r): r for r in rounds.rounds} if rounds is not None else {}
    missing = {c.round_id for c in complaints} - set(found)
    if missing:
        found.update(await by_id(session, Round, missing))
    return found
