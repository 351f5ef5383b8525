"""`xuncha try` as an operator runs it: what it prints, the page it serves, a clean stop."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp

# Starting takes a few seconds (migrations, the bot, linking seven chats); this only bounds a hang.
START_SECONDS = 90


async def start_try(*args: str, lang: str = "zh") -> asyncio.subprocess.Process:
    """`python -m bot --lang LANG try ARGS` with its output piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--lang",
        lang,
        "try",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def read_until(process: asyncio.subprocess.Process, marker: str) -> str:
    """Standard output up to and including the line containing `marker`."""
    assert process.stdout is not None
    seen = ""
    while marker not in seen:
        line = await asyncio.wait_for(process.stdout.readline(), START_SECONDS)
        if not line:
            raise AssertionError(f"xuncha try ended before printing {marker!r}: {seen}")
        seen += line.decode()
    return seen


async def test_try_prints_where_to_look_serves_the_page_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "try"
    process = await start_try("--port", "0", "--dir", str(folder))
    try:
        printed = await read_until(process, "Ctrl+C")
    except BaseException:
        process.kill()
        raise
    url = re.search(r"http://127\.0\.0\.1:\d+/", printed)
    assert url is not None, printed
    assert f"数据库：{folder / 'try.db'}" in printed
    assert f"日志：  {folder / 'try.log'}" in printed
    async with aiohttp.ClientSession() as session:
        async with session.get(url.group(0)) as page:
            assert page.status == 200 and "聊天模拟器" in await page.text()
        async with session.get(url.group(0) + "api/world") as world:
            people = {p["name"]: p for p in (await world.json())["people"]}
    assert people["张大爷"]["role"] == "resident"
    assert "第三巡察组工作群" in [c["title"] for c in people["许组长"]["chats"]]

    process.send_signal(signal.SIGINT)
    out, err = await asyncio.wait_for(process.communicate(), START_SECONDS)
    assert process.returncode == 0
    assert "试用环境已停止" in out.decode()
    assert "Traceback" not in err.decode() and "Traceback" not in out.decode()
    log = (folder / "try.log").read_text(encoding="utf-8")
    assert "running in polling mode" in log


async def test_a_busy_port_is_named_with_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await start_try("--port", str(port), "--dir", str(tmp_path / "try"))
        out, err = await asyncio.wait_for(process.communicate(), START_SECONDS)
        english = await start_try("--port", str(port), "--dir", str(tmp_path / "en"), lang="en")
        en_out, en_err = await asyncio.wait_for(english.communicate(), START_SECONDS)
    # A port taken is a wrong option (2), not a database problem (3).
    assert process.returncode == 2
    assert err.decode().splitlines()[-1] == (
        f"❌ 端口 {port} 已被占用。请换一个端口，例如：xuncha try --port {port + 1}"
    )
    assert "Traceback" not in err.decode() + out.decode()
    assert english.returncode == 2
    assert en_out.decode().splitlines() == [
        "Starting the try-out (simulated Telegram, no network, no bot token needed)…"
    ]
    assert en_err.decode().splitlines()[-1] == (
        f"❌ Port {port} is already in use. Pick another one, for example: "
        f"xuncha try --port {port + 1}"
    )
    assert "Traceback" not in en_err.decode() + en_out.decode()
