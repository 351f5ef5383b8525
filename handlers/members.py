"""Who is a member of a group chat: a press or a prompt's answer there counts only from one.

A card forwarded, or seen in a public supergroup, must not be worked by strangers. Telegram
says who is a member (getChatMember); the answer is cached per (chat, user) for a few minutes
and refreshed by chat_member updates (which Telegram sends only to a bot that is an
administrator of the chat, and only when allowed_updates asks for them: bot/intake.py and
bot/webhook.py ask for every kind).

The cache is in memory: one process handles every update today. With several replicas (issue
13) each keeps its own; a chat_member update reaches only the replica that handles it, so a
member who left may still be honoured by another replica until its entry expires (TTL).

The question is asked before the update's transaction opens (`prefetch`, from
bot/application.py), so the wait for Telegram holds no database lock; the handler's check
then finds the answer cached. It is a read, not a notification: it does not go through the
outbox.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, MutableMapping
from typing import Any

from telegram import Bot, ChatMember, ChatMemberRestricted, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, TelegramError

from handlers.context import BotContext

log = logging.getLogger(__name__)

# How long Telegram's answer is trusted (chat_member updates refresh it sooner).
MEMBER_TTL = 300.0
# How long a failed question is remembered: the handler of the same update does not ask again
# inside its transaction, and the next press a little later does.
FAILED_TTL = 15.0
GROUP_CHATS = (ChatType.GROUP, ChatType.SUPERGROUP)
MEMBER_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER)


class Membership(enum.Enum):
    """What is known of a user in a chat."""

    member = "member"
    outsider = "outsider"
    # Telegram could not be asked (network, 5xx): treated as not a member.
    unknown = "unknown"


def is_member(member: ChatMember) -> bool:
    """Whether a ChatMember is in the chat (restricted members too, while they are in it)."""
    if member.status in MEMBER_STATUSES:
        return True
    return isinstance(member, ChatMemberRestricted) and member.is_member


class Members:
    """The cache of Telegram's answers, per (chat, user)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._known: dict[tuple[int, int], tuple[Membership, float]] = {}

    def cached(self, chat_id: int, user_id: int) -> Membership | None:
        """The answer remembered for this user in this chat, if it is fresh."""
        found = self._known.get((chat_id, user_id))
        if found is None or found[1] <= self._clock():
            return None
        return found[0]

    def remember(self, chat_id: int, user_id: int, membership: Membership, ttl: float) -> None:
        """Remember an answer for `ttl` seconds."""
        if len(self._known) > 10_000:
            # Bounded: drop what has expired (a busy public chat sees many strangers).
            now = self._clock()
            self._known = {k: v for k, v in self._known.items() if v[1] > now}
        self._known[(chat_id, user_id)] = (membership, self._clock() + ttl)

    def saw(self, chat_id: int, member: ChatMember) -> None:
        """A chat_member update: the user's status in the chat now."""
        found = Membership.member if is_member(member) else Membership.outsider
        self.remember(chat_id, member.user.id, found, MEMBER_TTL)

    async def check(self, bot: Bot, chat_id: int, user_id: int) -> Membership:
        """Whether the user is a member of the chat: cached, else asked of Telegram."""
        found = self.cached(chat_id, user_id)
        if found is not None:
            return found
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            # Never a reason to let a stranger through, nor to fail the update.
            found = Membership.outsider if isinstance(exc, BadRequest) else Membership.unknown
            log.warning(
                "getChatMember failed for user %s in chat %s (%s: %s): not taken as a member",
                user_id,
                chat_id,
                type(exc).__name__,
                exc,
            )
            self.remember(chat_id, user_id, found, FAILED_TTL)
            return found
        found = Membership.member if is_member(member) else Membership.outsider
        self.remember(chat_id, user_id, found, MEMBER_TTL)
        return found


def members_of(bot_data: MutableMapping[Any, Any]) -> Members:
    """The application's cache (made on first use)."""
    found = bot_data.get("members")
    if not isinstance(found, Members):
        found = bot_data["members"] = Members()
    return found


def replies_to_bot(message: Message | None, bot_id: int) -> bool:
    """Whether a message replies to one of the bot's own (a prompt's answer, perhaps)."""
    replied = message.reply_to_message if message is not None else None
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot_id


def needs_member(update: Update, bot_id: int) -> tuple[int, int] | None:
    """The (chat, user) whose membership handling this update needs: a press in a group chat,
    or a reply there to the bot's message."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type not in GROUP_CHATS:
        return None
    if update.callback_query is not None or replies_to_bot(update.message, bot_id):
        return chat.id, user.id
    return None


async def prefetch(update: Update, bot: Bot, members: Members) -> None:
    """Ask Telegram, before the update's transaction, what its handler will need to know."""
    wanted = needs_member(update, bot.id)
    if wanted is None:
        return
    try:
        await members.check(bot, *wanted)
    except Exception:
        # The handler asks again (and fails as a handler does); intake must go on.
        log.exception("checking membership for update %s failed", update.update_id)


async def on_chat_member(update: Update, context: BotContext) -> None:
    """A member joined, left, was promoted or restricted: refresh what the cache knows."""
    changed = update.chat_member
    if changed is not None:
        members_of(context.bot_data).saw(changed.chat.id, changed.new_chat_member)
