"""Evaluate a workbook's own formulas with the `formulas` package, ANJI_* functions included.

Each ANJI_* function is registered in `formulas` as a bridge that hands its arguments to
``udfs.py`` exactly as Excel would through xlwings (see ``xlwings_harness``) and turns the
answer back into cell values: numbers, text, or `formulas`' own error values.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

import formulas
import numpy as np
import schedula as sh
from formulas.functions import Error, wrap_func
from formulas.tokens.operand import XlError

import xlwings_harness as xl
from anji_xl.book import scores
from openpyxl.utils import column_index_from_string


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


#: The hidden helpers that find a row's preceding period, which the live growth cells read.
PRECEDING = [scores.HELPER[name] for name in ("year", "unit_at", "key", "sorted", "at", "previous", "previous_year", "previous_at")]


def live_cells_only(sheet: str, column: int, row: int, formula: str) -> bool:
    """The formulas worth `formulas`' time in our books: every sheet's but the native layer's —
    Scores' native columns, the helpers other than those the live cells read, and the Dashboard —
    which LibreOffice checks; `formulas` would take minutes over their thousand rows. Their
    cached values stay."""
    if sheet == "Dashboard":
        return False
    return (sheet != scores.SHEET or row <= scores.FIRST_ROW or "ANJI_" in formula
            or column in (scores.UNIT, scores.PERIOD, *PRECEDING))


def _without_formulas(path: Path, keep: Callable[[str, int, int, str], bool], work: Path) -> Path:
    """A copy of the book whose cells keep only the formulas ``keep(sheet, column, row, formula)`` accepts, with
    Scores cut below its last live ANJI_* row and no names over Scores' native lists."""
    copy = work / f"formulas_{path.name}"
    with zipfile.ZipFile(path) as package, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
        parts = _sheet_parts(package)
        for info in package.infolist():
            text = package.read(info.filename).decode("utf-8") if info.filename.endswith(".xml") else None
            if info.filename in parts:
                sheet = parts[info.filename]
                # the cells below a shared formula's master carry no text: they go with the master's formula
                masters = {si: (formula, int(last)) for last, si, formula in _SHARED_MASTER.findall(text)}
                def strip(match: re.Match) -> str:
                    column = column_index_from_string(match.group(2)) - 1
                    shared = re.search(r'\bsi="(\d+)"', match.group(4))
                    formula = match.group(5) or (masters[shared.group(1)][0] if shared else "")
                    kept = keep(sheet, column, int(match.group(3)), formula)
                    return match.group(0) if kept else match.group(1) + match.group(6)
                if sheet == scores.SHEET:
                    live = [int(r) for r in re.findall(r'<row r="(\d+)"[^>]*>(?:(?!</row>).)*?ANJI_', text, re.S)]
                    live += [last for formula, last in masters.values() if "ANJI_" in formula]
                    text = re.sub(r'<row r="(\d+)".*?</row>', lambda m: m.group(0) if int(m.group(1)) <= max(live, default=0) else "", text, flags=re.S)
                text = _CELL_FORMULA.sub(strip, text)
            elif info.filename == "xl/workbook.xml":
                text = re.sub(r'<definedName name="anji_(?:units|periods)">.*?</definedName>', "", text)
            out.writestr(info, package.read(info.filename) if text is None else text.encode("utf-8"))
    return copy


_CELL_FORMULA = re.compile(r'(<c r="([A-Z]+)(\d+)"[^>]*>)<f\b([^>]*?)(?:/>|>(.*?)</f>)(.*?</c>)', re.S)
_SHARED_MASTER = re.compile(r'<f t="shared" ref="[A-Z]+\d+:[A-Z]+(\d+)" si="(\d+)">(.*?)</f>', re.S)


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → sheet name (as the workbook's relationships say, whoever wrote them)."""
    from anji_xl.book.recalc import sheet_part

    names = re.findall(r'<sheet\b[^>]*?name="([^"]+)"', package.read("xl/workbook.xml").decode())
    return {sheet_part(package, name): name for name in names}


def evaluate(path: Path, keep: Callable[[str, int, int, str], bool] = live_cells_only) -> dict[str, object]:
    """The cells of the book, computed by `formulas`: ``{"Sheet!A1": value}`` (ranges of array
    formulas as ``"Sheet!A1:C3"`` → 2-D array); formulas ``keep`` refuses keep their cached value."""
    register()
    with tempfile.TemporaryDirectory() as work:
        solution = formulas.ExcelModel().loads(str(_without_formulas(path, keep, Path(work)))).finish().calculate()
    cells = {}
    for key, ranges in solution.items():
        _, _, sheet_ref = key.partition("]")
        sheet, _, ref = sheet_ref.rpartition("!")
        value = ranges.value if hasattr(ranges, "value") else ranges
        cells[f"{sheet.strip(chr(39)).upper()}!{ref}"] = value
    return cells
