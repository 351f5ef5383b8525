"""A streaming XLSX writer: sheets written row after row straight into the zip, for the ledger.

The XML is the one openpyxl's write-only mode wrote for the ledger (inline strings, the same
five cell styles, the same sheet and workbook parts but the theme), made with string
formatting instead of an element tree: openpyxl took about 40 s of pure Python for 100,000
complaints, XlsxWriter still about 15 s (bench/export_memory.py; README "Performance").
Nothing is kept per row: a sheet is a deflated zip member written as the rows come, so
memory stays flat however many rows there are. Sheets are written one after the other (the
zip takes one member at a time), in the order they are shown.

A cell's value: text (str), a local time (naive datetime), a day (date), a number, or None /
"" for an empty cell. Text is always text: never a formula, a link or a number, whatever it
looks like.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
# Cell styles, by their index in styles.xml's cellXfs (as openpyxl numbered them).
PLAIN, BOLD, MOMENT, DAY, WRAP = 0, 1, 2, 3, 4
STYLES_XML = (
    f'<styleSheet xmlns="{MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd h:mm:ss"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b val="1"/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment wrapText="1"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
# What XML 1.0 cannot carry: control characters but tab and newlines, and two non-characters
# (removed, as openpyxl removed the control characters).
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Excel's day 0 (with its 1900 leap-year bug, right from 1 March 1900 on). Excel's times have
# no zone: a cell shows the wall time it is given, measured here as if it were UTC's.
EPOCH = datetime(1899, 12, 30, tzinfo=UTC)
EPOCH_DAY = EPOCH.date()
# Distinct texts remembered per column: most of a ledger's columns repeat a few values
# (village, category, status...), and their XML is made once.
CACHED_TEXTS = 2000
# Deflate level: zlib's default; the sheet's XML is 10-20 times smaller deflated.
COMPRESSION = 6


def column_letter(index: int) -> str:
    """The column's letters (0 is A, 26 is AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def text_xml(text: str) -> str:
    """The inline-string part of a cell of text, after its r= (empty for empty text)."""
    text = ILLEGAL.sub("", text)
    if not text:
        return ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    return f' t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _attribute(text: str) -> str:
    """Text in a double-quoted XML attribute."""
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


class Sheet:
    """One sheet being written: add its rows in order (`row`), then `close` it."""

    def __init__(
        self,
        handle: IO[bytes],
        widths: Sequence[float],
        *,
        freeze_header: bool,
    ) -> None:
        # errors="replace": a lone surrogate (which JSON can carry) must not stop the file.
        self._out = io.TextIOWrapper(handle, encoding="utf-8", errors="replace", newline="")
        self._letters: list[str] = []
        self._texts: list[dict[str, str]] = []
        self.rows = 0
        pane = (
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/>'
            if freeze_header
            else '<selection activeCell="A1" sqref="A1"/>'
        )
        columns = "".join(
            f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
            for n, width in enumerate(widths, start=1)
        )
        self._out.write(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}">'
            f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{columns}</cols>" if columns else ""}'
            "<sheetData>"
        )

    def _column(self, index: int) -> str:
        """The letters of column `index`, remembered."""
        while len(self._letters) <= index:
            self._letters.append(column_letter(len(self._letters)))
            self._texts.append({})
        return self._letters[index]

    def cell(self, reference: str, column: int, value: Any, style: int) -> str:
        """A cell's XML ("" for an empty cell without a style)."""
        kind = type(value)
        if kind is str:
            if style == PLAIN:
                texts = self._texts[column]
                tail = texts.get(value)
                if tail is None:
                    tail = text_xml(value)
                    if len(texts) < CACHED_TEXTS:
                        texts[value] = tail
                return f'<c r="{reference}"{tail}' if tail else ""
            tail = text_xml(value)
            if tail:
                return f'<c r="{reference}" s="{style}"{tail}'
        elif kind is datetime:
            serial = (value.replace(tzinfo=UTC, microsecond=0) - EPOCH).total_seconds() / 86400
            moment = MOMENT if style == PLAIN else style
            return f'<c r="{reference}" s="{moment}"><v>{serial!r}</v></c>'
        elif kind is date:
            day = DAY if style == PLAIN else style
            return f'<c r="{reference}" s="{day}"><v>{(value - EPOCH_DAY).days}</v></c>'
        elif kind is bool:
            return f'<c r="{reference}" s="{style}" t="b"><v>{int(value)}</v></c>'
        elif kind is int or kind is float:
            return f'<c r="{reference}" s="{style}"><v>{value!r}</v></c>'
        elif value is not None:
            return self.cell(reference, column, str(value), style)
        return f'<c r="{reference}" s="{style}"/>' if style != PLAIN else ""

    def row(
        self, values: Iterable[Any], style: int = PLAIN, styles: dict[int, int] | None = None
    ) -> None:
        """The next row, from column A (`styles`: another style for some columns, by index)."""
        self.rows += 1
        number = self.rows
        cells = []
        column = self._column
        for index, value in enumerate(values):
            if (value is None or value == "") and style == PLAIN:
                continue
            letters = column(index)
            own = styles.get(index, style) if styles else style
            cells.append(self.cell(f"{letters}{number}", index, value, own))
        self._out.write(f'<row r="{number}">{"".join(cells)}</row>')

    def skip(self) -> None:
        """An empty row."""
        self.rows += 1

    def close(self) -> None:
        """End the sheet's XML and its zip member."""
        self._out.write(
            '</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" '
            'header="0.5" footer="0.5"/></worksheet>'
        )
        self._out.close()


class Workbook:
    """An XLSX file being written at `path`: `sheet` one after the other, then `close`."""

    def __init__(self, path: Path) -> None:
        self._zip = zipfile.ZipFile(
            path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION
        )
        self._names: list[str] = []
        self._open: Sheet | None = None

    def sheet(
        self, name: str, widths: Sequence[float] = (), *, freeze_header: bool = False
    ) -> Sheet:
        """Start the next sheet (the one before is closed)."""
        self._close_sheet()
        self._names.append(name)
        member = self._zip.open(
            f"xl/worksheets/sheet{len(self._names)}.xml", "w", force_zip64=True
        )
        self._open = Sheet(member, widths, freeze_header=freeze_header)
        return self._open

    def _close_sheet(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None

    def close(self) -> None:
        """Write the workbook's other parts and close the file."""
        self._close_sheet()
        count = len(self._names)
        sheets = "".join(
            f'<sheet name="{_attribute(name)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, name in enumerate(self._names, start=1)
        )
        self._put(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><workbookPr/>'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f'<sheets>{sheets}</sheets><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>',
        )
        links = "".join(
            f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" '
            f'Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        )
        self._put(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{links}'
            f'<Relationship Id="rId{count + 1}" Type="{RELATIONSHIPS}/styles" '
            'Target="styles.xml"/></Relationships>',
        )
        self._put("xl/styles.xml", STYLES_XML)
        self._put(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{SHEET_TYPE}"/>'
            for n in range(1, count + 1)
        )
        self._put(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{overrides}</Types>',
        )
        self._zip.close()

    def _put(self, name: str, xml: str) -> None:
        """A small part of the package."""
        head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        self._zip.writestr(name, head + xml)

    def abandon(self) -> None:
        """Close the file as it is, after a failure (the caller removes it)."""
        self._close_sheet()
        self._zip.close()


__all__ = [
    "BOLD",
    "DAY",
    "MOMENT",
    "PLAIN",
    "WRAP",
    "Sheet",
    "Workbook",
    "column_letter",
    "text_xml",
]
