"""`xuncha demo`: the bot, the local emulator and the seed article's people, with a transcript."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.jobs import run_sweeps
from bot.ratelimit import unpaced
from bot.service import BotService
from emulator import BotApiEmulator
from emulator.models import Chat, StoredMessage, User
from storage.clock import ShiftedClock
from storage.db import Database
from storage.links import issue_code
from storage.migrate import upgrade_async
from storage.roster import load_roster

DEMO_TOKEN = "100200300:DEMO-TOKEN"
ZONE = ZoneInfo("Asia/Shanghai")
WELL = (33.8483, 113.1245)
# The villager's words, after the seed article ("俺村机井水压低，浇地时间长还费钱").
SETTLE_SECONDS = 120
# The demo round's length: two weeks, compressed into a few scheduled moments.
ROUND_DAYS = 14
COMPLAINT = (
    "俺村东头的机井水压低，浇地时间长还费钱。两亩地要浇一整天，已经一个多月了，你们管不管？"
)
CLUE = "村里修机井的钱，村干部报了两次账，群众都没见到第二眼井。"
REPORT = "已排查地埋管漏水点 3 处并修复，更换不配套水泵 1 台，井口出水压力恢复正常。"


def demo_round_code() -> str:
    """The demo round's code (it carries the current year)."""
    return f"JX{demo_start().year}-1"


@cache
def demo_start() -> date:
    """The first day of the demo round: a Monday three weeks ago (fixed for the process, so
    a demo running over midnight keeps its dates).

    The round is over by today: the bot's clock replays it (see run_demo) and is never ahead of
    the real one, which the outbox sender goes by.
    """
    today = datetime.now(ZONE).date()
    return today - timedelta(days=today.weekday() + 21)


def demo_roster() -> str:
    """The demo round (郏县, after the seed article): two weeks from demo_start()."""
    start = demo_start()
    template = files("bot").joinpath("demo_roster.yaml").read_text(encoding="utf-8")
    return template.format(
        year=start.year,
        starts_on=start.isoformat(),
        ends_on=(start + timedelta(days=ROUND_DAYS - 1)).isoformat(),
    )


def on_day(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time on the demo round's day `day` (0 is its first day)."""
    return datetime.combine(demo_start() + timedelta(days=day), time(hour, minute), ZONE)


class Transcript:
    """Plays people's actions through the emulator and writes down what every chat shows."""

    def __init__(
        self,
        emu: BotApiEmulator,
        runtime: BotService,
        clock: ShiftedClock,
        out: Callable[[str], None],
    ) -> None:
        self.emu = emu
        self.runtime = runtime
        self.clock = clock
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
        # A group chat takes 20 messages a minute: a busy moment can take that long to go out.
        deadline = loop.time() + SETTLE_SECONDS
        while loop.time() < deadline:
            poller = self.runtime.poller
            pending = [u["update_id"] for u in self.emu.pending_updates]
            caught_up = poller is not None and (
                not pending or (poller.offset is not None and poller.offset > max(pending))
            )
            if caught_up and await self.runtime.idle():
                return
            await asyncio.sleep(0.05)
        raise TimeoutError(f"the bot did not answer within {SETTLE_SECONDS} s")

    async def at(self, when: datetime, what: str) -> list[StoredMessage]:
        """Move the bot's clock on to `when`, run the scheduled sweeps once, print what came."""
        self.clock.jump_to(when)
        self.out(f"\n⏰ {when:%Y-%m-%d %H:%M} {what}")
        assert self.runtime.app is not None
        await run_sweeps(self.runtime.app)
        await self.settle()
        return self._show_new()

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
            now=t.clock.now(),
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
    emu: BotApiEmulator,
    runtime: BotService,
    database: Database,
    clock: ShiftedClock,
    out: Callable[[str], None],
) -> None:
    """The round of the seed article's irrigation well, from its opening to its final report."""
    t = Transcript(emu, runtime, clock, out)
    leader = emu.add_user(first_name="许", last_name="组长", language_code="zh")
    clerk = emu.add_user(first_name="孙", last_name="科长", language_code="zh")
    director = emu.add_user(first_name="王", last_name="主任", language_code="zh")
    villager = emu.add_user(first_name="谢", last_name="大爷", language_code="zh")
    neighbour = emu.add_user(first_name="李", last_name="婶", language_code="zh")
    group = emu.add_group(title="第一巡察组工作群", admins=[leader])
    bureau = emu.add_group(title="县水利局对接群", admins=[clerk])
    office = emu.add_group(title="县委巡察办工作群", admins=[director])
    t.name_chat(group.id, "第一巡察组工作群")
    t.name_chat(bureau.id, "县水利局对接群")
    t.name_chat(office.id, "县委巡察办工作群")
    t.name_chat(villager.id, "谢大爷 私聊")
    t.name_chat(neighbour.id, "李婶 私聊")
    private = villager.id

    out(f"—— 一、{on_day(0, 9):%m月%d日}（周一）巡察进驻，巡察办把工作群接入机器人 ——")
    await _link(t, database, group, leader, "group", "g1")
    await _link(t, database, bureau, clerk, "department", "water")
    await _link(t, database, office, director, "office", None, demo_round_code())
    await t.at(on_day(0, 9, 35), "定时任务：巡察开始")

    out("\n—— 二、村民谢大爷扫描巡察公告上的二维码，反映机井水压低 ——")
    number = await file_well_complaint(t, villager)

    out("\n—— 三、巡察组受理，现场交办县水利局，限期 3 天 ——")
    await t.press(leader, t.latest(group.id, "受理"), "受理")
    await t.press(leader, t.latest(group.id, "现场交办"), "现场交办")
    await t.press(leader, t.latest(group.id, "县水利局"), "县水利局")
    await t.press(leader, t.latest(group.id, "3天"), "3天")

    out("\n—— 四、第二天一早的每日简报，到期前一天的督办提醒 ——")
    await t.at(on_day(1, 8, 30), "定时任务：每日简报")
    await t.at(on_day(2, 9), "定时任务：督办提醒")

    out("\n—— 五、县水利局整改后报告办结 ——")
    await t.press(clerk, t.latest(bureau.id, "dep:done:"), "dep:done:")
    prompt = emu.bot_messages(bureau.id)[-1]
    await t.act(
        _name(clerk),
        bureau.id,
        REPORT,
        lambda: emu.send_text(clerk, REPORT, chat=bureau, reply_to=prompt),
    )

    out("\n—— 六、回访：谢大爷表示满意，问题关闭 ——")
    await t.press(villager, t.latest(private, "sv:"), "😊 满意")

    out("\n—— 七、李婶匿名反映问题线索，巡察组按规定移交县纪委监委 ——")
    await report_clue(t, neighbour)
    await t.press(leader, t.latest(group.id, "移交线索"), "移交线索")
    await t.press(leader, t.latest(group.id, "县纪委监委"), "县纪委监委")

    out("\n—— 八、一轮巡察的后半程：周报、结束预告、总结报告 ——")
    await t.at(on_day(7, 9), "定时任务：每周一工作周报")
    await t.at(on_day(ROUND_DAYS - 2, 9), "定时任务：结束前一天")
    await t.at(on_day(ROUND_DAYS, 0, 10), "定时任务：巡察结束")

    out("\n—— 九、巡察结束后：停止受理新反映，已反映的问题仍可查询；统计与台账 ——")
    say = lambda text: lambda: emu.send_text(villager, text)  # noqa: E731
    await t.act(_name(villager), private, "/start v_qianxiewan", say("/start v_qianxiewan"))
    await t.act(_name(villager), private, f"/status {number}", say(f"/status {number}"))
    await t.act(
        _name(director),
        office.id,
        "/stats",
        lambda: emu.send_text(director, "/stats", chat=office),
    )
    await t.act(
        _name(leader), group.id, "/export", lambda: emu.send_text(leader, "/export", chat=group)
    )


async def report_clue(t: Transcript, neighbour: User) -> None:
    """The neighbour reports a misconduct clue anonymously."""
    emu = t.emu
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


async def run_demo(out: Callable[[str], None] = print, *, paced: bool = True) -> None:
    """Run the whole demo on a temporary database and print the transcript.

    Paced, the emulator enforces Telegram's flood limits and the bot keeps to them (a group
    chat takes 20 messages a minute), as in production; unpaced (the tests), neither does.
    """
    with tempfile.TemporaryDirectory(prefix="xuncha-demo-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        await upgrade_async(url)
        database = Database(url)
        async with database.transaction() as session:
            summary = await load_roster(
                session=session, text=demo_roster(), source="demo_roster.yaml"
            )
        out(f"巡察演示 · {summary}")
        async with BotApiEmulator(token=DEMO_TOKEN, enforce_limits=paced) as emu:
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
            out(f"本地 Bot API 模拟器：{emu.base_url}  数据库：{url}\n")
            limits = None if paced else unpaced()
            async with BotService(settings, clock=clock, limits=limits) as runtime:
                await play(emu, runtime, database, clock, out)
        await database.dispose()
        out("\n—— 演示结束 ——")
