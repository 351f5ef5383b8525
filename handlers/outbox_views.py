"""What an outbox row that is not a ready Bot API call becomes when sent: a table, kind → renderer.

The sender (bot/sender.py) calls `render` for every such row, at send time, so what goes out
shows the complaint as it is then: several pending refreshes of one card become one edit.
Each renderer says nothing to a chat that serves nothing any more (clear_buttons only takes
stale buttons away, mark_stale marks a duplicate card out of date, so they go all the same),
and lives beside the texts it uses:

- card, dept_card, attachments, clear_buttons, mark_stale: handlers/card_rows.py (the
  cards: handlers/group/cards.py, handlers/department/cards.py)
- event: handlers/event_rows.py (resident, department and group texts of an event)
- notice: handlers/notices.py (scheduled messages)
- ledger: handlers/ledger_row.py, called by the sender as `render_ledger` from a read-only
  snapshot; `with_rendered` keeps its calls in the row for a retry.

A new kind of row gets a renderer in `RENDERERS`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import card_rows, event_rows, notices
from handlers.calls import Call
from handlers.ledger_row import render_ledger, with_rendered
from storage import outbox
from storage.models import OutboxMessage

# The calls that deliver one row, from the current state (empty: nothing to send any more).
Renderer = Callable[[AsyncSession, OutboxMessage], Awaitable[list[Call]]]


async def _notice(session: AsyncSession, row: OutboxMessage) -> list[Call]:
    """A scheduled message, worded in the chat's language."""
    return await notices.render(session=session, chat_id=row.chat_id, payload=row.payload)


RENDERERS: dict[str, Renderer] = {
    outbox.CARD: card_rows.group_card,
    outbox.DEPARTMENT_CARD: card_rows.department_card,
    outbox.ATTACHMENTS: card_rows.attachments,
    outbox.CLEAR_BUTTONS: card_rows.clear_buttons,
    outbox.MARK_STALE: card_rows.mark_stale,
    outbox.EVENT: event_rows.event,
    outbox.NOTICE: _notice,
}


async def render(*, session: AsyncSession, row: OutboxMessage) -> list[Call]:
    """The calls that deliver one row, from the current state (empty: nothing to send)."""
    if row.kind == outbox.LEDGER:
        raise ValueError("ledger rows are rendered by render_ledger, from a snapshot")
    renderer = RENDERERS.get(row.kind)
    if renderer is None:
        raise ValueError(f"outbox rows of kind {row.kind!r} are not rendered here")
    return await renderer(session, row)


__all__ = ["RENDERERS", "Renderer", "render", "render_ledger", "with_rendered"]
