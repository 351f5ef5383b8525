"""Everything the emulated Telegram knows: bot, users, chats, messages, files and updates."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from emulator.errors import bad_request, forbidden, migrated
from emulator.limits import FloodConfig, FloodLimiter
from emulator.models import CallbackAnswer, Chat, Stats, StoredFile, StoredMessage, User
from emulator.params import Params

UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "message_reaction",
    "poll",
    "poll_answer",
)
# Telegram leaves these out unless asked for them explicitly in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_FILE_FOLDERS = {
    "photo": ("photos", ".jpg", "image/jpeg"),
    "voice": ("voice", ".oga", "audio/ogg"),
    "video": ("videos", ".mp4", "video/mp4"),
    "video_note": ("video_notes", ".mp4", "video/mp4"),
    "audio": ("music", ".mp3", "audio/mpeg"),
    "animation": ("animations", ".mp4", "video/mp4"),
    "sticker": ("stickers", ".webp", "image/webp"),
    "document": ("documents", "", "application/octet-stream"),
}

Handler = Callable[["EmulatorState", "Params"], Awaitable[Any]]


def parse_bot_id(token: str) -> int:
    """The bot's user id: the integer before ':' in the token."""
    head, sep, tail = token.partition(":")
    if not sep or not head.isdigit() or not tail:
        raise ValueError(f"not a bot token: {token!r} (expected '<digits>:<secret>')")
    return int(head)


class EmulatorState:
    """The store behind both the HTTP methods and the simulation API."""

    def __init__(
        self,
        token: str,
        *,
        enforce_limits: bool = False,
        flood_limits: bool = False,
        bot_first_name: str = "Xuncha Test Bot",
        bot_username: str = "xuncha_test_bot",
    ) -> None:
        """Create an empty world with one bot."""
        self.token = token
        self.bot_id = parse_bot_id(token)
        self.bot_first_name = bot_first_name
        self.bot_username = bot_username
        self.enforce_limits = enforce_limits
        self.flood_limits = flood_limits
        self.flood_config = FloodConfig()
        self.flood = FloodLimiter(self.flood_config)
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.photo_sets: dict[str, list[StoredFile]] = {}
        self.message_log: list[StoredMessage] = []
        self.updates: list[dict[str, Any]] = []
        self.allowed_updates: list[str] | None = None
        self.webhook: dict[str, Any] | None = None
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.bot_settings: dict[str, Any] = {}
        self.default_menu_button: dict[str, Any] = {"type": "commands"}
        self.stats = Stats()
        self.closing = False
        self.poll_generation = 0
        self._changed = asyncio.Event()
        self._update_ids = itertools.count(secrets.randbelow(10_000) * 1000 + 100_000_001)
        self._user_ids = itertools.count(7_000_000_001)
        self._group_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)

    # -- waking waiters ---------------------------------------------------------------------

    def notify(self) -> None:
        """Wake everything waiting for a change (long polls, next_bot_message, ...)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_changed(self, seconds: float) -> None:
        """Wait up to `seconds` for the next change."""
        event = self._changed
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    # -- identities -------------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        """The bot's User object (as in getMe and in `from` of its messages)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def new_user_id(self) -> int:
        """A fresh user id that is not taken."""
        while True:
            candidate = next(self._user_ids)
            if candidate not in self.users and candidate != self.bot_id:
                return candidate

    def new_group_id(self, supergroup: bool) -> int:
        """A fresh negative chat id shaped like Telegram's (-100xxxxxxxxxx for supergroups)."""
        while True:
            n = next(self._group_ids)
            base = 1_002_000_000_000 if supergroup else 900_000_000
            candidate = -(base + n)
            if candidate not in self.chats:
                return candidate

    def new_callback_id(self) -> str:
        """A fresh callback query id (a long decimal string, like Telegram's)."""
        return str(4_000_000_000_000_000_000 + next(self._callback_ids) * 7919)

    # -- chats ------------------------------------------------------------------------------

    def find_chat(self, ref: int | str | None) -> Chat | None:
        """The chat with this id or @username, or None."""
        if ref is None:
            return None
        if isinstance(ref, str):
            if ref.startswith("@"):
                name = ref[1:].lower()
                for chat in self.chats.values():
                    uname = chat.username or (chat.user.username if chat.user else None)
                    if uname and uname.lower() == name:
                        return chat
                return None
            try:
                ref = int(ref)
            except ValueError:
                return None
        return self.chats.get(ref)

    def chat_for_bot(self, ref: int | str | None, *, allow_blocked: bool = False) -> Chat:
        """The chat the bot wants to act in; 400/403 where Telegram refuses."""
        if ref is None or ref == "":
            raise bad_request("chat_id is empty")
        chat = self.find_chat(ref)
        if chat is None or chat.deleted:
            raise bad_request("chat not found")
        if chat.migrated_to_chat_id is not None:
            raise migrated(chat.migrated_to_chat_id)
        if chat.user is not None:
            if chat.user.blocked_bot and not allow_blocked:
                raise forbidden("bot was blocked by the user")
        elif chat.bot_kicked:
            kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
            raise forbidden(f"bot was kicked from the {kind}")
        elif chat.bot_left:
            kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
            raise forbidden(f"bot is not a member of the {kind}")
        return chat

    def message_in(self, chat: Chat, message_id: int | None) -> StoredMessage | None:
        """A message of the chat that still exists."""
        if message_id is None:
            return None
        message = chat.messages.get(message_id)
        return None if message is None or message.deleted else message

    def add_message(
        self,
        chat: Chat,
        sender: dict[str, Any],
        body: dict[str, Any],
        *,
        from_bot: bool,
        raw_text: str | None = None,
        sent_markup: dict[str, Any] | None = None,
        reply_to: StoredMessage | None = None,
    ) -> StoredMessage:
        """Store a new message in the chat's history with the next message_id."""
        message_id = chat.next_message_id
        chat.next_message_id += 1
        data: dict[str, Any] = {
            "message_id": message_id,
            "from": sender,
            "chat": chat.to_dict(),
            "date": int(time.time()),
        }
        if reply_to is not None:
            replied = copy.deepcopy(reply_to.data)
            replied.pop("reply_to_message", None)
            data["reply_to_message"] = replied
        data.update(body)
        message = StoredMessage(
            chat_id=chat.id,
            message_id=message_id,
            data=data,
            from_bot=from_bot,
            raw_text=raw_text,
            sent_markup=sent_markup,
        )
        message.versions.append(message.text)
        chat.messages[message_id] = message
        self.message_log.append(message)
        if from_bot:
            chat.bot_sent.append(message)
        self.notify()
        return message

    # -- updates ----------------------------------------------------------------------------

    def enqueue(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update of `kind` ("message", "callback_query", ...) for the bot."""
        update = {"update_id": next(self._update_ids), kind: copy.deepcopy(payload)}
        self.updates.append(update)
        self.notify()
        return update

    def enqueue_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a ready-made update, giving it an update_id if it has none."""
        update = copy.deepcopy(update)
        update.setdefault("update_id", next(self._update_ids))
        self.updates.append(update)
        self.notify()
        return update

    def confirm(self, offset: int) -> None:
        """Forget updates with update_id below `offset` (getUpdates' confirmation)."""
        if offset < 0:
            keep = -offset
            self.updates = self.updates[-keep:] if keep else []
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def deliverable(self, allowed: list[str] | None) -> list[dict[str, Any]]:
        """Pending updates of the allowed types, oldest first."""
        if not allowed:
            return [u for u in self.updates if not (set(u) & _OPT_IN_UPDATES)]
        wanted = set(allowed)
        return [u for u in self.updates if set(u) & wanted]

    # -- files ------------------------------------------------------------------------------

    def new_file(
        self,
        data: bytes,
        kind: str,
        *,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> StoredFile:
        """Store bytes under a fresh, unique file_id and file_path."""
        n = next(self._file_ids)
        folder, ext, default_mime = _FILE_FOLDERS.get(kind, _FILE_FOLDERS["document"])
        if file_name and "." in file_name:
            ext = "." + file_name.rsplit(".", 1)[1][:10]
        stored = StoredFile(
            file_id=f"EMU{kind[:2].upper()}{n:06d}{secrets.token_hex(8)}",
            file_unique_id=f"U{n:06d}{secrets.token_hex(3)}",
            data=data,
            file_path=f"{folder}/file_{n}{ext}",
            kind=kind,
            mime_type=mime_type or default_mime,
            file_name=file_name,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored
