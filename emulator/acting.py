"""Users acting: writing, sharing a location or a contact, sending files, pressing buttons."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from emulator.html import utf16_len
from emulator.media import PLACEHOLDER, media_object, new_photo
from emulator.models import Chat, StoredMessage
from emulator.people import ChatRef, MessageRef, People, UserRef

_COMMAND = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}")
_URL = re.compile(r"https?://[^\s<>\"']+")


def detect_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram adds to a user's text: bot commands, @mentions and URLs."""
    found = []
    for kind, pattern in (("bot_command", _COMMAND), ("mention", _MENTION), ("url", _URL)):
        for match in pattern.finditer(text):
            found.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group(0)),
                }
            )
    return sorted(found, key=lambda e: e["offset"])


class Acting(People):
    """What residents, inspectors and operators do in their chats; the bot gets the updates."""

    def _delivered(self, chat: Chat, message: StoredMessage) -> bool:
        """Whether the bot gets this user message as an update (privacy mode in groups)."""
        if chat.deleted or chat.bot_kicked or chat.bot_left:
            return False
        if chat.is_private or chat.bot_is_admin:
            return True
        replied = message.data.get("reply_to_message")
        if replied and replied.get("from", {}).get("id") == self.state.bot_id:
            return True
        text = message.data.get("text") or message.data.get("caption") or ""
        mine = f"@{self.state.bot_username}".lower()
        for entity in message.data.get("entities", []):
            start = len(text.encode("utf-16-le")[: entity["offset"] * 2].decode("utf-16-le"))
            word = text[start : start + entity["length"]].lower()
            if entity["type"] == "bot_command" and ("@" not in word or word.endswith(mine)):
                return True
            if entity["type"] == "mention" and word == mine:
                return True
        return False

    def _post(
        self,
        user: UserRef,
        body: dict[str, Any],
        chat: ChatRef | None,
        reply_to: MessageRef | None,
        *,
        join: bool = True,
    ) -> StoredMessage:
        """Store a user's message in the chat and queue the update for the bot.

        Writing in a group makes the sender a member, unless join=False (someone outside the
        chat: a channel's discussion group lets them comment).
        """
        sender = self.user(user)
        target = self.chat(chat) if chat is not None else self.chat(sender.id)
        if target.migrated_to_chat_id is not None:
            raise ValueError(
                f"chat {target.id} was upgraded to the supergroup {target.migrated_to_chat_id}: "
                "write there"
            )
        if target.is_private:
            if target.id != sender.id:
                raise ValueError(f"user {sender.id} cannot write in the private chat {target.id}")
            sender.blocked_bot = False
        elif join:
            target.member_ids.add(sender.id)
        replied = self._resolve_message(reply_to, target) if reply_to is not None else None
        raw = body.get("text") or body.get("caption")
        message = self.state.add_message(
            target, sender.to_dict(), body, from_bot=False, raw_text=raw, reply_to=replied
        )
        if self._delivered(target, message):
            self.state.enqueue("message", message.data)
        return message

    def send_text(
        self,
        user: UserRef,
        text: str,
        chat: ChatRef | None = None,
        reply_to: MessageRef | None = None,
        *,
        join: bool = True,
    ) -> StoredMessage:
        """The user writes text (commands, mentions and URLs get entities, as in Telegram);
        join=False leaves a sender outside the group (see _post)."""
        body: dict[str, Any] = {"text": text}
        entities = detect_entities(text)
        if entities:
            body["entities"] = entities
        return self._post(user, body, chat, reply_to, join=join)

    def edit_text(self, user: UserRef, message: MessageRef, text: str) -> StoredMessage:
        """The user edits one of their text messages (the bot gets an edited_message update)."""
        sender = self.user(user)
        stored = self._resolve_message(message, self.chat(sender.id))
        if stored.from_bot or stored.data.get("from", {}).get("id") != sender.id:
            raise ValueError("users can edit only their own messages")
        stored.data["text"] = text
        entities = detect_entities(text)
        stored.data.pop("entities", None)
        if entities:
            stored.data["entities"] = entities
        stored.data["edit_date"] = int(time.time())
        stored.raw_text = text
        stored.edits += 1
        stored.versions.append(text)
        chat = self.chat(stored.chat_id)
        if self._delivered(chat, stored):
            self.state.enqueue("edited_message", stored.data)
        return stored

    def send_location(
        self,
        user: UserRef,
        latitude: float,
        longitude: float,
        chat: ChatRef | None = None,
        *,
        live_period: int | None = None,
        reply_to: MessageRef | None = None,
    ) -> StoredMessage:
        """The user shares a location."""
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if live_period:
            location["live_period"] = live_period
        return self._post(user, {"location": location}, chat, reply_to)

    def send_contact(
        self,
        user: UserRef,
        phone: str = "+8613800000000",
        chat: ChatRef | None = None,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        own: bool = True,
    ) -> StoredMessage:
        """The user shares a contact; by default their own (with user_id), as a keyboard does."""
        sender = self.user(user)
        contact: dict[str, Any] = {
            "phone_number": phone,
            "first_name": first_name or sender.first_name,
        }
        last = last_name if last_name is not None else (sender.last_name if own else None)
        if last:
            contact["last_name"] = last
        if own:
            contact["user_id"] = sender.id
        return self._post(sender, {"contact": contact}, chat, None)

    def _file_body(
        self,
        kind: str,
        data: bytes | None,
        extra: dict[str, Any] | None = None,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> dict[str, Any]:
        """Store a file the user sends (placeholder bytes by default); the body carrying it."""
        payload = data if data is not None else PLACEHOLDER + secrets.token_bytes(8)
        if kind == "photo":
            files = new_photo(self.state, payload)
        else:
            files = [self.state.new_file(payload, kind, mime_type=mime_type, file_name=file_name)]
        return {kind: media_object(kind, files, extra or {})}

    def send_photo(
        self,
        user: UserRef,
        caption: str | None = None,
        media_group_id: str | None = None,
        chat: ChatRef | None = None,
        *,
        data: bytes | None = None,
        reply_to: MessageRef | None = None,
    ) -> StoredMessage:
        """The user sends a photo (three PhotoSizes); pass media_group_id to build an album."""
        body = _captioned(self._file_body("photo", data), caption, media_group_id)
        return self._post(user, body, chat, reply_to)

    def send_album(
        self,
        user: UserRef,
        count: int = 3,
        caption: str | None = None,
        chat: ChatRef | None = None,
    ) -> list[StoredMessage]:
        """The user sends several photos as one album (the caption on the first)."""
        group_id = str(13_000_000_000_000_000 + secrets.randbelow(10**15))
        return [
            self.send_photo(user, caption if i == 0 else None, group_id, chat)
            for i in range(count)
        ]

    def send_voice(
        self,
        user: UserRef,
        duration: int = 5,
        chat: ChatRef | None = None,
        *,
        data: bytes | None = None,
    ) -> StoredMessage:
        """The user sends a voice note."""
        return self._post(user, self._file_body("voice", data, {"duration": duration}), chat, None)

    def send_video(
        self,
        user: UserRef,
        duration: int = 3,
        caption: str | None = None,
        chat: ChatRef | None = None,
        *,
        data: bytes | None = None,
        media_group_id: str | None = None,
    ) -> StoredMessage:
        """The user sends a video."""
        body = self._file_body("video", data, {"duration": duration}, file_name="video.mp4")
        return self._post(user, _captioned(body, caption, media_group_id), chat, None)

    def send_sticker(
        self, user: UserRef, emoji: str = "👍", chat: ChatRef | None = None
    ) -> StoredMessage:
        """The user sends a sticker."""
        return self._post(user, self._file_body("sticker", None, {"emoji": emoji}), chat, None)

    def send_document(
        self,
        user: UserRef,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        chat: ChatRef | None = None,
        *,
        data: bytes | None = None,
        media_group_id: str | None = None,
    ) -> StoredMessage:
        """The user sends a file."""
        body = self._file_body("document", data, file_name=file_name, mime_type=mime_type)
        return self._post(user, _captioned(body, caption, media_group_id), chat, None)

    def press_button(
        self,
        user: UserRef,
        message: MessageRef,
        data: str,
        *,
        check: bool = True,
        chat: ChatRef | None = None,
        join: bool = True,
    ) -> dict[str, Any]:
        """The user presses an inline button of a bot message; returns the CallbackQuery.

        With check=True the data must belong to one of the message's current buttons (a
        button's text is accepted too); check=False sends forged or stale data as given.
        Pressing in a group makes the presser a member, unless join=False (a stranger who sees
        the message in a public supergroup).
        """
        presser = self.user(user)
        home = self.chat(chat) if chat is not None else self.chat(presser.id)
        stored = self._resolve_message(message, home)
        if check:
            if stored.deleted:
                raise ValueError(f"message {stored.message_id} was deleted; nothing to press")
            datas = [d for _, d in stored.buttons if d is not None]
            if data not in datas:
                by_text = [d for t, d in stored.buttons if t == data and d is not None]
                if len(by_text) != 1:
                    raise ValueError(
                        f"{data!r} is not a button of message {stored.message_id} in chat "
                        f"{stored.chat_id}; its buttons are {stored.buttons}"
                    )
                data = by_text[0]
        target = self.chat(stored.chat_id)
        if not target.is_private and join:
            target.member_ids.add(presser.id)
        if stored.deleted:
            shown: dict[str, Any] = {
                "chat": target.to_dict(),
                "message_id": stored.message_id,
                "date": 0,
            }
        else:
            shown = stored.to_dict()
        query_id = self.state.new_callback_id()
        query: dict[str, Any] = {
            "id": query_id,
            "from": presser.to_dict(),
            "message": shown,
            "chat_instance": str(abs(target.id) * 31 + 17),
            "data": data,
        }
        self.state.callback_queries[query_id] = query
        if not (target.deleted or target.bot_kicked or target.bot_left):
            self.state.enqueue("callback_query", query)
        return query

    def enqueue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue any raw update (an update_id is added when missing)."""
        return self.state.enqueue_raw(update)


def _captioned(
    body: dict[str, Any], caption: str | None, media_group_id: str | None
) -> dict[str, Any]:
    """`body` with the caption (and the entities Telegram finds in it) and its album's id."""
    if caption:
        body["caption"] = caption
        entities = detect_entities(caption)
        if entities:
            body["caption_entities"] = entities
    if media_group_id:
        body["media_group_id"] = media_group_id
    return body
