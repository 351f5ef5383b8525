"""`xuncha export`: the ledger (台账) as XLSX or CSV, checked row by row against the database."""

from __future__ import annotations

import asyncio
import csv
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from bot.cli import app
from handlers.ledger_file import HEADERS, LEDGER_SHEET, SUMMARY_SHEET, csv_value
from storage.db import Database
from tests.helpers.cli import ENGLISH
from tests.helpers.factories import World, example_world, file
from tests.helpers.ledger_round import Played, expected_rows, play_round

FORMULA = '=HYPERLINK("http://example.invalid","点我")，机井坏了，请派人修。'


async def xuncha(database_url: str, *args: str) -> Result:
    """Run the command line against a database (in a thread: it runs its own event loop)."""
    runner = CliRunner()
    env = {"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING", **ENGLISH}
    return await asyncio.to_thread(runner.invoke, app, list(args), env=env)


@pytest.fixture
async def world(database: Database) -> World:
    return await example_world(database)


@pytest.fixture
async def played(world: World) -> Played:
    return await play_round(world)


def as_excel(value: Any) -> Any:
    """A ledger value as openpyxl reads it back: local times without a zone, dates as datetimes,
    empty text as an empty cell."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date):
        return datetime.combine(value, time())
    if value == "":
        return None
    return value


def sheet_rows(path: Path, name: str) -> list[tuple[Any, ...]]:
    workbook = load_workbook(path)
    return [tuple(row) for row in workbook[name].iter_rows(values_only=True)]


def names_in(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def padded(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row as long as the header (openpyxl drops empty cells at the end of a row)."""
    return row + (None,) * (len(HEADERS) - len(row))


async def test_the_cli_writes_an_xlsx_that_matches_the_database(
    world: World, played: Played, tmp_path: Path, database_url: str
) -> None:
    out = tmp_path / "out" / "台账.xlsx"
    result = await xuncha(database_url, "export", "--round", "WD2023-1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote 10 complaints of WD2023-1" in result.output
    rows = sheet_rows(out, LEDGER_SHEET)
    assert rows[0] == HEADERS
    expected = await expected_rows(world, shareable=False)
    assert [padded(row) for row in rows[1:]] == [
        tuple(as_excel(v) for v in row) for row in expected
    ]
    assert any(row[7] and "+8613800000000" in row[7] for row in rows[1:])
    summary = {row[0]: row[1] for row in sheet_rows(out, SUMMARY_SHEET) if row and row[0]}
    assert summary["巡察轮次"] == "WD2023-1 卫东区委2023年第一轮巡察"
    assert summary["反映总数"] == 10
    assert (summary["已关闭"], summary["待受理"], summary["立行立改"]) == (2, 2, 1)
    assert (summary["现场交办"], summary["移交"], summary["不予受理"]) == (2, 1, 1)
    assert summary["饮水灌溉"] == 3
    assert summary["满意率（满意和基本满意）"] == "66.7%"
    assert names_in(out.parent) == [out.name]  # no partial file left


async def test_shareable_xlsx_has_no_identity(
    world: World, played: Played, tmp_path: Path, database_url: str
) -> None:
    out = tmp_path / "share.xlsx"
    result = await xuncha(
        database_url, "export", "--round", "wd2023-1", "--out", str(out), "--shareable"
    )
    assert result.exit_code == 0, result.output
    rows = sheet_rows(out, LEDGER_SHEET)[1:]
    assert len(rows) == 10
    assert all(padded(row)[7] is None for row in rows)
    assert not any("13800000000" in str(value) for row in rows for value in row)


async def test_a_shareable_export_withholds_the_words_of_a_sensitive_complaint(
    world: World, played: Played, tmp_path: Path, database_url: str
) -> None:
    clue = played.numbers["transferred"]
    words = "社区干部优亲厚友，低保名额给了亲戚，请组织调查。"
    description = HEADERS.index("反映内容")
    for name, shareable in (("share.xlsx", True), ("share.csv", True), ("own.xlsx", False)):
        out = tmp_path / name
        args = ["export", "--round", "WD2023-1", "--out", str(out)]
        result = await xuncha(database_url, *args, *(["--shareable"] if shareable else []))
        assert result.exit_code == 0, result.output
        if out.suffix == ".csv":
            with out.open(encoding="utf-8-sig", newline="") as handle:
                rows = [tuple(row) for row in csv.reader(handle)][1:]
        else:
            rows = [padded(row) for row in sheet_rows(out, LEDGER_SHEET)[1:]]
        by_number = {row[0]: row for row in rows}
        if shareable:
            assert by_number[clue][description] == "内容保密（已移交）", name
            assert not any("低保" in str(value) for row in rows for value in row), name
        else:
            assert by_number[clue][description] == words
        # Other complaints keep their words.
        assert by_number[played.numbers["rejected"]][description] == "邻居家的狗晚上一直叫。"


async def test_the_cli_writes_a_csv_with_the_same_columns(
    world: World, played: Played, tmp_path: Path, database_url: str
) -> None:
    out = tmp_path / "ledger.csv"
    result = await xuncha(database_url, "export", "--round", "WD2023-1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads it as UTF-8
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == HEADERS
    expected = await expected_rows(world, shareable=False)
    assert rows[1:] == [[csv_value(v) for v in row] for row in expected]
    assert rows[1][1].startswith("2023-03-14 ")  # local time, no zone


async def test_typed_formulas_stay_text(world: World, tmp_path: Path, database_url: str) -> None:
    await file(world.database, 3001, description=FORMULA)
    out = tmp_path / "ledger.xlsx"
    result = await xuncha(database_url, "export", "--round", "WD2023-1", "--out", str(out))
    assert result.exit_code == 0, result.output
    cell = load_workbook(out)[LEDGER_SHEET]["F2"]
    assert (cell.value, cell.data_type) == (FORMULA, "s")
    out = tmp_path / "ledger.csv"
    result = await xuncha(database_url, "export", "--round", "WD2023-1", "--out", str(out))
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle))[1][5] == "'" + FORMULA


async def test_an_unknown_extension_is_refused(
    world: World, tmp_path: Path, database_url: str
) -> None:
    out = tmp_path / "ledger.pdf"
    result = await xuncha(database_url, "export", "--round", "WD2023-1", "--out", str(out))
    assert result.exit_code == 2
    assert ".xlsx or .csv" in result.output
    assert not out.exists()


async def test_an_unknown_round_is_refused(
    world: World, tmp_path: Path, database_url: str
) -> None:
    out = tmp_path / "ledger.xlsx"
    result = await xuncha(database_url, "export", "--round", "WD2099-9", "--out", str(out))
    assert result.exit_code == 1
    assert "no round 'WD2099-9'" in result.output
    assert "rounds: WD2023-1" in result.output
    chinese = await xuncha(
        database_url, "--lang", "zh", "export", "--round", "WD2099-9", "--out", str(out)
    )
    assert chinese.exit_code == 1
    assert "数据库里没有轮次 'WD2099-9'（现有轮次：WD2023-1）" in chinese.output
    assert "no round" not in chinese.output
    assert not out.exists()
