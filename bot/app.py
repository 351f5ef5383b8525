"""The composition root: the one place where handlers and jobs are registered."""

from __future__ import annotations

import handlers.resident
from telegram.ext import ApplicationBuilder, ContextTypes

from bot.config import Settings
from bot.runtime import XunchaApplication
from handlers.context import BotContext
from storage.clock import Clock, SystemClock
from storage.db import Database


def build_application(
    settings: Settings, *, database: Database | None = None, clock: Clock | None = None
) -> XunchaApplication:
    """Build the bot's Application with every handler registered, in order."""
    application = (
        ApplicationBuilder()
        .application_class(XunchaApplication)
        .token(settings.telegram_bot_token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .context_types(ContextTypes(context=BotContext))
        # Updates come from our own intake (bot/intake.py), which confirms them to
        # Telegram only after they are committed; PTB's Updater would confirm them first.
        .updater(None)
        .build()
    )
    assert isinstance(application, XunchaApplication)
    application.attach(
        database=database or Database(settings.database_url),
        clock=clock or SystemClock(),
        default_language=settings.default_language,
    )
    application.bot_data["daily_complaint_limit"] = settings.daily_complaint_limit
    application.bot_data["admin_ids"] = frozenset(settings.admin_ids)

    # Handlers, in the order PTB tries them (one group: the first match wins).
    # 1. Residents in private chats: commands, then buttons, then the draft's current step.
    application.add_handlers(handlers.resident.handlers())
    return application
