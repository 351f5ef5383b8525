"""/console in a linked chat: the member gets a one-time login link to the console, in private.

The link (storage/console/logins.py: 10 minutes, once) opens the view of what the chat serves:
its group's, department's or the round office's. It goes to the member's private chat through
the outbox, never into the group chat, where others could use it first. Only a member of the
chat gets one (Telegram's answer, as for a press: handlers/members.py).

With CONSOLE_MINIAPP_NAME set (the Mini App's short name at @BotFather) both answers carry a
工作台 button that opens the console as a Mini App in the chat's view: in the group a URL
button to the Mini App's direct link, t.me/<bot>/<name>?startapp=<chat id> (Telegram allows
web_app buttons only in private chats; the console reads the signed start_param); in private a
web_app button to CONSOLE_URL's /app?chat=<chat id>.
"""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo
from telegram.ext import BaseHandler, CommandHandler

from handlers import calls
from handlers.group.base import GROUPS, Desk, group_handler
from handlers.i18n import t
from handlers.members import Membership
from storage import console

# bot_data's key for CONSOLE_URL (set by bot/app.py; empty when the console is off).
CONSOLE_URL = "console_url"
# bot_data's key for CONSOLE_MINIAPP_NAME (empty: no 工作台 button).
MINIAPP_NAME = "console_miniapp_name"


def _one_button(button: InlineKeyboardButton) -> InlineKeyboardMarkup:
    """A keyboard of one button."""
    return InlineKeyboardMarkup([[button]])


def workbench_buttons(
    desk: Desk, url: str
) -> tuple[InlineKeyboardMarkup | None, InlineKeyboardMarkup | None]:
    """The 工作台 button for the chat (a direct link) and for the member's private chat (a
    web_app button), both opening the chat's view; (None, None) while the Mini App is off."""
    name = str(desk.context.bot_data.get(MINIAPP_NAME) or "")
    username = desk.context.bot.username
    if not name or not username:
        return None, None
    label = t(desk.user_language, "console.workbench")
    direct = f"https://t.me/{username}/{name}?startapp={desk.chat_id}"
    app = WebAppInfo(f"{url.rstrip('/')}/app?chat={desk.chat_id}")
    return (
        _one_button(InlineKeyboardButton(label, url=direct)),
        _one_button(InlineKeyboardButton(label, web_app=app)),
    )


@group_handler
async def on_console(desk: Desk) -> None:
    """Send the member a login link in private; silent in an unlinked chat."""
    if desk.role is None:
        return None
    url = str(desk.context.bot_data.get(CONSOLE_URL) or "")
    if not url:
        desk.reply(desk.text("console.login.off"))
        return None
    membership = await desk.membership()
    if membership != Membership.member:
        refusal = "group.members_only"
        if membership == Membership.unknown:
            refusal = "group.members_unknown"
        desk.reply(t(desk.user_language, refusal))
        return None
    token = await console.issue_link_for_chat(
        session=desk.session,
        chat_id=desk.chat_id,
        user_id=desk.user.id,
        language=desk.user_language,
        now=desk.now,
    )
    if token is None:
        return None
    link = f"{url.rstrip('/')}/login/{token}"
    private = t(desk.user_language, "console.login.private", url=escape(link))
    in_chat, in_private = workbench_buttons(desk, url)
    desk.context.queue(desk.user.id, calls.message(private, in_private))
    desk.reply(desk.text("console.login.sent"), in_chat)
    return None


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """/console, in group chats."""
    return [CommandHandler("console", on_console, filters=GROUPS)]
