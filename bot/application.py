"""The Application subclass that wraps every update in one committed unit of work."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, Protocol

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application
from telegram.request import BaseRequest

from bot.flood import FloodGate, Verdict
from bot.metrics import Metrics
from handlers import flood
from handlers.context import UpdateScope, current_scope
from handlers.errors import apologise
from handlers.members import members_of, prefetch
from storage import outbox, updates
from storage.clock import Clock, SystemClock
from storage.db import Database

log = logging.getLogger(__name__)

# How often an update is retried when the database itself fails (not the handler).
DB_ATTEMPTS = 3

# Set by the intake around an update followed, in the same batch, by another item of its
# album (UpdateScope.album_follows).
album_follows: ContextVar[bool] = ContextVar("album_follows", default=False)


def _alone() -> bool:
    """An application without replicas always leads."""
    return True


def chat_key(update: Update) -> int:
    """Updates of one chat (or user) are handled in order; others run side by side.

    Shared by both intakes (bot/intake.py, bot/webhook.py) and by the chat's turn across
    replicas (storage/updates.py `take_turn`, taken by `claim`).
    """
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


class ImmediateSender(Protocol):
    """What the application asks of the outbox sender (bot/sender.py) for an update's rows."""

    async def prepare(self, session: AsyncSession, chat_ids: Iterable[int]) -> Mapping[int, Any]:
        """In the update's transaction: read the chats' first rows, ready to send."""

    def deliver_now(self, chat_ids: Iterable[int], prepared: Mapping[int, Any]) -> None:
        """After the commit: send the chats' rows now, from what `prepare` read."""


class UpdateNotProcessed(Exception):
    """The update's effects could not be committed; it must not be confirmed to Telegram."""


class _HandlerFailed(Exception):
    """Raised inside the transaction to roll back a failed handler's changes."""


class XunchaApplication(Application):
    """PTB's Application, with one database transaction per update and an outbox wake-up."""

    database: Database
    clock: Clock = SystemClock()
    default_language: str = "zh"
    outbox_wakeup: asyncio.Event
    metrics: Metrics
    # Whether this process leads among replicas now (bot/election.py): the sweeps run only then.
    may_lead: Callable[[], bool]
    # Residents sending faster than a person types (bot/flood.py), counted in this process.
    flood_gate: FloodGate
    # The running sender, which takes an update's chats at once (bot/sender.py `prepare`,
    # `deliver_now`); None in a process that does not send now (a standby): the wake-up is
    # all it does.
    sender: ImmediateSender | None = None
    # The bot's two HTTP clients (calls, getUpdates), as build_application made them.
    requests: tuple[BaseRequest, ...] = ()

    def attach(
        self,
        *,
        database: Database,
        clock: Clock,
        default_language: str,
        metrics: Metrics,
        may_lead: Callable[[], bool] | None = None,
        requests: Sequence[BaseRequest] = (),
    ) -> None:
        """Give the application what the units of work need, the metrics they feed, and the
        bot's HTTP clients (closed here if initialize fails)."""
        self.requests = tuple(requests)
        self.may_lead = may_lead or _alone
        self.database = database
        self.clock = clock
        self.default_language = default_language
        self.outbox_wakeup = asyncio.Event()
        self.metrics = metrics
        self.flood_gate = FloodGate(clock)

    async def initialize(self) -> None:
        """PTB's initialize; if it fails (getMe: no network, a refused token), the HTTP clients
        it opened are closed again: PTB's shutdown skips an application never initialized."""
        try:
            await super().initialize()
        except BaseException:
            await asyncio.gather(*(r.shutdown() for r in self.requests), return_exceptions=True)
            raise

    async def process_update(self, update: object) -> None:
        """Handle an update exactly once: its effects and its replies commit together."""
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        started = time.perf_counter()
        # What /metrics counts it as; anything unforeseen that escapes is an "error".
        outcome = "error"
        try:
            # A resident flooding the bot: one answer, then a minute ignored (no transaction).
            verdict = self._flood_verdict(update)
            if verdict == Verdict.ignore:
                outcome = "flood_ignored"
                await self._ignore(update)
                return
            if verdict == Verdict.warn:
                outcome = "flood_warned"
                await self._in_scope(update, flood.warn)
                return
            # Before the transaction: the wait for Telegram's answer holds no database lock.
            await prefetch(update, self.bot, members_of(self.bot_data))
            for attempt in range(1, DB_ATTEMPTS + 1):
                try:
                    outcome = await self._process_in_transaction(update)
                    return
                except (OperationalError, DBAPIError) as exc:
                    log.warning(
                        "database error on update %s (attempt %s/%s): %s",
                        update.update_id,
                        attempt,
                        DB_ATTEMPTS,
                        exc,
                    )
                    await asyncio.sleep(0.2 * attempt)
            outcome = "not_committed"
            raise UpdateNotProcessed(f"update {update.update_id} could not be committed")
        finally:
            self.metrics.update_handled(outcome, time.perf_counter() - started)

    async def _process_in_transaction(self, update: Update) -> str:
        """Run the handlers inside one transaction, then the after-commit actions; the outcome
        ("handled", "duplicate", "failed": rolled back and apologised for)."""
        try:
            async with self.database.transaction() as session:
                # Replicas: one chat's updates one at a time, whichever process has them; a
                # second copy of an update then finds the first one's mark below.
                now = self.clock.now()
                # Marked handled first: it commits (or rolls back) with the update's effects.
                key = chat_key(update)
                if not await updates.claim(
                    session=session, update_id=update.update_id, now=now, turn=key
                ):
                    log.info("update %s was already handled; ignoring it", update.update_id)
                    return "duplicate"
                scope = UpdateScope(
                    session=session,
                    now=now,
                    default_language=self.default_language,
                    album_follows=album_follows.get(),
                )
                token = current_scope.set(scope)
                try:
                    await super().process_update(update)
                finally:
                    current_scope.reset(token)
                if isinstance(scope.error, OperationalError | DBAPIError):
                    raise scope.error
                if scope.error is not None:
                    raise _HandlerFailed from scope.error
                due = outbox.due_after_commit(session)
                # Read here, the first row of each chat goes out right after the commit.
                prepared = await self.sender.prepare(session, due) if due and self.sender else {}
        except _HandlerFailed:
            await self._after_failure(update)
            return "failed"
        await self._finish(scope, due, prepared)
        return "handled"

    def _flood_verdict(self, update: Update) -> Verdict:
        """Count an update of a private chat against its sender's last minute (others pass)."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or chat.type != ChatType.PRIVATE:
            return Verdict.handle
        if update.message is None:
            # Button presses are not typing: a person taps through the menus fast, so only
            # messages are counted; a press in the quiet minute is still ignored.
            return Verdict.ignore if self.flood_gate.quiet(user.id) else Verdict.handle
        return self.flood_gate.judge(user.id)

    async def _ignore(self, update: Update) -> None:
        """An update of the quiet minute: confirmed and dropped (a button still gets its answer,
        with no text)."""
        log.info("update %s ignored: its sender is flooding", update.update_id)
        query = update.callback_query
        if query is not None:
            try:
                await query.answer()
            except TelegramError as exc:
                log.warning("could not answer an ignored button press: %s", exc)

    async def _after_failure(self, update: Update) -> None:
        """A handler failed: its changes are rolled back; tell the user, and mark it handled."""
        await self._in_scope(update, apologise)

    async def _in_scope(
        self, update: Update, answer: Callable[[Update, UpdateScope], None]
    ) -> None:
        """Only `answer` (queued in the outbox) for this update, in a transaction of its own
        that marks it handled (a second copy of it finds the mark and changes nothing)."""
        async with self.database.transaction() as session:
            now = self.clock.now()
            key = chat_key(update)
            if not await updates.claim(
                session=session, update_id=update.update_id, now=now, turn=key
            ):
                return
            scope = UpdateScope(session=session, now=now, default_language=self.default_language)
            token = current_scope.set(scope)
            try:
                answer(update, scope)
            finally:
                current_scope.reset(token)
            due = outbox.due_after_commit(session)
        await self._finish(scope, due)

    async def _finish(
        self, scope: UpdateScope, due: frozenset[int], prepared: Mapping[int, Any] | None = None
    ) -> None:
        """After commit: hand the chats whose rows are due to the sender (or wake it) and run
        deferred actions."""
        if due and self.sender is not None:
            # The rows are committed, so a crash loses nothing; sent now, not at the next look
            # at the whole outbox (which still takes anything this misses).
            self.sender.deliver_now(due, prepared or {})
        elif scope.wrote_outbox or due:
            self.outbox_wakeup.set()
        for action in scope.after_commit:
            try:
                await action()
            except Exception:
                log.exception("an after-commit action failed")

    async def process_error(
        self, update: object | None, error: Exception, *args: Any, **kwargs: Any
    ) -> bool:
        """Record a handler's failure on its unit of work, and log it with its context."""
        scope = current_scope.get(None)
        if isinstance(update, Update) and scope is not None:
            scope.error = error
            if isinstance(error, OperationalError | DBAPIError):
                # Not the handler's fault: roll back and let process_update try again.
                log.warning(
                    "database error in a handler on update %s: %s", update.update_id, error
                )
                return True
            chat = update.effective_chat
            user = update.effective_user
            log.error(
                "handler failed on update %s (chat %s, user %s, %s)",
                update.update_id,
                chat.id if chat else None,
                user.id if user else None,
                _describe(update),
                exc_info=error,
            )
            return True
        return await super().process_error(update, error, *args, **kwargs)


def _describe(update: Update) -> str:
    """A short description of what the update carried, for logs."""
    if update.callback_query is not None:
        return f"button {update.callback_query.data!r}"
    message = update.effective_message
    if message is None:
        return "no message"
    if message.text:
        return f"text {message.text[:60]!r}"
    return "message without text"
