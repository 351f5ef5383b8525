"""/link CODE and /unlink: a chat administrator makes a chat serve a group, a department or an
office (with a one-time code from the operator), or stops it doing so. An operator (ADMIN_IDS)
may /link a chat they are only a member of."""

from __future__ import annotations

import logging
from html import escape

from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from handlers.group.base import Desk, group_handler
from storage import links

log = logging.getLogger(__name__)

ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
MAX_CODE = 32


async def is_admin(desk: Desk) -> bool | None:
    """Whether the sender administers the chat (None: Telegram could not say)."""
    message = desk.message
    # An anonymous administrator writes as the chat itself.
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == desk.chat_id
    try:
        # A read, not a notification: asked of Telegram directly, while the update is handled.
        member = await desk.context.bot.get_chat_member(desk.chat_id, desk.user.id)
    except TelegramError as exc:
        log.warning("getChatMember in chat %s failed: %s", desk.chat_id, exc)
        return None
    return member.status in ADMIN_STATUSES


def is_operator(desk: Desk) -> bool:
    """Whether the sender is one of the bot's operators (ADMIN_IDS in the settings)."""
    return desk.user.id in desk.context.bot_data.get("admin_ids", frozenset())


async def refused(desk: Desk, not_admin_key: str, *, operators_too: bool = False) -> bool:
    """Whether the sender may not do this here (they were told why): chat administrators may,
    and with `operators_too` the operators."""
    # The operator issued the code: they need not administer the chat (nor ask Telegram).
    admin = True if operators_too and is_operator(desk) else await is_admin(desk)
    if admin:
        return False
    desk.reply(desk.text("link.check_failed" if admin is None else not_admin_key))
    return True


def _served(desk: Desk, target: str, name: str, round_name: str) -> str:
    """The "this chat now serves ..." words for a group, a department or an office."""
    key = f"link.target.{target}" if target in links.TARGETS else "link.target.group"
    return desk.text(key, name=escape(name), round=escape(round_name))


@group_handler
async def on_link(desk: Desk) -> None:
    """/link CODE."""
    args = desk.context.args or []
    if len(args) != 1 or not args[0].strip() or len(args[0]) > MAX_CODE:
        desk.reply(desk.text("link.usage"))
        return
    if await refused(desk, "link.not_admin", operators_too=True):
        return
    result = await links.redeem(
        session=desk.session, code=args[0].strip(), chat_id=desk.chat_id, now=desk.now
    )
    if result is None:
        desk.reply(desk.text("link.bad_code"))
        return
    lines = [
        desk.text("link.done", what=_served(desk, result.target, result.name, result.round_name))
    ]
    if result.previous_chat_id is not None:
        lines.append(desk.text("link.moved"))
    lines.append(desk.text(f"link.next.{result.target}"))
    desk.reply("\n".join(lines))


@group_handler
async def on_unlink(desk: Desk) -> None:
    """/unlink: only an administrator, only in a linked chat (an unlinked chat hears nothing)."""
    if desk.role is None:
        return
    if await refused(desk, "link.not_admin_unlink"):
        return
    result = await links.unlink(session=desk.session, chat_id=desk.chat_id, now=desk.now)
    if result is None:
        return
    what = _served(desk, result.target, result.name, result.round_name)
    desk.reply(desk.text("link.unlinked", what=what))
