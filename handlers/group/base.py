"""What every group-chat handler shares: the chat's role, the language, replies, answers.

The base of every non-private chat's handlers (inspection groups, departments, the round
office); what any chat shares is handlers/chat.py's.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update, User
from telegram.ext import filters

from handlers.chat import (
    GROUP_BUTTONS,
    ButtonHandler,
    Chat,
    PtbCallback,
    answer_after_commit,
)
from handlers.context import BotContext
from handlers.i18n import language_for
from storage import links
from storage.links import ChatRole
from storage.workflow import Actor

# New messages in group chats (edits are not commands or answers).
GROUPS = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE


@dataclass
class Desk(Chat):
    """One update from a group chat: who, which chat, what the chat serves."""

    user: User
    role: ChatRole | None

    @property
    def language(self) -> str:
        """The chat's language (a linked chat's own; else the sender's Telegram language)."""
        if self.role is not None:
            return language_for(self.role.language, self.context.scope.default_language)
        return language_for(self.user.language_code, self.context.scope.default_language)

    @property
    def actor(self) -> Actor:
        """The inspector, as the timeline records them."""
        return Actor(kind="inspector", telegram_id=self.user.id, name=self.user.full_name)

    def serves(self, kind: str) -> bool:
        """Whether the chat is linked to serve this kind ("group", "department", "office")."""
        return self.role is not None and self.role.kind == kind

    @property
    def is_group(self) -> bool:
        """Whether the chat serves an inspection group."""
        return self.serves("group")


# A group handler; a button handler returns the text to answer the press with.
Step = Callable[[Desk], Awaitable[str | None]]


def group_handler(step: Step) -> PtbCallback:
    """Wrap a step: look up what the chat serves; answer a pressed button exactly once."""

    @functools.wraps(step)
    async def callback(update: Update, context: BotContext) -> None:
        user, chat = update.effective_user, update.effective_chat
        query = update.callback_query
        if user is None or chat is None:
            answer_after_commit(context, query, None)
            return
        role = await links.chat_role(session=context.session, chat_id=chat.id)
        answer = await step(Desk(update, context, chat.id, user, role))
        # Answered after commit, exactly once, whatever the step decided.
        answer_after_commit(context, query, answer)

    return callback


def group_button(callback: PtbCallback, pattern: re.Pattern[str] | None = None) -> ButtonHandler:
    """A handler for group-chat buttons matching `pattern` (None: buttons no handler takes)."""
    return GROUP_BUTTONS.handler(callback, pattern)
