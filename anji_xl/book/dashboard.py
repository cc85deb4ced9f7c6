"""The Dashboard sheet: the chosen unit and period, its index and rank, its dimension scores
(radar), its index over every period (line) and its largest potential gains (bar).

Every number is a native look-up by name (unit, year, dimension) in the native columns of Scores,
which follow every row typed into Data without Python; where a native cell cannot hold the
engine's number (pooled methods, geometric aggregation) the look-up falls back to Results, the
engine's own sheet. The unit and year lists are Scores' native lists, so a city or year typed in
WPS appears in them. The tables have room for ``MAX_PERIODS`` years and ``MAX_DIMENSIONS``
dimensions and show blanks beyond the data; the line chart spans the book's years at the last
Recalculate (``SPARE_YEARS``). ``chart_ranges`` gives the
ranges to the builder, ``anji-xl recalc`` and the Recalculate button alike. The potential gains
come from Results (重新计算 updates them).

The Dashboard never points at nothing: the hidden cells ``SHOWN_UNIT`` and ``SHOWN_PERIOD`` hold
what it shows — the choice when Data has it; else the chosen unit's latest year, or, when the
unit is gone too, the latest year of the first unit in Data's order — and a note beside the
choice says so. Every look-up reads them; ``anji-xl recalc`` writes the same choice back into
the input cells (:func:`shown_choice`).
"""

from __future__ import annotations

import math

from ..engine import IndexResult, period_order
from ..model import Model, Settings
from . import scores, settings
from .layout import NA, Cell, Column, cached, column_span, ref
from ..forecast import forecast, year_of
from ..messages import say
from .results import (CHOICES_AT, FORECAST_AT, FORECAST_INDICATORS_AT, GAINS_AT, TRAJECTORY_AT, MAX_DIMENSIONS, RESULTS_ROWS, SUMMARY_AT, TOP_GAINS,
                      dimension_score_header, period_cell)

SHEET = "Dashboard"
TITLE = ("仪表板", "dashboard")  # after the index's name in Chinese and in English (Settings name, name_en)
UNIT, PERIOD = (2, 2), (3, 2)  # the chosen unit and period (0-based cells; the user's input)
SHOWN_UNIT, SHOWN_PERIOD = (2, 0), (3, 0)  # what the Dashboard shows for that choice (hidden column A)
FALLBACK_NOTE = (2, 3)  # beside the choice: the note when it shows another unit or period
INDEX, RANK = (4, 2), (4, 4)
BUTTONS_AT = (1, 7)  # first button (row, column); one every two rows
CHARTS_ROW = 10
TABLE_ROW = 31  # headers of the three tables; entries below
DIMS_COLUMN, PERIODS_COLUMN, GAINS_COLUMN, OFF_TRACK_COLUMN, TRAJECTORY_COLUMN = 1, 4, 7, 11, 15
MAX_TRAJECTORY = 15  # years from the latest one to the target that the trajectory table has room for
FORECAST, OFF_TRACK = (6, 2), (6, 4)  # the chosen unit's forecast index at the target year, indicators off track
MAX_PERIODS = 60
# Empty places at the end of the line chart for years typed after the last Recalculate: none, since
# LibreOffice plots the #N/A of an empty place as 0 (Excel leaves a gap); the table lists a typed
# year at once, the chart after Recalculate.
SPARE_YEARS = 0
RESULTS_LAST_ROW = SUMMARY_AT[0] + RESULTS_ROWS
SCORES_LAST_ROW = scores.FIRST_ROW + scores.FORMAT_ROWS - 1  # the look-ups reach this far down Scores
TITLES = {DIMS_COLUMN: ["维度 dimension", "得分率 score"], PERIODS_COLUMN: ["时期 period", "指数 index"],
          GAINS_COLUMN: ["编号 id", "短板指标 indicator", "潜在提升 gain"],
          OFF_TRACK_COLUMN: ["未达标 off track", "指标 indicator", "所需年增速 required growth"],
          TRAJECTORY_COLUMN: ["年份 year", "预测指数 forecast"]}
CHARTS = [  # (anchor column, category column, value column) of the radar, line and bar charts
    (1, DIMS_COLUMN, DIMS_COLUMN + 1), (6, PERIODS_COLUMN, PERIODS_COLUMN + 1), (11, GAINS_COLUMN + 1, GAINS_COLUMN + 2),
    (16, TRAJECTORY_COLUMN, TRAJECTORY_COLUMN + 1)]


def _results(offset: int, block: tuple[int, int] = SUMMARY_AT) -> str:
    return column_span(block[1] + offset, block[0] + 1, RESULTS_LAST_ROW, "Results")


def _choice(k: int, offset: int) -> str:
    """The k-th entry (0-based) of a Results list: units, periods, dimensions."""
    return f"Results!{ref(CHOICES_AT[0] + 1 + k, CHOICES_AT[1] + offset, True, True)}"


def _scores(col: int) -> str:
    return column_span(col, scores.FIRST_ROW, SCORES_LAST_ROW, scores.SHEET)


def _results_lookup(column: str, period: str) -> str:
    """A Results summary value of the shown unit in ``period``; #N/A where Results has none."""
    unit = ref(*SHOWN_UNIT, True, True)
    units, periods = _results(0), _results(1)
    return f"IF(COUNTIFS({units},{unit},{periods},{period})=0,NA(),SUMIFS({column},{units},{unit},{periods},{period}))"


def _native_lookup(native_column: str, period: str) -> str:
    """The shown unit's native value in ``period`` (Scores); #N/A where Scores has none."""
    unit = ref(*SHOWN_UNIT, True, True)
    units, years = _scores(scores.UNIT), _scores(scores.HELPER["year"])
    return f"IF(COUNTIFS({units},{unit},{years},{period})=0,NA(),SUMIFS({native_column},{units},{unit},{years},{period}))"


def _lookup(native_column: str, results_column: str, period: str) -> str:
    """The shown unit's native value in ``period`` (Scores), else Results' (the engine's own)."""
    native = _native_lookup(native_column, period)
    return f"IF(ISNUMBER({native}),{native},{_results_lookup(results_column, period)})"


def _rank() -> str:
    """The shown row's rank among the native indices of its year (1 = highest, ties share the
    better rank, as the engine ranks); Results' rank where the native index is not a number.
    One count over Scores here, rather than one per row of Scores."""
    period = ref(*SHOWN_PERIOD, True, True)
    native = _native_lookup(_scores(scores.NATIVE_INDEX), period)
    years, indices = _scores(scores.HELPER["year"]), _scores(scores.HELPER["index_number"])
    return f"=IF(ISNUMBER({native}),SUMPRODUCT(({years}={period})*({indices}>{native}))+1,{_results_lookup(_results(3), period)})"


def _shown() -> dict[tuple[int, int], str]:
    """The formulas of the shown unit and period, and of the note when they are not the choice."""
    chosen, unit, period = f'TRIM({ref(*UNIT, True, True)}&"")', ref(*SHOWN_UNIT, True, True), ref(*SHOWN_PERIOD, True, True)
    units, years = _scores(scores.UNIT), _scores(scores.HELPER["year"])
    first = _native_list(0, "units")
    latest = f"SUMPRODUCT(MAX(({units}={unit})*{years}))"
    choice_period = ref(*PERIOD, True, True)
    fallback = say("dashboard_fallback", unit=f'"&{unit}&"', period=f'"&{period}&"')
    return {SHOWN_UNIT: f'=IF(AND({chosen}<>"",ISNUMBER(MATCH({chosen},{units},0))),{chosen},{first})',
            SHOWN_PERIOD: (f'=IF(AND({unit}={chosen},{choice_period}&""<>"",COUNTIFS({units},{unit},{years},{choice_period})>0),'
                           f"{choice_period}+0,{latest})"),
            FALLBACK_NOTE: (f'=IF(AND({unit}={chosen},{period}&""={choice_period}&""),"",'
                            f'IF({unit}="","{say("dashboard_no_rows")}","{fallback}"))')}


def shown_choice(data_rows: dict[tuple[str, str], int], unit: object, period: object) -> tuple[str, object]:
    """The unit and period the Dashboard shows for a choice (Data's rows: (unit, period) → row),
    as its formulas pick them: the choice when Data has that row; else the chosen unit's latest
    period, or, when Data has no such unit, the latest period of the first unit in Data's order.
    The period as its cell holds it (a year as a number)."""
    unit = "" if unit is None else str(unit).strip()
    if isinstance(period, float) and period.is_integer():
        period = int(period)
    periods: dict[str, list[str]] = {}
    for u, p in sorted(data_rows, key=data_rows.get):
        periods.setdefault(u, []).append(p)
    if not periods:
        return unit, period
    if unit in periods and any(str(period_cell(p)) == str(period).strip() for p in periods[unit]):
        return unit, period
    unit = unit if unit in periods else next(iter(periods))
    return unit, period_cell(period_order(periods[unit])[-1])


def _native_dimension(name_cell: str) -> str:
    """The native Scores column of the dimension named in ``name_cell``, found by its name."""
    start = scores.ScoresLayout(0, 0).native_dims.start
    rows = f"{scores.SHEET}!{ref(scores.FIRST_ROW, start, True, True)}:{ref(SCORES_LAST_ROW, start + MAX_DIMENSIONS - 1, True, True)}"
    names = f"{scores.SHEET}!{ref(scores.META_ROWS['dimension'], start, True, True)}:{ref(scores.META_ROWS['dimension'], start + MAX_DIMENSIONS - 1, True, True)}"
    return f"INDEX({rows},0,MATCH({name_cell},{names},0))"


def _dimension_column(name_cell: str) -> str:
    """The summary column of the dimension named in ``name_cell``, found by its header."""
    first, last = SUMMARY_AT[1], SUMMARY_AT[1] + 4 + 2 * MAX_DIMENSIONS - 1
    rows = f"Results!{ref(SUMMARY_AT[0] + 1, first, True, True)}:{ref(RESULTS_LAST_ROW, last, True, True)}"
    header = f"Results!{ref(SUMMARY_AT[0], first, True, True)}:{ref(SUMMARY_AT[0], last, True, True)}"
    suffix = dimension_score_header("")
    return f'INDEX({rows},0,MATCH({name_cell}&"{suffix}",{header},0))'


def _beside(key: str, block: tuple[int, int], keys: int, offset: int, missing: str, blank: str = '""') -> str:
    """Column ``offset`` of a Results block on the row whose column ``keys`` holds ``key``:
    ``blank`` where that cell is empty (INDEX reads an empty cell as 0, a number Results does
    not hold), ``missing`` where no row has the key. Without the leading =."""
    found = f"INDEX({_results(offset, block)},MATCH({key},{_results(keys, block)},0))"
    return f'IFERROR(IF({found}="",{blank},{found}),{missing})'


def _gain(k: int, offset: int, missing: str) -> str:
    """Field ``offset`` of the k-th gain of the chosen unit and period (key ``unit|period|k``)."""
    key = f'{ref(*SHOWN_UNIT, True, True)}&"|"&{ref(*SHOWN_PERIOD, True, True)}&"|{k}"'
    return "=" + _beside(key, GAINS_AT, 0, offset, missing)


def _gains_note() -> str:
    """Above the gains: where they come from, or that Results has none yet for the shown unit
    and period (a row typed since the last Recalculate), so an empty table is not read as none."""
    unit, period = ref(*SHOWN_UNIT, True, True), ref(*SHOWN_PERIOD, True, True)
    return f'=IF(COUNTIFS({_results(0)},{unit},{_results(1)},{period})=0,"{say("dashboard_gains_stale")}","{say("dashboard_gains")}")'


def _forecast(offset: int) -> str:
    """The chosen unit's value in column ``offset`` of Results' forecast block; #N/A where blank."""
    unit, units, column = ref(*SHOWN_UNIT, True, True), _results(0, FORECAST_AT), _results(offset, FORECAST_AT)
    return f'=IF(COUNTIFS({units},{unit},{column},{scores.NUMBER})=0,NA(),SUMIFS({column},{units},{unit}))'


def _off_track(k: int, offset: int, missing: str) -> str:
    """Field ``offset`` of the chosen unit's k-th indicator off track (key ``unit|k``, largest forecast gain first)."""
    key = f'{ref(*SHOWN_UNIT, True, True)}&"|{k}"'
    return "=" + _beside(key, FORECAST_INDICATORS_AT, 1, offset, missing)


def _trajectory_year(k: int) -> str:
    """The k-th year (0-based) after the chosen unit's latest one, up to the target year; "" beyond."""
    unit, units = ref(*SHOWN_UNIT, True, True), _results(0, FORECAST_AT)
    latest, target = (f"SUMIFS({_results(offset, FORECAST_AT)},{units},{unit})" for offset in (1, 2))
    return f'=IF(COUNTIF({units},{unit})=0,"",IF({latest}+{k + 1}>{target},"",{latest}+{k + 1}))'


def _trajectory_index(year_cell: str) -> str:
    key = f'{ref(*SHOWN_UNIT, True, True)}&"|"&{year_cell}'
    return f'=IF({year_cell}="",NA(),{_beside(key, TRAJECTORY_AT, 0, 3, "NA()", blank="NA()")})'


def _native_list(k: int, helper: str) -> str:
    """The k-th entry (0-based) of a Scores native list: units in Data's order, years in time order."""
    return f"{scores.SHEET}!{ref(scores.FIRST_ROW + k, scores.HELPER[helper], True, True)}"


def choice_lists() -> dict[str, str]:
    """Defined names of the unit and year lists (the drop-downs): Scores' native lists, as long
    as they are (INDEX:INDEX, not the volatile OFFSET)."""
    counts, units, years = (_scores(scores.HELPER[name]) for name in ("unit_count", "units", "years"))
    return {"anji_units": f"={_native_list(0, 'units')}:INDEX({units},MAX(1,MAX({counts})))",
            "anji_periods": f"={_native_list(0, 'years')}:INDEX({years},MAX(1,COUNT({years})))"}


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
    outlook = forecast(model, result)
    missed = outlook.off_track(unit)
    period = period_cell(period)
    neutral = Settings()  # the name a book without one shows, as the reader reads it
    named = [settings.setting_text(key, getattr(neutral, key)) for key in ("name", "name_en")]
    title = f"{model.settings.name} {TITLE[0]} · {model.settings.name_en} {TITLE[1]}"
    cells = [Cell(0, 1, title, "title", f'={named[0]}&" {TITLE[0]} · "&{named[1]}&" {TITLE[1]}"'), Cell(UNIT[0], 1, "单位 unit", "text"), Cell(PERIOD[0], 1, "时期 period", "text"),
             Cell(*UNIT, unit, "input"), Cell(*PERIOD, period, "input_year"), Cell(INDEX[0], 1, "指数 index", "text"),
             Cell(*INDEX, cached(index.get(period)), "big", "=" + _lookup(_scores(scores.NATIVE_INDEX), _results(2), ref(*SHOWN_PERIOD, True, True))),
             Cell(RANK[0], RANK[1] - 1, "排名 rank", "text"),
             Cell(*RANK, rank, "integer", _rank()),
             Cell(TABLE_ROW - 1, GAINS_COLUMN, say("dashboard_gains"), "remark", _gains_note()),
             Cell(FORECAST[0], 1, f"{outlook.target_period} 预测指数 forecast", "text"),
             Cell(*FORECAST, cached(outlook.index_forecast.get(unit)), "number", _forecast(4)),
             Cell(OFF_TRACK[0], OFF_TRACK[1] - 1, "未达标 off track", "text"),
             Cell(*OFF_TRACK, len(missed), "integer", _forecast(5))]
    shown = _shown()
    cells += [Cell(*SHOWN_UNIT, unit, "text", shown[SHOWN_UNIT]), Cell(*SHOWN_PERIOD, period, "year", shown[SHOWN_PERIOD]),
              Cell(*FALLBACK_NOTE, "", "remark", shown[FALLBACK_NOTE])]
    for col, titles in TITLES.items():
        cells += [Cell(TABLE_ROW, col + k, title, "head") for k, title in enumerate(titles)]
    first = TABLE_ROW + 1
    for j in range(MAX_DIMENSIONS):
        name = dimensions[j] if j < len(dimensions) else ""
        name_cell = ref(first + j, DIMS_COLUMN)
        cells.append(Cell(first + j, DIMS_COLUMN, name, "text", f'=IF({_choice(j, 2)}="","",{_choice(j, 2)})'))
        value = dimension_scores.get(name, NA) if name else ""
        lookup = _lookup(_native_dimension(name_cell), _dimension_column(name_cell), ref(*SHOWN_PERIOD, True, True))
        cells.append(Cell(first + j, DIMS_COLUMN + 1, value, "number", f'=IF({name_cell}="","",{lookup})'))
    for k in range(MAX_PERIODS):
        shown = periods[k] if k < len(periods) else ""
        slot = ref(first + k, PERIODS_COLUMN)
        cells.append(Cell(first + k, PERIODS_COLUMN, shown, "year", f'=IF({_native_list(k, "years")}="","",{_native_list(k, "years")})'))
        value = cached(index.get(shown))
        cells.append(Cell(first + k, PERIODS_COLUMN + 1, value, "number",
                          f'=IF({slot}="",NA(),{_lookup(_scores(scores.NATIVE_INDEX), _results(2), slot)})'))
    path = {int(year): value for (u, year), value in outlook.trajectory.items() if u == unit}
    latest = int(outlook.latest_period[unit]) if outlook.latest_period.get(unit) is not None else None
    for k in range(MAX_TRAJECTORY):
        year = "" if latest is None or latest + k + 1 > outlook.target_period else latest + k + 1
        cells += [Cell(first + k, TRAJECTORY_COLUMN, year, "year", _trajectory_year(k)),
                  Cell(first + k, TRAJECTORY_COLUMN + 1, cached(path.get(year)) if year != "" else NA, "number",
                       _trajectory_index(ref(first + k, TRAJECTORY_COLUMN)))]
    for k in range(TOP_GAINS):
        ident = missed[k] if k < len(missed) else ""
        growth = outlook.indicators.loc[(unit, ident), "required_growth"] if ident else math.nan
        cells += [Cell(first + k, OFF_TRACK_COLUMN, ident, "text", _off_track(k + 1, 3, '""')),
                  Cell(first + k, OFF_TRACK_COLUMN + 1, names.get(ident, "") if ident else "", "text", _off_track(k + 1, 4, '""')),
                  Cell(first + k, OFF_TRACK_COLUMN + 2, "" if math.isnan(growth) else float(growth), "percent", _off_track(k + 1, 11, '""'))]
    for k in range(TOP_GAINS):
        ident, name, gain = gains[k] if k < len(gains) else ("", "", 0.0)
        cells += [Cell(first + k, GAINS_COLUMN, ident, "text", _gain(k + 1, 4, '""')),
                  Cell(first + k, GAINS_COLUMN + 1, name, "text", _gain(k + 1, 5, '""')),
                  Cell(first + k, GAINS_COLUMN + 2, gain if ident else "", "number", _gain(k + 1, 7, '""'))]
    return cells


def chart_ranges(result: IndexResult) -> list[tuple[str, str]]:
    """(categories, values) of the radar, index, gains and trajectory charts: as many places as
    the result has dimensions and years (and spare years), and years from the earliest latest
    year of a unit to the target year."""
    first = TABLE_ROW + 1
    periods = result.labels.codes(1)[1]
    years = [year_of(p) for p in period_order(periods)]
    year_at = {p: year_of(p) or 0 for p in periods}
    latest_of: dict[str, int] = {}  # per unit its latest year (one pass: a .loc per unit takes seconds over 3,000 units)
    for unit, period in result.labels:
        latest_of[unit] = max(latest_of.get(unit, 0), year_at[period])
    latest = min(latest_of.values(), default=0)
    to_target = min(max(result.settings.target_period - latest, 1), MAX_TRAJECTORY) if latest else 1
    counts = [max(len(result.dimensions), 1), min(max(len(years), 1) + SPARE_YEARS, MAX_PERIODS), TOP_GAINS, to_target]
    return [(f"={SHEET}!{column_span(cat, first, first + n - 1)}", f"={SHEET}!{column_span(val, first, first + n - 1)}")
            for (_, cat, val), n in zip(CHARTS, counts)]


COLUMNS = [Column(0, 0, 8, True), Column(1, 1, 16), Column(2, 2, 12), Column(3, 3, 12), Column(4, 5, 11), Column(6, 6, 4), Column(7, 7, 9),
           Column(8, 8, 30), Column(9, 9, 12), Column(11, 11, 14), Column(12, 12, 30), Column(13, 13, 14), Column(15, 16, 11)]
