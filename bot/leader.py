"""Which role this process holds among the replicas on one database, and who wants to know.

Exactly one process is the leader: it polls Telegram (polling mode), runs the scheduled
sweeps and the outbox sender. The others are standbys, connected and migrated, ready to take
over (bot/election.py decides; docs/DESIGN.md "Replicas" says why it is done this way).

`RoleWatch` is the one place the role is kept: read `watch.role` (or `watch.is_leader`),
and `watch.subscribe(callback)` to hear of every change (the callback gets the new Role).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from enum import StrEnum

log = logging.getLogger(__name__)


class Role(StrEnum):
    """The role of one bot process."""

    leader = "leader"
    standby = "standby"


RoleListener = Callable[[Role], None]


class RoleWatch:
    """The current role of this process, and the listeners told when it changes."""

    def __init__(self, role: Role = Role.standby) -> None:
        self._role = role
        # Monotonic time of the last change (for "leader for 42 s" in health checks).
        self.since = time.monotonic()
        self._listeners: list[RoleListener] = []
        self._announced = False

    @property
    def role(self) -> Role:
        """The role held now."""
        return self._role

    @property
    def is_leader(self) -> bool:
        """Whether this process is the leader now."""
        return self._role is Role.leader

    def subscribe(self, listener: RoleListener) -> Callable[[], None]:
        """Call `listener(role)` on every change from now on; returns the unsubscribe."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def change(self, role: Role, reason: str) -> None:
        """Take `role` (logged, listeners told); nothing happens if it is the role held,
        but for the first call, which logs the role the process starts in."""
        if role is self._role:
            if not self._announced:
                self._announced = True
                log.warning("role: %s (at start): %s", role.value, reason)
            return
        self._announced = True
        previous, self._role = self._role, role
        self.since = time.monotonic()
        log.warning("role: %s (was %s): %s", role.value, previous.value, reason)
        for listener in list(self._listeners):
            try:
                listener(role)
            except Exception:
                log.exception("a role listener failed on the change to %s", role.value)
