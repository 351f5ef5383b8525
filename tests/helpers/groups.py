"""Helpers for e2e tests of group and department chats: linked chats and the people in them.

`link_chat` issues a one-time code the way `xuncha link-code` does and has a chat
administrator send `/link CODE`; an `Inspector` (or a department member) writes, replies and
presses buttons in one chat, and every action waits until the bot is done.
"""

from __future__ import annotations

from typing import Any

from emulator.models import Chat, StoredMessage, User
from storage import links
from tests.helpers.harness import BotHarness


async def issue_code(
    harness: BotHarness, target: str, code: str | None = None, round_code: str | None = None
) -> str:
    """A one-time link code for a group or department (by code) or a round's office."""
    async with harness.database.transaction() as session:
        link = await links.issue_code(
            session=session,
            target=target,
            round_code=round_code,
            code=code,
            now=harness.clock.now(),
        )
        return link.code


async def link_chat(
    harness: BotHarness,
    chat: Chat,
    target: str,
    code: str | None = None,
    *,
    admin: User | None = None,
    round_code: str | None = None,
) -> list[StoredMessage]:
    """Link `chat` to a group/department `code` (or a round's office): the bot's answers."""
    text = await issue_code(harness, target, code, round_code)
    if admin is None:
        assert chat.admin_ids, "the chat needs an administrator to send /link"
        admin = harness.emu.user(chat.admin_ids[0])
    before = len(harness.emu.bot_messages(chat.id))
    harness.emu.send_text(admin, f"/link {text}", chat=chat)
    await harness.settle()
    return harness.emu.bot_messages(chat.id)[before:]


class Inspector:
    """Someone in a group (or department) chat; every action waits until the bot is done.

    Writing or pressing makes them a member of the chat, unless `joins` is False (a stranger
    outside the chat who sees its messages, as in a public supergroup).
    """

    def __init__(self, harness: BotHarness, user: User, chat: Chat, *, joins: bool = True) -> None:
        self.harness = harness
        self.user = user
        self.chat = chat
        self.joins = joins
        self.seen = len(harness.emu.bot_messages(chat.id))

    @property
    def emu(self) -> Any:
        return self.harness.emu

    def new_messages(self) -> list[StoredMessage]:
        """Bot messages in the chat since the last look."""
        messages = self.emu.bot_messages(self.chat.id)
        fresh = messages[self.seen :]
        self.seen = len(messages)
        return fresh

    def messages(self) -> list[StoredMessage]:
        """All bot messages in the chat (current state)."""
        return list(self.emu.bot_messages(self.chat.id))

    async def say(self, text: str, reply_to: StoredMessage | None = None) -> list[StoredMessage]:
        self.emu.send_text(self.user, text, chat=self.chat, reply_to=reply_to, join=self.joins)
        await self.harness.settle()
        return self.new_messages()

    async def reply(self, message: StoredMessage, text: str) -> list[StoredMessage]:
        return await self.say(text, reply_to=message)

    async def press(
        self, message: StoredMessage, data: str, *, check: bool = True
    ) -> tuple[str | None, list[StoredMessage]]:
        """Press a button (by data or text): the callback answer's text and new messages."""
        query = self.emu.press_button(
            self.user, message, data, check=check, chat=self.chat, join=self.joins
        )
        await self.harness.settle()
        answer = self.emu.callback_answers.get(query["id"])
        assert answer is not None, "every button press is answered"
        return answer.text, self.new_messages()

    def message(self, message_id: int) -> StoredMessage:
        """A bot message of the chat as it is now (after edits)."""
        return next(m for m in self.messages() if m.message_id == message_id)


def shows(message: StoredMessage, number: str) -> bool:
    """Whether a message shows this complaint number as its own (not as another card's likely
    duplicate, the line marked 🔁)."""
    lines = (message.text or "").splitlines()
    return any(number in line for line in lines if not line.startswith("🔁"))


def card_of(messages: list[StoredMessage], number: str) -> StoredMessage:
    """The (last) bot message with buttons that shows this complaint number (as its own, not
    as another card's likely duplicate, the line marked 🔁)."""

    found = [m for m in messages if shows(m, number) and m.buttons]
    assert found, f"no card of {number} among {messages}"
    return found[-1]


def add_inspection_chat(
    harness: BotHarness, title: str, first_name: str = "李", language: str = "zh"
) -> tuple[Chat, User]:
    """A supergroup with one administrator (who can /link it)."""
    admin = harness.emu.add_user(first_name=first_name, language_code=language)
    chat = harness.emu.add_group(title=title, admins=[admin])
    return chat, admin
