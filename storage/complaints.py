"""Complaints: filing a finished draft, and what a resident may read of their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from storage import cards, outbox, villages
from storage.models import (
    Category,
    Channel,
    Complaint,
    ComplaintStatus,
    Draft,
    DraftStep,
    InspectionGroup,
    Resident,
    Round,
    TimelineEvent,
    Village,
)
from storage.roster import facts as roster_facts

DEFAULT_DAILY_LIMIT = 5
MY_COMPLAINTS_LIMIT = 20


class Identity(NamedTuple):
    """Who the complaint names (all None for an anonymous one)."""

    name: str | None
    username: str | None
    phone: str | None


class FilingOutcome(StrEnum):
    """What became of a confirmed draft."""

    filed = "filed"
    # No such draft of this resident, or it is not at the summary (an old button).
    stale = "stale"
    # Something is missing; the draft is sent back to that question.
    incomplete = "incomplete"
    # No open round covers the village any more; the draft is kept.
    closed = "closed"
    # The resident has filed the day's allowance; the draft is kept.
    limit = "limit"


@dataclass
class Filing:
    """The result of file_complaint."""

    outcome: FilingOutcome
    complaint: Complaint | None = None
    round: Round | None = None
    group: InspectionGroup | None = None
    village: Village | None = None
    category: Category | None = None
    # The round office contact, for `closed`.
    contact: str | None = None
    # The daily limit that applied, for `limit`.
    limit: int = 0
    # The draft after `incomplete`, `closed` or `limit` (it is deleted once filed).
    draft: Draft | None = None
    # Where the complaint's card goes: the group's linked chat (None while unlinked). The
    # card and attachments are queued there in this same transaction.
    group_chat_id: int | None = None

    @property
    def recorded(self) -> bool:
        """Whether an inspector recorded it as told in person (代录)."""
        return self.complaint is not None and self.complaint.recorded_by_telegram_id is not None


def missing_step(draft: Draft) -> DraftStep | None:
    """The first question a draft still lacks an answer to."""
    if draft.village_id is None:
        return DraftStep.village
    if draft.category_code is None:
        return DraftStep.category
    if not draft.description and draft.voice_file_id is None:
        return DraftStep.description
    if not draft.location_answered:
        return DraftStep.location
    if draft.recorded_for_group_id is not None and draft.channel is None:
        return DraftStep.channel
    if draft.anonymous is None:
        return DraftStep.identity
    return None


def day_bounds(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The start and end of `now`'s calendar day in a time zone, as aware datetimes."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time(0), tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


async def filed_today(
    *, session: AsyncSession, resident_id: int, now: datetime, timezone: str
) -> int:
    """How many complaints the resident filed on `now`'s day in the given time zone."""
    start, end = day_bounds(now, timezone)
    statement = select(func.count()).where(
        Complaint.resident_id == resident_id,
        col(Complaint.filed_at) >= start,
        col(Complaint.filed_at) < end,
    )
    return (await session.exec(statement)).one()


async def next_number(*, session: AsyncSession, round_: Round) -> int:
    """Take the round's next complaint number (a rolled-back filing gives it back)."""
    assert round_.id is not None
    statement = (
        update(Round)
        .where(col(Round.id) == round_.id)
        .values(last_number=Round.last_number + 1)
        .returning(col(Round.last_number))
        .execution_options(synchronize_session=False)
    )
    # The row lock this UPDATE takes serialises concurrent filings in the same round. `round_`
    # is the roster's cached copy (storage/roster/facts.py): its counter is not kept there.
    return int((await session.exec(statement)).scalar_one())


async def _filing_resident(session: AsyncSession, resident_id: int) -> Resident:
    """The resident filing, locked so that two filings of theirs cannot both pass the limit."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite's one writer at a time is the lock; the arrival loaded the resident already,
        # so the identity map has them and no statement is run (issue 12).
        resident = await session.get(Resident, resident_id)
        assert resident is not None
        return resident
    statement = select(Resident).where(Resident.id == resident_id).with_for_update()
    return (await session.exec(statement)).one()


async def file_complaint(
    *,
    session: AsyncSession,
    resident_id: int,
    draft_id: int,
    now: datetime,
    daily_limit: int = DEFAULT_DAILY_LIMIT,
) -> Filing:
    """File a confirmed draft: number, complaint, first timeline event; the draft goes."""
    # All in the caller's transaction: the complaint exists exactly when it commits. A refusal
    # changes nothing (a missing answer only sends the draft back to that question).
    # Most often the arrival loaded it already: the session's identity map has it.
    draft = await session.get(Draft, draft_id)
    if draft is not None and draft.resident_id != resident_id:
        draft = None
    if draft is None or draft.step != DraftStep.confirm:
        return Filing(FilingOutcome.stale, draft=draft)
    missing = missing_step(draft)
    if missing is not None:
        return _send_back(draft, missing, now)
    assert draft.village_id is not None
    village = await villages.village(session=session, village_id=draft.village_id)
    coverage = await villages.open_coverage(session=session, village_id=draft.village_id, now=now)
    if village is None or coverage is None:
        contact = await villages.office_contact(session=session, village_id=draft.village_id)
        return Filing(FilingOutcome.closed, village=village, contact=contact, draft=draft)
    round_ = coverage.round
    assert round_.id is not None
    categories = await villages.categories(session=session, round_id=round_.id)
    category = next((c for c in categories if c.code == draft.category_code), None)
    if category is None:
        return _send_back(draft, DraftStep.category, now)

    resident = await _filing_resident(session, resident_id)
    recorded = draft.recorded_for_group_id is not None
    count = await filed_today(
        session=session, resident_id=resident_id, now=now, timezone=round_.timezone
    )
    # An inspector recording what residents told them (代录) has no daily limit.
    if count >= daily_limit and not recorded:
        return Filing(
            FilingOutcome.limit, round=round_, village=village, limit=daily_limit, draft=draft
        )

    seq = await next_number(session=session, round_=round_)
    named = not draft.anonymous
    name = " ".join(part for part in (resident.first_name, resident.last_name) if part)
    identity = Identity(
        name=name if named else None,
        username=resident.username if named else None,
        phone=draft.phone if named else None,
    )
    if recorded:
        # 代录: the resident as the inspector typed them; the inspector is the recorder, and
        # the complaint has no resident in the bot until its follow link is opened.
        identity = Identity(draft.reporter_name if named else None, None, identity.phone)
    complaint = Complaint(
        number=f"{round_.code}-{seq:04d}",
        round_id=round_.id,
        seq=seq,
        group_id=coverage.group_id,
        village_id=draft.village_id,
        category_code=category.code,
        resident_id=None if recorded else resident_id,
        channel=draft.channel if recorded and draft.channel else Channel.bot,
        recorded_by_telegram_id=resident.telegram_id if recorded else None,
        recorded_by_name=name if recorded else None,
        status=ComplaintStatus.new,
        description=draft.description,
        voice_file_id=draft.voice_file_id,
        photo_file_ids=list(draft.photo_file_ids),
        latitude=draft.latitude,
        longitude=draft.longitude,
        address=draft.address,
        anonymous=not named,
        reporter_name=identity.name,
        reporter_username=identity.username,
        reporter_phone=identity.phone,
        filed_at=now,
        updated_at=now,
    )
    session.add(complaint)
    await session.flush()
    assert complaint.id is not None
    session.add(
        TimelineEvent(
            complaint_id=complaint.id,
            at=now,
            # 代录: recorded by the inspector (named on the timeline), else the resident.
            actor="inspector" if recorded else "resident",
            actor_telegram_id=resident.telegram_id if named or recorded else None,
            actor_name=name if recorded else identity.name,
            action="filed",
            to_status=ComplaintStatus.new,
            public=True,
        )
    )
    await session.delete(draft)
    await session.flush()
    # Share-locked: a chat migration (chat_migration.migrate_chat) moving the group's chat waits
    # for this transaction's card, or this waits for the move and reads the new chat.
    group = await session.get(InspectionGroup, coverage.group_id, with_for_update={"read": True})
    assert group is not None
    if group.chat_id is not None:
        # The group's card (and the location, photos and voice under it), sent after commit.
        await cards.post_group_card(
            session=session, complaint=complaint, chat_id=group.chat_id, now=now
        )
        if cards.has_attachments(complaint):
            outbox.enqueue_attachments(
                session=session, complaint=complaint, chat_id=group.chat_id, now=now
            )
        await session.flush()
    return Filing(
        FilingOutcome.filed,
        complaint=complaint,
        round=round_,
        group=group,
        village=village,
        category=category,
        group_chat_id=group.chat_id,
    )


def _send_back(draft: Draft, step: DraftStep, now: datetime) -> Filing:
    """A draft missing an answer goes to that question; answering it returns to the summary."""
    draft.step = step
    draft.editing = True
    draft.updated_at = now
    return Filing(FilingOutcome.incomplete, draft=draft)


# --- what residents read ------------------------------------------------------------------


@dataclass
class ComplaintView:
    """A complaint with the names it is shown with, and its public timeline when asked for."""

    complaint: Complaint
    round: Round
    village: Village
    category: Category | None
    events: list[TimelineEvent] = field(default_factory=list)


async def _views(
    session: AsyncSession, rows: list[tuple[Complaint, Round, Village]]
) -> list[ComplaintView]:
    """Attach the category rows to complaints: from the roster's cached facts (no statement
    once the arrival read the roster version), from the database only if one is not there."""
    if not rows:
        return []
    round_ids = {c.round_id for c, _r, _v in rows}
    cached = await roster_facts.facts(session)
    categories = {
        (category.round_id, category.code): category
        for round_id in round_ids
        for category in cached.categories.get(round_id, [])
    }
    if any((c.round_id, c.category_code) not in categories for c, _r, _v in rows):
        statement = select(Category).where(col(Category.round_id).in_(round_ids))
        categories = {(c.round_id, c.code): c for c in (await session.exec(statement)).all()}
    return [
        ComplaintView(c, r, v, categories.get((c.round_id, c.category_code))) for c, r, v in rows
    ]


def _with_names() -> Select[Complaint, Round, Village]:
    """Complaints joined to their round and village."""
    return (
        select(Complaint, Round, Village)
        .join(Round, col(Round.id) == col(Complaint.round_id))
        .join(Village, col(Village.id) == col(Complaint.village_id))
    )


async def resident_complaints(
    *, session: AsyncSession, resident_id: int, limit: int = MY_COMPLAINTS_LIMIT
) -> list[ComplaintView]:
    """The resident's complaints, newest first."""
    statement = (
        _with_names()
        .where(Complaint.resident_id == resident_id)
        .order_by(col(Complaint.filed_at).desc(), col(Complaint.id).desc())
        .limit(limit)
    )
    rows = [(c, r, v) for c, r, v in (await session.exec(statement)).all()]
    return await _views(session, rows)


async def resident_complaint(
    *, session: AsyncSession, resident_id: int, number: str
) -> ComplaintView | None:
    """One of the resident's own complaints by number, with its public timeline."""
    statement = _with_names().where(
        Complaint.resident_id == resident_id,
        func.upper(col(Complaint.number)) == number.strip().upper(),
    )
    row = (await session.exec(statement)).first()
    if row is None:
        return None
    complaint, round_, village = row
    (found,) = await _views(session, [(complaint, round_, village)])
    events = select(TimelineEvent).where(
        TimelineEvent.complaint_id == found.complaint.id, col(TimelineEvent.public)
    )
    found.events = list(
        (await session.exec(events.order_by(col(TimelineEvent.at), col(TimelineEvent.id)))).all()
    )
    return found
