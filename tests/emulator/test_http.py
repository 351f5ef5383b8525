"""The raw HTTP protocol: paths, tokens, body encodings, and the standalone runner."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from emulator import BotApiEmulator

pytestmark = pytest.mark.asyncio
ROOT = Path(__file__).resolve().parents[2]


async def call(url: str, **kwargs: Any) -> tuple[int, dict]:
    """POST (or GET with method='GET') and return status and JSON body."""
    method = str(kwargs.pop("method", "POST"))
    async with aiohttp.ClientSession() as session, session.request(method, url, **kwargs) as r:
        return r.status, await r.json()


async def test_wrong_token_and_unknown_method(emu: BotApiEmulator) -> None:
    status, body = await call(f"{emu.base_url}/bot999:WRONG/getMe")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    status, body = await call(f"{emu.base_url}/bot{emu.token}/fooBar")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def test_methods_are_case_insensitive_and_get_works(emu: BotApiEmulator) -> None:
    status, body = await call(f"{emu.base_url}/bot{emu.token}/GETME", method="GET")
    assert status == 200 and body["ok"] and body["result"]["username"] == "xuncha_test_bot"
    assert emu.requests[-1].method == "getMe"


async def test_json_form_and_query_bodies(emu: BotApiEmulator) -> None:
    alice = emu.add_user("Alice")
    url = f"{emu.base_url}/bot{emu.token}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "x:1"}]]}
    payload = {"chat_id": alice.id, "text": "json", "reply_markup": markup}
    status, body = await call(url, json=payload)
    assert status == 200 and body["result"]["reply_markup"] == markup
    form = {"chat_id": str(alice.id), "text": "123", "reply_markup": json.dumps(markup)}
    status, body = await call(url, data=form)
    assert status == 200 and body["result"]["text"] == "123"
    status, body = await call(url, method="GET", params={"chat_id": alice.id, "text": "query"})
    assert status == 200
    assert [m.text for m in emu.bot_messages(alice)] == ["json", "123", "query"]
    assert emu.bot_messages(alice)[1].buttons == [("a", "x:1")]
    status, body = await call(url, json={"chat_id": alice.id, "text": "<b>", "parse_mode": "HTML"})
    assert status == 400 and body["description"].startswith("Bad Request: can't parse entities")


async def test_flood_error_shape(emu: BotApiEmulator) -> None:
    alice = emu.add_user("Alice")
    emu.inject("sendMessage", "429", retry_after=3)
    status, body = await call(
        f"{emu.base_url}/bot{emu.token}/sendMessage", json={"chat_id": alice.id, "text": "x"}
    )
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }


async def test_missing_file_is_404(emu: BotApiEmulator) -> None:
    url = f"{emu.base_url}/file/bot{emu.token}/photos/none.jpg"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 404


def _free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_standalone_runner() -> None:
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        "--port",
        str(port),
        "--token",
        "42:CLI",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 10)
        assert f"127.0.0.1:{port}" in line.decode()
        status, body = await call(f"http://127.0.0.1:{port}/bot42:CLI/getMe")
        assert status == 200 and body["result"]["id"] == 42
    finally:
        process.terminate()
        await process.wait()
