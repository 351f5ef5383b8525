"""Sends held up on their way, as on a loaded machine, still keep Telegram's overall limit.

On a loaded machine a request can reach Telegram well after it left, and the ones behind it
arrive bunched: counted from when they left, the next second's sends joined the late ones
inside one of Telegram's windows (429s in a burst under CPU load). The pacing counts a send
as made "now" while it is on its way and from when Telegram answered it afterwards
(bot/ratelimit.py). Here the emulator, which enforces the limits, holds the first second's
sends for two seconds before it sees them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.ratelimit import GLOBAL, RateLimits
from storage import outbox
from tests.helpers.harness import running_bot

RESIDENTS = 90
HELD_SECONDS = 2.0


async def test_sends_held_up_on_their_way_do_not_cross_the_overall_limit(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, limits=RateLimits()) as harness:
        emu = harness.emu
        emu.flood_limits = True
        people = [emu.add_user(first_name=f"居民{i}") for i in range(RESIDENTS)]
        emu.hold("sendMessage")
        async with harness.database.transaction() as session:
            for person in people:
                outbox.enqueue_call(
                    session=session,
                    chat_id=person.id,
                    method="sendMessage",
                    params={"text": f"您好，{person.first_name}"},
                    now=harness.clock.now(),
                )
        assert harness.runtime.app is not None
        harness.runtime.app.outbox_wakeup.set()
        await emu.wait_until(lambda: emu.held >= GLOBAL.count, timeout=30)
        await asyncio.sleep(HELD_SECONDS)
        held = emu.held
        emu.release("sendMessage")

        await emu.wait_until(lambda: all(emu.bot_messages(p.id) for p in people), timeout=120)
        print(f"\n{held} sends held {HELD_SECONDS} s, then {RESIDENTS} in all: ", end="")
        print(f"{emu.stats.too_many_requests} × 429")
        assert held == GLOBAL.count
        assert emu.stats.too_many_requests == 0
