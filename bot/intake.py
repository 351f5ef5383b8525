"""Long polling that confirms an update to Telegram only after its effects are committed.

PTB's Updater moves the getUpdates offset as soon as updates are fetched, so a crash while
handling them loses them. Here the offset moves past an update only once the Application
has committed it; a crash means Telegram delivers it again, and the processed_update table
makes that second delivery change nothing.

Updates are fetched as raw JSON and parsed one by one: an update the library cannot parse (a
payload newer than python-telegram-bot, or a malformed one) is logged with its JSON and
skipped, and the rest of its batch is handled. PTB's get_updates would raise on the whole
batch, and the offset would never move past it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import warnings
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.error import Conflict, EndPointNotFound, InvalidToken, NetworkError, TelegramError
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from bot.application import UpdateNotProcessed, XunchaApplication, album_follows, chat_key

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0
# A new leader's first getUpdates may cross the old leader's last one (409 Conflict, as
# Telegram ends the older request); this many in a row mean another bot really polls.
MAX_CONFLICTS = 5
# Chats of one batch handled at once. A crowd's batch holds a hundred chats: one transaction
# each at once took every pooled PostgreSQL connection and opened more (storage/db.py), each
# opened and closed for one transaction (27 ms of the bot's CPU apiece, issue 12). The CPU is
# the limit, not the database's waits, so a few at a time finish the batch as soon.
CHATS_AT_ONCE = 8
# getUpdates may take the long-poll timeout plus this to answer (PTB's default read timeout).
READ_TIMEOUT_MARGIN = 5.0
# getUpdates goes through do_api_request on purpose (raw JSON), which warns that a Bot method
# exists for it.
warnings.filterwarnings("ignore", message="Please use 'Bot.getUpdates'", category=PTBUserWarning)


def parse_update(data: Any, bot: ExtBot[Any]) -> Update | None:
    """The Update in one raw update; None, logged with its JSON, when it cannot be parsed.

    Shared by both intakes, so that one bad update is skipped rather than retried forever.
    """
    try:
        update = Update.de_json(data, bot)
        bot.insert_callback_data(update)
    except Exception:
        update_id = data.get("update_id") if isinstance(data, dict) else None
        log.exception(
            "update %s cannot be parsed and is skipped: %s",
            update_id,
            json.dumps(data, ensure_ascii=False, default=str),
        )
        return None
    return update


def update_id_of(data: Any) -> int | None:
    """The update_id of a raw update, if it has one."""
    update_id = data.get("update_id") if isinstance(data, dict) else None
    return update_id if isinstance(update_id, int) else None


def same_album(update: Update, following: Update) -> bool:
    """Whether two updates are items of one album (media group) sent to the bot."""
    message, other = update.message, following.message
    return (
        message is not None
        and other is not None
        and message.media_group_id is not None
        and message.media_group_id == other.media_group_id
    )


async def handle_batch(app: XunchaApplication, batch: list[Update]) -> int | None:
    """Handle a batch; return the id of the first update that could not be committed."""
    by_chat: dict[int, list[Update]] = defaultdict(list)
    for update in batch:
        by_chat[chat_key(update)].append(update)
    at_once = asyncio.Semaphore(CHATS_AT_ONCE)

    async def handle_chat(updates: list[Update]) -> int | None:
        async with at_once:
            for index, update in enumerate(updates):
                # Each chat runs in its own task (gather), so the mark stays with this update.
                follows = index + 1 < len(updates) and same_album(update, updates[index + 1])
                album_follows.set(follows)
                try:
                    await app.process_update(update)
                except UpdateNotProcessed:
                    log.error(
                        "update %s not committed; it will be fetched again", update.update_id
                    )
                    return update.update_id
        return None

    results = await asyncio.gather(*(handle_chat(u) for u in by_chat.values()))
    failed = [update_id for update_id in results if update_id is not None]
    return min(failed) if failed else None


async def retry_with_backoff(
    call: Callable[[], Awaitable[object]],
    *,
    what: str,
    stopping: asyncio.Event,
    retry_on: tuple[type[Exception], ...],
    final: tuple[type[Exception], ...] = (),
) -> Exception | None:
    """Call until it succeeds, waiting 1 s, 2 s, … (up to MAX_BACKOFF_SECONDS, cut short by a
    stop) after each failure of a `retry_on` kind; `final` kinds are raised at once.

    None on success; the last failure when a stop was asked for before a success.
    """
    backoff = 1.0
    while True:
        try:
            await call()
            return None
        except final:
            raise
        except retry_on as exc:
            failure = exc
        log.warning("%s failed: %s; retrying in %.0fs", what, failure, backoff)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), backoff)
        if stopping.is_set():
            return failure
        backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)


class Poller:
    """Fetches updates with getUpdates and feeds them to the application."""

    def __init__(self, app: XunchaApplication, *, timeout: int = 25) -> None:
        self.app = app
        self.timeout = timeout
        self.offset: int | None = None
        self._stopping = asyncio.Event()
        self._abandoned = False
        self.handling = False

    def stop(self) -> None:
        """Ask the loop to end after the batch in hand."""
        self._stopping.set()

    def abandon(self) -> None:
        """End without a last getUpdates (another process leads now: a call from here would
        end its long poll with a 409)."""
        self._abandoned = True
        self._stopping.set()

    async def _get_updates(self, **params: Any) -> list[Any]:
        """getUpdates, answered as raw JSON (see the module's docstring)."""
        timeout = params.get("timeout", 0)
        try:
            result = await self.app.bot.do_api_request(
                "getUpdates",
                api_kwargs={key: value for key, value in params.items() if value is not None},
                read_timeout=timeout + READ_TIMEOUT_MARGIN,
            )
        except EndPointNotFound as exc:
            # getUpdates exists: do_api_request says "not found" for a token Telegram refused.
            raise InvalidToken(str(exc)) from exc
        return list(result) if isinstance(result, list) else []

    async def _fetch(self) -> list[Any] | None:
        """One getUpdates call, abandoned if a stop is requested meanwhile."""
        fetch = asyncio.create_task(
            self._get_updates(
                offset=self.offset, timeout=self.timeout, allowed_updates=list(Update.ALL_TYPES)
            )
        )
        stopping = asyncio.create_task(self._stopping.wait())
        done, _ = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if fetch not in done:
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await fetch
            return None
        return list(fetch.result())

    async def _leave_webhook_mode(self) -> None:
        """Remove a webhook left by webhook mode: getUpdates answers 409 while one is set.

        Pending updates are kept: they are fetched by getUpdates next.
        """
        info = await self.app.bot.get_webhook_info()
        if info.url:
            log.info("a webhook is set (%s); deleting it to use long polling", info.url)
            await self.app.bot.delete_webhook(drop_pending_updates=False)

    async def run(self) -> None:
        """Poll until stopped; updates are confirmed only once committed."""
        if not self._stopping.is_set():
            await retry_with_backoff(
                self._leave_webhook_mode,
                what="getWebhookInfo",
                stopping=self._stopping,
                retry_on=(NetworkError, TelegramError),
                final=(InvalidToken,),
            )
        self.app.metrics.intake_started()
        backoff = 1.0
        conflicts = 0
        while not self._stopping.is_set():
            try:
                fetched_raw = await self._fetch()
            except InvalidToken:
                raise
            except Conflict as exc:
                conflicts += 1
                if conflicts >= MAX_CONFLICTS:
                    raise
                log.warning("getUpdates: %s; retrying in %.0fs", exc, backoff)
                await self._pause(backoff)
                continue
            except (NetworkError, TelegramError) as exc:
                log.warning("getUpdates failed: %s; retrying in %.0fs", exc, backoff)
                await self._pause(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            if fetched_raw is None:
                # Abandoned for a stop: no answer from Telegram.
                continue
            # /readyz: Telegram answered (bot/health.py).
            self.app.metrics.intake_succeeded()
            raw = fetched_raw
            backoff, conflicts = 1.0, 0
            fetched = [i for i in map(update_id_of, raw) if i is not None]
            if not fetched:
                continue
            self.handling = True
            try:
                parsed = (parse_update(data, self.app.bot) for data in raw)
                batch = [update for update in parsed if update is not None]
                failed = await handle_batch(self.app, batch)
            finally:
                self.handling = False
            if failed is None:
                self.offset = max(fetched) + 1
            else:
                self.offset = failed
                await self._pause(backoff)
        if not self._abandoned:
            await self._confirm()

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake up at once on stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _confirm(self) -> None:
        """Tell Telegram which updates are done, so a restart does not fetch them again."""
        if self.offset is None:
            return
        with contextlib.suppress(TelegramError):
            await self._get_updates(offset=self.offset, timeout=0, limit=1)
