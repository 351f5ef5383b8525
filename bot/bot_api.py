"""How the bot reaches the Bot API: its address, its HTTP client and, where Telegram is
blocked, a proxy."""

from __future__ import annotations

import httpx
from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

from bot.aiohttp_request import AiohttpRequest
from bot.config import Settings

# Connections kept open between Bot API calls through a proxy (httpx). httpcore looks at every
# open connection, with a poll of its socket, each time a call starts or ends: with the 200 a
# crowd of residents opened (PTB keeps all of them), that was a sixth of the CPU of each call.
# A few dozen serve Telegram's 30 messages a second; a burst beyond them opens more, closed once
# idle. aiohttp's pool keeps idle connections in a queue and looks at none of them.
KEPT_CONNECTIONS = 16


def proxy_url(settings: Settings) -> str | None:
    """TELEGRAM_PROXY_URL for PTB's HTTPXRequest(proxy=...), or None."""
    return settings.telegram_proxy_url or None


def api_request(settings: Settings, pool_size: int) -> BaseRequest:
    """The running bot's HTTP client for up to `pool_size` calls at once: aiohttp's, or
    PTB's httpx one when TELEGRAM_PROXY_URL is set (httpx speaks socks5 as well)."""
    proxy = proxy_url(settings)
    if proxy is None:
        return AiohttpRequest(connection_pool_size=pool_size)
    limits = httpx.Limits(max_connections=pool_size, max_keepalive_connections=KEPT_CONNECTIONS)
    return HTTPXRequest(
        connection_pool_size=pool_size, proxy=proxy, httpx_kwargs={"limits": limits}
    )


def plain_bot(settings: Settings, token: str | None = None) -> Bot:
    """A Bot for one-off calls from the command line (getMe, getWebhookInfo, ...), through the
    same address and proxy as the running bot."""
    proxy = proxy_url(settings)
    return Bot(
        token if token is not None else settings.telegram_bot_token.strip(),
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        request=HTTPXRequest(proxy=proxy),
        get_updates_request=HTTPXRequest(proxy=proxy),
    )
