"""A sheet's table as cells: its header, its rows, and Data's rows made into arrays as they are read.

No pandas and no spreadsheet library, so a book's reading thread uses this while the main thread
loads the engine. The header is a table's first non-blank row; header cells match on their first
token, case-insensitively (``weight 权重`` is ``weight``). Data's rows are kept as what the parser
needs of them (:class:`DataRows`): the numbers of a piece of rows are written into one array before
the next piece is read, so a sheet of 30,000 rows is never held as a Python object per cell.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from array import array
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from operator import itemgetter
from typing import Callable

import numpy as np

from ..cells import as_typed_number, column_letters, is_blank
from ..messages import say
from ..model import Problem

INDICATOR_COLUMNS = (
    "id", "dimension", "area", "name", "name_en", "unit", "direction",
    "method", "reference", "lower", "upper", "transform", "weight", "source",
)
DATA_EXTRA = {"source", "note", "notes"}  # Data columns that describe a row, not an indicator
ROW_NOTE_KEYS = ("source", "note")  # those whose words the report shows beside a row's numbers


def as_is(value: object) -> object:
    """The cell itself: how a cell already as the reader takes it is read (see ``typed`` below)."""
    return value


@dataclass
class Block:
    """A sheet's table: header keys → column letters and positions in a row of cells, and its
    non-blank rows below the header (row number, cells)."""

    sheet: str
    columns: dict[str, str]
    positions: dict[str, int]
    body: list[tuple[int, list[object]]]
    header_row: int
    typed: Callable[[object], object] = as_is  # a body cell as read (see DataRows)

    @cached_property
    def rows(self) -> list[tuple[int, dict[str, object]]]:
        """The rows as (row number, header key → cell)."""
        return [(row, {key: cells[pos] if pos < len(cells) else None for key, pos in self.positions.items()}) for row, cells in self.body]

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
MEASURE_NAMES = {word for word, key in HEADER_NAMES["Indicators"].items() if key == "unit"} - set(HEADER_NAMES["Data"])
_KEYS = {"Indicators": INDICATOR_COLUMNS, "Data": ("unit", "period", *DATA_EXTRA), "Settings": ("key", "value")}
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


def label_text(value: object) -> str:
    """A unit label as text: 2020.0 → '2020', dates as ISO dates."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return str(value).strip()


def cell_text(value: object) -> str:
    """A cell as stripped text ("" for None)."""
    return "" if value is None else str(value).strip()


_ERROR_CODES_BELOW = -2_146_826_000  # Excel (COM) hands an error over as an int below this (#N/A: −2146826246)


def _numbers_at_once(rows: list[list[object]], positions: list[int], out: np.ndarray) -> bool:
    """Whether every cell at ``positions`` of every row is a number (float), as a book's values
    mostly are; if so they are written to ``out`` (rows × positions).

    ``array("d")`` takes the cells in one pass and refuses text and blanks (None); of what else it
    takes, a bool would be read differently (TRUE is not a number), and so would an int that is an
    error Excel handed over as its code (cells taken as they come, as ANJI_TABLE takes Data): a
    bool reads as 0 or 1 and an error code below :data:`_ERROR_CODES_BELOW`, so only cells of
    those values are looked at. (Any other int is a number either way.)"""
    if not rows or not positions:
        return False
    first, last = min(positions), max(positions) + 1
    if min(map(len, rows)) < last:
        return False
    cells = list(chain.from_iterable(row[first:last] for row in rows))
    try:
        flat = np.frombuffer(array("d", cells), dtype=float)
    except (TypeError, OverflowError):  # text or a blank among them (or an int beyond a float's range)
        return False
    looked_at = np.flatnonzero((flat == 0) | (flat == 1) | (flat < _ERROR_CODES_BELOW)).tolist()
    if any(cells[k].__class__ is bool or (cells[k].__class__ is int and cells[k] < _ERROR_CODES_BELOW) for k in looked_at):
        return False
    block = flat.reshape(len(rows), last - first)
    wanted = [pos - first for pos in positions]
    out[:] = block if wanted == list(range(last - first)) else block[:, wanted]
    return True


class Labels(dict):
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
    return None if is_blank(value) else label_text(value).translate({})  # translate: a copy that cannot fail


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


def header_columns(sheet: str, cells: list[object], header_row: int, first_col: int, table: str,
                   problems: list[Problem]) -> tuple[dict[str, str], dict[str, int]]:
    """A header row's keys → column letters and positions in the row; a key twice is a problem
    at its second cell."""
    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    for k, text in enumerate(cells):
        key = header_key(text, table)
        if not key:
            continue
        letter = column_letters(first_col + k)
        if key in columns:
            problems.append(Problem(f"{sheet}!{letter}{header_row}", say("column_twice", key=key, other=columns[key])))
        else:
            columns[key], positions[key] = letter, k
    return columns, positions


def block_from_grid(sheet: str, grid: list[list[object]], problems: list[Problem], first_row: int = 1, first_col: int = 1,
                    table: str | None = None, typed: Callable[[object], object] = as_is) -> Block:
    """A table from a grid of cell values whose first non-blank row is the header.

    ``first_row`` / ``first_col`` place the grid on its sheet so problems name real cells;
    ``table`` says which table it is (Indicators, Data, Settings: their Chinese header names are
    read), by default the sheet's name; ``typed``: a cell as read, for cells handed over as they
    come (the header is read so here, Data's rows by :class:`DataRows`).
    """
    table = table or next((name for name in HEADER_NAMES if name.lower() == sheet.lower()), "")
    offset = _first_filled(grid) or 0  # all blank: the header is missing from the first row
    header_row = first_row + offset
    header = [typed(value) for value in grid[offset]] if offset < len(grid) else []
    columns, positions = header_columns(sheet, header, header_row, first_col, table, problems)
    rows = grid[offset + 1:]
    kept = _non_blank(rows)
    body = list(zip(range(header_row + 1, header_row + 1 + len(rows)), rows)) if kept is None else [(header_row + 1 + k, rows[k]) for k in kept]
    return Block(sheet, columns, positions, body, header_row, typed)


def _first_filled(rows: list[list[object]]) -> int | None:
    """The place of the first row that is not blank (a table's header), None for none."""
    return next((k for k, row in enumerate(rows) if not all(map(is_blank, row))), None)


def _non_blank(rows: list[list[object]]) -> list[int] | None:
    """The places of the rows that are not blank; None: every row, each starting with a label (as Data's do)."""
    firsts = [row[0] if row else None for row in rows]
    if set(map(type, firsts)) == {str} and all(map(str.strip, firsts)):
        return None
    return [k for k, row in enumerate(rows) if not all(map(is_blank, row))]


def _column(rows: list[list[object]], pos: int) -> list[object]:
    """The cells at ``pos`` of the rows (None where a row is shorter)."""
    if min(map(len, rows), default=0) > pos:  # every row reaches the column, as a range's rows do
        return list(map(itemgetter(pos), rows))
    return [cells[pos] if pos < len(cells) else None for cells in rows]


@dataclass
class DataBlock:
    """Data's table as the parser needs it: the header (as a :class:`Block`'s) and, for each
    non-blank row below it, its Excel row, its unit's label and its period cell, the numbers of
    the columns that may hold indicators (``numeric``; one array of every row, made when the block
    is finished; NaN where a cell is not a number), those columns' cells that are neither numbers
    nor blank, and what the row's source and note cells say (when asked for)."""

    sheet: str
    columns: dict[str, str]
    positions: dict[str, int]
    header_row: int
    numeric: list[str] = field(default_factory=list)
    rows: array = field(default_factory=lambda: array("q"))  # Excel rows: not an int object each, strewn among the pieces' cells as they were read
    units: list[str | None] = field(default_factory=list)
    periods: list[object] = field(default_factory=list)
    numbers: np.ndarray | None = None  # rows × numeric columns
    odd: list[tuple[int, int, object]] = field(default_factory=list)  # (row's place, numeric column's place, cell)
    notes: dict[int, str] = field(default_factory=dict)  # Excel row → its source and note texts, joined by "; "

    def cell(self, key: str, row: int) -> str:
        return f"{self.sheet}!{self.columns[key]}{row}"


class DataRows:
    """Data's table made into a :class:`DataBlock` a piece of rows at a time (:meth:`add`), so
    only a piece's cells are ever Python objects at once.

    ``wanted``: the keys of the columns read as numbers (the indicators' ids, lower case);
    ``notes``: keep what the source and note cells say; ``typed``: a cell as typed, for the header,
    the labels and the cells that are not numbers (python-calamine's dates become datetimes, as
    openpyxl reads them); ``rows_expected``: how many rows the table's range holds, if known."""

    def __init__(self, sheet: str, first_row: int, first_col: int, wanted: Collection[str], notes: bool = False,
                 typed: Callable[[object], object] = as_is, rows_expected: int = 0):
        self.sheet, self.first_row, self.first_col, self.rows_expected = sheet, first_row, first_col, rows_expected
        self.wanted, self.want_notes, self.typed = wanted, notes, typed
        self.problems: list[Problem] = []  # the header's
        self.block: DataBlock | None = None
        self._units = Labels(lambda value: _unit_read(typed(value)))
        self._periods = Labels(typed)  # one object per distinct cell

    @classmethod
    def of_block(cls, block: Block, wanted: Collection[str], notes: bool = False) -> DataBlock:
        """A :class:`Block` of Data as a :class:`DataBlock`."""
        rows = cls(block.sheet, block.header_row, 1, wanted, notes, block.typed)
        rows.start(block.header_row, block.columns, block.positions)
        rows.add_body(list(map(itemgetter(0), block.body)), list(map(itemgetter(1), block.body)))
        return rows.finish()

    def add(self, top: int, rows: list[list[object]]) -> None:
        """Rows of the table's cells (from its first column), the first of them in Excel row
        ``top``, each row after those added before; the first non-blank row is the header."""
        if self.block is None:
            k = _first_filled(rows)
            if k is None:
                return
            header = [self.typed(value) for value in rows[k]]
            self.start(top + k, *header_columns(self.sheet, header, top + k, self.first_col, "Data", self.problems))
            top, rows = top + k + 1, rows[k + 1:]
        kept = _non_blank(rows)
        if kept is None:
            self.add_body(range(top, top + len(rows)), rows)
        else:
            self.add_body([top + k for k in kept], [rows[k] for k in kept])

    def finish(self) -> DataBlock:
        """The block; a table without a non-blank row has its header, without keys, in its first row."""
        if self.block is None:
            self.start(self.first_row, {}, {})
        rows = len(self.block.rows)
        self.block.numbers = self._room(rows, len(self.block.numeric))[:rows]
        return self.block

    def start(self, header_row: int, columns: dict[str, str], positions: dict[str, int]) -> None:
        numeric = [key for key in positions if key in self.wanted]
        self.block = DataBlock(self.sheet, columns, positions, header_row, numeric)
        self._numbers: np.ndarray | None = None  # rows × numeric columns, grown in place as pieces come (see _room)
        self._notes_at = [positions[key] for key in ROW_NOTE_KEYS if key in positions] if self.want_notes else []

    def _room(self, count: int, width: int) -> np.ndarray:
        """The numbers' array (C order) with room for ``count`` rows: made for the rows expected,
        so Data's numbers are held once as they are read (a list of pieces put together at the end
        held them twice, and left the pieces' memory scattered), and grown by half again at least
        where more come (NumPy's resize: a reallocation, which glibc makes by moving a big block's
        pages rather than copying them)."""
        if self._numbers is None:
            self._numbers = np.empty((max(count, self.rows_expected), width))
        elif count > len(self._numbers):
            self._numbers.resize((max(count, len(self._numbers) * 3 // 2), width), refcheck=False)  # no view of it is alive
        return self._numbers

    def add_body(self, numbers: Sequence[int], rows: list[list[object]]) -> None:
        """Non-blank rows of cells below the header, at these Excel row numbers."""
        block = self.block
        if not rows:
            return
        placed = len(block.rows)
        block.rows.extend(numbers)
        if "unit" in block.positions and "period" in block.positions:
            units, periods = _column(rows, block.positions["unit"]), _column(rows, block.positions["period"])
            block.units += map(self._units.__getitem__, zip(map(type, units), units))
            block.periods += map(self._periods.__getitem__, zip(map(type, periods), periods))
        positions = [block.positions[key] for key in block.numeric]
        piece = self._room(placed + len(rows), len(positions))[placed:placed + len(rows)]
        if not _numbers_at_once(rows, positions, piece):  # text, blanks or marks among the numbers: column by column
            for j, pos in enumerate(positions):
                cells = _column(rows, pos)
                piece[:, j] = cells if set(map(type, cells)) <= {float} else [v if v.__class__ is float else math.nan for v in cells]
        for n, j in zip(*(place.tolist() for place in np.nonzero(~np.isfinite(piece)))):  # not a number: read again later
            cell = rows[n][positions[j]] if positions[j] < len(rows[n]) else None
            if not is_blank(cell):
                block.odd.append((placed + n, j, self.typed(cell)))
        del piece  # a view of the numbers, which must not outlive their growing
        for row, cells in zip(numbers, rows) if self._notes_at else ():
            texts = [text for pos in self._notes_at if pos < len(cells) and (text := cell_text(as_typed_number(self.typed(cells[pos]))))]
            if texts:
                block.notes[row] = "; ".join(texts)
