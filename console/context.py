"""What every console handler shares: the configuration, the console's services, the viewer
behind a request (from its session cookie), and the 403 that refuses one."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot

from console.render import page
from handlers.members import Members
from storage import console as store
from storage.clock import Clock
from storage.console import Viewer
from storage.db import Database

log = logging.getLogger("console")

DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
COOKIE = "xuncha_console"


@dataclass(frozen=True)
class ConsoleConfig:
    """What the console is configured with (from bot/config.py's settings)."""

    # CONSOLE_URL: where people reach it; its path is where the routes are.
    url: str
    bot_token: str
    map_tiles_url: str = DEFAULT_TILES
    default_language: str = "zh"

    @property
    def base(self) -> str:
        """The routes' prefix: CONSOLE_URL's path without the trailing slash."""
        return urlsplit(self.url).path.rstrip("/")

    @property
    def secure(self) -> bool:
        """Whether the session cookie is marked Secure (served over https)."""
        return urlsplit(self.url).scheme == "https"


@dataclass
class Console:
    """What the console's handlers need: the database, the bot (to ask Telegram), the clock."""

    config: ConsoleConfig
    database: Database
    bot: Bot
    clock: Clock
    members: Members
    # Set after a change queued outbox rows: the sender sends them now rather than later.
    outbox_wakeup: asyncio.Event

    def wake_sender(self) -> None:
        """Have the outbox sender look at the outbox now."""
        self.outbox_wakeup.set()


CONSOLE_KEY: web.AppKey[Console] = web.AppKey("console", Console)


def console_of(request: web.Request) -> Console:
    """The console serving a request."""
    return request.app[CONSOLE_KEY]


def forbidden(request: web.Request, why: str, language: str | None = None) -> web.Response:
    """403, logged with what was asked and why; the page says only that it is not allowed."""
    console = console_of(request)
    log.warning(
        "console: 403 for %s %s from %s: %s",
        request.method,
        request.path,
        request.remote,
        why,
    )
    return page(
        "forbidden.html",
        language or console.config.default_language,
        base=console.config.base,
        status=403,
    )


def refuse(request: web.Request, who: Viewer, number: str, what: str = "see") -> web.Response:
    """403 for a complaint the viewer may not see (or act on): unknown numbers alike."""
    return forbidden(
        request, f"{who.target} {who.target_id} may not {what} {number}", who.language
    )


async def viewer(request: web.Request) -> Viewer | None:
    """The viewer of the request's session cookie (None: no valid session)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    console = console_of(request)
    async with console.database.transaction() as session:
        return await store.session_viewer(session=session, token=token, now=console.clock.now())
