"""`xuncha demo`: the bot, the local emulator and the seed article's people, with a transcript."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.demo.keep import keep_files
from bot.demo.round import DEMO_TOKEN, demo_roster, on_day
from bot.demo.story import play
from bot.ratelimit import unpaced
from bot.service import BotService
from emulator import BotApiEmulator
from storage.clock import ShiftedClock
from storage.db import Database
from storage.migrate import upgrade_async
from storage.roster import load_roster


@dataclass(frozen=True)
class DemoResult:
    """Where the demo left what it made."""

    folder: Path
    log_file: Path
    kept: list[Path]


async def run_demo(
    folder: Path, out: Callable[[str], None] = print, *, paced: bool = True
) -> DemoResult:
    """Run the whole demo on a temporary database, print the transcript, and keep its log, the
    /stats chart and the /export ledger in `folder` (an existing folder, absolute).

    Paced, the emulator enforces Telegram's content and flood limits (429 answers: 30 a second
    overall, one a second per private chat, 20 a minute per group) and the bot keeps to them,
    as in production; unpaced (the tests), neither does.
    """
    log_file = folder / "demo.log"
    with logging_to(log_file), tempfile.TemporaryDirectory(prefix="xuncha-demo-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        await upgrade_async(url)
        database = Database(url)
        async with database.transaction() as session:
            summary = await load_roster(session=session, text=demo_roster(), source="roster.yaml")
        out(f"巡察演示 · {summary}")
        async with BotApiEmulator(
            token=DEMO_TOKEN, enforce_limits=paced, flood_limits=paced
        ) as emu:
            # The round is replayed on its own clock: real speed, with jumps to the scheduled
            # moments (the sweeps then run once, as the JobQueue would have run them).
            clock = ShiftedClock(on_day(0, 9, 30))
            settings = Settings(
                _env_file=None,
                telegram_bot_token=DEMO_TOKEN,
                telegram_api_base_url=emu.base_url,
                database_url=url,
                poll_timeout=5,
                # The demo runs the sweeps itself at chosen moments (Transcript.at); the
                # minute job would drop their messages into the transcript at random points.
                scheduled_jobs=False,
            )
            out(f"本地 Bot API 模拟器：{emu.base_url}\n")
            limits = None if paced else unpaced()
            async with BotService(settings, clock=clock, limits=limits) as runtime:
                answers = await play(emu, runtime, database, clock, out)
                assert runtime.app is not None
                kept = await keep_files(runtime.app.bot, answers, folder)
        await database.dispose()
    out("\n—— 演示结束 ——")
    out(f"演示产生的文件在 {folder}：")
    for path in kept:
        out(f"  {path.name}")
    out(f"  {log_file.name}（日志）")
    return DemoResult(folder=folder, log_file=log_file, kept=kept)


@contextmanager
def logging_to(path: Path) -> Iterator[None]:
    """Send every log record to `path` while the demo runs (the terminal shows the transcript)."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO) if level else logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()
