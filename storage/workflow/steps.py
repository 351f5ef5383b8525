"""The pieces every change is made of: read, check, move (guarded), record, publish.

Called through the module (`steps.move(...)`), so that a test can hold one of them back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import lifecycle
from storage.lifecycle import Act, Role
from storage.models import (
    Category,
    Complaint,
    InspectionGroup,
    Resident,
    ReturnOutcome,
    TimelineEvent,
)
from storage.timeline_facts import note_event
from storage.typed_text import tidy, visible_length
from storage.workflow import dispatches
from storage.workflow.base import FINISHED, TEXT_MAX, Actor, Outcome, Press, Refusal
from storage.workflow.publish import publish

# The statuses each status can move to (docs/DESIGN.md's lifecycle, from storage.lifecycle).
ALLOWED: dict[str, frozenset[str]] = lifecycle.moves()


async def fresh(session: AsyncSession, complaint_id: int) -> Complaint | None:
    """The complaint as the database has it now (not a stale copy from the session)."""
    statement = (
        select(Complaint)
        .where(Complaint.id == complaint_id)
        .execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).first()


async def owned(
    session: AsyncSession, complaint_id: int, chat_id: int | None
) -> tuple[Complaint, None] | tuple[None, Outcome]:
    """The complaint, if `chat_id` is the linked chat of its group; else the refusal.

    `chat_id` None: a change by the system (a scheduled sweep), which needs no chat.
    """
    complaint = await fresh(session, complaint_id)
    if complaint is None:
        return None, Outcome(None, Refusal.not_found)
    if chat_id is None:
        return complaint, None
    group = await session.get(InspectionGroup, complaint.group_id)
    if group is None or group.chat_id is None or group.chat_id != chat_id:
        # Nothing about the complaint goes back to a chat that does not own it.
        return None, Outcome(None, Refusal.wrong_chat)
    return complaint, None


async def sensitive(session: AsyncSession, complaint: Complaint) -> bool:
    """Whether the complaint's category is sensitive (only ever transferred)."""
    statement = select(Category.sensitive).where(
        Category.round_id == complaint.round_id, Category.code == complaint.category_code
    )
    return bool((await session.exec(statement)).first())


async def pressed_on(press: Press, *, finished: bool) -> Complaint | Outcome:
    """The complaint of a press that moves no status, if the press's chat owns it; else the
    refusal (`finished` False: also for a merged or closed complaint)."""
    complaint, refused = await owned(press.session, press.complaint_id, press.chat_id)
    if refused is not None:
        return refused
    assert complaint is not None
    if not finished and complaint.status in FINISHED:
        return Outcome(complaint, Refusal.not_allowed, complaint.status)
    return complaint


def role_of(press: Press) -> Role:
    """Who presses: the group's chat, or the system (a sweep, with no chat)."""
    return Role.system if press.chat_id is None else Role.group


def check_move(
    complaint: Complaint, expected: str, act: Act, role: Role, *, returned: bool = False
) -> Outcome | None:
    """Refuse a move from a status the complaint is not in, or one the lifecycle does not allow
    this role (storage/lifecycle.py; `returned`: a 退回 waits for the group)."""
    if complaint.status != expected:
        return Outcome(complaint, Refusal.moved_on, complaint.status)
    if not lifecycle.allows(expected, role, act, returned=returned):
        return Outcome(complaint, Refusal.not_allowed, complaint.status)
    return None


async def move(
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
        current = await fresh(session, complaint.id)
        return Outcome(current, Refusal.moved_on, current.status if current else None)
    for name, value in changes.items():
        set_committed_value(complaint, name, value)
    return None


def clean(text: str) -> str | Outcome:
    """Typed text as stored (tidied); a refusal when nothing visible is left or it is too long."""
    cleaned = tidy(text)
    if not visible_length(cleaned):
        return Outcome(None, Refusal.invalid, "empty")
    if len(cleaned) > TEXT_MAX:
        return Outcome(None, Refusal.invalid, "too_long")
    return cleaned


async def record(
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
    photo_file_ids: list[str] | None = None,
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
        photo_file_ids=photo_file_ids,
    )
    session.add(event)
    await session.flush()
    # The complaint's stored facts (first act, resolutions, handling) in the same transaction.
    await note_event(session, complaint, action, from_status, now)
    return event


def resident_actor(complaint: Complaint, resident: Resident) -> Actor:
    """The resident as an actor: no name and no Telegram id when the complaint is anonymous."""
    if complaint.anonymous:
        return Actor("resident")
    return Actor("resident", resident.telegram_id, complaint.reporter_name)


async def transition(
    press: Press,
    act: Act,
    action: str,
    *,
    note: str | Callable[[], str | None] | None = None,
    values: dict[str, Any] | None = None,
    check: Callable[[Complaint], Awaitable[Outcome | None]] | None = None,
    new_department_card: bool = False,
    department_card: bool = True,
    photo_file_id: str | None = None,
    public: bool = True,
    settle: ReturnOutcome = ReturnOutcome.accepted,
) -> Outcome:
    """A status change by the chat that owns the complaint: guarded, recorded, published.

    Refusals in order: not_found, wrong_chat, moved_on, not_allowed (not for this role, or,
    detail "sensitive", for
    what a sensitive complaint never allows), then `check`'s.
    `note` may be a function, called once `check` has passed. `photo_file_id` goes on the event.
    A department's 退回 still waiting for the group is settled as accepted by any move the
    group makes (re-dispatched, ordered fixed, taken on itself): it does not count against the
    department (`settle`: 坚持交办 settles it as overruled).
    """
    session, expected, now = press.session, press.expected, press.now
    to = lifecycle.MOVES_TO[act]
    complaint, refused = await owned(session, press.complaint_id, press.chat_id)
    if refused is not None:
        return refused
    assert complaint is not None
    returned = False
    if act in lifecycle.ONLY_AFTER_RETURN:
        assert complaint.id is not None
        last = await dispatches.latest(session, complaint.id)
        returned = last is not None and last.return_pending
    refused = check_move(complaint, expected, act, role_of(press), returned=returned)
    if (
        refused is None
        and act in lifecycle.NOT_WHEN_SENSITIVE
        and await sensitive(session, complaint)
    ):
        refused = Outcome(complaint, Refusal.not_allowed, "sensitive")
    if refused is None and check is not None:
        refused = await check(complaint)
    if refused is None:
        refused = await move(session, complaint, expected, to, now, values)
    if refused is not None:
        return refused
    if press.chat_id is not None:
        assert complaint.id is not None
        await dispatches.settle_return(session, complaint.id, settle)
    event = await record(
        session,
        complaint,
        press.actor,
        action,
        now,
        public=public,
        from_status=expected,
        to_status=to,
        note=note() if callable(note) else note,
        photo_file_id=photo_file_id,
    )
    await publish(
        session,
        complaint,
        event,
        now,
        new_department_card=new_department_card,
        department_card=department_card,
    )
    return Outcome(complaint, event_id=event.id)
