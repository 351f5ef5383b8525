"""The bot service: starts and stops the application, the intake and the outbox sender."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from types import TracebackType

from telegram import BotCommandScopeAllPrivateChats
from telegram.error import TelegramError

from bot.app import build_application
from bot.application import XunchaApplication
from bot.config import Settings
from bot.health import HealthEndpoint, HealthServer
from bot.intake import Poller
from bot.leader import Role, RoleWatch
from bot.ratelimit import RateLimits
from bot.sender import OutboxSender
from bot.webhook import WebhookServer
from handlers.i18n import LANGUAGES
from handlers.menu import private_commands
from storage import lost_chats, outbox
from storage.clock import Clock, SystemClock
from storage.db import Database
from storage.migrate import upgrade_async

log = logging.getLogger(__name__)


class BotService:
    """Starts and stops everything a bot process runs."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        limits: RateLimits | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.limits = limits
        self.database: Database | None = None
        self.app: XunchaApplication | None = None
        self.poller: Poller | None = None
        self.webhook: WebhookServer | None = None
        self.sender: OutboxSender | None = None
        # The endpoint's own server (METRICS_LISTEN), unless it shares the webhook's.
        self.health: HealthServer | None = None
        self._endpoint: HealthEndpoint | None = None
        self._tasks: list[asyncio.Task[None]] = []
        # This process's role among replicas (bot/leader.py); subscribe to hear of changes.
        self.role = RoleWatch()

    async def start(self) -> None:
        """Migrate the database, start the application, the sender and the intake."""
        await upgrade_async(self.settings.database_url)
        self.database = Database(self.settings.database_url)
        self.app = build_application(self.settings, database=self.database, clock=self.clock)
        await self.app.initialize()
        await self._publish_commands()
        await self.app.start()
        await self._start_health()
        self.sender = OutboxSender(
            database=self.database,
            bot=self.app.bot,
            clock=SystemClock(),
            wakeup=self.app.outbox_wakeup,
            limits=self.limits,
        )
        sender = asyncio.create_task(self.sender.run(), name="outbox-sender")
        try:
            intake = await self._start_intake()
        except BaseException:
            sender.cancel()
            with contextlib.suppress(BaseException):
                await sender
            await self._stop_health()
            await self.app.stop()
            await self.app.shutdown()
            await self.database.dispose()
            self.app, self.database, self.poller, self.webhook = None, None, None, None
            raise
        self._tasks = [sender, intake]
        self.role.change(Role.leader, "the only process (no election yet)")
        if self.webhook is not None:
            log.info(
                "bot @%s is running in webhook mode: %s (listening on %s:%s)",
                self.app.bot.username,
                self.settings.webhook_url,
                self.webhook.host,
                self.webhook.port,
            )
        else:
            log.info("bot @%s is running in polling mode (getUpdates)", self.app.bot.username)

    async def _start_intake(self) -> asyncio.Task[None]:
        """The webhook server when WEBHOOK_URL is set, else the long-polling loop."""
        assert self.app is not None
        if self.settings.webhook_mode:
            shared = self._endpoint.routes() if self._endpoint and not self.health else []
            self.webhook = WebhookServer(self.app, self.settings, routes=shared)
            await self.webhook.start()
            return asyncio.create_task(self.webhook.run(), name="intake")
        self.poller = Poller(self.app, timeout=self.settings.poll_timeout)
        return asyncio.create_task(self.poller.run(), name="intake")

    async def _start_health(self) -> None:
        """The health and metrics endpoint, when METRICS_LISTEN is set: on a server of its own,
        or (the same address as WEBHOOK_LISTEN) on the webhook's, which starts with the intake."""
        assert self.app is not None
        if not self.settings.metrics_on:
            return
        self._endpoint = HealthEndpoint(self.app, self.settings, role=self.role)
        if self.settings.metrics_shares_webhook:
            return
        server = HealthServer(
            self._endpoint, host=self.settings.metrics_host, port=self.settings.metrics_port
        )
        await server.start()
        self.health = server

    async def _stop_health(self) -> None:
        """Stop the endpoint's own server, if it has one."""
        if self.health is not None:
            await self.health.stop()
            self.health = None
        self._endpoint = None

    async def _publish_commands(self) -> None:
        """Show the command menu in private chats, in each language."""
        assert self.app is not None
        try:
            for language in LANGUAGES:
                await self.app.bot.set_my_commands(
                    private_commands(language),
                    scope=BotCommandScopeAllPrivateChats(),
                    language_code=None if language == self.settings.default_language else language,
                )
        except TelegramError as exc:
            log.warning("could not publish the command menu: %s", exc)

    async def stop(self) -> None:
        """Finish the updates in hand, confirm them, and shut down (a webhook stays set)."""
        if self.poller is not None:
            self.poller.stop()
        if self.webhook is not None:
            self.webhook.stop()
        if self._tasks:
            intake = self._tasks[1]
            with contextlib.suppress(Exception):
                await asyncio.wait_for(intake, timeout=30)
            sender = self._tasks[0]
            sender.cancel()
            with contextlib.suppress(BaseException):
                await sender
        # After the intake and the sender: /readyz and /metrics answer while they wind down.
        await self._stop_health()
        if self.app is not None:
            if self.app.running:
                await self.app.stop()
            await self.app.shutdown()
        if self.database is not None:
            await self.database.dispose()
        self._tasks = []

    async def idle(self) -> bool:
        """Whether no update is being handled and nothing queued is unsent."""
        intake = self.poller or self.webhook
        if intake is None or self.sender is None or self.database is None:
            return False
        if intake.handling or self.sender.busy:
            return False
        async with self.database.transaction() as session:
            summary = await outbox.counts(session=session, failures=0)
        # Rows waiting for a chat the bot was removed from are not being sent.
        return summary.pending == summary.waiting

    async def wait(self) -> None:
        """Wait until the intake ends (on stop, or on a fatal error)."""
        if self._tasks:
            await self._tasks[1]

    async def __aenter__(self) -> BotService:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


async def run_bot(settings: Settings) -> None:
    """Run the bot (long polling, or webhook mode when WEBHOOK_URL is set) until SIGINT/SIGTERM."""
    runtime = BotService(settings)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    await runtime.start()
    try:
        intake = asyncio.ensure_future(runtime.wait())
        stop_wait = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({intake, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
        stop_wait.cancel()
        if intake.done():
            intake.result()
    finally:
        log.info("stopping")
        await runtime.stop()


async def outbox_report(settings: Settings) -> str:
    """A short text of the outbox's state for operators."""
    await upgrade_async(settings.database_url)
    database = Database(settings.database_url)
    try:
        async with database.transaction() as session:
            summary = await outbox.counts(session=session)
            lost = await lost_chats.lost_chats(session=session)
    finally:
        await database.dispose()
    lines = [f"pending {summary.pending}, failed {summary.failed}, sent {summary.sent}"]
    for row in summary.latest_failures:
        lines.append(
            f"  #{row.id} chat {row.chat_id} at {row.sent_at:%Y-%m-%d %H:%M}: {row.last_error}"
        )
    # Linked chats the bot was removed from: their rows wait until it is back.
    for chat in lost:
        lines.append(
            f"lost chat {chat.chat_id}: {chat.target} {chat.name} (round {chat.round_code}) "
            f"since {chat.lost_at:%Y-%m-%d %H:%M}, {chat.waiting} waiting"
        )
    return "\n".join(lines)
