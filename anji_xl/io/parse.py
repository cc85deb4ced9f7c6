"""Grids of cell values → the engine's model and panel (SPEC §4), as statisticians type them.

Pure Python: no spreadsheet library. A grid is a list of rows of cell values, wherever they come
from (python-calamine in :mod:`anji_xl.io.read_book`, Excel through xlwings, a worksheet
function's range), made into tables by :mod:`anji_xl.io.blocks` (Data's rows into arrays as they
are read). Every problem is collected with its
``Sheet!Cell``; the strict readers raise them together as one
:class:`~anji_xl.model.AnjiInputError`, the ``inspect_*`` ones hand them back with the tables
where the model is still usable, so the engine's problems can be listed in the same pass.

Cells are read as a statistician means them: numbers stored as text (``'0.8517``, ``1,234.5``,
``85%``, full-width ``０.８５``) as numbers, the no-data marks of Chinese yearbooks (—, -, /, NA,
N/A, 无, #N/A) as missing values, each with one warning listing the cells; periods ``2020年``,
``2020.0`` and `` 2020`` as 2020.
"""

from __future__ import annotations

import math
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..cells import column_number, is_blank, named
from ..engine import Computation, IndexResult, period_key
from ..messages import say
from ..model import AnjiInputError, Model, Panel, Problem, Settings, parse_direction, parse_method
from ..tables import IndicatorTable, PanelValues, RowLabels
from .blocks import (DATA_EXTRA, INDICATOR_COLUMNS, MEASURE_NAMES, Block, DataBlock, DataRows, Edges, Labels, as_is, block_from_grid, cell_text,
                     header_key, label_text, table_edge_problems)

_REQUIRED = {"Indicators": ("id", "dimension", "direction", "weight"), "Data": ("unit", "period"), "Settings": ("key", "value")}
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


def period_label(value: object) -> str:
    """A period as statisticians type it: 2020, 2020.0, '2020.0', ' 2020', '2020年', '２０２０' → '2020'."""
    text = unicodedata.normalize("NFKC", label_text(value)).strip()
    year = _YEAR.fullmatch(text)
    if year:
        return year.group(1)
    return str(int(float(text))) if _WHOLE.fullmatch(text) else text


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


def read_indicators(block: Block, reading: Reading) -> tuple[IndicatorTable, dict[tuple[str, str], str]]:
    """The indicator table, by id, with direction as ±1 and numeric fields as floats."""
    problems = reading.problems
    records, cells, seen = [], {}, {}
    for row, raw in block.rows:
        at = lambda key: block.cell(key, row) if key in block.columns else f"{block.sheet}!A{row}"  # noqa: E731
        ident = cell_text(raw.get("id"))
        if not ident:
            problems.append(Problem(at("id"), say("id_blank")))
            continue
        if len(ident.split()) > 1:
            problems.append(Problem(at("id"), say("id_spaces", ident=ident)))
        if ident in seen:
            problems.append(Problem(at("id"), say("id_twice", ident=ident, row=seen[ident])))
            continue
        seen[ident] = row
        record = {key: cell_text(raw.get(key)) for key in INDICATOR_COLUMNS}
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
    ids = [record.pop("id") for record in records]
    return IndicatorTable(ids, {key: [record[key] for record in records] for key in INDICATOR_COLUMNS if key != "id"}), cells


def read_data(block: Block | DataBlock, ids: list[str], reading: Reading) -> tuple[PanelValues, Mapping[tuple[str, str], int]]:
    """Data's values, rows labelled by (unit, period) with one float column per indicator, in Data's order."""
    if isinstance(block, Block):
        block = DataRows.of_block(block, {i.lower() for i in ids})
    problems = reading.problems
    for key, letter in block.columns.items():
        if key not in ("unit", "period") and key not in DATA_EXTRA | MEASURE_NAMES and key not in {i.lower() for i in ids}:
            problems.append(Problem(f"{block.sheet}!{letter}{block.header_row}", say("data_column_unknown", key=key)))
    columns = {i: i.lower() if i.lower() in block.columns else None for i in ids}
    for ident, key in columns.items():
        if key is None:
            problems.append(Problem(f"{block.sheet}!{block.header_row}:{block.header_row}", say("no_data_column", ident=ident)))
    present = [i for i in ids if columns[i] is not None]
    # Rows first (their labels), then the values, whose arrays were made as the rows were read.
    # What needs a word (a problem, a number stored as text) is said in the order of the cells,
    # row by row, as a statistician reads the sheet.
    index, kept, row_of, said = _row_labels(block)
    numeric = [block.numeric.index(columns[ident]) for ident in present]
    place = np.full(len(block.rows), -1)  # a row's place among the rows kept (-1: left out)
    place[kept] = np.arange(len(kept))
    matrix = _kept_numbers(block.numbers, place, numeric)
    of_numeric = {j: n for n, j in enumerate(numeric)}
    places = place.tolist()
    said += [(k, of_numeric[j], cell) for k, j, cell in block.odd if j in of_numeric and places[k] >= 0]  # not a number: read it again
    for k, j, what in sorted(said, key=lambda item: item[:2]):
        if j < 0:
            problems.append(what)
        else:
            n = places[k]
            matrix[n, j] = _number(what, block.cell(columns[present[j]], block.rows[k]), reading, index[n])
    _case_only_twins(block, index, row_of, problems)
    return PanelValues(matrix, present, index), row_of


def _kept_numbers(numbers: np.ndarray, place: np.ndarray, numeric: list[int]) -> np.ndarray:
    """The numbers of the rows kept (``place``: each row's place among them, -1 for a row left
    out) in the ``numeric`` columns: the block's own array where it holds just those, so Data's
    numbers are held once, not twice."""
    kept = place >= 0
    if kept.all() and numeric == list(range(numbers.shape[1])):
        return numbers
    return numbers[np.flatnonzero(kept)][:, numeric]


def _row_labels(block: DataBlock) -> tuple[RowLabels, list[int], Mapping[tuple[str, str], int], list[tuple[int, int, Problem]]]:
    """Data's row labels: the (unit, period) of each row kept, the rows' places in the block,
    (unit, period) → Excel row, and (place, -1, problem) for each row left out or doubtful."""
    periods = Labels(_period_read)
    unit_labels, rows = block.units, block.rows
    period_reads = list(map(periods.__getitem__, zip(map(type, block.periods), block.periods)))
    if None not in unit_labels and None not in periods.values() and all(placed for _, placed in periods.values()):
        index = RowLabels(unit_labels, [label for label, _ in period_reads])
        table = ExcelRows(index, rows)
        if table.once:  # every row labelled, placed and once: nothing to say
            return index, list(range(len(index))), table, []
    keys, kept, row_of, said = [], [], {}, []
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
        keys.append(key)
        kept.append(k)
    return RowLabels(*(zip(*keys) if keys else ([], []))), kept, row_of, said


class ExcelRows(Mapping[tuple[str, str], int]):
    """(unit, period) → the Excel row of Data's row so labelled, held as a table by the labels'
    codes: a dict of 30,000 (unit, period) tuples and their rows as Python objects took 3.7 MiB,
    as much as Data's numbers. Iterated in Data's order. (A panel whose units each have periods
    of their own, so that the table would be far bigger than the rows, keeps a dict.) ``once``:
    whether no two rows share their labels (else a label answers with its last row)."""

    def __init__(self, labels: RowLabels, rows: Sequence[int]):
        (unit_codes, units), (period_codes, periods) = labels.codes(0), labels.codes(1)
        self._labels, self._width = labels, len(periods)
        self._unit, self._period = (dict(zip(distinct, range(len(distinct)))) for distinct in (units, periods))
        self._rows = np.asarray(rows, dtype=np.int64)
        at = unit_codes.astype(np.int64) * self._width + period_codes
        if len(units) * len(periods) <= 4 * len(rows) + 1024:
            self._table: array | dict[int, int] = array("q", bytes(8 * len(units) * len(periods)))  # 0: no row so labelled
            table = np.frombuffer(self._table, dtype=np.int64)
            table[at] = self._rows
            self.once = np.count_nonzero(table) == len(rows)  # Excel rows are never 0
        else:
            self._table = dict(zip(at.tolist(), rows))
            self.once = len(self._table) == len(rows)

    def __getitem__(self, key: tuple[str, str]) -> int:
        try:
            unit, period = key
            row = self._table[self._unit[unit] * self._width + self._period[period]]
        except (KeyError, TypeError, ValueError):
            raise KeyError(key) from None
        if not row:
            raise KeyError(key)
        return row

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._rows)

    def values(self) -> list[int]:  # type: ignore[override] — the rows in Data's order, at once
        return self._rows.tolist()

    def items(self) -> Iterator[tuple[tuple[str, str], int]]:  # type: ignore[override]
        return zip(iter(self), self._rows.tolist())


def _period_read(value: object) -> tuple[str, bool] | None:
    """A period's label and whether it has a place in time; None for a blank cell."""
    if is_blank(value):
        return None
    label = period_label(value)
    return label, period_key(label) is not None


def _case_only_twins(block: DataBlock, index: RowLabels, row_of: Mapping[tuple[str, str], int], problems: list[Problem]) -> None:
    """Units that differ only in case (Anji / ANJI) are one unit to Excel's SUMIFS, COUNTIFS and
    look-ups, so the sheets would merge them: a problem naming both cells."""
    units = index.units.tolist()
    distinct = set(units)
    if len({unit.casefold() for unit in distinct}) == len(distinct):
        return
    spellings: dict[str, list[str]] = {}
    for unit in dict.fromkeys(units):  # in Data's order
        spellings.setdefault(unit.casefold(), []).append(unit)
    first_place = dict(zip(reversed(units), range(len(units) - 1, -1, -1)))  # each unit's first row: written last
    cell = lambda unit: block.cell("unit", row_of[index[first_place[unit]]])  # noqa: E731
    for first, *others in (found for found in spellings.values() if len(found) > 1):
        for unit in others:
            problems.append(Problem(cell(unit), say("case_twins", unit=unit, first=first, cell=cell(first))))


def _has_required(block: Block | None, name: str, problems: list[Problem]) -> bool:
    if block is None:
        return False
    missing = [key for key in _REQUIRED[name] if key not in block.columns]
    if name == "Data":  # said first: it is why Data has no unit column when it has none
        problems += [Problem(block.cell(key, block.header_row), say("unit_of_measure_in_data", key=key))
                     for key in block.columns if key in MEASURE_NAMES]
    for key in missing:
        problems.append(Problem(f"{block.sheet}!{block.header_row}:{block.header_row}", say("no_column", key=key)))
    return not missing


def read_settings(block: Block | None, reading: Reading) -> tuple[Settings, Callable[[str], str]]:
    """Settings from a key/value table (absent keys keep their defaults), and the cell of each
    key's value ("" for a key the table does not set)."""
    if block is None or not _has_required(block, "Settings", reading.problems):
        return Settings(), lambda key: ""
    raw, where = {}, {}
    for row, cells in block.rows:
        key = header_key(cells.get("key"))
        if key in raw:
            reading.problems.append(Problem(block.cell("key", row), say("setting_twice", key=key, other=where[key])))
        elif key:
            raw[key], where[key] = cells.get("value"), block.cell("value", row)
    def cell(key: str) -> str:
        return where.get(key, "")

    settings, setting_problems = Settings.from_mapping(raw, cell)
    reading.problems.extend(setting_problems)
    return settings, cell


def read_model(indicators: Block | None, settings: Block | None, reading: Reading) -> Model | None:
    """The model of an Indicators table and an optional Settings table (None if unreadable)."""
    config, settings_cell = read_settings(settings, reading)
    if not _has_required(indicators, "Indicators", reading.problems):
        return None
    table, cells = read_indicators(indicators, reading)
    if not len(table):
        reading.problems.append(Problem(f"{indicators.sheet}!{indicators.header_row + 1}:{indicators.header_row + 1}", say("no_indicators")))
    first_cell: dict[str, str] = {}
    for ident, dim in zip(table.ids, table.columns["dimension"]):
        if dim:
            first_cell.setdefault(dim, cells[(ident, "dimension")])
    typos = dimension_typos(first_cell, Counter(table.columns["dimension"]))
    return Model(table, config, lambda ident, key: cells.get((ident, key), ""), typos, settings_cell)


@dataclass(frozen=True)
class DataLayout:
    """Where Data's values sit on their sheet: the header row, the column letter of the unit, the
    period and each indicator id, and the row of each (unit, period) (Excel numbering)."""

    sheet: str
    header_row: int
    unit_column: str
    period_column: str
    columns: dict[str, str]
    rows: Mapping[tuple[str, str], int]
    notes: dict[tuple[str, str], str] = field(default_factory=dict)  # what the source and note cells say of a row, when asked for


def _row_notes(block: DataBlock, row_of: Mapping[tuple[str, str], int]) -> dict[tuple[str, str], str]:
    """(unit, period) → what the row's source and note cells say (see :class:`~anji_xl.io.blocks.DataRows`),
    for the rows read."""
    return {key: block.notes[row] for key, row in row_of.items() if row in block.notes}


@dataclass(frozen=True)
class BookTables:
    """What a book's tables hold, and where Data holds it."""

    model: Model
    panel: Panel
    data: DataLayout


def inspect_tables(indicators: Block | None, data: Block | DataBlock | None, settings: Block | None, reading: Reading,
                   row_notes: bool = False) -> BookTables | None:
    """Model and panel from the three tables, every problem into ``reading``; None when the
    model (Indicators, Settings) or Data's header is not usable for a computation. ``row_notes``:
    the layout keeps what Data's source and note cells say of each row (for the report; a
    :class:`DataBlock` keeps them when it is read, if asked)."""
    before = len(reading.problems)
    model = read_model(indicators, settings, reading)
    usable = model is not None and len(reading.problems) == before
    if model is None or not _has_required(data, "Data", reading.problems):
        return None
    if isinstance(data, Block):
        data = DataRows.of_block(data, {i.lower() for i in model.ids}, row_notes)
    values, row_of = read_data(data, model.ids, reading)
    if not data.rows:
        reading.problems.append(Problem(f"{data.sheet}!{data.header_row + 1}:{data.header_row + 1}", say("no_rows")))
        return None
    letters = {i: data.columns[i.lower()] for i in model.ids if i.lower() in data.columns}
    sheet = data.sheet  # not the block: its arrays need not outlive reading
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
    result = computation(tables, problems).result()
    return result, with_engine_problems(problems, result.problems)


def computation(tables: BookTables, problems: list[Problem]) -> Computation:
    """The engine's computation of the tables a block of rows at a time, the rows of the reader's
    problems left without numbers (see :func:`every_problem`)."""
    return Computation(tables.model, tables.panel, blank={p.row for p in problems if p.row is not None})


def with_engine_problems(problems: list[Problem], engine_problems: list[Problem]) -> list[Problem]:
    """The reader's problems, then the engine's that do not follow from one of them."""
    reported = [_SPAN.match(p.where) for p in problems]
    reported = [(m["sheet"], column_number(m["c1"]), int(m["r1"])) for m in reported if m and not m["c2"]]
    return problems + [p for p in engine_problems if not _covers(p.where, reported)]


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


def inspect_grid_tables(grids: dict[str, tuple[list[list[object]], int, int] | tuple[list[list[object]], int, int, Edges] | None],
                        row_notes: bool = False, sheets: bool = False,
                        data_typed: Callable[[object], object] = as_is) -> tuple[BookTables | None, list[Problem]]:
    """Tables (None if unusable) and every problem of cell grids handed over by Excel: sheet
    title (Data, or data: case is ignored) → (grid, first row, first column), with :data:`Edges`
    for a table's whole range, or None for an absent sheet; problems name the grids' real cells,
    on the sheets so titled. ``row_notes``: see :func:`inspect_tables`. ``sheets``: the grids are
    a book's sheets, and a book without an Indicators or Data sheet is told so, as the reader tells it.
    ``data_typed``: a cell of Data's grid as read, where the grid holds its cells as they came
    (ANJI_TABLE's Data: only the header, the row labels and the cells that are not numbers are read so)."""
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
        blocks.append(block_from_grid(title, grid, reading.problems, first_row, first_col, name, data_typed if name == "Data" else as_is))
    return inspect_tables(*blocks, reading, row_notes), reading.problems


def read_grid_tables(grids: dict[str, tuple[list[list[object]], int, int] | None],
                     data_typed: Callable[[object], object] = as_is) -> BookTables:
    """:func:`inspect_grid_tables`, raising AnjiInputError listing every problem."""
    return tables_or_raise(*inspect_grid_tables(grids, data_typed=data_typed))


def read_grids(grids: dict[str, tuple[list[list[object]], int, int] | None],
               data_typed: Callable[[object], object] = as_is) -> tuple[Model, Panel]:
    """Model and panel from cell grids handed over by Excel (see :func:`read_grid_tables`)."""
    tables = read_grid_tables(grids, data_typed)
    return tables.model, tables.panel
