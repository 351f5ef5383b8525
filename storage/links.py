"""Linking Telegram chats to inspection groups, departments and round offices.

A linked chat can change its id: when a basic group is upgraded to a supergroup, Telegram gives
it a new one (service messages with `migrate_to_chat_id` in the old chat and
`migrate_from_chat_id` in the new one; a send to the old id answers 400 "group chat was upgraded
to a supergroup chat" with the new id). `migrate_chat` moves what is keyed by the chat id, so the
chat goes on serving what it served, whichever of the three the bot sees first:

- the link (a group's, a department's or the round office's chat id) moves to the new id;
- pending outbox rows are readdressed to the new id, in their order: nothing on its way is
  lost. Message ids do not carry over, so a call acting on a message of the old chat (an edit,
  a deletion) is dropped with the reason recorded, and a reply to one goes out unreplied;
- open reply prompts move with the chat (the prompt's text, not its message, identifies it);
- cards: a card message already sent stays with the old chat as its history (it can no longer
  be edited there, and ids mean nothing in the new chat); a card not yet sent moves with the
  chat. Then, as when a group is linked to another chat, every open complaint of the group
  gets a fresh card in the new chat (with its location, photos and voice), and a department
  every hand-off still open, so inspectors have working buttons there at once. A complaint
  already closed keeps its card in the old chat's history, unless a refresh of it was on its
  way (then the fresh card shows how it ended). A later change of any complaint posts a new
  card in the new chat (workflow.ensure_group_card), never an edit into the old one.
- Link codes keep the chat they were used in (a record of what happened).

If the new id already serves something (linked with /link after the upgrade), that link stays:
a chat serves one thing. What the old id served is unlinked and its pending rows are dropped.

Idempotent: once moved, the old id serves nothing and has nothing pending, so a second call
(the other service message, or the sender's error after a service message) changes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox
from storage.db import Database
from storage.models import (
    CardMessage,
    Complaint,
    ComplaintStatus,
    Department,
    InspectionGroup,
    LinkCode,
    OutboxStatus,
    Prompt,
    Round,
)
from storage.triage import NOT_OPEN
from storage.workflow import ensure_group_card, has_attachments

TARGETS = ("group", "department", "office")
# No 0/O, 1/I/L: codes are read off a screen and typed by hand.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_LIFETIME = timedelta(hours=24)
UNLINKED = "chat unlinked before this was sent"


class LinkError(Exception):
    """A link code that cannot be issued; str() is an operator-facing English message."""


@dataclass
class LinkResult:
    """What a chat was linked to (or unlinked from)."""

    target: str  # "group" | "department" | "office"
    name: str
    round_code: str
    round_name: str
    # The chat that served it before (None when none, or when it was this chat already).
    previous_chat_id: int | None


@dataclass
class ChatRole:
    """What a linked chat serves."""

    kind: str  # "group" | "department" | "office"
    round_id: int
    group_id: int | None
    department_id: int | None
    name: str
    timezone: str
    language: str = "zh"


def _new_code() -> str:
    """Eight random characters from an alphabet without look-alikes."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """A code as typed, made comparable."""
    return "".join(code.split()).upper()


async def _round_by_code(session: AsyncSession, round_code: str) -> Round:
    """A round by its code, or a LinkError."""
    statement = select(Round).where(Round.code == round_code.strip())
    round_ = (await session.exec(statement)).first()
    if round_ is None:
        raise LinkError(f"no round with code {round_code!r}; load its roster first")
    return round_


async def _target_id(
    session: AsyncSession, target: str, round_code: str | None, code: str | None
) -> tuple[int, str]:
    """The id of what a code will link, and a description of it for messages."""
    if target == "office":
        if not round_code:
            raise LinkError("--office needs the round's code, e.g. --office WD2023-1")
        round_ = await _round_by_code(session, round_code)
        assert round_.id is not None
        return round_.id, f"the office of round {round_.code} ({round_.name})"
    if target not in ("group", "department"):
        raise LinkError(f"unknown link target {target!r}: use group, department or office")
    if not code:
        raise LinkError(f"a {target} code is needed")
    model: Any = InspectionGroup if target == "group" else Department
    statement = (
        select(model, Round)
        .join(Round, col(Round.id) == model.round_id)
        .where(model.code == code.strip())
        .order_by(col(Round.starts_on).desc(), col(Round.id).desc())
    )
    if round_code:
        round_ = await _round_by_code(session, round_code)
        statement = statement.where(col(Round.id) == round_.id)
    rows = (await session.exec(statement)).all()
    if not rows:
        where = f"round {round_code}" if round_code else "any round"
        raise LinkError(f"no {target} with code {code!r} in {where}")
    if len(rows) > 1 and rows[0][1].starts_on == rows[1][1].starts_on:
        rounds = ", ".join(r.code for _row, r in rows if r.starts_on == rows[0][1].starts_on)
        raise LinkError(
            f"{target} {code!r} is in several rounds starting the same day ({rounds}); "
            "name one with --round"
        )
    row, round_ = rows[0]
    return row.id, f"{target} {row.code} ({row.name}) of round {round_.code}"


async def issue_code(
    *,
    session: AsyncSession,
    target: str,
    round_code: str | None,
    code: str | None,
    now: datetime,
) -> LinkCode:
    """Issue a one-time code (8 characters, valid 24 hours) for a group, department or office.

    Groups and departments are found by code in `round_code`, or by default in the latest round
    (by start date) that has that code. LinkError when there is no such thing, or it is
    ambiguous.
    """
    target_id, _what = await _target_id(session, target, round_code, code)
    while True:
        text = _new_code()
        taken = await session.exec(select(LinkCode.id).where(LinkCode.code == text))
        if taken.first() is None:
            break
    link = LinkCode(
        code=text,
        target=target,
        target_id=target_id,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    session.add(link)
    await session.flush()
    return link


async def describe(*, session: AsyncSession, link: LinkCode) -> str:
    """What a code links, in English, for the operator."""
    if link.target == "office":
        round_ = await session.get(Round, link.target_id)
        return f"the office of round {round_.code} ({round_.name})" if round_ else "an office"
    model: Any = InspectionGroup if link.target == "group" else Department
    row = await session.get(model, link.target_id)
    if row is None:
        return f"a {link.target} that no longer exists"
    round_ = await session.get(Round, row.round_id)
    round_text = f" of round {round_.code}" if round_ is not None else ""
    return f"{link.target} {row.code} ({row.name}){round_text}"


Linkable = InspectionGroup | Department | Round


async def _serving(session: AsyncSession, chat_id: int, *, lock: bool = False) -> list[Linkable]:
    """Everything linked to a chat (at most one thing, unless something went wrong).

    `lock`: the rows are locked until commit (PostgreSQL; SQLite writes one at a time anyway),
    so that a second transaction doing the same waits and then finds them moved.
    """
    groups = select(InspectionGroup).where(InspectionGroup.chat_id == chat_id)
    departments = select(Department).where(Department.chat_id == chat_id)
    offices = select(Round).where(Round.office_chat_id == chat_id)
    if lock:
        groups, departments = groups.with_for_update(), departments.with_for_update()
        offices = offices.with_for_update()
    found: list[InspectionGroup | Department | Round] = []
    found.extend((await session.exec(groups)).all())
    found.extend((await session.exec(departments)).all())
    found.extend((await session.exec(offices)).all())
    return found


def _chat_of(row: InspectionGroup | Department | Round) -> int | None:
    """The chat a group, department or round office is linked to."""
    return row.office_chat_id if isinstance(row, Round) else row.chat_id


def _set_chat(row: InspectionGroup | Department | Round, chat_id: int | None) -> None:
    """Link (or unlink, with None) a group, department or round office."""
    if isinstance(row, Round):
        row.office_chat_id = chat_id
    else:
        row.chat_id = chat_id


async def _result(
    session: AsyncSession, row: InspectionGroup | Department | Round, previous: int | None
) -> LinkResult:
    """What was linked, for the chat."""
    if isinstance(row, Round):
        return LinkResult("office", row.name, row.code, row.name, previous)
    round_ = await session.get(Round, row.round_id)
    assert round_ is not None
    target = "group" if isinstance(row, InspectionGroup) else "department"
    return LinkResult(target, row.name, round_.code, round_.name, previous)


async def _post_open_cards(session: AsyncSession, group: InspectionGroup, now: datetime) -> None:
    """Cards (and attachments) in a newly linked group chat for complaints still open."""
    assert group.chat_id is not None
    statement = (
        select(Complaint)
        .where(Complaint.group_id == group.id, col(Complaint.status).not_in(NOT_OPEN))
        .order_by(col(Complaint.filed_at), col(Complaint.id))
    )
    for complaint in (await session.exec(statement)).all():
        assert complaint.id is not None
        chat_id = group.chat_id
        card = await ensure_group_card(
            session=session, complaint=complaint, chat_id=chat_id, now=now
        )
        # A card already in this chat (linked here before) is refreshed in place; one that
        # was never sent (its row dropped on unlink) goes out now.
        outbox.enqueue_card(session=session, complaint=complaint, chat_id=chat_id, now=now)
        if has_attachments(complaint) and not (
            card.message_id is not None
            and await outbox.has_row(
                session=session,
                chat_id=chat_id,
                complaint_id=complaint.id,
                kind=outbox.ATTACHMENTS,
                statuses=(OutboxStatus.sent,),
            )
        ):
            outbox.enqueue_attachments(
                session=session, complaint=complaint, chat_id=chat_id, now=now
            )


async def _post_department_cards(
    session: AsyncSession, department: Department, now: datetime
) -> None:
    """Cards in a newly linked department chat for what is handed off to it now."""
    assert department.chat_id is not None
    statement = (
        select(Complaint)
        .where(
            Complaint.department_id == department.id,
            Complaint.status == ComplaintStatus.handed_off,
        )
        .order_by(col(Complaint.filed_at), col(Complaint.id))
    )
    for complaint in (await session.exec(statement)).all():
        if complaint.department_card_id is not None:
            card = await session.get(CardMessage, complaint.department_card_id)
            if card is not None and card.chat_id == department.chat_id:
                # Linked here before: refreshed in place, or sent if it never went out.
                outbox.enqueue_department_card(
                    session=session, complaint=complaint, chat_id=department.chat_id, now=now
                )
                continue
        card = CardMessage(chat_id=department.chat_id, kind="department", created_at=now)
        session.add(card)
        await session.flush()
        complaint.department_card_id = card.id
        outbox.enqueue_department_card(
            session=session, complaint=complaint, chat_id=department.chat_id, now=now
        )


async def redeem(
    *, session: AsyncSession, code: str, chat_id: int, now: datetime
) -> LinkResult | None:
    """Link the chat with a code; None when the code is unknown, used or expired.

    The group (department, office) moves to this chat: its previous chat is unlinked. A chat
    serves one thing: whatever this chat served before is unlinked from it. A group chat gets
    cards for the group's open complaints; a department chat for what is handed off to it.
    """
    statement = select(LinkCode).where(LinkCode.code == normalise_code(code))
    link = (await session.exec(statement)).first()
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    claimed = await session.exec(
        update(LinkCode)
        .where(col(LinkCode.id) == link.id, col(LinkCode.used_at).is_(None))
        .values(used_at=now, used_chat_id=chat_id)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", claimed).rowcount != 1:
        return None
    link.used_at, link.used_chat_id = now, chat_id
    row: InspectionGroup | Department | Round | None
    if link.target == "group":
        row = await session.get(InspectionGroup, link.target_id)
    elif link.target == "department":
        row = await session.get(Department, link.target_id)
    else:
        row = await session.get(Round, link.target_id)
    if row is None:
        return None
    previous = _chat_of(row)
    # Linked to this very chat already: its cards are there or on their way.
    already = previous == chat_id
    served_before = [other for other in await _serving(session, chat_id) if other is not row]
    for other in served_before:
        _set_chat(other, None)
    if served_before:
        # What was queued for the chat's old role is not for its new one.
        await outbox.drop_pending(session=session, chat_id=chat_id, now=now, reason=UNLINKED)
    _set_chat(row, chat_id)
    await session.flush()
    if previous is not None and previous != chat_id:
        await outbox.drop_pending(session=session, chat_id=previous, now=now, reason=UNLINKED)
    else:
        previous = None
    if isinstance(row, InspectionGroup) and not already:
        await _post_open_cards(session, row, now)
    elif isinstance(row, Department) and not already:
        await _post_department_cards(session, row, now)
    await session.flush()
    return await _result(session, row, previous)


async def unlink(
    *, session: AsyncSession, chat_id: int, now: datetime | None = None
) -> LinkResult | None:
    """Unlink whatever the chat serves; None when it served nothing.

    Rows still waiting to be sent to the chat are dropped (`now` stamps them; optional).
    """
    serving = await _serving(session, chat_id)
    if not serving:
        return None
    for row in serving:
        _set_chat(row, None)
    await session.flush()
    await outbox.drop_pending(
        session=session, chat_id=chat_id, now=now or datetime.now(UTC), reason=UNLINKED
    )
    return await _result(session, serving[0], chat_id)


async def chat_role(*, session: AsyncSession, chat_id: int) -> ChatRole | None:
    """What the chat serves; None when it is not linked."""
    serving = await _serving(session, chat_id)
    if not serving:
        return None
    row = serving[0]
    if isinstance(row, Round):
        assert row.id is not None
        return ChatRole("office", row.id, None, None, row.name, row.timezone)
    round_ = await session.get(Round, row.round_id)
    assert round_ is not None
    if isinstance(row, InspectionGroup):
        return ChatRole("group", row.round_id, row.id, None, row.name, round_.timezone)
    return ChatRole("department", row.round_id, None, row.id, row.name, round_.timezone)


# --- a chat that changed its id ---------------------------------------------------------------


@dataclass
class ChatMigration:
    """What `migrate_chat` did."""

    old_chat_id: int
    new_chat_id: int
    # What the new id serves now that it served under the old id (None: nothing moved).
    moved: LinkResult | None
    rows: outbox.MovedRows
    # Fresh cards queued for the new chat.
    cards: int = 0


async def migrate_chat(
    *, session: AsyncSession, old_chat_id: int, new_chat_id: int, now: datetime
) -> ChatMigration:
    """Move everything keyed by a chat's old id to its new id (a group became a supergroup).

    See the module's docstring for what moves and what a user sees. Idempotent.
    """
    if old_chat_id == new_chat_id:
        return ChatMigration(old_chat_id, new_chat_id, None, outbox.MovedRows())
    # Locked: the service message and the sender may both get here at once; the second waits,
    # then finds nothing linked to the old id.
    serving = await _serving(session, old_chat_id, lock=True)
    if serving and await _serving(session, new_chat_id):
        # Linked on its own after the upgrade: the new chat keeps what it was linked to.
        for row in serving:
            _set_chat(row, None)
        await session.flush()
        dropped = await outbox.drop_pending(
            session=session, chat_id=old_chat_id, now=now, reason=outbox.OLD_ROLE
        )
        await _move_prompts(session, old_chat_id, None)
        return ChatMigration(old_chat_id, new_chat_id, None, outbox.MovedRows(dropped=dropped))
    for row in serving:
        _set_chat(row, new_chat_id)
    await session.flush()
    # Rows rendered when sent (cards, events, notices) are for the chat's role: they move
    # only with it. Ready calls (answers to commands) move in any case.
    rows = await outbox.move_pending(
        session=session,
        old_chat_id=old_chat_id,
        new_chat_id=new_chat_id,
        now=now,
        rendered=bool(serving),
    )
    if not serving:
        await _move_prompts(session, old_chat_id, None)
        return ChatMigration(old_chat_id, new_chat_id, None, rows)
    unsent = select(CardMessage).where(
        CardMessage.chat_id == old_chat_id, col(CardMessage.message_id).is_(None)
    )
    for card in (await session.exec(unsent)).all():
        card.chat_id = new_chat_id
        session.add(card)
    await _move_prompts(session, old_chat_id, new_chat_id)
    await session.flush()
    cards = 0
    for row in serving:
        if isinstance(row, InspectionGroup):
            cards += await _repost_group_cards(session, row, now)
        elif isinstance(row, Department):
            cards += await _repost_department_cards(session, row, now)
    await session.flush()
    moved = await _result(session, serving[0], old_chat_id)
    return ChatMigration(old_chat_id, new_chat_id, moved, rows, cards)


async def _move_prompts(session: AsyncSession, old_chat_id: int, new_chat_id: int | None) -> None:
    """Open prompts of the old chat move to the new one (None: they are dropped).

    A user with a prompt in the new chat already keeps that one (it is the newer).
    """
    prompts = (await session.exec(select(Prompt).where(Prompt.chat_id == old_chat_id))).all()
    if not prompts:
        return
    taken: set[int] = set()
    if new_chat_id is not None:
        statement = select(Prompt.user_id).where(Prompt.chat_id == new_chat_id)
        taken = set((await session.exec(statement)).all())
    for prompt in prompts:
        if new_chat_id is None or prompt.user_id in taken:
            await session.delete(prompt)
        else:
            prompt.chat_id = new_chat_id
            session.add(prompt)
    await session.flush()


async def _repost_group_cards(session: AsyncSession, group: InspectionGroup, now: datetime) -> int:
    """Fresh cards in a group's new chat: its open complaints, and complaints whose card
    refresh was on its way. Nothing that is there or queued already is queued again."""
    chat_id = group.chat_id
    assert chat_id is not None
    in_flight = await outbox.pending_complaints(session=session, chat_id=chat_id, kind=outbox.CARD)
    statement = (
        select(Complaint)
        .where(
            Complaint.group_id == group.id,
            or_(col(Complaint.status).not_in(NOT_OPEN), col(Complaint.id).in_(in_flight)),
        )
        .order_by(col(Complaint.filed_at), col(Complaint.id))
    )
    queued = 0
    for complaint in (await session.exec(statement)).all():
        assert complaint.id is not None
        card = await ensure_group_card(
            session=session, complaint=complaint, chat_id=chat_id, now=now
        )
        session.add(complaint)
        if card.message_id is None and not await outbox.has_row(
            session=session, chat_id=chat_id, complaint_id=complaint.id, kind=outbox.CARD
        ):
            outbox.enqueue_card(session=session, complaint=complaint, chat_id=chat_id, now=now)
            queued += 1
        if (
            complaint.status not in NOT_OPEN
            and has_attachments(complaint)
            and not await outbox.has_row(
                session=session,
                chat_id=chat_id,
                complaint_id=complaint.id,
                kind=outbox.ATTACHMENTS,
                statuses=(OutboxStatus.pending, OutboxStatus.sent),
            )
        ):
            outbox.enqueue_attachments(
                session=session, complaint=complaint, chat_id=chat_id, now=now
            )
    return queued


async def _repost_department_cards(
    session: AsyncSession, department: Department, now: datetime
) -> int:
    """Fresh cards in a department's new chat: hand-offs still open, and complaints whose card
    refresh was on its way."""
    chat_id = department.chat_id
    assert chat_id is not None
    in_flight = await outbox.pending_complaints(
        session=session, chat_id=chat_id, kind=outbox.DEPARTMENT_CARD
    )
    statement = (
        select(Complaint)
        .where(
            Complaint.department_id == department.id,
            or_(
                col(Complaint.status) == ComplaintStatus.handed_off,
                col(Complaint.id).in_(in_flight),
            ),
        )
        .order_by(col(Complaint.filed_at), col(Complaint.id))
    )
    queued = 0
    for complaint in (await session.exec(statement)).all():
        assert complaint.id is not None
        card = None
        if complaint.department_card_id is not None:
            card = await session.get(CardMessage, complaint.department_card_id)
        if card is None or card.chat_id != chat_id:
            card = CardMessage(chat_id=chat_id, kind="department", created_at=now)
            session.add(card)
            await session.flush()
            complaint.department_card_id = card.id
            session.add(complaint)
        if card.message_id is None and not await outbox.has_row(
            session=session,
            chat_id=chat_id,
            complaint_id=complaint.id,
            kind=outbox.DEPARTMENT_CARD,
        ):
            outbox.enqueue_department_card(
                session=session, complaint=complaint, chat_id=chat_id, now=now
            )
            queued += 1
    return queued


@dataclass
class IssuedCode:
    """A code issued for the operator, with what it links and until when."""

    code: str
    target: str
    what: str
    expires_at: datetime
    timezone: str

    @property
    def local_expiry(self) -> datetime:
        """The expiry on the round's clock."""
        return self.expires_at.astimezone(ZoneInfo(self.timezone))


async def _timezone(session: AsyncSession, link: LinkCode) -> str:
    """The time zone of the round a code belongs to."""
    if link.target == "office":
        round_ = await session.get(Round, link.target_id)
    else:
        model: Any = InspectionGroup if link.target == "group" else Department
        row = await session.get(model, link.target_id)
        round_ = await session.get(Round, row.round_id) if row is not None else None
    return round_.timezone if round_ is not None else "UTC"


async def issue_code_at(
    database_url: str, *, target: str, round_code: str | None, code: str | None, now: datetime
) -> IssuedCode:
    """Issue a code in the database at `database_url`, in one transaction (the command line)."""
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            link = await issue_code(
                session=session, target=target, round_code=round_code, code=code, now=now
            )
            return IssuedCode(
                code=link.code,
                target=link.target,
                what=await describe(session=session, link=link),
                expires_at=link.expires_at,
                timezone=await _timezone(session, link),
            )
    finally:
        await database.dispose()
