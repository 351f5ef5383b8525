"""Linked chats the bot was removed from: what waits for them, and what happens when it is back.

The bot removed from a group's, a department's or the round office's chat (a my_chat_member
update, or a send that answers 403 before that update comes) makes the chat "lost": the linked
row records when (`chat_lost_at`, `Round.office_chat_lost_at`), the round office's chat is told
which group lost its chat (a notice), and the outbox keeps that chat's rows waiting, pending,
without trying them (storage/outbox.py skips lost chats). Nothing fails for good meanwhile.

When the bot is back in the chat (my_chat_member again), or the group is linked to a new chat
(storage/links.py redeem), the chat is no longer lost: its waiting rows go out, every open
complaint's card is posted again where it is missing (storage/cards, as after a chat
migration), and the office is told. Linking, unlinking or migrating a chat forgets the mark
(storage.serving.set_chat).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import cards, outbox
from storage.models import Department, InspectionGroup, Round
from storage.notices import NoticeKind
from storage.serving import Linkable, chat_of, linked_to, lost_since, set_lost

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LostChat:
    """A linked chat the bot is not in: what it serves, and since when."""

    chat_id: int
    target: str  # "group" | "department" | "office"
    name: str
    round_code: str
    lost_at: datetime
    # Rows waiting for it (filled in by `lost_chats`).
    waiting: int = 0


@dataclass(frozen=True)
class Change:
    """What marking a chat lost (or back) did."""

    # Whether the chat serves anything (a chat that serves nothing is never lost).
    linked: bool
    # What lost (or got back) the chat just now.
    changed: list[LostChat]


async def _describe(session: AsyncSession, row: Linkable, when: datetime) -> LostChat:
    """What the row is, for the office, the log and the operator."""
    chat_id = chat_of(row)
    assert chat_id is not None
    if isinstance(row, Round):
        return LostChat(chat_id, "office", row.name, row.code, when)
    round_ = await session.get(Round, row.round_id)
    assert round_ is not None
    target = "group" if isinstance(row, InspectionGroup) else "department"
    return LostChat(chat_id, target, row.name, round_.code, when)


async def _tell_office(
    session: AsyncSession, row: Linkable, lost: LostChat, kind: NoticeKind, now: datetime
) -> None:
    """Tell the round office's chat (if linked) that a group or department lost its chat or
    has it back; the office's own chat is not told about itself."""
    if isinstance(row, Round):
        return
    round_ = await session.get(Round, row.round_id)
    if round_ is None or round_.office_chat_id is None:
        return
    outbox.enqueue_notice(
        session=session,
        chat_id=round_.office_chat_id,
        kind=kind,
        payload={
            "audience": "office",
            "round_id": round_.id,
            "target": lost.target,
            "name": lost.name,
        },
        now=now,
    )


async def mark_lost(*, session: AsyncSession, chat_id: int, now: datetime) -> Change:
    """The bot is no longer in this chat: if linked, its rows wait and the office is told once."""
    serving = await linked_to(session, chat_id, lock=True)
    changed: list[LostChat] = []
    for row in serving:
        if lost_since(row) is not None:
            continue
        set_lost(row, now)
        session.add(row)
        lost = await _describe(session, row, now)
        await _tell_office(session, row, lost, NoticeKind.chat_lost, now)
        changed.append(lost)
        # The operator's log says it in any case; it is all that says so for the office's own.
        log.warning(
            "the bot was removed from chat %s of %s %s (round %s): what is queued for it waits "
            "until the bot is added back or a new chat is linked",
            chat_id,
            lost.target,
            lost.name,
            lost.round_code,
        )
    await session.flush()
    return Change(bool(serving), changed)


async def came_back(
    session: AsyncSession, row: Linkable, now: datetime, *, lost_at: datetime
) -> LostChat:
    """A row whose chat was lost has a chat again (the bot back, or a new chat linked): the
    office is told. The caller has cleared the mark (set_chat does)."""
    back = await _describe(session, row, lost_at)
    # What waited for the chat may go once this commits.
    outbox.note_due(session=session, chat_id=back.chat_id)
    await _tell_office(session, row, back, NoticeKind.chat_back, now)
    log.warning(
        "%s %s (round %s) has chat %s again: what waited for it goes out",
        back.target,
        back.name,
        back.round_code,
        back.chat_id,
    )
    return back


async def mark_back(*, session: AsyncSession, chat_id: int, now: datetime) -> Change:
    """The bot is in this chat again: its waiting rows go out, every open complaint's card is
    posted again where it is missing, and the office is told."""
    serving = await linked_to(session, chat_id, lock=True)
    changed: list[LostChat] = []
    for row in serving:
        since = lost_since(row)
        if since is None:
            continue
        set_lost(row, None)
        session.add(row)
        await session.flush()
        if isinstance(row, InspectionGroup):
            await cards.repost_group_cards(session, row, now)
        elif isinstance(row, Department):
            await cards.repost_department_cards(session, row, now)
        changed.append(await came_back(session, row, now, lost_at=since))
    await session.flush()
    return Change(bool(serving), changed)


async def lost_chats(*, session: AsyncSession) -> list[LostChat]:
    """Every linked chat the bot is not in, longest lost first (for the operator)."""
    found: list[LostChat] = []
    statements = (
        select(InspectionGroup).where(col(InspectionGroup.chat_lost_at).is_not(None)),
        select(Department).where(col(Department.chat_lost_at).is_not(None)),
        select(Round).where(col(Round.office_chat_lost_at).is_not(None)),
    )
    for statement in statements:
        for row in (await session.exec(statement)).all():
            since = lost_since(row)
            if since is not None and chat_of(row) is not None:
                lost = await _describe(session, row, since)
                waiting = await outbox.pending_count(session=session, chat_id=lost.chat_id)
                found.append(replace(lost, waiting=waiting))
    return sorted(found, key=lambda lost: lost.lost_at)
