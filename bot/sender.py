"""The outbox sender: delivers queued notifications in order, within Telegram's limits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot

from bot.delivery import Delivery, deliver
from bot.outbox_jobs import (
    Job,
    is_one_write,
    record_cards,
    record_sent,
    record_sent_alone,
    render_job,
)
from bot.ratelimit import RateLimits
from handlers import outbox_views
from handlers.calls import readdress
from storage import chat_migration, lost_chats, outbox, outbox_delivery, pacing
from storage.clock import Clock
from storage.db import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

# How often the sender looks for rows written by other processes or due for a retry.
IDLE_POLL_SECONDS = 1.0

# A job delivered in full: what the next read's transaction records first.
Sent = tuple[Job, Delivery, dict[int, int]]


# Worker starts counted per chat for `prepare`, forgotten (all at once) past this many chats.
MAX_COUNTED_CHATS = 10_000


@dataclass(frozen=True)
class Prepared:
    """A chat's first due row, read and rendered inside the transaction that wrote it."""

    job: Job
    # Which worker start of the chat it was read after (`OutboxSender._epoch`): another
    # worker started since may have sent the row already, and then it is not used.
    epoch: tuple[int, int]
    # Whether another row of the chat was pending behind it.
    more: bool


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
        # Chats told of new rows while their worker runs: it looks once more before it ends.
        self._again: set[int] = set()
        self._running = False
        # Worker starts per chat, and how often that count was forgotten (`_epoch`).
        self._starts: dict[int, int] = {}
        self._forgotten = 0

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
        self._running = True
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
            self._running = False
            workers = list(self._workers.values())
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def prepare(self, session: AsyncSession, chat_ids: Iterable[int]) -> dict[int, Prepared]:
        """Inside the transaction that wrote these chats' rows: read and render each idle
        chat's first due row, so that its worker sends it right after the commit instead of
        reading it again in a transaction of its own (`deliver_now`)."""
        if not self._running or not self.may_send():
            return {}
        now = self.clock.now()
        prepared: dict[int, Prepared] = {}
        for chat_id in chat_ids:
            if self.busy_with(chat_id):
                continue
            row, more = await outbox_delivery.due_head(session=session, chat_id=chat_id, now=now)
            if row is None or row.kind == outbox.LEDGER:
                continue
            job = await render_job(session, row, self.limits)
            prepared[chat_id] = Prepared(job, self._epoch(chat_id), more)
        return prepared

    def deliver_now(self, chat_ids: Iterable[int], prepared: Mapping[int, Prepared]) -> None:
        """Send these chats' due rows now (an update's rows, just committed), without waiting
        for the next look at the whole outbox; a chat's running worker looks once more.

        `prepared`: what `prepare` read in that transaction, used while no other worker of
        the chat started since."""
        if not self._running or not self.may_send():
            return
        for chat_id in chat_ids:
            if self.busy_with(chat_id):
                self._again.add(chat_id)
                continue
            ready = prepared.get(chat_id)
            if ready is not None and ready.epoch == self._epoch(chat_id):
                self._start(chat_id, ready.job, more=ready.more)
            else:
                self._start(chat_id)

    def _epoch(self, chat_id: int) -> tuple[int, int]:
        """Which worker start of the chat is the latest (changes with every start)."""
        return self._forgotten, self._starts.get(chat_id, 0)

    def _start(self, chat_id: int, first: Job | None = None, *, more: bool = True) -> None:
        """A worker for the chat (there is none running), with its first job if read (and
        whether other rows were pending behind it)."""
        if len(self._starts) >= MAX_COUNTED_CHATS:
            self._starts.clear()
            self._forgotten += 1
        self._starts[chat_id] = self._starts.get(chat_id, 0) + 1
        task = asyncio.create_task(
            self._work_chat(chat_id, first, more=more), name=f"outbox-chat-{chat_id}"
        )
        self._workers[chat_id] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._workers.get(chat_id) is done:
                del self._workers[chat_id]

        task.add_done_callback(forget)

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
            chats = await outbox_delivery.due_chats(session=session, now=self.clock.now())
        for chat_id in chats:
            if not self.busy_with(chat_id):
                self._start(chat_id)

    async def _work_chat(
        self, chat_id: int, first: Job | None = None, *, more: bool = True
    ) -> None:
        """Send one chat's due rows in order until none is due (from `first`, when read)."""
        # Whether to look for a next row after the first: not when `first` was the only one.
        look = first is None or more
        try:
            job = first if first is not None else await self._next(chat_id)
            while job is not None:
                if not self.may_send():
                    return
                outcome, card_messages = await self._send(job)
                if outcome.kind == "sent":
                    # Recorded in the transaction that reads the chat's next row.
                    job = await self._next(chat_id, sent=(job, outcome, card_messages), look=look)
                    look = True
                    continue
                await self._record(job, outcome, card_messages)
                if outcome.kind in ("retry", "migrated", "forbidden"):
                    # Later rows of this chat wait for this one: per-chat order is kept. A
                    # migrated chat's rows have moved to its new id, and its own worker; a
                    # chat the bot was removed from is skipped until it is back.
                    return
                job = await self._next(chat_id)
        except NotLeading:
            log.info("outbox worker for chat %s stopped: not the leader", chat_id)
        except Exception:
            # The next dispatch starts a new worker for this chat; the row is still pending.
            log.exception("outbox worker for chat %s failed", chat_id)

    async def _next(
        self, chat_id: int, sent: Sent | None = None, *, look: bool = True
    ) -> Job | None:
        """Record a delivered job (if any) and read the chat's next due row, rendered from the
        state now, in one transaction; None when nothing is due.

        `look=False`: the chat had no other row when the sent one was read (`prepare`), so
        none is read unless this process wrote one since (`_again`); rows of other processes
        wait for the next look at the whole outbox, as they do for a chat with no worker.
        """
        while True:
            look = look or chat_id in self._again
            self._again.discard(chat_id)
            try:
                moved, row, job = await self._record_and_read(chat_id, sent, look=look)
            except Exception:
                if sent is None:
                    raise
                # Reading the next row failed (the database): what was sent is recorded on
                # its own, or it would go out again.
                async with self.database.transaction() as session:
                    await record_sent(session, *sent, self.clock.now())
                raise
            if moved:
                assert sent is not None
                log.info("outbox row %s moved from chat %s while sent", sent[0].row.id, chat_id)
                self.wakeup.set()
                return None
            if row is not None and row.kind == outbox.LEDGER:
                # Only now, with the write transaction (and on SQLite the write lock) let go.
                return await self._prepare_ledger(row)
            if job is not None or chat_id not in self._again:
                return job
            sent, look = None, True

    async def _record_and_read(
        self, chat_id: int, sent: Sent | None, *, look: bool = True
    ) -> tuple[bool, OutboxMessage | None, Job | None]:
        """One transaction: record `sent`, then (if `look`) read and render the chat's next due
        row (the ledger is rendered later, outside it); (whether the sent row had moved, row,
        job)."""
        if not look and sent is not None and is_one_write(*sent):
            # Nothing to read after it: one statement, committed on its own.
            job, outcome, _cards = sent
            async with self.database.single_write() as connection:
                recorded = await record_sent_alone(connection, job, outcome, self.clock.now())
            return not recorded, None, None
        async with self.database.transaction() as session:
            now = self.clock.now()
            if sent is not None and not await record_sent(session, *sent, now):
                return True, None, None
            if not look:
                return False, None, None
            row = await outbox_delivery.next_due(session=session, chat_id=chat_id, now=now)
            if row is None or row.kind == outbox.LEDGER:
                return False, row, None
            return False, row, await render_job(session, row, self.limits)

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
                await outbox_delivery.record_payload(
                    session=session, row_id=row.id, payload=payload
                )
            row.payload = payload
        return Job(row=row, calls=calls, done=int(row.payload.get("done", 0)))

    async def _send(self, job: Job) -> tuple[Delivery, dict[int, int]]:
        """Make the job's calls in order; stop at the first that is not delivered."""
        if job.broken:
            return Delivery("failed", "could not be rendered (see the log)"), {}
        card_messages: dict[int, int] = {}
        job.shown = {}
        outcome = Delivery("sent")
        for call in job.calls[job.done :]:
            slot = await self.limits.take_slot(job.row.chat_id, call.method)
            if not self.may_send():
                raise NotLeading
            job.made += slot.counted
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
        """Write the outcome of an attempt that did not deliver the whole row."""
        row = job.row
        assert row.id is not None
        now = self.clock.now()
        # A supergroup the chat was upgraded to (never the chat itself: that would loop).
        moved_to = outcome.new_chat_id if outcome.kind == "migrated" else None
        if moved_to == row.chat_id:
            moved_to = None
        async with self.database.transaction() as session:
            if await outbox_delivery.chat_of_row(session=session, row_id=row.id) != row.chat_id:
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
            await record_cards(session, job, card_messages)
            if moved_to is not None:
                # Everything keyed by the old id moves, this row included, due at once.
                await chat_migration.migrate_chat(
                    session=session,
                    old_chat_id=row.chat_id,
                    new_chat_id=moved_to,
                    now=now,
                    readdress=readdress,
                )
            elif outcome.kind == "retry" or waits:
                await outbox_delivery.mark_retry(
                    session=session,
                    row_id=row.id,
                    error=outcome.error or "",
                    retry_at=now + timedelta(seconds=outcome.retry_in),
                    payload={**row.payload, "done": job.done} if job.done else None,
                )
            else:
                await outbox_delivery.mark_failed(
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
