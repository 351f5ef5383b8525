"""Raw updates that a test queues in the emulator as Telegram would send them."""

from __future__ import annotations

from typing import Any


def unparseable(user_id: int) -> dict[str, Any]:
    """A message update python-telegram-bot cannot parse: a chat without its id, a text date.

    Telegram may send such a thing (a payload newer than the library); Update.de_json raises on
    it. No update_id: the emulator gives it the next one.
    """
    return {
        "message": {
            "message_id": 1,
            "date": "yesterday",
            "chat": {"type": "private", "first_name": "坏"},
            "from": {"id": user_id, "is_bot": False, "first_name": "坏"},
            "text": "/start",
        }
    }
