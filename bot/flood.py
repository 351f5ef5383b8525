"""Residents sending faster than a person types: more than 20 messages in a minute get one
answer, then everything they send (presses too) is ignored for a minute.

Counted in this process's memory, before the update's transaction: a flood costs no database
work at all, and nothing they have written (their draft) is touched. With replicas in webhook
mode each process counts the updates it is given, so behind a balancer that spreads one chat
over N replicas the limit is up to N times looser; that is still far from a person's pace, and
a count in the database would cost a write per flooded update (docs/DESIGN.md, "Abuse").
"""

from __future__ import annotations

from enum import StrEnum

from bot.ratelimit import SlidingWindow, Window
from storage.clock import Clock

# More than this many messages in any minute is not a person typing.
FLOOD = Window(count=20, seconds=60.0)
# How long a flooding resident is ignored after the one answer.
QUIET_SECONDS = 60.0
# Forget residents quiet for longer than this (memory stays bounded), checked this often.
FORGET_AFTER = 120.0
SWEEP_EVERY = 1000


class Verdict(StrEnum):
    """What to do with one update of a private chat."""

    handle = "handle"
    # The one that crossed the limit: answered with the flood notice, nothing else.
    warn = "warn"
    # Within the quiet minute after it: confirmed to Telegram and otherwise ignored.
    ignore = "ignore"


class FloodGate:
    """Per-resident counts of the last minute's updates, and who is being ignored until when."""

    def __init__(
        self, clock: Clock, *, window: Window = FLOOD, quiet: float = QUIET_SECONDS
    ) -> None:
        self._clock = clock
        self._window = window
        self._quiet = quiet
        self._windows: dict[int, SlidingWindow] = {}
        self._quiet_until: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._calls = 0

    def judge(self, user_id: int) -> Verdict:
        """Count one update of this resident's private chat, and say what to do with it."""
        now = self._clock.now().timestamp()
        self._sweep(now)
        until = self._quiet_until.get(user_id)
        if until is not None and now < until:
            return Verdict.ignore
        if until is not None:
            # The quiet minute is over: counting starts afresh.
            del self._quiet_until[user_id]
        window = self._windows.get(user_id)
        if window is None:
            window = self._windows[user_id] = SlidingWindow(self._window)
        self._last[user_id] = now
        if window.remaining(now) == 0:
            self._quiet_until[user_id] = now + self._quiet
            del self._windows[user_id]
            return Verdict.warn
        window.record(now)
        return Verdict.handle

    def quiet(self, user_id: int) -> bool:
        """Whether this resident is in the quiet minute after a flood (nothing is counted)."""
        until = self._quiet_until.get(user_id)
        return until is not None and self._clock.now().timestamp() < until

    def _sweep(self, now: float) -> None:
        """Now and then, forget residents who sent nothing for a while."""
        self._calls += 1
        if self._calls % SWEEP_EVERY:
            return
        for user_id, last in list(self._last.items()):
            if now - last > FORGET_AFTER and now >= self._quiet_until.get(user_id, 0.0):
                self._last.pop(user_id, None)
                self._windows.pop(user_id, None)
                self._quiet_until.pop(user_id, None)
