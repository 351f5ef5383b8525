"""A group chat upgraded to a supergroup: what it served follows it to its new chat id.

Telegram announces the upgrade twice, with a service message in the old chat
(`migrate_to_chat_id`) and one in the new supergroup (`migrate_from_chat_id`); either moves
everything (storage.chat_migration.migrate_chat, idempotent), and the other then changes
nothing. The outbox sender moves it too when it meets the old id first. Nothing is said in the
chat: the fresh cards that arrive in the new chat are the visible result.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from handlers import calls
from handlers.context import BotContext
from handlers.group.base import GROUPS
from storage import chat_migration

log = logging.getLogger(__name__)


async def on_migrate(update: Update, context: BotContext) -> None:
    """The service message of an upgrade, in the old chat or in the new one."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    if message.migrate_to_chat_id:
        old_chat_id, new_chat_id = chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old_chat_id, new_chat_id = message.migrate_from_chat_id, chat.id
    else:
        return
    result = await chat_migration.migrate_chat(
        session=context.session,
        old_chat_id=old_chat_id,
        new_chat_id=new_chat_id,
        now=context.now,
        readdress=calls.readdress,
    )
    if result.moved is not None or result.rows.moved or result.cards:
        log.info(
            "chat %s is now %s (%s): %s queued rows moved, %s fresh cards",
            old_chat_id,
            new_chat_id,
            result.moved.target if result.moved is not None else "not linked",
            result.rows.moved,
            result.cards,
        )
        # Wake the sender once committed: rows are waiting for the new chat.
        context.scope.wrote_outbox = True


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The upgrade's service messages, in group chats."""
    return [MessageHandler(GROUPS & filters.StatusUpdate.MIGRATE, on_migrate)]


__all__ = ["handlers", "on_migrate"]
