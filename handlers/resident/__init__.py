"""The resident's side: filing and tracking complaints in a private chat with the bot."""

# There is no ConversationHandler: the draft row in the database is the conversation's state,
# read and written at every step, so a restart between any two steps loses nothing.
# /start while a draft is running asks whether to continue it or start over (a deep-linked
# village is carried into the new draft): nothing is thrown away without the resident's say.

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from handlers.resident import (
    commands,
    conversation,
    keyboards,
    location,
    recording,
    tracking,
    village,
)
from handlers.resident.base import PRIVATE, private_button


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Every resident handler, in the order they go into one group (the first match wins)."""
    # Commands come first (a command in the middle of a complaint is that command), then
    # buttons by their prefix, then messages by what they carry, then catch-alls for any
    # button or message nobody else took. The button catch-all takes only buttons that no
    # private-chat button handler's pattern takes (handlers/chat.py, Buttons), wherever that
    # handler sits; later message handlers must be registered before the message catch-all.
    return [
        # 1. Commands.
        CommandHandler("start", conversation.on_start, filters=PRIVATE),
        CommandHandler("cancel", conversation.on_cancel, filters=PRIVATE),
        CommandHandler("my", tracking.on_my, filters=PRIVATE),
        CommandHandler("status", tracking.on_status, filters=PRIVATE),
        CommandHandler("lang", commands.on_lang, filters=PRIVATE),
        CommandHandler("help", commands.on_help, filters=PRIVATE),
        # /record belongs in a group's chat; here it says so (or goes on with a record).
        CommandHandler("record", recording.on_private_record, filters=PRIVATE),
        CommandHandler("privacy", commands.on_privacy, filters=PRIVATE),
        MessageHandler(PRIVATE & filters.COMMAND, commands.on_unknown_command),
        # 2. Buttons, by prefix; each checks the draft id and step it carries.
        private_button(commands.on_language, keyboards.LANGUAGE),
        private_button(conversation.on_resume, keyboards.RESUME),
        private_button(conversation.on_restart, keyboards.RESTART),
        private_button(village.on_townships, keyboards.TOWNSHIPS),
        private_button(village.on_villages, keyboards.VILLAGES),
        private_button(village.on_village, keyboards.VILLAGE),
        private_button(village.on_suggestion, keyboards.SUGGESTION),
        private_button(conversation.on_category, keyboards.CATEGORY),
        private_button(conversation.on_done, keyboards.DONE),
        private_button(location.on_far_location, keyboards.FAR_LOCATION),
        private_button(conversation.on_identity, keyboards.IDENTITY),
        private_button(conversation.on_summary, keyboards.SUMMARY),
        private_button(conversation.on_join, keyboards.JOIN),
        private_button(conversation.on_edit, keyboards.EDIT),
        # 代录 (issue 11 §1): the channel of a recorded draft, and its receipt's follow link.
        private_button(recording.on_channel, recording.CHANNEL),
        private_button(recording.on_follow_link, recording.FOLLOW_LINK),
        private_button(recording.on_group_choice, recording.GROUP_CHOICE),
        # 3. Messages, by content; each is read against the draft's current step.
        MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, conversation.on_text),
        MessageHandler(PRIVATE & filters.LOCATION, conversation.on_location),
        MessageHandler(PRIVATE & filters.CONTACT, conversation.on_contact),
        MessageHandler(PRIVATE & filters.PHOTO, conversation.on_photo),
        MessageHandler(PRIVATE & filters.VOICE, conversation.on_voice),
        # 4. Catch-alls: a forged or retired button; a sticker, video, file, ...
        private_button(commands.on_stray_button),
        MessageHandler(PRIVATE, conversation.on_other),
    ]


__all__ = ["handlers"]
