"""The outbox sender: delivers queued notifications in order, within Telegram's limits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot

from bot.delivery import Delivery, deliver
from bot.ratelimit import RateLimits
from handlers import outbox_views
from handlers.calls import Call, readdress
from storage import cards, chat_migration, lost_chats, outbox, pacing
from storage.clock import Clock
from storage.db import Database
from storage.models import CardMessage, Complaint, OutboxMessage

log = logging.getLogger(__name__)

# A burst message shows at most this many cards (Telegram allows 100 buttons a message).
MAX_CARDS_PER_MESSAGE = 8
BURST_LOOKAHEAD = 200
# How often the sender looks for rows written by other processes or due for a retry.
IDLE_POLL_SECONDS = 1.0


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
    # Calls made by this attempt (a new leader's pacing counts them: storage/pacing.py).
    made: int = 0


class NotLeading(Exception):
    """This process may not send now (it lost the leadership): the row stays pending."""


def _always() -> bool:
    """A single process may always send."""
    return True


class OutboxSender:
    """Sends pending outbox rows: one worker per chat keeps that chat's order."""

    def __init__(
        self,
        *,
        database: Database,
        bot: Bot,
        clock: Clock,
        wakeup: asyncio.Event,
        limits: RateLimits | None = None,
        may_send: Callable[[], bool] = _always,
    ) -> None:
        self.database = database
        # Asked right before every call: a leader whose lock is in doubt stops at once.
        self.may_send = may_send
        self.bot = bot
        self.clock = clock
        self.wakeup = wakeup
        self.limits = limits or RateLimits()
        self._workers: dict[int, asyncio.Task[None]] = {}

    @property
    def busy(self) -> bool:
        """Whether any chat worker is delivering right now."""
        return any(not task.done() for task in self._workers.values())

    def busy_with(self, chat_id: int) -> bool:
        """Whether a worker is delivering to this chat right now."""
        task = self._workers.get(chat_id)
        return task is not None and not task.done()

    async def run(self) -> None:
        """Deliver until cancelled."""
        try:
            while True:
                try:
                    await self._dispatch_due_chats()
                except Exception:
                    log.exception("outbox sender: could not read the outbox; retrying")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), IDLE_POLL_SECONDS)
                self.wakeup.clear()
        finally:
            for task in self._workers.values():
                task.cancel()
            await asyncio.gather(*self._workers.values(), return_exceptions=True)

    async def seed_pacing(self) -> int:
        """Count into the pacing what the outbox says was sent in the last window (by another
        process that led before this one); how many calls were counted."""
        now = self.clock.now()
        async with self.database.transaction() as session:
            sends = await pacing.recent_sends(
                session=session, now=now, within=timedelta(seconds=self.limits.longest)
            )
        self.limits.seed((s.chat_id, (now - s.sent_at).total_seconds()) for s in sends)
        return len(sends)

    async def _dispatch_due_chats(self) -> None:
        """Start a worker for every chat that has a due row and no worker yet."""
        if not self.may_send():
            return
        async with self.database.transaction() as session:
            chats = await outbox.due_chats(session=session, now=self.clock.now())
        for chat_id in chats:
            task = self._workers.get(chat_id)
            if task is None or task.done():
                self._workers[chat_id] = asyncio.create_task(
                    self._work_chat(chat_id), name=f"outbox-chat-{chat_id}"
                )

    async def _work_chat(self, chat_id: int) -> None:
        """Send one chat's due rows in order until none is due."""
        try:
            while True:
                if not self.may_send():
                    return
                job = await self._prepare(chat_id)
                if job is None:
                    return
                outcome, card_messages = await self._send(job)
                await self._record(job, outcome, card_messages)
                if outcome.kind in ("retry", "migrated", "forbidden"):
                    # Later rows of this chat wait for this one: per-chat order is kept. A
                    # migrated chat's rows have moved to its new id, and its own worker; a
                    # chat the bot was removed from is skipped until it is back.
                    return
        except NotLeading:
            log.info("outbox worker for chat %s stopped: not the leader", chat_id)
        except Exception:
            # The next dispatch starts a new worker for this chat; the row is still pending.
            log.exception("outbox worker for chat %s failed", chat_id)

    async def _prepare(self, chat_id: int) -> Job | None:
        """Read the chat's next due row and render it from the current state."""
        async with self.database.transaction() as session:
            row = await outbox.head_of_chat(session=session, chat_id=chat_id)
            if row is None or row.next_attempt_at > self.clock.now():
                return None
            if row.kind == outbox.API:
                # The row's chat is the one to call, whatever the params say (a row moved to a
                # supergroup's new id, a caller that left chat_id out).
                params = {**row.payload.get("params", {}), "chat_id": row.chat_id}
                call = Call(str(row.payload.get("method", "")), params)
                return Job(row=row, calls=[call])
            if row.kind != outbox.LEDGER:
                covered: list[int] = []
                if row.kind == outbox.CARD:
                    covered = await self._cover_card_rows(session, row)
                try:
                    calls = await outbox_views.render(session=session, row=row)
                except DBAPIError:
                    # The database, not the row: the worker ends, the row stays pending and
                    # the next dispatch tries again.
                    raise
                except Exception:
                    log.exception("outbox row %s (%s) could not be rendered", row.id, row.kind)
                    return Job(row=row, calls=[], covered=[], broken=True)
                done = int(row.payload.get("done", 0))
                return Job(row=row, calls=calls, covered=covered, done=done)
        # Only now, with this write transaction (and on SQLite the write lock) let go.
        return await self._prepare_ledger(row)

    async def _prepare_ledger(self, row: OutboxMessage) -> Job:
        """Write a ledger row's file from a read-only snapshot: nobody waits while it is written.

        The calls made are kept in the row, so that a retry sends the same file again instead
        of writing another.
        """
        try:
            async with self.database.snapshot() as session:
                calls = await outbox_views.render_ledger(session=session, row=row)
        except DBAPIError:
            raise
        except Exception:
            log.exception("outbox row %s (%s) could not be rendered", row.id, row.kind)
            return Job(row=row, calls=[], broken=True)
        payload = outbox_views.with_rendered(row.payload, calls)
        if payload != row.payload:
            assert row.id is not None
            async with self.database.transaction() as session:
                await outbox.record_payload(session=session, row_id=row.id, payload=payload)
            row.payload = payload
        return Job(row=row, calls=calls, done=int(row.payload.get("done", 0)))

    async def _cover_card_rows(self, session: AsyncSession, row: OutboxMessage) -> list[int]:
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
            if len(unsent) > max(self.limits.remaining(row.chat_id) // 2, 1):
                shown = await cards.card_complaint_ids(session=session, card_id=card.id)
                room = MAX_CARDS_PER_MESSAGE - len(shown)
                others = [other for other in unsent if other.id != card.id][: max(room, 0)]
                await cards.combine_cards(session=session, into=card, others=others)
        shown = await cards.card_complaint_ids(session=session, card_id=complaint.group_card_id)
        rows = await cards.pending_card_rows(
            session=session, chat_id=row.chat_id, complaint_ids=shown
        )
        return [row_id for row_id in rows if row_id != row.id]

    async def _send(self, job: Job) -> tuple[Delivery, dict[int, int]]:
        """Make the job's calls in order; stop at the first that is not delivered."""
        if job.broken:
            return Delivery("failed", "could not be rendered (see the log)"), {}
        card_messages: dict[int, int] = {}
        job.shown = {}
        outcome = Delivery("sent")
        for call in job.calls[job.done :]:
            slot = await self.limits.take_slot(job.row.chat_id)
            if not self.may_send():
                raise NotLeading
            job.made += 1
            try:
                outcome = await deliver(self.bot, call, attempts=job.row.attempts)
            finally:
                slot.done()
            if outcome.kind != "sent":
                break
            job.done += 1
            if call.card_id is None:
                continue
            if call.method == "sendMessage" and outcome.message_id is not None:
                card_messages[call.card_id] = outcome.message_id
            if call.shown is not None:
                job.shown[call.card_id] = call.shown
        return outcome, card_messages

    async def _record(self, job: Job, outcome: Delivery, card_messages: dict[int, int]) -> None:
        """Write the outcome of a delivery attempt."""
        row = job.row
        assert row.id is not None
        now = self.clock.now()
        # A supergroup the chat was upgraded to (never the chat itself: that would loop).
        moved_to = outcome.new_chat_id if outcome.kind == "migrated" else None
        if moved_to == row.chat_id:
            moved_to = None
        async with self.database.transaction() as session:
            if await outbox.chat_of_row(session=session, row_id=row.id) != row.chat_id:
                # The chat was upgraded to a supergroup while this went to its old id: the
                # row (and its card) moved to the new chat and are still to be sent there.
                log.info("outbox row %s moved from chat %s while being sent", row.id, row.chat_id)
                self.wakeup.set()
                return
            # A linked chat the bot was removed from (403): the row waits, the sender skips
            # the chat until the bot is back or the group has a new chat, the office is told.
            waits = False
            if outcome.kind == "forbidden":
                lost = await lost_chats.mark_lost(session=session, chat_id=row.chat_id, now=now)
                waits = lost.linked
            for card_id, message_id in card_messages.items():
                await cards.record_card_message(
                    session=session, card_id=card_id, chat_id=row.chat_id, message_id=message_id
                )
            for card_id, shown in job.shown.items():
                await cards.record_shown(
                    session=session, card_id=card_id, chat_id=row.chat_id, shown=shown
                )
            if outcome.kind == "sent":
                if job.made > 1:
                    await outbox.record_payload(
                        session=session,
                        row_id=row.id,
                        payload=pacing.with_calls(row.payload, job.made),
                    )
                await outbox.mark_sent(
                    session=session, row_id=row.id, now=now, message_id=outcome.message_id
                )
                await cards.mark_covered(
                    session=session, row_ids=job.covered, by_row=row.id, now=now
                )
            elif moved_to is not None:
                # Everything keyed by the old id moves, this row included, due at once.
                await chat_migration.migrate_chat(
                    session=session,
                    old_chat_id=row.chat_id,
                    new_chat_id=moved_to,
                    now=now,
                    readdress=readdress,
                )
            elif outcome.kind == "retry" or waits:
                await outbox.mark_retry(
                    session=session,
                    row_id=row.id,
                    error=outcome.error or "",
                    retry_at=now + timedelta(seconds=outcome.retry_in),
                    payload={**row.payload, "done": job.done} if job.done else None,
                )
            else:
                await outbox.mark_failed(
                    session=session, row_id=row.id, error=outcome.error or "", now=now
                )
        if outcome.kind == "retry":
            log.warning(
                "outbox row %s to chat %s: %s; retrying in %.1fs",
                row.id,
                row.chat_id,
                outcome.error,
                outcome.retry_in,
            )
            # Sleep in the background and wake the dispatcher when the row is due.
            asyncio.get_running_loop().call_later(outcome.retry_in, self.wakeup.set)
        elif moved_to is not None:
            log.warning(
                "outbox row %s: chat %s was upgraded to supergroup %s; its link and queue "
                "moved there",
                row.id,
                row.chat_id,
                moved_to,
            )
            self.wakeup.set()
        elif waits:
            log.info("outbox row %s waits until the bot is back in chat %s", row.id, row.chat_id)
            # The office's notice is on its way.
            self.wakeup.set()
        elif outcome.kind != "sent":
            log.error(
                "outbox row %s to chat %s failed for good: %s", row.id, row.chat_id, outcome.error
            )
