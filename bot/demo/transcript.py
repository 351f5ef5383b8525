"""The demo's transcript: people's actions played through the emulator, every chat written down."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from bot.demo.round import SETTLE_SECONDS
from bot.jobs import run_sweeps
from bot.service import BotService
from emulator import BotApiEmulator
from emulator.models import StoredMessage, User
from storage.clock import ShiftedClock


class Transcript:
    """Plays people's actions through the emulator and writes down what every chat shows."""

    def __init__(
        self,
        emu: BotApiEmulator,
        runtime: BotService,
        clock: ShiftedClock,
        out: Callable[[str], None],
    ) -> None:
        self.emu = emu
        self.runtime = runtime
        self.clock = clock
        self.out = out
        self.chat_names: dict[int, str] = {}
        # (chat, message) -> how many edits of it were shown
        self.shown: dict[tuple[int, int], int] = {}

    def name_chat(self, chat_id: int, name: str) -> None:
        """How a chat is labelled in the transcript."""
        self.chat_names[chat_id] = name

    async def settle(self) -> None:
        """Wait until the bot has handled everything and sent every reply."""
        loop = asyncio.get_running_loop()
        # A group chat takes 20 messages a minute: a busy moment can take that long to go out.
        deadline = loop.time() + SETTLE_SECONDS
        while loop.time() < deadline:
            poller = self.runtime.poller
            pending = [u["update_id"] for u in self.emu.pending_updates]
            caught_up = poller is not None and (
                not pending or (poller.offset is not None and poller.offset > max(pending))
            )
            if caught_up and await self.runtime.idle():
                return
            await asyncio.sleep(0.05)
        raise TimeoutError(f"the bot did not answer within {SETTLE_SECONDS} s")

    async def at(self, when: datetime, what: str) -> list[StoredMessage]:
        """Move the bot's clock on to `when`, run the scheduled sweeps once, print what came."""
        self.clock.jump_to(when)
        self.out(f"\n⏰ {when:%Y-%m-%d %H:%M} {what}")
        assert self.runtime.app is not None
        await run_sweeps(self.runtime.app)
        await self.settle()
        return self._show_new()

    def _show_new(self) -> list[StoredMessage]:
        """Print the bot's new and edited messages in every chat; return the new ones."""
        fresh = []
        for message in self.emu.all_messages():
            if not message.from_bot:
                continue
            key = (message.chat_id, message.message_id)
            seen = self.shown.get(key)
            if seen is not None and seen == message.edits:
                continue
            self.shown[key] = message.edits
            if seen is None:
                fresh.append(message)
            self.out(self._render(message, edited=seen is not None))
        return fresh

    def _render(self, message: StoredMessage, *, edited: bool) -> str:
        """A bot message as transcript lines, with the chat it is in and its buttons."""
        where = self.chat_names.get(message.chat_id, str(message.chat_id))
        body = (message.text or f"[{message.kind}]").strip()
        if message.kind == "location":
            body = "[位置]"
        elif message.kind in ("photo", "voice") and not message.text:
            body = f"[{'照片' if message.kind == 'photo' else '语音'}]"
        head = f"  〔{where}〕机器人 {'✎ 更新' if edited else '◂'} "
        pad = " " * 8
        lines = [head + line if i == 0 else pad + line for i, line in enumerate(body.splitlines())]
        buttons = [text for text, _data in message.buttons]
        if buttons:
            lines.append(pad + " ".join(f"[{b}]" for b in buttons))
        if message.keyboard:
            lines.append(pad + "⌨ " + " ".join(f"⟦{b}⟧" for row in message.keyboard for b in row))
        return "\n".join(lines)

    async def act(
        self, who: str, chat: int, line: str, action: Callable[[], object]
    ) -> list[StoredMessage]:
        """Do something as someone, print it and what the bot did; return new bot messages."""
        self.out(f"\n{who} 〔{self.chat_names.get(chat, chat)}〕 ▸ {line}")
        action()
        await self.settle()
        return self._show_new()

    async def press(self, user: User, message: StoredMessage, label: str) -> list[StoredMessage]:
        """Press the button with this label (or data prefix) on a bot message."""
        data = next(
            (d for text, d in message.buttons if d and (text == label or d.startswith(label))),
            None,
        )
        if data is None:
            raise RuntimeError(f"no button {label!r} in {message.buttons}")
        text = next(text for text, d in message.buttons if d == data)
        chat = self.emu.chat(message.chat_id)
        return await self.act(
            name_of(user),
            message.chat_id,
            f"[{text}]",
            lambda: self.emu.press_button(user, message, data, chat=chat),
        )

    def latest(self, chat_id: int, with_button: str) -> StoredMessage:
        """The bot's latest message in a chat that has a button with this label or prefix."""
        for message in reversed(self.emu.bot_messages(chat_id)):
            if any(
                text == with_button or (d or "").startswith(with_button)
                for text, d in message.buttons
            ):
                return message
        raise RuntimeError(f"no message with {with_button!r} in chat {chat_id}")


def name_of(user: User) -> str:
    """How a person is named in the transcript."""
    return f"{user.first_name}{user.last_name or ''}"
