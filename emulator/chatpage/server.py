"""The chat page's HTTP side: the static page, the emulator's chats as JSON, people's actions."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from emulator.chatpage.views import chat_view, chats_of, signature
from emulator.models import Chat, User
from emulator.simulation import Simulator

STATIC = Path(__file__).resolve().parent / "static"
# A long poll answers at the latest after this, so proxies and browsers never time it out.
LONG_POLL_SECONDS = 20.0
# How long a button press waits for the bot's answerCallbackQuery, to show its text.
ANSWER_WAIT_SECONDS = 5.0
# The length of the stand-in voice note the page sends.
VOICE_SECONDS = 8
ROLES = ("resident", "inspector", "department", "office", "person")


@dataclass(frozen=True)
class Persona:
    """Someone the page lets you act as; role is one of ROLES (the page labels it)."""

    user_id: int
    role: str = "person"
    phone: str = "+8613800000000"


@dataclass(frozen=True)
class Place:
    """A preset for sharing a location; `start` is a /start payload (a poster's QR code)."""

    name: str
    lat: float
    lon: float
    start: str | None = None


class ChatPage:
    """Serves the chat simulator for one emulator on its own port."""

    def __init__(
        self,
        sim: Simulator,
        personas: list[Persona] | None = None,
        places: list[Place] | None = None,
    ) -> None:
        """Act on `sim`; without personas, everyone the emulator knows is listed."""
        self.sim = sim
        self.personas = list(personas or [])
        self.places = list(places or [])
        self.host = "127.0.0.1"
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """The page's address once started (on this machine, when it listens everywhere)."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0", "::") else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    def make_app(self) -> web.Application:
        """The aiohttp application: page, JSON reads, actions."""
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_get("/", self._index)
        app.router.add_get("/favicon.ico", self._no_icon)
        app.router.add_static("/static/", STATIC)
        app.router.add_get("/api/world", self._world)
        app.router.add_get("/api/chat/{chat_id}", self._chat)
        app.router.add_get("/api/file/{file_id}", self._file)
        app.router.add_post("/api/send", self._send)
        app.router.add_post("/api/location", self._location)
        app.router.add_post("/api/contact", self._contact)
        app.router.add_post("/api/photo", self._photo)
        app.router.add_post("/api/voice", self._voice)
        app.router.add_post("/api/press", self._press)
        app.router.add_post("/api/resident", self._new_resident)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on host:port (0 picks a free port); return the page's URL."""
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.host, self.port = host, int(self._runner.addresses[0][1])
        return self.url

    async def stop(self) -> None:
        """Stop serving (waiting long polls are woken and answered first)."""
        self.sim.state.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- reading ----------------------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.StreamResponse:
        """The page itself."""
        return web.FileResponse(STATIC / "index.html")

    async def _no_icon(self, request: web.Request) -> web.StreamResponse:
        """No icon (browsers ask for one)."""
        return web.Response(status=204)

    def _listed(self) -> list[Persona]:
        """The personas to offer: the configured ones plus anyone added since."""
        known = {p.user_id for p in self.personas}
        extra = [Persona(uid) for uid in self.sim.state.users if uid not in known]
        return [p for p in self.personas if p.user_id in self.sim.state.users] + extra

    async def _world(self, request: web.Request) -> web.Response:
        """Bot, people with their roles and chats, and location presets."""
        people = []
        for persona in self._listed():
            user = self.sim.user(persona.user_id)
            people.append(
                {
                    "id": user.id,
                    "name": user.full_name,
                    "role": persona.role,
                    "chats": chats_of(self.sim, user.id),
                }
            )
        state = self.sim.state
        return web.json_response(
            {
                "bot": {"name": state.bot_first_name, "username": state.bot_username},
                "people": people,
                "places": [asdict(place) for place in self.places],
            },
            dumps=_dumps,
        )

    async def _chat(self, request: web.Request) -> web.Response:
        """A chat's messages; with ?since=<signature>, waits until something changed."""
        chat = self._chat_of(request.match_info["chat_id"])
        since = request.query.get("since")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LONG_POLL_SECONDS
        while since == signature(chat) and not self.sim.state.closing:
            remaining = deadline - loop.time()
            if remaining <= 0 or self._runner is None:
                break
            await self.sim.state.wait_changed(min(remaining, 1.0))
        return web.json_response(chat_view(self.sim, chat), dumps=_dumps)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        """The bytes of a file in a message (a photo, the ledger, a chart)."""
        stored = self.sim.state.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        headers = {}
        if stored.file_name:
            quoted = quote(stored.file_name)
            headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quoted}"
        return web.Response(
            body=stored.data,
            content_type=stored.mime_type or "application/octet-stream",
            headers=headers,
        )

    # -- acting -----------------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.Response:
        """Someone writes text (optionally replying to a message)."""
        body = await _json_body(request)
        user, chat = self._who_where(body)
        reply_to = int(body["reply_to"]) if body.get("reply_to") else None
        text = str(body.get("text", ""))
        message = self.sim.send_text(user, text, chat=chat, reply_to=reply_to)
        return web.json_response({"id": message.message_id})

    async def _location(self, request: web.Request) -> web.Response:
        """Someone shares a location."""
        body = await _json_body(request)
        user, chat = self._who_where(body)
        try:
            lat, lon = float(body["lat"]), float(body["lon"])
        except (KeyError, TypeError, ValueError):
            raise web.HTTPBadRequest(text="lat and lon must be numbers") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise web.HTTPBadRequest(text="lat/lon out of range")
        message = self.sim.send_location(user, lat, lon, chat=chat)
        return web.json_response({"id": message.message_id})

    async def _contact(self, request: web.Request) -> web.Response:
        """Someone shares their own phone number (a request_contact button)."""
        body = await _json_body(request)
        user, chat = self._who_where(body)
        persona = next((p for p in self.personas if p.user_id == user.id), Persona(user.id))
        message = self.sim.send_contact(user, phone=persona.phone, chat=chat)
        return web.json_response({"id": message.message_id})

    async def _photo(self, request: web.Request) -> web.Response:
        """Someone sends a photo (multipart: user, chat, caption, file)."""
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise web.HTTPBadRequest(text="no file")
        user, chat = self._who_where(dict(form))
        caption = str(form.get("caption") or "") or None
        message = self.sim.send_photo(user, caption, chat=chat, data=upload.file.read())
        return web.json_response({"id": message.message_id})

    async def _voice(self, request: web.Request) -> web.Response:
        """Someone sends a voice note (a stand-in recording: the page has no microphone)."""
        body = await _json_body(request)
        user, chat = self._who_where(body)
        message = self.sim.send_voice(user, VOICE_SECONDS, chat)
        return web.json_response({"id": message.message_id})

    async def _press(self, request: web.Request) -> web.Response:
        """Someone presses an inline button; answers with the bot's callback answer, if any."""
        body = await _json_body(request)
        user, chat = self._who_where(body)
        try:
            query = self.sim.press_button(user, int(body["message"]), str(body["data"]), chat=chat)
        except (KeyError, ValueError) as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ANSWER_WAIT_SECONDS
        answer = self.sim.state.callback_answers.get(query["id"])
        while answer is None and loop.time() < deadline and not self.sim.state.closing:
            await self.sim.state.wait_changed(deadline - loop.time())
            answer = self.sim.state.callback_answers.get(query["id"])
        shown = {"text": answer.text, "alert": answer.show_alert} if answer else None
        return web.json_response({"answer": shown}, dumps=_dumps)

    async def _new_resident(self, request: web.Request) -> web.Response:
        """A new resident, to try the bot as someone it has never seen."""
        body = await _json_body(request)
        name = str(body.get("name") or "").strip()[:32]
        if not name:
            raise web.HTTPBadRequest(text="a name is needed")
        user = self.sim.add_user(first_name=name, language_code=str(body.get("lang") or "zh"))
        self.personas.append(Persona(user.id, "resident"))
        return web.json_response({"id": user.id})

    # -- lookups ----------------------------------------------------------------------------

    def _chat_of(self, value: Any) -> Chat:
        """The chat with this id, or 404."""
        try:
            return self.sim.chat(int(value))
        except (KeyError, TypeError, ValueError):
            raise web.HTTPNotFound(text=f"no chat {value}") from None

    def _who_where(self, body: dict[str, Any]) -> tuple[User, Chat]:
        """The acting person and the chat they act in, checked: they must be able to see it."""
        try:
            user = self.sim.user(int(body["user"]))
        except (KeyError, TypeError, ValueError):
            raise web.HTTPBadRequest(text="no such person") from None
        chat = self._chat_of(body.get("chat"))
        if chat.is_private and chat.id != user.id:
            raise web.HTTPForbidden(text="not their private chat")
        return user, chat


async def _json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object, or 400."""
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="JSON expected") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="a JSON object expected")
    return body


def _dumps(value: Any) -> str:
    """JSON with Chinese left readable."""
    return json.dumps(value, ensure_ascii=False)
