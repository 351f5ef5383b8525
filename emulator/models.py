"""Plain records the emulator keeps: users, chats, messages, files, requests, statistics."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

MEDIA_KINDS = (
    "text",
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
)


@dataclass
class User:
    """A simulated Telegram user (resident, inspector, operator)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    blocked_bot: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The User object as the Bot API sends it."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot}
        data["first_name"] = self.first_name
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    @property
    def full_name(self) -> str:
        """First and last name joined by a space."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass
class Chat:
    """A private chat with a user, or a group the bot is in."""

    id: int
    type: str
    title: str | None = None
    user: User | None = None
    username: str | None = None
    creator_id: int | None = None
    admin_ids: list[int] = field(default_factory=list)
    member_ids: set[int] = field(default_factory=set)
    bot_is_admin: bool = True
    deleted: bool = False
    bot_kicked: bool = False
    bot_left: bool = False
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    bot_sent: list[StoredMessage] = field(default_factory=list)
    cursor: int = 0
    menu_button: dict[str, Any] | None = None
    # A basic group upgraded to a supergroup: the supergroup's id (calls to this one fail);
    # on the supergroup, the id of the group it was.
    migrated_to_chat_id: int | None = None
    migrated_from_chat_id: int | None = None

    @property
    def is_private(self) -> bool:
        """Whether this is a one-to-one chat with a user."""
        return self.type == "private"

    def to_dict(self) -> dict[str, Any]:
        """The Chat object embedded in messages."""
        if self.user is not None:
            data: dict[str, Any] = {"id": self.id, "type": "private"}
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
            return data
        data = {"id": self.id, "type": self.type, "title": self.title or ""}
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class StoredMessage:
    """One message in a chat, in its current state; `data` is the Bot API Message object."""

    chat_id: int
    message_id: int
    data: dict[str, Any]
    from_bot: bool
    raw_text: str | None = None
    sent_markup: dict[str, Any] | None = None
    deleted: bool = False
    edits: int = 0
    versions: list[str | None] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:
        """Dict-style access to the Message object's fields."""
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        """Dict-style get on the Message object's fields."""
        return self.data.get(key, default)

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the Message object."""
        return copy.deepcopy(self.data)

    @property
    def text(self) -> str | None:
        """The visible text, or the visible caption of a media message."""
        value = self.data.get("text", self.data.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def caption(self) -> str | None:
        """The visible caption of a media message."""
        value = self.data.get("caption")
        return value if isinstance(value, str) else None

    @property
    def entities(self) -> list[dict[str, Any]]:
        """Entities of the text or caption."""
        return list(self.data.get("entities") or self.data.get("caption_entities") or [])

    @property
    def kind(self) -> str:
        """What the message carries: "text", "photo", "location", "voice", ... or "service"."""
        for kind in MEDIA_KINDS:
            if kind in self.data:
                return kind
        return "service"

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        """The reply_markup sent with the message (inline or reply keyboard, as last set)."""
        return self.sent_markup

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """Inline buttons, row by row, as (text, callback_data); None for non-callback buttons."""
        markup = self.data.get("reply_markup") or {}
        return [
            (button.get("text", ""), button.get("callback_data"))
            for row in markup.get("inline_keyboard", [])
            for button in row
        ]

    @property
    def keyboard(self) -> list[list[str]]:
        """Texts of a reply keyboard's buttons (a ReplyKeyboardMarkup), row by row."""
        markup = self.sent_markup or {}
        return [
            [b if isinstance(b, str) else b.get("text", "") for b in row]
            for row in markup.get("keyboard", [])
        ]

    @property
    def reply_to_message_id(self) -> int | None:
        """The id of the message this one replies to."""
        replied = self.data.get("reply_to_message")
        return replied.get("message_id") if isinstance(replied, dict) else None

    @property
    def media_group_id(self) -> str | None:
        """The album this message belongs to."""
        return self.data.get("media_group_id")

    @property
    def date(self) -> int:
        """Unix time the message was sent."""
        return int(self.data.get("date", 0))

    def __repr__(self) -> str:
        """A short description for assertion messages."""
        who = "bot" if self.from_bot else "user"
        gone = " deleted" if self.deleted else ""
        return (
            f"<{who} message {self.message_id} in {self.chat_id} {self.kind}{gone}: "
            f"{(self.text or '')[:80]!r} buttons={self.buttons}>"
        )


@dataclass
class StoredFile:
    """File bytes the emulator can serve through getFile and the file route."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    kind: str
    mime_type: str | None = None
    file_name: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class CallbackAnswer:
    """How the bot answered a callback query."""

    text: str | None
    show_alert: bool
    url: str | None = None
    cache_time: int | None = None


@dataclass
class RequestRecord:
    """One HTTP call the bot made: when, which method, its parameters and the answer status."""

    time: float
    method: str
    params: dict[str, Any]
    status: int | None = None
    description: str | None = None
    result: Any = None

    def __iter__(self) -> Iterator[Any]:
        """Unpack as (time, method, params, status)."""
        return iter((self.time, self.method, self.params, self.status))


@dataclass
class Stats:
    """Counters over the emulator's lifetime."""

    too_many_requests: int = 0
    sent: int = 0
    sent_per_chat: Counter[int] = field(default_factory=Counter)
    too_many_per_chat: Counter[int] = field(default_factory=Counter)
    by_method: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
