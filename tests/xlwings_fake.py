"""A fake of the few xlwings Book / Sheet / Range calls the buttons' Python side makes
(anji_xl/xlwings_macros.py), over cells loaded from a real workbook, so the adapter runs as in
Excel without Excel. Only xlwings' objects are faked: the readers, the engine and the sheet
modules the adapter calls are the real ones.

Cells are kept as Excel keeps them: a formula is its text, a number a float (Excel hands every
number over as a float), a blank absent.
"""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path
from types import SimpleNamespace

import openpyxl
from openpyxl.formula.translate import Translator
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

_ADDRESS = re.compile(r"^([A-Z]+)(\d+)$")


def _held(value: object) -> object:
    """A value as Excel holds it: a number as a float, a blank (None, "") as None."""
    if value is None or value == "":
        return None
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Note:
    def __init__(self, sheet: "Sheet", at: tuple[int, int], text: str):
        self.sheet, self.at, self.text = sheet, at, text

    def delete(self) -> None:
        self.sheet.notes.pop(self.at, None)


class Range:
    def __init__(self, sheet: "Sheet", first: tuple[int, int], last: tuple[int, int] | None = None, ndim: int | None = None):
        self.sheet, self.first, self.last, self.ndim = sheet, first, last or first, ndim

    row = property(lambda self: self.first[0])
    column = property(lambda self: self.first[1])
    last_cell = property(lambda self: Range(self.sheet, self.last))

    def options(self, ndim: int | None = None, err_to_str: bool = False) -> "Range":
        return Range(self.sheet, self.first, self.last, ndim)

    def _grid(self) -> list[list[object]]:
        return [[self.sheet.cells.get((r, c)) for c in range(self.first[1], self.last[1] + 1)]
                for r in range(self.first[0], self.last[0] + 1)]

    @property
    def value(self):
        grid = self._grid()
        if self.ndim == 2:
            return grid
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        return [row[0] for row in grid] if len(grid[0]) == 1 else grid[0] if len(grid) == 1 else grid

    @value.setter
    def value(self, rows) -> None:
        rows = rows if isinstance(rows, list) and rows and isinstance(rows[0], list) else [[rows]]
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                self.sheet.put((self.first[0] + r, self.first[1] + c), value)

    def _fill(self, formula) -> None:
        """A formula given to a whole range: Excel fills it in, moving its relative references."""
        if isinstance(formula, list) or self.first == self.last:
            self.value = formula
            return
        moved = Translator(formula, f"{get_column_letter(self.first[1])}{self.first[0]}")  # parsed once, moved to each cell
        for r in range(self.first[0], self.last[0] + 1):
            for c in range(self.first[1], self.last[1] + 1):
                self.sheet.put((r, c), moved.translate_formula(f"{get_column_letter(c)}{r}"))

    formula = property(None, _fill)

    def clear_contents(self) -> None:
        for at in [at for at in self.sheet.cells if self.first[0] <= at[0] <= self.last[0] and self.first[1] <= at[1] <= self.last[1]]:
            del self.sheet.cells[at]

    def expand(self, direction: str) -> "Range":
        assert direction == "down"
        row = self.first[0]
        while (row + 1, self.first[1]) in self.sheet.cells:
            row += 1
        return Range(self.sheet, self.first, (row, self.first[1]))

    @property
    def note(self) -> Note | None:
        return self.sheet.notes.get(self.first)

    def add_note(self, text: str) -> None:
        self.sheet.notes[self.first] = Note(self.sheet, self.first, text)

    def copy(self) -> None:
        self.sheet.book.clipboard = self

    def paste(self, paste: str) -> None:
        assert paste == "formats" and self.sheet.book.clipboard is not None  # formats are not modelled


class Table:
    def __init__(self, sheet: "Sheet", name: str, ref: str):
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        self.name, self.range = name, Range(sheet, (min_row, min_col), (max_row, max_col))


class Sheet:
    def __init__(self, book: "Book", name: str):
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], object] = {}
        self.notes: dict[tuple[int, int], Note] = {}
        self.tables: list[Table] | _Named = _Named([])
        self.charts: list[SimpleNamespace] = []

    def put(self, at: tuple[int, int], value: object) -> None:
        held = _held(value)
        if held is None:
            self.cells.pop(at, None)
        else:
            self.cells[at] = held

    def range(self, first, last=None) -> Range:
        if isinstance(first, str):
            letters, row = _ADDRESS.match(first).groups()
            first = (int(row), column_index_from_string(letters))
        return Range(self, first, last)

    @property
    def used_range(self) -> Range:
        if not self.cells:
            return Range(self, (1, 1))
        return Range(self, (1, 1), (max(r for r, _ in self.cells), max(c for _, c in self.cells)))

    def clear_contents(self) -> None:
        self.cells.clear()


class _Named(list):
    """A list that is also indexed by name, as xlwings' collections are."""

    def __getitem__(self, key):
        if isinstance(key, str):
            return next(item for item in self if item.name == key)
        return super().__getitem__(key)


class Sheets(_Named):
    def add(self, name: str, after: Sheet) -> Sheet:
        sheet = Sheet(after.book, name)
        self.insert(self.index(after) + 1, sheet)
        return sheet


class Book:
    """An open book: every sheet's cells, tables, notes and chart series; what the app showed."""

    def __init__(self, path: Path):
        self.sheets = Sheets()
        self.clipboard = None
        self.alerts: list[str] = []
        self.app = SimpleNamespace(status_bar=False, alert=lambda text, title="": self.alerts.append(text))
        for title, cells, tables, charts in _opened(Path(path).read_bytes()):
            sheet = Sheet(self, title)
            sheet.cells = dict(cells)
            sheet.tables = _Named(Table(sheet, name, ref) for name, ref in tables)
            sheet.charts = [_chart() for _ in range(charts)]
            self.sheets.append(sheet)

    def cell(self, address: str) -> object:
        """``Sheet!A1``'s value."""
        sheet, cell = address.split("!")
        return self.sheets[sheet].range(cell).value


@functools.lru_cache(maxsize=4)
def _opened(content: bytes) -> list[tuple[str, dict[tuple[int, int], object], list[tuple[str, str]], int]]:
    """Each sheet of a book's file: title, cells, tables (name, ref) and how many charts. Kept for
    the next test opening the same bytes (most open a copy of the shipped book): openpyxl parses
    each cell of a shared formula again, seconds for the Scores sheet. Cells hold immutable
    values, so a book copies the dict."""
    source = openpyxl.load_workbook(io.BytesIO(content))  # formulas as their text, as Excel's Range.formula reads them
    sheets = []
    for ws in source.worksheets:
        cells = {(cell.row, cell.column): _held(cell.value) for row in ws.iter_rows() for cell in row}
        cells = {at: value for at, value in cells.items() if value is not None}
        sheets.append((ws.title, cells, list(ws.tables.items()), len(ws._charts)))
    return sheets


def _chart() -> SimpleNamespace:
    series = SimpleNamespace(XValues=None, Values=None)
    return SimpleNamespace(series=series, api=(None, SimpleNamespace(SeriesCollection=lambda k: series)))
