"""Bot API methods that edit and delete the bot's messages."""

from __future__ import annotations

import time
from typing import Any

from emulator.composing import read_caption, read_markup, read_text, text_fields
from emulator.errors import bad_request
from emulator.models import Chat, StoredMessage
from emulator.params import Params
from emulator.state import EmulatorState, Handler


def _editable(state: EmulatorState, p: Params) -> tuple[Chat, StoredMessage]:
    """The bot message an edit request targets."""
    if p.raw("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = state.chat_for_bot(p.raw("chat_id"))
    message = state.message_in(chat, p.get_int("message_id"))
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return chat, message


def _apply_edit(
    state: EmulatorState,
    message: StoredMessage,
    fields: dict[str, Any],
    raw_text: str | None,
    p: Params,
    *,
    keep_text: bool = False,
) -> Any:
    """Replace text/caption fields and markup, or answer "message is not modified"."""
    inline, sent = read_markup(state, p)
    old = message.data
    keys = ("text", "entities", "caption", "caption_entities")
    new_content = {k: fields.get(k) for k in keys} if not keep_text else {}
    old_content = {k: old.get(k) for k in keys} if not keep_text else {}
    if new_content == old_content and inline == old.get("reply_markup"):
        raise bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )
    if not keep_text:
        for key in keys:
            old.pop(key, None)
        old.update({k: v for k, v in fields.items() if v is not None})
        message.raw_text = raw_text
    old.pop("reply_markup", None)
    if inline is not None:
        old["reply_markup"] = inline
    old["edit_date"] = int(time.time())
    message.sent_markup = sent
    message.edits += 1
    message.versions.append(message.text)
    state.notify()
    return message.to_dict()


async def edit_message_text(state: EmulatorState, p: Params) -> Any:
    """editMessageText."""
    _, message = _editable(state, p)
    if "text" not in message.data:
        raise bad_request("there is no text in the message to edit")
    parsed, raw = read_text(state, p)
    return _apply_edit(state, message, text_fields(parsed), raw, p)


async def edit_message_caption(state: EmulatorState, p: Params) -> Any:
    """editMessageCaption."""
    _, message = _editable(state, p)
    if "text" in message.data or message.kind in ("location", "venue", "contact", "sticker"):
        raise bad_request("there is no caption in the message to edit")
    fields, raw = read_caption(state, p)
    return _apply_edit(state, message, fields, raw, p)


async def edit_message_reply_markup(state: EmulatorState, p: Params) -> Any:
    """editMessageReplyMarkup."""
    _, message = _editable(state, p)
    return _apply_edit(state, message, {}, message.raw_text, p, keep_text=True)


async def delete_message(state: EmulatorState, p: Params) -> Any:
    """deleteMessage."""
    chat = state.chat_for_bot(p.raw("chat_id"), allow_blocked=True)
    message = state.message_in(chat, p.get_int("message_id"))
    if message is None:
        raise bad_request("message to delete not found")
    if not message.from_bot and not chat.is_private and not chat.bot_is_admin:
        raise bad_request("message can't be deleted")
    message.deleted = True
    state.notify()
    return True


async def delete_messages(state: EmulatorState, p: Params) -> Any:
    """deleteMessages: deletes what exists, ignores the rest."""
    chat = state.chat_for_bot(p.raw("chat_id"), allow_blocked=True)
    for message_id in p.get_list("message_ids") or []:
        message = state.message_in(chat, int(message_id))
        if message is not None and (message.from_bot or chat.is_private or chat.bot_is_admin):
            message.deleted = True
    state.notify()
    return True


HANDLERS: dict[str, Handler] = {
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
}
EDITING_METHODS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})
