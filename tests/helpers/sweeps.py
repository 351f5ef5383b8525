"""Running the scheduled sweeps at chosen fake times, as the JobQueue's job would."""

from __future__ import annotations

from datetime import datetime

from bot import jobs
from tests.helpers.harness import BotHarness


async def sweep_at(harness: BotHarness, moment: datetime) -> list[str]:
    """Move the clock to `moment` (never back), run every sweep once, deliver what it queued."""
    assert moment >= harness.clock.now(), (moment, harness.clock.now())
    harness.clock.set(moment)
    app = harness.runtime.app
    assert app is not None
    sent = await jobs.run_sweeps(app)
    await harness.settle()
    return sent
