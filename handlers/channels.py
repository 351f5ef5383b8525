"""渠道 in words (issue 11): the catalog key of each channel a complaint came by."""

from __future__ import annotations

from handlers.i18n import t

# storage.models.Channel → its catalog key (literal keys, so the catalog test sees them).
CHANNEL_KEYS: dict[str, str] = {
    "bot": "channel.bot",
    "visit": "channel.visit",
    "meeting": "channel.meeting",
    "phone": "channel.phone",
    "letter": "channel.letter",
    "walk_in": "channel.walk_in",
    "other": "channel.other",
}


def channel_name(language: str, code: str) -> str:
    """A channel in words (an unknown code as 其他)."""
    return t(language, CHANNEL_KEYS.get(code, "channel.other"))
