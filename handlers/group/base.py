"""What every group-chat handler shares: the chat's role, the language, replies, answers."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, Message, Update, User
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, filters

from handlers import calls
from handlers.context import BotContext
from handlers.i18n import language_for, t
from storage import links
from storage.links import ChatRole
from storage.workflow import Actor

# New messages in group chats (edits are not commands or answers).
GROUPS = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
# Telegram allows 200 characters in a callback answer.
MAX_ANSWER = 200


@dataclass
class Desk:
    """One update from a group chat: who, which chat, what the chat serves."""

    update: Update
    context: BotContext
    chat_id: int
    user: User
    role: ChatRole | None

    @property
    def language(self) -> str:
        """The chat's language (a linked chat's own; else the sender's Telegram language)."""
        if self.role is not None:
            return language_for(self.role.language, self.context.scope.default_language)
        return language_for(self.user.language_code, self.context.scope.default_language)

    @property
    def session(self) -> AsyncSession:
        """This update's transaction."""
        return self.context.session

    @property
    def now(self) -> datetime:
        """This update's time."""
        return self.context.now

    @property
    def message(self) -> Message | None:
        """The message sent (None for a button press)."""
        return self.update.message

    @property
    def pressed(self) -> Message | None:
        """The bot's message whose button was pressed, if still accessible."""
        query = self.update.callback_query
        if query is None or not isinstance(query.message, Message):
            return None
        return query.message

    @property
    def actor(self) -> Actor:
        """The inspector, as the timeline records them."""
        return Actor(kind="inspector", telegram_id=self.user.id, name=self.user.full_name)

    @property
    def is_group(self) -> bool:
        """Whether the chat serves an inspection group."""
        return self.role is not None and self.role.kind == "group"

    def text(self, key: str, **values: Any) -> str:
        """A catalog text in the chat's language."""
        return t(self.language, key, **values)

    def send(
        self,
        text: str,
        reply_markup: InlineKeyboardMarkup | dict[str, Any] | None = None,
        *,
        reply_to: int | None = None,
    ) -> None:
        """Queue an HTML message to the chat, optionally as a reply."""
        self.context.queue(self.chat_id, calls.message(text, reply_markup, reply_to=reply_to))

    def say(self, key: str, *, reply_to: int | None = None, **values: Any) -> None:
        """Queue a catalog text to the chat."""
        self.send(self.text(key, **values), reply_to=reply_to)

    def reply(self, text: str, reply_markup: dict[str, Any] | None = None) -> None:
        """Answer the message this update carries, as a reply to it."""
        message = self.message
        self.send(text, reply_markup, reply_to=message.message_id if message else None)

    def replace(self, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
        """Show new text (and buttons, or none) in the pressed message."""
        pressed = self.pressed
        if pressed is None:
            return
        self.context.queue(self.chat_id, calls.edit_text(pressed.message_id, text, reply_markup))


# A group handler; a button handler returns the text to answer the press with.
Step = Callable[[Desk], Awaitable[str | None]]
PtbCallback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def group_handler(step: Step) -> PtbCallback:
    """Wrap a step: look up what the chat serves; answer a pressed button exactly once."""

    @functools.wraps(step)
    async def callback(update: Update, context: BotContext) -> None:
        user, chat = update.effective_user, update.effective_chat
        query = update.callback_query
        if user is None or chat is None:
            if query is not None:
                context.after_commit(lambda: query.answer())
            return
        role = await links.chat_role(session=context.session, chat_id=chat.id)
        desk = Desk(update, context, chat.id, user, role)
        answer = await step(desk)
        if query is not None:
            text = answer[:MAX_ANSWER] if answer else None
            # Answered after commit, exactly once, whatever the step decided.
            context.after_commit(lambda: query.answer(text))

    return callback


class GroupCallbackQueryHandler(CallbackQueryHandler[BotContext, None]):
    """A button handler for buttons in group chats only."""

    def check_update(self, update: object) -> bool | object | None:
        """Only buttons of messages in a group or supergroup."""
        if not isinstance(update, Update):
            return False
        chat = update.effective_chat
        if chat is None or chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return False
        return super().check_update(update)
