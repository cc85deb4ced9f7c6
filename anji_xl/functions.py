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
from .aggregation import aggregate, membership_matrix, potential_gains, row_weights
from .engine import compute
from .excel_values import (
    ArgumentError,
    XlError,
    cell_values,
    directions,
    excel_error,
    fault_errors,
    grid,
    numbers,
    optional_cap,
    text,
)
from .model import AGGREGATIONS, MISSING_POLICIES, AnjiInputError, Panel, Problem, Settings, parse_method
from .reader import block_from_grid, read_grids, read_model
from .scoring import FAULT_TEXT, POOLED_METHODS, Fault, score_goalpost, score_ratio, score_growth
from .sensitivity import sensitivity



def _name(value: object) -> str:
    """A dimension name as the reader reads it (trimmed; blank is "")."""
    return "" if value is None else str(value).strip()


def _option(arg: object, allowed: tuple[str, ...], default: str) -> str:
    value = text(arg, default)
    if value not in allowed:
        raise ArgumentError(f"{value!r} is not one of {allowed}")
    return value


def score(value, reference, direction, cap) -> object:
    """ANJI_SCORE: the report's capped ratio, element by element."""
    v, v_bad = numbers(value)
    r, r_bad = numbers(reference)
    d, d_bad = directions(direction)
    scored = score_ratio(v, r, d, optional_cap(cap))
    return cell_values(scored.scores, fault_errors(scored.faults, v_bad, r_bad, d_bad))


def growth_score(current, previous, reference_growth, direction, cap) -> object:
    """ANJI_GROWTH_SCORE: the report's growth control, element by element."""
    v, v_bad = numbers(current)
    p, p_bad = numbers(previous)
    g, g_bad = numbers(reference_growth)
    d, d_bad = directions(direction)
    scored = score_growth(v, p, g, d, optional_cap(cap))
    return cell_values(scored.scores, fault_errors(scored.faults, v_bad, p_bad, g_bad, d_bad))


def normalize(values, method, reference_or_lower, upper, direction, transform) -> object:
    """ANJI_NORMALIZE: any single-indicator method; min–max, z-score, efficacy pool the whole range."""
    name = parse_method(text(method, "ratio"))
    v, v_bad = numbers(values)
    d, d_bad = directions(direction)
    if name == "ratio":
        r, r_bad = numbers(reference_or_lower)
        scored, bad = score_ratio(v, r, d), (v_bad, r_bad, d_bad)
    elif name == "goalpost":
        (lo, lo_bad), (hi, hi_bad) = numbers(reference_or_lower), numbers(upper)
        scored, bad = score_goalpost(v, lo, hi, d, _option(transform, ("", "log"), "")), (v_bad, lo_bad, hi_bad, d_bad)
    elif name in POOLED_METHODS:
        if d.size != 1:
            raise ArgumentError("one direction for a pooled method")
        pooled, _ = POOLED_METHODS[name](v.reshape(-1, 1), np.zeros(v.size), d.item())
        scored, bad = type(pooled)(pooled.scores.reshape(v.shape), pooled.faults.reshape(v.shape)), (v_bad, d_bad)
    else:  # growth needs a previous value: ANJI_GROWTH_SCORE
        raise ArgumentError(f"method {method!r} is not available here")
    return cell_values(scored.scores, fault_errors(scored.faults, *bad))


def _methods(arg: object) -> tuple[str, str]:
    """One aggregation for both levels, or two cells: (dimension, index) as in Settings."""
    cells = grid(arg).ravel()
    if cells.size not in (1, 2):
        raise ArgumentError("method is one cell, or two: dimension and index aggregation")
    first, last = (_option([[v]], AGGREGATIONS, "arithmetic") for v in (cells[0], cells[-1]))
    return first, last


def _aggregated(scores, weights, dimensions, method: tuple[str, str], missing: str):
    """Rows of scores aggregated with the engine; returns (Aggregate, dimension names, errors per row)."""
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
    missing_mask = np.isnan(x) & ~x_bad
    if missing == "zero":
        x = np.where(missing_mask, 0.0, x)
    row_w = row_weights(w, ~missing_mask, membership, missing == "reweight")
    agg = aggregate(x, row_w, membership, *method)
    row_error = np.full((len(x), 1), None, dtype=object)
    if missing == "error":
        row_error[missing_mask.any(axis=1)] = XlError.NA
    row_error[x_bad.any(axis=1)] = XlError.VALUE
    return agg, dims, row_error


def dimension_score(dimension, dimensions, scores, weights, method, missing) -> object:
    """ANJI_DIM: D_k of the named dimension(s) for each row of scores."""
    agg, dims, row_error = _aggregated(scores, weights, dimensions, (_option(method, AGGREGATIONS, "arithmetic"),) * 2, _option(missing, MISSING_POLICIES, "error"))
    wanted = [_name(v) for v in grid(dimension).ravel()]
    if any(name not in dims for name in wanted):
        raise ArgumentError("unknown dimension")
    cols = [dims.index(name) for name in wanted]
    errors = np.full((len(row_error), len(cols)), None, dtype=object)
    errors[agg.dimension_weights[:, cols] <= 0] = XlError.DIV0
    rows = np.flatnonzero(row_error[:, 0] != None)  # noqa: E711 — element-wise on an object array
    errors[rows] = row_error[rows]
    return cell_values(agg.dimension_scores[:, cols], errors)


def index(scores, weights, dimensions, method, missing) -> object:
    """ANJI_INDEX: Y for each row of scores (weights must sum to 1)."""
    w, _ = numbers(weights)
    if not math.isclose(np.nansum(w), 1.0, rel_tol=0, abs_tol=Settings().weight_tolerance):  # as the engine's default
        raise ArgumentError("weights must sum to 1")
    agg, _, row_error = _aggregated(scores, weights, dimensions, _methods(method), _option(missing, MISSING_POLICIES, "error"))
    return cell_values(agg.index[:, None], row_error)


def gains(ids, scores, weights, n) -> object:
    """ANJI_GAINS: the n largest potential gains W (1 − X), as rows of (id, gain)."""
    names = [str(v) for v in grid(ids).ravel()]
    (x, x_bad), (w, w_bad) = numbers(scores), numbers(weights)
    if x_bad.any() or w_bad.any() or not (len(names) == x.size == w.size):
        raise ArgumentError("ids, scores and weights must be numbers of the same length")
    gain = pd.Series(potential_gains(x.ravel(), w.ravel(), np.ones(x.size)), index=names).dropna()
    count_value = numbers(n)[0]
    if count_value.size != 1 or not count_value.item() >= 1 or count_value.item() != int(count_value.item()):
        raise ArgumentError("n must be a whole number ≥ 1")
    count = int(count_value.item())
    top = gain.sort_values(ascending=False, kind="stable").head(count)
    return [[name, float(value)] for name, value in top.items()] or excel_error(XlError.NA)


def _tables(data, indicators, settings):
    grids = {name: None if arg is None else (grid(arg).tolist(), 1, 1)
             for name, arg in (("Indicators", indicators), ("Data", data), ("Settings", settings))}
    return read_grids(grids)


def _rows_out(header: list[str], frame: pd.DataFrame) -> list[list[object]]:
    """A header row, then unit, period and the frame's numbers (NaN shown as #N/A)."""
    out: list[list[object]] = [header]
    for (unit, period), row in frame.iterrows():
        out.append([unit, period, *(excel_error(XlError.NA) if math.isnan(v) else float(v) for v in row)])
    return out


def table(data, indicators, settings) -> object:
    """ANJI_TABLE: unit, period, index, the dimension scores and the rank, with a header row."""
    model, panel = _tables(data, indicators, settings)
    result = compute(model, panel)
    frame = pd.concat([result.index, result.dimension_scores, result.rank.rename("rank")], axis=1)
    return _rows_out(["unit", "period", "index", *result.dimensions, "rank"], frame)


def sensitivity_table(data, indicators, settings) -> object:
    """ANJI_SENSITIVITY: index mean and 5/50/95 % percentiles (and ranks) per unit and period."""
    model, panel = _tables(data, indicators, settings)
    result = sensitivity(model, panel)
    if result.problems:
        raise AnjiInputError(result.problems)
    return _rows_out(["unit", "period", *result.table.columns], result.table)


def check(indicators) -> str:
    """ANJI_CHECK: "OK", or the first problem of an indicator table in words."""
    problems: list[Problem] = []
    model = read_model(block_from_grid("Indicators", grid(indicators).tolist(), problems), None, problems)
    if model is not None and not problems:
        # Score a two-period panel of ones: only faults of references and goalposts can show.
        model = replace(model, settings=replace(model.settings, missing="reweight"))
        ones = pd.DataFrame(1.0, index=pd.MultiIndex.from_tuples([("check", "1"), ("check", "2")]), columns=model.indicators.index)
        problems = compute(model, Panel(ones)).problems
    return str(problems[0]) if problems else "OK"


def explain(value, reference, direction) -> str:
    """ANJI_EXPLAIN: how the ratio score of one value was obtained, or why there is none (中文 · English)."""
    (v, v_bad), (r, r_bad), (d, d_bad) = numbers(value), numbers(reference), directions(direction)
    if v.size != 1 or r.size != 1 or d.size != 1:
        return "请对单个单元格使用 · use ANJI_EXPLAIN on single cells"
    for bad, arg, name in ((v_bad, value, "现值 value"), (r_bad, reference, "参考值 reference")):
        if bad.any():
            return f"{name} {grid(arg).item()!r} 不是数字 · is not a number"
    if d_bad.any():
        return f"方向 {grid(direction).item()!r} 无法识别 · unknown direction (正向/逆向, positive/negative, 1/-1)"
    scored = score_ratio(v, r, d)
    fault = Fault(scored.faults.item())
    if fault != Fault.OK:
        english, chinese = FAULT_TEXT[fault]
        fields = {"value": v.item(), "reference": r.item(), "previous": math.nan}
        return f"无法计算 · no score: {chinese.format(**fields)} · {english.format(**fields)}"
    x, positive = scored.scores.item(), d.item() > 0
    formula = f"{v.item():g} / {r.item():g}" if positive else f"{r.item():g} / {v.item():g}"
    kind = "正向 positive: min(1, 现值/参考值 value/reference)" if positive else "逆向 negative: min(1, 参考值/现值 reference/value)"
    reached = " · 已达标 target reached" if x >= 1 else ""
    return f"{kind} = min(1, {formula}) = {x:.6g}{reached}"


def version() -> str:
    """ANJI_VERSION: the package version."""
    return __version__
