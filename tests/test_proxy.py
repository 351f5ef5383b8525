"""TELEGRAM_PROXY_URL: the bot reaches the Bot API through an http or socks5 proxy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import pytest
from telegram.request import HTTPXRequest

from bot.aiohttp_request import AiohttpRequest
from bot.app import build_application
from bot.bot_api import plain_bot
from bot.config import Settings
from bot.metrics import CountingRequest
from emulator import BotApiEmulator
from tests.helpers.harness import TOKEN


def proxy_of(request: object) -> object:
    """The proxy PTB gives httpx for this request object (the running bot's are counted)."""
    inner = request.inner if isinstance(request, CountingRequest) else request
    assert isinstance(inner, HTTPXRequest)
    return inner._client_kwargs["proxy"]


@pytest.mark.parametrize("proxy", ["http://127.0.0.1:7890", "socks5://127.0.0.1:1080"])
def test_the_proxy_reaches_both_request_objects_of_the_bot(proxy: str) -> None:
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN, telegram_proxy_url=proxy)
    for bot in (build_application(settings).bot, plain_bot(settings)):
        # getUpdates has a request object of its own.
        get_updates, other = bot._request
        assert proxy_of(get_updates) == proxy and proxy_of(other) == proxy


def test_without_a_proxy_the_bot_calls_through_aiohttp_and_one_off_calls_through_httpx() -> None:
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN)
    running = build_application(settings).bot._request
    assert all(
        isinstance(r, CountingRequest) and isinstance(r.inner, AiohttpRequest) for r in running
    )
    assert all(proxy_of(request) is None for request in plain_bot(settings)._request)


@pytest.mark.parametrize("wrong", ["127.0.0.1:7890", "ftp://host:21", "socks5://host"])
def test_a_proxy_url_that_is_not_one_is_refused(wrong: str) -> None:
    with pytest.raises(ValueError, match="TELEGRAM_PROXY_URL must look like"):
        Settings(_env_file=None, telegram_proxy_url=wrong)


@asynccontextmanager
async def http_proxy() -> AsyncIterator[tuple[str, list[str]]]:
    """A forwarding HTTP proxy on loopback (absolute-form requests, one per connection); yields
    its URL and the request lines it carried."""
    carried: list[str] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        request_line, *headers = head.rstrip("\r\n").split("\r\n")
        method, target, version = request_line.split(" ")
        carried.append(f"{method} {target}")
        length = next(
            (int(h.split(":", 1)[1]) for h in headers if h.lower().startswith("content-length")),
            0,
        )
        body = await reader.readexactly(length)
        url = urlsplit(target)
        upstream_reader, upstream_writer = await asyncio.open_connection(url.hostname, url.port)
        kept = [h for h in headers if not h.lower().startswith(("connection", "proxy-"))]
        path = url.path + (f"?{url.query}" if url.query else "")
        upstream_writer.write(
            "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close", "", ""]).encode(
                "latin-1"
            )
            + body
        )
        await upstream_writer.drain()
        writer.write(await upstream_reader.read())
        await writer.drain()
        upstream_writer.close()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", carried
    finally:
        server.close()
        await server.wait_closed()


async def test_an_http_proxy_carries_the_bots_calls() -> None:
    async with BotApiEmulator(token=TOKEN) as emu, http_proxy() as (proxy, carried):
        settings = Settings(
            _env_file=None,
            telegram_bot_token=TOKEN,
            telegram_api_base_url=emu.base_url,
            telegram_proxy_url=proxy,
        )
        async with plain_bot(settings) as bot:
            me = await bot.get_me()
    assert me.username == emu.bot_username
    assert f"POST {emu.base_url}/bot{TOKEN}/getMe" in carried
