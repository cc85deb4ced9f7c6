"""Grids of cell values → the engine's model and panel (SPEC §4), as statisticians type them.

Pure Python: no spreadsheet library. A grid is a list of rows of cell values, wherever they come
from (openpyxl in :mod:`anji_xl.io.read_book`, Excel through xlwings, a worksheet function's
range). The header is the grid's first non-blank row; header cells match on their first token,
case-insensitively (``weight 权重`` is ``weight``). Every problem is collected with its
``Sheet!Cell``; the strict readers raise them together as one
:class:`~anji_xl.model.AnjiInputError`, the ``inspect_*`` ones hand them back with the tables
where the model is still usable, so the engine's problems can be listed in the same pass.

Cells are read as a statistician means them: numbers stored as text (``'0.8517``, ``1,234.5``,
``85%``, full-width ``０.８５``) as numbers, the no-data marks of Chinese yearbooks (—, -, /, NA,
N/A, 无, #N/A) as missing values, each with one warning listing the cells; periods ``2020年``,
``2020.0`` and `` 2020`` as 2020.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..engine import IndexResult, column_letters, column_number, compute, period_key
from ..messages import say
from ..model import AnjiInputError, Model, Panel, Problem, Settings, parse_direction, parse_method

INDICATOR_COLUMNS = (
    "id", "dimension", "area", "name", "name_en", "unit", "direction",
    "method", "reference", "lower", "upper", "transform", "weight", "source",
)
_REQUIRED = {"Indicators": ("id", "dimension", "direction", "weight"), "Data": ("unit", "period"), "Settings": ("key", "value")}
_DATA_EXTRA = {"source", "note", "notes"}  # Data columns that describe a row, not an indicator
#: What Chinese yearbooks print where there is no value (compared after NFKC, case-insensitively).
NO_DATA_MARKS = frozenset({"—", "——", "–", "-", "--", "/", "na", "n/a", "无", "#n/a"})
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_YEAR = re.compile(r"(\d{4})\s*年度?")
_WHOLE = re.compile(r"[+-]?\d+\.0*")


@dataclass
class Reading:
    """What reading a book found: problems at their cells, and the cells read leniently."""

    problems: list[Problem] = field(default_factory=list)
    as_text: list[str] = field(default_factory=list)  # numbers stored as text
    no_data: list[str] = field(default_factory=list)  # no-data marks

    def warnings(self) -> list[str]:
        """One warning per kind of leniency, listing its cells."""
        return ([say("numbers_as_text", cells=", ".join(self.as_text))] if self.as_text else []) + \
               ([say("no_data_marks", cells=", ".join(self.no_data))] if self.no_data else [])


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


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def block_from_grid(sheet: str, grid: list[list[object]], problems: list[Problem], first_row: int = 1, first_col: int = 1) -> _Block:
    """A table from a grid of cell values whose first non-blank row is the header.

    ``first_row`` / ``first_col`` place the grid on its sheet so problems name real cells.
    """
    offset = next((k for k, row in enumerate(grid) if any(not is_blank(v) for v in row)), len(grid))
    header_row = first_row + offset
    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    for k, text in enumerate(grid[offset] if offset < len(grid) else ()):
        key = header_key(text)
        if not key:
            continue
        letter = column_letters(first_col + k)
        if key in columns:
            problems.append(Problem(f"{sheet}!{letter}{header_row}", say("column_twice", key=key, other=columns[key])))
        else:
            columns[key], positions[key] = letter, k
    rows = [
        (header_row + 1 + k, {key: row[pos] if pos < len(row) else None for key, pos in positions.items()})
        for k, row in enumerate(grid[offset + 1:])
        if any(not is_blank(v) for v in row)
    ]
    return _Block(sheet, columns, rows, header_row)


def cell_number(value: object) -> tuple[float, str]:
    """A cell as a number and how it was read: ``number``, ``blank``, ``text`` (a number stored
    as text: NFKC, thousands separators, a trailing % divides by 100, a leading apostrophe),
    ``no_data`` (a mark of no data: NaN) or ``bad`` (not a number: NaN)."""
    if isinstance(value, bool):
        return math.nan, "bad"
    if isinstance(value, (int, float)):
        return (float(value), "number") if math.isfinite(value) else (math.nan, "bad")
    if is_blank(value):
        return math.nan, "blank"
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text.casefold() in NO_DATA_MARKS:
        return math.nan, "no_data"
    text = text.lstrip("'").strip()
    percent = text.endswith("%")
    text = text.removesuffix("%").strip()
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text) or not math.isfinite(float(text)):
        return math.nan, "bad"
    return float(text) / (100 if percent else 1), "text"


def _number(value: object, where: str, reading: Reading) -> float:
    """A numeric cell as float (NaN where there is none), noting how it was read."""
    number, kind = cell_number(value)
    if kind == "bad":
        reading.problems.append(Problem(where, say("not_a_number", value=value)))
    elif kind == "text":
        reading.as_text.append(where)
    elif kind == "no_data":
        reading.no_data.append(where)
    return number


def _label(value: object) -> str:
    """A unit label as text: 2020.0 → '2020', dates as ISO dates."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return str(value).strip()


def period_label(value: object) -> str:
    """A period as statisticians type it: 2020, 2020.0, '2020.0', ' 2020', '2020年', '２０２０' → '2020'."""
    text = unicodedata.normalize("NFKC", _label(value)).strip()
    year = _YEAR.fullmatch(text)
    if year:
        return year.group(1)
    return str(int(float(text))) if _WHOLE.fullmatch(text) else text


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _one_apart(a: str, b: str) -> bool:
    """Whether one edit (a character changed, added or dropped) turns a into b."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    k = next((i for i in range(len(a)) if a[i] != b[i]), len(a))
    return a[k + (len(a) == len(b)):] == b[k + 1:]


def _numbered(a: str, b: str) -> bool:
    """Names of a series (D1/D2, Dim A/Dim B): they differ in a last letter or digit only."""
    return len(a) == len(b) and a[:-1] == b[:-1] and a[-1].isascii() and b[-1].isascii() and a[-1].isalnum() and b[-1].isalnum()


def dimension_typos(first_cell: dict[str, str], count: dict[str, int]) -> list[str]:
    """A warning at the rarer of two dimension names one character apart (低碳生成 beside
    低碳生产): a typo there makes a dimension of its own."""
    names = list(first_cell)
    warnings = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if min(len(a), len(b)) < 2 or not _one_apart(a, b) or _numbered(a, b):
                continue
            odd, other = (b, a) if count[b] <= count[a] else (a, b)
            warnings.append(f"{first_cell[odd]}: " + say("dimension_typo", name=odd, other=other, cell=first_cell[other]))
    return warnings


def read_indicators(block: _Block, reading: Reading) -> tuple[pd.DataFrame, dict[tuple[str, str], str]]:
    """The indicator table, indexed by id, with direction as ±1 and numeric fields as floats."""
    problems = reading.problems
    records, cells, seen = [], {}, {}
    for row, raw in block.rows:
        at = lambda key: block.cell(key, row) if key in block.columns else f"{block.sheet}!A{row}"  # noqa: E731
        ident = _text(raw.get("id"))
        if not ident:
            problems.append(Problem(at("id"), say("id_blank")))
            continue
        if len(ident.split()) > 1:
            problems.append(Problem(at("id"), say("id_spaces", ident=ident)))
        if ident in seen:
            problems.append(Problem(at("id"), say("id_twice", ident=ident, row=seen[ident])))
            continue
        seen[ident] = row
        record = {key: _text(raw.get(key)) for key in INDICATOR_COLUMNS}
        if not record["dimension"]:
            problems.append(Problem(at("dimension"), say("dimension_blank", ident=ident)))
        direction = parse_direction(raw.get("direction"))
        if direction is None:
            problems.append(Problem(at("direction"), say("direction_unknown", value=raw.get("direction"))))
        method = parse_method(raw.get("method"))
        if method is None:
            problems.append(Problem(at("method"), say("method_unknown", value=raw.get("method"))))
        transform = record["transform"].lower()
        if transform not in ("", "log"):
            problems.append(Problem(at("transform"), say("transform_unknown", value=record["transform"])))
        elif transform and method != "goalpost":
            problems.append(Problem(at("transform"), say("transform_goalpost_only", transform=transform, ident=ident, method=method)))
        record.update(direction=direction or 1, method=method or "ratio", transform=transform)
        for key in ("reference", "lower", "upper", "weight"):
            record[key] = _number(raw.get(key), at(key), reading) if key in block.columns else math.nan
        needs = {"ratio": ("reference",), "growth": ("reference",), "goalpost": ("lower", "upper")}.get(method or "", ())
        for key in needs + ("weight",):
            if cell_number(raw.get(key))[1] in ("blank", "no_data"):
                problems.append(Problem(at(key), say("field_blank", key=key, ident=ident)))
        if record["weight"] < 0:
            problems.append(Problem(at("weight"), say("weight_negative", ident=ident, weight=record["weight"])))
        for key in block.columns:
            cells[(ident, key)] = at(key)
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=list(INDICATOR_COLUMNS)).set_index("id")
    return frame, cells


def read_data(block: _Block, ids: list[str], reading: Reading) -> tuple[pd.DataFrame, dict[tuple[str, str], int]]:
    """Data as a frame indexed by (unit, period) with one float column per indicator, in Data's order."""
    problems = reading.problems
    for key, letter in block.columns.items():
        if key not in ("unit", "period") and key not in _DATA_EXTRA and key not in {i.lower() for i in ids}:
            problems.append(Problem(f"{block.sheet}!{letter}{block.header_row}", say("data_column_unknown", key=key)))
    by_lower = {key: key for key in block.columns}
    columns = {i: by_lower.get(i.lower()) for i in ids}
    for ident, key in columns.items():
        if key is None:
            problems.append(Problem(f"{block.sheet}!{block.header_row}:{block.header_row}", say("no_data_column", ident=ident)))
    present = [i for i in ids if columns[i] is not None]
    index, matrix, row_of = [], [], {}
    for row, raw in block.rows:
        blank = [key for key in ("unit", "period") if is_blank(raw.get(key))]
        if blank:
            problems.append(Problem(block.cell(blank[0], row), say("label_blank", key=blank[0])))
            continue
        key = (_label(raw.get("unit")), period_label(raw.get("period")))
        if key in row_of:
            problems.append(Problem(block.cell("period", row), say("row_twice", unit=key[0], period=key[1], row=row_of[key])))
            continue
        if period_key(key[1]) is None:  # it would have no place among the unit's periods
            problems.append(Problem(block.cell("period", row), say("period_unplaced", period=key[1]), key))
        row_of[key] = row
        index.append(key)
        matrix.append([_number(raw.get(columns[i]), block.cell(columns[i], row), reading) for i in present])
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
            problems.append(Problem(cell, say("case_twins", unit=unit, first=first, cell=first_cell)))


def _has_required(block: _Block | None, name: str, problems: list[Problem]) -> bool:
    if block is None:
        return False
    missing = [key for key in _REQUIRED[name] if key not in block.columns]
    for key in missing:
        problems.append(Problem(f"{block.sheet}!{block.header_row}:{block.header_row}", say("no_column", key=key)))
    return not missing


def read_settings(block: _Block | None, reading: Reading) -> Settings:
    """Settings from a key/value table; absent keys keep their defaults."""
    if block is None or not _has_required(block, "Settings", reading.problems):
        return Settings()
    raw, where = {}, {}
    for row, cells in block.rows:
        key = header_key(cells.get("key"))
        if key in raw:
            reading.problems.append(Problem(block.cell("key", row), say("setting_twice", key=key, other=where[key])))
        elif key:
            raw[key], where[key] = cells.get("value"), block.cell("value", row)
    settings, setting_problems = Settings.from_mapping(raw, lambda key: where.get(key, ""))
    reading.problems.extend(setting_problems)
    return settings


def read_model(indicators: _Block | None, settings: _Block | None, reading: Reading) -> Model | None:
    """The model of an Indicators table and an optional Settings table (None if unreadable)."""
    config = read_settings(settings, reading)
    if not _has_required(indicators, "Indicators", reading.problems):
        return None
    table, cells = read_indicators(indicators, reading)
    if not len(table):
        reading.problems.append(Problem(f"{indicators.sheet}!{indicators.header_row + 1}:{indicators.header_row + 1}", say("no_indicators")))
    first_cell: dict[str, str] = {}
    for ident, dim in table["dimension"].items():
        if dim:
            first_cell.setdefault(dim, cells[(ident, "dimension")])
    typos = dimension_typos(first_cell, table["dimension"].value_counts().to_dict())
    return Model(table, config, lambda ident, key: cells.get((ident, key), ""), typos)


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


def inspect_tables(indicators: _Block | None, data: _Block | None, settings: _Block | None, reading: Reading) -> BookTables | None:
    """Model and panel from the three tables, every problem into ``reading``; None when the
    model (Indicators, Settings) or Data's header is not usable for a computation."""
    before = len(reading.problems)
    model = read_model(indicators, settings, reading)
    usable = model is not None and len(reading.problems) == before
    if model is None or not _has_required(data, "Data", reading.problems):
        return None
    values, row_of = read_data(data, list(model.indicators.index), reading)
    if not data.rows:
        reading.problems.append(Problem(f"{data.sheet}!{data.header_row + 1}:{data.header_row + 1}", say("no_rows")))
        return None
    letters = {i: data.columns[i.lower()] for i in model.indicators.index if i.lower() in data.columns}
    panel = Panel(values, lambda unit, period, ident: f"{data.sheet}!{letters[ident]}{row_of[(unit, period)]}", reading.warnings())
    layout = DataLayout(data.sheet, data.header_row, data.columns["unit"], data.columns["period"], letters, row_of)
    return BookTables(model, panel, layout) if usable else None


def every_problem(tables: BookTables | None, problems: list[Problem]) -> tuple[IndexResult | None, list[Problem]]:
    """The reader's problems and, where the tables are usable, the engine's — all in one pass,
    each cell once (a cell that is not a number is not also a missing value)."""
    if tables is None:
        return None, problems
    result = compute(tables.model, tables.panel)
    reported = [_SPAN.match(p.where) for p in problems]
    reported = [(m["sheet"], column_number(m["c1"]), int(m["r1"])) for m in reported if m and not m["c2"]]
    return result, problems + [p for p in result.problems if not _covers(p.where, reported)]


_SPAN = re.compile(r"^(?P<sheet>[^!]+)!(?P<c1>[A-Z]+)(?P<r1>\d+)(?::(?P<c2>[A-Z]+)(?P<r2>\d+))?$")


def _covers(where: str, cells: list[tuple[str, int, int]]) -> bool:
    """Whether ``where`` (a cell or a range) holds one of the cells (sheet, column, row): the
    engine's problem there follows from the reader's (an unreadable cell is also missing)."""
    span = _SPAN.match(where)
    if not span:
        return False
    first, last = (column_number(span["c1"]), int(span["r1"])), (column_number(span["c2"] or span["c1"]), int(span["r2"] or span["r1"]))
    return any(sheet == span["sheet"] and first[0] <= col <= last[0] and first[1] <= row <= last[1] for sheet, col, row in cells)


def tables_or_raise(tables: BookTables | None, problems: list[Problem]) -> BookTables:
    """The tables when reading found no problem; else AnjiInputError listing every problem."""
    if problems or tables is None:
        raise AnjiInputError(problems)
    return tables


def inspect_grid_tables(grids: dict[str, tuple[list[list[object]], int, int] | None]) -> tuple[BookTables | None, list[Problem]]:
    """Tables (None if unusable) and every problem of cell grids handed over by Excel: sheet
    name → (grid, first row, first column), or None for an absent sheet; problems name the
    grids' real cells."""
    reading = Reading()
    blocks = [
        None if grids.get(name) is None else block_from_grid(name, grids[name][0], reading.problems, grids[name][1], grids[name][2])
        for name in ("Indicators", "Data", "Settings")
    ]
    return inspect_tables(*blocks, reading), reading.problems


def read_grid_tables(grids: dict[str, tuple[list[list[object]], int, int] | None]) -> BookTables:
    """:func:`inspect_grid_tables`, raising AnjiInputError listing every problem."""
    return tables_or_raise(*inspect_grid_tables(grids))


def read_grids(grids: dict[str, tuple[list[list[object]], int, int] | None]) -> tuple[Model, Panel]:
    """Model and panel from cell grids handed over by Excel (see :func:`read_grid_tables`)."""
    tables = read_grid_tables(grids)
    return tables.model, tables.panel
