"""Fault injection (5xx, slow, dropped, 429 answers) and holding requests until released."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from emulator.errors import DropConnection

FAULT_KINDS = ("5xx", "slow", "drop", "lost", "429")


@dataclass
class Fault:
    """One injected failure; `times` None means until removed."""

    method: str | None
    kind: str
    times: int | None = 1
    delay: float = 0.0
    chat_id: int | str | None = None
    retry_after: int = 1
    hits: int = 0

    @property
    def active(self) -> bool:
        """Whether the fault still applies to new requests."""
        return self.times is None or self.hits < self.times

    def matches(self, method: str, chat_id: int | str | None) -> bool:
        """Whether a request of `method` to `chat_id` should suffer this fault."""
        if not self.active:
            return False
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or str(self.chat_id) == str(chat_id)


class FaultInjector:
    """The list of injected faults, consulted once per request."""

    def __init__(self) -> None:
        """Start with no faults."""
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Register a fault and return it."""
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; one of {FAULT_KINDS}")
        self.faults.append(fault)
        return fault

    def take(self, method: str, chat_id: int | str | None) -> Fault | None:
        """The first fault matching this request, counting the hit."""
        for fault in self.faults:
            if fault.matches(method, chat_id):
                fault.hits += 1
                return fault
        return None

    def clear(self) -> None:
        """Remove all faults."""
        self.faults.clear()


@dataclass
class _Gate:
    """A closed gate requests wait at; opened with or without letting them be performed."""

    event: asyncio.Event = field(default_factory=asyncio.Event)
    perform: bool = True


class Holds:
    """Methods whose requests wait until released (None holds every method)."""

    def __init__(self) -> None:
        """Start with nothing held."""
        self._gates: dict[str | None, _Gate] = {}
        self.waiting = 0

    def hold(self, method: str | None) -> None:
        """Make new requests of `method` wait."""
        key = method.lower() if method else None
        self._gates.setdefault(key, _Gate())

    def release(self, method: str | None = None, *, drop: bool = False) -> None:
        """Open the gate of `method` (None: all); with drop=True waiting requests are dropped."""
        keys = list(self._gates) if method is None else [method.lower()]
        for key in keys:
            gate = self._gates.pop(key, None)
            if gate is not None:
                gate.perform = not drop
                gate.event.set()

    def is_held(self, method: str) -> bool:
        """Whether a request of `method` would wait now."""
        return method.lower() in self._gates or None in self._gates

    async def wait(self, method: str) -> None:
        """Wait while `method` (or everything) is held; raise DropConnection if dropped."""
        while True:
            gate = self._gates.get(method.lower()) or self._gates.get(None)
            if gate is None:
                return
            self.waiting += 1
            try:
                await gate.event.wait()
            finally:
                self.waiting -= 1
            if not gate.perform:
                raise DropConnection()
