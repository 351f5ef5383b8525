"""A linked chat that changed its id: a basic group upgraded to a supergroup.

Telegram gives the supergroup a new id (service messages with `migrate_to_chat_id` in the old
chat and `migrate_from_chat_id` in the new one; a send to the old id answers 400 "group chat was
upgraded to a supergroup chat" with the new id). `migrate_chat` moves what is keyed by the chat
id, so the chat goes on serving what it served, whichever of the three the bot sees first:

- the link (a group's, a department's or the round office's chat id) moves to the new id;
- pending outbox rows are readdressed to the new id, in their order: nothing on its way is
  lost. Message ids do not carry over, so a row acting on a message of the old chat (an edit,
  a deletion, a retired card's buttons taken off) is dropped with the reason recorded, and a
  reply to one goes out unreplied;
- open reply prompts move with the chat (the prompt's text, not its message, identifies it);
- cards: a card message already sent stays with the old chat as its history (it can no longer
  be edited there, and ids mean nothing in the new chat); a card not yet sent moves with the
  chat. Then, as when a group is linked to another chat, every open complaint of the group
  gets a fresh card in the new chat (with its location, photos and voice), and a department
  every hand-off still open, so inspectors have working buttons there at once. A complaint
  already closed keeps its card in the old chat's history, unless a refresh of it was on its
  way (then the fresh card shows how it ended). A later change of any complaint posts a new
  card in the new chat (cards.ensure_group_card), never an edit into the old one.
- Link codes keep the chat they were used in (a record of what happened).

If the new id already serves something (linked with /link after the upgrade), that link stays:
a chat serves one thing. What the old id served is unlinked and its pending rows are dropped.

Idempotent: once moved, the old id serves nothing and has nothing pending, so a second call
(the other service message, or the sender's error after a service message) changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import cards, outbox
from storage.models import (
    CardMessage,
    Department,
    InspectionGroup,
    OutboxMessage,
    OutboxStatus,
    Prompt,
)
from storage.serving import LinkResult, linked_to, result, set_chat


@dataclass(frozen=True)
class MovedRows:
    """What became of the pending rows of a chat that changed its id."""

    moved: int = 0
    dropped: int = 0


# A ready call's params for the chat's new id, None when the call cannot be made there. Only
# the handlers' side knows Bot API parameters (handlers/calls.py, `readdress`); the callers of
# migrate_chat pass it in.
Readdress = Callable[[dict[str, Any], int], dict[str, Any] | None]


def _readdressed(
    row: OutboxMessage, new_chat_id: int, readdress: Readdress
) -> dict[str, Any] | None:
    """The payload of a pending row for the chat's new id; None when it cannot go there.

    Message ids do not carry over to the new chat: a row that acts on a message of the old
    chat (an edit, a deletion, buttons taken off a card) cannot be made there, and a reply to
    one goes out as a plain message (a rendered row's "reply_to"; a ready call's, as
    `readdress` says). Progress of a row split into several calls starts again (none reached
    the new chat).
    """
    if row.kind in outbox.ON_A_SENT_MESSAGE:
        return None
    payload = {key: value for key, value in row.payload.items() if key != "done"}
    if row.kind != outbox.API:
        if payload.get("reply_to") is not None:
            payload["reply_to"] = None
        return payload
    params = readdress(dict(payload.get("params") or {}), new_chat_id)
    if params is None:
        return None
    payload["params"] = params
    return payload


async def move_pending(
    *,
    session: AsyncSession,
    old_chat_id: int,
    new_chat_id: int,
    now: datetime,
    rendered: bool,
    readdress: Readdress,
) -> MovedRows:
    """Readdress the pending rows of a chat to its new id, in their order, due now.

    `rendered`: rows rendered when sent (cards, events, notices) move too; without it (the
    chat's role did not move with it) only ready Bot API calls move and the rest are dropped.
    `readdress` readdresses a ready call's params. Idempotent: a second call finds nothing
    pending for the old id.
    """
    statement = (
        select(OutboxMessage)
        .where(OutboxMessage.chat_id == old_chat_id, OutboxMessage.status == OutboxStatus.pending)
        .order_by(col(OutboxMessage.id))
    )
    moved = dropped = 0
    for row in (await session.exec(statement)).all():
        # A row bound to a message of the old chat fails for that reason, whatever moves.
        goes = rendered or row.kind in (outbox.API, *outbox.ON_A_SENT_MESSAGE)
        payload = _readdressed(row, new_chat_id, readdress) if goes else None
        if payload is None:
            row.status = OutboxStatus.failed
            row.last_error = outbox.IN_OLD_CHAT if goes else outbox.OLD_ROLE
            row.sent_at = now
            dropped += 1
        else:
            row.chat_id = new_chat_id
            row.payload = payload
            row.next_attempt_at = min(row.next_attempt_at, now)
            moved += 1
        session.add(row)
    await session.flush()
    return MovedRows(moved=moved, dropped=dropped)


@dataclass
class ChatMigration:
    """What `migrate_chat` did."""

    old_chat_id: int
    new_chat_id: int
    # What the new id serves now that it served under the old id (None: nothing moved).
    moved: LinkResult | None
    rows: MovedRows
    # Fresh cards queued for the new chat.
    cards: int = 0


async def migrate_chat(
    *,
    session: AsyncSession,
    old_chat_id: int,
    new_chat_id: int,
    now: datetime,
    readdress: Readdress,
) -> ChatMigration:
    """Move everything keyed by a chat's old id to its new id (a group became a supergroup).

    See the module's docstring for what moves and what a user sees; `readdress` readdresses a
    pending ready call (handlers/calls.py). Idempotent.
    """
    if old_chat_id == new_chat_id:
        return ChatMigration(old_chat_id, new_chat_id, None, MovedRows())
    # Locked: the service message and the sender may both get here at once; the second waits,
    # then finds nothing linked to the old id.
    serving = await linked_to(session, old_chat_id, lock=True)
    if serving and await linked_to(session, new_chat_id):
        # Linked on its own after the upgrade: the new chat keeps what it was linked to.
        for row in serving:
            set_chat(row, None)
        await session.flush()
        dropped = await outbox.drop_pending(
            session=session, chat_id=old_chat_id, now=now, reason=outbox.OLD_ROLE
        )
        await _move_prompts(session, old_chat_id, None)
        return ChatMigration(old_chat_id, new_chat_id, None, MovedRows(dropped=dropped))
    for row in serving:
        set_chat(row, new_chat_id)
    await session.flush()
    # Rows rendered when sent (cards, events, notices) are for the chat's role: they move
    # only with it. Ready calls (answers to commands) move in any case.
    rows = await move_pending(
        session=session,
        old_chat_id=old_chat_id,
        new_chat_id=new_chat_id,
        now=now,
        rendered=bool(serving),
        readdress=readdress,
    )
    # The moved rows may go to the new id once this commits.
    outbox.note_due(session=session, chat_id=new_chat_id)
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
    posted = 0
    for row in serving:
        if isinstance(row, InspectionGroup):
            posted += await cards.repost_group_cards(session, row, now)
        elif isinstance(row, Department):
            posted += await cards.repost_department_cards(session, row, now)
    await session.flush()
    moved = await result(session, serving[0], old_chat_id)
    return ChatMigration(old_chat_id, new_chat_id, moved, rows, posted)


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
