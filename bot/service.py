"""The bot service: starts and stops the application, the intake and the outbox sender."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any

from telegram import BotCommandScopeAllPrivateChats
from telegram.error import TelegramError

from bot import jobs
from bot.app import build_application
from bot.application import XunchaApplication
from bot.config import Settings
from bot.election import Election, PostgresElection, election_for
from bot.health import HealthEndpoint, HealthServer
from bot.intake import Poller
from bot.leader import Role, RoleWatch
from bot.ratelimit import RateLimits
from bot.sender import OutboxSender
from bot.webhook import WebhookServer
from console.app import ConsoleServer
from console.context import Console, ConsoleConfig
from handlers.i18n import LANGUAGES
from handlers.members import members_of
from handlers.menu import private_commands
from storage import outbox
from storage.clock import Clock, SystemClock
from storage.db import Database
from storage.migrate import upgrade_async

log = logging.getLogger(__name__)


class BotService:
    """Starts and stops everything a bot process runs, and the leader's duties with its role.

    Every replica handles updates given to it (webhook mode) and keeps its role up to date
    (bot/election.py). Only the leader polls Telegram (polling mode), sends the outbox and runs
    the sweeps (bot/jobs.py asks `may_lead`); a process that loses the leadership stops them
    at once and stays a standby, ready to take over again.
    """

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
        # The console (CONSOLE_URL): on the webhook's server, or on a server of its own; every
        # replica serves it (it reads and writes through the database only).
        self.console: Console | None = None
        self.console_server: ConsoleServer | None = None
        # This process's role among replicas (bot/leader.py); subscribe to hear of changes.
        self.role = RoleWatch()
        self.election: Election | None = None
        self._sender_task: asyncio.Task[None] | None = None
        self._intake_task: asyncio.Task[None] | None = None
        self._election_task: asyncio.Task[None] | None = None
        self._leading: asyncio.Task[None] | None = None
        self._stopping = False
        # Set when the process must end: a fatal error of the intake (kept in _fatal) or stop.
        self._ended = asyncio.Event()
        self._fatal: BaseException | None = None

    def may_lead(self) -> bool:
        """Whether this process may act as the leader right now (send, poll, sweep)."""
        return self.election is not None and self.election.may_act()

    async def start(self) -> None:
        """Refuse a second process on SQLite, migrate, start the application and the election;
        the leader's duties start when the role is won (at once when the lock is free)."""
        self.election = election_for(self.role, self.settings.database_url)
        try:
            await upgrade_async(self.settings.database_url)
            self.database = Database(self.settings.database_url)
            self.app = build_application(
                self.settings, database=self.database, clock=self.clock, may_lead=self.may_lead
            )
            await self.app.initialize()
            await self._publish_commands()
            await self.app.start()
            await self._start_health()
            self.console = self._console()
            if self.console is not None and not self.settings.webhook_mode:
                self.console_server = ConsoleServer(
                    self.console, self.settings.console_host, self.settings.console_port
                )
                await self.console_server.start()
            if self.settings.webhook_mode:
                # Every replica takes the updates the load balancer gives it.
                shared = self._endpoint.routes() if self._endpoint and not self.health else []
                self.webhook = WebhookServer(
                    self.app, self.settings, routes=shared, console=self.console
                )
                await self.webhook.start()
                self._intake_task = self._watched(self.webhook.run(), "intake")
        except BaseException:
            await self._close()
            raise
        self.role.subscribe(self._on_role)
        if isinstance(self.election, PostgresElection):
            # One try at once: a free lock is taken before start() returns.
            await self.election.beat_once()
        self._election_task = self._watched(self.election.run(), "election")
        if self.role.is_leader:
            # Leading already: sender and polling are up when start() returns.
            self._on_role(Role.leader)
            if self._leading is not None:
                # Not `await`: a role lost meanwhile cancels it, and that must not end start().
                await asyncio.wait({self._leading})
        mode = "webhook mode" if self.webhook is not None else "polling mode (getUpdates)"
        log.info("bot @%s is running in %s as %s", self.app.bot.username, mode, self.role.role)
        if self.webhook is not None:
            log.info(
                "webhook: %s (listening on %s:%s)",
                self.settings.webhook_url,
                self.webhook.host,
                self.webhook.port,
            )

    def _watched(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """A task whose unexpected end (an error, or returning while we run) ends the process."""
        task = asyncio.create_task(work, name=name)

        def ended(done: asyncio.Task[None]) -> None:
            if done.cancelled() or self._stopping:
                return
            if done is self._intake_task or done is self._election_task:
                self._fatal = done.exception()
                self._ended.set()

        task.add_done_callback(ended)
        return task

    def _on_role(self, role: Role) -> None:
        """Start the leader's duties on winning the role; stop them at once on losing it."""
        if role is Role.leader:
            if self._leading is None or self._leading.done():
                self._leading = asyncio.create_task(self._lead(), name="leading")
            return
        self._halt()

    async def _lead(self) -> None:
        """The leader's duties: pacing from the database, the sender, polling."""
        assert self.app is not None and self.database is not None
        self.sender = OutboxSender(
            database=self.database,
            bot=self.app.bot,
            clock=SystemClock(),
            wakeup=self.app.outbox_wakeup,
            limits=self.limits or RateLimits(),
            may_send=self.may_lead,
        )
        try:
            counted = await self.sender.seed_pacing()
        except Exception:
            log.exception("could not read what was sent lately; pacing starts empty")
            counted = 0
        if not self.role.is_leader:
            return
        log.info("leading: %s calls of the last minute counted in the pacing", counted)
        if self.webhook is None:
            # Updates may be handled at once (a second handling changes nothing)...
            self.poller = Poller(self.app, timeout=self.settings.poll_timeout)
            self._intake_task = self._watched(self.poller.run(), "intake")
        # ...but sending waits until an old leader that has not noticed yet has stopped.
        assert self.election is not None
        quiet = self.election.quiet_until - time.monotonic()
        if quiet > 0:
            log.info("leading: the first send in %.1f s (the old leader's fence)", quiet)
            await asyncio.sleep(quiet)
        if not self.role.is_leader:
            return
        self._sender_task = asyncio.create_task(self.sender.run(), name="outbox-sender")
        # An update's replies go out right after its commit (the sender asks may_send too).
        self.app.sender = self.sender
        self.app.outbox_wakeup.set()
        jobs.sweep_soon(self.app)

    def _halt(self) -> None:
        """Stop sending now (an in-flight call is cut off; its row stays pending) and polling."""
        if self.app is not None:
            self.app.sender = None
        if self._leading is not None:
            self._leading.cancel()
        if self._sender_task is not None:
            self._sender_task.cancel()
            self._sender_task = None
        if self.poller is not None:
            self.poller.abandon()
            self._intake_task = None
            self.poller = None

    def _console(self) -> Console | None:
        """The console's services when CONSOLE_URL is set (docs/DESIGN.md "The console")."""
        if not self.settings.console_enabled:
            return None
        assert self.app is not None and self.database is not None
        config = ConsoleConfig(
            url=self.settings.console_url,
            bot_token=self.settings.telegram_bot_token,
            map_tiles_url=self.settings.map_tiles_url,
            default_language=self.settings.default_language,
        )
        return Console(
            config=config,
            database=self.database,
            bot=self.app.bot,
            clock=self.clock,
            members=members_of(self.app.bot_data),
            outbox_wakeup=self.app.outbox_wakeup,
        )

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
        self._stopping = True
        if self.poller is not None:
            self.poller.stop()
        if self.webhook is not None:
            self.webhook.stop()
        if self._intake_task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._intake_task, timeout=30)
        if self.app is not None:
            self.app.sender = None
        for task in (self._leading, self._sender_task, self._election_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        # After the intake and the sender: /readyz and /metrics answer while they wind down.
        await self._close()
        self._ended.set()

    async def _close(self) -> None:
        """Shut down the console, the health endpoint, the application, the database and the
        election."""
        if self.console_server is not None:
            await self.console_server.stop()
            self.console_server = None
        await self._stop_health()
        if self.app is not None:
            if self.app.running:
                await self.app.stop()
            await self.app.shutdown()
        if self.database is not None:
            await self.database.dispose()
        if self.election is not None:
            await self.election.close()
        self._leading = self._sender_task = self._intake_task = self._election_task = None

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
        """Wait until the process must end (on stop, or on a fatal error of the intake)."""
        await self._ended.wait()
        if self._fatal is not None:
            raise self._fatal

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


async def run_bot(settings: Settings, started: Callable[[str], None] | None = None) -> None:
    """Run the bot (long polling, or webhook mode when WEBHOOK_URL is set) until SIGINT/SIGTERM;
    `started` is told the bot's username once it runs."""
    runtime = BotService(settings)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    await runtime.start()
    # What start-up made (modules, PTB's and SQLAlchemy's objects, compiled statements) lives
    # as long as the process: the collector leaves it out of its full passes from now on.
    # Those passes walked it all: 3.6 % of the bot's CPU under a crowd's load, 1.3 % frozen
    # (issue 12, gc.callbacks timing bench/residents.py --scenario cpu).
    gc.collect()
    gc.freeze()
    if started is not None and runtime.app is not None:
        started(runtime.app.bot.username)
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
