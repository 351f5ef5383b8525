"""Sliding-window limits that keep the bot under Telegram's flood limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """At most `count` sends in any `seconds`-long window."""

    count: int
    seconds: float


class Mark:
    """One send counted in a window: in flight until answered, then when it was answered."""

    __slots__ = ("at", "in_flight")

    def __init__(self, at: float, *, in_flight: bool = False) -> None:
        self.at = at
        # Unanswered, a request may still arrive any moment: it counts as sent "now".
        self.in_flight = in_flight


class SlidingWindow:
    """Send times of one key, to tell how long until the next send is allowed."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self._sent: list[Mark] = []

    def _live(self, now: float) -> list[float]:
        """The times of the sends still inside the window at `now`, oldest first."""
        start = now - self.window.seconds
        self._sent = [mark for mark in self._sent if mark.in_flight or mark.at > start]
        return sorted(now if mark.in_flight else mark.at for mark in self._sent)

    def wait(self, now: float) -> float:
        """Seconds to wait before a send at `now` stays within the window."""
        times = self._live(now)
        if len(times) < self.window.count:
            return 0.0
        # Seeded from the database a window may hold more than `count`: wait for the excess.
        return times[len(times) - self.window.count] + self.window.seconds - now

    def remaining(self, now: float) -> int:
        """How many more sends the window allows at `now`."""
        return max(self.window.count - len(self._live(now)), 0)

    def record(self, now: float, *, in_flight: bool = False) -> Mark:
        """Note a send at `now` (one made and answered, or one on its way)."""
        mark = Mark(now, in_flight=in_flight)
        self._sent.append(mark)
        return mark


class Slot:
    """A claimed send; `done()` once Telegram answered moves its marks to the answer's time.

    A request can reach Telegram any time between leaving and its answer (later, when the
    machine is loaded and requests bunch on the way): counting it from the answer keeps the
    next sends a full window after its latest possible arrival.
    """

    def __init__(self, marks: tuple[Mark, ...], monotonic: Callable[[], float]) -> None:
        self._marks = marks
        self._monotonic = monotonic

    @property
    def counted(self) -> int:
        """1 when the windows count this call, 0 for one they let through uncounted."""
        return 1 if self._marks else 0

    def done(self) -> None:
        """The call was answered (or failed) now."""
        now = self._monotonic()
        for mark in self._marks:
            mark.at = max(mark.at, now)
            mark.in_flight = False


# What Telegram counts against a private chat's limit and the overall one: messages sent.
# Edits, answers to button presses, chat actions ("uploading...") are not messages and are not
# counted (the emulator's FloodConfig.count_edits is False, as Telegram counts edits apart);
# counting them held a resident's next question back behind the keyboard change of the step
# before. In a group chat every call is still counted: Telegram limits edits there too.
UNCOUNTED_SENDS = frozenset({"sendChatAction"})
COUNTED_OTHERS = frozenset({"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"})


def counts(chat_id: int, method: str) -> bool:
    """Whether a call of `method` to the chat counts against the windows."""
    if chat_id < 0:
        return True
    if method.startswith("send"):
        return method not in UNCOUNTED_SENDS
    return method in COUNTED_OTHERS


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
        self._overall_turn = asyncio.Lock()

    @property
    def longest(self) -> float:
        """The longest window, in seconds: sends older than this no longer count."""
        return max(self._overall.window.seconds, self._private.seconds, self._group.seconds)

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

    def record(self, chat_id: int, *, in_flight: bool = False) -> Slot:
        """Note a send to `chat_id` made now; `in_flight`: on its way until the returned slot
        is done() (counted as sent "now" until then)."""
        now = self._monotonic()
        marks = (
            self._overall.record(now, in_flight=in_flight),
            self._chat(chat_id).record(now, in_flight=in_flight),
        )
        return Slot(marks, self._monotonic)

    def seed(self, sends: Iterable[tuple[int, float]]) -> None:
        """Count sends made before this process led: (chat id, seconds ago), e.g. from the
        outbox's sent rows, so that a new leader does not spend a window already spent."""
        now = self._monotonic()
        for chat_id, ago in sends:
            at = now - max(ago, 0.0)
            self._overall.record(at)
            self._chat(chat_id).record(at)

    async def take_slot(self, chat_id: int, method: str = "sendMessage") -> Slot:
        """Wait until a call of `method` to `chat_id` is within the limits, then claim it (at
        once, and counted nowhere, for a call Telegram does not count: `counts`)."""
        if not counts(chat_id, method):
            return Slot((), self._monotonic)
        chat = self._chat(chat_id)
        while True:
            # The chat's own window first: only this chat's worker waits on it.
            await self._wait_out(chat)
            # The overall window one worker at a time, first come first served: the others
            # wait their turn on the lock instead of all waking to look at the window.
            async with self._overall_turn:
                await self._wait_out(self._overall)
                # No await between the last check and the claim: nobody overtakes.
                if chat.wait(self._monotonic()) <= 0:
                    return self.record(chat_id, in_flight=True)

    async def _wait_out(self, window: SlidingWindow) -> None:
        """Sleep until a send is within `window`. Its wait only grows meanwhile (a send in
        flight counts as made "now" and is answered later), so it is never slept past."""
        wait = window.wait(self._monotonic())
        while wait > 0:
            await asyncio.sleep(wait)
            wait = window.wait(self._monotonic())


def unpaced() -> RateLimits:
    """Limits nothing reaches: for a run against an emulator that enforces none (tests, an
    unpaced demo)."""
    roomy = Window(count=10_000, seconds=1.0)
    return RateLimits(overall=roomy, private=roomy, group=roomy)
