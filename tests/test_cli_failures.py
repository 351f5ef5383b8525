"""Expected failures end in a line or two in the operator's language and an exit code of their
own (bot/cli/failures.py); the traceback goes to the log file, never to the terminal.

The command line runs as the operator runs it: its own process (tests/helpers/cli.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from emulator import BotApiEmulator
from tests.helpers.cli import CHINESE, ENGLISH, run_xuncha
from tests.helpers.harness import TOKEN, free_port
from tests.helpers.rosters import EXAMPLE_ROSTER_PATH


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    """A data folder of its own, a SQLite database in it, Chinese unless told otherwise."""
    return {"XUNCHA_HOME": str(tmp_path / "home"), **CHINESE, **values}


def failure_lines(stderr: str) -> list[str]:
    """What the operator reads after the first line (which names the database)."""
    return [line for line in stderr.splitlines() if not line.startswith(("数据库：", "database:"))]


def log_of(tmp_path: Path) -> str:
    """The log file in the data folder."""
    return (tmp_path / "home" / "xuncha.log").read_text(encoding="utf-8")


def assert_no_traceback(*outputs: str) -> None:
    """Nothing a programmer would read reached the terminal."""
    for output in outputs:
        assert "Traceback" not in output and 'File "' not in output, output


async def test_run_without_network_says_so_and_names_the_proxy(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    env = environment(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=closed)
    done = await asyncio.to_thread(run_xuncha, "run", env=env, cwd=tmp_path)
    assert done.returncode == 4, done.stderr
    assert done.stderr.splitlines()[0] == f"数据库：{tmp_path / 'home' / 'xuncha.db'}"
    lines = failure_lines(done.stderr)
    assert lines[-2].startswith("连不上 Telegram 的 Bot API 服务器（")
    assert "TELEGRAM_PROXY_URL" in lines[-1] and "TELEGRAM_API_BASE_URL" in lines[-1]
    assert len(done.stderr.splitlines()) <= 6, done.stderr
    assert_no_traceback(done.stdout, done.stderr)
    log = log_of(tmp_path)
    assert "Traceback" in log and "ClientConnectorError" in log
    # The HTTP clients opened for the failed getMe were closed (aiohttp logs them otherwise).
    assert "Unclosed" not in log


async def test_run_with_a_rejected_token(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN) as emu:
        env = environment(
            tmp_path, TELEGRAM_BOT_TOKEN="123456:WRONG", TELEGRAM_API_BASE_URL=emu.base_url
        )
        done = await asyncio.to_thread(run_xuncha, "run", env=env, cwd=tmp_path)
    assert done.returncode == 5, done.stderr
    lines = failure_lines(done.stderr)
    assert lines[-2] == "Telegram 拒绝了机器人令牌 TELEGRAM_BOT_TOKEN。"
    assert "@BotFather" in lines[-1]
    assert "WRONG" not in done.stderr
    assert_no_traceback(done.stdout, done.stderr)
    assert "InvalidToken" in log_of(tmp_path)


async def test_an_unreachable_database_in_english(tmp_path: Path) -> None:
    url = f"postgresql://postgres:secret@127.0.0.1:{free_port()}/xuncha"
    env = environment(tmp_path, DATABASE_URL=url, **ENGLISH)
    done = await asyncio.to_thread(run_xuncha, "outbox", "status", env=env, cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    first, *lines = done.stderr.splitlines()
    assert first.startswith("database: postgresql://postgres:***@127.0.0.1:")
    assert lines[0].startswith("Cannot reach the database (")
    assert lines[1].startswith("Check that the database server is running")
    assert len(lines) == 2
    assert "secret" not in done.stderr
    assert_no_traceback(done.stdout, done.stderr)


async def test_a_missing_database_is_not_created(tmp_path: Path) -> None:
    env = environment(tmp_path)
    done = await asyncio.to_thread(
        run_xuncha, "export", "--round", "WD2023-1", "--out", "x.xlsx", env=env, cwd=tmp_path
    )
    assert done.returncode == 3, done.stderr
    where = tmp_path / "home" / "xuncha.db"
    assert failure_lines(done.stderr)[0] == f"找不到数据库 {where}。"
    assert "xuncha db upgrade" in failure_lines(done.stderr)[1]
    assert not where.exists()
    assert_no_traceback(done.stdout, done.stderr)


async def test_a_bad_roster_names_the_file_the_line_and_the_field(tmp_path: Path) -> None:
    text = EXAMPLE_ROSTER_PATH.read_text(encoding="utf-8").replace("lat: 33.742", "lat: 133.742")
    bad = tmp_path / "roster.yaml"
    bad.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "133.742" in row)
    env = environment(tmp_path)
    done = await asyncio.to_thread(run_xuncha, "roster", "check", str(bad), env=env, cwd=tmp_path)
    assert done.returncode == 6, done.stderr
    head, *problems = done.stderr.splitlines()
    assert head == f"名册文件 {bad} 有 1 处错误，什么都没有导入："
    assert problems == [f"  {bad}:{line}：groups[0].villages[0].lat：必须在 -90 和 90 之间"]
    assert_no_traceback(done.stdout, done.stderr)
    english = await asyncio.to_thread(
        run_xuncha, "--lang", "en", "roster", "check", str(bad), env=env, cwd=tmp_path
    )
    assert english.returncode == 6
    assert english.stderr.splitlines() == [
        f"The roster file {bad} has 1 problem(s); nothing was loaded:",
        f"  {bad}:{line}: groups[0].villages[0].lat: must be between -90 and 90",
    ]
    missing = tmp_path / "nowhere.yaml"
    done = await asyncio.to_thread(
        run_xuncha, "roster", "check", str(missing), env=env, cwd=tmp_path
    )
    assert done.returncode == 6
    assert done.stderr.splitlines()[1:] == [f"  {missing}：读不出来：没有这个文件"]
    # roster load refuses the same file before it touches (or creates) a database.
    done = await asyncio.to_thread(run_xuncha, "roster", "load", str(bad), env=env, cwd=tmp_path)
    assert done.returncode == 6
    assert not (tmp_path / "home" / "xuncha.db").exists()


async def test_the_example_roster_checks_and_the_template_prints_it(tmp_path: Path) -> None:
    env = environment(tmp_path)
    template = await asyncio.to_thread(run_xuncha, "roster", "template", env=env, cwd=tmp_path)
    assert template.returncode == 0
    assert template.stdout == EXAMPLE_ROSTER_PATH.read_text(encoding="utf-8")
    assert template.stderr == ""
    copy = tmp_path / "roster.yaml"
    copy.write_text(template.stdout, encoding="utf-8")
    done = await asyncio.to_thread(run_xuncha, "roster", "check", str(copy), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        f"名册文件 {copy} 没有问题：轮次 WD2023-1，2 个巡察组，3 个村/社区，4 个责任单位，"
        "类别：默认类别。"
    )
    assert not (tmp_path / "home" / "xuncha.db").exists()
