"""The repository's example files work as they say: examples/roster.example.yaml loads."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app, build_app
from storage.db import Database
from storage.roster import load_roster
from tests.helpers.cli import ENGLISH
from tests.helpers.rosters import EXAMPLE_ROSTER_PATH

EXAMPLE = EXAMPLE_ROSTER_PATH.read_text(encoding="utf-8")


def with_categories_uncommented(text: str) -> str:
    """The example with its commented `categories:` block switched on."""
    start = text.index("# categories:")
    block = re.sub(r"^# ", "", text[start:], flags=re.MULTILINE)
    return text[:start] + block


async def test_the_example_roster_loads(database: Database) -> None:
    async with database.transaction() as session:
        summary = await load_roster(session=session, text=EXAMPLE, source="roster.example.yaml")
    assert str(summary) == (
        "round WD2023-1 created: 2 groups, 3 villages, 4 departments, 11 categories"
    )
    async with database.transaction() as session:
        again = await load_roster(session=session, text=EXAMPLE, source="roster.example.yaml")
    assert str(again) == "round WD2023-1: no changes"


async def test_the_commented_categories_of_the_example_load_too(database: Database) -> None:
    text = with_categories_uncommented(EXAMPLE)
    async with database.transaction() as session:
        summary = await load_roster(session=session, text=text, source="roster.example.yaml")
    assert "2 categories" in str(summary)


def test_roster_load_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    runner = CliRunner()
    assert (
        runner.invoke(app, ["db", "upgrade"], env={"DATABASE_URL": url, **ENGLISH}).exit_code == 0
    )
    result = runner.invoke(
        app, ["roster", "load", str(EXAMPLE_ROSTER_PATH)], env={"DATABASE_URL": url, **ENGLISH}
    )
    assert result.exit_code == 0, result.output
    assert "round WD2023-1 created" in result.output
    help_text = runner.invoke(build_app("en"), ["roster", "load", "--help"]).output
    assert "xuncha roster template" in help_text and "../shared" not in help_text
