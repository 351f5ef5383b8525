"""What every command shares: settings and logging."""

from __future__ import annotations

import logging

from bot.config import Settings


def load_settings() -> Settings:
    """Load settings, configure logging."""
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request at INFO, including the token in the URL.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return settings
