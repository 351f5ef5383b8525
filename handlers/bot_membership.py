"""The bot's own membership of a chat changing (my_chat_member updates).

Removed from (or left by) a linked chat, the chat is "lost": what is queued for it waits and
the round office's chat is told which group (department) lost its chat; added back, what waited
goes out, the open complaints' cards missing there are posted again, and the office is told
(storage/lost_chats.py). Nothing is said in the chat itself; a chat that serves nothing changes
nothing.
"""

from __future__ import annotations

from typing import Any

from telegram import ChatMember, Update
from telegram.ext import BaseHandler, ChatMemberHandler

from handlers.context import BotContext
from storage import lost_chats

# The bot is out of the chat: it can neither read nor send there.
OUT = (ChatMember.LEFT, ChatMember.BANNED)


def _is_in(member: ChatMember) -> bool:
    """Whether the bot can send in the chat with this status (a restricted bot still a member
    can)."""
    if member.status == ChatMember.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return member.status not in OUT


async def on_my_chat_member(update: Update, context: BotContext) -> None:
    """The bot removed from a group chat, or added (back) to one."""
    change = update.my_chat_member
    if change is None or change.chat.type == change.chat.PRIVATE:
        return
    was_in, is_in = _is_in(change.old_chat_member), _is_in(change.new_chat_member)
    if was_in == is_in:
        return
    mark = lost_chats.mark_back if is_in else lost_chats.mark_lost
    result = await mark(session=context.session, chat_id=change.chat.id, now=context.now)
    if result.changed:
        # Wake the sender once committed: the office's notice (and what waited) goes out.
        context.scope.wrote_outbox = True


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The bot's own membership changes, in every chat."""
    return [ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)]


__all__ = ["handlers", "on_my_chat_member"]
