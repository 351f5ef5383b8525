"""A burst of complaints into one group chat, with the emulator enforcing flood limits."""

from __future__ import annotations

import time
from pathlib import Path

from bot.ratelimit import RateLimits
from tests.helpers import factories
from tests.helpers.group_flow import linked_chat
from tests.helpers.harness import running_bot

BURST = 200


async def test_200_complaints_for_one_group_are_all_visible_without_a_429(
    tmp_path: Path,
) -> None:
    # Telegram's real pacing in the bot, Telegram's flood limits in the emulator.
    async with running_bot(tmp_path, limits=RateLimits()) as harness:
        inspector = await linked_chat(harness)
        harness.emu.flood_limits = True
        started = time.monotonic()
        ids: dict[str, int] = {}
        for i in range(BURST):
            complaint = await factories.file(
                harness.database, 8_000_000_000 + i, now=harness.clock.now()
            )
            assert complaint.id is not None
            ids[complaint.number] = complaint.id
        numbers = list(ids)
        assert harness.runtime.app is not None
        harness.runtime.app.outbox_wakeup.set()
        filed = time.monotonic() - started

        def visible() -> set[str]:
            shown = "\n".join(m.text or "" for m in harness.emu.bot_messages(inspector.chat.id))
            return {number for number in numbers if number in shown}

        await harness.emu.wait_until(lambda: len(visible()) == BURST, timeout=240)
        all_visible = time.monotonic() - started
        cards = [
            m
            for m in harness.emu.bot_messages(inspector.chat.id)
            if any(number in (m.text or "") for number in numbers)
        ]
        print(
            f"\nburst: {BURST} complaints filed in {filed:.1f}s; all visible after "
            f"{all_visible:.1f}s in {len(cards)} messages; "
            f"429s: {harness.emu.stats.too_many_requests}"
        )
        assert harness.emu.stats.too_many_requests == 0
        assert len(cards) < BURST / 4
        # Each complaint of a combined message keeps buttons of its own.
        for number in numbers:
            card = next(m for m in cards if number in (m.text or ""))
            own = [d for _t, d in card.buttons if d and d.split(":")[2] == str(ids[number])]
            assert own, f"{number} has no buttons of its own"
