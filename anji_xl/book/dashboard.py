"""The Dashboard sheet: the chosen unit and period, its index and rank, its dimension scores
(radar), its index over every period (line) and its largest potential gains (bar).

Every number is a native look-up in Results by name (unit, period, dimension), so the sheet
follows Results whatever its size: the tables have room for ``MAX_PERIODS`` periods and
``MAX_DIMENSIONS`` dimensions and show blanks beyond the data. Only the charts' ranges depend on
how many there are; ``chart_ranges`` gives them to the builder, ``anji-xl recalc`` and the
Recalculate button alike.
"""

from __future__ import annotations

import math

from ..engine import IndexResult, period_order
from ..model import Model
from .layout import NA, Cell, Column, cached, column_span, ref
from .results import CHOICES_AT, GAINS_AT, MAX_DIMENSIONS, RESULTS_ROWS, SUMMARY_AT, TOP_GAINS, dimension_score_header, period_cell

SHEET = "Dashboard"
TITLE = "安吉指数 仪表板 · Anji Index dashboard"
UNIT, PERIOD = (2, 2), (3, 2)  # the chosen unit and period (0-based cells; the user's input)
INDEX, RANK = (4, 2), (4, 4)
BUTTONS_AT = (1, 7)  # first button (row, column); one every two rows
CHARTS_ROW = 10
TABLE_ROW = 31  # headers of the three tables; entries below
DIMS_COLUMN, PERIODS_COLUMN, GAINS_COLUMN = 1, 4, 7
MAX_PERIODS = 60
RESULTS_LAST_ROW = SUMMARY_AT[0] + RESULTS_ROWS
TITLES = {DIMS_COLUMN: ["维度 dimension", "得分率 score"], PERIODS_COLUMN: ["时期 period", "指数 index"],
          GAINS_COLUMN: ["编号 id", "短板指标 indicator", "潜在提升 gain"]}
CHARTS = [  # (anchor column, category column, value column) of the radar, line and bar charts
    (1, DIMS_COLUMN, DIMS_COLUMN + 1), (6, PERIODS_COLUMN, PERIODS_COLUMN + 1), (11, GAINS_COLUMN + 1, GAINS_COLUMN + 2)]


def _results(offset: int, block: tuple[int, int] = SUMMARY_AT) -> str:
    return column_span(block[1] + offset, block[0] + 1, RESULTS_LAST_ROW, "Results")


def _choice(k: int, offset: int) -> str:
    """The k-th entry (0-based) of a Results list: units, periods, dimensions."""
    return f"Results!{ref(CHOICES_AT[0] + 1 + k, CHOICES_AT[1] + offset, True, True)}"


def _lookup(column: str, period: str) -> str:
    """A Results summary value of the chosen unit in ``period``; #N/A where Results has none."""
    unit = ref(*UNIT, True, True)
    units, periods = _results(0), _results(1)
    return f"IF(COUNTIFS({units},{unit},{periods},{period})=0,NA(),SUMIFS({column},{units},{unit},{periods},{period}))"


def _dimension_column(name_cell: str) -> str:
    """The summary column of the dimension named in ``name_cell``, found by its header."""
    first, last = SUMMARY_AT[1], SUMMARY_AT[1] + 4 + 2 * MAX_DIMENSIONS - 1
    rows = f"Results!{ref(SUMMARY_AT[0] + 1, first, True, True)}:{ref(RESULTS_LAST_ROW, last, True, True)}"
    header = f"Results!{ref(SUMMARY_AT[0], first, True, True)}:{ref(SUMMARY_AT[0], last, True, True)}"
    suffix = dimension_score_header("")
    return f'INDEX({rows},0,MATCH({name_cell}&"{suffix}",{header},0))'


def _gain(k: int, offset: int, missing: str) -> str:
    """Field ``offset`` of the k-th gain of the chosen unit and period (key ``unit|period|k``)."""
    key = f'{ref(*UNIT, True, True)}&"|"&{ref(*PERIOD, True, True)}&"|{k}"'
    return f"=IFERROR(INDEX({_results(offset, GAINS_AT)},MATCH({key},{_results(0, GAINS_AT)},0)),{missing})"


def choice_lists() -> dict[str, str]:
    """Defined names of the unit and period lists (the drop-downs), as long as Results' lists."""
    names = {}
    for name, offset in (("anji_units", 0), ("anji_periods", 1)):
        first = _choice(0, offset)
        names[name] = f"=OFFSET({first},0,0,MAX(1,COUNTA({_results(offset, CHOICES_AT)})),1)"
    return names


def sheet_cells(model: Model, result: IndexResult, unit: str, period: str) -> list[Cell]:
    """Every cell of the Dashboard, with the engine's values for the chosen unit and period as
    their cached values."""
    key = (unit, period)
    dimensions = list(result.dimensions)
    periods = [period_cell(p) for p in period_order(result.rows.get_level_values(1))]
    index = {period_cell(p): float(v) for (u, p), v in result.index.items() if u == unit}
    rank = result.rank.get(key, math.nan)
    rank = NA if math.isnan(rank) else int(rank)
    dimension_scores = {d: cached(float(result.dimension_scores.at[key, d])) for d in dimensions}
    names = model.indicators["name"].to_dict() if "name" in model.indicators else {}
    gains = [(ident, names.get(ident, ""), float(gain)) for ident, gain in result.top_gains(unit, period, TOP_GAINS).items()]
    period = period_cell(period)
    cells = [Cell(0, 1, TITLE, "title"), Cell(UNIT[0], 1, "单位 unit", "text"), Cell(PERIOD[0], 1, "时期 period", "text"),
             Cell(*UNIT, unit, "input"), Cell(*PERIOD, period, "input_year"), Cell(INDEX[0], 1, "指数 index", "text"),
             Cell(*INDEX, cached(index.get(period)), "big", "=" + _lookup(_results(2), ref(*PERIOD, True, True))),
             Cell(RANK[0], RANK[1] - 1, "排名 rank", "text"),
             Cell(*RANK, rank, "integer", "=" + _lookup(_results(3), ref(*PERIOD, True, True)))]
    for col, titles in TITLES.items():
        cells += [Cell(TABLE_ROW, col + k, title, "head") for k, title in enumerate(titles)]
    first = TABLE_ROW + 1
    for j in range(MAX_DIMENSIONS):
        name = dimensions[j] if j < len(dimensions) else ""
        name_cell = ref(first + j, DIMS_COLUMN)
        cells.append(Cell(first + j, DIMS_COLUMN, name, "text", f'=IF({_choice(j, 2)}="","",{_choice(j, 2)})'))
        value = dimension_scores.get(name, NA) if name else ""
        lookup = _lookup(_dimension_column(name_cell), ref(*PERIOD, True, True))
        cells.append(Cell(first + j, DIMS_COLUMN + 1, value, "number", f'=IF({name_cell}="","",{lookup})'))
    for k in range(MAX_PERIODS):
        shown = periods[k] if k < len(periods) else ""
        slot = ref(first + k, PERIODS_COLUMN)
        cells.append(Cell(first + k, PERIODS_COLUMN, shown, "year", f'=IF({_choice(k, 1)}="","",{_choice(k, 1)})'))
        value = cached(index.get(shown))
        cells.append(Cell(first + k, PERIODS_COLUMN + 1, value, "number", f'=IF({slot}="",NA(),{_lookup(_results(2), slot)})'))
    for k in range(TOP_GAINS):
        ident, name, gain = gains[k] if k < len(gains) else ("", "", 0.0)
        cells += [Cell(first + k, GAINS_COLUMN, ident, "text", _gain(k + 1, 4, '""')),
                  Cell(first + k, GAINS_COLUMN + 1, name, "text", _gain(k + 1, 5, '""')),
                  Cell(first + k, GAINS_COLUMN + 2, gain, "number", _gain(k + 1, 7, "0"))]
    return cells


def chart_ranges(dimensions: int, periods: int) -> list[tuple[str, str]]:
    """(categories, values) of the radar, line and bar charts for this many dimensions and periods."""
    first = TABLE_ROW + 1
    counts = [max(dimensions, 1), max(periods, 1), TOP_GAINS]
    return [(f"={SHEET}!{column_span(cat, first, first + n - 1)}", f"={SHEET}!{column_span(val, first, first + n - 1)}")
            for (_, cat, val), n in zip(CHARTS, counts)]


COLUMNS = [Column(1, 1, 16), Column(2, 2, 12), Column(3, 3, 8), Column(4, 5, 11), Column(6, 6, 4), Column(7, 7, 9),
           Column(8, 8, 30), Column(9, 9, 12)]
