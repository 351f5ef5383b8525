"""`xuncha demo`: the bot, the local emulator and a villager, with a printed transcript."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.emulator import BotApiEmulator
from bot.emulator.models import StoredMessage, User
from bot.runner import BotRuntime
from storage.db import Database
from storage.migrate import upgrade_async
from storage.roster import load_roster

DEMO_TOKEN = "100200300:DEMO-TOKEN"
ZONE = ZoneInfo("Asia/Shanghai")
WELL = (33.8483, 113.1245)
# The villager's words, after the seed article ("俺村机井水压低，浇地时间长还费钱").
COMPLAINT = (
    "俺村东头的机井水压低，浇地时间长还费钱。两亩地要浇一整天，已经一个多月了，你们管不管？"
)


def demo_roster() -> str:
    """The demo round (郏县, after the seed article), open from a week ago to in a month."""
    today = datetime.now(ZONE).date()
    template = files("bot").joinpath("demo_roster.yaml").read_text(encoding="utf-8")
    return template.format(
        year=today.year,
        starts_on=(today - timedelta(days=7)).isoformat(),
        ends_on=(today + timedelta(days=30)).isoformat(),
    )


def demo_round_code() -> str:
    """The demo round's code (it carries the current year)."""
    return f"JX{datetime.now(ZONE).year}-1"


class Transcript:
    """Plays a user's side through the emulator and writes down both sides."""

    def __init__(self, emu: BotApiEmulator, runtime: BotRuntime, out: Callable[[str], None]):
        self.emu = emu
        self.runtime = runtime
        self.out = out
        self.shown: set[tuple[int, int]] = set()

    async def settle(self) -> None:
        """Wait until the bot has handled everything and sent every reply."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while loop.time() < deadline:
            poller = self.runtime.poller
            pending = [u["update_id"] for u in self.emu.pending_updates]
            caught_up = poller is not None and (
                not pending or (poller.offset is not None and poller.offset > max(pending))
            )
            if caught_up and await self.runtime.idle():
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("the bot did not answer within 30 s")

    def _show_new(self, chat_id: int) -> list[StoredMessage]:
        """Print the bot's messages not shown yet; return them."""
        fresh = []
        for message in self.emu.bot_messages(chat_id):
            key = (chat_id, message.message_id)
            if key in self.shown:
                continue
            self.shown.add(key)
            fresh.append(message)
            self.out(_render_bot(message))
        return fresh

    async def act(self, user: User, line: str, action: Callable[[], object]) -> StoredMessage:
        """Do something as the user, print it and the bot's answers; return the last answer."""
        self.out(f"\n{_name(user)} ▸ {line}")
        action()
        await self.settle()
        fresh = self._show_new(user.id)
        if not fresh:
            raise RuntimeError(f"the bot did not answer {line!r}")
        return fresh[-1]

    async def press(
        self, user: User, message: StoredMessage, prefix: str, suffix: str = ""
    ) -> StoredMessage:
        """Press the first button whose data has that prefix (and suffix)."""
        matches = [
            (text, data)
            for text, data in message.buttons
            if data and data.startswith(prefix) and data.endswith(suffix)
        ]
        if not matches:
            raise RuntimeError(f"no button {prefix}…{suffix} in {message.buttons}")
        text, data = matches[0]
        return await self.act(
            user, f"[{text}]", lambda: self.emu.press_button(user, message, data)
        )


def _name(user: User) -> str:
    """How a user is named in the transcript."""
    return f"{user.first_name}{user.last_name or ''}"


def _render_bot(message: StoredMessage) -> str:
    """A bot message as transcript lines, with its buttons."""
    body = (message.text or f"[{message.kind}]").strip()
    lines = [
        f"  机器人 ◂ {line}" if i == 0 else f"           {line}"
        for i, line in enumerate(body.splitlines())
    ]
    buttons = [text for text, _data in message.buttons]
    if buttons:
        lines.append("           " + " ".join(f"[{b}]" for b in buttons))
    if message.keyboard:
        lines.append("           ⌨ " + " ".join(f"⟦{b}⟧" for row in message.keyboard for b in row))
    return "\n".join(lines)


async def play(emu: BotApiEmulator, runtime: BotRuntime, out: Callable[[str], None]) -> None:
    """The story: a villager of 前谢湾村 reports low pressure at the irrigation wells."""
    t = Transcript(emu, runtime, out)
    villager = emu.add_user(first_name="谢", last_name="大爷", language_code="zh")
    out(f"—— 村民{_name(villager)}扫描村委会公告栏上巡察公告的二维码，打开了机器人 ——")
    start = await t.act(
        villager, "/start v_qianxiewan", lambda: emu.send_text(villager, "/start v_qianxiewan")
    )
    describe = await t.press(villager, start, "cat:", ":water")
    await t.act(villager, COMPLAINT, lambda: emu.send_text(villager, COMPLAINT))
    await t.act(villager, "[语音 12 秒]", lambda: emu.send_voice(villager, duration=12))
    photos = await t.act(villager, "[照片：机井出水口]", lambda: emu.send_photo(villager))
    where = await t.press(villager, photos, "dd:")
    assert describe is not None and where is not None
    identity = await t.act(
        villager, "[位置：前谢湾村东头机井]", lambda: emu.send_location(villager, *WELL)
    )
    phone = await t.press(villager, identity, "id:", ":n")
    summary = await t.act(
        villager, "[分享手机号]", lambda: emu.send_contact(villager, phone="+8613812345678")
    )
    if not any((d or "").startswith("sm:") for _t, d in summary.buttons):
        summary = phone
    await t.press(villager, summary, "sm:", ":ok")
    await t.act(villager, "/my", lambda: emu.send_text(villager, "/my"))
    number = f"{demo_round_code()}-0001"
    await t.act(
        villager, f"/status {number}", lambda: emu.send_text(villager, f"/status {number}")
    )


async def run_demo(out: Callable[[str], None] = print) -> None:
    """Run the whole demo on a temporary database and print the transcript."""
    with tempfile.TemporaryDirectory(prefix="xuncha-demo-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        await upgrade_async(url)
        database = Database(url)
        async with database.transaction() as session:
            summary = await load_roster(
                session=session, text=demo_roster(), source="demo_roster.yaml"
            )
        await database.dispose()
        out(f"巡察演示 · {summary}")
        async with BotApiEmulator(token=DEMO_TOKEN, enforce_limits=True) as emu:
            settings = Settings(
                _env_file=None,
                telegram_bot_token=DEMO_TOKEN,
                telegram_api_base_url=emu.base_url,
                database_url=url,
                poll_timeout=5,
            )
            out(f"本地 Bot API 模拟器：{emu.base_url}  数据库：{url}\n")
            async with BotRuntime(settings) as runtime:
                await play(emu, runtime, out)
        out("\n—— 演示结束 ——")
