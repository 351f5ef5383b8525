"""Settings from the environment (and a .env file), named as in docs/DESIGN.md."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API = "https://api.telegram.org"
# Telegram's rule for setWebhook's secret_token.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def data_dir() -> Path:
    """The folder of the default database, the log file and a .env: XUNCHA_HOME, else ~/xuncha
    (one fixed place, whatever folder a command runs in)."""
    home = os.environ.get("XUNCHA_HOME", "").strip()
    return Path(home).expanduser().resolve() if home else Path.home() / "xuncha"


def default_database_url() -> str:
    """SQLite in the data folder."""
    return f"sqlite:///{data_dir() / 'xuncha.db'}"


class Settings(BaseSettings):
    """Everything the bot is configured with."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str = ""
    telegram_api_base_url: str = TELEGRAM_API
    database_url: str = Field(default_factory=default_database_url)
    # http://host:port or socks5://host:port: how the bot reaches the Bot API where Telegram is
    # reachable only through a proxy (PTB's HTTPXRequest(proxy=...), bot/bot_api.py).
    telegram_proxy_url: str = ""
    # The operators' Telegram user ids ("11,22"): they may /link a group chat without being its
    # administrator (handlers/group/linking.py).
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_language: str = "zh"
    webhook_url: str = Field(
        "",
        description=(
            "Public https URL Telegram POSTs updates to; when set, the bot runs in webhook mode "
            "instead of long polling. Its path is the route the bot's server answers."
        ),
    )
    webhook_secret: str = Field(
        "",
        description=(
            "Required with WEBHOOK_URL: Telegram sends it in X-Telegram-Bot-Api-Secret-Token "
            "and requests without it are refused. 1-256 characters of A-Z a-z 0-9 _ -."
        ),
    )
    webhook_listen: str = Field(
        "0.0.0.0:8443",
        description=(
            "host:port the webhook server binds (behind a reverse proxy that terminates TLS "
            "for WEBHOOK_URL)."
        ),
    )
    metrics_listen: str = Field(
        "",
        description=(
            "host:port of the health and metrics endpoint (/healthz, /readyz, /metrics; "
            "bot/health.py), e.g. 127.0.0.1:9090; empty: off. The same as WEBHOOK_LISTEN in "
            "webhook mode: served by the webhook's server."
        ),
    )
    console_url: str = Field(
        "",
        description=(
            "Where people reach the console (the round's web pages and Mini App), e.g. "
            "https://bot.example.org/console; the console is off while it is empty. Its path "
            "is where the console's routes are."
        ),
    )
    console_miniapp_name: str = Field(
        "",
        description=(
            "The console's Mini App short name registered with @BotFather (its URL CONSOLE_URL "
            "+ /app); with it, /console's answers carry a 工作台 button opening the Mini App "
            "(t.me/<bot>/<name>?startapp=<chat>); empty: no button."
        ),
    )
    console_listen: str = Field(
        "127.0.0.1:8090",
        description=(
            "host:port the console's own server binds in polling mode (in webhook mode the "
            "console is served by the webhook's server)."
        ),
    )
    map_tiles_url: str = Field(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="The console map's tile URL template (Leaflet's {z}/{x}/{y}).",
    )
    # At most this many complaints per resident per day (the round's local day).
    daily_complaint_limit: int = 5
    # Long-poll timeout of getUpdates, in seconds.
    poll_timeout: int = 25
    log_level: str = "INFO"
    # Reminders, digests and reports (bot/jobs.py); tests turn them off and run sweeps by hand.
    scheduled_jobs: bool = True

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept "1,2,3" as well as a list."""
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        """Only languages with a catalog."""
        value = value.strip().lower()
        if value not in ("zh", "en"):
            raise ValueError("DEFAULT_LANGUAGE must be zh or en")
        return value

    @field_validator("telegram_proxy_url")
    @classmethod
    def _proxy_url(cls, value: str) -> str:
        """http(s):// or socks5:// with a host and a port."""
        value = value.strip()
        if value:
            parts = urlsplit(value)
            try:
                port = parts.port
            except ValueError:
                port = None
            if parts.scheme not in PROXY_SCHEMES or not parts.hostname or port is None:
                raise ValueError(
                    "TELEGRAM_PROXY_URL must look like http://127.0.0.1:7890 or "
                    f"socks5://127.0.0.1:1080 (got {value!r})"
                )
        return value

    @field_validator(
        "webhook_url",
        "webhook_secret",
        "webhook_listen",
        "metrics_listen",
        "console_url",
        "console_miniapp_name",
        "console_listen",
    )
    @classmethod
    def _strip(cls, value: str) -> str:
        """Surrounding blanks from a .env file are not part of the value."""
        return value.strip()

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        """An absolute http(s) URL (Telegram itself accepts only https)."""
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(
                    f"WEBHOOK_URL must be an https URL such as https://bot.example.org/telegram "
                    f"(got {value!r})"
                )
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: str) -> str:
        """Telegram's charset and length for secret_token."""
        if value and not _WEBHOOK_SECRET.match(value):
            raise ValueError(
                "WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ - "
                "(e.g. from: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _webhook_listen(cls, value: str) -> str:
        """host:port with a port number."""
        _split_listen(value, "WEBHOOK_LISTEN")
        return value

    @field_validator("metrics_listen")
    @classmethod
    def _metrics_listen(cls, value: str) -> str:
        """Empty (off), or host:port with a port number."""
        if value:
            _split_listen(value, "METRICS_LISTEN", example="127.0.0.1:9090")
        return value

    @field_validator("console_listen")
    @classmethod
    def _console_listen(cls, value: str) -> str:
        """host:port with a port number."""
        _split_listen(value, "CONSOLE_LISTEN")
        return value

    @field_validator("console_url")
    @classmethod
    def _console_url(cls, value: str) -> str:
        """An absolute http(s) URL."""
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(
                    f"CONSOLE_URL must be a URL such as https://bot.example.org/console "
                    f"(got {value!r})"
                )
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        """Without a secret anyone who learns the URL could post forged updates."""
        if self.webhook_url and not self.webhook_secret:
            raise ValueError(
                "WEBHOOK_SECRET is required when WEBHOOK_URL is set: choose 1-256 characters "
                "of A-Z a-z 0-9 _ - (e.g. python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))') and put it in the environment or .env; "
                "or unset WEBHOOK_URL to use long polling"
            )
        return self

    @property
    def webhook_mode(self) -> bool:
        """Whether updates come by webhook (WEBHOOK_URL set) rather than long polling."""
        return bool(self.webhook_url)

    @property
    def webhook_path(self) -> str:
        """The route the webhook server answers: WEBHOOK_URL's path."""
        return urlsplit(self.webhook_url).path or "/"

    @property
    def webhook_host(self) -> str:
        """The address the webhook server binds."""
        return _split_listen(self.webhook_listen, "WEBHOOK_LISTEN")[0]

    @property
    def webhook_port(self) -> int:
        """The port the webhook server binds."""
        return _split_listen(self.webhook_listen, "WEBHOOK_LISTEN")[1]

    @property
    def metrics_on(self) -> bool:
        """Whether the health and metrics endpoint is served (METRICS_LISTEN set)."""
        return bool(self.metrics_listen)

    @property
    def metrics_shares_webhook(self) -> bool:
        """Whether the endpoint is served by the webhook's own server (same host:port)."""
        return (
            self.webhook_mode
            and self.metrics_on
            and (
                _split_listen(self.metrics_listen, "METRICS_LISTEN")
                == (self.webhook_host, self.webhook_port)
            )
        )

    @property
    def metrics_host(self) -> str:
        """The address the health and metrics endpoint binds."""
        return _split_listen(self.metrics_listen, "METRICS_LISTEN")[0]

    @property
    def metrics_port(self) -> int:
        """The port the health and metrics endpoint binds."""
        return _split_listen(self.metrics_listen, "METRICS_LISTEN")[1]

    @property
    def console_enabled(self) -> bool:
        """Whether the console is served (CONSOLE_URL set)."""
        return bool(self.console_url)

    @property
    def console_host(self) -> str:
        """The address the console's own server binds (polling mode)."""
        return _split_listen(self.console_listen, "CONSOLE_LISTEN")[0]

    @property
    def console_port(self) -> int:
        """The port the console's own server binds (polling mode)."""
        return _split_listen(self.console_listen, "CONSOLE_LISTEN")[1]

    @property
    def api_root(self) -> str:
        """The Bot API root without a trailing /bot (both spellings are accepted)."""
        root = self.telegram_api_base_url.rstrip("/")
        return root.removesuffix("/bot")

    @property
    def base_url(self) -> str:
        """PTB's base_url: the root plus /bot (PTB appends the token)."""
        return f"{self.api_root}/bot"

    @property
    def base_file_url(self) -> str:
        """PTB's base_file_url for downloads."""
        return f"{self.api_root}/file/bot"


def _split_listen(value: str, name: str, example: str = "0.0.0.0:8443") -> tuple[str, int]:
    """The (host, port) of "0.0.0.0:8443" or "[::]:8443"; `name` is the setting, for errors."""
    host, sep, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{name} must be host:port such as {example} (got {value!r})")
    return host, int(port)
