"""Bot API calls as this bot makes them: messages, edits, media, and fitting text into them.

Every message is HTML (callers escape what people typed) with link previews off. A call's
params are JSON-ready (markup objects become dicts), so that the outbox can keep them in a
row; `chat_id` is set only when the caller names the chat (the handlers' context adds it when
it queues the call).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from typing import Any

from telegram import TelegramObject
from telegram.constants import ParseMode

# Telegram's limits: a message's text, a caption, the items of one album.
MAX_TEXT = 4096
CAPTION_MAX = 1024
MAX_ALBUM = 10
ELLIPSIS = "…"

# Buttons (an InlineKeyboardMarkup, a ForceReply, ...) or their dict form.
Markup = TelegramObject | dict[str, Any]


@dataclass
class Call:
    """One Bot API call: method and params (JSON-ready).

    It unpacks and indexes as the pair (method, params), like the tuples it replaced.
    """

    method: str
    params: dict[str, Any]
    # Set on the sendMessage that shows a CardMessage for the first time: the sender records
    # the message id it gets into CardMessage.message_id.
    card_id: int | None = None
    # Set on a call that shows a CardMessage (sent or edited): the fingerprint of what it shows,
    # recorded into CardMessage.shown once delivered.
    shown: str | None = None

    def __iter__(self) -> Iterator[Any]:
        """method, then params."""
        yield self.method
        yield self.params

    def __getitem__(self, index: int) -> Any:
        """0: the method; 1: the params."""
        return (self.method, self.params)[index]


def markup_params(markup: Markup | None) -> dict[str, Any]:
    """{"reply_markup": ...} as JSON, or nothing."""
    if markup is None:
        return {}
    return {"reply_markup": markup if isinstance(markup, dict) else markup.to_dict()}


def reply_parameters(message_id: int) -> dict[str, Any]:
    """Reply to a message; send all the same if it is gone."""
    return {"message_id": message_id, "allow_sending_without_reply": True}


def _target(chat_id: int | None, reply_to: int | None = None) -> dict[str, Any]:
    """The chat (if named) and the message replied to (if any)."""
    params: dict[str, Any] = {} if chat_id is None else {"chat_id": chat_id}
    if reply_to is not None:
        params["reply_parameters"] = reply_parameters(reply_to)
    return params


def _html(text: str) -> dict[str, Any]:
    """An HTML text without link previews."""
    return {
        "text": text,
        "parse_mode": ParseMode.HTML.value,
        "link_preview_options": {"is_disabled": True},
    }


# --- messages and edits ---------------------------------------------------------------------


def message(
    text: str,
    markup: Markup | None = None,
    *,
    chat_id: int | None = None,
    reply_to: int | None = None,
    card_id: int | None = None,
) -> Call:
    """sendMessage with HTML text, optionally with buttons and as a reply."""
    params = {**_target(chat_id, reply_to), **_html(text), **markup_params(markup)}
    return Call("sendMessage", params, card_id)


def edit_text(
    message_id: int, text: str, markup: Markup | None = None, *, chat_id: int | None = None
) -> Call:
    """editMessageText with HTML text (no markup: the buttons go)."""
    params = {**_target(chat_id), "message_id": message_id, **_html(text)}
    return Call("editMessageText", {**params, **markup_params(markup)})


def edit_markup(
    message_id: int, markup: Markup | None = None, *, chat_id: int | None = None
) -> Call:
    """editMessageReplyMarkup (no markup: the buttons go)."""
    params = {**_target(chat_id), "message_id": message_id, **markup_params(markup)}
    return Call("editMessageReplyMarkup", params)


# How a call says which message it replies to.
_REPLY_PARAMS = ("reply_parameters", "reply_to_message_id")


def readdress(params: dict[str, Any], new_chat_id: int) -> dict[str, Any] | None:
    """A ready call's params for its chat's new id (a group became a supergroup); None when
    the call cannot be made there.

    Message ids do not carry over to the new chat: a call that acts on a message of the old
    chat (an edit, a deletion) cannot be made there, and a reply to one goes out as a plain
    message.
    """
    if "message_id" in params or "message_ids" in params:
        return None
    unreplied = {k: v for k, v in params.items() if k not in _REPLY_PARAMS}
    return {**unreplied, "chat_id": new_chat_id}


def clear_buttons(message_id: int, *, chat_id: int | None = None) -> Call:
    """editMessageReplyMarkup with an empty keyboard: the message's buttons go."""
    # Spelled out: InlineKeyboardMarkup([]).to_dict() would leave the empty list out.
    return edit_markup(message_id, {"inline_keyboard": []}, chat_id=chat_id)


# --- media ----------------------------------------------------------------------------------


def _caption(caption: str) -> dict[str, Any]:
    """An HTML caption."""
    return {"caption": caption, "parse_mode": ParseMode.HTML.value}


def photo(
    file_id: Any,
    caption: str,
    markup: Markup | None = None,
    *,
    chat_id: int | None = None,
    reply_to: int | None = None,
) -> Call:
    """sendPhoto with an HTML caption (a file id, or a local file for the sender to upload)."""
    params = {**_target(chat_id, reply_to), "photo": file_id, **_caption(caption)}
    return Call("sendPhoto", {**params, **markup_params(markup)})


def document(
    file: Any, caption: str, *, chat_id: int | None = None, reply_to: int | None = None
) -> Call:
    """sendDocument with an HTML caption (a local file for the sender to upload)."""
    params = {**_target(chat_id, reply_to), "document": file, **_caption(caption)}
    return Call("sendDocument", params)


def voice(
    file_id: str, caption: str, *, chat_id: int | None = None, reply_to: int | None = None
) -> Call:
    """sendVoice with an HTML caption."""
    return Call("sendVoice", {**_target(chat_id, reply_to), "voice": file_id, **_caption(caption)})


def location(
    latitude: float, longitude: float, *, chat_id: int | None = None, reply_to: int | None = None
) -> Call:
    """sendLocation."""
    params = {**_target(chat_id, reply_to), "latitude": latitude, "longitude": longitude}
    return Call("sendLocation", params)


def photos(
    file_ids: list[str], caption: str, *, chat_id: int | None = None, reply_to: int | None = None
) -> list[Call]:
    """Photos, each with the caption: one photo, or an album (then single photos past 10).

    An album is a single request against the chat's limit. Its caption is the first item's
    (Telegram shows that one under the album); the sender makes InputMedia of its items.
    """
    if len(file_ids) == 1:
        return [photo(file_ids[0], caption, chat_id=chat_id, reply_to=reply_to)]
    if not file_ids:
        return []
    media: list[dict[str, Any]] = [
        {"type": "photo", "media": file_id} for file_id in file_ids[:MAX_ALBUM]
    ]
    media[0].update(_caption(caption))
    calls = [Call("sendMediaGroup", {**_target(chat_id, reply_to), "media": media})]
    for file_id in file_ids[MAX_ALBUM:]:
        calls.append(photo(file_id, caption, chat_id=chat_id, reply_to=reply_to))
    return calls


# --- fitting text ---------------------------------------------------------------------------


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); never less than the visible length."""
    return len(text.encode("utf-16-le")) // 2


def fit(raw: str, budget: int) -> str:
    """`raw` escaped for HTML, cut (with …) so that the escaped text takes at most `budget`."""
    escaped = escape(raw)
    if units(escaped) <= budget:
        return escaped
    if budget <= units(ELLIPSIS):
        return ""
    low, high = 0, len(raw)
    # The longest prefix whose escaped form plus the ellipsis fits.
    while low < high:
        middle = (low + high + 1) // 2
        if units(escape(raw[:middle])) + units(ELLIPSIS) <= budget:
            low = middle
        else:
            high = middle - 1
    return escape(raw[:low]) + ELLIPSIS
