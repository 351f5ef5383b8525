"""What the chat page shows: chats and messages as plain JSON for the browser."""

from __future__ import annotations

from typing import Any

from emulator.models import Chat, StoredMessage
from emulator.simulation import Simulator

# A chat's reply keyboard stays until the bot sends another one or removes it.
_KEYBOARD_KEYS = ("keyboard", "remove_keyboard")


def person_name(sender: dict[str, Any]) -> str:
    """A sender's display name: first and last name."""
    return " ".join(str(sender[k]) for k in ("first_name", "last_name") if sender.get(k))


def chat_title(chat: Chat, bot_name: str) -> str:
    """How a chat is titled in its owner's list: a group's title, or the bot for a private one."""
    return bot_name if chat.is_private else (chat.title or str(chat.id))


def chats_of(sim: Simulator, user_id: int) -> list[dict[str, Any]]:
    """The chats a person sees: the private chat with the bot, then groups they are in."""
    bot_name = sim.state.bot_first_name
    found = [sim.chat(user_id)] if user_id in sim.state.chats else []
    found += [
        chat
        for chat in sim.state.chats.values()
        if not chat.is_private
        and user_id in chat.member_ids
        and chat.migrated_to_chat_id is None
        and not chat.deleted
    ]
    return [
        {"id": chat.id, "title": chat_title(chat, bot_name), "private": chat.is_private}
        for chat in found
    ]


def signature(chat: Chat) -> str:
    """Changes whenever a message of the chat is added, edited or deleted (for long polls)."""
    edits = sum(m.edits for m in chat.messages.values())
    deleted = sum(1 for m in chat.messages.values() if m.deleted)
    return f"{chat.next_message_id}.{edits}.{deleted}"


def reply_keyboard(chat: Chat) -> list[list[dict[str, Any]]] | None:
    """The reply keyboard the bot last set in this chat, or None when removed or never set."""
    for message in reversed(chat.bot_sent):
        markup = message.sent_markup or {}
        if not any(key in markup for key in _KEYBOARD_KEYS):
            continue
        if message.deleted and "keyboard" not in markup:
            continue
        if "remove_keyboard" in markup:
            return None
        keys = [
            [
                {"text": b, "location": False, "contact": False}
                if isinstance(b, str)
                else {
                    "text": b.get("text", ""),
                    "location": bool(b.get("request_location")),
                    "contact": bool(b.get("request_contact")),
                }
                for b in row
            ]
            for row in markup.get("keyboard", [])
        ]
        if markup.get("one_time_keyboard") and _used(chat, message, keys):
            return None
        return keys
    return None


def _used(chat: Chat, shown: StoredMessage, keys: list[list[dict[str, Any]]]) -> bool:
    """Whether someone answered with one of the keyboard's keys after it was shown: Telegram's
    apps hide a one-time keyboard then (a typed text that is not a key does not hide it)."""
    flat = [key for row in keys for key in row]
    for message in chat.messages.values():
        if message.message_id <= shown.message_id or message.from_bot or message.deleted:
            continue
        data = message.data
        if (
            ("location" in data and any(key["location"] for key in flat))
            or ("contact" in data and any(key["contact"] for key in flat))
            or any(data.get("text") == key["text"] for key in flat)
        ):
            return True
    return False


def message_view(message: StoredMessage, bot_name: str) -> dict[str, Any]:
    """One message for the page: who, text with entities, media, buttons, what it replies to."""
    data = message.data
    sender = data.get("from") or {}
    view: dict[str, Any] = {
        "id": message.message_id,
        "from_bot": message.from_bot,
        "sender": bot_name if message.from_bot else person_name(sender),
        "sender_id": sender.get("id"),
        "date": message.date,
        "kind": message.kind,
        "text": message.text or "",
        "entities": message.entities,
        "edited": message.edits > 0,
        # A ForceReply prompt: the page opens a reply to it, as Telegram's apps do.
        "force_reply": bool((message.sent_markup or {}).get("force_reply")),
        "buttons": [
            [
                {"text": b.get("text", ""), "data": b.get("callback_data"), "url": b.get("url")}
                for b in row
            ]
            for row in (data.get("reply_markup") or {}).get("inline_keyboard", [])
        ],
    }
    replied = data.get("reply_to_message")
    if isinstance(replied, dict):
        view["reply_to"] = {
            "id": replied.get("message_id"),
            "text": (replied.get("text") or replied.get("caption") or "")[:80],
        }
    view.update(_media(data))
    return view


def _media(data: dict[str, Any]) -> dict[str, Any]:
    """The media part of a message: a photo's largest size, a location, a file, a voice note."""
    if "photo" in data:
        return {"file_id": data["photo"][-1]["file_id"]}
    if "location" in data:
        spot = data["location"]
        return {"location": {"lat": spot["latitude"], "lon": spot["longitude"]}}
    if "venue" in data:
        spot = data["venue"]["location"]
        return {"location": {"lat": spot["latitude"], "lon": spot["longitude"]}}
    if "contact" in data:
        return {"phone": data["contact"].get("phone_number", "")}
    for kind in ("voice", "video", "audio", "video_note"):
        if kind in data:
            return {"file_id": data[kind]["file_id"], "duration": data[kind].get("duration", 0)}
    if "document" in data:
        document = data["document"]
        return {"file_id": document["file_id"], "file_name": document.get("file_name")}
    if "sticker" in data:
        return {"emoji": data["sticker"].get("emoji", "")}
    return {}


def chat_view(sim: Simulator, chat: Chat) -> dict[str, Any]:
    """A chat's messages (deleted ones gone, edits applied) and its reply keyboard."""
    bot_name = sim.state.bot_first_name
    return {
        "id": chat.id,
        "title": chat_title(chat, bot_name),
        "private": chat.is_private,
        "signature": signature(chat),
        "messages": [message_view(m, bot_name) for m in sim.messages(chat)],
        "keyboard": reply_keyboard(chat),
    }
