"""The console in tests: a running bot with the console on, a browser-like HTTP client with its
own cookies, login links as `/console` and `xuncha console-link` issue them, and Mini App init
data signed as Telegram documents it."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

from storage import console
from tests.helpers.harness import TOKEN, BotHarness, free_port, running_bot

CONSOLE_PATH = "/console"


def console_settings(port: int | None = None) -> dict[str, Any]:
    """Settings overrides that serve the console on a free loopback port."""
    port = port or free_port()
    return {
        "console_url": f"http://127.0.0.1:{port}{CONSOLE_PATH}",
        "console_listen": f"127.0.0.1:{port}",
        # Nothing is fetched from the internet in tests.
        "map_tiles_url": "http://127.0.0.1:9/{z}/{x}/{y}.png",
    }


@asynccontextmanager
async def console_bot(tmp_path: Path, **overrides: Any) -> AsyncIterator[BotHarness]:
    """A running bot (emulator, fake clock) with the console on."""
    async with running_bot(tmp_path, **{**console_settings(), **overrides}) as harness:
        yield harness


class Browser:
    """One browser: its own cookie jar; paths are under CONSOLE_URL."""

    def __init__(self, harness: BotHarness) -> None:
        self.root = harness.settings.console_url.rstrip("/")
        # unsafe: keep cookies of an IP address host (127.0.0.1).
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def get(self, path: str = "/") -> tuple[int, str]:
        """GET a console page: its status and text."""
        async with self.http.get(self.root + path) as answer:
            return answer.status, await answer.text()

    async def get_bytes(self, path: str) -> tuple[int, bytes, str]:
        """GET a file: status, body, content type."""
        async with self.http.get(self.root + path) as answer:
            return answer.status, await answer.read(), answer.content_type

    async def post(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        """POST a form (redirects followed): the final status and text."""
        async with self.http.post(self.root + path, data=data or {}) as answer:
            return answer.status, await answer.text()

    async def log_in(self, url_or_token: str) -> tuple[int, str]:
        """Open a login link and press its button: what the browser ends up on."""
        token = url_or_token.rstrip("/").rsplit("/", 1)[-1]
        status, _page = await self.get(f"/login/{token}")
        assert status == 200
        return await self.post(f"/login/{token}")

    def cookie(self) -> Any:
        """The session cookie, if the browser has one."""
        return next((c for c in self.http.cookie_jar if c.key == "xuncha_console"), None)

    async def close(self) -> None:
        """Close the connections."""
        await self.http.close()


@asynccontextmanager
async def browser(harness: BotHarness) -> AsyncIterator[Browser]:
    """A fresh browser, closed afterwards."""
    opened = Browser(harness)
    try:
        yield opened
    finally:
        await opened.close()


async def login_token(harness: BotHarness, target: str, target_id: int) -> str:
    """A one-time login link's token for a group, department or office (by id)."""
    async with harness.database.transaction() as session:
        return await console.issue_link(
            session=session, target=target, target_id=target_id, now=harness.clock.now()
        )


def init_data(user: dict[str, Any], signed_at: datetime, token: str = TOKEN, **extra: str) -> str:
    """Telegram.WebApp.initData for a user (and `extra` fields such as start_param), signed
    with the documented algorithm."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(signed_at.timestamp())),
        **extra,
    }
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)
