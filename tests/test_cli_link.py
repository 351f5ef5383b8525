"""`xuncha link-code`: issue a code from the command line, with clear errors."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select
from typer.testing import CliRunner, Result

from bot.cli import app
from storage.db import Database
from storage.links import ALPHABET
from storage.models import LinkCode
from storage.roster import load_roster
from tests.helpers.cli import ENGLISH
from tests.helpers.rosters import example_roster


async def xuncha(database_url: str, *args: str) -> Result:
    """Run the command line against a database (in a thread: it runs its own event loop)."""
    runner = CliRunner()
    env = {"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING", **ENGLISH}
    return await asyncio.to_thread(runner.invoke, app, list(args), env=env)


async def load_example(database_url: str) -> None:
    """The example round in the database."""
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            await load_roster(session=session, text=example_roster(), source="roster.yaml")
    finally:
        await database.dispose()


async def stored_codes(database_url: str) -> list[LinkCode]:
    """Every link code in the database."""
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            return list((await session.exec(select(LinkCode))).all())
    finally:
        await database.dispose()


async def test_a_group_code(database_url: str) -> None:
    await load_example(database_url)
    before = datetime.now(UTC)
    result = await xuncha(database_url, "link-code", "--group", "g3")
    assert result.exit_code == 0, result.output
    match = re.search(r"Send `/link ([A-Z0-9]{8})` in the inspection group's chat", result.output)
    assert match is not None, result.output
    code = match.group(1)
    assert set(code) <= set(ALPHABET)
    assert "group g3 (第三巡察组) of round WD2023-1" in result.output
    assert "as an administrator; valid until " in result.output
    assert "(Asia/Shanghai)" in result.output
    (stored,) = await stored_codes(database_url)
    assert (stored.code, stored.target) == (code, "group")
    assert (
        before + timedelta(hours=24)
        <= stored.expires_at
        <= datetime.now(UTC) + timedelta(hours=24)
    )
    # The expiry is printed on the round's clock.
    local = stored.expires_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M") in result.output


async def test_department_and_office_codes(database_url: str) -> None:
    await load_example(database_url)
    department = await xuncha(
        database_url, "link-code", "--department", "water", "--round", "WD2023-1"
    )
    assert department.exit_code == 0, department.output
    assert "department water (区水利局) of round WD2023-1" in department.output
    assert "in the department's chat" in department.output
    office = await xuncha(database_url, "link-code", "--office", "WD2023-1")
    assert office.exit_code == 0, office.output
    assert "the office of round WD2023-1" in office.output
    assert "in the round office's chat" in office.output
    chinese = await xuncha(database_url, "--lang", "zh", "link-code", "--department", "water")
    assert chinese.exit_code == 0, chinese.output
    assert "接入：轮次 WD2023-1 的责任单位 water（区水利局）" in chinese.output
    assert "of round" not in chinese.output
    stored = sorted(c.target for c in await stored_codes(database_url))
    assert stored == ["department", "department", "office"]


async def test_exactly_one_target(database_url: str) -> None:
    for args in ([], ["--group", "g3", "--office", "WD2023-1"], ["--round", "WD2023-1"]):
        result = await xuncha(database_url, "link-code", *args)
        assert result.exit_code == 2, result.output
        assert "exactly one of --group CODE, --department CODE or --office ROUND" in result.output
    result = await xuncha(database_url, "link-code", "--office", "WD2023-1", "--round", "X")
    assert result.exit_code == 2


async def test_what_does_not_exist(database_url: str) -> None:
    await load_example(database_url)
    result = await xuncha(database_url, "link-code", "--group", "g9")
    assert result.exit_code == 1
    assert "no group with code 'g9' in any round" in result.output
    result = await xuncha(database_url, "link-code", "--group", "g3", "--round", "XX")
    assert result.exit_code == 1
    assert "no round with code 'XX'" in result.output
    # In Chinese the reason is Chinese too (storage gives a code, the catalog the words).
    result = await xuncha(database_url, "--lang", "zh", "link-code", "--group", "g9")
    assert result.exit_code == 1
    assert "无法生成链接码：任何轮次里都没有代码为 'g9' 的巡察组" in result.output
    assert "no group" not in result.output
    result = await xuncha(
        database_url, "--lang", "zh", "link-code", "--group", "g3", "--round", "XX"
    )
    assert "没有代码为 'XX' 的轮次；请先导入它的名册" in result.output
    assert await stored_codes(database_url) == []


async def test_it_upgrades_a_database_without_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    (tmp_path / "fresh.db").touch()
    result = await xuncha(url, "link-code", "--office", "WD2023-1")
    # The schema is created; the round just is not there yet.
    assert result.exit_code == 1
    assert "load its roster first" in result.output


async def test_it_never_creates_a_database_and_says_where_it_looked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    result = await xuncha(url, "link-code", "--office", "WD2023-1")
    assert result.exit_code == 3
    assert f"No database at {tmp_path / 'elsewhere.db'}." in result.output
    assert "run xuncha db upgrade" in result.output
    assert not (tmp_path / "elsewhere.db").exists()


async def test_console_link_says_what_is_missing_in_the_operators_language(
    database_url: str,
) -> None:
    result = await xuncha(database_url, "--lang", "zh", "console-link")
    assert result.exit_code == 2
    assert "请在 --group 代码、--department 代码、--office 轮次代码 中选一个。" in result.output
    result = await xuncha(database_url, "--lang", "zh", "console-link", "--group", "g3")
    assert result.exit_code == 2
    assert "没有设置 CONSOLE_URL：工作台没有开启。" in result.output
    result = await xuncha(database_url, "console-link", "--group", "g3")
    assert result.exit_code == 2
    assert "CONSOLE_URL is not set: the console is off" in result.output
