"""Read Indicators, Data and Settings from an .xlsx / .xlsm workbook (SPEC §4).

Each sheet is read from its Excel table (``tblIndicators`` …) when there is one, else from the
sheet's used range with the header in its first non-blank row. Header cells match on their
first token, case-insensitively (``weight 权重`` is ``weight``). Every problem is collected with
its ``Sheet!Cell`` and raised together as one :class:`~anji_xl.model.AnjiInputError`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter, range_boundaries

from .model import MISSING_MARKS, AnjiInputError, Model, Panel, Problem, Settings, parse_direction, parse_method

INDICATOR_COLUMNS = (
    "id", "dimension", "area", "name", "name_en", "unit", "direction",
    "method", "reference", "lower", "upper", "transform", "weight", "source",
)
_REQUIRED = {"Indicators": ("id", "dimension", "direction", "weight"), "Data": ("unit", "period"), "Settings": ("key", "value")}
_DATA_EXTRA = {"source", "note", "notes"}  # Data columns that describe a row, not an indicator


@dataclass
class _Block:
    """A sheet's table: header keys → column letters, and its rows with their row numbers."""

    sheet: str
    columns: dict[str, str]
    rows: list[tuple[int, dict[str, object]]]
    header_row: int

    def cell(self, key: str, row: int) -> str:
        return f"{self.sheet}!{self.columns[key]}{row}"


def header_key(text: object) -> str:
    """The key of a header cell: its first token, lower case (``'weight 权重'`` → ``'weight'``)."""
    parts = str(text).split() if text is not None else []
    return parts[0].lower() if parts else ""


def block_from_grid(sheet: str, grid: list[list[object]], problems: list[Problem], first_row: int = 1, first_col: int = 1) -> _Block:
    """A table from a grid of cell values whose first non-blank row is the header.

    ``first_row`` / ``first_col`` place the grid on its sheet so problems name real cells.
    """
    offset = next((k for k, row in enumerate(grid) if any(not _blank(v) for v in row)), len(grid))
    header_row = first_row + offset
    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    for k, text in enumerate(grid[offset] if offset < len(grid) else ()):
        key = header_key(text)
        if not key:
            continue
        letter = get_column_letter(first_col + k)
        if key in columns:
            problems.append(Problem(f"{sheet}!{letter}{header_row}", f"column {key!r} appears twice (also {columns[key]})"))
        else:
            columns[key], positions[key] = letter, k
    rows = [
        (header_row + 1 + k, {key: row[pos] if pos < len(row) else None for key, pos in positions.items()})
        for k, row in enumerate(grid[offset + 1:])
        if any(not _blank(v) for v in row)
    ]
    return _Block(sheet, columns, rows, header_row)


def _read_block(ws, table_name: str, problems: list[Problem]) -> _Block:
    tables = ws.tables
    if table_name in tables or len(tables) == 1:
        name = table_name if table_name in tables else next(iter(tables))
        min_col, min_row, max_col, max_row = range_boundaries(tables[name].ref)
        # a row right under a table looks like part of it but is not: say so rather than skip it
        # silently (rows after a blank row, like the weight total, are deliberately outside)
        for row in ws.iter_rows(min_row=max_row + 1, max_row=max_row + 1, min_col=min_col, max_col=max_col):
            filled = [c for c in row if not _blank(c.value)]
            if filled:
                problems.append(Problem(f"{ws.title}!{filled[0].coordinate}", f"this row is below the table {name} and is not read; extend the table to include it"))
    else:
        min_col, min_row, max_col, max_row = 1, 1, ws.max_column, ws.max_row
    grid = [list(row) for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col, values_only=True)]
    return block_from_grid(ws.title, grid, problems, min_row, min_col)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: object, where: str, problems: list[Problem], what: str = "") -> float:
    """A numeric cell as float; blank and #N/A are NaN; anything else is a problem (NaN)."""
    if _blank(value) or value in MISSING_MARKS:
        return math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    problems.append(Problem(where, f"{value!r} is not a number{what}"))
    return math.nan


def _label(value: object) -> str:
    """Unit and period labels as text: 2020.0 → '2020', dates as ISO dates."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return str(value).strip()


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def read_indicators(block: _Block, problems: list[Problem]) -> tuple[pd.DataFrame, dict[tuple[str, str], str]]:
    """The indicator table, indexed by id, with direction as ±1 and numeric fields as floats."""
    records, cells, seen = [], {}, {}
    for row, raw in block.rows:
        at = lambda key: block.cell(key, row) if key in block.columns else f"{block.sheet}!A{row}"  # noqa: E731
        ident = _text(raw.get("id"))
        if not ident:
            problems.append(Problem(at("id"), "indicator id is blank"))
            continue
        if len(ident.split()) > 1:
            problems.append(Problem(at("id"), f"indicator id {ident!r} must not contain spaces"))
        if ident in seen:
            problems.append(Problem(at("id"), f"duplicate indicator id {ident!r} (also in row {seen[ident]})"))
            continue
        seen[ident] = row
        record = {key: _text(raw.get(key)) for key in INDICATOR_COLUMNS}
        if not record["dimension"]:
            problems.append(Problem(at("dimension"), f"dimension of {ident} is blank"))
        direction = parse_direction(raw.get("direction"))
        if direction is None:
            problems.append(Problem(at("direction"), f"unknown direction {raw.get('direction')!r} (use positive/negative, 正向/逆向, 1/-1)"))
        method = parse_method(raw.get("method"))
        if method is None:
            problems.append(Problem(at("method"), f"unknown method {raw.get('method')!r} (use ratio, growth, goalpost, minmax, zscore, efficacy)"))
        transform = record["transform"].lower()
        if transform not in ("", "log"):
            problems.append(Problem(at("transform"), f"unknown transform {record['transform']!r} (leave blank or use log)"))
        elif transform and method != "goalpost":
            problems.append(Problem(at("transform"), f"transform {transform} applies to the goalpost method only (method of {ident}: {method})"))
        record.update(direction=direction or 1, method=method or "ratio", transform=transform)
        for key in ("reference", "lower", "upper", "weight"):
            record[key] = _number(raw.get(key), at(key), problems) if key in block.columns else math.nan
        needs = {"ratio": ("reference",), "growth": ("reference",), "goalpost": ("lower", "upper")}.get(method or "", ())
        for key in needs + ("weight",):
            if _blank(raw.get(key)):
                problems.append(Problem(at(key), f"{key} of {ident} is blank"))
        if record["weight"] < 0:
            problems.append(Problem(at("weight"), f"weight of {ident} is negative ({record['weight']:g})"))
        for key in block.columns:
            cells[(ident, key)] = at(key)
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=list(INDICATOR_COLUMNS)).set_index("id")
    return frame, cells


def read_data(block: _Block, ids: list[str], problems: list[Problem]) -> tuple[pd.DataFrame, dict[tuple[str, str], int]]:
    """Data as a frame indexed by (unit, period) with one float column per indicator."""
    for key, letter in block.columns.items():
        if key not in ("unit", "period") and key not in _DATA_EXTRA and key not in {i.lower() for i in ids}:
            problems.append(Problem(f"{block.sheet}!{letter}{block.header_row}", f"Data column {key!r} matches no indicator id"))
    by_lower = {key: key for key in block.columns}
    columns = {i: by_lower.get(i.lower()) for i in ids}
    for ident, key in columns.items():
        if key is None:
            problems.append(Problem(f"{block.sheet}!{block.header_row}:{block.header_row}", f"indicator {ident} has no column in Data"))
    present = [i for i in ids if columns[i] is not None]
    index, matrix, row_of = [], [], {}
    for row, raw in block.rows:
        blank = [key for key in ("unit", "period") if _blank(raw.get(key))]
        if blank:
            problems.append(Problem(block.cell(blank[0], row), f"{blank[0]} is blank"))
            continue
        key = (_label(raw.get("unit")), _label(raw.get("period")))
        if key in row_of:
            problems.append(Problem(block.cell("period", row), f"duplicate row for {key[0]} {key[1]} (also row {row_of[key]})"))
            continue
        row_of[key] = row
        index.append(key)
        matrix.append([_number(raw.get(columns[i]), block.cell(columns[i], row), problems) for i in present])
    _case_only_twins(block, index, row_of, problems)
    values = pd.DataFrame(
        np.array(matrix, dtype=float).reshape(len(index), len(present)),
        index=pd.MultiIndex.from_tuples(index, names=["unit", "period"]),
        columns=present,
    )
    return values, row_of


def _case_only_twins(block: _Block, keys: list[tuple[str, str]], row_of: dict[tuple[str, str], int], problems: list[Problem]) -> None:
    """Units that differ only in case (Anji / ANJI) are one unit to Excel's SUMIFS, COUNTIFS and
    look-ups, so the sheets would merge them: a problem naming both cells."""
    spellings: dict[str, dict[str, str]] = {}
    for unit, period in keys:
        spellings.setdefault(unit.casefold(), {}).setdefault(unit, block.cell("unit", row_of[(unit, period)]))
    for found in spellings.values():
        (first, first_cell), *others = found.items()
        for unit, cell in others:
            problems.append(Problem(cell, f"单位 {unit!r} 与 {first!r}（{first_cell}）仅大小写不同，Excel 会把两者当作同一单位 · "
                                          f"unit {unit!r} differs from {first!r} ({first_cell}) only in case; Excel treats them as one unit"))


def _open(path: Path, problems: list[Problem]):
    if not path.is_file():
        problems.append(Problem(str(path), "no such file"))
        return None
    try:
        return openpyxl.load_workbook(path, data_only=True)
    except Exception as error:  # noqa: BLE001 — damaged content can fail in any of openpyxl's parsers
        problems.append(Problem(str(path), f"cannot be read as an .xlsx/.xlsm workbook ({type(error).__name__}: {error})"))
        return None


def _sheet(book, name: str, problems: list[Problem], required: bool = True):
    for ws in book.worksheets:
        if ws.title.lower() == name.lower():
            return ws
    if required:
        problems.append(Problem(name, f"the workbook has no sheet {name!r}"))
    return None


def _has_required(block: _Block | None, name: str, problems: list[Problem]) -> bool:
    if block is None:
        return False
    missing = [key for key in _REQUIRED[name] if key not in block.columns]
    for key in missing:
        problems.append(Problem(f"{block.sheet}!{block.header_row}:{block.header_row}", f"no {key!r} column in the header"))
    return not missing


def read_settings(block: _Block | None, problems: list[Problem]) -> Settings:
    """Settings from a key/value table; absent keys keep their defaults."""
    if block is None or not _has_required(block, "Settings", problems):
        return Settings()
    raw, where = {}, {}
    for row, cells in block.rows:
        key = header_key(cells.get("key"))
        if key in raw:
            problems.append(Problem(block.cell("key", row), f"setting {key} appears twice (also {where[key]})"))
        elif key:
            raw[key], where[key] = cells.get("value"), block.cell("value", row)
    settings, setting_problems = Settings.from_mapping(raw, lambda key: where.get(key, ""))
    problems += setting_problems
    return settings


def read_model(indicators: _Block | None, settings: _Block | None, problems: list[Problem]) -> Model | None:
    """The model of an Indicators table and an optional Settings table (None if unreadable)."""
    config = read_settings(settings, problems)
    if not _has_required(indicators, "Indicators", problems):
        return None
    table, cells = read_indicators(indicators, problems)
    if not len(table):
        problems.append(Problem(f"{indicators.sheet}!{indicators.header_row + 1}:{indicators.header_row + 1}", "no indicators"))
    return Model(table, config, lambda ident, key: cells.get((ident, key), ""))


@dataclass(frozen=True)
class DataLayout:
    """Where Data's values sit on their sheet: the header row, the column letter of the unit, the
    period and each indicator id, and the row of each (unit, period) (Excel numbering)."""

    sheet: str
    header_row: int
    unit_column: str
    period_column: str
    columns: dict[str, str]
    rows: dict[tuple[str, str], int]


@dataclass(frozen=True)
class BookTables:
    """What a book's tables hold, and where Data holds it."""

    model: Model
    panel: Panel
    data: DataLayout


def read_tables(indicators: _Block | None, data: _Block | None, settings: _Block | None) -> BookTables:
    """Model and panel from the three tables; raises AnjiInputError listing every problem."""
    problems: list[Problem] = []
    model = read_model(indicators, settings, problems)
    if model is None or not _has_required(data, "Data", problems):
        raise AnjiInputError(problems)
    values, row_of = read_data(data, list(model.indicators.index), problems)
    if not data.rows:
        problems.append(Problem(f"{data.sheet}!{data.header_row + 1}:{data.header_row + 1}", "Data has no rows"))
    if problems:
        raise AnjiInputError(problems)
    letters = {i: data.columns[i.lower()] for i in model.indicators.index}
    panel = Panel(values, lambda unit, period, ident: f"{data.sheet}!{letters[ident]}{row_of[(unit, period)]}")
    layout = DataLayout(data.sheet, data.header_row, data.columns["unit"], data.columns["period"], letters, row_of)
    return BookTables(model, panel, layout)


def read_grids(grids: dict[str, tuple[list[list[object]], int, int] | None]) -> tuple[Model, Panel]:
    """Model and panel from cell grids handed over by Excel (see :func:`read_grid_tables`)."""
    tables = read_grid_tables(grids)
    return tables.model, tables.panel


def read_grid_tables(grids: dict[str, tuple[list[list[object]], int, int] | None]) -> BookTables:
    """Model and panel from cell grids handed over by Excel: sheet name → (grid, first row,
    first column), or None for an absent sheet; problems name the grids' real cells."""
    problems: list[Problem] = []
    blocks = [
        None if grids.get(name) is None else block_from_grid(name, grids[name][0], problems, grids[name][1], grids[name][2])
        for name in ("Indicators", "Data", "Settings")
    ]
    try:
        tables = read_tables(*blocks)
    except AnjiInputError as error:
        raise AnjiInputError(problems + error.problems) from None
    if problems:
        raise AnjiInputError(problems)
    return tables


def read_book(path: str | Path) -> tuple[Model, Panel]:
    """The model and panel of a workbook; raises AnjiInputError listing every problem."""
    tables = read_book_tables(path)
    return tables.model, tables.panel


def read_book_tables(path: str | Path) -> BookTables:
    """A workbook's tables, with where Data holds them; raises AnjiInputError listing every problem."""
    problems: list[Problem] = []
    book = _open(Path(path), problems)
    if book is None:
        raise AnjiInputError(problems)
    blocks = {}
    for name in ("Indicators", "Data", "Settings"):
        ws = _sheet(book, name, problems, required=name != "Settings")
        blocks[name] = None if ws is None else _read_block(ws, f"tbl{name}", problems)
    try:
        tables = read_tables(blocks["Indicators"], blocks["Data"], blocks["Settings"])
    except AnjiInputError as error:
        raise AnjiInputError(problems + error.problems) from None
    if problems:  # e.g. a header repeated within a sheet
        raise AnjiInputError(problems)
    return tables
