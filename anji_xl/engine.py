"""The computation, as named steps: check weights → score → apply the missing policy →
aggregate → rank → potential gains. One call, :func:`compute`, runs them over a whole panel.

The result carries what it was computed with (settings, the weights each row used) and every
warning and problem, so a number can always be explained.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .aggregation import aggregate, membership_matrix, potential_gains, row_weights
from .model import Model, Panel, Problem, Settings
from .scoring import FAULT_TEXT, POOLED_METHODS, Fault, Scored, score_goalpost, score_growth, score_ratio


@dataclass
class IndexResult:
    """Everything one computation produced. Frames are indexed by (unit, period).

    Rows that could not be computed (a problem in their data) are NaN throughout; the reason is
    in ``problems``. ``weights`` holds the weight each row actually gave each indicator (they
    differ from the indicator table under ``missing = reweight`` or ``normalize_weights``).
    """

    settings: Settings
    dimensions: list[str]
    scores: pd.DataFrame
    weights: pd.DataFrame
    dimension_scores: pd.DataFrame
    dimension_weights: pd.DataFrame
    contributions: pd.DataFrame
    index: pd.Series
    rank: pd.Series
    gains: pd.DataFrame
    missing: pd.DataFrame  # True where a value is missing (blank, #N/A, no previous period)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def rows(self) -> pd.MultiIndex:
        return self.index.index

    def top_gain_positions(self, n: int = 5) -> np.ndarray:
        """Rows × n: the columns of each row's n largest positive gains, largest first (ties
        keep the indicator order); −1 where a row has fewer."""
        gains = np.nan_to_num(self.gains.to_numpy(), nan=0.0)
        order = np.argsort(-gains, axis=1, kind="stable")[:, :n]
        return np.where(np.take_along_axis(gains, order, axis=1) > 0, order, -1)

    def top_gains(self, unit: str, period: str, n: int = 5) -> pd.Series:
        """The n largest potential gains (短板) of one unit and period, largest first."""
        row = self.rows.get_loc((unit, period))
        positions = self.top_gain_positions(n)[row]
        positions = positions[positions >= 0]
        return pd.Series(self.gains.iloc[row, positions].to_numpy(), index=self.gains.columns[positions], name=(unit, period))


_DIGITS = re.compile(r"\d+")


def _year_key(period: str) -> tuple[int, ...] | None:
    """(year, then the other numbers) for labels with one four-digit year: 2020Q1, Q1 2020, 2020-10."""
    numbers = _DIGITS.findall(period)
    years = [n for n in numbers if len(n) == 4]
    if len(years) != 1:
        return None
    return (int(years[0]), *(int(n) for n in numbers if n is not years[0]))


def period_order(periods: pd.Index | list[str]) -> list[str]:
    """Distinct periods in time order.

    Numbers sort as numbers; labels that each carry one four-digit year sort by year and then
    their other numbers (2020Q1 < 2020Q2 < 2021Q1, 2020-2 < 2020-10); anything else keeps the
    order in which Data first lists it (a text sort would put 2020-10 before 2020-2).
    """
    distinct = list(dict.fromkeys(periods))
    try:
        return sorted(distinct, key=float)
    except ValueError:
        keys = [_year_key(p) for p in distinct]
        if all(k is not None for k in keys) and len(set(keys)) == len(keys):
            return [p for _, p in sorted(zip(keys, distinct))]
        return distinct


def check_weights(model: Model) -> tuple[np.ndarray, list[str], list[Problem]]:
    """Weights must be ≥ 0 and sum to 1 within ``weight_tolerance``.

    With ``normalize_weights`` a sum off 1 is rescaled to 1 and a warning says so.
    """
    settings = model.settings
    weights = model.indicators["weight"].to_numpy(dtype=float)
    ids = model.indicators.index
    problems = [
        Problem(model.indicator_cell(i, "weight"), f"weight of {i} must be a number ≥ 0, got {w:g}")
        for i, w in zip(ids, weights)
        if not w >= 0
    ]
    if problems:
        return weights, [], problems
    total = weights.sum()
    if abs(total - 1) <= settings.weight_tolerance:
        return weights, [], []
    if settings.normalize_weights and total > 0:
        return weights / total, [f"weights summed to {total:.10g}; rescaled to 1 (normalize_weights = yes)"], []
    first, last = model.indicator_cell(ids[0], "weight"), model.indicator_cell(ids[-1], "weight")
    where = f"{first}:{last.split('!')[-1]}" if first and last and first != last else first
    message = f"weights sum to {total:.10g}, not 1 (tolerance {settings.weight_tolerance:g}); correct them or set normalize_weights = yes"
    return weights, [], [Problem(where, message)]


def _ordered(panel: Panel, ids: list[str]) -> pd.DataFrame:
    order = period_order(panel.values.index.get_level_values(1))
    rank = {p: k for k, p in enumerate(order)}
    values = panel.values.reindex(columns=ids)
    keys = [(unit, rank[period]) for unit, period in values.index]
    return values.iloc[sorted(range(len(keys)), key=keys.__getitem__)]


def _previous_rows(rows: pd.MultiIndex) -> np.ndarray:
    """Position of the same unit's preceding period (rows sorted by unit, period), or −1."""
    units = rows.get_level_values(0).to_numpy()
    previous = np.arange(len(units)) - 1
    first = np.ones(len(units), dtype=bool)
    first[1:] = units[1:] != units[:-1]
    return np.where(first, -1, previous)


def score_panel(model: Model, values: pd.DataFrame) -> tuple[Scored, np.ndarray, np.ndarray]:
    """Score every indicator of every row; one vectorised call per method (and transform).

    Returns the scores, the previous-period values used by growth indicators (NaN elsewhere),
    and the mask of min–max / z-score elements whose period has no spread.
    """
    ind = model.indicators
    cap = model.settings.cap
    v = values.to_numpy(dtype=float)
    scores = np.full(v.shape, np.nan)
    faults = np.zeros(v.shape, dtype=np.int8)
    previous = np.full(v.shape, np.nan)
    degenerate = np.zeros(v.shape, dtype=bool)
    prev_rows = _previous_rows(values.index)
    periods = values.index.get_level_values(1).to_numpy()
    for (method, transform), cols in ind.groupby(["method", "transform"], sort=False).indices.items():
        sub = ind.iloc[cols]
        d, r = sub["direction"].to_numpy(dtype=float), sub["reference"].to_numpy(dtype=float)
        x = v[:, cols]
        if method == "ratio":
            scored = score_ratio(x, r, d, cap)
        elif method == "growth":
            prev = np.where(prev_rows[:, None] >= 0, v[prev_rows][:, cols], np.nan)
            previous[:, cols] = prev
            scored = score_growth(x, prev, r, d, cap)
        elif method == "goalpost":
            scored = score_goalpost(x, sub["lower"].to_numpy(dtype=float), sub["upper"].to_numpy(dtype=float), d, transform)
        else:
            scored, flat = POOLED_METHODS[method](x, periods, d)
            degenerate[:, cols] = flat
        scores[:, cols] = scored.scores
        faults[:, cols] = scored.faults
    return Scored(scores, faults), previous, degenerate


def full_scores(model: Model) -> np.ndarray:
    """The score each indicator reaches at its target (for potential gains)."""
    cap = 1.0 if model.settings.cap is None else model.settings.cap
    by_method = {"ratio": cap, "growth": cap, "goalpost": 1.0, "minmax": 1.0, "efficacy": 100.0, "zscore": np.nan}
    return model.indicators["method"].map(by_method).to_numpy(dtype=float)


def _fault_problems(model: Model, panel: Panel, values: pd.DataFrame, scored: Scored, previous: np.ndarray) -> list[Problem]:
    """One problem per faulty element; faults of the reference or goalposts once per indicator."""
    problems: dict[tuple[str, str], tuple[str, str] | None] = {}
    ids = list(values.columns)
    first_period = _previous_rows(values.index) < 0
    in_data = np.isin(ids, panel.values.columns)  # an indicator without a column is a model problem
    for row, col in zip(*np.nonzero(scored.faults)):
        if not in_data[col]:
            continue
        fault = Fault(scored.faults[row, col])
        if fault == Fault.MISSING and model.settings.missing != "error":
            continue
        unit, period = values.index[row]
        ident = ids[col]
        value = values.iat[row, col]
        reference = model.indicators.at[ident, "reference"]
        lower, upper = model.indicators.at[ident, "lower"], model.indicators.at[ident, "upper"]
        per_indicator = fault in (Fault.REFERENCE_NOT_POSITIVE, Fault.BOUNDS_INVALID) or (
            fault == Fault.GROWTH_FACTOR_NOT_POSITIVE and not 1 + reference > 0
        ) or (fault == Fault.LOG_NOT_POSITIVE and not (lower > 0 and upper > 0))  # the goalposts, not the value
        if per_indicator:
            field_name = {Fault.BOUNDS_INVALID: "upper", Fault.LOG_NOT_POSITIVE: "lower"}.get(fault, "reference")
            where = model.indicator_cell(ident, field_name)
            text = f"indicator {ident}: " + FAULT_TEXT[fault][0].format(reference=reference)
        else:
            where = panel.data_cell(unit, period, ident)
            text = f"{ident} ({unit}, {period}): " + _element_text(fault, value, previous[row, col], first_period[row])
        problems.setdefault((where, text), None if per_indicator else (unit, period))
    return [Problem(where, text, row) for (where, text), row in problems.items()]


def _element_text(fault: Fault, value: float, previous: float, first_period: bool) -> str:
    if fault == Fault.MISSING and not np.isnan(value):
        return (
            "no previous period in Data, so no growth rate (missing value)"
            if first_period
            else "the previous period's value is missing, so no growth rate"
        )
    text = FAULT_TEXT[fault][0].format(value=value, previous=previous, reference="")
    return text + (" (Settings missing = error)" if fault == Fault.MISSING else "")


def _missing_warnings(model: Model, values: pd.DataFrame, missing: np.ndarray, weights: np.ndarray) -> list[str]:
    policy = model.settings.missing
    ids = np.asarray(values.columns)
    dims = model.indicators["dimension"].to_numpy()
    warnings = []
    for row in np.flatnonzero(missing.any(axis=1) & (weights.sum(axis=1) > 0)):  # an empty row is a problem
        unit, period = values.index[row]
        gone = ", ".join(ids[missing[row]])
        if policy == "zero":
            warnings.append(f"{unit} {period}: missing {gone} scored 0 (missing = zero)")
            continue
        warnings.append(f"{unit} {period}: missing {gone} left out; weights rescaled within their dimension (missing = reweight)")
        for dim in dict.fromkeys(dims[missing[row]]):
            if weights[row, dims == dim].sum() == 0:
                warnings.append(f"{unit} {period}: dimension {dim} has no values; its weight shared over the other dimensions")
    return warnings


def compute(model: Model, panel: Panel) -> IndexResult:
    """Compute the index for every (unit, period) row of the panel.

    Y = Σ_k W_k D_k with the report's defaults (arithmetic at both levels), which equals
    Σ_i W_i X_i. See the step functions for each formula.
    """
    settings = model.settings
    ids = list(model.indicators.index)
    dims = model.dimensions
    base_weights, warnings, model_problems = check_weights(model)
    model_problems += [Problem("", f"indicator {i} has no column in Data") for i in ids if i not in panel.values.columns]
    values = _ordered(panel, ids)
    scored, previous, degenerate = score_panel(model, values)
    missing = scored.faults == Fault.MISSING
    scores = np.where(missing, 0.0, scored.scores) if settings.missing == "zero" else scored.scores
    membership = membership_matrix(model.indicators["dimension"].tolist(), dims)
    weights = row_weights(base_weights, ~missing, membership, settings.missing == "reweight")
    if settings.missing != "error":
        warnings += _missing_warnings(model, values, missing, weights)
    if degenerate.any():
        flat = sorted({(values.index[r][1], ids[c]) for r, c in zip(*np.nonzero(degenerate))})
        warnings += [f"{ident} {period}: all units have the same value; min–max scores 1, z-scores 0" for period, ident in flat]
    if "geometric" in (settings.dimension_aggregation, settings.index_aggregation) and np.nanmin(scores, initial=0) < 0:
        model_problems.append(Problem("", "geometric aggregation needs scores ≥ 0; z-scores can be negative"))
    if model_problems:
        scores = np.full(scores.shape, np.nan)  # the model itself is wrong: no row is valid
    problems = model_problems + _fault_problems(model, panel, values, scored, previous)
    if settings.missing == "reweight" and not model_problems:
        problems += [Problem("", f"{unit} {period}: every value is missing, so there is no index", (unit, period))
                     for (unit, period), empty in zip(values.index, ~(weights.sum(axis=1) > 0)) if empty]
    agg = aggregate(scores, weights, membership, settings.dimension_aggregation, settings.index_aggregation)
    rows = values.index
    index = pd.Series(agg.index, index=rows, name="index")
    frame = lambda data, columns: pd.DataFrame(data, index=rows, columns=columns)  # noqa: E731
    return IndexResult(
        settings=settings,
        dimensions=dims,
        scores=frame(scores, ids),
        weights=frame(weights, ids),
        dimension_scores=frame(agg.dimension_scores, dims),
        dimension_weights=frame(agg.dimension_weights, dims),
        contributions=frame(agg.contributions, dims),
        index=index,
        rank=index.groupby(level=1).rank(ascending=False, method="min"),
        gains=frame(potential_gains(scores, weights, full_scores(model)), ids),
        missing=frame(missing, ids),
        warnings=warnings,
        problems=problems,
    )
