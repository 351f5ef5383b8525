"""Settings from the environment (and a .env file), named as in DESIGN.md."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API = "https://api.telegram.org"


class Settings(BaseSettings):
    """Everything the bot is configured with."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str = ""
    telegram_api_base_url: str = TELEGRAM_API
    database_url: str = "sqlite:///data/xuncha.db"
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_language: str = "zh"
    webhook_url: str = ""
    webhook_secret: str = ""
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
