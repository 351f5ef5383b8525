"""The outbox: notifications written with the change that causes them, sent afterwards."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, func, insert, update
from sqlalchemy.orm import ORMExecuteState, Session, configure_mappers
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import fast_sql, outbox_delivery
from storage.fast_sql import FastStatement
from storage.models import (
    CardMessage,
    Complaint,
    OutboxMessage,
    OutboxStatus,
    TimelineEvent,
)
from storage.outbox_delivery import chat_of_row as chat_of_row
from storage.outbox_delivery import due_chats as due_chats
from storage.outbox_delivery import head_of_chat as head_of_chat
from storage.outbox_delivery import mark_failed as mark_failed
from storage.outbox_delivery import mark_retry as mark_retry
from storage.outbox_delivery import mark_sent as mark_sent
from storage.outbox_delivery import next_due as next_due
from storage.outbox_delivery import record_payload as record_payload
from storage.serving import lost_chat_ids

# Kinds rendered from the current state when sent (see handlers/outbox_views.py).
CARD = "card"
DEPARTMENT_CARD = "dept_card"
ATTACHMENTS = "attachments"
EVENT = "event"
# A scheduled message (reminder, digest, report...): payload {"notice": kind, ...data}.
NOTICE = "notice"
# A sent card message loses its buttons: payload {"card_id": CardMessage.id}.
CLEAR_BUTTONS = "clear_buttons"
MARK_STALE = "mark_stale"  # a duplicate card marked out of date: {message_id, text, language}
# Kinds that act on a message already sent: its id means nothing in another chat.
ON_A_SENT_MESSAGE = (CLEAR_BUTTONS, MARK_STALE)
# A ready Bot API call, queued by the handlers: payload {"method": ..., "params": {...}}.
API = "api"
# The round's ledger (台账) as a file: written when sent, from a snapshot (handlers/stats.py).
LEDGER = "ledger"


def enqueue_call(
    *,
    session: AsyncSession,
    chat_id: int,
    method: str,
    params: dict[str, Any],
    now: datetime,
    complaint_id: int | None = None,
) -> OutboxMessage:
    """Add a ready Bot API call (JSON-serialisable params) to the outbox of this transaction."""
    return _enqueue(session, chat_id, API, {"method": method, "params": params}, now, complaint_id)


def _enqueue(
    session: AsyncSession,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    complaint_id: int | None,
    priority: int = 0,
) -> OutboxMessage:
    """Add a row of any kind."""
    row = new_row(
        created_at=now,
        chat_id=chat_id,
        kind=kind,
        payload=payload,
        complaint_id=complaint_id,
        next_attempt_at=now,
        priority=priority,
    )
    session.info.setdefault(_NEW_ROWS, []).append(row)
    note_due(session=session, chat_id=chat_id)
    return row


# Every column of a row with a default, and that default (the id's None included).
_DEFAULTS = {
    name: field.default
    for name, field in OutboxMessage.model_fields.items()
    if not field.is_required() and field.default_factory is None
}
_FIELDS = tuple(OutboxMessage.model_fields)
_ROWS = OutboxMessage.__mapper__.class_manager  # type: ignore[attr-defined]


def new_row(**values: Any) -> OutboxMessage:
    """An outbox row as `OutboxMessage(**values)` makes it, built without validating values
    this module made itself: SQLModel's constructor validated every field and set each through
    the ORM's instrumentation, 115 µs a row against 13 (issue 12). Never added to a session
    (`_write_new` inserts it), so it holds no change for the ORM to find."""
    if not _ROWS.mapper.configured:
        # Its attributes work only once the mappers are configured (the first query does it).
        configure_mappers()
    row = _ROWS.new_instance()
    given = {**_DEFAULTS, "payload": {}, **values}
    row.__dict__.update((name, given[name]) for name in _FIELDS)
    # What pydantic's own model_construct sets beside the fields.
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    object.__setattr__(row, "__pydantic_extra__", None)
    object.__setattr__(row, "__pydantic_private__", None)
    return row


# Where a session keeps the rows queued in its transaction and not yet written (`_write_new`).
_NEW_ROWS = "outbox_new_rows"


@functools.cache
def _insert_rows() -> tuple[Any, tuple[str, ...]]:
    """INSERT of new rows, ids returned in the order given, and the columns it writes (every
    one but the id, as the ORM's flush wrote them); built once."""
    table: Any = OutboxMessage.__table__  # type: ignore[attr-defined]
    columns = tuple(column.name for column in table.c if not column.primary_key)
    return insert(table).returning(table.c.id, sort_by_parameter_order=True), columns


# One row, as most updates write: `_write_new` on the DBAPI cursor (storage/fast_sql.py).
_INSERT_ONE = FastStatement.of(_insert_rows()[0], columns=_insert_rows()[1])


@fast_sql.before_statement
def _write_new(session: Session) -> None:
    """Write the rows this transaction queued so far, in one statement, and give them their
    ids: before any other statement of the transaction runs, and before it commits.

    Not through the ORM's unit of work (session.add): at one or two rows an update, its flush
    cost the bot more than anything else it wrote (issue 12). Before every statement, so that
    whatever the transaction reads sees them, as autoflush would have had it.
    """
    rows = session.info.pop(_NEW_ROWS, None)
    if not rows:
        return
    statement, columns = _insert_rows()
    values = [{name: getattr(row, name) for name in columns} for row in rows]
    if len(values) == 1:
        ids = [_INSERT_ONE.on_connection(session.connection(), values[0])[0][0][0]]
    else:
        ids = list(session.execute(statement, values).scalars().all())
    for row, row_id in zip(rows, ids, strict=True):
        row.id = row_id
    outbox_delivery.note_written(session, rows)


async def write_queued(*, session: AsyncSession) -> None:
    """Write the rows queued so far in this transaction now, giving them their ids (a flush
    does not: the session holds no object of them)."""
    await session.run_sync(_write_new)


@event.listens_for(Session, "do_orm_execute")
def _before_a_statement(state: ORMExecuteState) -> None:
    """Queued rows go in before the statement runs."""
    _write_new(state.session)


@event.listens_for(Session, "before_commit")
def _before_the_commit(session: Session) -> None:
    """Queued rows go in before the transaction commits."""
    _write_new(session)


# Where a session keeps the chats its transaction queued rows for (or made rows of due).
_DUE_CHATS = "outbox_due_chats"


def note_due(*, session: AsyncSession, chat_id: int) -> None:
    """Note that this transaction makes rows of the chat due (queued, moved, a chat back)."""
    session.info.setdefault(_DUE_CHATS, set()).add(chat_id)


def due_after_commit(session: AsyncSession) -> frozenset[int]:
    """The chats whose rows this transaction made due: the sender may take them at once."""
    return frozenset(session.info.get(_DUE_CHATS, ()))


def _about(
    session: AsyncSession, complaint: Complaint, chat_id: int, kind: str, now: datetime
) -> OutboxMessage:
    """A row rendered from the complaint as it is when sent."""
    payload = {"complaint_id": complaint.id}
    # Attachments go after any pending cards (they reply to the card).
    priority = 1 if kind == ATTACHMENTS else 0
    return _enqueue(session, chat_id, kind, payload, now, complaint.id, priority)


def enqueue_card(
    *, session: AsyncSession, complaint: Complaint, chat_id: int, now: datetime
) -> OutboxMessage:
    """Show the complaint's group card as it is when sent (new, or an edit in place)."""
    return _about(session, complaint, chat_id, CARD, now)


def enqueue_department_card(
    *, session: AsyncSession, complaint: Complaint, chat_id: int, now: datetime
) -> OutboxMessage:
    """Show the complaint's card in a department chat (never with the resident's identity)."""
    return _about(session, complaint, chat_id, DEPARTMENT_CARD, now)


def enqueue_attachments(
    *, session: AsyncSession, complaint: Complaint, chat_id: int, now: datetime
) -> OutboxMessage:
    """Send the location, photos and voice under the card, after any pending cards."""
    return _about(session, complaint, chat_id, ATTACHMENTS, now)


def enqueue_event(
    *,
    session: AsyncSession,
    event: TimelineEvent,
    chat_id: int,
    now: datetime,
    complaint_id: int | None = None,
) -> OutboxMessage:
    """Tell a chat about one timeline event (flushed, so it has an id), rendered when sent."""
    about = complaint_id if complaint_id is not None else event.complaint_id
    return _enqueue(session, chat_id, EVENT, {"event_id": event.id}, now, about)


def enqueue_notice(
    *,
    session: AsyncSession,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    complaint_id: int | None = None,
) -> OutboxMessage:
    """A scheduled message of `kind` (JSON-ready `payload`), rendered in the chat's language
    when sent (handlers/notices.py)."""
    return _enqueue(session, chat_id, NOTICE, {**payload, "notice": kind}, now, complaint_id)


def enqueue_clear_buttons(
    *, session: AsyncSession, card: CardMessage, now: datetime, complaint_id: int | None = None
) -> OutboxMessage:
    """Take the buttons off a sent card message (its message id is read when sent)."""
    return _enqueue(session, card.chat_id, CLEAR_BUTTONS, {"card_id": card.id}, now, complaint_id)


def enqueue_mark_stale(
    *, session: AsyncSession, chat_id: int, now: datetime, complaint_id: int, **payload: Any
) -> OutboxMessage:
    """Mark a sent card message out of date, without buttons (payload: see MARK_STALE)."""
    return _enqueue(session, chat_id, MARK_STALE, payload, now, complaint_id)


def enqueue_ledger(
    *,
    session: AsyncSession,
    chat_id: int,
    round_id: int,
    group_id: int | None,
    shareable: bool,
    language: str,
    reply_to: int | None,
    now: datetime,
) -> OutboxMessage:
    """Send a chat the ledger of a round (or of one group), written when the row is sent.

    Writing a large ledger takes long: the sender writes it outside any write transaction, so
    the request commits at once and nothing else waits for the file.
    """
    return _enqueue(
        session,
        chat_id,
        LEDGER,
        {
            "round_id": round_id,
            "group_id": group_id,
            "shareable": shareable,
            "requested_at": now.isoformat(),
            "reply_to": reply_to,
            "language": language,
        },
        now,
        None,
    )


async def unsent_cards(*, session: AsyncSession, chat_id: int, limit: int) -> list[CardMessage]:
    """Group cards waiting to be sent to a chat (storage.cards.unsent_cards)."""
    # Imported here: storage.cards queues its rows through this module.
    from storage.cards import sending

    return await sending.unsent_cards(session=session, chat_id=chat_id, limit=limit)


async def pending_count(*, session: AsyncSession, chat_id: int) -> int:
    """How many rows wait to be sent to a chat."""
    statement = select(func.count()).where(
        OutboxMessage.chat_id == chat_id, OutboxMessage.status == OutboxStatus.pending
    )
    return (await session.exec(statement)).one()


@dataclass(frozen=True)
class OutboxCounts:
    """How many rows are in each delivery state, and the latest failures."""

    pending: int
    sent: int
    failed: int
    latest_failures: list[OutboxMessage]
    # Pending rows addressed to a chat the bot was removed from: they wait for it.
    waiting: int = 0


async def counts(*, session: AsyncSession, failures: int = 10) -> OutboxCounts:
    """Summarise the outbox for operators."""
    rows = (
        await session.exec(
            select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
        )
    ).all()
    by_status = {status: n for status, n in rows}
    latest = (
        await session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.failed)
            .order_by(col(OutboxMessage.id).desc())
            .limit(failures)
        )
    ).all()
    waiting = (
        await session.exec(
            select(func.count()).where(
                OutboxMessage.status == OutboxStatus.pending,
                col(OutboxMessage.chat_id).in_(lost_chat_ids()),
            )
        )
    ).one()
    return OutboxCounts(
        pending=by_status.get(OutboxStatus.pending, 0),
        sent=by_status.get(OutboxStatus.sent, 0),
        failed=by_status.get(OutboxStatus.failed, 0),
        latest_failures=list(latest),
        waiting=waiting,
    )


# --- a chat that changed its id (a group upgraded to a supergroup) ----------------------------

# Why a pending row addressed to the old id of a chat was not readdressed to the new one.
IN_OLD_CHAT = "chat upgraded to a supergroup: the message it acts on stayed in the old chat"
OLD_ROLE = "chat upgraded to a supergroup: not for what the new chat serves"


async def drop_pending(*, session: AsyncSession, chat_id: int, now: datetime, reason: str) -> int:
    """Pending rows of a chat that will not be sent, with the reason; how many."""
    result = await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.chat_id) == chat_id,
            col(OutboxMessage.status) == OutboxStatus.pending,
        )
        .values(status=OutboxStatus.failed, last_error=reason, sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def has_row(
    *,
    session: AsyncSession,
    chat_id: int,
    complaint_id: int,
    kind: str,
    statuses: tuple[str, ...] = (OutboxStatus.pending,),
) -> bool:
    """Whether a row of this kind about the complaint is (or was) addressed to the chat."""
    statement = select(OutboxMessage.id).where(
        OutboxMessage.chat_id == chat_id,
        OutboxMessage.complaint_id == complaint_id,
        OutboxMessage.kind == kind,
        col(OutboxMessage.status).in_(statuses),
    )
    return (await session.exec(statement.limit(1))).first() is not None


async def pending_complaints(*, session: AsyncSession, chat_id: int, kind: str) -> list[int]:
    """Complaints with a pending row of this kind addressed to the chat."""
    statement = (
        select(OutboxMessage.complaint_id)
        .where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.kind == kind,
            OutboxMessage.status == OutboxStatus.pending,
            col(OutboxMessage.complaint_id).is_not(None),
        )
        .distinct()
    )
    return [cid for cid in (await session.exec(statement)).all() if cid is not None]


# Sent rows are kept this long (what went out, for `xuncha outbox status` and inquiries), then
# deleted. Failed rows are kept (they explain what did not arrive), and so are sent attachment
# rows (one per complaint and chat): relinking a chat asks them whether the location, photos and
# voice are already there (storage/links.py).
KEEP_SENT = timedelta(days=30)


async def forget_sent(*, session: AsyncSession, now: datetime) -> int:
    """Delete rows sent longer ago than KEEP_SENT (attachment rows excepted); how many."""
    result = await session.exec(
        delete(OutboxMessage).where(
            col(OutboxMessage.status) == OutboxStatus.sent,
            col(OutboxMessage.sent_at) < now - KEEP_SENT,
            col(OutboxMessage.kind) != ATTACHMENTS,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
