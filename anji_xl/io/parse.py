"""Grids of cell values → the engine's model and panel (SPEC §4), as statisticians type them.

Pure Python: no spreadsheet library. A grid is a list of rows of cell values, wherever they come
from (python-calamine in :mod:`anji_xl.io.read_book`, Excel through xlwings, a worksheet
function's range). The header is the grid's first non-blank row; header cells match on their
first token, case-insensitively (``weight 权重`` is ``weight``). Every problem is collected with its
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
from array import array
from itertools import chain
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from typing import Callable

import numpy as np
import pandas as pd

from ..cells import as_typed_number, column_letters, column_number, is_blank, named
from ..engine import IndexResult, compute, period_key
from ..messages import say
from ..model import AnjiInputError, Model, Panel, Problem, Settings, parse_direction, parse_method

INDICATOR_COLUMNS = (
    "id", "dimension", "area", "name", "name_en", "unit", "direction",
    "method", "reference", "lower", "upper", "transform", "weight", "source",
)
_REQUIRED = {"Indicators": ("id", "dimension", "direction", "weight"), "Data": ("unit", "period"), "Settings": ("key", "value")}
_DATA_EXTRA = {"source", "note", "notes"}  # Data columns that describe a row, not an indicator
ROW_NOTE_KEYS = ("source", "note")  # those whose words the report shows beside a row's numbers
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
    """A sheet's table: header keys → column letters and positions in a row of cells, and its
    non-blank rows below the header (row number, cells)."""

    sheet: str
    columns: dict[str, str]
    positions: dict[str, int]
    body: list[tuple[int, list[object]]]
    header_row: int

    @cached_property
    def rows(self) -> list[tuple[int, dict[str, object]]]:
        """The rows as (row number, header key → cell)."""
        return [(row, {key: cells[pos] if pos < len(cells) else None for key, pos in self.positions.items()}) for row, cells in self.body]

    def column(self, key: str, rows: list[list[object]] | None = None) -> list[object]:
        """The cells of a column in every row, or in these rows of cells."""
        pos = self.positions[key]
        rows = list(map(itemgetter(1), self.body)) if rows is None else rows
        if min(map(len, rows), default=0) > pos:  # every row reaches the column, as a range's rows do
            return list(map(itemgetter(pos), rows))
        return [cells[pos] if pos < len(cells) else None for cells in rows]

    def cell(self, key: str, row: int) -> str:
        return f"{self.sheet}!{self.columns[key]}{row}"


#: Header words of each table besides its keys (compared after NFKC, lower case, without a
#: bracketed note: ``权重（%）`` is 权重). The evaluated unit (地区, 评价单位) and an indicator's unit
#: of measure (计量单位) have names of their own; a bare 单位 means the one its table holds.
HEADER_NAMES = {
    "Indicators": {"编号": "id", "指标编号": "id", "维度": "dimension", "重点领域": "area", "名称": "name", "指标名称": "name",
                   "英文名称": "name_en", "计量单位": "unit", "单位": "unit", "方向": "direction", "指标方向": "direction",
                   "方法": "method", "计分方法": "method", "参考值": "reference", "目标值": "reference", "下限": "lower",
                   "上限": "upper", "变换": "transform", "权重": "weight", "来源": "source", "数据来源": "source"},
    "Data": {"地区": "unit", "评价单位": "unit", "单位": "unit", "时期": "period", "年份": "period", "年度": "period",
             "来源": "source", "数据来源": "source", "备注": "note", "说明": "note"},
    "Settings": {"设置项": "key", "值": "value"},
}
#: Header words of an indicator's unit of measure, which Data would otherwise take for nothing.
_MEASURE_NAMES = {word for word, key in HEADER_NAMES["Indicators"].items() if key == "unit"} - set(HEADER_NAMES["Data"])
_KEYS = {"Indicators": INDICATOR_COLUMNS, "Data": ("unit", "period", *_DATA_EXTRA), "Settings": ("key", "value")}
_BRACKETED = re.compile(r"\s*[(\[【].*$")


def header_key(text: object, table: str = "") -> str:
    """The key of a header cell: its first token, lower case (``'weight 权重'`` → ``'weight'``); in
    ``table`` (Indicators, Data, Settings) its Chinese name too (``'权重'``, ``'权重 weight'`` →
    ``'weight'``)."""
    parts = str(text).split() if text is not None else []
    if not parts:
        return ""
    first = parts[0].lower()
    word = _BRACKETED.sub("", unicodedata.normalize("NFKC", first))
    return word if word in _KEYS.get(table, ()) else HEADER_NAMES.get(table, {}).get(word, first)


def block_from_grid(sheet: str, grid: list[list[object]], problems: list[Problem], first_row: int = 1, first_col: int = 1,
                    table: str | None = None) -> _Block:
    """A table from a grid of cell values whose first non-blank row is the header.

    ``first_row`` / ``first_col`` place the grid on its sheet so problems name real cells;
    ``table`` says which table it is (Indicators, Data, Settings: their Chinese header names are
    read), by default the sheet's name.
    """
    table = table or next((name for name in HEADER_NAMES if name.lower() == sheet.lower()), "")
    offset = next((k for k, row in enumerate(grid) if any(not is_blank(v) for v in row)), 0)  # all blank: the header is missing from the first row
    header_row = first_row + offset
    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    for k, text in enumerate(grid[offset] if offset < len(grid) else ()):
        key = header_key(text, table)
        if not key:
            continue
        letter = column_letters(first_col + k)
        if key in columns:
            problems.append(Problem(f"{sheet}!{letter}{header_row}", say("column_twice", key=key, other=columns[key])))
        else:
            columns[key], positions[key] = letter, k
    rows = grid[offset + 1:]
    firsts = [row[0] if row else None for row in rows]
    if set(map(type, firsts)) == {str} and all(map(str.strip, firsts)):  # each row starts with a label, as Data's do
        body = list(zip(range(header_row + 1, header_row + 1 + len(rows)), rows))
    else:
        body = [(header_row + 1 + k, row) for k, row in enumerate(rows) if not all(map(is_blank, row))]
    return _Block(sheet, columns, positions, body, header_row)


def cell_number(value: object) -> tuple[float, str]:
    """A cell as a number and how it was read: ``number``, ``blank``, ``text`` (a number stored
    as text: NFKC, a minus sign −, thousands separators, a trailing % divides by 100, a leading apostrophe),
    ``no_data`` (a mark of no data: NaN) or ``bad`` (not a number: NaN)."""
    if isinstance(value, bool):
        return math.nan, "bad"
    if isinstance(value, (int, float)):
        return (float(value), "number") if math.isfinite(value) else (math.nan, "bad")
    if is_blank(value):
        return math.nan, "blank"
    text = unicodedata.normalize("NFKC", str(value)).replace("\u2212", "-").strip()  # NFKC keeps the minus sign −
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


def _number(value: object, where: str, reading: Reading, row: tuple[str, str] | None = None) -> float:
    """A numeric cell as float (NaN where there is none), noting how it was read; ``row``: the
    (unit, period) of a Data cell, which a problem here leaves without numbers."""
    number, kind = cell_number(value)
    if kind == "bad":
        reading.problems.append(Problem(where, say("not_a_number", value=value), row))
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
        if key not in ("unit", "period") and key not in _DATA_EXTRA | _MEASURE_NAMES and key not in {i.lower() for i in ids}:
            problems.append(Problem(f"{block.sheet}!{letter}{block.header_row}", say("data_column_unknown", key=key)))
    by_lower = {key: key for key in block.columns}
    columns = {i: by_lower.get(i.lower()) for i in ids}
    for ident, key in columns.items():
        if key is None:
            problems.append(Problem(f"{block.sheet}!{block.header_row}:{block.header_row}", say("no_data_column", ident=ident)))
    present = [i for i in ids if columns[i] is not None]
    # Rows first (their labels), then the values: a block of numbers becomes an array at once.
    # What needs a word (a problem, a number stored as text) is said in the order of the cells,
    # row by row, as a statistician reads the sheet.
    index, kept, row_of, said = _row_labels(block)
    kept_cells = list(map(itemgetter(1), block.body)) if len(kept) == len(block.body) else [block.body[k][1] for k in kept]
    positions = [block.positions[columns[ident]] for ident in present]
    matrix = _numbers_at_once(kept_cells, positions)
    if matrix is None:  # text, blanks or marks among the numbers: column by column
        matrix = np.empty((len(kept), len(present)), order="F")
        by_column = list(zip(*kept_cells)) if len(set(map(len, kept_cells))) == 1 else []  # a range's rows: transposed at once
        for j, ident in enumerate(present):
            cells = by_column[positions[j]] if positions[j] < len(by_column) else block.column(columns[ident], kept_cells)
            matrix[:, j] = cells if set(map(type, cells)) <= {float} else [v if type(v) is float else math.nan for v in cells]
        del by_column
    said += [(kept[n], j, n) for n, j in zip(*np.nonzero(~np.isfinite(matrix)))]  # not a number, or not finite: read it again
    for k, j, what in sorted(said, key=lambda item: item[:2]):
        if j < 0:
            problems.append(what)
        else:
            row, key = block.body[k][0], index[what]
            matrix[what, j] = _number(block.column(columns[present[j]], [kept_cells[what]])[0], block.cell(columns[present[j]], row), reading, key)
    _case_only_twins(block, index, row_of, problems)
    values = pd.DataFrame(matrix, index=pd.MultiIndex.from_tuples(index, names=["unit", "period"]), columns=present, copy=False)
    return values, row_of


def _row_labels(block: _Block) -> tuple[list[tuple[str, str]], list[int], dict[tuple[str, str], int], list[tuple[int, int, Problem]]]:
    """Data's row labels: the (unit, period) of each row kept, the rows' positions in the body,
    (unit, period) → Excel row, and (position, -1, problem) for each row left out or doubtful."""
    units, periods = _Labels(_unit_read), _Labels(_period_read)
    unit_cells, period_cells = block.column("unit"), block.column("period")
    unit_labels = list(map(units.__getitem__, zip(map(type, unit_cells), unit_cells)))
    period_reads = list(map(periods.__getitem__, zip(map(type, period_cells), period_cells)))
    rows = list(map(itemgetter(0), block.body))
    if None not in units.values() and None not in periods.values() and all(placed for _, placed in periods.values()):
        keys = list(zip(unit_labels, [label for label, _ in period_reads]))
        row_of = dict(zip(keys, rows))
        if len(row_of) == len(keys):  # every row labelled, placed and once: nothing to say
            return keys, list(range(len(keys))), row_of, []
    index, kept, row_of, said = [], [], {}, []
    for k, (row, unit_label, period_read) in enumerate(zip(rows, unit_labels, period_reads)):
        if unit_label is None or period_read is None:
            blank = "unit" if unit_label is None else "period"
            said.append((k, -1, Problem(block.cell(blank, row), say("label_blank", key=blank))))
            continue
        label, placed = period_read
        key = (unit_label, label)
        if key in row_of:
            said.append((k, -1, Problem(block.cell("period", row), say("row_twice", unit=key[0], period=key[1], row=row_of[key]), key)))
            continue
        if not placed:  # it would have no place among the unit's periods
            said.append((k, -1, Problem(block.cell("period", row), say("period_unplaced", period=key[1]), key)))
        row_of[key] = row
        index.append(key)
        kept.append(k)
    return index, kept, row_of, said


def _numbers_at_once(rows: list[list[object]], positions: list[int]) -> np.ndarray | None:
    """The cells at ``positions`` of every row as one array (rows × positions, Fortran order),
    when every one of them is a number (float), as a book's values mostly are; else None.

    ``array("d")`` takes the cells in one pass and refuses text and blanks (None); of what else it
    takes, only a bool would be read differently (TRUE is not a number), and a bool reads as 0 or 1:
    only cells of those values are looked at. (An int is a number either way.)"""
    if not rows or not positions:
        return None
    first, last = min(positions), max(positions) + 1
    if min(map(len, rows)) < last:
        return None
    cells = list(chain.from_iterable(row[first:last] for row in rows))
    try:
        flat = np.frombuffer(array("d", cells), dtype=float)
    except (TypeError, OverflowError):  # text or a blank among them (or an int beyond a float's range)
        return None
    if any(cells[k].__class__ is bool for k in np.flatnonzero((flat == 0) | (flat == 1)).tolist()):
        return None
    block = flat.reshape(len(rows), last - first)
    wanted = [pos - first for pos in positions]
    return np.asfortranarray(block if wanted == list(range(last - first)) else block[:, wanted])


class _Labels(dict):
    """(type, value) of a cell → what ``read`` makes of the value, read once: Data repeats its
    units and periods (30,000 rows hold a few thousand units and ten periods)."""

    def __init__(self, read: Callable[[object], object]):
        super().__init__()
        self.read = read

    def __missing__(self, cell: tuple[type, object]) -> object:
        self[cell] = made = self.read(cell[1])
        return made


def _unit_read(value: object) -> str | None:
    """A unit's label, None for a blank cell. The label is a copy: the cell's own string, kept,
    would pin the memory of the cells read around it (30 MiB of a 30,000-row Data sheet)."""
    return None if is_blank(value) else _label(value).translate({})  # translate: a copy that cannot fail


def _period_read(value: object) -> tuple[str, bool] | None:
    """A period's label and whether it has a place in time; None for a blank cell."""
    if is_blank(value):
        return None
    label = period_label(value)
    return label, period_key(label) is not None


def _case_only_twins(block: _Block, keys: list[tuple[str, str]], row_of: dict[tuple[str, str], int], problems: list[Problem]) -> None:
    """Units that differ only in case (Anji / ANJI) are one unit to Excel's SUMIFS, COUNTIFS and
    look-ups, so the sheets would merge them: a problem naming both cells."""
    units = [unit for unit, _ in keys]
    spellings: dict[str, list[str]] = {}
    for unit in dict.fromkeys(units):  # in Data's order
        spellings.setdefault(unit.casefold(), []).append(unit)
    twins = [found for found in spellings.values() if len(found) > 1]
    if not twins:
        return
    first_key = dict(zip(reversed(units), reversed(keys)))  # each unit's first row: written last
    cell = lambda unit: block.cell("unit", row_of[first_key[unit]])  # noqa: E731
    for first, *others in twins:
        for unit in others:
            problems.append(Problem(cell(unit), say("case_twins", unit=unit, first=first, cell=cell(first))))


def _has_required(block: _Block | None, name: str, problems: list[Problem]) -> bool:
    if block is None:
        return False
    missing = [key for key in _REQUIRED[name] if key not in block.columns]
    if name == "Data":  # said first: it is why Data has no unit column when it has none
        problems += [Problem(block.cell(key, block.header_row), say("unit_of_measure_in_data", key=key))
                     for key in block.columns if key in _MEASURE_NAMES]
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
    notes: dict[tuple[str, str], str] = field(default_factory=dict)  # what the source and note cells say of a row, when asked for


def _row_notes(block: _Block, row_of: dict[tuple[str, str], int]) -> dict[tuple[str, str], str]:
    """(unit, period) → the texts of a row's source and note cells (:data:`ROW_NOTE_KEYS`),
    joined by "; ", for the rows read; a cell as typed (2021, not 2021.0), blank ones left out."""
    positions = [block.positions[key] for key in ROW_NOTE_KEYS if key in block.positions]
    if not positions:
        return {}
    key_of = {row: key for key, row in row_of.items()}
    notes = {}
    for row, cells in block.body:
        texts = [text for pos in positions if pos < len(cells) and (text := _text(as_typed_number(cells[pos])))]
        if texts and row in key_of:
            notes[key_of[row]] = "; ".join(texts)
    return notes


@dataclass(frozen=True)
class BookTables:
    """What a book's tables hold, and where Data holds it."""

    model: Model
    panel: Panel
    data: DataLayout


def inspect_tables(indicators: _Block | None, data: _Block | None, settings: _Block | None, reading: Reading,
                   row_notes: bool = False) -> BookTables | None:
    """Model and panel from the three tables, every problem into ``reading``; None when the
    model (Indicators, Settings) or Data's header is not usable for a computation. ``row_notes``:
    the layout keeps what Data's source and note cells say of each row (for the report)."""
    before = len(reading.problems)
    model = read_model(indicators, settings, reading)
    usable = model is not None and len(reading.problems) == before
    if model is None or not _has_required(data, "Data", reading.problems):
        return None
    values, row_of = read_data(data, list(model.indicators.index), reading)
    if not data.body:
        reading.problems.append(Problem(f"{data.sheet}!{data.header_row + 1}:{data.header_row + 1}", say("no_rows")))
        return None
    letters = {i: data.columns[i.lower()] for i in model.indicators.index if i.lower() in data.columns}
    sheet = data.sheet  # not the block: its cells need not outlive reading
    panel = Panel(values, lambda unit, period, ident: f"{sheet}!{letters[ident]}{row_of[(unit, period)]}" if ident in letters else "",  # no column: no cell
                  reading.warnings())
    layout = DataLayout(data.sheet, data.header_row, data.columns["unit"], data.columns["period"], letters, row_of,
                        _row_notes(data, row_of) if row_notes else {})
    return BookTables(model, panel, layout) if usable else None


def every_problem(tables: BookTables | None, problems: list[Problem]) -> tuple[IndexResult | None, list[Problem]]:
    """The reader's problems and, where the tables are usable, the engine's — all in one pass,
    each cell once (a cell that is not a number is not also a missing value). The result has no
    numbers in a row without an index or with a problem, the reader's included (the engine alone
    would take an unreadable cell for a missing value)."""
    if tables is None:
        return None, problems
    result = compute(tables.model, tables.panel)
    reported = [_SPAN.match(p.where) for p in problems]
    reported = [(m["sheet"], column_number(m["c1"]), int(m["r1"])) for m in reported if m and not m["c2"]]
    problems = problems + [p for p in result.problems if not _covers(p.where, reported)]
    unusable = {p.row for p in problems if p.row is not None} | set(result.rows[result.index.isna()])
    return result.blank_rows(unusable), problems


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


Edges = tuple[str, object, list[object]]  # a table's name, the cell right of its header, the row right under it


def table_edge_problems(sheet: str, table: str, first_col: int, header_row: int, last_col: int, last_row: int,
                        beside: object, below: list[object]) -> list[Problem]:
    """A column typed right beside a table (its header cell filled) or a row right under it, that
    the program did not take into the table, looks like part of it but is not: a problem at its
    cell rather than silence (columns and rows after a blank one are deliberately outside)."""
    problems = []
    if not is_blank(beside):
        problems.append(Problem(f"{sheet}!{column_letters(last_col + 1)}{header_row}", say("beside_table", table=table)))
    filled = next((k for k, value in enumerate(below) if not is_blank(value)), None)
    if filled is not None:
        problems.append(Problem(f"{sheet}!{column_letters(first_col + filled)}{last_row + 1}", say("below_table", table=table)))
    return problems


def inspect_grid_tables(grids: dict[str, tuple[list[list[object]], int, int] | tuple[list[list[object]], int, int, Edges] | None],
                        row_notes: bool = False, sheets: bool = False) -> tuple[BookTables | None, list[Problem]]:
    """Tables (None if unusable) and every problem of cell grids handed over by Excel: sheet
    title (Data, or data: case is ignored) → (grid, first row, first column), with :data:`Edges`
    for a table's whole range, or None for an absent sheet; problems name the grids' real cells,
    on the sheets so titled. ``row_notes``: see :func:`inspect_tables`. ``sheets``: the grids are
    a book's sheets, and a book without an Indicators or Data sheet is told so, as the reader tells it."""
    reading = Reading()
    blocks = []
    for name in ("Indicators", "Data", "Settings"):
        title = named(name, grids)
        if title is None or grids[title] is None:
            if sheets and name != "Settings":
                reading.problems.append(Problem(name, say("no_sheet", name=name)))
            blocks.append(None)
            continue
        grid, first_row, first_col, *edges = grids[title]
        if edges:
            table, beside, below = edges[0]
            last_col, last_row = first_col + max(map(len, grid), default=1) - 1, first_row + len(grid) - 1
            reading.problems += table_edge_problems(title, table, first_col, first_row, last_col, last_row, beside, below)
        blocks.append(block_from_grid(title, grid, reading.problems, first_row, first_col, name))
    return inspect_tables(*blocks, reading, row_notes), reading.problems


def read_grid_tables(grids: dict[str, tuple[list[list[object]], int, int] | None]) -> BookTables:
    """:func:`inspect_grid_tables`, raising AnjiInputError listing every problem."""
    return tables_or_raise(*inspect_grid_tables(grids))


def read_grids(grids: dict[str, tuple[list[list[object]], int, int] | None]) -> tuple[Model, Panel]:
    """Model and panel from cell grids handed over by Excel (see :func:`read_grid_tables`)."""
    tables = read_grid_tables(grids)
    return tables.model, tables.panel
