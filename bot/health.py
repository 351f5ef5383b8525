"""The health and metrics endpoint (METRICS_LISTEN): /healthz, /readyz, /metrics.

- /healthz: the process is alive and its event loop answers (200, always).
- /readyz: 200 when the database answers within DB_TIMEOUT, its schema is this version's
  Alembic head, and (a polling leader) getUpdates succeeded lately; 503 otherwise. Either way
  a small JSON body says the role, the mode, the schema, the seconds since the last successful
  intake, and what is wrong.
- /metrics: bot/metrics.py's registry in Prometheus' text format; the outbox gauges are read
  from the database (storage/health.py) at each scrape.

Its own aiohttp server, or routes on the webhook's server when METRICS_LISTEN is the same
address as WEBHOOK_LISTEN (bot/service.py decides). Put it on loopback or a private network:
it tells anyone who asks how the bot is doing (never who complained about what).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass, field

from aiohttp import web
from prometheus_client.exposition import choose_encoder
from sqlalchemy.exc import DBAPIError

from bot.application import XunchaApplication
from bot.config import Settings
from bot.leader import Role, RoleWatch
from storage.health import OutboxHealth, head_revisions, outbox_health, schema_revisions

log = logging.getLogger(__name__)

# A database that has not answered in this long is as good as down for a probe.
DB_TIMEOUT = 3.0
# A polling leader is not ready when getUpdates has not answered for its long-poll timeout
# plus this (Telegram answers a long poll within the timeout, updates or not).
INTAKE_MARGIN = 60.0


@dataclass(frozen=True)
class Readiness:
    """What /readyz answers."""

    ready: bool
    role: str
    mode: str
    # The revisions the database is at, and this version's head ("" when unknown).
    schema: str
    schema_head: str
    seconds_since_last_intake: float | None
    problems: list[str] = field(default_factory=list)


def judge(
    *,
    role: str,
    polling: bool,
    database_error: str | None,
    revisions: frozenset[str] | None,
    heads: frozenset[str],
    since_intake: float | None,
    quiet: float | None,
    quiet_limit: float,
) -> Readiness:
    """Decide readiness from what was observed (a pure function, so its rules are testable)."""
    problems: list[str] = []
    if database_error is not None:
        problems.append(f"database unreachable: {database_error}")
    elif revisions != heads:
        problems.append(
            f"database schema is at {_revisions(revisions) or 'no revision'}, this version "
            f"needs {_revisions(heads)} (run xuncha db upgrade)"
        )
    if polling and role == Role.leader and quiet is not None and quiet > quiet_limit:
        problems.append(f"no successful getUpdates for over {quiet_limit:.0f} s")
    return Readiness(
        ready=not problems,
        role=role,
        mode="polling" if polling else "webhook",
        schema=_revisions(revisions),
        schema_head=_revisions(heads),
        seconds_since_last_intake=None if since_intake is None else round(since_intake, 3),
        problems=problems,
    )


def _revisions(revisions: frozenset[str] | None) -> str:
    """Alembic revisions as one string ("" for none or unknown)."""
    return ",".join(sorted(revisions or ()))


def _short(exc: BaseException) -> str:
    """An error in one line, without the driver's multi-line detail."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {DB_TIMEOUT:.0f} s"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


class HealthEndpoint:
    """The three routes of one process, reading its application and its role."""

    def __init__(self, app: XunchaApplication, settings: Settings, *, role: RoleWatch) -> None:
        """Serve `app`'s metrics and health; `role` says the process's role when asked."""
        self.app = app
        self.role = role
        self.polling = not settings.webhook_mode
        self.quiet_limit = settings.poll_timeout + INTAKE_MARGIN
        self.heads = head_revisions()
        self._problems: list[str] = []

    def routes(self) -> list[web.RouteDef]:
        """The endpoint's routes, for its own server or the webhook's."""
        return [
            web.get("/healthz", self.healthz),
            web.get("/readyz", self.readyz),
            web.get("/metrics", self.metrics),
        ]

    async def healthz(self, _request: web.Request) -> web.Response:
        """The process is alive (its event loop answered)."""
        return web.json_response({"alive": True})

    async def readyz(self, _request: web.Request) -> web.Response:
        """200 when ready, 503 when not; the JSON says why."""
        readiness = await self.check()
        return web.json_response(asdict(readiness), status=200 if readiness.ready else 503)

    async def check(self) -> Readiness:
        """Ask the database, and look at the intake."""
        error: str | None = None
        revisions: frozenset[str] | None = None
        for _attempt in range(2):
            try:
                async with asyncio.timeout(DB_TIMEOUT), self.app.database.snapshot() as session:
                    revisions = await schema_revisions(session=session)
                error = None
                break
            except DBAPIError as exc:
                error = _short(exc)
                # A pooled connection found dead (the server restarted, the database went) is
                # thrown away: one more try on a fresh connection tells the real reason.
                if not exc.connection_invalidated:
                    break
            except Exception as exc:
                error = _short(exc)
                break
        readiness = judge(
            role=self.role.role.value,
            polling=self.polling,
            database_error=error,
            revisions=revisions,
            heads=self.heads,
            since_intake=self.app.metrics.seconds_since_intake(),
            quiet=self.app.metrics.intake_quiet_seconds(),
            quiet_limit=self.quiet_limit,
        )
        # Logged when it changes, not at every probe.
        if readiness.problems != self._problems:
            if readiness.ready:
                log.info("ready again")
            else:
                log.warning("not ready: %s", "; ".join(readiness.problems))
            self._problems = readiness.problems
        return readiness

    async def metrics(self, request: web.Request) -> web.Response:
        """Prometheus' text format (or OpenMetrics when the scraper asks), the outbox read now."""
        metrics = self.app.metrics
        metrics.read_outbox(await self._outbox())
        metrics.ready.set(1 if (await self.check()).ready else 0)
        metrics.role.state(self.role.role.value)
        # prometheus_client's own content negotiation, as its HTTP handlers do it.
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encode(metrics.registry), headers={"Content-Type": content_type})

    async def _outbox(self) -> OutboxHealth | None:
        """The outbox's state from the database; None (logged) when it cannot be read."""
        try:
            async with asyncio.timeout(DB_TIMEOUT), self.app.database.snapshot() as session:
                return await outbox_health(session=session, now=self.app.clock.now())
        except Exception as exc:
            log.warning("metrics: the outbox could not be read: %s", _short(exc))
            return None


class HealthServer:
    """The endpoint on an aiohttp server of its own (METRICS_LISTEN)."""

    def __init__(self, endpoint: HealthEndpoint, *, host: str, port: int) -> None:
        """Serve `endpoint` on host:port (port 0: any free port, then `port` says which)."""
        self.endpoint = endpoint
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen."""
        app = web.Application()
        app.router.add_routes(self.endpoint.routes())
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        if self.port == 0:
            self.port = int(runner.addresses[0][1])
        self._runner = runner
        log.info("health and metrics on http://%s:%s/metrics", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
