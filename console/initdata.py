"""The check of a Telegram Mini App's init data, as Telegram documents it.

https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app: the
data-check-string is every received field but `hash`, as `key=value`, sorted by key and joined
by newlines; the secret key is HMAC-SHA256 of the bot token with the key "WebAppData"; the
data is genuine when `hash` is the hex HMAC-SHA256 of the data-check-string with that secret.
`auth_date` (Unix seconds) says when it was signed: older than MAX_AGE is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

MAX_AGE = timedelta(hours=1)


@dataclass(frozen=True)
class MiniAppUser:
    """Who opened the Mini App, as Telegram signed it."""

    id: int
    first_name: str
    language_code: str | None
    auth_date: datetime
    # A Mini App opened from a t.me/<bot>/<app>?startapp=CHAT link: the chat it names.
    start_param: str | None = None


class InitDataError(ValueError):
    """Init data that is not Telegram's, or too old; str() says which (for the log)."""


def secret_key(bot_token: str) -> bytes:
    """HMAC-SHA256 of the bot token, keyed with "WebAppData"."""
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    """Every field but the hash, as key=value, sorted, joined by newlines."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """The hash Telegram puts on these fields."""
    check = data_check_string(fields).encode()
    return hmac.new(secret_key(bot_token), check, hashlib.sha256).hexdigest()


def check_init_data(
    init_data: str, bot_token: str, *, now: datetime, max_age: timedelta = MAX_AGE
) -> MiniAppUser:
    """The user of genuine, fresh init data (the query string Telegram.WebApp.initData);
    InitDataError otherwise."""
    fields = dict(parse_qsl(init_data, keep_blank_values=True, strict_parsing=False))
    given = fields.get("hash", "")
    if not given or not bot_token:
        raise InitDataError("no hash in the init data")
    if not hmac.compare_digest(sign(fields, bot_token), given.lower()):
        raise InitDataError("the hash does not match: not signed with this bot's token")
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError) as exc:
        raise InitDataError(f"incomplete init data ({exc!r})") from exc
    if now - signed_at > max_age:
        raise InitDataError(f"stale init data, signed at {signed_at:%Y-%m-%d %H:%M:%S} UTC")
    if signed_at - now > timedelta(minutes=5):
        raise InitDataError("init data signed in the future")
    return MiniAppUser(
        id=user_id,
        first_name=str(user.get("first_name", "")),
        language_code=user.get("language_code"),
        auth_date=signed_at,
        start_param=fields.get("start_param") or None,
    )
