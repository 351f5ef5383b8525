"""The outbox sender: delivers queued notifications in order, within Telegram's limits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.ratelimit import RateLimits
from storage import outbox
from storage.clock import Clock
from storage.db import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

# do_api_request warns when a dedicated Bot method exists; the outbox deliberately stores
# plain Bot API calls so that rows stay JSON and independent of PTB's classes.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)

# Network errors and 5xx are retried with backoff this many times, then given up.
MAX_ATTEMPTS = 12
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 300.0
# How often the sender looks for rows written by other processes or due for a retry.
IDLE_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Outcome:
    """What became of one delivery attempt."""

    kind: str  # "sent", "retry", "failed"
    error: str | None = None
    retry_in: float = 0.0
    message_id: int | None = None


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with full jitter for the n-th failed attempt."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * (2 ** max(attempts - 1, 0)))
    return random.uniform(ceiling / 2, ceiling)


def _retry_after_seconds(exc: RetryAfter) -> float:
    """RetryAfter carries an int or a timedelta depending on PTB's settings."""
    with warnings.catch_warnings():
        # PTB 22 warns that the type will change; both types are handled here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


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
    ) -> None:
        self.database = database
        self.bot = bot
        self.clock = clock
        self.wakeup = wakeup
        self.limits = limits or RateLimits()
        self._workers: dict[int, asyncio.Task[None]] = {}

    @property
    def busy(self) -> bool:
        """Whether any chat worker is delivering right now."""
        return any(not task.done() for task in self._workers.values())

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

    async def _dispatch_due_chats(self) -> None:
        """Start a worker for every chat that has a due row and no worker yet."""
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
        while True:
            async with self.database.transaction() as session:
                row = await outbox.head_of_chat(session=session, chat_id=chat_id)
            if row is None or row.next_attempt_at > self.clock.now():
                return
            await self._take_slot(chat_id)
            outcome = await self.deliver(row)
            await self._record(row, outcome)
            if outcome.kind == "retry":
                # Later rows of this chat wait for this one: per-chat order is kept.
                return

    async def _take_slot(self, chat_id: int) -> None:
        """Wait until a send to `chat_id` is within the limits, then claim it."""
        wait = self.limits.wait(chat_id)
        while wait > 0:
            await asyncio.sleep(wait)
            wait = self.limits.wait(chat_id)
        # No await between the last check and the claim: workers cannot overtake each other.
        self.limits.record(chat_id)

    async def deliver(self, row: OutboxMessage) -> Outcome:
        """Make the Bot API call of one row and classify the result."""
        method = str(row.payload.get("method", ""))
        params = dict(row.payload.get("params", {}))
        try:
            result = await self.bot.do_api_request(method, api_kwargs=params)
        except RetryAfter as exc:
            return Outcome("retry", f"429: {exc.message}", _retry_after_seconds(exc))
        except Forbidden as exc:
            return Outcome("failed", f"403: {exc.message}")
        except ChatMigrated as exc:
            return Outcome("failed", f"chat migrated to {exc.new_chat_id}")
        except BadRequest as exc:
            if "message is not modified" in exc.message.lower():
                return Outcome("sent")
            return Outcome("failed", f"400: {exc.message}")
        except NetworkError as exc:
            # Includes timeouts and 5xx answers.
            if row.attempts + 1 >= MAX_ATTEMPTS:
                return Outcome("failed", f"gave up after {MAX_ATTEMPTS} attempts: {exc.message}")
            return Outcome("retry", f"network: {exc.message}", backoff_seconds(row.attempts + 1))
        except TelegramError as exc:
            return Outcome("failed", f"telegram: {exc.message}")
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return Outcome("sent", message_id=message_id)

    async def _record(self, row: OutboxMessage, outcome: Outcome) -> None:
        """Write the outcome of a delivery attempt."""
        assert row.id is not None
        now = self.clock.now()
        async with self.database.transaction() as session:
            if outcome.kind == "sent":
                await outbox.mark_sent(
                    session=session, row_id=row.id, now=now, message_id=outcome.message_id
                )
            elif outcome.kind == "retry":
                await outbox.mark_retry(
                    session=session,
                    row_id=row.id,
                    error=outcome.error or "",
                    retry_at=now + timedelta(seconds=outcome.retry_in),
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
        elif outcome.kind == "failed":
            log.error(
                "outbox row %s to chat %s failed for good: %s", row.id, row.chat_id, outcome.error
            )
