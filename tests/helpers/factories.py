"""Test data for storage tests: the example round, linked chats, residents and filed complaints.

Complaints are filed the way residents file them: a finished draft through
`storage.complaints.file_complaint`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from storage.complaints import FilingOutcome, file_complaint
from storage.db import Database
from storage.models import (
    Complaint,
    Department,
    Draft,
    DraftStep,
    InspectionGroup,
    OutboxMessage,
    Resident,
    Round,
    TimelineEvent,
    Village,
)
from storage.roster import load_roster
from storage.workflow import Actor, Outcome
from tests.helpers.rosters import example_roster

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Inside the example round, like the e2e harness's clock.
NOW = datetime(2023, 3, 14, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)

# Chats of the example round once linked (supergroup ids are negative).
G3_CHAT = -100_300
G5_CHAT = -100_500
WATER_CHAT = -200_001
DISCIPLINE_CHAT = -200_004
OFFICE_CHAT = -300_001
STRANGER_CHAT = -999_999


@dataclass
class World:
    """The example round in a database, with its rows by code."""

    database: Database
    round: Round
    groups: dict[str, InspectionGroup]
    departments: dict[str, Department]
    villages: dict[str, Village]

    @property
    def round_id(self) -> int:
        """The round's id."""
        assert self.round.id is not None
        return self.round.id

    def department_id(self, code: str) -> int:
        """A department's id by code."""
        department_id = self.departments[code].id
        assert department_id is not None
        return department_id


async def example_world(
    database: Database,
    *,
    link: bool = True,
    link_departments: tuple[str, ...] = ("water", "discipline"),
) -> World:
    """Load the example roster; with `link`, give g3, g5 and some departments their chats."""
    async with database.transaction() as session:
        await load_roster(session=session, text=example_roster(), source="roster.yaml")
        round_ = (await session.exec(select(Round))).one()
        groups = {g.code: g for g in (await session.exec(select(InspectionGroup))).all()}
        departments = {d.code: d for d in (await session.exec(select(Department))).all()}
        villages = {v.code: v for v in (await session.exec(select(Village))).all()}
        if link:
            groups["g3"].chat_id = G3_CHAT
            groups["g5"].chat_id = G5_CHAT
            chats = {"water": WATER_CHAT, "discipline": DISCIPLINE_CHAT}
            for code in link_departments:
                departments[code].chat_id = chats[code]
    return World(database, round_, groups, departments, villages)


async def resident(
    database: Database,
    telegram_id: int,
    *,
    first_name: str = "张",
    last_name: str = "三",
    language: str = "zh",
) -> Resident:
    """A resident who has talked to the bot (created once)."""
    async with database.transaction() as session:
        statement = select(Resident).where(Resident.telegram_id == telegram_id)
        found = (await session.exec(statement)).first()
        if found is not None:
            return found
        row = Resident(
            telegram_id=telegram_id,
            first_name=first_name,
            last_name=last_name,
            username=f"user{telegram_id}",
            language=language,
            created_at=NOW,
        )
        session.add(row)
        await session.flush()
        return row


async def file(
    database: Database,
    telegram_id: int,
    *,
    village: str = "xiaodian",
    category: str = "water",
    anonymous: bool = False,
    now: datetime = NOW,
    **values: Any,
) -> Complaint:
    """A resident files a complaint: a finished draft, confirmed (`values` override answers)."""
    await resident(database, telegram_id)
    async with database.transaction() as session:
        person = (
            await session.exec(select(Resident).where(Resident.telegram_id == telegram_id))
        ).one()
        place = (await session.exec(select(Village).where(Village.code == village))).one()
        assert person.id is not None
        answers: dict[str, Any] = {
            "description": "机井水压太低，浇不了地，已经两个月了。",
            "voice_file_id": None,
            "photo_file_ids": [],
            "latitude": 33.7421,
            "longitude": 113.3512,
            "location_answered": True,
            "phone": None if anonymous else "+8613800000000",
        }
        answers.update(values)
        draft = Draft(
            resident_id=person.id,
            step=DraftStep.confirm,
            village_id=place.id,
            category_code=category,
            anonymous=anonymous,
            created_at=now,
            updated_at=now,
            **answers,
        )
        session.add(draft)
        await session.flush()
        assert draft.id is not None
        filing = await file_complaint(
            session=session, resident_id=person.id, draft_id=draft.id, now=now, daily_limit=1000
        )
        assert filing.outcome == FilingOutcome.filed, filing.outcome
        assert filing.complaint is not None
        return filing.complaint


async def act(
    world: World,
    action: Callable[..., Awaitable[Outcome]],
    complaint_id: int,
    *,
    actor: Actor,
    now: datetime = NOW + timedelta(minutes=1),
    **values: Any,
) -> Outcome:
    """An inspector's action from the g3 chat, which must succeed."""
    async with world.database.transaction() as session:
        outcome = await action(
            session=session,
            complaint_id=complaint_id,
            chat_id=G3_CHAT,
            actor=actor,
            now=now,
            **values,
        )
    assert outcome.ok, outcome
    return outcome


async def complaint(database: Database, complaint_id: int) -> Complaint:
    """A complaint as committed."""
    async with database.transaction() as session:
        row = await session.get(Complaint, complaint_id)
        assert row is not None
        return row


async def outbox_rows(database: Database, *, after: int = 0) -> list[OutboxMessage]:
    """Outbox rows written after the row id `after`, in order."""
    async with database.transaction() as session:
        statement = (
            select(OutboxMessage)
            .where(col(OutboxMessage.id) > after)
            .order_by(col(OutboxMessage.id))
        )
        return list((await session.exec(statement)).all())


async def last_outbox_id(database: Database) -> int:
    """The id of the latest outbox row (0 when none)."""
    rows = await outbox_rows(database)
    return rows[-1].id or 0 if rows else 0


async def events(database: Database, complaint_id: int) -> list[TimelineEvent]:
    """A complaint's timeline, in order."""
    async with database.transaction() as session:
        statement = (
            select(TimelineEvent)
            .where(TimelineEvent.complaint_id == complaint_id)
            .order_by(col(TimelineEvent.id))
        )
        return list((await session.exec(statement)).all())
