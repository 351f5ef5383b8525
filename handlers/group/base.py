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
from handlers.i18n import language_for, t
from handlers.members import Membership, members_of, replies_to_bot
from storage import links, members
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
    def user_language(self) -> str:
        """The sender's own language (what only they see: a callback answer)."""
        return language_for(self.user.language_code, self.context.scope.default_language)

    async def membership(self) -> Membership:
        """Whether the sender is a member of this chat (Telegram's answer, cached)."""
        members = members_of(self.context.bot_data)
        return await members.check(self.context.bot, self.chat_id, self.user.id)

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
    """Wrap a step: look up what the chat serves; answer a pressed button exactly once.

    A press in a linked chat counts only from a member of the chat: anyone else's is answered
    (in their language) and goes no further.
    """
    return _wrapped(step, replies=False)


def group_reply(step: Step) -> PtbCallback:
    """Wrap the step for replies to the bot's prompts: as group_handler, and a reply to the
    bot's message from someone who is not a member of the linked chat is ignored (it answers
    no prompt, which stays open for the member it was for)."""
    return _wrapped(step, replies=True)


def _wrapped(step: Step, *, replies: bool) -> PtbCallback:
    """The callback PTB calls for a group step (see group_handler, group_reply)."""

    @functools.wraps(step)
    async def callback(update: Update, context: BotContext) -> None:
        user, chat = update.effective_user, update.effective_chat
        query = update.callback_query
        if user is None or chat is None:
            answer_after_commit(context, query, None)
            return
        role = await links.chat_role(session=context.session, chat_id=chat.id)
        desk = Desk(update, context, chat.id, user, role)
        checked = query is not None or (replies and replies_to_bot(desk.message, context.bot.id))
        if role is not None and checked:
            membership = await desk.membership()
            if membership != Membership.member:
                refusal = "group.members_only"
                if membership == Membership.unknown:
                    refusal = "group.members_unknown"
                answer_after_commit(context, query, t(desk.user_language, refusal))
                return
            if role.kind == "group" and role.group_id is not None:
                # Someone seen acting here can be assigned complaints (指派).
                await members.seen(
                    session=context.session,
                    group_id=role.group_id,
                    telegram_id=user.id,
                    name=user.full_name,
                    now=desk.now,
                )
        answer = await step(desk)
        # Answered after commit, exactly once, whatever the step decided.
        answer_after_commit(context, query, answer)

    return callback


def group_button(callback: PtbCallback, pattern: re.Pattern[str] | None = None) -> ButtonHandler:
    """A handler for group-chat buttons matching `pattern` (None: buttons no handler takes)."""
    return GROUP_BUTTONS.handler(callback, pattern)
