"""The people and chats on the other side of the bot: creating them, finding them, and what
happens to a chat (blocked, deleted, the bot kicked out, a group upgraded)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, Protocol

from emulator.api_other import ADMIN_RIGHTS
from emulator.models import Chat, StoredMessage, User
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


class People:
    """Users and chats over an EmulatorState; Acting and Reading build on it."""

    def __init__(self, state: EmulatorState) -> None:
        """Act on `state`."""
        self.state = state

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

    def add_member(
        self, chat: ChatRef, user: UserRef, *, admin: bool = False, notify_bot: bool = False
    ) -> None:
        """Make a user a member (or an administrator) of a group; with notify_bot, the bot
        gets the chat_member update (see _chat_member)."""
        group, member = self.chat(chat), self.user(user)
        old = self._status(group, member.id)
        group.member_ids.add(member.id)
        if admin and member.id not in group.admin_ids:
            group.admin_ids.append(member.id)
        if notify_bot:
            self._chat_member(group, member, old, self._status(group, member.id))

    def remove_member(self, chat: ChatRef, user: UserRef, *, notify_bot: bool = True) -> None:
        """A member leaves a group (an administrator too); the bot gets the chat_member update
        (see _chat_member)."""
        group, member = self.chat(chat), self.user(user)
        old = self._status(group, member.id)
        group.member_ids.discard(member.id)
        if member.id in group.admin_ids:
            group.admin_ids.remove(member.id)
        if group.creator_id == member.id:
            group.creator_id = None
        if notify_bot:
            self._chat_member(group, member, old, "left")

    def _status(self, chat: Chat, user_id: int) -> str:
        """A user's status in a group, as getChatMember says it."""
        if user_id == chat.creator_id:
            return "creator"
        if user_id in chat.admin_ids:
            return "administrator"
        return "member" if user_id in chat.member_ids else "left"

    def _chat_member(self, chat: Chat, user: User, old: str, new: str) -> None:
        """Queue a chat_member update about a user's status in `chat`.

        As Telegram does: only while the bot is an administrator there, and the bot gets it
        only when it asks for "chat_member" in allowed_updates (state.deliverable).
        """
        if not chat.bot_is_admin or chat.bot_kicked or chat.bot_left or old == new:
            return

        def member(status: str) -> dict[str, Any]:
            found: dict[str, Any] = {"status": status, "user": user.to_dict()}
            if status == "creator":
                found["is_anonymous"] = False
            if status == "administrator":
                found.update(ADMIN_RIGHTS)
            return found

        payload = {
            "chat": chat.to_dict(),
            "from": user.to_dict(),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        self.state.enqueue("chat_member", payload)

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

    def add_bot_back(
        self, chat: ChatRef, *, by: UserRef | None = None, notify_bot: bool = True
    ) -> None:
        """Add the bot to a group it was removed from (by default by the chat's creator): sends
        go through again, and a my_chat_member update (kicked/left -> member or administrator)
        is queued unless notify_bot=False."""
        target = self.chat(chat)
        old = "kicked" if target.bot_kicked else "left"
        target.bot_kicked = target.bot_left = False
        if notify_bot:
            creator = self.state.users.get(target.creator_id or 0)
            actor = self.user(by) if by is not None else creator
            new = "administrator" if target.bot_is_admin else "member"
            self._my_chat_member(target, actor, old, new)

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
