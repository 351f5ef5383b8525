"""What a handler gets besides the update: its transaction, the time, and the outbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import ForceReply, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.ext import Application, CallbackContext, ExtBot

from handlers import calls
from storage import outbox

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


@dataclass
class UpdateScope:
    """One update's unit of work, opened by the runtime around all handlers of the update."""

    session: AsyncSession
    now: datetime
    default_language: str
    # Run only once the transaction is committed (callback answers, ...).
    after_commit: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    wrote_outbox: bool = False
    error: BaseException | None = None
    # Another item of the same album (media group) follows this update in the batch being
    # handled: the last one answers for all (one message instead of one a photo).
    album_follows: bool = False


current_scope: ContextVar[UpdateScope] = ContextVar("current_scope")


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context of this bot: PTB's plus the update's unit of work."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def scope(self) -> UpdateScope:
        """The unit of work of the update being handled."""
        return current_scope.get()

    @property
    def session(self) -> AsyncSession:
        """The database session of this update (committed after all handlers ran)."""
        return self.scope.session

    @property
    def now(self) -> datetime:
        """The time this update is handled at (UTC, aware)."""
        return self.scope.now

    def call(self, chat_id: int, method: str, **params: Any) -> None:
        """Queue a Bot API call in the outbox of this update's transaction."""
        markup = params.get("reply_markup")
        if markup is not None and not isinstance(markup, dict):
            params["reply_markup"] = markup.to_dict()
        params["chat_id"] = chat_id
        outbox.enqueue_call(
            session=self.session, chat_id=chat_id, method=method, params=params, now=self.now
        )
        self.scope.wrote_outbox = True

    def queue(self, chat_id: int, call: calls.Call) -> None:
        """Queue a built call (handlers/calls.py) to the chat."""
        self.call(chat_id, call.method, **call.params)

    def send(self, chat_id: int, text: str, reply_markup: ReplyMarkup | None = None) -> None:
        """Queue an HTML text message; callers escape what users typed."""
        self.queue(chat_id, calls.message(text, reply_markup))

    def edit_markup(
        self, chat_id: int, message_id: int, reply_markup: InlineKeyboardMarkup | None = None
    ) -> None:
        """Queue a change of an earlier message's buttons (None removes them)."""
        self.queue(chat_id, calls.edit_markup(message_id, reply_markup))

    def after_commit(self, action: Callable[[], Awaitable[Any]]) -> None:
        """Run `action` once this update's changes are committed."""
        self.scope.after_commit.append(action)
