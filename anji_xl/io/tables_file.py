"""A table from a CSV or Excel file laid out like the book's own (``anji-xl new``, ``anji-xl import``).

A file holds one table: a CSV file (UTF-8 with or without BOM, GB18030 — the encoding Chinese
Excel saves CSV in — or UTF-16 with its BOM, Excel's "Unicode text"; comma, tab or semicolon
between cells), or a sheet of an .xlsx/.xlsm workbook — the one named like the table (``Data``,
``数据`` …) or holding its Excel table (``tblData``), else the only sheet. Its grid goes through
:mod:`.parse` as a book's sheet does, so headers (Chinese or English), numbers and periods are read
the same way, and every problem names the file, the row and the column: ``indicators.csv!G3`` for a
CSV file, ``[data.xlsx]Data!C5`` (Excel's own way of naming a cell of another workbook) for a sheet.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

from ..cells import named
from ..messages import say
from ..model import Problem
from .blocks import Block, block_from_grid
from .parse import Reading
from .read_book import ChangedWhileRead, changed_while_read, open_book, read_block, read_unchanged

#: What a sheet holding each table may be called (compared case-insensitively).
SHEET_NAMES = {"Indicators": ("indicators", "指标"), "Data": ("data", "数据"), "Settings": ("settings", "设置")}
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
ROW_NOTES = ("source", "note", "notes")  # Data columns that describe a row, in the order one is taken as its source
_ENCODINGS = ("utf-8-sig", "gb18030")
_INTEGER = re.compile(r"[+-]?(0|[1-9]\d*)")  # not 007: a code keeps its zeros
_DECIMAL = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")


def read_table_file(path: Path, table: str, reading: Reading) -> Block | None:
    """The table ``table`` (Indicators, Data, Settings) of a CSV or Excel file; None, with the
    problem in ``reading``, when the file cannot be read."""
    suffix = path.suffix.lower()
    if not path.is_file():
        reading.problems.append(Problem(str(path), say("no_file")))
    elif suffix in CSV_SUFFIXES:
        grid = _csv_grid(path, reading.problems)
        return None if grid is None else block_from_grid(str(path), grid, reading.problems, table=table)
    elif suffix in EXCEL_SUFFIXES:
        return _sheet_block(path, table, reading.problems)
    else:
        reading.problems.append(Problem(str(path), say("file_kind", suffix=suffix or "—")))
    return None


def _csv_grid(path: Path, problems: list[Problem]) -> list[list[object]] | None:
    raw = path.read_bytes()
    for encoding in ("utf-16",) if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else _ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        problems.append(Problem(str(path), say("file_encoding")))
        return None
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)  # the header has the most of them; ties keep the comma
    try:
        return [[_csv_cell(cell) for cell in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as error:
        problems.append(Problem(str(path), say("unreadable_csv", error=error)))
        return None


def _csv_cell(text: str) -> object:
    """A CSV cell as Excel would hold it had it been typed: plain numbers as numbers (so they are
    not reported as numbers stored as text), the rest as text for the reader (``85%``, ``1,234``,
    ``—`` are read there, with their warnings); blank as None."""
    stripped = text.strip()
    if not stripped:
        return None
    if _INTEGER.fullmatch(stripped):
        return int(stripped)
    if _DECIMAL.fullmatch(stripped):
        return float(stripped)
    return text


def _sheet_block(path: Path, table: str, problems: list[Problem]) -> Block | None:
    book = open_book(path, problems)
    if book is None:
        return None
    names = SHEET_NAMES[table]
    found = [ws for ws in book.worksheets if ws.title.strip().lower() in names or named(f"tbl{table}", ws.tables)]
    sheets = found or (book.worksheets if len(book.worksheets) == 1 else [])
    if not sheets:
        titles = ", ".join(ws.title for ws in book.worksheets)
        problems.append(Problem(str(path), say("no_table_sheet", table=table, names="/".join(names), sheets=titles)))
        return None
    ws = sheets[0]
    try:
        return read_unchanged(book, lambda: read_block(ws, table, problems, sheet=f"[{path}]{ws.title}", table=table))
    except ChangedWhileRead:
        problems.append(changed_while_read(path))
        return None


def row_note_column(block: Block) -> str | None:
    """The key of the Data column that describes each row (``source``, else ``note``), if any."""
    return next((key for key in ROW_NOTES if key in block.columns), None)
