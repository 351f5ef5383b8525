"""The HTTP side: aiohttp routes for /bot<token>/<method> and /file/bot<token>/<path>."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from aiohttp import web

from emulator import api_edits, api_messages, api_other
from emulator.errors import (
    ApiError,
    DropConnection,
    bad_gateway,
    bad_request,
    not_found,
    too_many_requests,
    unauthorized,
)
from emulator.faults import Fault, FaultInjector, Holds
from emulator.models import RequestRecord
from emulator.params import JSON_FIELDS, Params, Upload
from emulator.state import EmulatorState, Handler
from emulator.webhook import WebhookDelivery

log = logging.getLogger(__name__)
HANDLERS: dict[str, Handler] = {
    **api_messages.HANDLERS,
    **api_edits.HANDLERS,
    **api_other.HANDLERS,
}
_BY_LOWER = {name.lower(): name for name in HANDLERS}


async def read_params(request: web.Request) -> Params:
    """Decode query string plus a JSON, urlencoded or multipart body into Params."""
    form: dict[str, str] = dict(request.query)
    uploads: dict[str, Upload] = {}
    extra: dict[str, Any] = {}
    if request.method == "POST" and request.body_exists:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise bad_request("can't parse JSON object")
            for key, value in body.items():
                if isinstance(value, str) and key not in JSON_FIELDS:
                    form[key] = value
                else:
                    extra[key] = value
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            posted = await request.post()
            for key, value in posted.items():
                if isinstance(value, web.FileField):
                    uploads[key] = Upload(value.file.read(), value.filename, value.content_type)
                else:
                    form[key] = str(value)
    params = Params.from_form(form, uploads)
    params.values.update(extra)
    return params


def _json(payload: Any, status: int = 200) -> web.Response:
    """A JSON response with Telegram's content type."""
    return web.Response(
        text=json.dumps(payload, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )


class ApiServer:
    """Serves the Bot API over HTTP for one EmulatorState, with faults, holds and a request log."""

    def __init__(self, state: EmulatorState, webhook_retry_delay: float = 0.5) -> None:
        """Serve `state`; failed webhook deliveries are retried after `webhook_retry_delay`."""
        self.state = state
        self.faults = FaultInjector()
        self.holds = Holds()
        self.requests: list[RequestRecord] = []
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook = WebhookDelivery(state, webhook_retry_delay)
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None

    def make_app(self) -> web.Application:
        """The aiohttp application with the Bot API and file routes."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on host:port (0 picks a free port) and return the port."""
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        address = self._runner.addresses[0]
        self.port = int(address[1])
        self._webhook_task = asyncio.create_task(self.webhook.run())
        return self.port

    async def stop(self) -> None:
        """Wake waiting requests, stop delivering, and close the listener."""
        self.state.closing = True
        self.holds.release()
        self.state.notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- one request ------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        """Answer one Bot API call."""
        name = request.match_info["method"]
        method = _BY_LOWER.get(name.lower())
        parse_error: ApiError | None = None
        try:
            params = await read_params(request)
        except ApiError as exc:
            params, parse_error = Params({}), exc
        record = RequestRecord(time.time(), method or name, params.loggable())
        self.requests.append(record)
        stats = self.state.stats
        stats.by_method[record.method] += 1
        self.state.notify()
        try:
            if request.match_info["token"] != self.state.token:
                raise unauthorized()
            if method is None:
                raise not_found()
            if parse_error is not None:
                raise parse_error
            await self.holds.wait(method)
            result = await self._perform(method, params)
            record.status, record.result = 200, result
            return _json({"ok": True, "result": result})
        except ApiError as exc:
            record.status, record.description = exc.code, exc.description
            if exc.code == 429:
                stats.too_many_requests += 1
                chat = self.state.find_chat(params.raw("chat_id"))
                if chat is not None:
                    stats.too_many_per_chat[chat.id] += 1
            return _json(exc.payload(), exc.code)
        except DropConnection:
            record.status, record.description = 0, "connection dropped"
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError from None
        finally:
            stats.by_status[record.status or 0] += 1
            self.state.notify()

    async def _perform(self, method: str, params: Params) -> Any:
        """Apply faults and flood limits around the method itself."""
        state = self.state
        chat_ref = params.raw("chat_id")
        fault: Fault | None = self.faults.take(method, chat_ref)
        if fault is not None:
            if fault.kind == "5xx":
                raise bad_gateway()
            if fault.kind == "429":
                raise too_many_requests(fault.retry_after)
            if fault.kind == "drop":
                raise DropConnection()
        counted = method in api_messages.SENDING_METHODS or (
            method in api_edits.EDITING_METHODS and state.flood_config.count_edits
        )
        chat = state.find_chat(chat_ref) if counted else None
        key: int | str = chat.id if chat is not None else str(chat_ref)
        if counted and state.flood_limits:
            private = chat.is_private if chat is not None else False
            error = state.flood.check(key, private, time.monotonic())
            if error is not None:
                raise error
        result = await HANDLERS[method](state, params)
        if counted:
            state.flood.record(key, time.monotonic())
            state.stats.sent += 1
            if chat is not None:
                state.stats.sent_per_chat[chat.id] += 1
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.kind == "lost":
            raise DropConnection()
        return result

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        """Serve the bytes of a stored file."""
        if request.match_info["token"] != self.state.token:
            return _json(unauthorized().payload(), 401)
        stored = self.state.files_by_path.get(request.match_info["path"])
        if stored is None:
            return _json(not_found().payload(), 404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )
