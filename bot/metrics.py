"""The process's Prometheus metrics, and the Bot API request path that counts every call.

Each application has a registry of its own (not prometheus_client's global one), so that tests
that build several applications in one process do not collide. bot/health.py serves it.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Enum, Gauge, Histogram
from telegram.error import TelegramError, TimedOut
from telegram.request import BaseRequest

from bot.leader import Role
from storage.health import OutboxHealth

# Handling an update: a button press takes milliseconds, a burst behind a busy database seconds.
UPDATE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Telegram's retry_after: a second for a private chat, up to minutes for a group's window.
RETRY_AFTER_BUCKETS = (1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)
SWEEP_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def call_result(code: int | None, error: BaseException | None = None) -> str:
    """The `result` label of one Bot API call: "ok", the HTTP status Telegram answered
    ("400", "403", "429", "502", ...), "timeout", or "network" (no answer)."""
    if code is not None:
        return "ok" if 200 <= code <= 299 else str(code)
    return "timeout" if isinstance(error, TimedOut) else "network"


class Metrics:
    """Everything /metrics shows, on one registry; the runtime records, the endpoint reads."""

    def __init__(self) -> None:
        """Make the metrics on a fresh registry."""
        self.registry = registry = CollectorRegistry()
        self.updates = Counter(
            "xuncha_updates",
            "Updates handled by the application, by outcome (handled, duplicate: already "
            "handled before; failed: a handler failed and the user got an apology; "
            "not_committed: the database failed, Telegram delivers it again).",
            ["outcome"],
            registry=registry,
        )
        self.update_seconds = Histogram(
            "xuncha_update_handling_seconds",
            "Time to handle one update: membership lookup, the unit of work, its commit.",
            buckets=UPDATE_BUCKETS,
            registry=registry,
        )
        self.api_calls = Counter(
            "xuncha_bot_api_calls",
            "Bot API calls made, by method and result (ok, 400, 401, 403, 404, 409, 429, "
            "timeout, network: a connection error or 5xx, error).",
            ["method", "result"],
            registry=registry,
        )
        self.rate_limited = Counter(
            "xuncha_bot_api_429",
            "Bot API calls Telegram refused with 429 Too Many Requests, by method.",
            ["method"],
            registry=registry,
        )
        self.retry_after = Histogram(
            "xuncha_bot_api_retry_after_seconds",
            "The retry_after of each 429, in seconds.",
            buckets=RETRY_AFTER_BUCKETS,
            registry=registry,
        )
        self.sweep_seconds = Histogram(
            "xuncha_sweeps_duration_seconds",
            "Time of one run of every scheduled sweep (bot/jobs.py), commit included.",
            buckets=SWEEP_BUCKETS,
            registry=registry,
        )
        self.sweep_failures = Counter(
            "xuncha_sweep_failures",
            "Sweeps that failed and were rolled back, by sweep (all: the shared transaction, "
            "after which each sweep runs alone).",
            ["sweep"],
            registry=registry,
        )
        self.outbox_rows = Gauge(
            "xuncha_outbox_rows",
            "Outbox rows by status, read from the database at scrape time (waiting: pending "
            "rows for a chat the bot was removed from).",
            ["status"],
            registry=registry,
        )
        self.outbox_oldest = Gauge(
            "xuncha_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbox row not waiting for a lost chat (0: none).",
            registry=registry,
        )
        self.database_up = Gauge(
            "xuncha_database_up",
            "Whether the database answered at the last scrape (1) or not (0).",
            registry=registry,
        )
        self.ready = Gauge(
            "xuncha_ready",
            "Whether /readyz would answer 200 (1) or 503 (0), judged at scrape time.",
            registry=registry,
        )
        self.role = Enum(
            "xuncha_role",
            "The role this process holds among replicas.",
            states=[role.value for role in Role],
            registry=registry,
        )
        self.last_intake = Gauge(
            "xuncha_intake_last_success_timestamp_seconds",
            "Unix time of the last successful getUpdates or webhook request (0: none yet).",
            registry=registry,
        )
        # Monotonic times: the last successful intake, and when the intake started.
        self._last_intake: float | None = None
        self._intake_started: float | None = None

    def update_handled(self, outcome: str, seconds: float) -> None:
        """Count one update handled by the application, and how long it took."""
        self.updates.labels(outcome=outcome).inc()
        self.update_seconds.observe(seconds)

    def api_call(self, method: str, result: str, retry_after: float | None = None) -> None:
        """Count one Bot API call and what became of it (with a 429's retry_after)."""
        self.api_calls.labels(method=method, result=result).inc()
        if result == "429":
            self.rate_limited.labels(method=method).inc()
            if retry_after is not None:
                self.retry_after.observe(retry_after)

    def intake_started(self) -> None:
        """Note that this process began taking updates (polling, or the webhook listening)."""
        self._intake_started = time.monotonic()

    def intake_succeeded(self) -> None:
        """Note a successful getUpdates or webhook request (updates reach us)."""
        self.last_intake.set(time.time())
        self._last_intake = time.monotonic()

    def seconds_since_intake(self) -> float | None:
        """Seconds since the last successful getUpdates or webhook request; None before one."""
        if self._last_intake is None:
            return None
        return time.monotonic() - self._last_intake

    def intake_quiet_seconds(self) -> float | None:
        """Seconds without a successful intake: since the last one, or since the intake (re)started
        when that is later (a standby that became the leader again); None before any."""
        times = [t for t in (self._last_intake, self._intake_started) if t is not None]
        return time.monotonic() - max(times) if times else None

    def read_outbox(self, health: OutboxHealth | None) -> None:
        """Set the outbox gauges from what the database said; None: it could not be read."""
        if health is None:
            # Numbers from an earlier scrape would look current: show none.
            self.database_up.set(0)
            self.outbox_rows.clear()
            self.outbox_oldest.set(float("nan"))
            return
        self.database_up.set(1)
        for status, count in health.by_status.items():
            self.outbox_rows.labels(status=status).set(count)
        self.outbox_rows.labels(status="waiting").set(health.waiting)
        self.outbox_oldest.set(health.oldest_pending_age or 0.0)


class CountingRequest(BaseRequest):
    """A Bot API request path (AiohttpRequest, or HTTPXRequest through a proxy) that counts
    every call by method and result.

    It wraps do_request, BaseRequest's extension point: the HTTP status is counted before PTB
    turns it into an exception (BaseRequest.post is final).
    """

    def __init__(self, metrics: Metrics, inner: BaseRequest) -> None:
        """Count the calls `inner` makes into `metrics`."""
        self.metrics = metrics
        self.inner = inner

    @property
    def read_timeout(self) -> float | None:
        """The inner request's default read timeout."""
        return self.inner.read_timeout

    async def initialize(self) -> None:
        """Open the inner request's connections."""
        await self.inner.initialize()

    async def shutdown(self) -> None:
        """Close the inner request's connections."""
        await self.inner.shutdown()

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        """Make the request through the inner one; count it, whatever became of it."""
        # POST .../bot<token>/sendMessage; a GET is a file download (getFile is a POST).
        api_method = url.rsplit("/", 1)[-1] if method == "POST" else "file"
        try:
            code, payload = await self.inner.do_request(url, method, *args, **kwargs)
        except Exception as exc:
            self.metrics.api_call(api_method, call_result(None, exc))
            raise
        retry_after = _retry_after(payload) if code == 429 else None
        self.metrics.api_call(api_method, call_result(code), retry_after)
        return code, payload


def _retry_after(payload: bytes) -> float | None:
    """The retry_after of a 429's JSON body, if it has one."""
    try:
        parameters = BaseRequest.parse_json_payload(payload).get("parameters") or {}
        value = parameters.get("retry_after")
    except (TelegramError, AttributeError):
        return None
    return float(value) if isinstance(value, int | float) else None
