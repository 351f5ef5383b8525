"""The console's web application: its routes, the viewer behind each request, and its server.

Every route but the login ones needs a session (a cookie from a login link or a checked Mini
App login); without one the answer is 403 and nothing is shown. What a viewer may see is
decided in storage (storage/console/viewer.py), never here.
"""

from __future__ import annotations

import logging

from aiohttp import web

from console import auth, media, pages
from console.context import CONSOLE_KEY, Console
from console.render import STATIC

log = logging.getLogger(__name__)


def add_routes(app: web.Application, console: Console) -> None:
    """Add the console's routes (under CONSOLE_URL's path) to an aiohttp application."""
    app[CONSOLE_KEY] = console
    base = console.config.base
    router = app.router
    router.add_get(f"{base}/", pages.overview_page)
    router.add_get(f"{base}/list", pages.list_page)
    router.add_get(f"{base}/export.xlsx", pages.export_page)
    router.add_get(f"{base}/map", pages.map_page)
    router.add_get(f"{base}/map.json", pages.map_data)
    router.add_get(f"{base}/c/{{number}}", pages.complaint_page)
    router.add_get(f"{base}/c/{{number}}/photo/{{index:\\d+}}", media.photo)
    router.add_get(f"{base}/c/{{number}}/voice", media.voice)
    router.add_post(f"{base}/c/{{number}}/remind", pages.remind)
    router.add_get(f"{base}/login/{{token}}", auth.login_link)
    router.add_post(f"{base}/login/{{token}}", auth.login_with_link)
    router.add_get(f"{base}/app", auth.mini_app)
    router.add_post(f"{base}/app/login", auth.mini_app_login)
    router.add_post(f"{base}/logout", auth.logout)
    router.add_static(f"{base}/static", STATIC)


class ConsoleServer:
    """The console on a port of its own (CONSOLE_LISTEN), when the bot polls for updates."""

    def __init__(self, console: Console, host: str, port: int) -> None:
        """Serve `console` on host:port."""
        self.console = console
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen."""
        app = web.Application()
        add_routes(app, self.console)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        if self.port == 0:
            self.port = int(runner.addresses[0][1])
        self._runner = runner
        log.info(
            "console at %s (listening on %s:%s)", self.console.config.url, self.host, self.port
        )

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
