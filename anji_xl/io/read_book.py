"""Read Indicators, Data and Settings from an .xlsx / .xlsm workbook (SPEC §4).

The values are those Excel saved with the book, read with python-calamine; where a table lies
comes from the package's own parts (the workbook, its relationships and table parts). Each sheet
is read from its Excel table (``tblIndicators`` …) when there is one, else from its used range,
into a grid (Data: into its rows' arrays, :mod:`anji_xl.io.blocks`) that :mod:`anji_xl.io.parse`
turns into the model and panel.

Cells reach the parser as a statistician typed them: whole numbers as int, dates as datetime,
blank as None, and Excel's error values as their text (``#N/A`` is a no-data mark, ``#DIV/0!`` not
a number). python-calamine reads errors as blanks (dimastbk/python-calamine#105), so the XML of
each sheet is searched for error cells too. The two run in threads of their own (python-calamine
and ISA-L release the GIL) while the caller loads the engine: :func:`start_inspecting`. A big Data
sheet is read a piece at a time, a few pieces at once (:mod:`anji_xl.io.sheet_pieces`), and each
piece becomes arrays before the next (:class:`~anji_xl.io.blocks.DataRows`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, TypeVar
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from ..collector import uncollected
from ..cells import as_typed_number, column_number, in_ranges, named, table_of
from ..messages import say
from ..model import Problem
from . import sheet_pieces
from .blocks import Block, DataBlock, DataRows, block_from_grid, cell_text, table_edge_problems
from .zip_parts import inflated_from_file, relationships

if TYPE_CHECKING:
    from ..model import Model, Panel
    from .parse import BookTables

NAMES = ("Indicators", "Data", "Settings")

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_REFERENCE = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")
#: A tag's namespace prefix, if any (``x:``): an XML name's letters, digits, ".", "-" and "_"
#: (UTF-8 bytes of letters beyond ASCII too).
_PREFIX = rb"(?:[\w.\-\x80-\xff]+:)?"
#: A cell holding an error value, and its value (``<v>#DIV/0!</v>``).
_ERROR_CELL = re.compile(rb"<" + _PREFIX + rb"""c\s([^>]*\bt\s*=\s*["']e["'][^>]*)(?<!/)>(.*?)</""" + _PREFIX + rb"c>", re.S)
_CELL_AT = re.compile(rb"""\br\s*=\s*["']\$?([A-Z]{1,3})\$?(\d+)["']""")
_VALUE = re.compile(rb"<" + _PREFIX + rb"v>([^<]*)</")
_ROW_START = re.compile(rb"<" + _PREFIX + rb"""row\s[^>]*?\br\s*=\s*["'](\d+)["']""")
_ROW_TAG = re.compile(rb"</?" + _PREFIX + rb"row>")  # a row tag that ends in "row>": <row>, </row>, </x:row>
#: Bytes of a sheet's XML that the quick look for an error value (see :func:`_errors_in`) takes at a
#: time: a big sheet, inflated in one piece, is then searched cell by cell only around its errors.
SEARCHED_AT_ONCE = 2**20

Bounds = tuple[int, int, int, int]  # first column, first row, last column, last row (1-based)
Errors = dict[tuple[int, int], str | None]  # (row, column) of a cell holding an error value (1-based) → its text
#: A table's cells and the row below them, the sheet's error cells, and the cell right of the
#: table's header (None: none there).
TableCells = tuple[list[list[object]], Errors, object]


@dataclass
class Worksheet:
    """A worksheet: its title, its part in the package, its Excel tables (name → bounds) and the
    size of its XML."""

    title: str
    part: str
    tables: dict[str, Bounds]
    book: Book = field(repr=False)
    size: int = 0


@dataclass
class Book:
    """An open workbook: its worksheets in order, the values python-calamine reads, and what told
    the file apart just before it was opened (see :func:`_identity`)."""

    path: Path
    worksheets: list[Worksheet]
    values: CalamineWorkbook = field(repr=False)
    identity: tuple[int, int, int]

    def close(self) -> None:
        self.values.close()


def _bounds(ref: str) -> Bounds:
    (c1, r1), (c2, r2) = (_REFERENCE.fullmatch(cell).groups() for cell in (ref.split(":") * 2)[:2])
    return column_number(c1), int(r1), column_number(c2), int(r2)


def _tables(package: zipfile.ZipFile, sheet: str) -> dict[str, Bounds]:
    tables = {}
    for kind, part in relationships(package, sheet).values():
        if kind.endswith("/table"):
            table = ElementTree.fromstring(package.read(part))
            tables[table.get("name") or table.get("displayName")] = _bounds(table.get("ref"))
    return tables


def _worksheets(package: zipfile.ZipFile, book: Book) -> list[Worksheet]:
    """The workbook's worksheets in tab order (chart sheets are not worksheets)."""
    workbook = next(part for kind, part in relationships(package, "").values() if kind.endswith("/officeDocument"))
    parts = relationships(package, workbook)
    sheets = []
    for sheet in ElementTree.fromstring(package.read(workbook)).iter(f"{_MAIN}sheet"):
        kind, part = parts.get(sheet.get(_RELATIONSHIP_ID), ("", ""))
        if kind.endswith("/worksheet"):
            size = package.NameToInfo[part].file_size if part in package.NameToInfo else 0
            sheets.append(Worksheet(sheet.get("name"), part, _tables(package, part), book, size))
    return sheets


def _identity(facts: os.stat_result) -> tuple[int, int, int]:
    """What tells a file from another saved in its place (Excel and WPS save a new file over the
    old one; a program that writes in place changes its size or time): inode, size, modification time."""
    return facts.st_ino, facts.st_size, facts.st_mtime_ns


def _changed(path: Path, identity: tuple[int, int, int]) -> bool:
    """Whether the file is no longer the one opened (``identity``): the sheets, each opened on its
    own (by python-calamine, by the zip reader, piece by piece), may then come from two versions."""
    try:
        return _identity(os.stat(path)) != identity
    except OSError:
        return True


def changed_while_read(path: Path) -> Problem:
    """The problem of a file saved over while it was read (see :func:`_changed`)."""
    return Problem(str(path), say("changed_while_read"))


T = TypeVar("T")


class ChangedWhileRead(Exception):
    """The file was saved over while it was read: nothing read from it can be trusted."""


def read_unchanged(book: Book, read: Callable[[], T]) -> T:
    """``read()`` of an open book, which is closed after it; :class:`ChangedWhileRead` if the file
    was saved over meanwhile, raised instead of what ``read`` raised (a mix of two versions fails
    as a damaged file would)."""
    try:
        value = read()
    except Exception:
        if _changed(book.path, book.identity):
            raise ChangedWhileRead from None
        raise
    finally:
        book.close()
    if _changed(book.path, book.identity):
        raise ChangedWhileRead
    return value


def open_book(path: Path, problems: list[Problem]) -> Book | None:
    """The workbook at ``path`` opened for reading (its sheets listed, none read); None, with the
    problem in ``problems``, for a missing, unreadable or damaged file, or one saved over as it
    was opened. Close it with :func:`read_unchanged`."""
    if not path.is_file():
        problems.append(Problem(str(path), say("no_file")))
        return None
    try:
        before = _identity(os.stat(path))  # before anything is opened: a save after it is seen at the end
        with zipfile.ZipFile(path) as package:
            book = Book(path, [], CalamineWorkbook.from_path(path), before)
            book.worksheets = _worksheets(package, book)
        return book
    except Exception as error:  # noqa: BLE001 — damaged content can fail in the zip, the XML or calamine
        changed = not isinstance(error, OSError) and _changed(path, before)  # written over as it was opened
        problems.append(changed_while_read(path) if changed else Problem(str(path), say("unreadable", error=f"{type(error).__name__}: {error}")))
        return None


def _last_row_begun(piece: bytes, end: int) -> int:
    """The number of the last row whose start tag is in ``piece[:end]`` (0: none, or it has no number)."""
    tag = max(piece.rfind(b"<row", 0, end), piece.rfind(b":row ", 0, end))  # an end tag has no space: </row>, </x:row>
    begun = _ROW_START.match(piece, piece.rfind(b"<", 0, tag + 1), end) if tag >= 0 else None
    return int(begun[1]) if begun else 0


def _error_cells(ws: Worksheet, last_row: int | None = None) -> Errors:
    """(row, column) → error text of the sheet's cells holding an error value (1-based), up to
    ``last_row`` at least: the XML is read no further once a later row has begun (rows come in
    order). It is inflated (ISA-L) and searched in pieces of whole rows, so memory stays small."""
    with zipfile.ZipFile(ws.book.path) as package:
        return _errors_in(inflated_from_file(ws.book.path, package, package.getinfo(ws.part)), last_row)


def _after_row_tag(text: bytes, start: int, stop: int) -> int:
    """Where the last row tag ending in ``row>`` (see :data:`_ROW_TAG`) within ``text[start:stop]``
    ends (-1: none): a cut there cuts no cell in two. A cell's text may hold "row>" (">" need not
    be escaped), but not "<", so a tag is told from text by the last "<" before it."""
    at = text.rfind(b"row>", start, stop)
    while at >= 0:
        tag = text.rfind(b"<", start, at)
        if tag < 0:
            return -1
        if _ROW_TAG.fullmatch(text, tag, at + 4):
            return at + 4
        at = text.rfind(b"row>", start, tag)  # a "row>" after this "<" is in the same text
    return -1


def _span_end(text: bytes, start: int, end: int) -> int:
    """Where the span of rows searched at once from ``start`` ends: after the last row tag within
    :data:`SEARCHED_AT_ONCE` bytes, else (a longer row) after the first one beyond; ``end`` at most."""
    limit = start + SEARCHED_AT_ONCE
    if limit >= end:
        return end
    stop = _after_row_tag(text, start, limit)
    if stop > start:
        return stop
    at = text.find(b"row>", limit, end)
    while at >= 0:
        tag = text.rfind(b"<", start, at)
        if tag >= 0 and _ROW_TAG.fullmatch(text, tag, at + 4):
            return at + 4
        after = text.find(b"<", at, end)  # a "row>" before the next "<" is in the same text
        at = text.find(b"row>", after, end) if after >= 0 else -1
    return end


def _errors_in(xml: Iterable[bytes], last_row: int | None = None) -> Errors:
    """The error cells (see :func:`_error_cells`) of a sheet's XML, given in pieces, searched
    :data:`SEARCHED_AT_ONCE` bytes of whole rows at a time; only those that hold ``#`` and ``"e"``
    at all are searched cell by cell."""
    found: Errors = {}

    def search(text: bytes, start: int, end: int) -> None:
        # an error value's text starts with # (#N/A, #DIV/0!; one without text changes nothing):
        # rows without # are passed over at memchr's speed, where '"e"' is slow to look for
        if text.find(b"#", start, end) < 0 or (text.find(b'"e"', start, end) < 0 and text.find(b"'e'", start, end) < 0):
            return
        for cell in _ERROR_CELL.finditer(text, start, end):
            at, value = _CELL_AT.search(cell[1]), _VALUE.search(cell[2])
            if at:
                found[(int(at[2]), column_number(at[1].decode()))] = (value[1].decode() or None) if value else None

    def search_rows(text: bytes, end: int) -> None:
        start = 0
        while start < end:
            stop = _span_end(text, start, end)
            search(text, start, stop)
            start = stop

    rest = b""
    for chunk in xml:
        rest = rest + chunk if rest else chunk  # the rows are searched where they lie, not copied out
        end = _after_row_tag(rest, 0, len(rest))
        if end > 0:
            search_rows(rest, end)
            if last_row is not None and _last_row_begun(rest, end) > last_row:
                return found
            rest = rest[end:]
    search_rows(rest, len(rest))
    return found


def _as_typed(value: object) -> object:
    """A cell as typed (as openpyxl reads it): whole numbers as int (:func:`~anji_xl.cells.as_typed_number`),
    a date as a datetime, blank as None."""
    if value.__class__ is float:
        return as_typed_number(value)
    if value == "":
        return None
    if value.__class__ is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return value


def _bounds_of(ws: Worksheet, sheet: str) -> tuple[str | None, Bounds | None]:
    """The table the book's sheet ``sheet`` (Data …) is read from (:func:`~anji_xl.cells.table_of`)
    and its bounds; (None, None): it has none and is read from its used range."""
    name = table_of(sheet, ws.tables)
    return (None, None) if name is None else (name, ws.tables[name])


def _sheet_values(ws: Worksheet) -> list[list[object]]:
    """The sheet's values as python-calamine reads them from A1 (an error value as a blank)."""
    return ws.book.values.get_sheet_by_name(ws.title).to_python(skip_empty_area=False)


def _cells(ws: Worksheet, bounds: Bounds | None) -> tuple[list[list[object]], object]:
    """The values within ``bounds`` and the row below them (the sheet's used range when None),
    as python-calamine reads them (an error value as a blank: see :func:`_with_errors`) and, for a
    table, the cell right of its header unless another table holds it."""
    values = _sheet_values(ws)
    first_col, first_row, last_col, last_row = bounds or (1, 1, max(map(len, values), default=0), len(values))
    beside = _beside(ws, values[first_row - 1], first_row, last_col) if bounds is not None and first_row <= len(values) else None
    last_row += bounds is not None
    whole = first_col == 1 and all(len(row) == last_col for row in values)  # the range spans the sheet's columns
    rows = values[first_row - 1:last_row] if whole else [row[first_col - 1:last_col] for row in values[first_row - 1:last_row]]
    return rows + [[] for _ in range(last_row - first_row + 1 - len(rows))], beside


def _beside(ws: Worksheet, header: list[object], first_row: int, last_col: int) -> object:
    """The cell right of a table's header (``header``: its row's values from column A), as typed;
    None where there is none or another table holds it."""
    return _as_typed(header[last_col]) if len(header) > last_col and not in_ranges(last_col + 1, first_row, ws.tables.values()) else None


def _with_errors(rows: list[list[object]], errors: Errors, first_col: int, first_row: int,
                 width: int) -> list[list[object]]:
    """The rows of :func:`_cells` (``width`` cells from ``first_col``, from ``first_row``) with
    the sheet's error values where python-calamine read a blank."""
    for (row, col), text in errors.items():
        k, j = row - first_row, col - first_col
        if text and 0 <= k < len(rows) and 0 <= j < width and (j >= len(rows[k]) or rows[k][j] == ""):
            rows[k] += [""] * (j + 1 - len(rows[k]))
            rows[k][j] = text
    return rows


def _typed(rows: list[list[object]], width: int) -> list[list[object]]:
    """Rows of cells as typed (:func:`_as_typed`), each ``width`` long."""
    return [[_as_typed(v) for v in row] + [None] * (width - len(row)) for row in rows]


def _table_cells(ws: Worksheet, bounds: Bounds | None) -> TableCells:
    """The cells within ``bounds`` (:func:`_cells`) and the sheet's error values (:func:`_error_cells`).
    python-calamine reads an error value as a blank, so the sheet's XML is searched only down to
    the last row where a cell of the table reads as one: a Data sheet of 750,000 cells with
    blanks only in its first rows, or none, is not inflated twice."""
    rows, beside = _cells(ws, bounds)
    last = next((k for k in range(len(rows) - 1, -1, -1) if "" in rows[k]), None)
    return rows, {} if last is None else _error_cells(ws, (bounds[1] if bounds else 1) + last), beside


def read_block(ws: Worksheet, kind: str, problems: list[Problem], sheet: str | None = None, table: str | None = None,
               cells: TableCells | None = None) -> Block:
    """The table of the sheet, read as the book's sheet ``kind`` (Data …: see :func:`_bounds_of`);
    ``sheet`` names the sheet in problems (default its title), ``table`` says which table it is
    (see :func:`~anji_xl.io.blocks.block_from_grid`); ``cells``: its :func:`_table_cells`, when
    they were read already."""
    sheet = sheet or ws.title
    name, bounds = _bounds_of(ws, kind)
    first_col, first_row = bounds[:2] if bounds else (1, 1)
    rows, errors, beside = cells or _table_cells(ws, bounds)
    width = max(map(len, rows), default=0) if bounds is None else bounds[2] - first_col + 1
    grid = _typed(_with_errors(rows, errors, first_col, first_row, width), width)
    if bounds is not None:
        problems += table_edge_problems(sheet, name, first_col, first_row, bounds[2], bounds[3], beside, grid.pop())
    return block_from_grid(sheet, grid, problems, first_row, first_col, table)


def _sheet(book: Book, name: str, problems: list[Problem], required: bool = True) -> Worksheet | None:
    title = named(name, [ws.title for ws in book.worksheets])
    if title is not None:
        return next(ws for ws in book.worksheets if ws.title == title)
    if required:
        problems.append(Problem(name, say("no_sheet", name=name)))
    return None


def _in_background(read: Callable[[], dict]) -> Callable[[], dict]:
    """Run ``read`` in a thread; the function returned waits for its result (or raises its
    error). python-calamine releases the GIL while it parses a sheet and ISA-L while it inflates
    one, so the cells and the engine load at the same time."""
    done: list = []

    def run() -> None:
        try:
            with uncollected():
                done.append(read())
        except Exception as error:  # noqa: BLE001 — handed to the waiting thread
            done.append(error)

    thread = threading.Thread(target=run, name="anji-xl reading", daemon=True)  # Ctrl-C need not wait for it
    thread.start()

    def result() -> dict:
        thread.join()
        if isinstance(done[0], Exception):
            raise done[0]
        return done[0]

    return result


def _data_block(ws: Worksheet, wanted: set[str], row_notes: bool, errors: Callable[[], Errors]) -> tuple[DataBlock, list[Problem]]:
    """Data's table (see :class:`~anji_xl.io.blocks.DataRows`: ``wanted``, ``row_notes``) and the
    problems at its edges and header. A big sheet is read a piece at a time
    (:mod:`anji_xl.io.sheet_pieces`), each piece's error values searched in its XML; where its rows
    cannot be cut or a piece cannot be read, the whole sheet is read, and ``errors()`` are its error cells."""
    if sheet_pieces.in_pieces(ws.size):
        pieces = sheet_pieces.read_in_pieces(ws.book.path, ws.part, ws.title)
        try:
            return _data_from(ws, wanted, row_notes, ((top, rows, _errors_in([xml])) for top, rows, xml in pieces))
        except Exception:  # noqa: BLE001 — rows that cannot be cut, a piece python-calamine cannot read, damaged XML: the whole sheet's read says why
            pass
        finally:
            pieces.close()  # the pieces not parsed yet are not

    def whole() -> Iterable[tuple[int, list[list[object]], Errors]]:
        values = _sheet_values(ws)  # python-calamine says first what is wrong with the sheet
        yield 1, values, errors()

    return _data_from(ws, wanted, row_notes, whole())


def _data_from(ws: Worksheet, wanted: set[str], row_notes: bool,
               pieces: Iterable[tuple[int, list[list[object]], Errors]]) -> tuple[DataBlock, list[Problem]]:
    """Data's table from pieces of the sheet's rows: (the first one's row, the rows from column A,
    the error cells among them); see :func:`_data_block`."""
    name, bounds = _bounds_of(ws, "Data")
    first_col, first_row, last_col, last_row = bounds or (1, 1, 0, 0)
    reader = DataRows(ws.title, first_row, first_col, wanted, row_notes, _as_typed, last_row - first_row)  # the table's rows below its header
    beside, below = None, []
    for top, values, errors in pieces:
        if bounds is None:
            reader.add(top, _with_errors(values, errors, 1, top, max(map(len, values), default=0)))
            continue
        end = top + len(values)  # the row after the piece
        if top <= first_row < end:
            beside = _beside(ws, values[first_row - top], first_row, last_col)
        start, stop = max(first_row, top), min(last_row + 1, end - 1)  # the piece's rows of the table and the row under it
        rows = _with_errors([row[first_col - 1:last_col] for row in values[start - top:stop - top + 1]], errors, first_col, start,
                            last_col - first_col + 1)
        if start <= last_row + 1 <= stop:
            below = rows.pop()
        reader.add(start, rows)
        if end > last_row + 1:  # the rest of the sheet is not the table's
            break
    edges = table_edge_problems(ws.title, name, first_col, first_row, last_col, last_row, beside, below) if bounds else []
    return reader.finish(), edges + reader.problems


def _raised(outcome: Errors | Exception) -> Errors:
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _outcome(search: Callable[[], Errors]) -> Errors | Exception:
    """What ``search`` gives, or the error it raised (said when the sheet it concerns is read)."""
    try:
        return search()
    except Exception as error:  # noqa: BLE001 — handed to the reading thread
        return error


Reading = Callable[[], tuple["BookTables | None", list[Problem]]]  # a read under way: waits for it, gives what inspect_book gives


def start_inspecting(path: str | Path, row_notes: bool = False) -> Reading:
    """Start reading a workbook; the function returned finishes: the tables (None where the model
    or Data's header is unusable) and every problem of reading them (see :func:`inspect_book`).
    The sheets are read in a thread (python-calamine and ISA-L letting go of the GIL), so the
    caller can load what it needs next: Indicators first, whose ids say which of Data's columns
    are read as numbers, then Data a piece at a time, then Settings. The error values of the
    sheets read whole are searched in a second thread meanwhile.
    ``row_notes``: Data's layout keeps what its source and note cells say of each row (for the report)."""
    problems: list[Problem] = []
    book = open_book(Path(path), problems)
    if book is None:
        return lambda: (None, problems)
    sheets = {}
    for name in NAMES:
        said: list[Problem] = []  # each sheet's problems in turn, as the sheets are read
        sheets[name] = _sheet(book, name, said, required=name != "Settings"), said
    whole = {name: ws for name, (ws, _) in sheets.items() if ws is not None and not (name == "Data" and sheet_pieces.in_pieces(ws.size))}
    searched = _in_background(lambda: {name: _outcome(lambda ws=ws: _error_cells(ws)) for name, ws in whole.items()})
    read: dict[str, tuple[Block | DataBlock | None, list[Problem]]] = {}

    def read_sheets() -> dict:
        wanted: set[str] = set()
        for name, (ws, said) in sheets.items():
            found, block = list(said), None
            if ws is not None:
                errors = (lambda ws=ws, name=name: _raised(searched()[name]) if name in whole else _error_cells(ws))
                if name == "Data":
                    block, edges = _data_block(ws, wanted, row_notes, errors)
                    found += edges
                else:
                    rows, beside = _cells(ws, _bounds_of(ws, name)[1])
                    block = read_block(ws, name, found, cells=(rows, errors(), beside))
                    if name == "Indicators":  # the ids as the model reads them, lower case as Data's header keys
                        wanted = {cell_text(cells.get("id")).lower() for _, cells in block.rows}
            read[name] = block, found
        return read

    reading = _in_background(read_sheets)

    def finish() -> tuple[BookTables | None, list[Problem]]:
        from .parse import Reading, inspect_tables  # loaded while the threads read

        told = Reading()
        with uncollected():
            try:
                read_unchanged(book, reading)
            except ChangedWhileRead:
                return None, [changed_while_read(book.path)]
            except Exception as error:  # noqa: BLE001 — a damaged sheet fails only when it is read
                told.problems += [p for name in NAMES if name in read for p in read[name][1]]
                return None, [*problems, *told.problems, Problem(str(path), say("unreadable", error=f"{type(error).__name__}: {error}"))]
            for name in NAMES:
                told.problems += read[name][1]
            try:
                return inspect_tables(read["Indicators"][0], read["Data"][0], read["Settings"][0], told, row_notes), problems + told.problems
            finally:
                read.clear()  # the blocks need not outlive reading (Data's labels and periods as lists of its rows: 0.5 MiB)

    return finish


def inspect_book(path: str | Path, row_notes: bool = False) -> tuple[BookTables | None, list[Problem]]:
    """A workbook's tables (None where the model or Data's header is unusable) and every problem
    of reading it; see :func:`anji_xl.io.parse.every_problem` for the engine's in the same pass.
    ``row_notes``: see :func:`start_inspecting`."""
    return start_inspecting(path, row_notes)()


def read_book_tables(path: str | Path) -> BookTables:
    """A workbook's tables, with where Data holds them; raises AnjiInputError listing every problem."""
    from .parse import tables_or_raise

    return tables_or_raise(*inspect_book(path))


def read_book(path: str | Path) -> tuple[Model, Panel]:
    """The model and panel of a workbook; raises AnjiInputError listing every problem."""
    tables = read_book_tables(path)
    return tables.model, tables.panel
