"""The command menu Telegram shows residents, in each language."""

from __future__ import annotations

from telegram import BotCommand

from handlers.i18n import t

PRIVATE_COMMANDS = ("start", "my", "status", "cancel", "lang", "help", "privacy")


def private_commands(language: str) -> list[BotCommand]:
    """The commands of a private chat with their descriptions."""
    return [BotCommand(name, t(language, f"menu.{name}")) for name in PRIVATE_COMMANDS]
