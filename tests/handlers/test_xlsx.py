"""handlers/xlsx.py: what it writes reads back, cell for cell, in openpyxl (as Excel reads it)."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime, time
from pathlib import Path

from openpyxl import load_workbook

from handlers import xlsx

TRICKY = [
    '=HYPERLINK("http://example.invalid","点我")',
    "<r><t>not rich text</t></r>",
    "a & b < c > d \"quoted\" 'single'",
    "  leading and trailing spaces  ",
    "line one\nline two\ttabbed",
    "https://example.invalid/looks-like-a-link",
    "00123",
    "1e5",
]


def test_text_dates_and_numbers_read_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    workbook = xlsx.Workbook(path)
    sheet = workbook.sheet("台账", (16, 60), freeze_header=True)
    sheet.row(("编号", "内容"), xlsx.BOLD)
    for text in TRICKY:
        sheet.row(("n", text))
    sheet.row(("bell\x07 gone", None, "", 3, 2.5, True))
    moment = datetime(2023, 3, 14, 9, 30, 15, 999_999, tzinfo=UTC)
    sheet.row((moment, date(2023, 3, 21), 0))
    summary = workbook.sheet("汇总", (28, 60))
    summary.row(("title", "wrapped"), styles={1: xlsx.WRAP})
    summary.skip()
    summary.row(("after a blank row", 1))
    workbook.sheet("热点")
    workbook.close()

    book = load_workbook(path)
    assert book.sheetnames == ["台账", "汇总", "热点"]
    ledger = book["台账"]
    rows = [tuple(row) for row in ledger.iter_rows(values_only=True)]
    assert rows[0] == ("编号", "内容", None, None, None, None)
    assert [row[1] for row in rows[1 : 1 + len(TRICKY)]] == TRICKY
    assert all(ledger.cell(n, 2).data_type == "s" for n in range(2, 2 + len(TRICKY)))
    assert rows[1 + len(TRICKY)] == ("bell gone", None, None, 3, 2.5, True)
    # A local time without its zone, to the second; a day as Excel keeps it (a datetime).
    assert rows[2 + len(TRICKY)][:3] == (
        moment.replace(tzinfo=None, microsecond=0),
        datetime.combine(date(2023, 3, 21), time()),
        0,
    )
    assert ledger["A1"].font.b and not ledger["A2"].font.b
    times = 3 + len(TRICKY)
    assert ledger[f"A{times}"].number_format == "yyyy-mm-dd h:mm:ss"
    assert ledger[f"B{times}"].number_format == "yyyy-mm-dd"
    assert ledger.freeze_panes == "A2"
    assert ledger.column_dimensions["B"].width == 60
    totals = book["汇总"]
    assert totals["B1"].alignment.wrap_text
    assert [tuple(row) for row in totals.iter_rows(values_only=True)] == [
        ("title", "wrapped"),
        (None, None),
        ("after a blank row", 1),
    ]
    assert book["汇总"].freeze_panes is None


def test_the_sheet_is_deflated_as_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    workbook = xlsx.Workbook(path)
    sheet = workbook.sheet("台账")
    for n in range(20_000):
        sheet.row((f"WD2023-1-{n:05d}", "小店村", "三组机井村集体土地租金去向不明。", n))
    workbook.close()
    member = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
    assert member.compress_type == zipfile.ZIP_DEFLATED
    assert member.compress_size * 5 < member.file_size
    rows = list(load_workbook(path, read_only=True)["台账"].iter_rows(values_only=True))
    assert len(rows) == 20_000 and rows[-1] == (
        "WD2023-1-19999",
        "小店村",
        "三组机井村集体土地租金去向不明。",
        19999,
    )


def test_column_letters() -> None:
    assert [xlsx.column_letter(n) for n in (0, 24, 25, 26, 27, 701, 702)] == [
        "A",
        "Y",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]
