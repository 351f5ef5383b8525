"""Webhook intake: Telegram POSTs updates to us, confirmed only once their effects are committed.

The same guarantees as the long-polling loop (bot/intake.py):

- an update is answered 200 only after the Application committed it; when it could not be
  committed (UpdateNotProcessed) the answer is 500 and Telegram delivers it again, and the
  processed_update table makes that second delivery change nothing;
- updates of one chat are handled strictly in the order they arrive, other chats side by side;
  after a chat's update failed, its later updates are refused too (500) until the failed one
  has been committed, so a redelivery cannot be overtaken;
- an update the library cannot parse is logged with its JSON and answered 200 (changing
  nothing), as polling skips it: a 500 would have Telegram deliver it again and again;
- stopping answers what is in hand and keeps the webhook set: Telegram holds updates while the
  bot is down and delivers them when it is back.

Requests must carry WEBHOOK_SECRET in X-Telegram-Bot-Api-Secret-Token (checked in constant
time); anything else is refused before it is read.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from aiohttp import web
from telegram import Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

from bot.application import UpdateNotProcessed, XunchaApplication
from bot.config import Settings
from bot.intake import chat_key, parse_update, retry_with_backoff, update_id_of
from console.app import add_routes
from console.context import Console

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram sends at most 40 concurrent requests by default; bodies are small.
MAX_BODY = 4 * 1024 * 1024
# How long a chat's failed update holds back the chat's later ones (Telegram retries sooner).
HOLD_SECONDS = 300.0
# How long stop() waits for requests in hand (BotService.stop gives the intake 30 s).
DRAIN_SECONDS = 25.0


def _ok() -> web.Response:
    """The answer to an update that is done with."""
    return web.Response(text=json.dumps({"ok": True}), content_type="application/json")


@dataclass
class _ChatTurn:
    """The queue of one chat's requests: a FIFO lock and how many requests use it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0
    # The update that could not be committed, and since when (monotonic).
    failed_update: int | None = None
    failed_at: float = 0.0


class WebhookServer:
    """An aiohttp server that receives Telegram's POSTs and feeds the Application."""

    def __init__(
        self,
        app: XunchaApplication,
        settings: Settings,
        *,
        routes: Sequence[web.RouteDef] = (),
        console: Console | None = None,
    ) -> None:
        """Serve settings.webhook_path on settings.webhook_listen for `app`, and `routes` (the
        health endpoint's, when METRICS_LISTEN is the same address; bot/health.py), and the
        console's when given (CONSOLE_URL in webhook mode)."""
        self.app = app
        self._routes = list(routes)
        self.console = console
        self.url = settings.webhook_url
        self.path = settings.webhook_path
        self.host = settings.webhook_host
        self.port = settings.webhook_port
        self._secret = settings.webhook_secret.encode()
        self._chats: dict[int, _ChatTurn] = {}
        self._in_flight = 0
        self._drained = asyncio.Event()
        self._drained.set()
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None

    @property
    def handling(self) -> bool:
        """Whether a request is being handled right now."""
        return self._in_flight > 0

    def make_app(self) -> web.Application:
        """The aiohttp application: one POST route, WEBHOOK_URL's path (and any others given)."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._handle)
        app.router.add_routes(self._routes)
        if self.console is not None:
            add_routes(app, self.console)
        return app

    async def start(self) -> None:
        """Listen, then ask Telegram to deliver to WEBHOOK_URL (nothing pending is dropped)."""
        # handler_cancellation=False: a client that hangs up does not cancel a handler
        # half-way; the update is committed or not, and a redelivery sorts out the rest.
        runner = web.AppRunner(
            self.make_app(), access_log=None, handler_cancellation=False, shutdown_timeout=5.0
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
            if self.port == 0:
                self.port = int(runner.addresses[0][1])
            await self._set_webhook()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.app.metrics.intake_started()
        log.info(
            "webhook set to %s; listening on %s:%s%s", self.url, self.host, self.port, self.path
        )

    async def _set_webhook(self) -> None:
        """setWebhook, tried again with backoff while Telegram cannot be reached (as polling
        does); a refusal (a bad URL, say) is final."""

        async def set_webhook() -> None:
            await self.app.bot.set_webhook(
                url=self.url,
                secret_token=self._secret.decode(),
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
            )

        failure = await retry_with_backoff(
            set_webhook,
            what="setWebhook",
            stopping=self._stopping,
            retry_on=(NetworkError, RetryAfter),
            # BadRequest is a NetworkError in PTB: it must be named here to be final.
            final=(BadRequest, InvalidToken, Forbidden),
        )
        if failure is not None:
            raise failure

    def stop(self) -> None:
        """Ask run() to end: requests in hand are finished, new ones are refused (503)."""
        self._stopping.set()

    async def run(self) -> None:
        """Serve until stopped, then finish the requests in hand and close (webhook kept)."""
        try:
            await self._stopping.wait()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._drained.wait(), DRAIN_SECONDS)
        finally:
            if self._runner is not None:
                await self._runner.cleanup()
                self._runner = None

    # -- one request ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        """Answer one POST from Telegram: 200 only once the update is committed."""
        if self._stopping.is_set():
            return web.Response(status=503, text="shutting down")
        self._in_flight += 1
        self._drained.clear()
        try:
            response = await self._receive(request)
            if response.status == 200:
                # /readyz: updates reach us (bot/health.py).
                self.app.metrics.intake_succeeded()
            return response
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._drained.set()

    async def _receive(self, request: web.Request) -> web.Response:
        """Check the secret, parse the update, hand it to the application in its chat's turn."""
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            log.warning(
                "webhook request from %s without the secret token: refused", request.remote
            )
            return web.Response(status=401, text="unauthorized")
        # surrogateescape: a header of bytes that are not UTF-8 is just a wrong secret.
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self._secret):
            log.warning(
                "webhook request from %s with a wrong secret token: refused", request.remote
            )
            return web.Response(status=403, text="forbidden")
        try:
            data = await request.json()
            if update_id_of(data) is None:
                raise ValueError("not a JSON object with an update_id")
        except Exception as exc:
            log.warning("webhook request from %s with a bad body: %s", request.remote, exc)
            return web.Response(status=400, text="bad update")
        update = parse_update(data, self.app.bot)
        if update is None:
            return _ok()
        async with self._turn(chat_key(update)) as turn:
            return await self._process(update, turn)

    async def _process(self, update: Update, turn: _ChatTurn) -> web.Response:
        """Process one update inside its chat's turn."""
        held = turn.failed_update
        if held is not None and update.update_id > held:
            if time.monotonic() - turn.failed_at < HOLD_SECONDS:
                log.info(
                    "update %s waits for update %s of the same chat; asking for it again",
                    update.update_id,
                    held,
                )
                return web.Response(status=500, text="an earlier update is pending")
            turn.failed_update = None
        try:
            await self.app.process_update(update)
        except UpdateNotProcessed:
            log.error("update %s not committed; Telegram will deliver it again", update.update_id)
            self._hold(turn, update.update_id)
            return web.Response(status=500, text="not committed")
        except Exception:
            log.exception("update %s failed; Telegram will deliver it again", update.update_id)
            self._hold(turn, update.update_id)
            return web.Response(status=500, text="failed")
        if held is not None and update.update_id == held:
            # Only the held update itself releases the chat (an older redelivery does not).
            turn.failed_update = None
        return _ok()

    @staticmethod
    def _hold(turn: _ChatTurn, update_id: int) -> None:
        """Remember a chat's failed update so its later updates cannot overtake it."""
        if turn.failed_update is None or update_id <= turn.failed_update:
            # Failing again (a database that is still down) keeps the hold fresh.
            turn.failed_update = update_id
            turn.failed_at = time.monotonic()

    @contextlib.asynccontextmanager
    async def _turn(self, key: int) -> AsyncIterator[_ChatTurn]:
        """Wait for the chat's earlier requests (asyncio.Lock is first come, first served)."""
        turn = self._chats.get(key)
        if turn is None:
            turn = self._chats[key] = _ChatTurn()
        turn.users += 1
        try:
            async with turn.lock:
                yield turn
        finally:
            turn.users -= 1
            if turn.users == 0 and turn.failed_update is None:
                self._chats.pop(key, None)
