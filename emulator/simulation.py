"""The people side: users and groups that send messages and press buttons, and what they see."""

from __future__ import annotations

import asyncio
import inspect
import re
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from emulator.api_other import ADMIN_RIGHTS
from emulator.html import utf16_len
from emulator.media import PLACEHOLDER, media_object, new_photo
from emulator.models import CallbackAnswer, Chat, Stats, StoredMessage, User
from emulator.state import EmulatorState


class HasId(Protocol):
    """Anything with an integer id (an emulator User/Chat, or PTB's User/Chat)."""

    @property
    def id(self) -> int:
        """The Telegram id."""


class HasMessageId(Protocol):
    """Anything with a message_id and chat_id (a StoredMessage, or PTB's Message)."""

    @property
    def message_id(self) -> int:
        """The message id within its chat."""

    @property
    def chat_id(self) -> int:
        """The chat the message is in."""


UserRef = HasId | int
ChatRef = HasId | int
MessageRef = HasMessageId | dict[str, Any] | int

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


class Simulator:
    """User actions and read-outs over an EmulatorState; BotApiEmulator adds the HTTP server."""

    def __init__(self, state: EmulatorState) -> None:
        """Act on `state`."""
        self.state = state

    # -- people and chats -------------------------------------------------------------------

    def add_user(
        self,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh",
        *,
        user_id: int | None = None,
    ) -> User:
        """Create a user (and the private chat with the bot); ids are unique and realistic."""
        uid = user_id if user_id is not None else self.state.new_user_id()
        if uid in self.state.users:
            raise ValueError(f"user {uid} already exists")
        user = User(uid, first_name, last_name, username, language_code)
        self.state.users[uid] = user
        self.state.chats[uid] = Chat(id=uid, type="private", user=user, member_ids={uid})
        return user

    def add_group(
        self,
        title: str = "Test group",
        admins: Iterable[UserRef] = (),
        members: Iterable[UserRef] = (),
        *,
        creator: UserRef | None = None,
        username: str | None = None,
        kind: str = "supergroup",
        bot_is_admin: bool = True,
        chat_id: int | None = None,
        notify_bot: bool = False,
    ) -> Chat:
        """Create a group the bot is in (a supergroup with a -100... id by default)."""
        if kind not in ("supergroup", "group"):
            raise ValueError("kind must be 'supergroup' or 'group'")
        cid = chat_id if chat_id is not None else self.state.new_group_id(kind == "supergroup")
        admin_users = [self.user(a) for a in admins]
        owner = self.user(creator) if creator is not None else None
        if owner is None and admin_users:
            owner = admin_users[0]
        chat = Chat(
            id=cid,
            type=kind,
            title=title,
            username=username,
            creator_id=owner.id if owner else None,
            admin_ids=[u.id for u in admin_users],
            member_ids={u.id for u in admin_users} | {self.user(m).id for m in members},
            bot_is_admin=bot_is_admin,
        )
        if owner is not None:
            chat.member_ids.add(owner.id)
        self.state.chats[cid] = chat
        if notify_bot:
            status = "administrator" if bot_is_admin else "member"
            self._my_chat_member(chat, owner, "left", status)
        return chat

    def migrate_group(
        self, chat: ChatRef, *, by: UserRef | None = None, notify_bot: bool = True
    ) -> Chat:
        """Upgrade a basic group to a supergroup, as Telegram does: the same people (and the
        bot) in a new chat with a new -100... id; returns the supergroup.

        The old chat gets a service message with `migrate_to_chat_id` (from `by`, by default
        its creator), the supergroup one with `migrate_from_chat_id` (from the anonymous group
        bot, on behalf of the chat); both are queued as updates unless notify_bot=False (to
        have the bot meet the error first). From then on every call to the old id answers 400
        "group chat was upgraded to a supergroup chat" with parameters.migrate_to_chat_id,
        and nobody can write there any more.
        """
        old = self.chat(chat)
        if old.type != "group":
            raise ValueError(f"chat {old.id} is a {old.type}: only a basic group is upgraded")
        if old.migrated_to_chat_id is not None:
            raise ValueError(f"chat {old.id} was upgraded already, to {old.migrated_to_chat_id}")
        actor = self.user(by) if by is not None else self.state.users.get(old.creator_id or 0)
        new = Chat(
            id=self.state.new_group_id(True),
            type="supergroup",
            title=old.title,
            creator_id=old.creator_id,
            admin_ids=list(old.admin_ids),
            member_ids=set(old.member_ids),
            bot_is_admin=old.bot_is_admin,
            migrated_from_chat_id=old.id,
        )
        self.state.chats[new.id] = new
        old.migrated_to_chat_id = new.id
        upgrader = (actor or User(777000, "Telegram")).to_dict()
        farewell = self.state.add_message(
            old, upgrader, {"migrate_to_chat_id": new.id}, from_bot=False
        )
        anonymous = User(1087968824, "Group", username="GroupAnonymousBot", is_bot=True)
        welcome = self.state.add_message(
            new,
            anonymous.to_dict(),
            {"sender_chat": new.to_dict(), "migrate_from_chat_id": old.id},
            from_bot=False,
        )
        if notify_bot and not (old.bot_kicked or old.bot_left):
            self.state.enqueue("message", farewell.data)
            self.state.enqueue("message", welcome.data)
        return new

    def add_member(self, chat: ChatRef, user: UserRef, *, admin: bool = False) -> None:
        """Make a user a member (or an administrator) of a group."""
        group, member = self.chat(chat), self.user(user)
        group.member_ids.add(member.id)
        if admin and member.id not in group.admin_ids:
            group.admin_ids.append(member.id)

    def user(self, ref: UserRef) -> User:
        """The User for a User or an id."""
        uid = ref if isinstance(ref, int) else int(ref.id)
        if uid not in self.state.users:
            raise KeyError(f"no user {uid}; create one with add_user()")
        return self.state.users[uid]

    def chat(self, ref: ChatRef) -> Chat:
        """The Chat for a Chat, a User (their private chat) or a chat id."""
        cid = ref if isinstance(ref, int) else int(ref.id)
        if cid not in self.state.chats:
            raise KeyError(f"no chat {cid}")
        return self.state.chats[cid]

    def block_user(self, user: UserRef, *, notify_bot: bool = False) -> None:
        """The user blocks the bot: sends to them answer 403 until they write again."""
        blocker = self.user(user)
        blocker.blocked_bot = True
        if notify_bot:
            self._my_chat_member(self.chat(blocker.id), blocker, "member", "kicked")

    def unblock_user(self, user: UserRef) -> None:
        """The user unblocks the bot."""
        self.user(user).blocked_bot = False

    def delete_chat(
        self, chat: ChatRef, *, kicked: bool = False, notify_bot: bool = False
    ) -> None:
        """The chat disappears (400 chat not found); with kicked=True the bot is removed (403)."""
        target = self.chat(chat)
        if kicked:
            target.bot_kicked = True
            if notify_bot:
                creator = self.state.users.get(target.creator_id or 0)
                old = "administrator" if target.bot_is_admin else "member"
                self._my_chat_member(target, creator, old, "kicked")
        else:
            target.deleted = True

    def kick_bot(self, chat: ChatRef, *, notify_bot: bool = False) -> None:
        """Remove the bot from a group: sends answer 403 "bot was kicked"."""
        self.delete_chat(chat, kicked=True, notify_bot=notify_bot)

    def restore_chat(self, chat: ChatRef) -> None:
        """Undo delete_chat/kick_bot/leaveChat."""
        target = self.chat(chat)
        target.deleted = target.bot_kicked = target.bot_left = False

    def _bot_member(self, status: str) -> dict[str, Any]:
        """A ChatMember object for the bot with the given status."""
        member: dict[str, Any] = {"status": status, "user": self.state.bot_user()}
        if status == "kicked":
            member["until_date"] = 0
        if status == "administrator":
            member.update(ADMIN_RIGHTS)
        return member

    def _my_chat_member(
        self, chat: Chat, actor: User | None, old: str, new: str
    ) -> dict[str, Any]:
        """Queue a my_chat_member update about the bot's own status in `chat`."""
        payload = {
            "chat": chat.to_dict(),
            "from": (actor or User(777000, "Telegram")).to_dict(),
            "date": int(time.time()),
            "old_chat_member": self._bot_member(old),
            "new_chat_member": self._bot_member(new),
        }
        return self.state.enqueue("my_chat_member", payload)

    # -- sending as a user ------------------------------------------------------------------

    def _resolve_message(self, ref: MessageRef, chat: Chat) -> StoredMessage:
        """The stored message for a StoredMessage, a PTB Message, a Message dict or an id."""
        if isinstance(ref, int):
            target_chat, message_id = chat, ref
        elif isinstance(ref, dict):
            target_chat = self.chat(int(ref["chat"]["id"])) if "chat" in ref else chat
            message_id = int(ref["message_id"])
        else:
            target_chat, message_id = self.chat(int(ref.chat_id)), int(ref.message_id)
        message = target_chat.messages.get(message_id)
        if message is None:
            raise KeyError(f"no message {message_id} in chat {target_chat.id}")
        return message

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
    ) -> StoredMessage:
        """Store a user's message in the chat and queue the update for the bot."""
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
        else:
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
    ) -> StoredMessage:
        """The user writes text (commands, mentions and URLs get entities, as in Telegram)."""
        body: dict[str, Any] = {"text": text}
        entities = detect_entities(text)
        if entities:
            body["entities"] = entities
        return self._post(user, body, chat, reply_to)

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

    def _media(
        self,
        user: UserRef,
        kind: str,
        chat: ChatRef | None,
        *,
        data: bytes | None,
        caption: str | None = None,
        media_group_id: str | None = None,
        reply_to: MessageRef | None = None,
        extra: dict[str, Any] | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredMessage:
        """Store a file the user sends and post the message carrying it."""
        payload = data if data is not None else PLACEHOLDER + secrets.token_bytes(8)
        if kind == "photo":
            files = new_photo(self.state, payload)
        else:
            files = [self.state.new_file(payload, kind, mime_type=mime_type, file_name=file_name)]
        body: dict[str, Any] = {kind: media_object(kind, files, extra or {})}
        if caption:
            body["caption"] = caption
            entities = detect_entities(caption)
            if entities:
                body["caption_entities"] = entities
        if media_group_id:
            body["media_group_id"] = media_group_id
        return self._post(user, body, chat, reply_to)

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
        return self._media(
            user,
            "photo",
            chat,
            data=data,
            caption=caption,
            media_group_id=media_group_id,
            reply_to=reply_to,
        )

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
        return self._media(user, "voice", chat, data=data, extra={"duration": duration})

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
        return self._media(
            user,
            "video",
            chat,
            data=data,
            caption=caption,
            media_group_id=media_group_id,
            extra={"duration": duration},
            file_name="video.mp4",
        )

    def send_sticker(
        self, user: UserRef, emoji: str = "👍", chat: ChatRef | None = None
    ) -> StoredMessage:
        """The user sends a sticker."""
        return self._media(user, "sticker", chat, data=None, extra={"emoji": emoji})

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
        return self._media(
            user,
            "document",
            chat,
            data=data,
            caption=caption,
            media_group_id=media_group_id,
            file_name=file_name,
            mime_type=mime_type,
        )

    def press_button(
        self,
        user: UserRef,
        message: MessageRef,
        data: str,
        *,
        check: bool = True,
        chat: ChatRef | None = None,
    ) -> dict[str, Any]:
        """The user presses an inline button of a bot message; returns the CallbackQuery.

        With check=True the data must belong to one of the message's current buttons (a
        button's text is accepted too); check=False sends forged or stale data as given.
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
        if not target.is_private:
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

    # -- reading ----------------------------------------------------------------------------

    def messages(self, chat: ChatRef, *, include_deleted: bool = False) -> list[StoredMessage]:
        """All messages of a chat (users' and the bot's), oldest first."""
        return [m for m in self.chat(chat).messages.values() if include_deleted or not m.deleted]

    def all_messages(self, *, include_deleted: bool = False) -> list[StoredMessage]:
        """Every message in every chat, in the order they were sent (for transcripts)."""
        return [m for m in self.state.message_log if include_deleted or not m.deleted]

    def bot_messages(self, chat: ChatRef) -> list[StoredMessage]:
        """The bot's messages in a chat in their current state (edits applied, deleted gone)."""
        return [m for m in self.messages(chat) if m.from_bot]

    def last_bot_message(self, chat: ChatRef) -> StoredMessage | None:
        """The newest bot message still in the chat."""
        found = self.bot_messages(chat)
        return found[-1] if found else None

    def mark_read(self, chat: ChatRef) -> None:
        """Move the next_bot_message cursor of a chat past everything sent so far."""
        target = self.chat(chat)
        target.cursor = len(target.bot_sent)

    async def next_bot_message(
        self,
        chat: ChatRef,
        timeout: float = 10.0,  # noqa: ASYNC109 - the emulator's API takes plain timeouts
    ) -> StoredMessage:
        """Wait for the next message the bot sends in this chat (one cursor per chat)."""
        target = self.chat(chat)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while target.cursor >= len(target.bot_sent):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self._describe_wait(target, timeout))
            await self.state.wait_changed(remaining)
        message = target.bot_sent[target.cursor]
        target.cursor += 1
        return message

    def _describe_wait(self, chat: Chat, timeout: float) -> str:
        """A TimeoutError text listing what the chat has, to make failures readable."""
        lines = [f"no new bot message in chat {chat.id} within {timeout}s; the chat has:"]
        for message in list(chat.messages.values())[-15:]:
            lines.append(f"  {message!r}")
        if not chat.messages:
            lines.append("  (nothing)")
        return "\n".join(lines)

    async def wait_until(
        self,
        predicate: Callable[[], Any],
        timeout: float = 10.0,  # noqa: ASYNC109 - the emulator's API takes plain timeouts
        interval: float = 0.02,
    ) -> Any:
        """Poll `predicate` (sync or async) until it returns something truthy; return that."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            if loop.time() >= deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            await asyncio.sleep(interval)

    @property
    def callback_answers(self) -> dict[str, CallbackAnswer]:
        """How the bot answered each callback query, by query id."""
        return self.state.callback_answers

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates the bot has not yet confirmed with an offset."""
        return list(self.state.updates)

    @property
    def stats(self) -> Stats:
        """Counters: 429 answers, accepted sends per chat, requests by method and status."""
        return self.state.stats

    @property
    def bot_id(self) -> int:
        """The bot's user id (from the token)."""
        return self.state.bot_id

    @property
    def bot_username(self) -> str:
        """The bot's @username without the @."""
        return self.state.bot_username
