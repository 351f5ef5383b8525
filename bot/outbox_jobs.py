"""An outbox row made ready to send (rendered from the current state), and its send recorded."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import Delivery
from bot.ratelimit import RateLimits
from handlers import outbox_views
from handlers.calls import Call
from storage import cards, outbox, pacing
from storage.models import CardMessage, Complaint, OutboxMessage

log = logging.getLogger(__name__)

# A burst message shows at most this many cards (Telegram allows 100 buttons a message).
MAX_CARDS_PER_MESSAGE = 8
BURST_LOOKAHEAD = 200


@dataclass
class Job:
    """One outbox row, rendered into the calls that deliver it."""

    row: OutboxMessage
    calls: list[Call]
    # Other pending rows whose content this row's send brings up to date.
    covered: list[int] = field(default_factory=list)
    broken: bool = False
    # Calls of this row delivered by earlier attempts (a retry does not repeat them).
    done: int = 0
    # What each card message delivered by this job shows now (CardMessage.shown).
    shown: dict[int, str] = field(default_factory=dict)
    # Calls made by this attempt that the pacing counts (a new leader's pacing counts them
    # again from the row: storage/pacing.py).
    made: int = 0


async def render_job(session: AsyncSession, row: OutboxMessage, limits: RateLimits) -> Job:
    """Render a row (any kind but the ledger) from the state now into the calls to make."""
    if row.kind == outbox.API:
        # The row's chat is the one to call, whatever the params say (a row moved to a
        # supergroup's new id, a caller that left chat_id out).
        params = {**row.payload.get("params", {}), "chat_id": row.chat_id}
        return Job(row=row, calls=[Call(str(row.payload.get("method", "")), params)])
    covered: list[int] = []
    if row.kind == outbox.CARD:
        covered = await _cover_card_rows(session, row, limits)
    try:
        calls = await outbox_views.render(session=session, row=row)
    except DBAPIError:
        # The database, not the row: the worker ends, the row stays pending and the next
        # dispatch tries again.
        raise
    except Exception:
        log.exception("outbox row %s (%s) could not be rendered", row.id, row.kind)
        return Job(row=row, calls=[], covered=[], broken=True)
    return Job(row=row, calls=calls, covered=covered, done=int(row.payload.get("done", 0)))


async def _cover_card_rows(
    session: AsyncSession, row: OutboxMessage, limits: RateLimits
) -> list[int]:
    """Combine a burst of new cards into this row's message; list rows this send covers."""
    complaint = await session.get(Complaint, row.complaint_id) if row.complaint_id else None
    if complaint is None or complaint.group_card_id is None:
        return []
    card = await session.get(CardMessage, complaint.group_card_id)
    if card is not None and card.message_id is None and card.id is not None:
        unsent = await cards.unsent_cards(
            session=session, chat_id=row.chat_id, limit=BURST_LOOKAHEAD
        )
        # Behind: more new cards wait than half of what the chat's window still lets out
        # (the other half stays free for edits and prompts while the burst lasts).
        if len(unsent) > max(limits.remaining(row.chat_id) // 2, 1):
            shown = await cards.card_complaint_ids(session=session, card_id=card.id)
            room = MAX_CARDS_PER_MESSAGE - len(shown)
            others = [other for other in unsent if other.id != card.id][: max(room, 0)]
            await cards.combine_cards(session=session, into=card, others=others)
    shown = await cards.card_complaint_ids(session=session, card_id=complaint.group_card_id)
    rows = await cards.pending_card_rows(session=session, chat_id=row.chat_id, complaint_ids=shown)
    return [row_id for row_id in rows if row_id != row.id]


async def record_sent(
    session: AsyncSession,
    job: Job,
    outcome: Delivery,
    card_messages: dict[int, int],
    now: datetime,
) -> bool:
    """Mark a delivered job's row sent, with the card messages it made and the rows it covered;
    False when the row moved to another chat while being sent (nothing is recorded then)."""
    row = job.row
    assert row.id is not None
    payload = pacing.with_calls(row.payload, job.made) if job.made != 1 else None
    if not await outbox.mark_sent(
        session=session,
        row_id=row.id,
        now=now,
        message_id=outcome.message_id,
        chat_id=row.chat_id,
        payload=payload,
    ):
        # The chat was upgraded to a supergroup while this went to its old id: the row (and
        # its card) moved to the new chat and are still to be sent there.
        return False
    await record_cards(session, job, card_messages)
    await cards.mark_covered(session=session, row_ids=job.covered, by_row=row.id, now=now)
    return True


def is_one_write(job: Job, _outcome: Delivery, card_messages: dict[int, int]) -> bool:
    """Whether recording the job is its row's mark alone (no card messages, nothing covered,
    no progress to keep): `record_sent_alone` then records it as `record_sent` would."""
    return not card_messages and not job.shown and not job.covered and job.made == 1


async def record_sent_alone(
    connection: AsyncConnection, job: Job, outcome: Delivery, now: datetime
) -> bool:
    """`record_sent` of a job that `is_one_write`: its row's mark, on a bare connection
    (`Database.single_write`); False when the row moved to another chat while being sent."""
    assert job.row.id is not None
    return await outbox.mark_sent(
        session=connection,
        row_id=job.row.id,
        now=now,
        message_id=outcome.message_id,
        chat_id=job.row.chat_id,
    )


async def record_cards(session: AsyncSession, job: Job, card_messages: dict[int, int]) -> None:
    """Remember the card messages a job made and what its card messages show now."""
    chat_id = job.row.chat_id
    for card_id, message_id in card_messages.items():
        await cards.record_card_message(
            session=session, card_id=card_id, chat_id=chat_id, message_id=message_id
        )
    for card_id, shown in job.shown.items():
        await cards.record_shown(session=session, card_id=card_id, chat_id=chat_id, shown=shown)
