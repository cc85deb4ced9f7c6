"""``anji-xl import BOOK FILE [--replace]``: rows from a CSV or Excel file into the book's Data.

The rows are read as Data's own are (:mod:`anji_xl.io.tables_file`), checked against the book's
Indicators and computed together with the rows the book keeps; if they bring any problem — each
named at its file, row and column — nothing is written. Then only Data's sheet XML and its
table's range change (with ``--replace`` also the notes on the replaced cells, which described the
old values); every other part of the package — the VBA project, the other sheets with their
formulas and cached values, charts, drawings, buttons, styles, names — is copied byte for byte by
:mod:`.package` (lock, temporary file, fsync, one atomic rename, nothing written if the book
changed meanwhile). The native columns of Scores score the new rows at once; Scores, Results and
the Dashboard follow at the next 重新计算 / ``anji-xl recalc``.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import column_index_from_string, range_boundaries

from ..cells import table_of
from ..engine import column_letters
from ..io.blocks import Block, header_key
from ..io.parse import BookTables, Reading, _has_required, every_problem, read_data
from ..io.read_book import inspect_book
from ..io.tables_file import read_table_file, row_note_column
from ..io.zip_parts import relationships
from ..messages import say
from ..model import AnjiInputError, Panel, Problem
from . import package
from .recalc import sheet_part
from .sheet_xml import CELL, ROW, SHEET_DATA, cell_xml

_NOTE = re.compile(r"<v:shape\b.*?</v:shape>", re.S)


@dataclass(frozen=True)
class Imported:
    """What an import wrote: how many rows, and the warnings the rows brought."""

    rows: int
    warnings: list[str]


@dataclass(frozen=True)
class _Region:
    """Where Data's table sits: its header row, first and last column (1-based), its last row
    now, and the part and name of its Excel table (None: a plain range)."""

    header: int
    first_col: int
    last_col: int
    last_row: int
    table_part: str | None
    table_name: str


def import_rows(book: str | Path, file: str | Path, replace: bool = False) -> Imported:
    """Append the rows of ``file`` to the book's Data, or with ``replace`` put them in place of
    Data's rows; raises AnjiInputError listing every problem, and then writes nothing."""
    book, file = Path(book), Path(file)
    with package.open_for_update(book, changed="book_changed_import") as snapshot:
        tables, book_problems = inspect_book(book)
        if tables is None:
            raise AnjiInputError(book_problems)
        reading = Reading()
        block = read_table_file(file, "Data", reading)
        if block is None or not _has_required(block, "Data", reading.problems):
            raise AnjiInputError(reading.problems)
        if not block.rows:
            raise AnjiInputError(reading.problems + [Problem(f"{block.sheet}!{block.header_row + 1}:{block.header_row + 1}", say("no_rows"))])
        read, row_of = read_data(block, tables.model.ids, reading)
        values = read.frame()
        if not replace:
            _clashes(block, row_of, tables, reading.problems)
        warnings = _check(tables, block, values, row_of, replace, reading)
        try:
            with snapshot.package() as parts:
                region = _region(parts, tables)
                patches = _patches(parts, snapshot.data, tables, region, block, values, row_of, replace)
        except (zipfile.BadZipFile, KeyError) as error:
            raise AnjiInputError([package.damaged_problem(book, error)]) from None
        package.write_parts(snapshot, patches)
    return Imported(len(values), warnings)


def _clashes(block: Block, row_of: dict[tuple[str, str], int], tables: BookTables, problems: list[Problem]) -> None:
    """Rows the book already has, and units that differ from the book's only in case (Excel's
    look-ups would merge them)."""
    spelling = {unit.casefold(): (unit, row) for (unit, _), row in tables.data.rows.items()}
    where = lambda row: f"{tables.data.sheet}!{tables.data.unit_column}{row}"  # noqa: E731
    for (unit, period), row in row_of.items():
        if (unit, period) in tables.data.rows:
            problems.append(Problem(block.cell("period", row), say("import_row_exists", unit=unit, period=period, row=tables.data.rows[(unit, period)])))
        elif unit.casefold() in spelling and spelling[unit.casefold()][0] != unit:
            first, at = spelling[unit.casefold()]
            problems.append(Problem(block.cell("unit", row), say("case_twins", unit=unit, first=first, cell=where(at))))


def _check(tables: BookTables, block: Block, values: pd.DataFrame, row_of: dict[tuple[str, str], int], replace: bool,
           reading: Reading) -> list[str]:
    """The problems the rows bring — the file's own, and the engine's on the book's rows with the
    new ones (those the book had before are its own, not the import's); raises AnjiInputError with
    them. Returns the warnings they bring."""
    kept = tables.panel.values.iloc[:0] if replace else tables.panel.values
    combined = pd.concat([kept, values.reindex(columns=kept.columns)])

    def cell(unit: str, period: str, ident: str) -> str:
        if (unit, period) in row_of:
            return block.cell(ident.lower(), row_of[(unit, period)]) if ident.lower() in block.columns else ""  # no column: no cell
        return tables.panel.data_cell(unit, period, ident)

    before, had = every_problem(tables, [])
    after, problems = every_problem(dataclasses.replace(tables, panel=Panel(combined, cell, reading.warnings())), reading.problems)
    known = {str(p) for p in had}
    problems = [p for p in problems if str(p) not in known]
    if problems:
        raise AnjiInputError(problems)
    return [w for w in after.warnings if w not in before.warnings]


def _region(parts: zipfile.ZipFile, tables: BookTables) -> _Region:
    """Data's Excel table (``tblData``, or the sheet's only table, as the reader takes it), else
    the range the reader read."""
    layout = tables.data
    found = []
    for target in _targets(parts, sheet_part(parts, layout.sheet), "/table"):
        xml = parts.read(target).decode("utf-8")
        found.append((re.search(r'\bname="([^"]*)"', xml).group(1), target, re.search(r'<table\b[^>]*?\bref="([^"]+)"', xml).group(1)))
    table = table_of(layout.sheet, [name for name, _, _ in found])
    if table is not None:
        name, part, ref = next(t for t in found if t[0] == table)
        first_col, _, last_col, last_row = range_boundaries(ref)
        return _Region(layout.header_row, first_col, last_col, last_row, part, name)
    columns = [column_index_from_string(c) for c in (layout.unit_column, layout.period_column, *layout.columns.values())]
    return _Region(layout.header_row, min(columns), max(columns), max(layout.rows.values(), default=layout.header_row), None, "")


def _targets(parts: zipfile.ZipFile, sheet: str, kind: str) -> list[str]:
    """The parts a sheet's relationships of type ``…kind`` point at."""
    return [part for found, part in relationships(parts, sheet).values() if found.endswith(kind)]


def _book_columns(data: bytes, tables: BookTables) -> dict[str, int]:
    """Header key → column (1-based) of the book's Data, every column (``source`` too)."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        ws = workbook[tables.data.sheet]
        header = next(ws.iter_rows(min_row=tables.data.header_row, max_row=tables.data.header_row, values_only=True), ())
    finally:
        workbook.close()
    return {header_key(text, "Data"): k for k, text in enumerate(header, start=1) if header_key(text, "Data")}


def _new_cells(block: Block, values: pd.DataFrame, row_of: dict[tuple[str, str], int], columns: dict[str, int],
               tables: BookTables) -> list[dict[int, object]]:
    """Per imported row, column → value as the book holds it: the unit as text, a year as a number,
    indicator values as numbers (None: blank), the row's source (or note) in the book's source column."""
    raw = dict(block.rows)
    note = row_note_column(block)
    note_column = columns.get("source", columns.get(note)) if note else None
    letters = [column_index_from_string(tables.data.columns[ident]) for ident in values.columns]
    rows = []
    for (unit, period), numbers in zip(values.index, values.to_numpy(dtype=float).tolist()):  # row by row as lists: a pandas look-up per row took 1.2 s for 30,000
        cells: dict[int, object] = {columns["unit"]: unit, columns["period"]: int(period) if period.isdigit() else period}
        cells.update((col, None if number != number else number) for col, number in zip(letters, numbers))  # NaN: blank
        if note_column:
            cells[note_column] = raw[row_of[(unit, period)]].get(note)
        rows.append(cells)
    return rows


def _patches(parts: zipfile.ZipFile, data: bytes, tables: BookTables, region: _Region, block: Block, values: pd.DataFrame,
             row_of: dict[tuple[str, str], int], replace: bool):
    """How each part changes: Data's sheet, its table's range, with ``replace`` the notes. Appended
    rows go below the last filled row, into the blank rows a table may have been dragged over."""
    sheet = sheet_part(parts, tables.data.sheet)
    sheet_xml = parts.read(sheet).decode("utf-8")
    filled = [(int(row), letters) for letters, row, xml in _cells_in(sheet_xml, region) if re.search(r"<(?:v|is|f)\b", xml)]
    cleared = range(region.header + 1, region.last_row + 1) if replace else range(0)
    first = region.header + 1 if replace else max([r for r, _ in filled if r <= region.last_row], default=region.header) + 1
    rows = {first + k: cells for k, cells in enumerate(_new_cells(block, values, row_of, _book_columns(data, tables), tables))}
    last = max(rows)
    overwritten = sorted((r, letters) for r, letters in filled if region.last_row < r <= last)
    if overwritten:
        where = f"{tables.data.sheet}!{overwritten[0][1]}{overwritten[0][0]}"
        raise AnjiInputError([Problem(where, say("import_overwrites", table=region.table_name or tables.data.sheet))])
    styles = _column_styles(sheet_xml, region)
    patches = {sheet: lambda xml: _patch_sheet(xml, region, cleared, rows, styles)}
    if region.table_part:
        patches[region.table_part] = lambda xml: _patch_table(xml, last if replace else max(last, region.last_row))
    if replace:
        for part, drop in ((_targets(parts, sheet, "/comments"), _drop_comments), (_targets(parts, sheet, "/vmlDrawing"), _drop_notes)):
            for name in part:
                xml = parts.read(name).decode("utf-8")
                if drop(xml, region) != xml:
                    patches[name] = lambda text, drop=drop: drop(text, region)
    return patches


def _cells_in(sheet_xml: str, region: _Region) -> list[tuple[str, str, str]]:
    """(column letters, row, XML) of the cells below the header within the table's columns."""
    return [(m.group(1), m.group(2), m.group(0)) for m in CELL.finditer(sheet_xml)
            if int(m.group(2)) > region.header and region.first_col <= column_index_from_string(m.group(1)) <= region.last_col]


def _column_styles(sheet_xml: str, region: _Region) -> dict[int, str]:
    """Each table column's style, from its first data cell that has one (the column's number format)."""
    styles: dict[int, str] = {}
    for m in CELL.finditer(sheet_xml):
        row, col = int(m.group(2)), column_index_from_string(m.group(1))
        style = re.match(r'<c r="[A-Z]+\d+"[^>]*?\bs="(\d+)"', m.group(0))
        if style and region.header < row <= region.last_row and region.first_col <= col <= region.last_col:
            styles.setdefault(col, style.group(1))
    return styles


def _patch_sheet(xml: str, region: _Region, cleared: range, rows: dict[int, dict[int, object]], styles: dict[int, str]) -> str:
    """Data's sheet with the table's cells in ``cleared`` removed and ``rows`` written; cells
    outside the table's columns and every other row stay as they were."""
    inside = lambda letters: region.first_col <= column_index_from_string(letters) <= region.last_col  # noqa: E731
    original = {int(m.group(1)): m.group(0) for m in ROW.finditer(xml)}
    result = dict(original)
    for r in sorted(set(cleared) | set(rows)):
        row_xml = original.get(r, f'<row r="{r}"/>')
        kept = [(column_index_from_string(m.group(1)), m.group(0)) for m in CELL.finditer(row_xml) if not inside(m.group(1))]
        written = [(col, _cell(f"{column_letters(col)}{r}", value, styles.get(col))) for col, value in rows.get(r, {}).items()]
        cells = "".join(text for _, text in sorted(kept + written))
        opening = re.sub(r' spans="[^"]*"', "", re.match(r"<row [^>]*?(?=/?>)", row_xml).group(0))
        if cells:
            result[r] = f"{opening}>{cells}</row>"
        else:
            result.pop(r, None)
    data = "<sheetData>" + "".join(result[r] for r in sorted(result)) + "</sheetData>"
    patched = SHEET_DATA.sub(lambda _: data, xml, count=1)
    end = max(result, default=1)
    return re.sub(r'<dimension ref="([A-Z]+\d+)(?::([A-Z]+)\d+)?"/>',
                  lambda m: f'<dimension ref="{m.group(1)}:{column_letters(max(region.last_col, column_index_from_string(m.group(2) or "A")))}{end}"/>',
                  patched, count=1)


def _cell(ref: str, value: object, style: str | None) -> str:
    """A written cell; a blank one keeps the column's style, so a value typed there later is formatted."""
    if value is None:
        return f'<c r="{ref}" s="{style}"/>' if style else ""
    return cell_xml(ref, value, style)


def _patch_table(xml: str, last_row: int) -> str:
    """The table (and its filter) spanning the header to ``last_row``."""
    def span(m: re.Match) -> str:
        start, end = m.group(2).split(":")
        return f'{m.group(1)}ref="{start}:{re.match(r"[A-Z]+", end).group(0)}{last_row}"'
    return re.sub(r'(<(?:table|autoFilter)\b[^>]*?\b)ref="([^"]+)"', span, xml)


def _in_old_rows(row: int, col: int, region: _Region) -> bool:
    return region.header < row <= region.last_row and region.first_col <= col <= region.last_col


def _drop_comments(xml: str, region: _Region) -> str:
    """The comments part without the notes on the replaced rows."""
    def keep(m: re.Match) -> str:
        ref = re.match(r"([A-Z]+)(\d+)", m.group(1))
        return "" if _in_old_rows(int(ref.group(2)), column_index_from_string(ref.group(1)), region) else m.group(0)
    return re.sub(r'<comment ref="([A-Z]+\d+)".*?</comment>', keep, xml, flags=re.S)


def _drop_notes(xml: str, region: _Region) -> str:
    """The VML drawing without the note boxes of the replaced rows (its buttons, if any, stay)."""
    def keep(m: re.Match) -> str:
        shape = m.group(0)
        where = re.search(r"<x:Row>(\d+)</x:Row>\s*<x:Column>(\d+)</x:Column>", shape)
        note = 'ObjectType="Note"' in shape and where
        return "" if note and _in_old_rows(int(where.group(1)) + 1, int(where.group(2)) + 1, region) else shape
    return _NOTE.sub(keep, xml)
