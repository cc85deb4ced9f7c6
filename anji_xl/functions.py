"""What each ANJI_* worksheet function computes: argument conversion → engine → cell values.

``udfs.py`` registers these with xlwings and adds nothing but the decorators. Every number comes
from the engine (``scoring``, ``aggregation``, ``engine``, ``sensitivity``); nothing here is a
second implementation of the method.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from . import __version__
from .collector import uncollected
from .aggregation import combine, full_scores, membership_matrix
from .engine import Computation, check_model, checked_weights, compute, period_ranks
from .excel_values import (
    ArgumentError,
    XlError,
    cell_values,
    directions,
    excel_error,
    fault_errors,
    grid,
    numbers,
    raw_rows,
    read_cell,
    row_errors,
    settings as settings_of,
    table_cells,
    text,
)
from .messages import say
from .model import AnjiInputError, Panel, Problem, Settings, parse_method
from .io.blocks import block_from_grid
from .io.parse import Reading, read_grids, read_model
from .scoring import POOLED_METHODS, Fault, Scored, fault_message, is_percent_unit, score_goalpost, score_growth, score_ratio
from .forecast import find_trends, project, required_growth as required_growth_of, year_of
from .tables import IndicatorTable
from .sensitivity import sensitivity


def _default_direction(method: str | None) -> int:
    """What a blank or omitted ``direction`` means: positive, except for growth control, whose
    totals (energy use, emissions) must not grow faster than the reference."""
    return -1 if method == "growth" else 1


def _name(value: object) -> str:
    """A dimension name as the reader reads it (trimmed; blank is "")."""
    return "" if value is None else str(value).strip()


def _option(arg: object, allowed: tuple[str, ...], default: str) -> str:
    value = text(arg, default)
    if value not in allowed:
        raise ArgumentError(f"{value!r} is not one of {allowed}")
    return value


def _percent(unit: object) -> np.ndarray:
    """Which cells of a ``unit`` argument (an indicator's unit of measure, as in the Indicators
    table) say "percent": their values are fractions, and 89 for 0.89 is a fault (blank: none)."""
    cells = grid(unit)
    return np.array([is_percent_unit(v) for v in cells.ravel()], dtype=bool).reshape(cells.shape)


def score(value, reference, direction, cap, unit) -> object:
    """ANJI_SCORE: the report's capped ratio, element by element; with a percent ``unit``, a
    value typed as a whole percentage (89 for 0.89) is #NUM!, as compute finds it."""
    v, v_bad = numbers(value)
    r, r_bad = numbers(reference)
    d, d_bad = directions(direction, _default_direction("ratio"))
    scored = score_ratio(v, r, d, settings_of(cap=cap).cap, _percent(unit))
    return cell_values(scored.scores, fault_errors(scored.faults, v_bad, r_bad, d_bad))


def growth_score(current, previous, reference_growth, direction, cap, periods) -> object:
    """ANJI_GROWTH_SCORE: the report's growth control, element by element; ``periods`` = t − s
    annualises growth across a gap exactly as the engine does (blank: 1)."""
    v, v_bad = numbers(current)
    p, p_bad = numbers(previous)
    g, g_bad = numbers(reference_growth)
    d, d_bad = directions(direction, _default_direction("growth"))
    span, span_bad = numbers(periods, blank=1.0)
    scored = score_growth(v, p, g, d, settings_of(cap=cap).cap, span)
    return cell_values(scored.scores, fault_errors(scored.faults, v_bad, p_bad, g_bad, d_bad, span_bad))


def _shifted(array: np.ndarray, fill: object) -> np.ndarray:
    """Each cell's predecessor in a series: the cell above it (a row range: the cell to its left)."""
    out = np.full(array.shape, fill, dtype=array.dtype)
    if array.shape[0] == 1:
        out[:, 1:] = array[:, :-1]
    else:
        out[1:] = array[:-1]
    return out


def normalize(values, method, reference_or_lower, upper, direction, transform, unit) -> object:
    """ANJI_NORMALIZE: any method of SPEC §3. Min–max, z-score and efficacy pool the whole
    range; growth takes the range as one unit's totals in period order (down a column, or along
    a row), each scored against the cell before it, with ``reference_or_lower`` = g_ref;
    ``unit`` marks percentages for ratio, as in ANJI_SCORE."""
    name = parse_method(text(method, "ratio"))
    v, v_bad = numbers(values)
    d, d_bad = directions(direction, _default_direction(name))
    if name == "ratio":
        r, r_bad = numbers(reference_or_lower)
        scored, bad = score_ratio(v, r, d, percent=_percent(unit)), (v_bad, r_bad, d_bad)
    elif name == "growth":
        g, g_bad = numbers(reference_or_lower)
        scored, bad = score_growth(v, _shifted(v, np.nan), g, d), (v_bad, _shifted(v_bad, False), g_bad, d_bad)
    elif name == "goalpost":
        (lo, lo_bad), (hi, hi_bad) = numbers(reference_or_lower), numbers(upper)
        scored, bad = score_goalpost(v, lo, hi, d, _option(transform, ("", "log"), "")), (v_bad, lo_bad, hi_bad, d_bad)
    elif name in POOLED_METHODS:
        if d.size != 1:
            raise ArgumentError("one direction for a pooled method")
        pooled, _ = POOLED_METHODS[name](v.reshape(-1, 1), np.zeros(v.size), d.item())
        scored, bad = Scored(pooled.scores.reshape(v.shape), pooled.faults.reshape(v.shape)), (v_bad, d_bad)
    else:
        raise ArgumentError(f"unknown method {method!r}")
    return cell_values(scored.scores, fault_errors(scored.faults, *bad))


def _aggregation_settings(method: object, **others: object) -> Settings:
    """Settings from the functions' arguments; ``method`` is one aggregation for both levels, or
    two cells (dimension, index) as in the Settings sheet."""
    cells = grid(method).ravel()
    if cells.size not in (1, 2):
        raise ArgumentError("method is one cell, or two: dimension and index aggregation")
    return settings_of(dimension_aggregation=cells[0], index_aggregation=cells[-1], **others)


def _combined(scores, weights, dimensions, settings: Settings):
    """Rows of scores combined by the engine's :func:`~anji_xl.aggregation.combine`; returns
    (Combined, dimension names, the error of each row or None)."""
    w, w_bad = numbers(weights)
    w = w.ravel()
    if w_bad.any() or np.isnan(w).any() or (w < 0).any():
        raise ArgumentError("weights must be numbers ≥ 0")
    x, x_bad = numbers(scores)
    if x.shape[1] != w.size and x.shape[0] == w.size:
        x, x_bad = x.T, x_bad.T  # a column of scores against a column of weights
    if x.shape[1] != w.size:
        raise ArgumentError("scores and weights do not have the same length")
    names = [""] * w.size if dimensions is None else [_name(v) for v in grid(dimensions).ravel()]
    if len(names) != w.size:
        raise ArgumentError("dimensions and weights do not have the same length")
    dims = list(dict.fromkeys(names))
    membership = membership_matrix(names, dims)
    missing = np.isnan(x) & ~x_bad
    # these functions see scores, not methods: a score's target is the cap, as for ratio and growth
    combined = combine(x, missing, w, membership, settings, full_scores(["ratio"] * w.size, settings))
    row_error = np.full(len(x), None, dtype=object)
    row_error[combined.negative_for_geometric.any(axis=1)] = XlError.NUM
    row_error[x_bad.any(axis=1)] = XlError.VALUE
    return combined, dims, row_error


def _require_weights_summing_to_one(weights, settings: Settings) -> None:
    """#VALUE! unless the weights are ≥ 0 and sum to 1 within the tolerance, as the engine checks them."""
    problems = checked_weights(numbers(weights)[0].ravel(), settings)[2]
    if problems:
        raise ArgumentError(str(problems[0]))


def dimension_score(dimension, dimensions, scores, weights, method, missing) -> object:
    """ANJI_DIM: D_k of the named dimension(s) for each row of scores."""
    config = settings_of(dimension_aggregation=method, missing=missing)
    combined, dims, row_error = _combined(scores, weights, dimensions, config)
    wanted = [_name(v) for v in grid(dimension).ravel()]
    if any(name not in dims for name in wanted):
        raise ArgumentError("unknown dimension")
    cols = [dims.index(name) for name in wanted]
    agg = combined.aggregate
    errors = np.full((len(row_error), len(cols)), None, dtype=object)
    errors[agg.dimension_weights[:, cols] <= 0] = XlError.DIV0
    rows = np.flatnonzero(row_error != None)  # noqa: E711 — element-wise on an object array
    errors[rows] = row_error[rows, None]
    return cell_values(agg.dimension_scores[:, cols], errors)


def index(scores, weights, dimensions, method, missing, weight_tolerance) -> object:
    """ANJI_INDEX: Y for each row of scores; the weights must sum to 1 within ``weight_tolerance``
    (blank: the Settings default)."""
    config = _aggregation_settings(method, missing=missing, weight_tolerance=weight_tolerance)
    _require_weights_summing_to_one(weights, config)
    combined, _, row_error = _combined(scores, weights, dimensions, config)
    return cell_values(combined.aggregate.index[:, None], row_error[:, None])


def gains(ids, scores, weights, n, cap) -> object:
    """ANJI_GAINS: the n largest potential gains W (cap − X), as rows of (id, gain); #N/A when
    every indicator is at its cap (no gain to list)."""
    names = [str(v) for v in grid(ids).ravel()]
    (x, x_bad), (w, w_bad) = numbers(scores), numbers(weights)
    if x_bad.any() or w_bad.any() or not (len(names) == x.size == w.size):
        raise ArgumentError("ids, scores and weights must be numbers of the same length")
    config = settings_of(cap=cap)  # missing = error: a blank score has no gain and leaves the other weights as given
    combined = combine(x.reshape(1, -1), np.isnan(x).reshape(1, -1), w.ravel(), np.ones((x.size, 1)), config,
                       full_scores(["ratio"] * x.size, config))
    gain = pd.Series(combined.gains.ravel(), index=names)
    count_value = numbers(n)[0]
    if count_value.size != 1 or not count_value.item() >= 1 or count_value.item() != int(count_value.item()):
        raise ArgumentError("n must be a whole number ≥ 1")
    top = gain[gain > 0].sort_values(ascending=False, kind="stable").head(int(count_value.item()))
    return [[name, float(value)] for name, value in top.items()] or excel_error(XlError.NA)


def _tables(data, indicators, settings):
    """Model and panel of the three tables. Data's cells are read as they came: its numbers go to
    arrays at once, and only its header, row labels and the cells that are not numbers are read
    as xlwings reads them (a look at each of 30,000 rows' cells took a tenth of ANJI_TABLE's time)."""
    grids = {name: None if arg is None else (table_cells(arg), 1, 1) for name, arg in (("Indicators", indicators), ("Settings", settings))}
    grids["Data"] = None if data is None else (raw_rows(data), 1, 1)
    return read_grids(grids, data_typed=read_cell)


def _rows_out(header: list[str], units: object, periods: object, values: np.ndarray, errors: np.ndarray | None = None) -> list[list[object]]:
    """A header row, then each row's unit, period and numbers (``values``: rows × columns); a row's
    error (or #N/A for NaN) where there is no number. Built as one object array and listed at
    once: a Data table has tens of thousands of rows, and Python work per cell would cost more
    than the engine."""
    cells = np.empty((len(values), 2 + values.shape[1]), dtype=object)
    cells[:, 0], cells[:, 1] = units, periods
    numbers = cells[:, 2:]  # a view: Python floats, then the error values over them
    numbers[:] = values
    numbers[np.isnan(values)] = excel_error(XlError.NA)
    if errors is not None:
        listed = errors.tolist()  # XlError is a str: NumPy would compare it as text, not as the member
        for error in set(listed) - {None}:
            numbers[[e is error for e in listed]] = excel_error(error)
    return [header, *cells.tolist()]


@uncollected()
def table(data, indicators, settings) -> object:
    """ANJI_TABLE: unit, period, index, the dimension scores and the rank, with a header row.

    An invalid table (unreadable, weights off 1) is #VALUE!; a row with a value outside its
    method's domain is #NUM!, one with a missing value under ``missing = error`` #N/A.
    """
    model, panel = _tables(data, indicators, settings)
    model_problems = check_model(model, panel)[2]
    if model_problems:
        raise AnjiInputError(model_problems)
    run = Computation(model, panel, warn=False)  # a table of numbers: its warnings would not be shown
    shape = (len(run.rows), len(model.ids))
    faults = np.empty(shape, dtype=np.int8)
    index, dimension_scores = run.indexes(np.empty(shape), faults)  # what it shows, not the whole result
    errors = row_errors(faults, model.settings.missing == "error")
    return _rows_out(["unit", "period", "index", *model.dimensions, "rank"], run.rows.units, run.rows.periods,
                     np.column_stack([index, dimension_scores, period_ranks(index, run.rows.codes(1)[0])[0]]), errors)


@uncollected()
def sensitivity_table(data, indicators, settings) -> object:
    """ANJI_SENSITIVITY: index mean and 5/50/95 % percentiles (and ranks) per unit and period."""
    model, panel = _tables(data, indicators, settings)
    result = sensitivity(model, panel)
    if result.problems:
        raise AnjiInputError(result.problems)
    rows = result.table.index
    return _rows_out(["unit", "period", *result.table.columns], rows.get_level_values(0), rows.get_level_values(1), result.table.to_numpy(dtype=float))


def check(indicators) -> str:
    """ANJI_CHECK: "OK", or the first problem of an indicator table in words."""
    reading = Reading()
    model = read_model(block_from_grid("Indicators", grid(indicators).tolist(), reading.problems), None, reading)
    problems: list[Problem] = reading.problems
    if model is not None and not problems:
        # Score a two-period panel of ones: only faults of references and goalposts can show.
        model = replace(model, settings=replace(model.settings, missing="reweight"))
        ones = pd.DataFrame(1.0, index=pd.MultiIndex.from_tuples([("check", "1"), ("check", "2")]), columns=model.indicators.index)
        problems = compute(model, Panel(ones)).problems
    return str(problems[0]) if problems else "OK"


def _explanation(v: float, r: float, d: float, percent: bool, bad: tuple[bool, bool, bool], raw: tuple[object, object, object]) -> str:
    """One cell's explanation of its ratio score."""
    for is_bad, cell, name in zip(bad[:2], raw[:2], ("现值 value", "参考值 reference")):
        if is_bad:
            return say("explain_not_a_number", name=name, value=cell)
    if bad[2]:
        return say("explain_direction_unknown", value=raw[2])
    scored = score_ratio(v, r, d, percent=percent)
    fault = Fault(scored.faults.item())
    if fault != Fault.OK:
        why = fault_message(fault, value=v, reference=r, previous=math.nan, score=math.nan, fraction=v / 100)
        return say("explain_no_score", why=str(why))  # the reason whole, in both languages, after "no score:"
    x, positive = scored.scores.item(), d > 0
    formula = f"{v:g} / {r:g}" if positive else f"{r:g} / {v:g}"
    kind = "正向 positive: min(1, 现值/参考值 value/reference)" if positive else "逆向 negative: min(1, 参考值/现值 reference/value)"
    reached = " · 已达标 target reached" if x >= 1 else ""
    return f"{kind} = min(1, {formula}) = {x:.6g}{reached}"


def explain(value, reference, direction, unit) -> object:
    """ANJI_EXPLAIN: how the ratio score of each value was obtained, or why there is none
    (中文 · English), the percent check of ``unit`` included; a range spills one explanation per cell."""
    (v, v_bad), (r, r_bad), (d, d_bad) = numbers(value), numbers(reference), directions(direction, _default_direction("ratio"))
    percent = _percent(unit)
    cells = [grid(arg) for arg in (value, reference, direction)]
    shape = np.broadcast_shapes(v.shape, r.shape, d.shape, percent.shape)
    spread = [np.broadcast_to(a, shape) for a in (v, r, d, percent, v_bad, r_bad, d_bad, *cells)]
    out = [
        [_explanation(*(float(a[i, j]) for a in spread[:3]), bool(spread[3][i, j]), tuple(bool(a[i, j]) for a in spread[4:7]),
                      tuple(a[i, j] for a in spread[7:]))
         for j in range(shape[1])]
        for i in range(shape[0])
    ]
    return out[0][0] if shape == (1, 1) else out


def forecast_score(values, periods, reference, target_period, direction, method, trend_periods) -> object:
    """ANJI_FORECAST: the forecast score at ``target_period`` of one indicator's series (SPEC §2b):
    T, S, the trend g and v̂ = v_T (1 + g)^(target − T) scored by the ratio rule, or g by the
    growth-control rule; cap 1. #N/A: no value or no trend (or a pooled method: no forecast);
    #NUM!: v_T or v_S ≤ 0, T ≥ target, a reference outside its domain; #VALUE!: text, a period
    that is not a year, two values of one year, a goalpost method (its goalposts are not arguments)."""
    name = parse_method(text(method, "ratio"))
    if name in POOLED_METHODS:
        return excel_error(XlError.NA)
    if name not in ("ratio", "growth"):
        raise ArgumentError("ANJI_FORECAST scores ratio and growth indicators")
    v, v_bad = numbers(values)
    cells = grid(periods)
    if v.shape != cells.shape or (v_bad.any()):
        raise ArgumentError("values and periods must be numbers of the same shape")
    years = np.array([np.nan if year_of(p) is None else year_of(p) for p in cells.ravel()], dtype=float)
    v = v.ravel()
    if (np.isnan(years) & ~np.isnan(v)).any() or len(set(years[~np.isnan(v)])) < (~np.isnan(v)).sum():
        raise ArgumentError("every value needs its own year")
    (r, r_bad), (d, d_bad) = numbers(reference), directions(direction, _default_direction(name))
    if r.size != 1 or d.size != 1 or r_bad.any() or d_bad.any():
        raise ArgumentError("one reference and one direction")
    config = settings_of(target_period=target_period, trend_periods=trend_periods)
    order = np.argsort(np.where(np.isnan(years), np.inf, years), kind="stable")
    keep = order[~np.isnan(years[order])]
    trends = find_trends(years[keep], v[keep, None], config.trend_periods)
    if (trends.latest <= 0).any() or (trends.start <= 0).any() or (trends.latest_period >= config.target_period).any():
        return excel_error(XlError.NUM)
    indicator = IndicatorTable(["ANJI_FORECAST"], {"method": [name], "transform": [""], "direction": [d.item()], "reference": [r.item()],
                                                   "lower": [np.nan], "upper": [np.nan]})
    scored = project(indicator, trends, float(config.target_period), config.cap).scored
    return cell_values(scored.scores, fault_errors(scored.faults))


def required_growth(value, reference, periods_left, direction) -> object:
    """ANJI_REQUIRED_GROWTH: (reference / value)^(1/periods_left) − 1, element by element: the
    constant yearly growth that reaches the reference exactly at the target year. The number is
    the same for both directions (negative: the value must fall); ``direction`` is checked only.
    #NUM! where value ≤ 0, reference ≤ 0 or periods_left ≤ 0; #N/A for a blank."""
    (v, v_bad), (r, r_bad), (n, n_bad) = numbers(value), numbers(reference), numbers(periods_left)
    _, d_bad = directions(direction, 1)
    shape = np.broadcast_shapes(v.shape, r.shape, n.shape, d_bad.shape)
    v, r, n = (np.broadcast_to(a, shape) for a in (v, r, n))
    with np.errstate(invalid="ignore"):
        faults = np.where(np.isnan(v) | np.isnan(r) | np.isnan(n), Fault.MISSING,
                          np.where((v <= 0) | (r <= 0) | (n <= 0), Fault.REFERENCE_NOT_POSITIVE, Fault.OK))
    return cell_values(required_growth_of(v, r, n), fault_errors(faults, v_bad, r_bad, n_bad, d_bad))


def version() -> str:
    """ANJI_VERSION: the package version."""
    return __version__
