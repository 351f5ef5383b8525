"""Bot API methods that send, edit and delete messages."""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any

from emulator.errors import bad_request
from emulator.html import ParsedText, parse_html, plain_text, trim
from emulator.limits import check_caption, check_inline_keyboard, check_text
from emulator.media import media_object, resolve_input
from emulator.models import Chat, StoredMessage
from emulator.params import Params
from emulator.state import EmulatorState, Handler

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_CONTENT_FIELDS = (
    "text",
    "entities",
    "photo",
    "voice",
    "video",
    "document",
    "audio",
    "animation",
    "sticker",
    "video_note",
    "venue",
    "location",
    "contact",
    "caption",
    "caption_entities",
)


def parse_text(
    state: EmulatorState,
    raw: str,
    parse_mode: str | None,
    entities: list[Any] | None,
    *,
    caption: bool,
) -> ParsedText:
    """Apply parse_mode (or explicit entities) and the length limits to a text or caption."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        parsed = parse_html(raw)
    elif mode in ("markdown", "markdownv2"):
        parsed = plain_text(raw)
    elif mode:
        raise bad_request("unsupported parse_mode")
    else:
        parsed = plain_text(raw, entities)
    parsed = trim(parsed)
    if state.enforce_limits:
        (check_caption if caption else check_text)(parsed.text)
    return parsed


def read_text(state: EmulatorState, p: Params, field: str = "text") -> tuple[ParsedText, str]:
    """The message text of a request: parsed, non-empty and within limits."""
    raw = p.get_str(field) or ""
    parsed = parse_text(state, raw, p.get_str("parse_mode"), p.get_list("entities"), caption=False)
    if not parsed.text.strip():
        raise bad_request("message text is empty")
    return parsed, raw


def read_caption(state: EmulatorState, p: Params) -> tuple[dict[str, Any], str | None]:
    """Message fields for the caption of a request (may be empty) and the raw caption."""
    raw = p.get_str("caption")
    if not raw:
        return {}, raw
    parsed = parse_text(
        state, raw, p.get_str("parse_mode"), p.get_list("caption_entities"), caption=True
    )
    return caption_fields(parsed), raw


def caption_fields(parsed: ParsedText) -> dict[str, Any]:
    """caption and caption_entities fields."""
    fields: dict[str, Any] = {}
    if parsed.text:
        fields["caption"] = parsed.text
    if parsed.entities:
        fields["caption_entities"] = parsed.entities
    return fields


def text_fields(parsed: ParsedText) -> dict[str, Any]:
    """text and entities fields."""
    fields: dict[str, Any] = {"text": parsed.text}
    if parsed.entities:
        fields["entities"] = parsed.entities
    return fields


def read_markup(
    state: EmulatorState, p: Params
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(inline keyboard to show in the Message, reply_markup as sent) of a request."""
    markup = p.get_obj("reply_markup")
    if markup is None:
        return None, None
    if "inline_keyboard" not in markup:
        return None, markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('can\'t parse inline keyboard: field "inline_keyboard" must be an Array')
    if state.enforce_limits:
        check_inline_keyboard(markup)
    return ({"inline_keyboard": rows} if any(rows) else None), markup


def read_reply(state: EmulatorState, chat: Chat, p: Params) -> StoredMessage | None:
    """The message a request replies to (reply_parameters or reply_to_message_id)."""
    params = p.get_obj("reply_parameters") or {}
    message_id = params.get("message_id", p.get_int("reply_to_message_id"))
    allow = p.get_bool("allow_sending_without_reply")
    allow = bool(params.get("allow_sending_without_reply", allow))
    if message_id is None:
        return None
    target = chat
    if params.get("chat_id") not in (None, chat.id):
        target = state.chat_for_bot(params["chat_id"])
    try:
        replied = state.message_in(target, int(message_id))
    except (TypeError, ValueError):
        raise bad_request("message to be replied not found") from None
    if replied is None and not allow:
        raise bad_request("message to be replied not found")
    return replied


def _post(
    state: EmulatorState,
    chat: Chat,
    p: Params,
    body: dict[str, Any],
    raw_text: str | None,
    *,
    markup: bool = True,
) -> StoredMessage:
    """Store a bot message built from `body` plus the request's markup and reply target."""
    reply = read_reply(state, chat, p)
    inline, sent = read_markup(state, p) if markup else (None, None)
    if inline is not None:
        body["reply_markup"] = inline
    if p.get_bool("protect_content"):
        body["has_protected_content"] = True
    return state.add_message(
        chat,
        state.bot_user(),
        body,
        from_bot=True,
        raw_text=raw_text,
        sent_markup=sent,
        reply_to=reply,
    )


async def send_message(state: EmulatorState, p: Params) -> Any:
    """sendMessage."""
    chat = state.chat_for_bot(p.raw("chat_id"))
    parsed, raw = read_text(state, p)
    return _post(state, chat, p, text_fields(parsed), raw).to_dict()


def _file_extra(p: Params) -> dict[str, Any]:
    """Optional metadata parameters of a file message."""
    keys = ("duration", "width", "height", "length", "title", "performer", "emoji")
    return {key: p.raw(key) for key in keys if p.raw(key) is not None}


def _send_file(kind: str) -> Handler:
    """A handler for sendPhoto, sendVoice, sendDocument, ... (field name = kind)."""

    async def handler(state: EmulatorState, p: Params) -> Any:
        """Send one file message of this kind."""
        chat = state.chat_for_bot(p.raw("chat_id"))
        caption, raw = ({}, None) if kind in ("sticker", "video_note") else read_caption(state, p)
        files = resolve_input(state, p, p.raw(kind), kind, kind)
        body: dict[str, Any] = {kind: media_object(kind, files, _file_extra(p))}
        if kind == "animation":
            body["document"] = dict(body["animation"])
        body.update(caption)
        if p.get_bool("has_spoiler"):
            body["has_media_spoiler"] = True
        return _post(state, chat, p, body, raw).to_dict()

    handler.__doc__ = f"send{kind.title().replace('_', '')}."
    return handler


def _location(p: Params) -> dict[str, Any]:
    """A Location object from latitude/longitude parameters."""
    latitude, longitude = p.get_float("latitude"), p.get_float("longitude")
    if latitude is None or longitude is None:
        raise bad_request("latitude and longitude must be specified")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong location specified")
    location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    for key in ("horizontal_accuracy", "live_period", "heading"):
        if p.raw(key) is not None:
            location[key] = p.raw(key)
    return location


async def send_location(state: EmulatorState, p: Params) -> Any:
    """sendLocation."""
    chat = state.chat_for_bot(p.raw("chat_id"))
    return _post(state, chat, p, {"location": _location(p)}, None).to_dict()


async def send_venue(state: EmulatorState, p: Params) -> Any:
    """sendVenue."""
    chat = state.chat_for_bot(p.raw("chat_id"))
    location = _location(p)
    title, address = p.get_str("title"), p.get_str("address")
    if not title or not address:
        raise bad_request("venue title and address must be specified")
    venue = {"location": location, "title": title, "address": address}
    for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        if p.raw(key):
            venue[key] = p.raw(key)
    return _post(state, chat, p, {"venue": venue, "location": location}, None).to_dict()


async def send_contact(state: EmulatorState, p: Params) -> Any:
    """sendContact."""
    chat = state.chat_for_bot(p.raw("chat_id"))
    phone, first = p.get_str("phone_number"), p.get_str("first_name")
    if not phone or not first:
        raise bad_request("phone_number and first_name must be specified")
    contact: dict[str, Any] = {"phone_number": phone, "first_name": first}
    for key in ("last_name", "vcard"):
        if p.raw(key):
            contact[key] = p.get_str(key)
    return _post(state, chat, p, {"contact": contact}, None).to_dict()


async def send_media_group(state: EmulatorState, p: Params) -> Any:
    """sendMediaGroup: 2-10 photos/videos/documents/audios sharing one media_group_id."""
    chat = state.chat_for_bot(p.raw("chat_id"))
    items = p.get_list("media") or []
    if not 2 <= len(items) <= 10:
        raise bad_request("media must include 2-10 items")
    bodies: list[tuple[dict[str, Any], str | None]] = []
    for item in items:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in ("photo", "video", "document", "audio"):
            raise bad_request("wrong media type in the media group")
        files = resolve_input(state, p, item.get("media"), kind, "media")
        body: dict[str, Any] = {kind: media_object(kind, files, item)}
        raw = item.get("caption")
        if raw:
            parsed = parse_text(
                state, raw, item.get("parse_mode"), item.get("caption_entities"), caption=True
            )
            body.update(caption_fields(parsed))
        bodies.append((body, raw))
    group_id = str(13_000_000_000_000_000 + secrets.randbelow(10**15))
    reply = read_reply(state, chat, p)
    sent = []
    for body, raw in bodies:
        body["media_group_id"] = group_id
        message = state.add_message(
            chat, state.bot_user(), body, from_bot=True, raw_text=raw, reply_to=reply
        )
        sent.append(message.to_dict())
    return sent


def _source(state: EmulatorState, p: Params, what: str) -> StoredMessage:
    """The message a copy/forward refers to."""
    source_chat = state.find_chat(p.raw("from_chat_id"))
    if source_chat is None or source_chat.deleted:
        raise bad_request("chat not found")
    message = state.message_in(source_chat, p.get_int("message_id"))
    if message is None:
        raise bad_request(f"message to {what} not found")
    return message


async def copy_message(state: EmulatorState, p: Params) -> Any:
    """copyMessage: the content without a link to the original; returns a MessageId."""
    chat = state.chat_for_bot(p.raw("chat_id"))
    source = _source(state, p, "copy")
    body = {k: copy.deepcopy(v) for k, v in source.data.items() if k in _CONTENT_FIELDS}
    raw = source.raw_text
    if p.raw("caption") is not None:
        body.pop("caption", None)
        body.pop("caption_entities", None)
        caption, raw = read_caption(state, p)
        body.update(caption)
    message = _post(state, chat, p, body, raw)
    return {"message_id": message.message_id}


async def forward_message(state: EmulatorState, p: Params) -> Any:
    """forwardMessage: the content with forward_origin."""
    chat = state.chat_for_bot(p.raw("chat_id"))
    source = _source(state, p, "forward")
    body = {k: copy.deepcopy(v) for k, v in source.data.items() if k in _CONTENT_FIELDS}
    source_chat = state.chats[source.chat_id]
    if source_chat.is_private or source.from_bot:
        origin: dict[str, Any] = {"type": "user", "sender_user": source.data["from"]}
    else:
        origin = {"type": "chat", "sender_chat": source_chat.to_dict()}
    origin["date"] = source.date
    body["forward_origin"] = origin
    return _post(state, chat, p, body, source.raw_text, markup=False).to_dict()


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


async def send_chat_action(state: EmulatorState, p: Params) -> Any:
    """sendChatAction."""
    state.chat_for_bot(p.raw("chat_id"))
    if p.get_str("action") not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


HANDLERS: dict[str, Handler] = {
    "sendMessage": send_message,
    "sendPhoto": _send_file("photo"),
    "sendVoice": _send_file("voice"),
    "sendDocument": _send_file("document"),
    "sendVideo": _send_file("video"),
    "sendAudio": _send_file("audio"),
    "sendAnimation": _send_file("animation"),
    "sendSticker": _send_file("sticker"),
    "sendVideoNote": _send_file("video_note"),
    "sendLocation": send_location,
    "sendVenue": send_venue,
    "sendContact": send_contact,
    "sendMediaGroup": send_media_group,
    "copyMessage": copy_message,
    "forwardMessage": forward_message,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
    "sendChatAction": send_chat_action,
}
SENDING_METHODS = frozenset(
    name for name in HANDLERS if name.startswith("send") and name != "sendChatAction"
) | {"copyMessage", "forwardMessage"}
EDITING_METHODS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})
