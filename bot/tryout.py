"""`xuncha try`: the emulator, a fresh database with the example round, the bot and the chat
page, so anyone can use the bot in a browser before a bot is registered with Telegram.

The emulator stands in for Telegram; its chat page (emulator/chatpage/) lets you act as a
resident, an inspector or a department member. Everything here only composes: the people and
chats of the example round, the links of their chats (made the way an operator makes them:
a link code, then /link in the chat), and the bot on its own database in `folder`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot.config import Settings
from bot.ratelimit import RateLimits
from bot.service import BotService
from emulator import BotApiEmulator
from emulator.chatpage import ChatPage, Persona, Place
from emulator.models import Chat, User
from storage.db import Database
from storage.links import issue_code
from storage.migrate import upgrade_async
from storage.roster import load_roster

TRY_TOKEN = "100200300:TRY-TOKEN"
# Package data (examples/ links to it), so an installed package finds it too.
EXAMPLE_ROSTER = Path(__file__).resolve().parent / "cli" / "roster.example.yaml"
# The example round keeps its length and moves so that today falls in its third week.
DAYS_BEFORE_TODAY = 14
# How long the bot may take to answer /link in a chat while everything starts.
LINK_SECONDS = 20.0


@dataclass
class TrySession:
    """A running try-out: where to point the browser and where its files are."""

    url: str
    database_path: Path
    emu: BotApiEmulator
    page: ChatPage
    runtime: BotService


def example_round(today: datetime) -> str:
    """The example roster, its round moved so that it is open on `today`."""
    text = EXAMPLE_ROSTER.read_text(encoding="utf-8")
    shape = yaml.safe_load(text)["round"]
    length = shape["ends_on"] - shape["starts_on"]
    starts = today.date() - timedelta(days=DAYS_BEFORE_TODAY)
    text = re.sub(r"(?m)^(\s*starts_on:) \S+", rf"\g<1> {starts.isoformat()}", text, count=1)
    return re.sub(
        r"(?m)^(\s*ends_on:) \S+", rf"\g<1> {(starts + length).isoformat()}", text, count=1
    )


def places(roster_text: str) -> list[Place]:
    """Every village with a location, as a preset and a poster's QR code (/start v_<code>)."""
    shape = yaml.safe_load(roster_text)
    found = []
    for group in shape.get("groups", []):
        for village in group.get("villages", []):
            if "lat" in village and "lon" in village:
                found.append(
                    Place(village["name"], village["lat"], village["lon"], f"v_{village['code']}")
                )
    return found


@dataclass
class _Chats:
    """The people and chats of the example round, and which persona each person is."""

    personas: list[Persona]
    links: list[tuple[Chat, User, str, str | None]]


def _people(emu: BotApiEmulator, roster_text: str) -> _Chats:
    """Residents, each group's chat, each department's chat and the office's, with people."""
    shape = yaml.safe_load(roster_text)
    personas: list[Persona] = []
    links: list[tuple[Chat, User, str, str | None]] = []
    for n, name in enumerate(("张大爷", "李婶")):
        resident = emu.add_user(name, language_code="zh")
        personas.append(Persona(resident.id, "resident", f"+86138000000{n + 1:02d}"))
    # Each group chat: its leader (administrator, who links it) and one member.
    for n, group in enumerate(shape["groups"]):
        leader = emu.add_user("许周陈赵"[n % 4] + "组长", language_code="zh")
        member = emu.add_user("刘马孙钱"[n % 4] + "组员", language_code="zh")
        chat = emu.add_group(f"{group['name']}工作群", admins=[leader], members=[member])
        personas += [Persona(leader.id, "inspector"), Persona(member.id, "inspector")]
        links.append((chat, leader, "group", group["code"]))
    for n, department in enumerate(shape.get("departments", [])):
        clerk = emu.add_user("吴郑冯蒋"[n % 4] + "科长", language_code="zh")
        chat = emu.add_group(f"{department['name']}对接群", admins=[clerk])
        personas.append(Persona(clerk.id, "department"))
        links.append((chat, clerk, "department", department["code"]))
    director = emu.add_user("王主任", language_code="zh")
    office = emu.add_group("巡察办工作群", admins=[director])
    personas.append(Persona(director.id, "office"))
    links.append((office, director, "office", None))
    return _Chats(personas, links)


async def _link_all(
    emu: BotApiEmulator, database: Database, chats: _Chats, round_code: str, now: datetime
) -> None:
    """Link every chat as an operator would: a one-time code, then /link by its administrator."""
    for chat, admin, target, code in chats.links:
        async with database.transaction() as session:
            link = await issue_code(
                session=session,
                target=target,
                round_code=round_code if target == "office" else None,
                code=code,
                now=now,
            )
            issued = link.code
        emu.send_text(admin, f"/link {issued}", chat=chat)
        await emu.next_bot_message(chat, timeout=LINK_SECONDS)


def _fresh_database(folder: Path) -> Path:
    """The try-out's database file in `folder`, removed if an earlier try-out left one."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "try.db"
    for leftover in (path, path.with_name("try.db-wal"), path.with_name("try.db-shm")):
        leftover.unlink(missing_ok=True)
    return path


@asynccontextmanager
async def try_session(
    folder: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    limits: RateLimits | None = None,
) -> AsyncIterator[TrySession]:
    """Start the emulator, the chat page, and the bot on a fresh database in `folder`.

    The page listens first, so a busy port fails before anything else is done; its address is
    handed out only once every chat is linked. The bot keeps to Telegram's flood limits unless
    other `limits` are given (tests pass unpaced ones). Scheduled messages (digests,
    reminders) are off: nobody waits a day here.
    """
    database_path = _fresh_database(folder)
    url = f"sqlite:///{database_path}"
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    roster_text = example_round(now)
    round_code = str(yaml.safe_load(roster_text)["round"]["code"])
    async with AsyncExitStack() as stack:
        emu = await stack.enter_async_context(
            BotApiEmulator(
                token=TRY_TOKEN,
                enforce_limits=True,
                bot_first_name="巡察群众反映",
                bot_username="xuncha_try_bot",
            )
        )
        chats = _people(emu, roster_text)
        page = ChatPage(emu, personas=chats.personas, places=places(roster_text))
        page_url = await page.start(host, port)
        stack.push_async_callback(page.stop)
        await upgrade_async(url)
        database = Database(url)
        stack.push_async_callback(database.dispose)
        async with database.transaction() as session:
            await load_roster(session=session, text=roster_text, source=EXAMPLE_ROSTER.name)
        settings = Settings(
            _env_file=None,
            telegram_bot_token=TRY_TOKEN,
            telegram_api_base_url=emu.base_url,
            database_url=url,
            webhook_url="",
            poll_timeout=5,
            scheduled_jobs=False,
        )
        runtime = await stack.enter_async_context(BotService(settings, limits=limits))
        await _link_all(emu, database, chats, round_code, now)
        yield TrySession(page_url, database_path, emu, page, runtime)
