"""`xuncha demo`: the bot, the local emulator and the seed article's people, with a transcript."""

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
from bot.emulator.models import Chat, StoredMessage, User
from bot.runner import BotRuntime
from storage.db import Database
from storage.links import issue_code
from storage.migrate import upgrade_async
from storage.roster import load_roster

DEMO_TOKEN = "100200300:DEMO-TOKEN"
ZONE = ZoneInfo("Asia/Shanghai")
WELL = (33.8483, 113.1245)
# The villager's words, after the seed article ("俺村机井水压低，浇地时间长还费钱").
COMPLAINT = (
    "俺村东头的机井水压低，浇地时间长还费钱。两亩地要浇一整天，已经一个多月了，你们管不管？"
)
CLUE = "村里修机井的钱，村干部报了两次账，群众都没见到第二眼井。"
REPORT = "已排查地埋管漏水点 3 处并修复，更换不配套水泵 1 台，井口出水压力恢复正常。"


def demo_round_code() -> str:
    """The demo round's code (it carries the current year)."""
    return f"JX{datetime.now(ZONE).year}-1"


def demo_roster() -> str:
    """The demo round (郏县, after the seed article), open from a week ago to in a month."""
    today = datetime.now(ZONE).date()
    template = files("bot").joinpath("demo_roster.yaml").read_text(encoding="utf-8")
    return template.format(
        year=today.year,
        starts_on=(today - timedelta(days=7)).isoformat(),
        ends_on=(today + timedelta(days=30)).isoformat(),
    )


class Transcript:
    """Plays people's actions through the emulator and writes down what every chat shows."""

    def __init__(
        self, emu: BotApiEmulator, runtime: BotRuntime, out: Callable[[str], None]
    ) -> None:
        self.emu = emu
        self.runtime = runtime
        self.out = out
        self.chat_names: dict[int, str] = {}
        # (chat, message) -> how many edits of it were shown
        self.shown: dict[tuple[int, int], int] = {}

    def name_chat(self, chat_id: int, name: str) -> None:
        """How a chat is labelled in the transcript."""
        self.chat_names[chat_id] = name

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

    def _show_new(self) -> list[StoredMessage]:
        """Print the bot's new and edited messages in every chat; return the new ones."""
        fresh = []
        for message in self.emu.all_messages():
            if not message.from_bot:
                continue
            key = (message.chat_id, message.message_id)
            seen = self.shown.get(key)
            if seen is not None and seen == message.edits:
                continue
            self.shown[key] = message.edits
            if seen is None:
                fresh.append(message)
            self.out(self._render(message, edited=seen is not None))
        return fresh

    def _render(self, message: StoredMessage, *, edited: bool) -> str:
        """A bot message as transcript lines, with the chat it is in and its buttons."""
        where = self.chat_names.get(message.chat_id, str(message.chat_id))
        body = (message.text or f"[{message.kind}]").strip()
        if message.kind == "location":
            body = "[位置]"
        elif message.kind in ("photo", "voice") and not message.text:
            body = f"[{'照片' if message.kind == 'photo' else '语音'}]"
        head = f"  〔{where}〕机器人 {'✎ 更新' if edited else '◂'} "
        pad = " " * 8
        lines = [head + line if i == 0 else pad + line for i, line in enumerate(body.splitlines())]
        buttons = [text for text, _data in message.buttons]
        if buttons:
            lines.append(pad + " ".join(f"[{b}]" for b in buttons))
        if message.keyboard:
            lines.append(pad + "⌨ " + " ".join(f"⟦{b}⟧" for row in message.keyboard for b in row))
        return "\n".join(lines)

    async def act(
        self, who: str, chat: int, line: str, action: Callable[[], object]
    ) -> list[StoredMessage]:
        """Do something as someone, print it and what the bot did; return new bot messages."""
        self.out(f"\n{who} 〔{self.chat_names.get(chat, chat)}〕 ▸ {line}")
        action()
        await self.settle()
        return self._show_new()

    async def press(self, user: User, message: StoredMessage, label: str) -> list[StoredMessage]:
        """Press the button with this label (or data prefix) on a bot message."""
        data = next(
            (d for text, d in message.buttons if d and (text == label or d.startswith(label))),
            None,
        )
        if data is None:
            raise RuntimeError(f"no button {label!r} in {message.buttons}")
        text = next(text for text, d in message.buttons if d == data)
        chat = self.emu.chat(message.chat_id)
        return await self.act(
            _name(user),
            message.chat_id,
            f"[{text}]",
            lambda: self.emu.press_button(user, message, data, chat=chat),
        )

    def latest(self, chat_id: int, with_button: str) -> StoredMessage:
        """The bot's latest message in a chat that has a button with this label or prefix."""
        for message in reversed(self.emu.bot_messages(chat_id)):
            if any(
                text == with_button or (d or "").startswith(with_button)
                for text, d in message.buttons
            ):
                return message
        raise RuntimeError(f"no message with {with_button!r} in chat {chat_id}")


def _name(user: User) -> str:
    """How a person is named in the transcript."""
    return f"{user.first_name}{user.last_name or ''}"


async def _link(
    t: Transcript,
    database: Database,
    chat: Chat,
    admin: User,
    target: str,
    code: str | None,
    round_code: str | None = None,
) -> None:
    """The operator issues a link code; the chat's administrator sends /link."""
    async with database.transaction() as session:
        link = await issue_code(
            session=session,
            target=target,
            round_code=round_code,
            code=code,
            now=datetime.now(ZONE),
        )
        issued = link.code
    option = f"--{target} {code or round_code}"
    t.out(f"\n运维 ▸ xuncha link-code {option}   →   {issued}")
    await t.act(
        _name(admin),
        chat.id,
        f"/link {issued}",
        lambda: t.emu.send_text(admin, f"/link {issued}", chat=chat),
    )


async def file_well_complaint(t: Transcript, villager: User) -> str:
    """The villager reports the irrigation well, start to finish; returns its number."""
    emu = t.emu
    private = villager.id
    say = lambda text: lambda: emu.send_text(villager, text)  # noqa: E731
    await t.act(_name(villager), private, "/start v_qianxiewan", say("/start v_qianxiewan"))
    await t.press(villager, t.latest(private, "cat:"), "饮水灌溉")
    await t.act(_name(villager), private, COMPLAINT, say(COMPLAINT))
    await t.act(
        _name(villager), private, "[语音 12 秒]", lambda: emu.send_voice(villager, duration=12)
    )
    await t.act(_name(villager), private, "[照片：机井出水口]", lambda: emu.send_photo(villager))
    await t.press(villager, t.latest(private, "dd:"), "dd:")
    await t.act(
        _name(villager),
        private,
        "[位置：前谢湾村东头机井]",
        lambda: emu.send_location(villager, *WELL),
    )
    await t.press(villager, t.latest(private, "id:"), "实名反映")
    await t.act(
        _name(villager),
        private,
        "[分享手机号]",
        lambda: emu.send_contact(villager, phone="+8613812345678"),
    )
    await t.press(villager, t.latest(private, "sm:"), "提交")
    return f"{demo_round_code()}-0001"


async def play(
    emu: BotApiEmulator, runtime: BotRuntime, database: Database, out: Callable[[str], None]
) -> None:
    """The story of the seed article's irrigation well, and a misconduct report."""
    t = Transcript(emu, runtime, out)
    leader = emu.add_user(first_name="许", last_name="组长", language_code="zh")
    clerk = emu.add_user(first_name="孙", last_name="科长", language_code="zh")
    villager = emu.add_user(first_name="谢", last_name="大爷", language_code="zh")
    neighbour = emu.add_user(first_name="李", last_name="婶", language_code="zh")
    group = emu.add_group(title="第一巡察组工作群", admins=[leader])
    bureau = emu.add_group(title="县水利局对接群", admins=[clerk])
    t.name_chat(group.id, "第一巡察组工作群")
    t.name_chat(bureau.id, "县水利局对接群")
    t.name_chat(villager.id, "谢大爷 私聊")
    t.name_chat(neighbour.id, "李婶 私聊")

    out("—— 一、巡察办把工作群接入机器人 ——")
    await _link(t, database, group, leader, "group", "g1")
    await _link(t, database, bureau, clerk, "department", "water")

    out("\n—— 二、村民谢大爷扫描巡察公告上的二维码，反映机井水压低 ——")
    number = await file_well_complaint(t, villager)

    out("\n—— 三、巡察组受理，现场交办县水利局，限期 3 天 ——")
    await t.press(leader, t.latest(group.id, "受理"), "受理")
    await t.press(leader, t.latest(group.id, "现场交办"), "现场交办")
    await t.press(leader, t.latest(group.id, "县水利局"), "县水利局")
    await t.press(leader, t.latest(group.id, "3天"), "3天")

    out("\n—— 四、县水利局整改后报告办结 ——")
    await t.press(clerk, t.latest(bureau.id, "dep:done:"), "dep:done:")
    prompt = emu.bot_messages(bureau.id)[-1]
    await t.act(
        _name(clerk),
        bureau.id,
        REPORT,
        lambda: emu.send_text(clerk, REPORT, chat=bureau, reply_to=prompt),
    )

    out("\n—— 五、回访：谢大爷表示满意，问题关闭 ——")
    await t.press(villager, t.latest(villager.id, "sv:"), "😊 满意")
    await t.act(
        _name(villager),
        villager.id,
        f"/status {number}",
        lambda: emu.send_text(villager, f"/status {number}"),
    )

    out("\n—— 六、李婶匿名反映问题线索，巡察组按规定移交县纪委监委 ——")
    private = neighbour.id
    await t.act(
        _name(neighbour),
        private,
        "/start v_qianxiewan",
        lambda: emu.send_text(neighbour, "/start v_qianxiewan"),
    )
    await t.press(neighbour, t.latest(private, "cat:"), "违纪违法问题线索")
    await t.act(_name(neighbour), private, CLUE, lambda: emu.send_text(neighbour, CLUE))
    await t.press(neighbour, t.latest(private, "dd:"), "dd:")
    skip = emu.bot_messages(private)[-1].keyboard[-1][-1]
    await t.act(_name(neighbour), private, skip, lambda: emu.send_text(neighbour, skip))
    await t.press(neighbour, t.latest(private, "id:"), "匿名反映")
    await t.press(neighbour, t.latest(private, "sm:"), "提交")
    await t.press(leader, t.latest(group.id, "移交线索"), "移交线索")
    await t.press(leader, t.latest(group.id, "县纪委监委"), "县纪委监委")


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
        out(f"巡察演示 · {summary}")
        async with BotApiEmulator(token=DEMO_TOKEN, enforce_limits=True) as emu:
            settings = Settings(
                _env_file=None,
                telegram_bot_token=DEMO_TOKEN,
                telegram_api_base_url=emu.base_url,
                database_url=url,
                poll_timeout=5,
                # The transcript is played at real time; scheduled sweeps would drop their
                # messages into it at unpredictable points.
                scheduled_jobs=False,
            )
            out(f"本地 Bot API 模拟器：{emu.base_url}  数据库：{url}\n")
            async with BotRuntime(settings) as runtime:
                await play(emu, runtime, database, out)
        await database.dispose()
        out("\n—— 演示结束 ——")
