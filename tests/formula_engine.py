"""Evaluate a workbook's own formulas with the `formulas` package, ANJI_* functions included.

Each ANJI_* function is registered in `formulas` as a bridge that hands its arguments to
``udfs.py`` exactly as Excel would through xlwings (see ``xlwings_harness``) and turns the
answer back into cell values: numbers, text, or `formulas`' own error values.
"""

from __future__ import annotations

from pathlib import Path

import formulas
import numpy as np
import schedula as sh
from formulas.functions import Error, wrap_func
from formulas.tokens.operand import XlError

import xlwings_harness as xl


def _as_excel_passes_it(arg):
    """A `formulas` argument as pywin32 hands it over: a scalar cell, or a tuple of row tuples."""
    def cell(v):
        if v is sh.EMPTY:
            return None
        if isinstance(v, XlError):
            return xl.CELL_ERRORS[str(v)]
        if isinstance(v, (np.bool_, bool)):
            return bool(v)
        if isinstance(v, (int, float, np.integer, np.floating)):
            return float(v)
        return str(v)

    if not isinstance(arg, np.ndarray):
        return cell(arg)
    grid = np.atleast_2d(arg)
    if grid.shape == (1, 1):
        return cell(grid.item())
    return tuple(tuple(cell(v) for v in row) for row in grid)


def _as_cells(result):
    """xlwings' result as `formulas` values (errors as `formulas` errors, ranges as arrays)."""
    shown = xl.shown(result)
    if isinstance(shown, list):
        rows = shown if shown and isinstance(shown[0], list) else [shown]
        return np.array([[Error.errors[v] if isinstance(v, str) and v in Error.errors else v for v in row] for row in rows], dtype=object)
    return Error.errors[shown] if isinstance(shown, str) and shown in Error.errors else shown


def _bridge(name: str):
    def function(*args):
        return _as_cells(xl.call(name, *(_as_excel_passes_it(a) for a in args)))

    function.__name__ = name
    return wrap_func(function)


def register() -> None:
    """Make every ANJI_* of udfs.py known to `formulas` (must happen before a book is loaded)."""
    table = formulas.get_functions()
    for name in xl.FUNCTIONS:
        table[name] = _bridge(name)


def evaluate(path: Path) -> dict[str, object]:
    """Every cell of the book, computed by `formulas`: ``{"Sheet!A1": value}`` (ranges of array
    formulas as ``"Sheet!A1:C3"`` → 2-D array)."""
    register()
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    cells = {}
    for key, ranges in solution.items():
        _, _, sheet_ref = key.partition("]")
        sheet, _, ref = sheet_ref.rpartition("!")
        value = ranges.value if hasattr(ranges, "value") else ranges
        cells[f"{sheet.strip(chr(39)).upper()}!{ref}"] = value
    return cells
