"""Reading the chats: their messages, waiting for the bot's next one, and the counters."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from emulator.models import CallbackAnswer, Chat, Stats, StoredMessage
from emulator.people import ChatRef, People


class Reading(People):
    """What the chats show and what the bot did, for assertions and transcripts."""

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
