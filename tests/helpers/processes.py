"""Real `xuncha run` processes (python -m bot run) for tests of replicas and crashes.

Each process writes its log to a file of its own; its role is read from the log's "role:"
lines (bot/leader.py logs every change).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

from emulator import BotApiEmulator
from tests.helpers.harness import TOKEN

ROOT = Path(__file__).resolve().parents[2]
ROLE_LINE = re.compile(r"role: (leader|standby) \((?:was leader|was standby|at start)\): (.*)")


class BotProcess:
    """`python -m bot run` as a child process, against the emulator."""

    def __init__(
        self, emu: BotApiEmulator, database_url: str, log: Path, **environment: str
    ) -> None:
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": emu.base_url,
            "DATABASE_URL": database_url,
            "POLL_TIMEOUT": "5",
            **environment,
        }
        self.log = log
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def running(self) -> bool:
        """Whether the process runs now."""
        return self.process is not None and self.process.returncode is None

    async def start(self) -> None:
        """Start the bot (a restart appends to the same log)."""
        self.starts += 1
        with self.log.open("ab") as log:
            log.write(f"=== start {self.starts}\n".encode())
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--verbose",  # the log on stderr too: the test reads it
                "run",
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
            )

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no confirmation of anything."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        """Stop politely if still running."""
        if self.running:
            assert self.process is not None
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    def text(self) -> str:
        """Everything the process logged so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def current_text(self) -> str:
        """What the process logged since its latest start."""
        return self.text().rsplit(f"=== start {self.starts}\n", 1)[-1]

    def role(self) -> str | None:
        """The role the running process took last, from its log (None before the first)."""
        if not self.running:
            return None
        found = ROLE_LINE.findall(self.current_text())
        return found[-1][0] if found else None

    def roles(self) -> list[str]:
        """Every role change logged, over all starts: "leader: took the leader's lock"..."""
        return [f"{role}: {reason}" for role, reason in ROLE_LINE.findall(self.text())]


async def wait_for(condition: object, *, timeout: float, what: str) -> None:  # noqa: ASYNC109
    """Poll `condition()` every 50 ms until it holds; AssertionError naming `what` otherwise."""
    assert callable(condition)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def leader_of(processes: list[BotProcess]) -> BotProcess | None:
    """The one running process whose log says it leads now (None while none does)."""
    leaders = [p for p in processes if p.role() == "leader"]
    return leaders[0] if len(leaders) == 1 else None
