"""BotApiEmulator: a local Telegram Bot API server plus the simulation API tests drive."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, TypedDict

from emulator.faults import Fault
from emulator.limits import FloodConfig
from emulator.models import RequestRecord
from emulator.server import ApiServer
from emulator.simulation import Simulator
from emulator.state import EmulatorState
from emulator.webhook import Delivery


class PtbUrls(TypedDict):
    """Keyword arguments for telegram.Bot(...) that point it at the emulator."""

    base_url: str
    base_file_url: str


class BotApiEmulator(Simulator):
    """A Bot API server on loopback that PTB talks to, and the people on the other side."""

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        enforce_limits: bool = False,
        flood_limits: bool = False,
        bot_first_name: str = "Xuncha Test Bot",
        bot_username: str = "xuncha_test_bot",
        webhook_retry_delay: float = 0.5,
    ) -> None:
        """Configure; nothing listens until start() (or `async with`)."""
        super().__init__(
            EmulatorState(
                token,
                enforce_limits=enforce_limits,
                flood_limits=flood_limits,
                bot_first_name=bot_first_name,
                bot_username=bot_username,
            )
        )
        self.host = host
        self._port = port
        self.server = ApiServer(self.state, webhook_retry_delay)

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> BotApiEmulator:
        """Start serving on the running event loop."""
        self.state.closing = False
        self._port = await self.server.start(self.host, self._port)
        return self

    async def stop(self) -> None:
        """Stop serving; waiting long polls and held requests are let go first."""
        await self.server.stop()

    async def __aenter__(self) -> BotApiEmulator:
        """Start on entering `async with`."""
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop on leaving `async with`."""
        await self.stop()

    # -- addresses --------------------------------------------------------------------------

    @property
    def token(self) -> str:
        """The bot token the server accepts."""
        return self.state.token

    @property
    def port(self) -> int:
        """The port served on (the real one once started with port=0)."""
        return self._port

    @property
    def base_url(self) -> str:
        """The server root, e.g. http://127.0.0.1:PORT (PTB's base_url is this plus /bot)."""
        return f"http://{self.host}:{self._port}"

    def bot_kwargs(self) -> PtbUrls:
        """base_url and base_file_url for telegram.Bot / ApplicationBuilder."""
        return {"base_url": f"{self.base_url}/bot", "base_file_url": f"{self.base_url}/file/bot"}

    # -- limits -----------------------------------------------------------------------------

    @property
    def enforce_limits(self) -> bool:
        """Whether text/caption/callback_data/keyboard limits are enforced."""
        return self.state.enforce_limits

    @enforce_limits.setter
    def enforce_limits(self, value: bool) -> None:
        """Switch content limits."""
        self.state.enforce_limits = value

    @property
    def flood_limits(self) -> bool:
        """Whether flood control answers 429 (30/s overall, 1/s per private chat, 20/min/group)."""
        return self.state.flood_limits

    @flood_limits.setter
    def flood_limits(self, value: bool) -> None:
        """Switch flood control."""
        self.state.flood_limits = value

    @property
    def flood_config(self) -> FloodConfig:
        """The flood-control windows (mutable)."""
        return self.state.flood_config

    # -- faults -----------------------------------------------------------------------------

    def inject(
        self,
        method: str | None = "sendMessage",
        kind: str = "5xx",
        times: int | None = 1,
        delay: float = 0.0,
        chat_id: int | str | None = None,
        retry_after: int = 1,
    ) -> Fault:
        """Make the next `times` calls of `method` (None: any) fail.

        kind: "5xx" (502 Bad Gateway), "429" (with retry_after), "slow" (performs the action,
        then waits `delay` seconds before answering), "drop" (closes the connection without
        performing the action), "lost" (performs the action, then closes without answering).
        """
        return self.server.faults.add(Fault(method, kind, times, delay, chat_id, retry_after))

    def clear_faults(self) -> None:
        """Remove all injected faults."""
        self.server.faults.clear()

    def hold(self, method: str | None = "sendMessage") -> None:
        """Make requests of `method` (None: all) wait until release()."""
        self.server.holds.hold(method)

    def release(self, method: str | None = None, *, drop: bool = False) -> None:
        """Let held requests of `method` (None: all) proceed; drop=True closes them unperformed."""
        self.server.holds.release(method, drop=drop)

    @property
    def held(self) -> int:
        """How many requests are waiting on a hold right now."""
        return self.server.holds.waiting

    # -- request log ------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request received: time, method, params, status (None while in progress)."""
        return self.server.requests

    def requests_of(self, method: str) -> list[RequestRecord]:
        """The logged requests of one method (case-insensitive)."""
        return [r for r in self.server.requests if r.method.lower() == method.lower()]

    async def wait_for_request(
        self,
        method: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - the emulator's API takes plain timeouts
        *,
        since: int | None = None,
    ) -> RequestRecord:
        """Wait until the bot issues a request of `method`; return its record.

        Only requests logged at index `since` or later count; by default, only requests
        arriving after this call.
        """
        start = len(self.server.requests) if since is None else since
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for record in self.server.requests[start:]:
                if record.method.lower() == method.lower():
                    return record
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = [r.method for r in self.server.requests[start:]][-20:]
                raise TimeoutError(f"no {method} request within {timeout}s; saw {seen}")
            await self.state.wait_changed(remaining)

    # -- bot-side settings ------------------------------------------------------------------

    @property
    def webhook(self) -> dict[str, Any] | None:
        """The webhook set by the bot (url, secret_token, ...), or None."""
        return self.state.webhook

    @property
    def webhook_deliveries(self) -> list[Delivery]:
        """Every attempt to POST an update to the webhook: update_id, status, error."""
        return self.server.webhook.deliveries

    def my_commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The commands the bot set for a scope and language."""
        import json

        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        return list(self.state.commands.get(key, []))
