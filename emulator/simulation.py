"""The people side: users and groups that send messages and press buttons, and what they see."""

from __future__ import annotations

from emulator.acting import Acting, detect_entities
from emulator.people import ChatRef, HasId, HasMessageId, MessageRef, UserRef
from emulator.reading import Reading

__all__ = [
    "ChatRef",
    "HasId",
    "HasMessageId",
    "MessageRef",
    "Simulator",
    "UserRef",
    "detect_entities",
]


class Simulator(Acting, Reading):
    """User actions and read-outs over an EmulatorState; BotApiEmulator adds the HTTP server."""
