"""Reading a running bot's health and metrics endpoint over HTTP, as Prometheus and a probe do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers.harness import BotHarness


@dataclass(frozen=True)
class Samples:
    """One scrape of /metrics: every sample by name and labels."""

    values: dict[tuple[str, frozenset[tuple[str, str]]], float]
    text: str

    def get(self, name: str, **labels: str) -> float:
        """A sample's value (0 when the series does not exist yet, as for a fresh counter)."""
        return self.values.get((name, frozenset(labels.items())), 0.0)

    def lines(self, prefix: str) -> list[str]:
        """The exposition's lines of samples whose name starts with `prefix`."""
        return [line for line in self.text.splitlines() if line.startswith(prefix)]


def endpoint(harness: BotHarness) -> str:
    """The base URL of the bot's health and metrics endpoint."""
    runtime = harness.runtime
    if runtime.health is not None:
        return f"http://{runtime.health.host}:{runtime.health.port}"
    # Shared with the webhook's server.
    assert runtime.webhook is not None
    return f"http://{runtime.webhook.host}:{runtime.webhook.port}"


async def get(harness: BotHarness, path: str) -> tuple[int, str, dict[str, Any] | None]:
    """GET a path of the bot's endpoint: the status, the Content-Type, the JSON body if any."""
    return await get_url(endpoint(harness) + path)


async def scrape(harness: BotHarness) -> Samples:
    """GET the bot's /metrics and parse it with prometheus_client's own parser."""
    return await scrape_url(endpoint(harness))


async def get_url(url: str) -> tuple[int, str, dict[str, Any] | None]:
    """GET a URL: the status, the Content-Type, and the JSON body if any."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, response.headers.get("Content-Type", ""), body


async def scrape_url(base: str) -> Samples:
    """GET `base`/metrics (a process's METRICS_LISTEN) and parse it."""
    async with aiohttp.ClientSession() as session, session.get(base + "/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await response.text()
    values = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return Samples(values, text)
