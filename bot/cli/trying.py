"""`xuncha try`: the bot in a browser, against the local emulator, before any bot is registered."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import tempfile
from pathlib import Path
from typing import Annotated

import typer

# What `xuncha try` prints: the operator reads these, in Chinese.
TEXT_STARTING = "正在启动试用环境（模拟 Telegram，不联网，不需要机器人令牌）…"
TEXT_READY = (
    "✅ 试用环境已就绪。请在浏览器中打开：\n"
    "   {url}\n"
    "   选择身份（村民、巡察组、责任单位、巡察办），像在手机上一样和机器人对话。\n"
    "   数据库：{database}\n"
    "   日志：  {log}\n"
    "按 Ctrl+C 结束（数据库和日志会保留）。"
)
TEXT_STOPPED = "试用环境已停止。"
TEXT_NO_EXAMPLE = "❌ 找不到示例名册 {path}。请在项目文件夹里安装（pip install -e .）后再试。"
TEXT_PORT_BUSY = "❌ 端口 {port} 已被占用。请换一个端口，例如：xuncha try --port {other}"


def register(app: typer.Typer) -> None:
    """Add try."""
    app.command("try")(try_it)


def try_it(
    port: Annotated[
        int, typer.Option("--port", help="聊天模拟页面的端口（0：任选一个空闲端口）")
    ] = 8090,
    host: Annotated[
        str, typer.Option("--host", help="监听的地址（默认只有本机能打开）")
    ] = "127.0.0.1",
    folder: Annotated[
        Path | None,
        typer.Option("--dir", help="数据库和日志放在哪个文件夹（默认新建一个临时文件夹）"),
    ] = None,
) -> None:
    """试用：在浏览器里模拟 Telegram，用示例名册扮演群众、巡察组、责任单位，不需要注册机器人。"""
    from bot.tryout import EXAMPLE_ROSTER

    if not EXAMPLE_ROSTER.is_file():
        typer.echo(TEXT_NO_EXAMPLE.format(path=EXAMPLE_ROSTER), err=True)
        raise typer.Exit(2)
    where = folder or Path(tempfile.mkdtemp(prefix="xuncha-try-"))
    where.mkdir(parents=True, exist_ok=True)
    log_path = where / "try.log"
    _log_to(log_path)
    typer.echo(TEXT_STARTING)
    try:
        asyncio.run(_serve(where, host, port, log_path))
    except OSError as exc:
        logging.getLogger(__name__).exception("xuncha try could not start")
        if "address already in use" in str(exc).lower():
            typer.echo(TEXT_PORT_BUSY.format(port=port, other=port + 1), err=True)
            raise typer.Exit(3) from None
        raise
    typer.echo(TEXT_STOPPED)


def _log_to(path: Path) -> None:
    """Every log line to the file only: the terminal shows what to open and where things are."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)


async def _serve(folder: Path, host: str, port: int, log_path: Path) -> None:
    """Run the try-out until Ctrl+C or SIGTERM."""
    from bot.tryout import try_session

    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stopping.set)
    async with try_session(folder, host=host, port=port) as session:
        typer.echo(
            TEXT_READY.format(url=session.url, database=session.database_path, log=log_path)
        )
        await stopping.wait()
