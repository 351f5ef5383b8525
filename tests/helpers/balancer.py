"""A round-robin HTTP load balancer on loopback, for replicas in webhook mode.

Every POST goes to the next backend in turn (consecutive updates of one chat land on
different replicas), with its body and headers, and the backend's answer goes back.
"""

from __future__ import annotations

from types import TracebackType

import aiohttp
from aiohttp import web

from tests.helpers.harness import WEBHOOK_PATH, free_port


class Balancer:
    """Listens on a free port; forwards POSTs of WEBHOOK_PATH to the backends in turn."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.port = free_port()
        # Which backend each forwarded request went to, in order.
        self.sent_to: list[int] = []
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        """The webhook URL to give Telegram (the replicas' WEBHOOK_URL)."""
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"

    async def _forward(self, request: web.Request) -> web.Response:
        """Send the request to the next backend; its answer (502 when it cannot be reached)."""
        assert self._client is not None
        index = len(self.sent_to) % len(self.backends)
        self.sent_to.append(index)
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        try:
            async with self._client.post(
                self.backends[index], data=body, headers=headers
            ) as answer:
                return web.Response(status=answer.status, body=await answer.read())
        except aiohttp.ClientError as exc:
            return web.Response(status=502, text=str(exc))

    async def __aenter__(self) -> Balancer:
        app = web.Application()
        app.router.add_post(WEBHOOK_PATH, self._forward)
        self._client = aiohttp.ClientSession()
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._client is not None:
            await self._client.close()
