"""Linking Telegram chats to inspection groups, departments and round offices.

A chat serves one thing (storage/serving.py). Linking a chat posts the cards of what it serves
(storage/cards); a chat that changes its id keeps what it served (storage/chat_migration.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, literal, union_all, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import cards, lost_chats, outbox

# Re-exported: callers of links.migrate_chat keep working.
from storage.chat_migration import ChatMigration as ChatMigration
from storage.chat_migration import migrate_chat as migrate_chat
from storage.db import Database
from storage.models import (
    Department,
    InspectionGroup,
    LinkCode,
    Round,
)
from storage.roster import facts as roster_facts
from storage.serving import (
    LinkResult,
    chat_of,
    linked_to,
    lost_since,
    result,
    set_chat,
    set_linked_at,
)

TARGETS = ("group", "department", "office")
# No 0/O, 1/I/L: codes are read off a screen and typed by hand.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_LIFETIME = timedelta(hours=24)
UNLINKED = "chat unlinked before this was sent"


# Why a link cannot be issued, by code; the command line says them from its catalog
# (bot/cli/locales, keys link.error.CODE), this is their English wording (str() of the error).
LINK_ERRORS: dict[str, str] = {
    "no_round": "no round with code {round!r}; load its roster first",
    "office_needs_round": "--office needs the round's code, e.g. --office WD2023-1",
    "unknown_target": "unknown link target {target!r}: use group, department or office",
    "group_code_needed": "a group code is needed",
    "department_code_needed": "a department code is needed",
    "no_group": "no group with code {code!r} in any round",
    "no_department": "no department with code {code!r} in any round",
    "no_group_in_round": "no group with code {code!r} in round {round}",
    "no_department_in_round": "no department with code {code!r} in round {round}",
    "group_in_several": (
        "group {code!r} is in several rounds starting the same day ({rounds}); "
        "name one with --round"
    ),
    "department_in_several": (
        "department {code!r} is in several rounds starting the same day ({rounds}); "
        "name one with --round"
    ),
}


class LinkError(Exception):
    """A link code that cannot be issued: a code of LINK_ERRORS and its values; str() is the
    English wording."""

    def __init__(self, code: str, /, **values: Any) -> None:
        self.code = code
        self.values = values
        super().__init__(LINK_ERRORS[code].format(**values))


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
        raise LinkError("no_round", round=round_code)
    return round_


async def _target_id(
    session: AsyncSession, target: str, round_code: str | None, code: str | None
) -> tuple[int, str]:
    """The id of what a code will link, and a description of it for messages."""
    if target == "office":
        if not round_code:
            raise LinkError("office_needs_round")
        round_ = await _round_by_code(session, round_code)
        assert round_.id is not None
        return round_.id, f"the office of round {round_.code} ({round_.name})"
    if target not in ("group", "department"):
        raise LinkError("unknown_target", target=target)
    if not code:
        raise LinkError(f"{target}_code_needed")
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
        if round_code:
            raise LinkError(f"no_{target}_in_round", code=code, round=round_code)
        raise LinkError(f"no_{target}", code=code)
    if len(rows) > 1 and rows[0][1].starts_on == rows[1][1].starts_on:
        rounds = ", ".join(r.code for _row, r in rows if r.starts_on == rows[0][1].starts_on)
        raise LinkError(f"{target}_in_several", code=code, rounds=rounds)
    row, round_ = rows[0]
    return row.id, f"{target} {row.code} ({row.name}) of round {round_.code}"


async def find_target(
    *, session: AsyncSession, target: str, round_code: str | None, code: str | None
) -> tuple[int, str]:
    """The id of a group, department (by code) or office (by round code), and its description;
    LinkError when there is none or it is ambiguous (also for the console's login links)."""
    return await _target_id(session, target, round_code, code)


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


# What a code links, by code; the command line says them from its catalog (link.links.CODE),
# this is their English wording (describe()).
LINK_TARGETS: dict[str, str] = {
    "office": "the office of round {round} ({name})",
    "office_gone": "an office",
    "group": "group {code} ({name}) of round {round}",
    "department": "department {code} ({name}) of round {round}",
    "group_gone": "a group that no longer exists",
    "department_gone": "a department that no longer exists",
}


async def describe_parts(*, session: AsyncSession, link: LinkCode) -> tuple[str, dict[str, str]]:
    """What a code links: a code of LINK_TARGETS and its values."""
    if link.target == "office":
        round_ = await session.get(Round, link.target_id)
        if round_ is None:
            return "office_gone", {}
        return "office", {"round": round_.code, "name": round_.name}
    model: Any = InspectionGroup if link.target == "group" else Department
    row = await session.get(model, link.target_id)
    round_ = await session.get(Round, row.round_id) if row is not None else None
    if row is None or round_ is None:
        return f"{link.target}_gone", {}
    return link.target, {"code": row.code, "name": row.name, "round": round_.code}


async def describe(*, session: AsyncSession, link: LinkCode) -> str:
    """What a code links, in English, for the operator."""
    what, values = await describe_parts(session=session, link=link)
    return LINK_TARGETS[what].format(**values)


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
    previous = chat_of(row)
    # The bot was removed from the chat it served (storage/lost_chats.py): it has one again.
    lost_at = lost_since(row)
    # Linked to this very chat already: its cards are there or on their way (unless the bot
    # was out of it: then what is missing is posted again).
    already = previous == chat_id and lost_at is None
    served_before = [other for other in await linked_to(session, chat_id) if other is not row]
    for other in served_before:
        set_chat(other, None)
    if served_before:
        # What was queued for the chat's old role is not for its new one.
        await outbox.drop_pending(session=session, chat_id=chat_id, now=now, reason=UNLINKED)
    set_chat(row, chat_id)
    if previous != chat_id:
        set_linked_at(row, now)
    await session.flush()
    if previous is not None and previous != chat_id:
        await outbox.drop_pending(session=session, chat_id=previous, now=now, reason=UNLINKED)
    else:
        previous = None
    if isinstance(row, InspectionGroup) and not already:
        await cards.post_open_cards(session, row, now)
    elif isinstance(row, Department) and not already:
        await cards.post_department_cards(session, row, now)
    if lost_at is not None:
        await lost_chats.came_back(session, row, now, lost_at=lost_at)
    await session.flush()
    return await result(session, row, previous)


async def unlink(
    *, session: AsyncSession, chat_id: int, now: datetime | None = None
) -> LinkResult | None:
    """Unlink whatever the chat serves; None when it served nothing.

    Rows still waiting to be sent to the chat are dropped (`now` stamps them; optional).
    """
    serving = await linked_to(session, chat_id)
    if not serving:
        return None
    for row in serving:
        set_chat(row, None)
    await session.flush()
    await outbox.drop_pending(
        session=session, chat_id=chat_id, now=now or datetime.now(UTC), reason=UNLINKED
    )
    return await result(session, serving[0], chat_id)


async def chat_role(*, session: AsyncSession, chat_id: int) -> ChatRole | None:
    """What the chat serves; None when it is not linked.

    One statement (every card, notice and command in a chat asks this): a group before a
    department before an office, as `linked_to` lists them.
    """
    group, department = InspectionGroup, Department
    served = union_all(
        sa_select(
            literal(0).label("rank"),
            col(group.id).label("id"),
            col(group.round_id).label("round_id"),
            col(group.name).label("name"),
            col(Round.timezone).label("timezone"),
        )
        .join(Round, col(Round.id) == col(group.round_id))
        .where(col(group.chat_id) == chat_id),
        sa_select(
            literal(1), col(department.id), col(department.round_id), col(department.name),
            col(Round.timezone),
        )
        .join(Round, col(Round.id) == col(department.round_id))
        .where(col(department.chat_id) == chat_id),
        sa_select(literal(2), col(Round.id), col(Round.id), col(Round.name), col(Round.timezone))
        .where(col(Round.office_chat_id) == chat_id),
    ).subquery()  # fmt: skip
    # With the roster version, as the resident's arrival reads it: a card's or a command's
    # roster facts (storage/roster/facts.py) then cost no statement of their own.
    statement: Any = (
        sa_select(served, roster_facts.version_column())
        .order_by(served.c.rank, served.c.id)
        .limit(1)
    )
    found: Any = (await session.exec(statement)).first()
    if found is None:
        return None
    rank, id_, round_id, name, timezone, version = found
    roster_facts.note_version(session, version)
    if rank == 0:
        return ChatRole("group", round_id, id_, None, name, timezone)
    if rank == 1:
        return ChatRole("department", round_id, None, id_, name, timezone)
    return ChatRole("office", id_, None, None, name, timezone)


@dataclass
class IssuedCode:
    """A code issued for the operator, with what it links and until when."""

    code: str
    target: str
    what: str
    expires_at: datetime
    timezone: str
    # What it links as a code of LINK_TARGETS and values, for the command line's catalog.
    what_code: str = ""
    what_values: dict[str, str] = field(default_factory=dict)

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
            what_code, what_values = await describe_parts(session=session, link=link)
            return IssuedCode(
                code=link.code,
                target=link.target,
                what=LINK_TARGETS[what_code].format(**what_values),
                expires_at=link.expires_at,
                timezone=await _timezone(session, link),
                what_code=what_code,
                what_values=what_values,
            )
    finally:
        await database.dispose()
