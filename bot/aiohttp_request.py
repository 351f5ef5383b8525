"""PTB's request interface over aiohttp's client: the Bot API calls of the running bot.

PTB's own HTTPXRequest goes through httpx, httpcore and anyio. Under a crowd's load that was
the largest part of the bot's CPU (issue 12): for every call httpcore checks each open
connection and anyio opens cancel scopes around each read and write. Measured against the
emulator, 2,000 sendMessage calls from 20 tasks at once: 2.45 ms of CPU a call through
HTTPXRequest, 0.36-0.49 ms through this class; one call at a time 1.4-1.5 against 0.7-0.9 ms.
aiohttp is a dependency already (the webhook, /metrics and the console serve with it).

Timeouts and errors mean what they mean in HTTPXRequest: a timeout is TimedOut, any other
failure to get an answer is NetworkError, and the HTTP status goes back to PTB as it is.
A proxy (TELEGRAM_PROXY_URL, possibly socks5) keeps HTTPXRequest (bot/bot_api.py).
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB's defaults (HTTPXRequest): seconds to connect, to wait for an answer, for a free
# connection; a file upload may take longer to send.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0


class AiohttpRequest(BaseRequest):
    """Bot API calls over one aiohttp session, up to `connection_pool_size` connections."""

    def __init__(self, connection_pool_size: int = 256, read_timeout: float = READ_TIMEOUT):
        """Set the pool's size and the default read timeout; the session opens in
        initialize(), inside the running event loop."""
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The read timeout used when a call names none (PTB adds getUpdates' long poll)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One call: the HTTP status and the body of Telegram's answer."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        body = _body(request_data)
        read = _given(read_timeout, self._read_timeout)
        connect = _given(connect_timeout, CONNECT_TIMEOUT)
        pool = _given(pool_timeout, POOL_TIMEOUT)
        timeout = aiohttp.ClientTimeout(
            # aiohttp has no timeout for the sending alone (sock_read starts once the request
            # is written): an upload is bounded as a whole, by all three.
            total=_upload_bound(body, read, write_timeout, connect),
            # aiohttp's connect includes waiting for a free connection of the pool.
            connect=None if connect is None else connect + (pool or 0),
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as answer:
                return answer.status, await answer.read()
        except TimeoutError as exc:
            # aiohttp's own timeouts (ServerTimeoutError, ConnectionTimeoutError) are these too.
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc


def _given(value: ODVInput[float], default: float | None) -> float | None:
    """A timeout the call named, or the default."""
    return default if isinstance(value, DefaultValue) else value


def _upload_bound(
    body: Any, read: float | None, write: ODVInput[float], connect: float | None
) -> float | None:
    """The whole call's bound for a file upload (multipart); None for any other call."""
    if not isinstance(body, aiohttp.FormData) or read is None:
        return None
    return read + (_given(write, MEDIA_WRITE_TIMEOUT) or 0) + (connect or 0)


def _body(request_data: RequestData | None) -> Any:
    """The call's parameters: one JSON body (which the Bot API takes), or, when files go with
    them, the multipart form PTB encodes (fields of JSON values)."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        # One json.dumps of the whole, not PTB's form: a dumps of each field and then a
        # percent-encoding of every byte (10-20 % of a call's CPU, measured against the form).
        body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
        return aiohttp.BytesPayload(body, content_type="application/json")
    # Names as UTF-8, the way browsers and httpx send them: aiohttp would percent-encode them
    # by default, and Telegram would show "%E5%8F%B0..." as the ledger file's name.
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
