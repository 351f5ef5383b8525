"""The health and metrics endpoint of real `xuncha run` replicas: each says its role, and the
standby's says leader once it took over (what deploy/alerts.yml's XunchaNoLeader sums)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from emulator import BotApiEmulator
from tests.helpers.harness import free_port
from tests.helpers.processes import BotProcess, leader_of, wait_for
from tests.helpers.scrape import Samples, get_url, scrape_url
from tests.replicas.conftest import needs_postgresql


def _leaders(scrapes: list[Samples]) -> float:
    """sum(xuncha_role{xuncha_role="leader"}) over the replicas scraped."""
    return sum(seen.get("xuncha_role", xuncha_role="leader") for seen in scrapes)


async def _answering(base: str, timeout: float = 60.0) -> None:  # noqa: ASYNC109
    """Wait until a process's endpoint answers /healthz: it starts after the migrations, so a
    process can have logged its role before it listens."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            if (await get_url(base + "/healthz"))[0] == 200:
                return
        except aiohttp.ClientConnectionError:
            pass
        assert loop.time() < deadline, f"{base} does not answer"
        await asyncio.sleep(0.1)


@needs_postgresql
async def test_each_replica_reports_its_role_and_the_standby_takes_over(
    emu: BotApiEmulator, pg_url: str, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    bases = {}
    bots = []
    for i, port in enumerate(ports):
        bot = BotProcess(emu, pg_url, tmp_path / f"bot{i}.log", METRICS_LISTEN=f"127.0.0.1:{port}")
        bots.append(bot)
        bases[id(bot)] = f"http://127.0.0.1:{port}"
    try:
        for bot in bots:
            await bot.start()
        await wait_for(
            lambda: all(bot.role() for bot in bots) and leader_of(bots) is not None,
            timeout=60,
            what="a leader and a standby",
        )
        first = leader_of(bots)
        assert first is not None
        (standby,) = [bot for bot in bots if bot is not first]
        for base in bases.values():
            await _answering(base)

        # The leader polls: readiness says since when; the standby polls nothing and is ready.
        resident = emu.add_user(first_name="王", language_code="zh")
        emu.send_text(resident, "/help")
        await emu.wait_until(lambda: len(emu.bot_messages(resident.id)) == 1, timeout=30)
        status, _type, body = await get_url(bases[id(first)] + "/readyz")
        assert status == 200 and body is not None
        assert (body["role"], body["ready"]) == ("leader", True)
        assert body["seconds_since_last_intake"] is not None
        status, _type, body = await get_url(bases[id(standby)] + "/readyz")
        assert status == 200 and body is not None
        assert (body["role"], body["ready"], body["seconds_since_last_intake"]) == (
            "standby",
            True,
            None,
        )
        leading = await scrape_url(bases[id(first)])
        waiting = await scrape_url(bases[id(standby)])
        assert leading.get("xuncha_role", xuncha_role="leader") == 1
        assert waiting.get("xuncha_role", xuncha_role="standby") == 1
        assert _leaders([leading, waiting]) == 1
        # Only the leader called sendMessage; both read the same outbox.
        assert leading.get("xuncha_bot_api_calls_total", method="sendMessage", result="ok") == 1
        assert waiting.get("xuncha_bot_api_calls_total", method="sendMessage", result="ok") == 0
        assert leading.get("xuncha_outbox_rows", status="sent") == 1
        assert waiting.get("xuncha_outbox_rows", status="sent") == 1

        # The leader is killed: the standby's endpoint says it leads now.
        await first.kill()
        await wait_for(lambda: leader_of(bots) is standby, timeout=30, what="the takeover")
        emu.send_text(resident, "/help")
        await emu.wait_until(lambda: len(emu.bot_messages(resident.id)) == 2, timeout=30)
        took_over = await scrape_url(bases[id(standby)])
        assert took_over.get("xuncha_role", xuncha_role="leader") == 1
        assert _leaders([took_over]) == 1
        assert took_over.get("xuncha_bot_api_calls_total", method="sendMessage", result="ok") == 1
        status, _type, body = await get_url(bases[id(standby)] + "/readyz")
        assert status == 200 and body is not None and body["role"] == "leader"
    finally:
        for bot in bots:
            await bot.stop()
