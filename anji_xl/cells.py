"""Cells as the readers meet them: column letters and numbers (A1 notation), blank cells, the
sheets and tables they lie in.

Plain Python, so that reading a book can place its cells before pandas has loaded.
"""

from __future__ import annotations

from typing import Iterable


def column_number(letters: str) -> int:
    """The 1-based number of a column's letters (A → 1, AA → 27)."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    """The letters of a 1-based column number (1 → A, 27 → AA)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def as_typed_number(value: object) -> object:
    """A number cell as it was typed: a whole float below 1e16 as an int (writers store a whole
    number without a decimal point there; 2021.0 was typed 2021), anything else as it is."""
    if value.__class__ is float and value.is_integer() and abs(value) < 1e16:
        return int(value)
    return value


def in_ranges(col: int, row: int, ranges: Iterable[tuple[int, int, int, int]]) -> bool:
    """Whether the cell (1-based column and row) lies in one of the ranges, each given as its
    first column, first row, last column and last row (a sheet's tables, say)."""
    return any(c1 <= col <= c2 and r1 <= row <= r2 for c1, r1, c2, r2 in ranges)


def named(name: str, names: Iterable[str | None]) -> str | None:
    """The one of ``names`` that is ``name`` but for case (Excel's sheet and table names ignore
    case: Data and data are one sheet); None when there is none. A damaged book's part may name
    nothing (None), which matches nothing."""
    wanted = name.casefold()
    return next((found for found in names if found is not None and found.casefold() == wanted), None)


def table_of(sheet: str, tables: Iterable[str]) -> str | None:
    """The table a sheet of the book (Indicators, Data, Settings) is read from, of the names of
    the tables on it: ``tbl`` and the sheet's name (tblData), else its only table; None: the
    sheet is read from its used range. One rule for the reader, the buttons and import."""
    tables = list(tables)
    return named(f"tbl{sheet}", tables) or (tables[0] if len(tables) == 1 else None)


def is_blank(value: object) -> bool:
    """Whether a cell is blank: empty, or text of spaces only."""
    return value is None or (isinstance(value, str) and not value.strip())
