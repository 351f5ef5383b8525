"""Residents filing at once: the bot's CPU per update beside a bare PTB echo bot's, how soon
every reply comes, and 429s (issue 12: P1, P1b, P1c, P4).

    python bench/residents.py              # every scenario, SQLite and PostgreSQL, 3 runs each
    python bench/residents.py --db sqlite --runs 1 --scenario cpu
    python bench/residents.py --scenario alone --steps 100

Each run starts the emulator in this process, a fresh database (an SQLite file, or a new
database on the PostgreSQL server, dropped afterwards) holding the example round open today
with 第三巡察组's chat linked, and a real `python -m bot run` child process. A resident does
the whole conversation: /start from the poster's deep link, a category, a description, 完成,
a location, 匿名, 提交 (7 updates); a similar complaint offered on the summary is passed by.
The bot's CPU is read from /proc (user + system) over the measured residents only, after a
warm-up, until everything they caused was sent; on PostgreSQL the CPU of the bot's server
backends is shown beside it.

Scenarios:
- cpu (P1): the emulator's flood limits off; 200 residents start at once and answer every
  prompt at once. The echo bot gets as many updates from as many residents (7 texts each,
  each answered before the next), in the same run: CPU per update, ratio, updates/s.
- crowd (P1b): flood limits on (Telegram's: 30/s, 3 per 3 s a private chat, 20/min a
  group); 200 residents arrive within 10 s and take 5-15 s to read and answer each prompt.
  Every reply (each message, edit and button answer in the resident's chat) is timed from the
  step that caused it; 429s counted.
- alone (P1c, P4): flood limits on, the bot otherwise idle; one resident at a time (5
  complaints a day each at most, so a new one for every conversation) answering within 1-3 s,
  for --steps steps: the next prompt after each step (the step's last reply), and filing to
  the card in the group chat (提交 pressed to the card's sendMessage).

Times come from the emulator's request log (when each call reached it), not from polling.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._machine import (  # noqa: E402
    DEFAULT_SERVER,
    backend_cpu_seconds,
    cpu_seconds,
    machine_line,
    percentile,
    scratch_database,
)
from emulator import BotApiEmulator  # noqa: E402
from emulator.models import StoredMessage, User  # noqa: E402
from storage import links  # noqa: E402
from storage.clock import SystemClock  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.helpers.harness import TOKEN, load_roster_text  # noqa: E402
from tests.helpers.rosters import roster_with_dates  # noqa: E402

GOALS = {"ratio": 3.0, "crowd_p99": 1.0, "alone_p99": 0.3, "card_p99": 1.0}
VILLAGE = "xiaodian"  # 小店村, covered by 第三巡察组 (g3) in the example roster
SPOT = (33.742, 113.351)
NUMBER = re.compile(r"[A-Z]{2}\d{4}-\d+-\d{4}")
# Methods that are no reply to anybody.
NOT_REPLIES = {"getupdates", "getme", "getwebhookinfo", "deletewebhook", "setmycommands"}
DESCRIPTIONS = [
    "村里机井水压太低，浇不了地，已经{n}个月了。",
    "村东头的路灯坏了{n}盏，晚上出门很不方便。",
    "村里垃圾清运不及时，堆了{n}天没人拉，气味很大。",
    "去年修的水泥路有{n}处裂缝塌陷，下雨积水走不了。",
    "村卫生室只有一名医生，看病要排队{n}个小时。",
    "低保评定不公开，我家符合条件申请了{n}次都没批。",
    "河道里有人倒建筑垃圾，已经堵了{n}米长。",
    "学校门口没有减速带，车开得很快，{n}个孩子差点被撞。",
    "自来水浑浊发黄，烧开后有沉淀，已经{n}周了。",
    "村里的健身器材坏了{n}件，一直没人修。",
    "征地补偿款还有{n}户没有发到手。",
    "养殖场臭味很重，离住户不到{n}百米。",
]


@dataclass
class Step:
    """One thing a resident does, and when."""

    at: float
    label: str
    query_id: str | None = None


@dataclass
class Resident:
    """Someone in a private chat with the bot, and the steps they took."""

    user: User
    steps: list[Step] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    submitted_at: list[float] = field(default_factory=list)


def _has_button(prefix: str) -> Callable[[StoredMessage], bool]:
    """A message with an inline button whose data starts with `prefix`."""
    return lambda m: any((data or "").startswith(prefix) for _text, data in m.buttons)


def _asks_location(message: StoredMessage) -> bool:
    """A message whose reply keyboard asks for the location."""
    markup = message.sent_markup or {}
    rows = markup.get("keyboard") or []
    return any(isinstance(b, dict) and b.get("request_location") for row in rows for b in row)


def _any(_message: StoredMessage) -> bool:
    """Any message."""
    return True


class Driver:
    """Residents acting on the emulator, each waiting for the bot's prompt before going on."""

    def __init__(self, emu: BotApiEmulator, think: tuple[float, float]) -> None:
        self.emu = emu
        self.think = think
        self.random = random.Random(12)
        # One watcher wakes the residents whose chat got a new bot message (polling 200 chats
        # would cost this process more CPU than the bot under test).
        self._waiting: dict[int, tuple[asyncio.Event, list[StoredMessage], int]] = {}
        self._watcher: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        """Wake the waiting residents whose chat got a new bot message."""
        while True:
            await self.emu.state.wait_changed(1.0)
            for event, sent, seen in list(self._waiting.values()):
                if len(sent) > seen:
                    event.set()

    def _sent(self, resident: Resident) -> list[StoredMessage]:
        """Every message the bot sent the resident, in their current state (edits applied)."""
        return self.emu.chat(resident.user.id).bot_sent

    async def _wait(
        self, resident: Resident, start: int, predicate: Callable[[StoredMessage], bool]
    ) -> StoredMessage:
        """The first message from index `start` on that satisfies `predicate`."""
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.create_task(self._watch())
        deadline = time.monotonic() + 120
        sent = self._sent(resident)
        try:
            while True:
                for message in sent[start:]:
                    if predicate(message):
                        return message
                if time.monotonic() > deadline:
                    raise TimeoutError(f"resident {resident.user.id}: no answer after {start}")
                event = asyncio.Event()
                self._waiting[resident.user.id] = (event, sent, len(sent))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), 1.0)
        finally:
            self._waiting.pop(resident.user.id, None)

    def stop(self) -> None:
        """Stop the watcher."""
        if self._watcher is not None:
            self._watcher.cancel()

    async def _pause(self) -> None:
        """The resident reads the prompt and answers."""
        low, high = self.think
        if high > 0:
            await asyncio.sleep(self.random.uniform(low, high))

    def _mark(self, resident: Resident, label: str) -> int:
        """Note a step now; the index of the chat's next bot message."""
        resident.steps.append(Step(time.time(), label))
        return len(self._sent(resident))

    async def _press(
        self, resident: Resident, message: StoredMessage, data: str, label: str
    ) -> int:
        """Press a button (noting the callback query's id)."""
        start = self._mark(resident, label)
        query = self.emu.press_button(resident.user, message, data)
        resident.steps[-1].query_id = str(query["id"])
        return start

    async def file(self, resident: Resident) -> None:
        """The whole conversation, once."""
        emu, user = self.emu, resident.user
        start = self._mark(resident, "start")
        emu.send_text(user, f"/start v_{VILLAGE}")
        categories = await self._wait(resident, start, _has_button("cat:"))
        await self._pause()
        choices = [data for _t, data in categories.buttons if (data or "").startswith("cat:")]
        start = await self._press(resident, categories, self.random.choice(choices) or "", "cat")
        await self._wait(resident, start, _any)
        await self._pause()
        start = self._mark(resident, "describe")
        text = self.random.choice(DESCRIPTIONS).format(n=self.random.randint(2, 9))
        emu.send_text(user, text)
        done = await self._wait(resident, start, _has_button("dd:"))
        await self._pause()
        start = await self._press(resident, done, _data(done, "dd:"), "done")
        await self._wait(resident, start, _asks_location)
        await self._pause()
        start = self._mark(resident, "location")
        emu.send_location(user, *SPOT)
        identity = await self._wait(resident, start, _has_button("id:"))
        await self._pause()
        anonymous = next(d for _t, d in identity.buttons if (d or "").endswith(":a"))
        start = await self._press(resident, identity, anonymous or "", "anonymous")
        summary = await self._wait(resident, start, _has_button("sm:"))
        await self._pause()
        submit = next(d for _t, d in summary.buttons if (d or "").endswith(":ok"))
        start = await self._press(resident, summary, submit or "", "submit")
        resident.submitted_at.append(resident.steps[-1].at)
        receipt = await self._wait(resident, start, _has_button("ra:"))
        found = NUMBER.search(receipt.text or "")
        resident.numbers.append(found[0] if found else "")

    async def echo(self, resident: Resident, updates: int) -> None:
        """`updates` texts, each answered before the next."""
        for step in range(updates):
            start = self._mark(resident, f"echo{step}")
            self.emu.send_text(resident.user, f"第{step + 1}条")
            await self._wait(resident, start, _any)


def _data(message: StoredMessage, prefix: str) -> str:
    """The data of the message's first button with this prefix."""
    return next(d for _t, d in message.buttons if (d or "").startswith(prefix)) or ""


@dataclass
class Replies:
    """Every reply in the residents' chats, each timed from the step that caused it."""

    # Seconds from the step to each reply; seconds from each step to its last reply.
    each: list[float]
    last: list[float]
    steps: int
    silent: int
    # The step's last reply, by what the step was (start, cat, describe...).
    by_label: dict[str, list[float]] = field(default_factory=dict)
    # Seconds from each step until a getUpdates of the bot took it (at the earliest: the
    # request's start, or the step itself for a long poll that was waiting).
    fetched: list[float] = field(default_factory=list)


def replies_of(emu: BotApiEmulator, residents: list[Resident]) -> Replies:
    """Match the emulator's request log to the residents' steps."""
    by_chat: dict[int, list[float]] = {r.user.id: [] for r in residents}
    by_query: dict[str, float] = {}
    for record in emu.server.requests:
        method = record.method.lower()
        if method in NOT_REPLIES or record.status != 200:
            continue
        if method == "answercallbackquery":
            by_query[str(record.params.get("callback_query_id"))] = record.time
            continue
        with contextlib.suppress(TypeError, ValueError):
            chat = int(str(record.params.get("chat_id")))
            if chat in by_chat:
                by_chat[chat].append(record.time)
    taken: dict[int, list[float]] = {r.user.id: [] for r in residents}
    for record in emu.server.requests:
        if record.method.lower() != "getupdates" or not isinstance(record.result, list):
            continue
        for update in record.result:
            body = update.get("message") or update.get("callback_query") or {}
            user = (body.get("from") or {}).get("id")
            if user in taken:
                taken[user].append(record.time)
    fetched: list[float] = []
    for resident in residents:
        # One update a step, taken in the order the resident made them.
        for step, at in zip(resident.steps, taken[resident.user.id], strict=False):
            fetched.append(max(at - step.at, 0.0))
    each: list[float] = []
    last: list[float] = []
    by_label: dict[str, list[float]] = {}
    silent = 0
    for resident in residents:
        times = sorted(by_chat[resident.user.id])
        bounds = [s.at for s in resident.steps[1:]] + [float("inf")]
        for step, until in zip(resident.steps, bounds, strict=True):
            mine = [t - step.at for t in times if step.at <= t < until]
            if step.query_id is not None and step.query_id in by_query:
                mine.append(by_query[step.query_id] - step.at)
            if not mine:
                silent += 1
                continue
            each.extend(mine)
            last.append(max(mine))
            by_label.setdefault(step.label, []).append(max(mine))
    return Replies(each, last, sum(len(r.steps) for r in residents), silent, by_label, fetched)


def cards_of(emu: BotApiEmulator, group_id: int, residents: list[Resident]) -> list[float]:
    """Seconds from each 提交 to the first group message that shows its number."""
    sent = [
        (r.time, str(r.params.get("text") or r.params.get("caption") or ""))
        for r in emu.server.requests
        if r.method.lower() == "sendmessage"
        and r.status == 200
        and str(r.params.get("chat_id")) == str(group_id)
    ]
    delays = []
    for resident in residents:
        for number, at in zip(resident.numbers, resident.submitted_at, strict=True):
            shown = [t for t, text in sent if number and number in text and t >= at]
            delays.append(min(shown) - at if shown else float("inf"))
    return delays


class BotChild:
    """`python -m bot run` (or the echo bot) as a child process against the emulator."""

    def __init__(self, emu: BotApiEmulator, folder: Path, url: str | None) -> None:
        self.emu = emu
        self.folder = folder
        self.url = url
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start it; returns at once."""
        log = (self.folder / ("bot.out" if self.url else "echo.out")).open("ab")
        if self.url is None:
            command = [str(ROOT / "bench" / "echo_bot.py"), self.emu.base_url, TOKEN]
        else:
            command = ["-m", "bot", "run"]
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": self.emu.base_url,
            "DATABASE_URL": self.url or "",
            "XUNCHA_HOME": str(self.folder),
            "POLL_TIMEOUT": "10",
        }
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, *command, cwd=ROOT, env=env, stdout=log, stderr=log
        )

    @property
    def pid(self) -> int:
        """The child's process id."""
        assert self.process is not None
        return self.process.pid

    async def stop(self) -> None:
        """Terminate, then kill if it lingers."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 15)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def batch_size(emu: BotApiEmulator, since: int) -> float:
    """Updates per getUpdates that returned any, from request `since` on."""
    sizes = [
        len(r.result)
        for r in emu.server.requests[since:]
        if r.method.lower() == "getupdates" and isinstance(r.result, list) and r.result
    ]
    return sum(sizes) / len(sizes) if sizes else 0.0


def calls_per_update(emu: BotApiEmulator, since: int, updates: int) -> dict[str, float]:
    """Bot API calls per update, by method, from request `since` on (every getUpdates too)."""
    counts: dict[str, int] = {}
    for record in emu.server.requests[since:]:
        counts[record.method] = counts.get(record.method, 0) + 1
    return {method: n / updates for method, n in sorted(counts.items(), key=lambda m: -m[1])}


def own_cpu() -> float:
    """CPU time of this process (the emulator and the residents)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def quiet(emu: BotApiEmulator, seconds: float = 1.5, within: float = 300) -> None:
    """Wait until the bot has made no call but getUpdates for `seconds`."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        calls = [r.time for r in emu.server.requests if r.method.lower() not in NOT_REPLIES]
        if not calls or time.time() - max(calls) >= seconds:
            return
        await asyncio.sleep(0.25)


async def link_group(emu: BotApiEmulator, url: str) -> int:
    """第三巡察组's chat, linked with a one-time code the way `xuncha link-code` does."""
    admin = emu.add_user(first_name="许", last_name="组长", language_code="zh")
    chat = emu.add_group("第三巡察组工作群", admins=[admin])
    database = Database(url)
    try:
        async with database.transaction() as session:
            link = await links.issue_code(
                session=session,
                target="group",
                round_code=None,
                code="g3",
                now=SystemClock().now(),
            )
            code = link.code
    finally:
        await database.dispose()
    before = len(emu.bot_messages(chat.id))
    emu.send_text(admin, f"/link {code}", chat=chat)
    await emu.wait_until(lambda: len(emu.bot_messages(chat.id)) > before, timeout=60)
    return chat.id


@dataclass
class Echo:
    """What the echo bot measured in one pattern."""

    cpu_per_update: float
    updates_per_second: float
    batch: float


@dataclass
class Run:
    """What one run measured."""

    cpu_per_update: float = 0.0
    server_cpu_per_update: float | None = None
    updates_per_second: float = 0.0
    # The echo bot with residents waiting for each answer, as the bot is driven; and with all
    # their updates queued at once (its best case: full getUpdates batches).
    echo: Echo | None = None
    echo_queued: Echo | None = None
    replies: Replies | None = None
    cards: list[float] = field(default_factory=list)
    too_many: int = 0
    load: str = ""
    batch: float = 0.0
    driver_cpu_per_update: float = 0.0
    calls: dict[str, float] = field(default_factory=dict)


async def measure(
    scenario: str, url: str, server: str | None, database: str | None, arguments: Any
) -> Run:
    """One run of one scenario against a prepared database."""
    flood = scenario != "cpu"
    run = Run()
    with tempfile.TemporaryDirectory() as folder:
        async with BotApiEmulator(token=TOKEN, enforce_limits=True, flood_limits=flood) as emu:
            if scenario == "cpu":
                run.echo, run.echo_queued = await _echo(emu, Path(folder), arguments.residents)
            bot = BotChild(emu, Path(folder), url)
            await bot.start()
            try:
                group = await link_group(emu, url)
                driver = Driver(emu, think=(0.0, 0.0))
                warm = [Resident(emu.add_user(first_name=f"热{i}")) for i in range(3)]
                await asyncio.gather(*(driver.file(r) for r in warm))
                driver.stop()
                await quiet(emu)
                emu.stats.too_many_requests = 0
                before = cpu_seconds(bot.pid)
                backends = (
                    await backend_cpu_seconds(server, database) if server and database else None
                )
                started, since, mine = time.time(), len(emu.server.requests), own_cpu()
                residents = await _residents(emu, scenario, arguments)
                finished = time.time()
                await quiet(emu)
                used = cpu_seconds(bot.pid) - before
                updates = sum(len(r.steps) for r in residents)
                run.cpu_per_update = used / updates
                run.batch = batch_size(emu, since)
                run.calls = calls_per_update(emu, since, updates)
                run.driver_cpu_per_update = (own_cpu() - mine) / updates
                run.updates_per_second = updates / (finished - started)
                if backends is not None and server and database:
                    after = await backend_cpu_seconds(server, database)
                    spent = sum(t - backends.get(pid, 0.0) for pid, t in after.items())
                    run.server_cpu_per_update = spent / updates
                run.replies = replies_of(emu, residents)
                run.cards = cards_of(emu, group, residents)
                run.too_many = emu.stats.too_many_requests
                run.load = " ".join(f"{v:.2f}" for v in os.getloadavg())
            finally:
                await bot.stop()
    return run


async def _residents(emu: BotApiEmulator, scenario: str, arguments: Any) -> list[Resident]:
    """The measured residents of a scenario, once they are done."""
    if scenario == "cpu":
        driver = Driver(emu, think=(0.0, 0.0))
        residents = [
            Resident(emu.add_user(first_name=f"居民{i}")) for i in range(arguments.residents)
        ]
        await asyncio.gather(*(driver.file(r) for r in residents))
        driver.stop()
        return residents
    if scenario == "crowd":
        driver = Driver(emu, think=(5.0, 15.0))
        residents = [
            Resident(emu.add_user(first_name=f"居民{i}")) for i in range(arguments.residents)
        ]

        async def arrive(resident: Resident) -> None:
            await asyncio.sleep(driver.random.uniform(0, 10))
            await driver.file(resident)

        await asyncio.gather(*(arrive(r) for r in residents))
        driver.stop()
        return residents
    driver = Driver(emu, think=(1.0, 3.0))
    residents = []
    while sum(len(r.steps) for r in residents) < arguments.steps:
        resident = Resident(emu.add_user(first_name=f"居民{len(residents)}"))
        residents.append(resident)
        await driver.file(resident)
        await driver._pause()
    driver.stop()
    return residents


def _all_answered(driver: Driver, residents: list[Resident], count: int) -> bool:
    """Whether every resident has at least `count` bot messages."""
    return all(len(driver._sent(r)) >= count for r in residents)


async def _echo(emu: BotApiEmulator, folder: Path, count: int) -> tuple[Echo, Echo]:
    """The echo bot, 7 updates per resident: answered one by one, then all queued at once."""
    echo = BotChild(emu, folder, None)
    await echo.start()
    try:
        driver = Driver(emu, think=(0.0, 0.0))
        warm = Resident(emu.add_user(first_name="热"))
        await driver.echo(warm, 3)
        await quiet(emu, 0.5)
        measured = []
        for queued in (False, True):
            before = cpu_seconds(echo.pid)
            residents = [Resident(emu.add_user(first_name=f"回声{i}")) for i in range(count)]
            started, since = time.time(), len(emu.server.requests)
            if queued:
                for step in range(7):
                    for resident in residents:
                        emu.send_text(resident.user, f"第{step + 1}条")
                await emu.wait_until(
                    functools.partial(_all_answered, driver, residents, 7),
                    timeout=300,
                    interval=0.05,
                )
            else:
                await asyncio.gather(*(driver.echo(r, 7) for r in residents))
            elapsed = time.time() - started
            await quiet(emu, 0.5)
            updates = 7 * count
            used = cpu_seconds(echo.pid) - before
            measured.append(Echo(used / updates, updates / elapsed, batch_size(emu, since)))
        driver.stop()
        return measured[0], measured[1]
    finally:
        await echo.stop()


async def one_run(kind: str, scenario: str, arguments: Any) -> Run:
    """Prepare a database of `kind`, measure, clean up."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    roster = roster_with_dates(today - timedelta(7), today + timedelta(30))
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            await load_roster_text(url, roster)
            return await measure(scenario, url, None, None, arguments)
    async with scratch_database(arguments.server, "xuncha_bench") as (url, name):
        await load_roster_text(url, roster)
        return await measure(scenario, url, arguments.server, name, arguments)


def _spread(values: list[float], scale: float = 1000.0, digits: int = 1) -> str:
    """min / median / max of the runs."""
    return " / ".join(
        f"{v * scale:.{digits}f}" for v in (min(values), statistics.median(values), max(values))
    )


def row(label: str, values: str, goal: str = "") -> None:
    """One line of a table."""
    print(f"   {label:<34} {values}" + (f"   ({goal})" if goal else ""))


def _cpu_rows(runs: list[Run]) -> None:
    """The cpu scenario's lines."""
    echo = [r.echo for r in runs if r.echo is not None]
    queued = [r.echo_queued for r in runs if r.echo_queued is not None]
    ratios = [r.cpu_per_update / e.cpu_per_update for r, e in zip(runs, echo, strict=True)]
    floor = [r.cpu_per_update / e.cpu_per_update for r, e in zip(runs, queued, strict=True)]
    row("bot CPU per update (ms)", _spread([r.cpu_per_update for r in runs]))
    if all(r.server_cpu_per_update is not None for r in runs):
        row("+ PostgreSQL backends (ms)", _spread([r.server_cpu_per_update or 0 for r in runs]))
    row("echo bot CPU per update (ms)", _spread([e.cpu_per_update for e in echo]))
    row("  echo, all updates queued (ms)", _spread([e.cpu_per_update for e in queued]))
    row("ratio bot / echo", _spread(ratios, 1, 2), f"goal P1: <= {GOALS['ratio']:.0f}x")
    row("  ratio bot / echo queued", _spread(floor, 1, 2))
    row("bot updates/s", _spread([r.updates_per_second for r in runs], 1))
    row("echo updates/s", _spread([e.updates_per_second for e in echo], 1))
    row("  echo queued updates/s", _spread([e.updates_per_second for e in queued], 1))
    row("updates per getUpdates: bot", _spread([r.batch for r in runs], 1))
    row("  echo", _spread([e.batch for e in echo], 1))
    row("  echo queued", _spread([e.batch for e in queued], 1))
    row("emulator + residents CPU (ms)", _spread([r.driver_cpu_per_update for r in runs]))
    calls = runs[0].calls
    row("Bot API calls per update, run 1", f"{sum(calls.values()):.2f}")
    for method, share in calls.items():
        row(f"  {method}", f"{share:.2f}")


def _reply_rows(scenario: str, runs: list[Run]) -> None:
    """The crowd and alone scenarios' lines."""
    replies = [r.replies for r in runs if r.replies is not None]
    goal = GOALS["crowd_p99"] if scenario == "crowd" else GOALS["alone_p99"]
    name = "P1b: every reply" if scenario == "crowd" else "P1c: the next prompt"
    row("steps measured", ", ".join(str(r.steps) for r in replies))
    row("step -> its last reply p50 (ms)", _spread([statistics.median(r.last) for r in replies]))
    row(
        "step -> its last reply p99 (ms)",
        _spread([percentile(r.last, 0.99) for r in replies]),
        f"goal {name} <= {goal * 1000:.0f} ms",
    )
    row("step -> each reply p99 (ms)", _spread([percentile(r.each, 0.99) for r in replies]))
    taken = [r for r in replies if r.fetched]
    if taken:
        row(
            "step -> taken by the bot p50 (ms)",
            _spread([statistics.median(r.fetched) for r in taken]),
        )
        row(
            "step -> taken by the bot p99 (ms)",
            _spread([percentile(r.fetched, 0.99) for r in taken]),
        )
    row("steps over the goal", ", ".join(str(sum(v > goal for v in r.last)) for r in replies))
    for label in replies[0].by_label:
        values = [v for r in replies for v in r.by_label.get(label, [])]
        row(
            f"  {label}: p50 / p99 (ms)",
            f"{statistics.median(values) * 1000:.0f} / {percentile(values, 0.99) * 1000:.0f}",
        )
    row("steps with no reply", ", ".join(str(r.silent) for r in replies))
    row("429 answers", ", ".join(str(r.too_many) for r in runs), "goal: 0")
    row("bot CPU per update (ms)", _spread([r.cpu_per_update for r in runs]))
    cards = [r.cards for r in runs if r.cards]
    if scenario == "alone" and cards:
        row(
            "提交 -> card in the group p99 (ms)",
            _spread([percentile(c, 0.99) for c in cards]),
            f"goal P4: <= {GOALS['card_p99'] * 1000:.0f} ms; {len(cards[0])} filings a run",
        )
        row("提交 -> card in the group p50 (ms)", _spread([statistics.median(c) for c in cards]))


def report(kind: str, scenario: str, runs: list[Run]) -> None:
    """Print a table of one scenario's runs."""
    print(f"\n== {scenario} on {kind}: {len(runs)} run(s); min / median / max ==")
    for index, run in enumerate(runs, 1):
        print(f"   run {index}: load average {run.load}")
    if scenario == "cpu":
        _cpu_rows(runs)
    else:
        _reply_rows(scenario, runs)


async def main(arguments: Any) -> None:
    """Every requested scenario on every requested database."""
    kinds = ["sqlite", "postgresql"] if arguments.db == "both" else [arguments.db]
    scenarios = ["cpu", "crowd", "alone"] if arguments.scenario == "all" else [arguments.scenario]
    print(machine_line())
    for scenario in scenarios:
        for kind in kinds:
            runs = []
            for index in range(arguments.runs):
                run = await one_run(kind, scenario, arguments)
                print(f"   [{scenario} {kind} run {index + 1} done]", flush=True)
                runs.append(run)
            report(kind, scenario, runs)
    print(machine_line())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--scenario", choices=["cpu", "crowd", "alone", "all"], default="all")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--steps", type=int, default=200, help="steps of the alone scenario")
    parser.add_argument(
        "--server",
        default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_SERVER,
        help="a PostgreSQL server URL (a database is made on it and dropped)",
    )
    asyncio.run(main(parser.parse_args()))
