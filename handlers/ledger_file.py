"""The ledger (台账) as a file: XLSX (a 台账 sheet, a 汇总 summary sheet and a 热点 sheet) or CSV.

Rows are written as they stream from `storage.ledger.ledger_rows`, a batch at a time: the
XLSX sheet is deflated into the file as it comes (handlers/xlsx.py) and the CSV is written as
it goes, so memory does not grow with the number of complaints. The writing happens in a
worker thread, a batch after the other (never two at once) while the next is read, so the
event loop stays free. The file appears under its name only once complete (it is written next
to it and renamed).

The ledger is a Chinese document whatever a chat's language, like the office's own 台账: its
headers are fixed here, not in the message catalogs. The note that stands in for the withheld
words of a sensitive complaint in a shareable ledger is a catalog key, read in Chinese.

Text people typed never turns into a formula: in XLSX such a cell is stored as text; in CSV a
value that a spreadsheet would read as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import functools
import os
from collections.abc import AsyncIterable, AsyncIterator, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from handlers import xlsx
from handlers.i18n import t
from handlers.ledger_rates import rates_summary
from storage.ledger import (
    CHANNEL_ZH,
    HANDLING_ZH,
    SATISFACTION_ZH,
    STATUS_ZH,
    LedgerRow,
    LedgerSummary,
)

FORMATS = (".xlsx", ".csv")
LEDGER_SHEET = "台账"
SUMMARY_SHEET = "汇总"
HEADERS = (
    "编号",
    "反映时间",
    "村（社区）",
    "乡镇（街道）",
    "类别",
    "反映内容",
    "是否匿名",
    "反映人",
    "状态",
    "办理方式",
    "责任单位",
    "办理时限",
    "办结时间",
    "办理结果",
    "解决情况",
    "满意度",
    "位置",
    "合并至",
    "超期（天）",
    "签收时间",
    "退回次数",
    "最近退回理由",
    "延期（天）",
    "延期批准人",
    "渠道",
)
DESCRIPTION, RESOLUTION = HEADERS.index("反映内容"), HEADERS.index("办理结果")
# The language of the ledger (see above).
LEDGER_LANGUAGE = "zh"
# Column widths in the XLSX (characters; a Chinese character counts about two).
WIDTHS = (
    *(16, 18, 14, 14, 14, 60, 8, 24, 10, 10, 20, 12, 18, 40, 10, 10, 28, 16, 10),
    *(18, 8, 16, 8, 12, 10),
)
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# Rows are written in batches of this many, each in a worker thread: a row takes tens of
# microseconds, which would otherwise hold up the event loop for a large round.
BATCH = 500
# The 汇总 sheet's (label, text) rows: the text wraps.
WRAP_SECOND = {1: xlsx.WRAP}
# A spreadsheet takes a value starting with one of these for a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class UnsupportedFormat(ValueError):
    """The file name's extension is neither .xlsx nor .csv."""


# The 热点 sheet: the round's hot spots (storage/schedule/hotspots.py), one row each.
HOTSPOT_SHEET = "热点"
HOTSPOT_HEADERS = ("发现日期", "类型", "类别", "村/社区数", "件数", "村/社区", "共同内容", "编号")
HOTSPOT_WIDTHS = (12, 16, 14, 10, 8, 40, 30, 60)
HOTSPOT_KINDS = {"category": "同类问题多村集中", "village": "单村反映集中", "text": "相似问题跨村"}


def hotspot_cells(payload: dict[str, Any]) -> tuple[Any, ...]:
    """One row of the 热点 sheet from a hot spot's payload (the ledger is in Chinese)."""
    kind = str(payload.get("kind", ""))
    category = str(payload.get("category_zh", ""))
    if kind == "village":
        category = "、".join(str(c.get("category_zh", "")) for c in payload.get("categories", []))
    return (
        str(payload.get("date", "")),
        HOTSPOT_KINDS.get(kind, kind),
        category,
        int(payload.get("village_count", 0)),
        int(payload.get("count", 0)),
        "、".join(str(v) for v in payload.get("villages", [])),
        "、".join(str(p) for p in payload.get("phrases", [])),
        "、".join(str(n) for n in payload.get("numbers", [])),
    )


def format_of(path: Path) -> str:
    """The format, ".xlsx" or ".csv", from the file name; UnsupportedFormat otherwise."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UnsupportedFormat(
            f"{path.name}: the ledger is written as .xlsx or .csv, not {suffix or 'no extension'}"
        )
    return suffix


def cells(row: LedgerRow) -> tuple[Any, ...]:
    """A row's values as the file shows them: withheld words are replaced by a note."""
    values = row.values()
    if not row.confidential:
        return values
    shown = list(values)
    note = t(LEDGER_LANGUAGE, "ledger.confidential")
    shown[DESCRIPTION] = note
    if row.resolved_at is not None:
        shown[RESOLUTION] = note
    return tuple(shown)


def _naive(value: datetime) -> datetime:
    """A local time as Excel keeps it: no zone, whole seconds (the zone is the round's)."""
    return value.replace(tzinfo=None, microsecond=0)


def csv_value(value: Any) -> str:
    """A ledger value as CSV text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _naive(value).strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def summary_lines(
    summary: LedgerSummary, exported_at: datetime | None
) -> list[tuple[Any, ...] | str | list[str]]:
    """The 汇总 sheet: (label, value) rows; a string is a section title; () a blank row; a
    list a table's header row (the three rates' tables)."""
    lines: list[tuple[Any, ...] | str | list[str]] = [
        ("巡察轮次", f"{summary.round_code} {summary.round_name}"),
        ("范围", summary.group_name or "全部巡察组"),
    ]
    if exported_at is not None:
        local = exported_at.astimezone(ZoneInfo(summary.timezone))
        lines.append(("导出时间", _naive(local)))
    handling = summary.by_handling
    lines += [
        ("反映总数", summary.total),
        (
            "小结",
            f"已立行立改问题{handling['immediate']}个，现场交办事项{handling['handed_off']}件，"
            f"移交问题线索{handling['transferred']}件，不予受理{handling['rejected']}件",
        ),
        (),
        "按状态",
        *((STATUS_ZH.get(status, status), n) for status, n in summary.by_status.items()),
        (),
        "按类别",
        *((category.name_zh, category.count) for category in summary.by_category),
        (),
        "按渠道",
        *((CHANNEL_ZH.get(key, key), n) for key, n in summary.by_channel.items()),
        (),
        "办理方式",
        *((HANDLING_ZH[key], n) for key, n in handling.items()),
        (),
        "满意度",
        *((SATISFACTION_ZH.get(key, key), n) for key, n in summary.satisfaction.items()),
    ]
    share = summary.satisfied_share
    lines.append(("满意率（满意和基本满意）", f"{share:.1%}" if share is not None else "—"))
    if summary.flagged is not None:
        flag_from = summary.flagged.get("flag_from", 0)
        lines.append((f"超期（逾期 {flag_from} 天及以上）未办结", summary.flagged.get("count", 0)))
    if summary.rates is not None:
        lines += rates_summary(summary.rates, summary.group_name or "全部巡察组")
    return lines


async def _batches(rows: AsyncIterable[LedgerRow]) -> AsyncIterator[list[LedgerRow]]:
    """The rows in lists of at most BATCH."""
    batch: list[LedgerRow] = []
    async for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def _write_batches(
    rows: AsyncIterable[LedgerRow], write: Callable[[list[LedgerRow]], None]
) -> int:
    """Write the rows a batch at a time in a worker thread, while the next batch is read;
    return how many there were.

    One batch is written at a time, in order; reading the next meanwhile lets the database
    (and, in the thread, deflating the file) work beside the Python of the other side. At
    most two batches are held.
    """
    count = 0
    writing: asyncio.Future[None] | None = None
    try:
        async for batch in _batches(rows):
            if writing is not None:
                await writing
            writing = asyncio.ensure_future(asyncio.to_thread(write, batch))
            count += len(batch)
        if writing is not None:
            await writing
    except BaseException:
        # The file is closed after a failure: never while a batch is still being written.
        if writing is not None and not writing.done():
            await asyncio.wait([writing])
        raise
    return count


def _append_rows(sheet: xlsx.Sheet, batch: list[LedgerRow]) -> None:
    """Add complaint rows to the 台账 sheet."""
    for row in batch:
        sheet.row(cells(row))


def _append_summary(sheet: xlsx.Sheet, lines: list[tuple[Any, ...] | str | list[str]]) -> None:
    """Fill the 汇总 sheet."""
    for line in lines:
        if isinstance(line, str):
            sheet.row([line, "件数"], xlsx.BOLD)
        elif isinstance(line, list):
            sheet.row(line, xlsx.BOLD)
        elif not line:
            sheet.skip()
        elif len(line) == 2 and isinstance(line[1], str):
            sheet.row(line, styles=WRAP_SECOND)
        else:
            sheet.row(line)


def _write_tail(
    workbook: xlsx.Workbook, summary: LedgerSummary, exported_at: datetime | None
) -> None:
    """The 汇总 and 热点 sheets, and the rest of the file."""
    totals = workbook.sheet(SUMMARY_SHEET, (28, 60))
    _append_summary(totals, summary_lines(summary, exported_at))
    hot = workbook.sheet(HOTSPOT_SHEET, HOTSPOT_WIDTHS)
    hot.row(HOTSPOT_HEADERS, xlsx.BOLD)
    for payload in summary.hotspots:
        hot.row(hotspot_cells(payload))
    workbook.close()


async def _write_xlsx(
    target: Path,
    rows: AsyncIterable[LedgerRow],
    summary: LedgerSummary,
    exported_at: datetime | None,
) -> int:
    """Write the workbook; return the number of complaint rows."""
    workbook = xlsx.Workbook(target)
    try:
        ledger = workbook.sheet(LEDGER_SHEET, WIDTHS, freeze_header=True)
        ledger.row(HEADERS, xlsx.BOLD)
        count = await _write_batches(rows, functools.partial(_append_rows, ledger))
        await asyncio.to_thread(_write_tail, workbook, summary, exported_at)
    except BaseException:
        workbook.abandon()
        raise
    return count


async def _write_csv(target: Path, rows: AsyncIterable[LedgerRow]) -> int:
    """Write the CSV (UTF-8 with a BOM, so that Excel reads the Chinese); return the rows."""
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)

        def write(batch: list[LedgerRow]) -> None:
            writer.writerows([csv_value(value) for value in cells(row)] for row in batch)

        return await _write_batches(rows, write)


async def write_ledger(
    path: Path,
    rows: AsyncIterable[LedgerRow],
    summary: LedgerSummary,
    *,
    exported_at: datetime | None = None,
) -> int:
    """Write the ledger as .xlsx or .csv (by `path`'s extension); return the number of rows.

    UnsupportedFormat for another extension (before anything is written).
    """
    suffix = format_of(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        if suffix == ".xlsx":
            count = await _write_xlsx(partial, rows, summary, exported_at)
        else:
            count = await _write_csv(partial, rows)
        partial.replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return count


__all__ = [
    "FORMATS",
    "HEADERS",
    "HOTSPOT_SHEET",
    "LEDGER_SHEET",
    "SUMMARY_SHEET",
    "UnsupportedFormat",
    "cells",
    "csv_value",
    "format_of",
    "hotspot_cells",
    "summary_lines",
    "write_ledger",
]
