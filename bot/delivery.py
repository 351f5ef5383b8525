"""Making one Bot API call of an outbox row and telling what became of it."""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import (
    Bot,
    InputFile,
    InputMedia,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from handlers.calls import Call

# do_api_request warns when a dedicated Bot method exists; the outbox deliberately stores
# plain Bot API calls so that rows stay JSON and independent of PTB's classes.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)

# Network errors and 5xx are retried with backoff this many times, then given up.
MAX_ATTEMPTS = 12
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 300.0


@dataclass(frozen=True)
class Delivery:
    """What became of one attempt to make a Bot API call."""

    # "sent", "retry", "failed", "migrated" (the chat has a new id: send it there), "forbidden"
    # (403: the bot is not in the chat; its rows wait if the chat is linked, else it fails).
    kind: str
    error: str | None = None
    retry_in: float = 0.0
    message_id: int | None = None
    # "migrated": the supergroup the group chat was upgraded to.
    new_chat_id: int | None = None


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with full jitter for the n-th failed attempt."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * (2 ** max(attempts - 1, 0)))
    return random.uniform(ceiling / 2, ceiling)


_INPUT_MEDIA: dict[str, Callable[..., InputMedia]] = {
    "photo": InputMediaPhoto,
    "video": InputMediaVideo,
    "audio": InputMediaAudio,
    "document": InputMediaDocument,
}


def _api_kwargs(call: Call) -> dict[str, Any]:
    """The call's parameters as PTB takes them: a media list must be InputMedia objects."""
    params = dict(call.params)
    media = params.get("media")
    if isinstance(media, list):
        # PTB sets parse_mode on every item of "media" and fails on plain dicts.
        params["media"] = [
            _INPUT_MEDIA[item["type"]](
                media=item["media"],
                caption=item.get("caption"),
                parse_mode=item.get("parse_mode"),
            )
            for item in media
        ]
    for key, value in params.items():
        # {"local_file": PATH, "filename": NAME?}: a file on this machine (an export, a chart),
        # uploaded; files cannot ride in the JSON outbox. OSError if it is gone (see deliver).
        if isinstance(value, dict) and "local_file" in value:
            path = Path(value["local_file"])
            params[key] = InputFile(path.read_bytes(), filename=value.get("filename") or path.name)
    return params


def _retry_after_seconds(exc: RetryAfter) -> float:
    """RetryAfter carries an int or a timedelta depending on PTB's settings."""
    with warnings.catch_warnings():
        # PTB 22 warns that the type will change; both types are handled here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


async def deliver(bot: Bot, call: Call, *, attempts: int = 0) -> Delivery:
    """Make one Bot API call and classify the result."""
    try:
        api_kwargs = _api_kwargs(call)
    except OSError as exc:
        # A local file that is gone: trying again will not bring it back.
        return Delivery("failed", f"local file: {exc}")
    try:
        result = await bot.do_api_request(call.method, api_kwargs=api_kwargs)
    except RetryAfter as exc:
        return Delivery("retry", f"429: {exc.message}", _retry_after_seconds(exc))
    except Forbidden as exc:
        return Delivery("forbidden", f"403: {exc.message}")
    except ChatMigrated as exc:
        # A group upgraded to a supergroup: the row (and the chat's link) moves there.
        return Delivery(
            "migrated", f"chat migrated to {exc.new_chat_id}", new_chat_id=int(exc.new_chat_id)
        )
    except BadRequest as exc:
        if "message is not modified" in exc.message.lower():
            return Delivery("sent")
        return Delivery("failed", f"400: {exc.message}")
    except NetworkError as exc:
        # Includes timeouts and 5xx answers.
        if attempts + 1 >= MAX_ATTEMPTS:
            return Delivery("failed", f"gave up after {MAX_ATTEMPTS} attempts: {exc.message}")
        return Delivery("retry", f"network: {exc.message}", backoff_seconds(attempts + 1))
    except TelegramError as exc:
        return Delivery("failed", f"telegram: {exc.message}")
    message_id = result.get("message_id") if isinstance(result, dict) else None
    return Delivery("sent", message_id=message_id)
