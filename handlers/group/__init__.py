"""The inspection group's side: linking chats, complaint cards, their buttons, reply prompts
and the group commands. Everything here is for group and supergroup chats only.

An unlinked chat hears nothing from the bot except the answers to /link and /help: every
other handler returns silently when the chat serves nothing.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from handlers.group import (
    actions,
    assigning,
    blocking,
    commands,
    keyboards,
    linking,
    prompts,
    recording,
    review,
)
from handlers.group.base import GROUPS, group_button


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Every group-chat handler, in the order they go into one group (the first match wins)."""
    return [
        # 1. Linking, in any group chat (linked or not).
        CommandHandler("link", linking.on_link, filters=GROUPS),
        CommandHandler("unlink", linking.on_unlink, filters=GROUPS),
        CommandHandler("help", commands.on_help, filters=GROUPS),
        # 2. The group's lists and cards (silent in an unlinked chat).
        CommandHandler("open", commands.on_open, filters=GROUPS),
        CommandHandler("find", commands.on_find, filters=GROUPS),
        CommandHandler("overdue", commands.on_overdue, filters=GROUPS),
        # 指派: who can be assigned (/join) and one's own open complaints (/mine).
        CommandHandler("join", assigning.on_join, filters=GROUPS),
        CommandHandler("mine", assigning.on_mine, filters=GROUPS),
        # 登记群众反映 (代录, issue 11 §1): the questions follow in the private chat.
        CommandHandler("record", recording.on_record, filters=GROUPS),
        # 屏蔽 (issue 11 §5): the blocks in force through this group's complaints.
        CommandHandler("blocks", blocking.on_blocks, filters=GROUPS),
        # 3. Card buttons and the choices they lead to; each checks chat, status and data.
        # 屏蔽's buttons first: the card's other buttons take any other `cmp:` data.
        group_button(blocking.on_button, blocking.BUTTONS),
        group_button(actions.on_button, keyboards.ANY),
        # The group's call on a 回访 that said 部分解决 (issue 10 §3).
        group_button(review.on_review, review.REVIEW),
        # 4. A reply to the bot's prompt (text, or a photo with a caption when resolving).
        MessageHandler(
            GROUPS & filters.REPLY & (filters.TEXT | filters.PHOTO) & ~filters.COMMAND,
            prompts.on_reply,
        ),
    ]


__all__ = ["handlers"]
