"""A complaint's photos and voice, fetched through the bot from Telegram.

The browser asks the console; the console checks the viewer may see the complaint, then
downloads the file with the bot (getFile, then the file's URL, which holds the bot token and
never leaves the server) and passes the bytes on.
"""

from __future__ import annotations

from aiohttp import web
from telegram.error import TelegramError

from console.context import console_of, log, refuse
from console.pages import viewed
from storage import console as store
from storage.console import Viewer


async def _send_file(
    request: web.Request, who: Viewer, kind: str, content_type: str
) -> web.StreamResponse:
    """The file of a complaint's photo (by index) or voice, or 403 / 404 / 502."""
    console = console_of(request)
    number = request.match_info["number"]
    index = int(request.match_info.get("index", "0"))
    async with console.database.snapshot() as session:
        visible = await store.visible_complaint(session=session, viewer=who, number=number)
        file_id = await store.media_file_id(
            session=session, viewer=who, number=number, kind=kind, index=index
        )
    if visible is None:
        return refuse(request, who, number)
    if file_id is None:
        raise web.HTTPNotFound()
    try:
        found = await console.bot.get_file(file_id)
        data = await found.download_as_bytearray()
    except TelegramError as exc:
        log.warning("console: could not fetch %s %s of %s: %s", kind, index, number, exc)
        raise web.HTTPBadGateway() from exc
    return web.Response(
        body=bytes(data),
        content_type=content_type,
        headers={"Cache-Control": "private, max-age=3600"},
    )


@viewed
async def photo(request: web.Request, who: Viewer) -> web.StreamResponse:
    """One of a complaint's photos."""
    return await _send_file(request, who, "photo", "image/jpeg")


@viewed
async def voice(request: web.Request, who: Viewer) -> web.StreamResponse:
    """A complaint's voice message (Telegram's voice notes are OGG/Opus)."""
    return await _send_file(request, who, "voice", "audio/ogg")
