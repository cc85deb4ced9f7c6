"""What the sheet modules share: cell addresses, and a sheet's content as plain cells.

A sheet module (``scores``, ``dashboard`` …) says what each cell holds — a formula with the
value the engine expects it to show, or a constant — and which style *kind* it has. The
builder writes those cells with XlsxWriter, ``anji-xl recalc`` writes them into the sheet's XML,
and the Recalculate button writes them through xlwings: three writers, one layout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..cells import column_letters

NA = "#N/A"  # the cached value of a formula that shows Excel's not-available error


def ref(row: int, col: int, row_abs: bool = False, col_abs: bool = False) -> str:
    """A1 reference of a 0-based (row, column)."""
    if row < 0:
        raise ValueError(f"row {row} < 0")
    return f"{'$' if col_abs else ''}{letter(col)}{'$' if row_abs else ''}{row + 1}"


def column_span(col: int, first_row: int, last_row: int, sheet: str = "") -> str:
    """An absolute column range, e.g. ``Results!$C$5:$C$2004`` (0-based rows)."""
    prefix = f"{sheet}!" if sheet else ""
    return f"{prefix}{ref(first_row, col, True, True)}:{ref(last_row, col, True, True)}"


def letter(col: int) -> str:
    """The letters of a 0-based column (0 → A), without loading XlsxWriter (a recalc's start took 25 ms longer)."""
    if col < 0:
        raise ValueError(f"column {col} < 0")
    return column_letters(col + 1)


def cached(value: object) -> object:
    """A formula's cached value: the engine's number, #N/A for NaN or None, else as given."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NA
    return value


@dataclass(frozen=True)
class Cell:
    """One cell: a formula (text starting with ``=``) with its cached value, or a constant."""

    row: int
    col: int
    value: object
    kind: str
    formula: str | None = None


@dataclass(frozen=True)
class Column:
    """Width and visibility of columns first..last (0-based)."""

    first: int
    last: int
    width: float
    hidden: bool = False
    level: int = 0


@dataclass(frozen=True)
class SharedColumn:
    """One formula down a column, rows ``first_row`` .. ``first_row + len(values) - 1``, its
    relative references moving with the row (as Excel fills a formula down); ``values`` are the
    cached values row by row. Written as one shared formula, so a long sheet stays small."""

    col: int
    first_row: int
    formula: str
    values: list
    kind: str

    def first(self) -> Cell:
        return Cell(self.first_row, self.col, self.values[0], self.kind, self.formula)
