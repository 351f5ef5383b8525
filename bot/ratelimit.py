"""Sliding-window limits that keep the bot under Telegram's flood limits."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """At most `count` sends in any `seconds`-long window."""

    count: int
    seconds: float


class SlidingWindow:
    """Send times of one key, to tell how long until the next send is allowed."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self._sent: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Seconds to wait before a send at `now` stays within the window."""
        while self._sent and self._sent[0] <= now - self.window.seconds:
            self._sent.popleft()
        if len(self._sent) < self.window.count:
            return 0.0
        return self._sent[0] + self.window.seconds - now

    def remaining(self, now: float) -> int:
        """How many more sends the window allows at `now`."""
        self.wait(now)
        return self.window.count - len(self._sent)

    def record(self, now: float) -> None:
        """Note a send at `now`."""
        self._sent.append(now)


# Telegram's published limits, with a margin so the emulator's (and Telegram's) own
# counting never sees us over them.
GLOBAL = Window(count=28, seconds=1.0)
PRIVATE_CHAT = Window(count=3, seconds=3.2)
GROUP_CHAT = Window(count=19, seconds=61.0)


class RateLimits:
    """The overall limit plus one window per chat (groups have negative ids)."""

    def __init__(
        self,
        *,
        overall: Window = GLOBAL,
        private: Window = PRIVATE_CHAT,
        group: Window = GROUP_CHAT,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._overall = SlidingWindow(overall)
        self._private = private
        self._group = group
        self._chats: dict[int, SlidingWindow] = {}
        self._monotonic = monotonic

    def _chat(self, chat_id: int) -> SlidingWindow:
        """The window of one chat, made on first use."""
        window = self._chats.get(chat_id)
        if window is None:
            window = SlidingWindow(self._group if chat_id < 0 else self._private)
            self._chats[chat_id] = window
        return window

    def wait(self, chat_id: int) -> float:
        """Seconds until a send to `chat_id` is allowed by both limits."""
        now = self._monotonic()
        return max(self._overall.wait(now), self._chat(chat_id).wait(now))

    def remaining(self, chat_id: int) -> int:
        """How many more sends this chat's window allows right now."""
        return self._chat(chat_id).remaining(self._monotonic())

    def record(self, chat_id: int) -> None:
        """Note a send to `chat_id`."""
        now = self._monotonic()
        self._overall.record(now)
        self._chat(chat_id).record(now)

    async def take_slot(self, chat_id: int) -> None:
        """Wait until a send to `chat_id` is within the limits, then claim it."""
        wait = self.wait(chat_id)
        while wait > 0:
            await asyncio.sleep(wait)
            wait = self.wait(chat_id)
        # No await between the last check and the claim: workers cannot overtake each other.
        self.record(chat_id)


def unpaced() -> RateLimits:
    """Limits nothing reaches: for a run against an emulator that enforces none (tests, an
    unpaced demo)."""
    roomy = Window(count=10_000, seconds=1.0)
    return RateLimits(overall=roomy, private=roomy, group=roomy)
