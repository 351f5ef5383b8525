"""Bot API methods that send messages: text, files, places, contacts, albums, copies."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from emulator.composing import (
    caption_fields,
    parse_text,
    post,
    read_caption,
    read_reply,
    read_text,
    text_fields,
)
from emulator.errors import bad_request
from emulator.media import media_object, resolve_input
from emulator.models import MEDIA_KINDS, StoredMessage
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
# What a copy or a forward takes over from the original message.
_CONTENT_FIELDS = frozenset(MEDIA_KINDS) | {"entities", "caption", "caption_entities"}


async def send_message(state: EmulatorState, p: Params) -> Any:
    """sendMessage."""
    chat = state.chat_for_bot(p.raw("chat_id"))
    parsed, raw = read_text(state, p)
    return post(state, chat, p, text_fields(parsed), raw).to_dict()


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
        return post(state, chat, p, body, raw).to_dict()

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
    return post(state, chat, p, {"location": _location(p)}, None).to_dict()


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
    return post(state, chat, p, {"venue": venue, "location": location}, None).to_dict()


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
    return post(state, chat, p, {"contact": contact}, None).to_dict()


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
    message = post(state, chat, p, body, raw)
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
    return post(state, chat, p, body, source.raw_text, markup=False).to_dict()


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
    "sendChatAction": send_chat_action,
}
SENDING_METHODS = frozenset(
    name for name in HANDLERS if name.startswith("send") and name != "sendChatAction"
) | {"copyMessage", "forwardMessage"}
