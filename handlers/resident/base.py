"""What every resident handler shares: the resident as of this update, replies, buttons."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardRemove, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, filters

from handlers import calls
from handlers.context import BotContext, ReplyMarkup
from handlers.i18n import language_for, t
from storage import drafts, residents
from storage.models import Draft, Resident

# Everything here is for new messages in private chats (edits are not answers).
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


@dataclass
class Visit:
    """One update from a resident: who, their draft, and how to answer them."""

    update: Update
    context: BotContext
    chat_id: int
    resident: Resident
    draft: Draft | None

    @property
    def language(self) -> str:
        """The resident's language."""
        return self.resident.language

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
        """The message the resident sent (None for a button press)."""
        return self.update.message

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

    def button_draft(self, pattern: re.Pattern[str], *steps: str) -> Draft | None:
        """The draft, if the pressed button (draft id first) is for its current question."""
        draft_id = int(self.match(pattern)[1])
        return self.draft if drafts.is_current(self.draft, draft_id, *steps) else None

    def text(self, key: str, **values: Any) -> str:
        """A catalog text in the resident's language."""
        return t(self.language, key, **values)

    def send(self, text: str, reply_markup: ReplyMarkup | None = None) -> None:
        """Queue an HTML message to the resident."""
        self.context.send(self.chat_id, text, reply_markup)

    def say(self, key: str, reply_markup: ReplyMarkup | None = None, **values: Any) -> None:
        """Queue a catalog text to the resident."""
        self.send(self.text(key, **values), reply_markup)

    def replace(self, text: str, reply_markup: InlineKeyboardMarkup | None) -> None:
        """Show new text and buttons in the pressed message (a new message if it is gone)."""
        pressed = self.pressed
        if pressed is None:
            self.send(text, reply_markup)
            return
        self.context.queue(self.chat_id, calls.edit_text(pressed.message_id, text, reply_markup))

    def set_buttons(self, reply_markup: InlineKeyboardMarkup | None) -> None:
        """Change (or, with None, remove) the pressed message's buttons."""
        if self.pressed is not None:
            self.context.edit_markup(self.chat_id, self.pressed.message_id, reply_markup)


# A resident handler returns the text to answer a pressed button with (None: no text).
Step = Callable[[Visit], Awaitable[str | None]]
PtbCallback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def resident_handler(*, after_expiry: bool) -> Callable[[Step], PtbCallback]:
    """Wrap a step: refresh the resident, expire an idle draft, answer a button once."""
    # An answer to a draft's question (after_expiry=False) that finds the draft expired is
    # only told so; a command (True) is carried out after that.

    def decorate(step: Step) -> PtbCallback:
        @functools.wraps(step)
        async def callback(update: Update, context: BotContext) -> None:
            user, chat = update.effective_user, update.effective_chat
            assert user is not None and chat is not None
            arrival = await residents.arrive(
                session=context.session,
                telegram_id=user.id,
                first_name=user.first_name,
                last_name=user.last_name,
                username=user.username,
                language=language_for(user.language_code, context.scope.default_language),
                now=context.now,
            )
            visit = Visit(update, context, chat.id, arrival.resident, arrival.draft)
            answer: str | None = None
            if arrival.expired:
                visit.say("draft.expired", ReplyKeyboardRemove())
            if arrival.expired and not after_expiry:
                answer = visit.text("button.stale")
            else:
                answer = await step(visit)
            query = update.callback_query
            if query is not None:
                # Answered after commit, exactly once, whatever the step decided.
                context.after_commit(lambda: query.answer(answer))

        return callback

    return decorate


class PrivateCallbackQueryHandler(CallbackQueryHandler[BotContext, None]):
    """A button handler for buttons in private chats only."""

    def check_update(self, update: object) -> bool | object | None:
        """Only buttons of messages in a private chat."""
        if not isinstance(update, Update):
            return False
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return False
        return super().check_update(update)
