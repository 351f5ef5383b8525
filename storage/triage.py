"""Queries for the group and department chats: cards, lists, events, departments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, literal_column, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import dispatch_rows, ladder
from storage.merged import by_id as _by_id
from storage.merged import complaint_residents as complaint_residents
from storage.merged import merged_tree as _merged_tree
from storage.models import (
    CardMessage,
    Category,
    Complaint,
    ComplaintStatus,
    Department,
    FollowUp,
    InspectionGroup,
    Resident,
    Round,
    TimelineEvent,
    Village,
)
from storage.roster import facts as roster_facts
from storage.similar import cards as similar_cards

S = ComplaintStatus
# Statuses a group is no longer working on.
NOT_OPEN = (S.closed, S.merged, S.rejected, S.transferred, S.withdrawn)
# Statuses with a due date that can pass (one definition, storage/ladder.py).
DUE = ladder.DUE


def normalise_number(number: str) -> str:
    """A complaint number as typed, made comparable: ' wd2023-1-0042 ' -> WD2023-1-0042."""
    return "".join(number.split()).upper()


@dataclass
class CardView:
    """Everything a card shows, built fresh from the database."""

    complaint_id: int
    number: str
    status: str
    village: str
    township: str
    category_code: str
    category_zh: str
    category_en: str
    sensitive: bool
    description: str | None
    has_voice: bool
    photo_count: int
    latitude: float | None
    longitude: float | None
    address: str | None
    anonymous: bool
    # Empty for anonymous complaints. Never show these outside the group chat.
    reporter_name: str | None
    reporter_username: str | None
    reporter_phone: str | None
    filed_at: datetime
    due_on: date | None
    taken_by_name: str | None
    department_name: str | None
    merged_into_number: str | None
    # How many complaints were merged into this one.
    duplicates: int
    resolution: str | None
    satisfaction: str | None
    timezone: str
    group_chat_id: int | None
    group_card_message_id: int | None
    department_chat_id: int | None
    department_card_message_id: int | None
    # Extras beyond the contract.
    round_id: int = 0
    group_id: int = 0
    # 回访's first answer (solved / partly / unsolved), None until answered.
    resolution_state: str | None = None
    department_id: int | None = None
    group_card_id: int | None = None
    department_card_id: int | None = None
    voice_file_id: str | None = None
    photo_file_ids: list[str] = field(default_factory=list)
    updated_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    # The complaint's latest dispatch to a department (open or ended; None: never), and how
    # many times a department sent it back (退回).
    handoff: dispatch_rows.Handoff | None = None
    returns: int = 0

    @property
    def return_pending(self) -> bool:
        """A department sent it back and the group has not decided yet."""
        return self.handoff is not None and self.handoff.return_pending

    # 派单目录: whether the department is the category's default (None: no default, or none).
    department_default: bool | None = None
    # 指派: the member of the group's chat it is assigned to (承办人).
    assignee_name: str | None = None
    assignee_telegram_id: int | None = None
    # 加入关注: residents following it; likely duplicates (id, number) it could merge into.
    followers: int = 0
    likely: list[tuple[int, str]] = field(default_factory=list)
    # 渠道 (storage.models.Channel), and the inspector who recorded it in person (代录).
    channel: str = "bot"
    recorded_by_name: str | None = None


@dataclass
class EventView:
    """One timeline event with what is needed to tell a chat about it."""

    event: TimelineEvent
    card: CardView
    # The complaint's own resident (None if unknown); language for a private chat.
    resident_telegram_id: int | None
    resident_language: str
    # The question an "asked"/"answered" event names (event.follow_up_id).
    follow_up: FollowUp | None
    # The round office contact (for rejections).
    contact: str
    # Resident telegram id -> the number of that resident's own complaint (the complaint
    # itself, or a duplicate merged into it), and -> language, for every resident told.
    numbers: dict[int, str] = field(default_factory=dict)
    languages: dict[int, str] = field(default_factory=dict)

    def language_for(self, chat_id: int) -> str:
        """The language of a resident's private chat."""
        return self.languages.get(chat_id, self.resident_language)

    def number_for(self, chat_id: int) -> str:
        """The complaint number a resident knows (their duplicate's, after a merge)."""
        return self.numbers.get(chat_id, self.card.number)

    def is_own(self, chat_id: int) -> bool:
        """Whether a private chat is the complaint's own resident's (who may answer and rate).

        Residents of merged duplicates hear the updates but get no answer or survey buttons.
        """
        return chat_id == self.resident_telegram_id


async def views(session: AsyncSession, complaints: Sequence[Complaint]) -> list[CardView]:
    """Card views of complaints, in the given order (for the other query modules)."""
    return await _views(session, complaints)


async def _roster_rows(
    session: AsyncSession, complaints: Sequence[Complaint]
) -> tuple[dict[int, Round], dict[int, Village], dict[tuple[int, str], Category]]:
    """The complaints' rounds, villages and categories: from the roster's cached facts
    (storage/roster/facts.py), read from the database only if one is not among them."""
    cached = await roster_facts.facts(session)
    rounds = {r.id: r for r in cached.rounds if r.id is not None}
    if any(c.round_id not in rounds for c in complaints):
        rounds = await _by_id(session, Round, (c.round_id for c in complaints))
    villages = {c.village_id: cached.villages.get(c.village_id) for c in complaints}
    found = {i: v for i, v in villages.items() if v is not None}
    if len(found) < len(villages):
        found = await _by_id(session, Village, villages)
    categories = {
        (category.round_id, category.code): category
        for round_id in {c.round_id for c in complaints}
        for category in cached.categories.get(round_id, [])
    }
    if any((c.round_id, c.category_code) not in categories for c in complaints):
        statement = select(Category).where(col(Category.round_id).in_(set(rounds)))
        categories = {(c.round_id, c.code): c for c in (await session.exec(statement)).all()}
    return rounds, found, categories


async def _views(session: AsyncSession, complaints: Sequence[Complaint]) -> list[CardView]:
    """Card views of complaints, in the given order, with a handful of queries in all."""
    if not complaints:
        return []
    rounds, villages, categories = await _roster_rows(session, complaints)
    groups: dict[int, InspectionGroup] = await _by_id(
        session, InspectionGroup, (c.group_id for c in complaints)
    )
    departments_: dict[int, Department] = await _by_id(
        session, Department, (c.department_id for c in complaints)
    )
    cards: dict[int, CardMessage] = await _by_id(
        session,
        CardMessage,
        [c.group_card_id for c in complaints] + [c.department_card_id for c in complaints],
    )
    targets: dict[int, Complaint] = await _by_id(
        session, Complaint, (c.merged_into_id for c in complaints)
    )
    tree = await _merged_tree(session, (c.id for c in complaints if c.id is not None))
    handoffs, returns = await dispatch_rows.latest_of(
        session, [c.id for c in complaints if c.id is not None]
    )

    views = []
    for c in complaints:
        assert c.id is not None
        round_ = rounds[c.round_id]
        group = groups[c.group_id]
        village = villages[c.village_id]
        category = categories.get((c.round_id, c.category_code))
        department = departments_.get(c.department_id) if c.department_id is not None else None
        group_card = cards.get(c.group_card_id) if c.group_card_id is not None else None
        department_card = (
            cards.get(c.department_card_id) if c.department_card_id is not None else None
        )
        department_chat = department.chat_id if department is not None else None
        target = targets.get(c.merged_into_id) if c.merged_into_id is not None else None
        views.append(
            CardView(
                complaint_id=c.id,
                number=c.number,
                status=c.status,
                village=village.name,
                township=village.township,
                category_code=c.category_code,
                category_zh=category.name_zh if category is not None else c.category_code,
                category_en=category.name_en if category is not None else c.category_code,
                sensitive=bool(category is not None and category.sensitive),
                description=c.description,
                has_voice=c.voice_file_id is not None,
                photo_count=len(c.photo_file_ids),
                latitude=c.latitude,
                longitude=c.longitude,
                address=c.address,
                anonymous=c.anonymous,
                reporter_name=None if c.anonymous else c.reporter_name,
                reporter_username=None if c.anonymous else c.reporter_username,
                reporter_phone=None if c.anonymous else c.reporter_phone,
                filed_at=c.filed_at,
                due_on=c.due_on,
                taken_by_name=c.taken_by_name,
                department_name=department.name if department is not None else None,
                merged_into_number=target.number if target is not None else None,
                duplicates=len(tree.get(c.id, [])),
                resolution=c.resolution,
                satisfaction=c.satisfaction,
                resolution_state=c.resolution_state,
                timezone=round_.timezone,
                group_chat_id=group.chat_id,
                group_card_message_id=(
                    group_card.message_id
                    if group_card is not None and group_card.chat_id == group.chat_id
                    else None
                ),
                department_chat_id=department_chat,
                department_card_message_id=(
                    department_card.message_id
                    if department_card is not None and department_card.chat_id == department_chat
                    else None
                ),
                round_id=c.round_id,
                group_id=c.group_id,
                department_id=c.department_id,
                group_card_id=c.group_card_id,
                department_card_id=c.department_card_id,
                voice_file_id=c.voice_file_id,
                photo_file_ids=list(c.photo_file_ids),
                updated_at=c.updated_at,
                resolved_at=c.resolved_at,
                closed_at=c.closed_at,
                handoff=handoffs.get(c.id),
                returns=returns.get(c.id, 0),
                department_default=_is_default(category, department),
                channel=c.channel,
                recorded_by_name=c.recorded_by_name,
                assignee_name=c.assignee_name,
                assignee_telegram_id=c.assignee_telegram_id,
            )
        )
    return views


def _is_default(category: Category | None, department: Department | None) -> bool | None:
    """Whether a hand-off went to the category's 派单目录 department (None: nothing to say)."""
    if department is None or category is None or category.department_code is None:
        return None
    return department.code == category.department_code


async def card_view(
    *, session: AsyncSession, complaint_id: int, similar: bool = True
) -> CardView | None:
    """The card of one complaint; `similar=False` leaves out its followers and likely
    duplicates (a lookup of its own), for what shows neither (the attachments under it)."""
    complaint = await session.get(Complaint, complaint_id)
    if complaint is None:
        return None
    (view,) = await _views(session, [complaint])
    if similar:
        await similar_cards.annotate(session, [view], [complaint])
    return view


async def group_card_of(*, session: AsyncSession, complaint_id: int) -> int | None:
    """The CardMessage id of a complaint's group card (None: no complaint, or no card)."""
    complaint = await session.get(Complaint, complaint_id)
    return complaint.group_card_id if complaint is not None else None


async def cards_of_message(*, session: AsyncSession, card_id: int) -> list[CardView]:
    """All complaints one CardMessage shows (group or department card), by number."""
    statement = (
        select(Complaint)
        .where(
            or_(
                col(Complaint.group_card_id) == card_id,
                col(Complaint.department_card_id) == card_id,
            )
        )
        .order_by(col(Complaint.round_id), col(Complaint.seq))
    )
    complaints = (await session.exec(statement)).all()
    views = await _views(session, complaints)
    await similar_cards.annotate(session, views, complaints)
    return views


async def open_complaints(
    *, session: AsyncSession, group_id: int, limit: int = 50
) -> list[CardView]:
    """The group's complaints still being worked on, oldest first.

    Not closed, merged, rejected or transferred.
    """
    statement = (
        select(Complaint)
        # Written out, not bound: the planner then sees ix_complaint_group_open's condition.
        .where(
            Complaint.group_id == group_id,
            col(Complaint.status).not_in([literal_column(f"'{s}'") for s in NOT_OPEN]),
        )
        .order_by(col(Complaint.filed_at), col(Complaint.id))
        .limit(limit)
    )
    return await _views(session, (await session.exec(statement)).all())


async def find(*, session: AsyncSession, group_id: int, number: str) -> CardView | None:
    """One of the group's complaints by number (case and spaces ignored)."""
    statement = select(Complaint).where(
        Complaint.group_id == group_id,
        func.upper(col(Complaint.number)) == normalise_number(number),
    )
    complaint = (await session.exec(statement)).first()
    if complaint is None:
        return None
    (view,) = await _views(session, [complaint])
    return view


async def overdue(*, session: AsyncSession, group_id: int, today: date) -> list[CardView]:
    """The group's overdue complaints (storage/ladder.py), oldest due first."""
    late = await ladder.overdue_complaints(session, today, group_id=group_id)
    return await _views(session, late)


async def departments(
    *, session: AsyncSession, round_id: int, clues: bool | None = None
) -> list[Department]:
    """The round's departments in roster order; `clues` filters on receives_clues."""
    statement = select(Department).where(Department.round_id == round_id)
    if clues is not None:
        statement = statement.where(Department.receives_clues == clues)
    return list((await session.exec(statement.order_by(col(Department.id)))).all())


async def event_view(*, session: AsyncSession, event_id: int) -> EventView | None:
    """An event with its complaint's card, the residents told, the follow-up and the contact."""
    event = await session.get(TimelineEvent, event_id)
    if event is None:
        return None
    complaint = await session.get(Complaint, event.complaint_id)
    if complaint is None:
        return None
    (card,) = await _views(session, [complaint])
    round_ = await session.get(Round, complaint.round_id)
    # A complaint recorded in person has no resident until its follow link is opened.
    own = (
        await session.get(Resident, complaint.resident_id)
        if complaint.resident_id is not None
        else None
    )
    view = EventView(
        event=event,
        card=card,
        resident_telegram_id=own.telegram_id if own is not None else None,
        resident_language=own.language if own is not None else "zh",
        follow_up=(
            await session.get(FollowUp, event.follow_up_id)
            if event.follow_up_id is not None
            else None
        ),
        contact=round_.contact if round_ is not None else "",
    )
    assert complaint.id is not None
    duplicates = (await _merged_tree(session, [complaint.id]))[complaint.id]
    residents = await _by_id(
        session, Resident, (c.resident_id for c in duplicates if c.resident_id is not None)
    )
    for duplicate in reversed(duplicates):
        resident = residents.get(duplicate.resident_id) if duplicate.resident_id else None
        if resident is not None:
            view.numbers[resident.telegram_id] = duplicate.number
            view.languages[resident.telegram_id] = resident.language
    for follower in await similar_cards.followers(session, complaint.id):
        view.languages.setdefault(follower.telegram_id, follower.language)
    if own is not None:
        view.numbers[own.telegram_id] = complaint.number
        view.languages[own.telegram_id] = own.language
    return view
