"""How the bot reaches the Bot API: its address and, where Telegram is blocked, a proxy."""

from __future__ import annotations

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.config import Settings


def proxy_url(settings: Settings) -> str | None:
    """TELEGRAM_PROXY_URL for PTB's HTTPXRequest(proxy=...), or None."""
    return settings.telegram_proxy_url or None


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
