"""What every chat handler shares, private or group: the update's chat, texts, replies, buttons.

`Chat` is one update as a handler sees it; the group side (handlers/group/base.py, `Desk`) and
the resident side (handlers/resident/base.py, `Visit`) add who is asking and what the chat
serves. `ButtonHandler` is the one callback-query handler: it takes the buttons of one kind
of chat (`Buttons`), and every pattern it is built with is registered there, so that a button
no registered pattern takes is "stray" (an old bot's, a changed format, no data at all) and
goes to the handler built without one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler

from handlers import calls
from handlers.context import BotContext
from handlers.i18n import t

# Telegram allows 200 characters in a callback answer.
MAX_ANSWER = 200

# A handler as PTB calls it.
PtbCallback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


@dataclass
class Chat:
    """One update from a chat: the update, its unit of work, and how to answer in the chat."""

    update: Update
    context: BotContext
    chat_id: int

    @property
    def language(self) -> str:
        """The language the chat is answered in (each kind of chat says which)."""
        raise NotImplementedError

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
    def album_follows(self) -> bool:
        """Another item of this update's album follows at once: it answers for both."""
        return self.context.scope.album_follows

    @property
    def pressed(self) -> Message | None:
        """The bot's message whose button was pressed, if it is still accessible."""
        query = self.update.callback_query
        if query is None or not isinstance(query.message, Message):
            return None
        return query.message

    def match(self, pattern: re.Pattern[str]) -> re.Match[str]:
        """The pattern applied to the button's data (the handler was chosen by it)."""
        query = self.update.callback_query
        found = pattern.match(query.data or "") if query is not None else None
        if found is None:
            raise ValueError(f"button data does not match {pattern.pattern}")
        return found

    def text(self, key: str, **values: Any) -> str:
        """A catalog text in the chat's language."""
        return t(self.language, key, **values)

    def send(
        self,
        text: str,
        reply_markup: calls.Markup | None = None,
        *,
        reply_to: int | None = None,
    ) -> None:
        """Queue an HTML message to the chat, optionally as a reply."""
        self.context.queue(self.chat_id, calls.message(text, reply_markup, reply_to=reply_to))

    def say(
        self,
        key: str,
        reply_markup: calls.Markup | None = None,
        *,
        reply_to: int | None = None,
        **values: Any,
    ) -> None:
        """Queue a catalog text to the chat."""
        self.send(self.text(key, **values), reply_markup, reply_to=reply_to)

    def reply(self, text: str, reply_markup: calls.Markup | None = None) -> None:
        """Answer the message this update carries, as a reply to it."""
        message = self.message
        self.send(text, reply_markup, reply_to=message.message_id if message else None)

    def replace(self, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
        """Show new text (and buttons, or none) in the pressed message, if it is still there."""
        pressed = self.pressed
        if pressed is None:
            return
        self.context.queue(self.chat_id, calls.edit_text(pressed.message_id, text, reply_markup))

    def set_buttons(self, reply_markup: InlineKeyboardMarkup | None) -> None:
        """Change (or, with None, remove) the pressed message's buttons.

        Nothing to remove from a message that shows none any more (a survey pressed twice):
        Telegram would refuse the edit as "not modified".
        """
        pressed = self.pressed
        if pressed is None:
            return
        if reply_markup is None and not (
            pressed.reply_markup and pressed.reply_markup.inline_keyboard
        ):
            return
        self.context.edit_markup(self.chat_id, pressed.message_id, reply_markup)


def answer_after_commit(
    context: BotContext, query: CallbackQuery | None, text: str | None
) -> None:
    """Answer a pressed button once this update is committed (no press: nothing to answer)."""
    if query is None:
        return
    answer = text[:MAX_ANSWER] if text else None
    context.after_commit(lambda: query.answer(answer))


# --- buttons --------------------------------------------------------------------------------


class Buttons:
    """The buttons of one kind of chat: the callback-data patterns its handlers take."""

    def __init__(self, *types: ChatType) -> None:
        self.types = frozenset(types)
        self._patterns: dict[str, re.Pattern[str]] = {}

    def take(self, pattern: re.Pattern[str]) -> None:
        """Register a pattern some handler of this kind of chat takes."""
        self._patterns[pattern.pattern] = pattern

    def is_stray(self, data: object) -> bool:
        """Whether no registered pattern takes this callback data."""
        return isinstance(data, str) and not any(p.match(data) for p in self._patterns.values())

    def handler(
        self, callback: PtbCallback, pattern: re.Pattern[str] | None = None
    ) -> ButtonHandler:
        """A handler for this kind of chat's buttons matching `pattern` (None: stray ones)."""
        return ButtonHandler(callback, self, pattern)


class ButtonHandler(CallbackQueryHandler[BotContext, None]):
    """A button handler for one kind of chat: by a registered pattern, or for stray buttons."""

    def __init__(
        self, callback: PtbCallback, buttons: Buttons, pattern: re.Pattern[str] | None = None
    ) -> None:
        super().__init__(callback, pattern=pattern if pattern is not None else buttons.is_stray)
        self.buttons = buttons
        self.stray = pattern is None
        if pattern is not None:
            buttons.take(pattern)

    def check_update(self, update: object) -> bool | object | None:
        """Only buttons of messages in this kind of chat."""
        if not isinstance(update, Update):
            return False
        chat = update.effective_chat
        if chat is None or chat.type not in self.buttons.types:
            return False
        query = update.callback_query
        if query is not None and not query.data and not query.game_short_name:
            # PTB lets a press without data match every pattern (each handler group would
            # answer it once more): only the stray handler takes it.
            return self.stray
        return super().check_update(update)


# Group and supergroup chats (the inspection groups, departments, the round office).
GROUP_BUTTONS = Buttons(ChatType.GROUP, ChatType.SUPERGROUP)
# Private chats with residents.
PRIVATE_BUTTONS = Buttons(ChatType.PRIVATE)
