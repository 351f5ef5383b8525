"""A local Telegram Bot API emulator for tests, the demo and benchmarks.

    async with BotApiEmulator(token="123456:TEST", enforce_limits=True) as emu:
        bot = telegram.Bot(emu.token, **emu.bot_kwargs())   # base_url=<root>/bot, ...
        alice = emu.add_user("王", "保军")
        emu.send_text(alice, "/start")                      # queues an Update
        reply = await emu.next_bot_message(alice)           # what the bot answered

Standalone: python -m emulator --port 8081 --token 123456:TEST
"""

from emulator.emulator import BotApiEmulator, PtbUrls
from emulator.faults import Fault
from emulator.limits import FloodConfig
from emulator.models import (
    CallbackAnswer,
    Chat,
    RequestRecord,
    Stats,
    StoredFile,
    StoredMessage,
    User,
)

__all__ = [
    "BotApiEmulator",
    "CallbackAnswer",
    "Chat",
    "Fault",
    "FloodConfig",
    "PtbUrls",
    "RequestRecord",
    "Stats",
    "StoredFile",
    "StoredMessage",
    "User",
]
