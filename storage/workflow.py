"""The complaint workflow: every change to a complaint after it was filed.

Each function runs in the caller's transaction and writes, together: the change (a guarded
UPDATE ... WHERE status = expected, so two presses at once make one change), a TimelineEvent,
and the outbox rows that tell the chats about it (see storage/outbox.py). A refusal changes
nothing and says why (`Outcome.refusal`).

Timeline actions written here (TimelineEvent.action; public ones reach the resident):
accepted (also after reconsidering a rejection), taken (internal), immediate, handed_off
(note: the department's name), transferred (no note: the resident is told only that it was
passed on), rejected (note: the reason), merged (on the duplicate; note: the target's number),
merged_in (internal, on the target; note: the duplicate's number), follow_up_asked (note: the
question; follow_up_id), follow_up_answered (internal; note: the answer; follow_up_id),
resolved (note: what was done; photo_file_id: the inspectors' photo, if any; actor
"department" when a department reported it done), closed (note: the satisfaction), reopened
(note: "unsatisfied"), note (internal).

Outbox rows per change: the group card (kind "card") whenever the group has a chat; the
department card ("dept_card") on a hand-off and on later changes while the department's chat
holds its card; an "event" row to every resident of the complaint (and of duplicates merged
into it) for public events; and an "event" row to the group chat for a resident's answer,
an "unsatisfied" rating and a department's report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox, triage
from storage.models import (
    CardMessage,
    Category,
    Complaint,
    ComplaintStatus,
    Department,
    FollowUp,
    InspectionGroup,
    OutboxMessage,
    OutboxStatus,
    Prompt,
    Resident,
    TimelineEvent,
)
from storage.triage import normalise_number


@dataclass(frozen=True)
class Actor:
    """Who makes a change."""

    kind: str  # "inspector" | "department" | "resident" | "system"
    telegram_id: int | None = None
    name: str | None = None


class Refusal(StrEnum):
    """Why a change was not made."""

    not_found = "not_found"
    # The chat does not own the complaint (another group, a department, a private chat).
    wrong_chat = "wrong_chat"
    # The complaint is no longer in the expected status (detail: the current status).
    moved_on = "moved_on"
    # The lifecycle does not allow it (or a sensitive hand-off, a transfer to a non-clue
    # department, someone else's complaint).
    not_allowed = "not_allowed"
    # Bad input (detail: what is wrong, e.g. "empty", "too_long", "unknown_number", "self",
    # "target_closed", "unknown_department", "satisfaction").
    invalid = "invalid"
    # Nothing to change (e.g. taking a complaint one has already taken; no open question).
    nothing_to_do = "nothing_to_do"


@dataclass
class Outcome:
    """What a workflow call did."""

    complaint: Complaint | None
    refusal: Refusal | None = None
    detail: str | None = None
    # The timeline event written, when a change was made.
    event_id: int | None = None

    @property
    def ok(self) -> bool:
        """Whether the change was made."""
        return self.refusal is None


class Action(StrEnum):
    """TimelineEvent.action values written by the workflow."""

    accepted = "accepted"
    taken = "taken"
    immediate = "immediate"
    handed_off = "handed_off"
    transferred = "transferred"
    rejected = "rejected"
    merged = "merged"
    merged_in = "merged_in"
    follow_up_asked = "follow_up_asked"
    follow_up_answered = "follow_up_answered"
    resolved = "resolved"
    closed = "closed"
    reopened = "reopened"
    note = "note"


S = ComplaintStatus
# The lifecycle (DESIGN.md): the statuses each status can move to.
ALLOWED: dict[str, frozenset[str]] = {
    S.new: frozenset({S.accepted, S.immediate, S.handed_off, S.transferred, S.rejected, S.merged}),
    S.accepted: frozenset(
        {S.immediate, S.handed_off, S.transferred, S.resolved, S.rejected, S.merged}
    ),
    S.immediate: frozenset({S.resolved, S.handed_off}),
    S.handed_off: frozenset({S.resolved, S.handed_off}),
    S.transferred: frozenset({S.closed}),
    S.resolved: frozenset({S.closed, S.accepted}),
    S.rejected: frozenset({S.accepted}),
    S.merged: frozenset(),
    S.closed: frozenset(),
}
# Statuses in which nothing more happens to a complaint (no take, no question).
FINISHED = frozenset({S.merged, S.closed})

SATISFACTIONS = ("satisfied", "basic", "unsatisfied")
# Reasons, notes, questions and answers: as long as a complaint's description may be.
TEXT_MAX = 2000
PROMPT_LIFETIME = timedelta(hours=1)
PROMPT_LIFETIME_SECONDS = int(PROMPT_LIFETIME.total_seconds())


# --- the pieces every change is made of -------------------------------------------------------


async def _fresh(session: AsyncSession, complaint_id: int) -> Complaint | None:
    """The complaint as the database has it now (not a stale copy from the session)."""
    statement = (
        select(Complaint)
        .where(Complaint.id == complaint_id)
        .execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).first()


async def _owned(
    session: AsyncSession, complaint_id: int, chat_id: int | None
) -> tuple[Complaint, None] | tuple[None, Outcome]:
    """The complaint, if `chat_id` is the linked chat of its group; else the refusal.

    `chat_id` None: a change by the system (a scheduled sweep), which needs no chat.
    """
    complaint = await _fresh(session, complaint_id)
    if complaint is None:
        return None, Outcome(None, Refusal.not_found)
    if chat_id is None:
        return complaint, None
    group = await session.get(InspectionGroup, complaint.group_id)
    if group is None or group.chat_id is None or group.chat_id != chat_id:
        # Nothing about the complaint goes back to a chat that does not own it.
        return None, Outcome(None, Refusal.wrong_chat)
    return complaint, None


def _check_move(complaint: Complaint, expected: str, to: str) -> Outcome | None:
    """Refuse a move from a status the complaint is not in, or one the lifecycle forbids."""
    if complaint.status != expected:
        return Outcome(complaint, Refusal.moved_on, complaint.status)
    if to not in ALLOWED.get(expected, frozenset()):
        return Outcome(complaint, Refusal.not_allowed, complaint.status)
    return None


async def _move(
    session: AsyncSession,
    complaint: Complaint,
    expected: str,
    to: str,
    now: datetime,
    values: dict[str, Any] | None = None,
) -> Outcome | None:
    """Change the status only if it still is `expected`: of two presses at once, one wins.

    The UPDATE's WHERE is evaluated again on PostgreSQL after a concurrent writer commits
    (READ COMMITTED), and SQLite has one writer at a time, so the loser updates no row.
    """
    assert complaint.id is not None
    changes: dict[str, Any] = {"status": to, "updated_at": now, **(values or {})}
    statement = (
        update(Complaint)
        .where(col(Complaint.id) == complaint.id, col(Complaint.status) == expected)
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    result = cast("CursorResult[Any]", await session.exec(statement))
    if result.rowcount != 1:
        current = await _fresh(session, complaint.id)
        return Outcome(current, Refusal.moved_on, current.status if current else None)
    for name, value in changes.items():
        set_committed_value(complaint, name, value)
    return None


def _clean(text: str) -> str | Outcome:
    """Typed text, trimmed; a refusal when it is empty or too long."""
    cleaned = text.strip()
    if not cleaned:
        return Outcome(None, Refusal.invalid, "empty")
    if len(cleaned) > TEXT_MAX:
        return Outcome(None, Refusal.invalid, "too_long")
    return cleaned


async def _record(
    session: AsyncSession,
    complaint: Complaint,
    actor: Actor,
    action: str,
    now: datetime,
    *,
    public: bool,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    follow_up_id: int | None = None,
    photo_file_id: str | None = None,
) -> TimelineEvent:
    """Write a timeline event and flush it, so outbox rows can point at it."""
    assert complaint.id is not None
    event = TimelineEvent(
        complaint_id=complaint.id,
        at=now,
        actor=actor.kind,
        actor_telegram_id=actor.telegram_id,
        actor_name=actor.name,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        public=public,
        follow_up_id=follow_up_id,
        photo_file_id=photo_file_id,
    )
    session.add(event)
    await session.flush()
    return event


def _resident_actor(complaint: Complaint, resident: Resident) -> Actor:
    """The resident as an actor: no name and no Telegram id when the complaint is anonymous."""
    if complaint.anonymous:
        return Actor("resident")
    return Actor("resident", resident.telegram_id, complaint.reporter_name)


async def _group_chat(session: AsyncSession, complaint: Complaint) -> int | None:
    """The linked chat of the complaint's group.

    Share-locked (PostgreSQL): a chat migration (links.migrate_chat) moving that chat either
    waits for this transaction's outbox rows, which it then moves, or goes first, and the chat
    read here is the new one. Never a row for the old id after the move.
    """
    group = await session.get(
        InspectionGroup, complaint.group_id, with_for_update={"read": True}, populate_existing=True
    )
    return group.chat_id if group is not None else None


async def ensure_group_card(
    *, session: AsyncSession, complaint: Complaint, chat_id: int, now: datetime
) -> CardMessage:
    """The complaint's card message in the group chat; a new (unsent) one if there is none there.

    A group moved to another chat gets a new card there: the old chat is no longer written to.
    """
    if complaint.group_card_id is not None:
        card = await session.get(CardMessage, complaint.group_card_id)
        if card is not None and card.chat_id == chat_id:
            return card
    card = CardMessage(chat_id=chat_id, kind="group", message_id=None, created_at=now)
    session.add(card)
    await session.flush()
    complaint.group_card_id = card.id
    return card


def has_attachments(complaint: Complaint) -> bool:
    """Whether a complaint has anything to send under its card (location, address, media)."""
    return bool(
        complaint.latitude is not None
        or complaint.address
        or complaint.photo_file_ids
        or complaint.voice_file_id
    )


async def _department_card(
    session: AsyncSession, complaint: Complaint, now: datetime, *, create: bool
) -> int | None:
    """The chat of the complaint's department card, if it has one in the department's chat now.

    With `create` (a hand-off, also a second one to the same department after a reopen), a
    new card message is always made, so a fresh card is sent; a card the previous department
    still shows loses its "done" button.
    """
    if complaint.department_id is None:
        return None
    # Share-locked, as in _group_chat.
    department = await session.get(
        Department, complaint.department_id, with_for_update={"read": True}, populate_existing=True
    )
    old: CardMessage | None = None
    if complaint.department_card_id is not None:
        old = await session.get(CardMessage, complaint.department_card_id)
    if not create:
        if department is None or department.chat_id is None:
            return None
        if old is not None and old.chat_id == department.chat_id:
            return department.chat_id
        return None
    if old is not None and (department is None or old.chat_id != department.chat_id):
        await _retire_department_card(session, complaint, old, now, department)
    if department is None or department.chat_id is None:
        complaint.department_card_id = None
        return None
    card = CardMessage(chat_id=department.chat_id, kind="department", created_at=now)
    session.add(card)
    await session.flush()
    complaint.department_card_id = card.id
    return department.chat_id


async def _retire_department_card(
    session: AsyncSession,
    complaint: Complaint,
    card: CardMessage,
    now: datetime,
    moved_to: Department | None,
) -> None:
    """The previous department's card: its "done" button goes and its chat is told, under the
    card, who has it now; unsent rows for it are dropped (they would render the new
    department's card)."""
    assert complaint.id is not None
    await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.chat_id) == card.chat_id,
            col(OutboxMessage.complaint_id) == complaint.id,
            col(OutboxMessage.kind) == outbox.DEPARTMENT_CARD,
            col(OutboxMessage.status) == OutboxStatus.pending,
        )
        .values(status=OutboxStatus.failed, last_error="handed to another department", sent_at=now)
        .execution_options(synchronize_session=False)
    )
    if card.message_id is not None:
        outbox.enqueue_call(
            session=session,
            chat_id=card.chat_id,
            method="editMessageReplyMarkup",
            params={"message_id": card.message_id, "reply_markup": {"inline_keyboard": []}},
            now=now,
            complaint_id=complaint.id,
        )
        # The department that chat serves now: only it is told (not a chat relinked before
        # the notice goes out).
        serving = select(Department.id).where(
            Department.chat_id == card.chat_id, Department.round_id == complaint.round_id
        )
        outbox.enqueue_notice(
            session=session,
            chat_id=card.chat_id,
            kind="handed_elsewhere",
            payload={
                "department_id": (await session.exec(serving)).first(),
                "number": complaint.number,
                "department": moved_to.name if moved_to is not None else None,
                "reply_to": card.message_id,
            },
            now=now,
            complaint_id=complaint.id,
        )


async def _publish(
    session: AsyncSession,
    complaint: Complaint,
    event: TimelineEvent,
    now: datetime,
    *,
    tell_group: bool = False,
    new_department_card: bool = False,
    department_card: bool = True,
) -> None:
    """Outbox rows for a change: cards refreshed, residents told of public events.

    `tell_group`: the event itself also goes into the group chat (as a reply to the card).
    """
    group_chat = await _group_chat(session, complaint)
    if group_chat is not None:
        await ensure_group_card(session=session, complaint=complaint, chat_id=group_chat, now=now)
        outbox.enqueue_card(session=session, complaint=complaint, chat_id=group_chat, now=now)
    if department_card:
        department_chat = await _department_card(
            session, complaint, now, create=new_department_card
        )
        if department_chat is not None:
            outbox.enqueue_department_card(
                session=session, complaint=complaint, chat_id=department_chat, now=now
            )
    if event.public:
        await _tell_residents(session, complaint, event, now)
    if tell_group and group_chat is not None:
        outbox.enqueue_event(
            session=session, event=event, chat_id=group_chat, now=now, complaint_id=complaint.id
        )
    await session.flush()


async def _tell_residents(
    session: AsyncSession,
    complaint: Complaint,
    event: TimelineEvent,
    now: datetime,
) -> None:
    """The event to the complaint's resident and to the residents of duplicates merged into it."""
    assert complaint.id is not None
    for resident in await triage.complaint_residents(session=session, complaint_id=complaint.id):
        outbox.enqueue_event(
            session=session,
            event=event,
            chat_id=resident.telegram_id,
            now=now,
            complaint_id=complaint.id,
        )


async def _transition(
    *,
    session: AsyncSession,
    complaint_id: int,
    chat_id: int | None,
    expected: str,
    to: str,
    action: str,
    actor: Actor,
    now: datetime,
    note: str | Callable[[], str | None] | None = None,
    values: dict[str, Any] | None = None,
    check: Callable[[Complaint], Awaitable[Outcome | None]] | None = None,
    new_department_card: bool = False,
    department_card: bool = True,
    photo_file_id: str | None = None,
) -> Outcome:
    """A status change by the chat that owns the complaint: guarded, recorded, published.

    Refusals in order: not_found, wrong_chat, moved_on, not_allowed, then `check`'s.
    `note` may be a function, called once `check` has passed. `photo_file_id` goes on the event.
    """
    complaint, refused = await _owned(session, complaint_id, chat_id)
    if refused is not None:
        return refused
    assert complaint is not None
    refused = _check_move(complaint, expected, to)
    if refused is None and check is not None:
        refused = await check(complaint)
    if refused is None:
        refused = await _move(session, complaint, expected, to, now, values)
    if refused is not None:
        return refused
    event = await _record(
        session,
        complaint,
        actor,
        action,
        now,
        public=True,
        from_status=expected,
        to_status=to,
        note=note() if callable(note) else note,
        photo_file_id=photo_file_id,
    )
    await _publish(
        session,
        complaint,
        event,
        now,
        new_department_card=new_department_card,
        department_card=department_card,
    )
    return Outcome(complaint, event_id=event.id)


# --- inspectors' actions ----------------------------------------------------------------------


async def accept(
    *,
    session: AsyncSession,
    complaint_id: int,
    chat_id: int,
    expected: str,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """受理: new → accepted; the resident is told."""
    return await _transition(
        session=session,
        complaint_id=complaint_id,
        chat_id=chat_id,
        expected=expected,
        to=S.accepted,
        action=Action.accepted,
        actor=actor,
        now=now,
    )


async def take(
    *, session: AsyncSession, complaint_id: int, chat_id: int, actor: Actor, now: datetime
) -> Outcome:
    """认领: the actor is now on it (no status change; internal event; the card refreshes)."""
    complaint, refused = await _owned(session, complaint_id, chat_id)
    if refused is not None:
        return refused
    assert complaint is not None
    if complaint.status in FINISHED:
        return Outcome(complaint, Refusal.not_allowed, complaint.status)
    if actor.telegram_id is not None and complaint.taken_by_telegram_id == actor.telegram_id:
        return Outcome(complaint, Refusal.nothing_to_do, complaint.taken_by_name)
    complaint.taken_by_telegram_id = actor.telegram_id
    complaint.taken_by_name = actor.name
    complaint.updated_at = now
    event = await _record(session, complaint, actor, Action.taken, now, public=False)
    await _publish(session, complaint, event, now)
    return Outcome(complaint, event_id=event.id)


async def order_immediate(
    *,
    session: AsyncSession,
    complaint_id: int,
    chat_id: int,
    expected: str,
    due_on: date,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """立行立改: → immediate, due by `due_on`."""
    return await _transition(
        session=session,
        complaint_id=complaint_id,
        chat_id=chat_id,
        expected=expected,
        to=S.immediate,
        action=Action.immediate,
        actor=actor,
        now=now,
        note=None,
        values={"due_on": due_on},
    )


async def _round_department(
    session: AsyncSession, complaint: Complaint, department_id: int
) -> Department | None:
    """A department of the complaint's round."""
    department = await session.get(Department, department_id)
    if department is None or department.round_id != complaint.round_id:
        return None
    return department


async def _category(session: AsyncSession, complaint: Complaint) -> Category | None:
    """The complaint's category row."""
    statement = select(Category).where(
        Category.round_id == complaint.round_id, Category.code == complaint.category_code
    )
    return (await session.exec(statement)).first()


async def hand_off(
    *,
    session: AsyncSession,
    complaint_id: int,
    chat_id: int,
    expected: str,
    department_id: int,
    due_on: date,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """现场交办: → handed_off to a department of the round (never a sensitive category).

    A linked department chat gets a card without the resident's identity.
    """
    names: list[str] = []

    async def check(complaint: Complaint) -> Outcome | None:
        category = await _category(session, complaint)
        if category is not None and category.sensitive:
            return Outcome(complaint, Refusal.not_allowed, "sensitive")
        department = await _round_department(session, complaint, department_id)
        if department is None:
            return Outcome(complaint, Refusal.invalid, "unknown_department")
        names.append(department.name)
        return None

    return await _transition(
        session=session,
        complaint_id=complaint_id,
        chat_id=chat_id,
        expected=expected,
        to=S.handed_off,
        action=Action.handed_off,
        actor=actor,
        now=now,
        check=check,
        note=lambda: names[0],
        values={"department_id": department_id, "due_on": due_on},
        new_department_card=True,
    )


async def transfer(
    *,
    session: AsyncSession,
    complaint_id: int,
    chat_id: int,
    expected: str,
    department_id: int,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """移交问题线索: → transferred to a department that receives clues; no other chat is told.

    The event has no note: the resident is told only that it was passed on as the rules
    require. No department card is sent anywhere.
    """

    async def check(complaint: Complaint) -> Outcome | None:
        department = await _round_department(session, complaint, department_id)
        if department is None:
            return Outcome(complaint, Refusal.invalid, "unknown_department")
        if not department.receives_clues:
            return Outcome(complaint, Refusal.not_allowed, "not_for_clues")
        return None

    return await _transition(
        session=session,
        complaint_id=complaint_id,
        chat_id=chat_id,
        expected=expected,
        to=S.transferred,
        action=Action.transferred,
        actor=actor,
        now=now,
        values={"department_id": department_id, "due_on": None},
        check=check,
        department_card=False,
    )


async def reject(
    *,
    session: AsyncSession,
    complaint_id: int,
    chat_id: int,
    expected: str,
    reason: str,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """不予受理: → rejected with a reason; the resident gets it and the office contact."""
    cleaned = _clean(reason)
    if isinstance(cleaned, Outcome):
        return cleaned
    return await _transition(
        session=session,
        complaint_id=complaint_id,
        chat_id=chat_id,
        expected=expected,
        to=S.rejected,
        action=Action.rejected,
        actor=actor,
        now=now,
        note=cleaned,
    )


async def reconsider(
    *,
    session: AsyncSession,
    complaint_id: int,
    chat_id: int,
    expected: str,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """rejected → accepted (event action "accepted"); the resident is told."""
    if expected != S.rejected:
        # Only a rejection is reconsidered; anything else is the lifecycle's business.
        complaint, refused = await _owned(session, complaint_id, chat_id)
        if refused is not None:
            return refused
        assert complaint is not None
        if complaint.status != expected:
            return Outcome(complaint, Refusal.moved_on, complaint.status)
        return Outcome(complaint, Refusal.not_allowed, complaint.status)
    return await _transition(
        session=session,
        complaint_id=complaint_id,
        chat_id=chat_id,
        expected=expected,
        to=S.accepted,
        action=Action.accepted,
        actor=actor,
        now=now,
    )


async def merge(
    *,
    session: AsyncSession,
    complaint_id: int,
    chat_id: int,
    expected: str,
    into_number: str,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """合并: the complaint joins another of its group (→ merged, merged_into_id).

    Its resident is told, and from then on hears the target's later updates too. `invalid`
    details: "unknown_number" (none in this group), "self", "target_merged", "target_closed".
    """
    complaint, refused = await _owned(session, complaint_id, chat_id)
    if refused is not None:
        return refused
    assert complaint is not None
    refused = _check_move(complaint, expected, S.merged)
    if refused is not None:
        return refused
    statement = select(Complaint).where(
        func.upper(col(Complaint.number)) == normalise_number(into_number),
        Complaint.group_id == complaint.group_id,
    )
    found = (await session.exec(statement)).first()
    if found is None:
        return Outcome(complaint, Refusal.invalid, "unknown_number")
    if found.id == complaint.id:
        return Outcome(complaint, Refusal.invalid, "self")
    # Lock both, in id order, and read them as they are now: of two merges into each other
    # at once (A → B and B → A), the second waits, then sees its target merged.
    locked = (
        await session.exec(
            select(Complaint)
            .where(col(Complaint.id).in_([complaint.id, found.id]))
            .order_by(col(Complaint.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    rows = {row.id: row for row in locked}
    complaint, target = rows[complaint.id], rows[found.id]
    refused = _check_move(complaint, expected, S.merged)
    if refused is not None:
        return refused
    if target.status in FINISHED:
        return Outcome(complaint, Refusal.invalid, f"target_{target.status}")
    refused = await _move(
        session, complaint, expected, S.merged, now, {"merged_into_id": target.id}
    )
    if refused is not None:
        return refused
    event = await _record(
        session,
        complaint,
        actor,
        Action.merged,
        now,
        public=True,
        from_status=expected,
        to_status=S.merged,
        note=target.number,
    )
    await _publish(session, complaint, event, now)
    target.updated_at = now
    joined = await _record(
        session, target, actor, Action.merged_in, now, public=False, note=complaint.number
    )
    await _publish(session, target, joined, now)
    return Outcome(complaint, event_id=event.id)


async def ask_resident(
    *,
    session: AsyncSession,
    complaint_id: int,
    chat_id: int,
    question: str,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """追问: a FollowUp; the resident gets the question with an "answer" button.

    The event (action follow_up_asked, note: the question) is public and names its FollowUp.
    """
    cleaned = _clean(question)
    if isinstance(cleaned, Outcome):
        return cleaned
    complaint, refused = await _owned(session, complaint_id, chat_id)
    if refused is not None:
        return refused
    assert complaint is not None and complaint.id is not None
    if complaint.status in FINISHED:
        return Outcome(complaint, Refusal.not_allowed, complaint.status)
    follow_up = FollowUp(
        complaint_id=complaint.id, question=cleaned, asked_at=now, asked_by_name=actor.name
    )
    session.add(follow_up)
    await session.flush()
    complaint.updated_at = now
    event = await _record(
        session,
        complaint,
        actor,
        Action.follow_up_asked,
        now,
        public=True,
        note=cleaned,
        follow_up_id=follow_up.id,
    )
    await _publish(session, complaint, event, now)
    return Outcome(complaint, event_id=event.id)


async def resolve(
    *,
    session: AsyncSession,
    complaint_id: int,
    chat_id: int,
    expected: str,
    note: str,
    photo_file_id: str | None,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """办结: → resolved with a note (and a photo, on the event); the resident rates it."""
    cleaned = _clean(note)
    if isinstance(cleaned, Outcome):
        return cleaned
    return await _transition(
        session=session,
        complaint_id=complaint_id,
        chat_id=chat_id,
        expected=expected,
        to=S.resolved,
        action=Action.resolved,
        actor=actor,
        now=now,
        note=cleaned,
        values=_resolution(cleaned, now),
        photo_file_id=photo_file_id or None,
    )


def _resolution(note: str, now: datetime) -> dict[str, Any]:
    """The columns a resolution sets."""
    return {"resolution": note, "resolved_at": now, "survey_asked_at": now, "satisfaction": None}


async def add_note(
    *,
    session: AsyncSession,
    complaint_id: int,
    chat_id: int,
    note: str,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """An internal note on the timeline (public=False), never sent to the resident."""
    cleaned = _clean(note)
    if isinstance(cleaned, Outcome):
        return cleaned
    complaint, refused = await _owned(session, complaint_id, chat_id)
    if refused is not None:
        return refused
    assert complaint is not None
    complaint.updated_at = now
    event = await _record(session, complaint, actor, Action.note, now, public=False, note=cleaned)
    await _publish(session, complaint, event, now)
    return Outcome(complaint, event_id=event.id)


async def close(
    *,
    session: AsyncSession,
    complaint_id: int,
    chat_id: int | None,
    expected: str,
    actor: Actor,
    now: datetime,
    note: str | None = None,
) -> Outcome:
    """Close a transferred complaint (from the group chat), or a resolved one nobody rated.

    `chat_id` None only for the system (a scheduled sweep), which needs no chat.
    """
    if chat_id is None and actor.kind != "system":
        return Outcome(None, Refusal.wrong_chat)
    return await _transition(
        session=session,
        complaint_id=complaint_id,
        chat_id=chat_id,
        expected=expected,
        to=S.closed,
        action=Action.closed,
        actor=actor,
        now=now,
        note=note,
        values={"closed_at": now},
    )


# --- departments ------------------------------------------------------------------------------


async def report_done(
    *,
    session: AsyncSession,
    complaint_id: int,
    department_chat_id: int,
    note: str,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """A department's report from its own chat: handed_off → resolved; the group is told.

    The event (action resolved, actor "department") goes to the residents with the survey and
    into the group chat as a reply to the card.
    """
    cleaned = _clean(note)
    if isinstance(cleaned, Outcome):
        return cleaned
    complaint = await _fresh(session, complaint_id)
    if complaint is None:
        return Outcome(None, Refusal.not_found)
    department = (
        await session.get(Department, complaint.department_id)
        if complaint.department_id is not None
        else None
    )
    if (
        department is None
        or department.chat_id is None
        or department.chat_id != department_chat_id
    ):
        return Outcome(None, Refusal.wrong_chat)
    expected = S.handed_off
    if complaint.status != expected:
        return Outcome(complaint, Refusal.moved_on, complaint.status)
    refused = await _move(session, complaint, expected, S.resolved, now, _resolution(cleaned, now))
    if refused is not None:
        return refused
    event = await _record(
        session,
        complaint,
        Actor("department", actor.telegram_id, actor.name or department.name),
        Action.resolved,
        now,
        public=True,
        from_status=expected,
        to_status=S.resolved,
        note=cleaned,
    )
    await _publish(session, complaint, event, now, tell_group=True)
    return Outcome(complaint, event_id=event.id)


# --- residents --------------------------------------------------------------------------------


async def _resident(session: AsyncSession, telegram_id: int) -> Resident | None:
    """A resident by Telegram id."""
    statement = select(Resident).where(Resident.telegram_id == telegram_id)
    return (await session.exec(statement)).first()


async def start_answer(
    *, session: AsyncSession, resident_telegram_id: int, follow_up_id: int, now: datetime
) -> Outcome:
    """The resident pressed "answer": their next text answers this question.

    Only for a question about their own complaint (else not_found, so nothing leaks);
    an answered question is `nothing_to_do`.
    """
    resident = await _resident(session, resident_telegram_id)
    follow_up = await session.get(FollowUp, follow_up_id)
    if resident is None or follow_up is None:
        return Outcome(None, Refusal.not_found)
    complaint = await _fresh(session, follow_up.complaint_id)
    if complaint is None or complaint.resident_id != resident.id:
        return Outcome(None, Refusal.not_found)
    if follow_up.answer is not None:
        return Outcome(complaint, Refusal.nothing_to_do, "answered")
    resident.answering_follow_up_id = follow_up.id
    await session.flush()
    return Outcome(complaint)


async def answering(*, session: AsyncSession, resident_telegram_id: int) -> FollowUp | None:
    """The question the resident's next text answers, if any (still unanswered)."""
    resident = await _resident(session, resident_telegram_id)
    if resident is None or resident.answering_follow_up_id is None:
        return None
    follow_up = await session.get(FollowUp, resident.answering_follow_up_id)
    if follow_up is None or follow_up.answer is not None:
        return None
    return follow_up


async def stop_answering(*, session: AsyncSession, resident_telegram_id: int) -> bool:
    """The resident's next text no longer answers a question (it stays open); False if none."""
    resident = await _resident(session, resident_telegram_id)
    if resident is None or resident.answering_follow_up_id is None:
        return False
    resident.answering_follow_up_id = None
    await session.flush()
    return True


async def answer_follow_up(
    *, session: AsyncSession, resident_telegram_id: int, text: str, now: datetime
) -> Outcome:
    """Store the resident's answer and send it into the group chat (as a reply to the card).

    The event (follow_up_answered, internal; names its FollowUp) names the resident only for a
    named complaint.
    """
    resident = await _resident(session, resident_telegram_id)
    if resident is None or resident.answering_follow_up_id is None:
        return Outcome(None, Refusal.nothing_to_do)
    cleaned = _clean(text)
    if isinstance(cleaned, Outcome):
        return cleaned
    follow_up = await session.get(FollowUp, resident.answering_follow_up_id)
    complaint = await _fresh(session, follow_up.complaint_id) if follow_up is not None else None
    if follow_up is None or complaint is None or complaint.resident_id != resident.id:
        resident.answering_follow_up_id = None
        return Outcome(None, Refusal.nothing_to_do)
    if follow_up.answer is not None:
        resident.answering_follow_up_id = None
        return Outcome(complaint, Refusal.nothing_to_do, "answered")
    follow_up.answer = cleaned
    follow_up.answered_at = now
    resident.answering_follow_up_id = None
    complaint.updated_at = now
    event = await _record(
        session,
        complaint,
        _resident_actor(complaint, resident),
        Action.follow_up_answered,
        now,
        public=False,
        note=cleaned,
        follow_up_id=follow_up.id,
    )
    await _publish(session, complaint, event, now, tell_group=True)
    return Outcome(complaint, event_id=event.id)


async def rate(
    *,
    session: AsyncSession,
    complaint_id: int,
    resident_telegram_id: int,
    satisfaction: str,
    now: datetime,
) -> Outcome:
    """The resident's survey answer: satisfied/basic close it; unsatisfied reopens it.

    Only the complaint's own resident (else not_allowed), only while resolved (else moved_on
    with the current status). "unsatisfied" also alerts the group chat.
    """
    if satisfaction not in SATISFACTIONS:
        return Outcome(None, Refusal.invalid, "satisfaction")
    complaint = await _fresh(session, complaint_id)
    resident = await _resident(session, resident_telegram_id)
    if complaint is None:
        return Outcome(None, Refusal.not_found)
    if resident is None or complaint.resident_id != resident.id:
        return Outcome(None, Refusal.not_allowed)
    expected = S.resolved
    if complaint.status != expected:
        return Outcome(complaint, Refusal.moved_on, complaint.status)
    unhappy = satisfaction == "unsatisfied"
    to = S.accepted if unhappy else S.closed
    values: dict[str, Any] = {"satisfaction": satisfaction}
    if not unhappy:
        values["closed_at"] = now
    refused = await _move(session, complaint, expected, to, now, values)
    if refused is not None:
        return refused
    event = await _record(
        session,
        complaint,
        _resident_actor(complaint, resident),
        Action.reopened if unhappy else Action.closed,
        now,
        public=True,
        from_status=expected,
        to_status=to,
        note=satisfaction,
    )
    await _publish(session, complaint, event, now, tell_group=unhappy)
    return Outcome(complaint, event_id=event.id)


# --- prompts ----------------------------------------------------------------------------------


async def open_prompt(
    *,
    session: AsyncSession,
    chat_id: int,
    user_id: int,
    complaint_id: int,
    action: str,
    details: dict[str, Any],
    now: datetime,
) -> Prompt:
    """Wait for this user's next text in this chat (replaces theirs; expires in an hour)."""
    await session.exec(
        delete(Prompt).where(col(Prompt.chat_id) == chat_id, col(Prompt.user_id) == user_id)
    )
    prompt = Prompt(
        chat_id=chat_id,
        user_id=user_id,
        complaint_id=complaint_id,
        action=action,
        details=dict(details),
        created_at=now,
        expires_at=now + PROMPT_LIFETIME,
    )
    session.add(prompt)
    await session.flush()
    return prompt


async def peek_prompt(*, session: AsyncSession, chat_id: int, user_id: int) -> Prompt | None:
    """The user's prompt in this chat as it is (even an expired one), without taking it."""
    statement = select(Prompt).where(Prompt.chat_id == chat_id, Prompt.user_id == user_id)
    return (await session.exec(statement)).first()


async def take_prompt(
    *, session: AsyncSession, chat_id: int, user_id: int, now: datetime
) -> Prompt | None:
    """Remove and return the user's prompt in this chat; None when none or expired."""
    statement = select(Prompt).where(Prompt.chat_id == chat_id, Prompt.user_id == user_id)
    prompt = (await session.exec(statement)).first()
    if prompt is None:
        return None
    await session.delete(prompt)
    await session.flush()
    if prompt.expires_at <= now:
        return None
    return prompt
