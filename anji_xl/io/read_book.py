"""Read Indicators, Data and Settings from an .xlsx / .xlsm workbook (SPEC §4) with openpyxl.

Each sheet is read from its Excel table (``tblIndicators`` …) when there is one, else from the
sheet's used range, into a grid that :mod:`anji_xl.io.parse` turns into the model and panel.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.utils import range_boundaries

from ..messages import say
from ..model import Model, Panel, Problem
from .parse import BookTables, Reading, _Block, block_from_grid, inspect_tables, is_blank, tables_or_raise


def _read_block(ws, table_name: str, problems: list[Problem]) -> _Block:
    tables = ws.tables
    if table_name in tables or len(tables) == 1:
        name = table_name if table_name in tables else next(iter(tables))
        min_col, min_row, max_col, max_row = range_boundaries(tables[name].ref)
        # a row right under a table looks like part of it but is not: say so rather than skip it
        # silently (rows after a blank row are deliberately outside)
        for row in ws.iter_rows(min_row=max_row + 1, max_row=max_row + 1, min_col=min_col, max_col=max_col):
            filled = [c for c in row if not is_blank(c.value)]
            if filled:
                problems.append(Problem(f"{ws.title}!{filled[0].coordinate}", say("below_table", table=name)))
    else:
        min_col, min_row, max_col, max_row = 1, 1, ws.max_column, ws.max_row
    grid = [list(row) for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col, values_only=True)]
    return block_from_grid(ws.title, grid, problems, min_row, min_col)


def _open(path: Path, problems: list[Problem]):
    if not path.is_file():
        problems.append(Problem(str(path), say("no_file")))
        return None
    try:
        return openpyxl.load_workbook(path, data_only=True)
    except Exception as error:  # noqa: BLE001 — damaged content can fail in any of openpyxl's parsers
        problems.append(Problem(str(path), say("unreadable", error=f"{type(error).__name__}: {error}")))
        return None


def _sheet(book, name: str, problems: list[Problem], required: bool = True):
    for ws in book.worksheets:
        if ws.title.lower() == name.lower():
            return ws
    if required:
        problems.append(Problem(name, say("no_sheet", name=name)))
    return None


def inspect_book(path: str | Path) -> tuple[BookTables | None, list[Problem]]:
    """A workbook's tables (None where the model or Data's header is unusable) and every problem
    of reading it; see :func:`anji_xl.io.parse.every_problem` for the engine's in the same pass."""
    reading = Reading()
    book = _open(Path(path), reading.problems)
    if book is None:
        return None, reading.problems
    blocks = {}
    for name in ("Indicators", "Data", "Settings"):
        ws = _sheet(book, name, reading.problems, required=name != "Settings")
        blocks[name] = None if ws is None else _read_block(ws, f"tbl{name}", reading.problems)
    return inspect_tables(blocks["Indicators"], blocks["Data"], blocks["Settings"], reading), reading.problems


def read_book_tables(path: str | Path) -> BookTables:
    """A workbook's tables, with where Data holds them; raises AnjiInputError listing every problem."""
    return tables_or_raise(*inspect_book(path))


def read_book(path: str | Path) -> tuple[Model, Panel]:
    """The model and panel of a workbook; raises AnjiInputError listing every problem."""
    tables = read_book_tables(path)
    return tables.model, tables.panel
