"""Trajectory to the target year (达标预测, SPEC §2b): which 2025 targets the present trend reaches.

Per unit and indicator, with Settings ``target_period`` (P) and ``trend_periods`` (k):

* T: the unit's latest period with a value v_T; S: the earliest period with a value in
  [T − k, T − 1] (none: no trend, the indicator is missing from the forecast, with a warning);
* trend growth g = (v_T / v_S)^(1/(T − S)) − 1; forecast v̂ = v_T (1 + g)^(P − T);
* forecast score: the indicator's own rule applied to v̂ (growth control: to g; pooled methods
  have no forecast);
* required growth (ratio, goalpost) = (r / v_T)^(1/(P − T)) − 1; on track when v̂ meets r
  (growth: g within g_ref); period reached = the first period T + n with v_T (1 + g)^n meeting r;
* the forecast index: the forecast scores through :func:`~anji_xl.aggregation.combine`, exactly
  as the index aggregates scores (weights, aggregation, the missing policy).

Numbers only: this module never imports a spreadsheet library. Periods must be whole years.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Callable

import numpy as np

from .aggregation import combine, full_scores, membership_matrix
from .engine import IndexResult, cell_span, check_weights
from .messages import pair, say
from .model import Model, Panel, Problem, Settings
from .scoring import POOLED_METHODS, Fault, Scored, fault_message, score_goalpost, score_growth, score_ratio
from .tables import IndicatorTable, PanelValues, RowLabels

if TYPE_CHECKING:
    import pandas as pd

#: "Meets the target" allows this relative rounding, so that a value that reaches r exactly on
#: paper (v_T (1 + g)^n = r) is not missed by the last bit of a floating-point power.
MEETS_TOLERANCE = 1e-9

#: Units whose latest values reach the target period that are each named in a problem of their
#: own; beyond, the problems shown name these first and count the rest, in one line at the setting
#: (a province's book where most counties already have the target year's data listed 3,000).
NAMED_LATE_UNITS = 3


@dataclass(frozen=True)
class LateUnits:
    """The units whose latest values reach the target period (nothing to forecast), in Data's
    order; each one's problem, at its cells, is made when asked: a province's book has thousands,
    and a few are shown (:meth:`Forecast.problems_of`, grouped)."""

    units: list[str] = field(default_factory=list)
    problem: Callable[[str], Problem] | None = None
    at: int = 0  # where their problems stand among the forecast's others


#: Columns of :attr:`Forecast.indicators`.
INDICATOR_COLUMNS = ("latest_period", "latest", "start_period", "trend_growth", "forecast", "score_forecast",
                     "required_growth", "on_track", "period_reached")


def year_of(period: object) -> int | None:
    """A period label as a whole year (``"2020"``, ``2020``, ``"2020.0"`` → 2020); None otherwise
    (``"2020Q1"``, ``"2020-10"``): the trend needs the number of years between two periods."""
    try:
        number = float(str(period).strip())
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number == int(number) else None


@dataclass(frozen=True)
class Trends:
    """Per series (column): T, v_T, S, v_S; NaN where there is none."""

    latest_period: np.ndarray
    latest: np.ndarray
    start_period: np.ndarray
    start: np.ndarray


def find_trends(years: np.ndarray, values: np.ndarray, trend_periods: int) -> Trends:
    """T and S of each column of ``values`` (rows: the periods ``years``, ascending; NaN rows
    after the last are padding). Leading dimensions stack series: years (..., rows), values
    (..., rows, columns) give T and S of shape (..., columns).

    T is the latest row with a value; S the earliest row with a value in [T − k, T − 1].
    """
    years = np.asarray(years, dtype=float)
    has = ~np.isnan(values)
    n = years.shape[-1]
    nan = np.full(values.shape[:-2] + values.shape[-1:], np.nan)
    if n == 0:
        return Trends(nan, nan, nan, nan)

    def row_of(part: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """part[..., rows[..., c], c]: the value of each column at its row."""
        return np.take_along_axis(part, rows[..., None, :], axis=-2)[..., 0, :]

    last = n - 1 - np.argmax(has[..., ::-1, :], axis=-2)
    found = has.any(axis=-2)
    latest_period = np.where(found, np.take_along_axis(years, last, axis=-1), np.nan)
    latest = np.where(found, row_of(values, last), np.nan)
    row_years, latest_years = years[..., :, None], latest_period[..., None, :]
    with np.errstate(invalid="ignore"):
        window = has & (row_years >= latest_years - trend_periods) & (row_years <= latest_years - 1)
    first = np.argmax(window, axis=-2)
    started = window.any(axis=-2)
    start_period = np.where(started, np.take_along_axis(years, first, axis=-1), np.nan)
    start = np.where(started, row_of(values, first), np.nan)
    return Trends(latest_period, latest, start_period, start)


def trend_growth(latest, start, periods):
    """g = (v_T / v_S)^(1/(T − S)) − 1 (NaN where v_S ≤ 0 or there is no start)."""
    with np.errstate(all="ignore"):
        return np.where(np.asarray(start) > 0, (np.asarray(latest) / start) ** (1 / np.asarray(periods, dtype=float)) - 1, np.nan)


def required_growth(latest, target_value, periods_left):
    """The constant yearly growth from v_T that reaches r exactly after ``periods_left`` years:
    (r / v_T)^(1/(P − T)) − 1; negative when the value must fall. NaN where v_T ≤ 0, r < 0 or
    P − T ≤ 0."""
    v, r, n = (np.asarray(a, dtype=float) for a in (latest, target_value, periods_left))
    with np.errstate(all="ignore"):
        return np.where((v > 0) & (r >= 0) & (n > 0), (r / v) ** (1 / n) - 1, np.nan)


def meets(value, target_value, direction):
    """v ≥ r (positive) or v ≤ r (negative), within :data:`MEETS_TOLERANCE` of r."""
    v, r, d = (np.asarray(a, dtype=float) for a in (value, target_value, direction))
    slack = MEETS_TOLERANCE * np.abs(r)
    with np.errstate(invalid="ignore"):
        return np.where(d > 0, v >= r - slack, v <= r + slack)


def periods_to_reach(latest, growth, target_value, direction):
    """The fewest whole periods n ≥ 0 with v_T (1 + g)^n meeting r; NaN when the trend never
    meets it (no trend, or g zero or away from r)."""
    v, g, r, d = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (latest, growth, target_value, direction)))
    out = np.full(v.shape, np.nan)
    now = meets(v, r, d) & ~np.isnan(v)
    out[now] = 0.0
    with np.errstate(all="ignore"):
        toward = ~now & (v > 0) & (r > 0) & (1 + g > 0) & np.where(d > 0, g > 0, g < 0)
        n = np.ceil(np.log(r / v) / np.log1p(g))
    for pos in zip(*np.nonzero(toward & np.isfinite(n))):
        steps = max(n[pos], 1.0)
        while steps > 1 and meets(v[pos] * (1 + g[pos]) ** (steps - 1), r[pos], d[pos]):
            steps -= 1  # the logarithm rounded up past the first period that meets r
        while not meets(v[pos] * (1 + g[pos]) ** steps, r[pos], d[pos]):
            steps += 1
        out[pos] = steps
    return out


def goal_values(indicators: IndicatorTable) -> np.ndarray:
    """The value at which each indicator's score is full: r for ratio; the goalpost the
    direction points at (upper, or lower for a negative indicator); NaN for growth control (its
    goal is a rate, g_ref) and pooled methods (their goalposts move with the other units)."""
    method, d = indicators.column("method"), indicators.column("direction", float)
    goalpost = np.where(d > 0, indicators.column("upper", float), indicators.column("lower", float))
    return np.where(method == "ratio", indicators.column("reference", float), np.where(method == "goalpost", goalpost, np.nan))


@dataclass(frozen=True)
class Projection:
    """Forecast of elements (units × indicators) at a horizon: v̂, its score and fault codes."""

    growth: np.ndarray
    forecast: np.ndarray
    scored: Scored


def project(indicators: IndicatorTable, trends: Trends, horizon, cap: float | None) -> Projection:
    """v̂ = v_T (1 + g)^(horizon − T) and its score by each indicator's own rule; growth control
    scores g itself, (1 + g_ref)/(1 + g) or its inverse; pooled methods score NaN (MISSING)."""
    shape = trends.latest.shape
    g = trend_growth(trends.latest, trends.start, trends.latest_period - trends.start_period)
    with np.errstate(all="ignore"):
        v_hat = trends.latest * (1 + g) ** (np.asarray(horizon, dtype=float) - trends.latest_period)
    scores = np.full(shape, np.nan)
    faults = np.full(shape, np.int8(Fault.MISSING))
    direction, reference, lower, upper = (indicators.column(name, float) for name in ("direction", "reference", "lower", "upper"))
    for (method, transform), cols in _by_method(indicators).items():
        if method in POOLED_METHODS:
            continue
        d, r = direction[cols], reference[cols]
        if method == "ratio":
            scored = score_ratio(v_hat[..., cols], r, d, cap)
        elif method == "growth":
            span = np.nan_to_num((trends.latest_period - trends.start_period)[..., cols], nan=1.0)  # no start: MISSING, not a span fault
            scored = score_growth(trends.latest[..., cols], trends.start[..., cols], r, d, cap, span)
        else:
            scored = score_goalpost(v_hat[..., cols], lower[cols], upper[cols], d, transform)
        scores[..., cols] = scored.scores
        faults[..., cols] = scored.faults
    return Projection(g, v_hat, Scored(scores, faults))


def _by_method(indicators: IndicatorTable) -> dict[tuple[str, str], np.ndarray]:
    """The indicators' positions by (method, transform), in the order first seen; one with
    either blank (None, NaN) is in none and scores nothing (MISSING), as pandas' groupby leaves it out."""
    groups: dict[tuple[str, str], list[int]] = {}
    for k, key in enumerate(zip(indicators.columns["method"], indicators.columns["transform"])):
        if not any(part is None or part != part for part in key):
            groups.setdefault(key, []).append(k)
    return {key: np.array(cols) for key, cols in groups.items()}


@dataclass
class Forecast:
    """The trajectory of every unit to ``target_period``: its numbers as arrays (units in the
    order Data first lists them), and as frames indexed by unit (and indicator id), made when
    first asked (they load pandas). NaN where there is no number, the reason in ``warnings`` or
    ``problems``."""

    settings: Settings
    dimensions: list[str]
    units: list[str]
    ids: list[str]
    latest_labels: list[str | None]  # per unit, its latest period in Data (label)
    index_values: np.ndarray  # per unit, the index of that period
    figures: dict[str, np.ndarray]  # INDICATOR_COLUMNS → units × ids; periods as labels, on_track True/False/None
    score_values: np.ndarray  # units × ids: forecast scores after the missing policy
    weight_values: np.ndarray  # units × ids: the weight each forecast score was given
    dimension_score_values: np.ndarray  # units × dimensions
    index_forecast_values: np.ndarray  # per unit, the forecast index
    gain_values: np.ndarray  # units × ids: W (full − forecast score)
    trajectory_keys: list[tuple[str, str]]  # (unit, year label) of each year after a unit's latest period up to the target
    trajectory_values: np.ndarray  # the forecast index of each
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # but the late units': :meth:`problems_of` gives both
    warning_units: list[str | None] = field(default_factory=list)  # the unit each warning concerns (None: every unit)
    late: LateUnits = field(default_factory=LateUnits)  # the units whose data reach the target, each a problem besides ``problems``
    target_cell: str = "Settings"  # where the book sets target_period (the sheet, where it does not)

    @property
    def target_period(self) -> int:
        return self.settings.target_period

    @cached_property
    def latest_period(self) -> pd.Series:
        """unit → its latest period in Data (label)."""
        import pandas as pd

        return pd.Series(self.latest_labels, index=self.units, dtype=object)

    @cached_property
    def index(self) -> pd.Series:
        """unit → the index of its latest period."""
        import pandas as pd

        return pd.Series(self.index_values, index=self.units, dtype=float)

    @cached_property
    def indicators(self) -> pd.DataFrame:
        """(unit, id) → INDICATOR_COLUMNS: numbers as floats; periods and on_track as objects
        that keep None (pandas would make it NaN, or the periods text of its own type)."""
        import pandas as pd

        rows = pd.MultiIndex.from_product([self.units, self.ids], names=["unit", "id"])
        texts = ("latest_period", "on_track", "period_reached")
        return pd.DataFrame({name: pd.Series(self.figures[name].ravel(), index=rows, dtype=object if name in texts else float)
                             for name in INDICATOR_COLUMNS}, index=rows)

    def _frame(self, values: np.ndarray, columns: list[str]) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(values, index=pd.Index(self.units, name="unit"), columns=columns)

    @cached_property
    def scores(self) -> pd.DataFrame:
        return self._frame(self.score_values, self.ids)

    @cached_property
    def weights(self) -> pd.DataFrame:
        return self._frame(self.weight_values, self.ids)

    @cached_property
    def dimension_scores(self) -> pd.DataFrame:
        return self._frame(self.dimension_score_values, self.dimensions)

    @cached_property
    def gains(self) -> pd.DataFrame:
        return self._frame(self.gain_values, self.ids)

    @cached_property
    def index_forecast(self) -> pd.Series:
        import pandas as pd

        return pd.Series(self.index_forecast_values, index=self.units, dtype=float)

    @cached_property
    def trajectory(self) -> pd.Series:
        """(unit, year label) → the forecast index of each year after the unit's latest period up to the target."""
        import pandas as pd

        return pd.Series(dict(zip(self.trajectory_keys, self.trajectory_values.tolist())), dtype=float)

    def warnings_of(self, units: list[str]) -> list[str]:
        """The warnings that concern these units (and those that concern every unit)."""
        wanted = set(units)
        return [w for w, u in zip(self.warnings, self.warning_units) if u is None or u in wanted]

    def problems_of(self, units: list[str], grouped: bool = False) -> list[Problem]:
        """The problems of these units (Problem.row names the unit) and of the whole model.
        ``grouped`` (as shown: the command line, Results' warnings): where more than
        :data:`NAMED_LATE_UNITS` units' data reach the target, one problem at the setting in
        place of theirs, naming the first and counting all."""
        wanted = set(units)
        shown = lambda problems: [p for p in problems if p.row is None or p.row[0] in wanted]  # noqa: E731
        late = [unit for unit in self.late.units if unit in wanted]
        if grouped and len(late) > NAMED_LATE_UNITS:
            named = ", ".join(f"{unit} {self.late.problem(unit).where}" for unit in late[:NAMED_LATE_UNITS])
            said = [Problem(self.target_cell, say("nothing_to_forecast_many", count=len(late), target=self.target_period, units=named))]
        else:
            said = [self.late.problem(unit) for unit in late]
        at = self.late.at
        return [*shown(self.problems[:at]), *said, *shown(self.problems[at:])]

    def off_track(self, unit: str) -> list[str]:
        """The unit's indicators that will miss their target, largest forecast gain first."""
        rows = self.indicators.loc[unit]
        ids = [i for i in rows.index if rows.at[i, "on_track"] is not None and not rows.at[i, "on_track"]]
        gains = self.gains.loc[unit]
        return sorted(ids, key=lambda i: -np.nan_to_num(gains[i]))


@dataclass(frozen=True)
class UnitRows:
    """Every unit's Data rows used by the forecast, in year order, stacked: years (units × rows),
    values (units × rows × ids) and period labels (units × rows); a unit with fewer rows than
    the most is padded after its last (NaN, None)."""

    units: list[str]
    years: np.ndarray
    values: np.ndarray
    periods: np.ndarray
    counts: np.ndarray  # rows per unit

    @classmethod
    def stack(cls, units: list[str], unit_of: np.ndarray, years: np.ndarray, values: np.ndarray, periods: np.ndarray) -> UnitRows:
        """From rows ordered by unit and year: ``unit_of`` the position of each row's unit in ``units``."""
        counts = np.bincount(unit_of, minlength=len(units))
        place = np.arange(len(unit_of)) - np.repeat(np.cumsum(counts) - counts, counts)  # each row's place in its unit
        depth = max(1, int(counts.max(initial=0)))
        stacked_years, stacked_periods = np.full((len(units), depth), np.nan), np.full((len(units), depth), None, dtype=object)
        stacked_values = np.full((len(units), depth, values.shape[1]), np.nan)
        stacked_years[unit_of, place], stacked_values[unit_of, place], stacked_periods[unit_of, place] = years, values, periods
        return cls(units, stacked_years, stacked_values, stacked_periods, counts)

    @classmethod
    def none(cls, ids: int) -> UnitRows:
        """No unit at all (the model has problems)."""
        return cls.stack([], np.zeros(0, dtype=int), np.zeros(0), np.zeros((0, ids)), np.zeros(0, dtype=object))

    def labels(self, years: np.ndarray) -> np.ndarray:
        """The period label of each unit's row of the year in ``years`` (units × ids); None where NaN."""
        place = (self.years[:, :, None] < years[:, None, :]).sum(axis=1)  # a unit's years ascend, one row each
        labels = np.take_along_axis(self.periods, place, axis=1)
        labels[np.isnan(years)] = None
        return labels


def _unit_rows(panel: Panel, ids: list[str], as_of: int | None) -> tuple[UnitRows, list[Problem]]:
    """Each unit's Data rows in year order (as_of: only rows up to it; of two labels of one year
    the first in Data); a period that is not a whole year, or two labels of one year, is a
    problem naming the row's cells. Units in the order Data first lists them."""
    values, labels = panel.table.in_columns(ids), panel.table.rows
    problems: list[Problem] = []
    unit_labels, period_labels = labels.units.tolist(), labels.periods.tolist()
    year_of_label = {p: year_of(p) for p in dict.fromkeys(period_labels)}
    years = [year_of_label[p] for p in period_labels]
    unit_codes, units = labels.codes(0)
    year_numbers = np.array([np.nan if y is None else y for y in years], dtype=float)
    by_unit_year = np.lexsort((year_numbers, unit_codes))
    repeated = (np.diff(unit_codes[by_unit_year]) == 0) & (np.diff(year_numbers[by_unit_year]) == 0)
    every_year_once = not (np.isnan(year_numbers).any() or repeated.any())  # then no problem to find row by row
    seen: dict[tuple[str, int], str] = {}
    for unit, period, year in () if every_year_once else zip(unit_labels, period_labels, years):
        if year is None:
            problems.append(Problem(cell_span([panel.data_cell(unit, period, i) for i in ids]), say("period_not_year", period=period, unit=unit)))
        elif (unit, year) in seen:
            problems.append(Problem(cell_span([panel.data_cell(unit, period, i) for i in ids]),
                                    say("periods_same_year", unit=unit, period=period, other=seen[(unit, year)])))
        else:
            seen[(unit, year)] = period
    with np.errstate(invalid="ignore"):
        kept = ~np.isnan(year_numbers) & (year_numbers <= as_of if as_of is not None else True)
    rows = np.flatnonzero(kept)
    rows = rows[np.lexsort((rows, year_numbers[rows], unit_codes[rows]))]  # by unit, then year, then place in Data
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (unit_codes[rows][1:] != unit_codes[rows][:-1]) | (year_numbers[rows][1:] != year_numbers[rows][:-1])
    rows = rows[first]
    periods = np.asarray(period_labels, dtype=object)
    return UnitRows.stack(list(units), unit_codes[rows], year_numbers[rows], values[rows], periods[rows]), problems  # a list of its own: the labels' codes keep theirs


def forecast(model: Model, result: IndexResult, as_of: str | None = None) -> Forecast:
    """The forecast of every unit of ``result`` (computed from ``model`` and its panel).

    ``as_of``: forecast from the Data of that period and before only (a past year's view).
    Problems: the model's (no forecast at all), periods that are not years, T ≥ target_period,
    v_T < 0 or v_S < 0, scores that are not finite, and the problems of each unit's latest row
    (whose index is shown). A zero v_T or v_S gives no trend (a power or ratio needs v > 0): the
    indicator is missing from the forecast, as without a start period, and the missing policy decides.
    """
    settings, ids, dims, table = model.settings, model.ids, result.dimensions, model.table
    target, window = settings.target_period, settings.trend_periods
    panel = result.panel if result.panel is not None else Panel(PanelValues(np.zeros((0, len(ids))), ids, RowLabels([], [])))
    problems = [p for p in result.problems if p.row is None]
    as_year = None if as_of is None else year_of(as_of)
    if as_of is not None and as_year is None:
        problems.append(Problem("--period", say("as_of_not_year", period=as_of)))
    rows, period_problems = (UnitRows.none(len(ids)), []) if problems else _unit_rows(panel, ids, as_year)
    problems += period_problems
    units = rows.units
    shape = (len(units), len(ids))
    trends = find_trends(rows.years, rows.values, window)
    latest_t, latest_v, start_t, start_v = trends.latest_period, trends.latest, trends.start_period, trends.start
    latest_label = {unit: rows.periods[u, n - 1] if n else None for u, (unit, n) in enumerate(zip(units, rows.counts.tolist()))}
    latest_periods, start_periods = rows.labels(latest_t), rows.labels(start_t)  # the period labels of T and S
    notes: list[tuple[str | None, str]] = []  # (the unit a warning concerns, the warning)
    methods = table.column("method")
    pooled = np.isin(methods, list(POOLED_METHODS))

    def cell(u: int, c: int, period: str) -> str:
        return panel.data_cell(units[u], period, ids[c])

    def problem(u: int, where: str, name: str, **fields: object) -> None:
        problems.append(Problem(where, say(name, **fields), (units[u], latest_label[units[u]])))

    known = ~np.isnan(latest_t)
    broken = known & (latest_t >= target)  # elements with a problem: no number, whatever the missing policy
    counted = int(known.any(axis=1).sum())
    everywhere = counted > 1 and bool((broken == known).all())  # every unit's data reach the target: the setting to change, said once
    target_cell = model.settings_cell("target_period") or "Settings"  # the sheet, where the book does not set it
    if everywhere:
        year = int(np.min(latest_t, where=known, initial=np.inf))
        problems.append(Problem(target_cell, say("nothing_to_forecast_all", count=counted, year=year, target=target)))
    reach = broken.copy()  # as it is now: later problems add to ``broken``
    late_rows = {units[u]: u for u in ([] if everywhere else np.flatnonzero(reach.any(axis=1)).tolist())}

    def late_problem(unit: str) -> Problem:
        u = late_rows[unit]
        late = np.flatnonzero(reach[u]).tolist()
        return Problem(cell_span([cell(u, c, latest_periods[u, c]) for c in late]),
                       say("nothing_to_forecast", unit=unit, year=int(latest_t[u, late].max()), target=target), (unit, latest_label[unit]))

    late_units = LateUnits(list(late_rows), late_problem, len(problems))
    for periods, values in ((latest_periods, latest_v), (start_periods, start_v)):
        with np.errstate(invalid="ignore"):  # a 0 (e.g. a 0/1 indicator before it was met) has no trend: missing, not a problem
            bad = (values < 0) & ~pooled & ~broken
        for u, c in zip(*np.nonzero(bad)):
            broken[u, c] = True
            problem(u, cell(u, c, periods[u, c]), "trend_not_positive", ident=ids[c], unit=units[u], period=periods[u, c], value=values[u, c])

    projection = project(table, trends, np.full(shape, float(target)), settings.cap)
    faults = projection.scored.faults
    for u, c in zip(*np.nonzero((faults != Fault.OK) & (faults != Fault.MISSING) & ~broken)):
        broken[u, c] = True
        why = fault_message(Fault(faults[u, c]), value=projection.forecast[u, c], reference=table.columns["reference"][c],
                            previous=start_v[u, c], score=np.nan)
        problem(u, cell(u, c, latest_periods[u, c]), "forecast_fault", ident=ids[c], unit=units[u], fault=why)

    missing = (faults == Fault.MISSING) & ~broken
    notes += _missing_warnings(model, units, trends, missing, pooled, latest_periods, start_periods, cell)
    stale = latest_t < np.nanmax(latest_t, axis=1, initial=-np.inf, keepdims=True)  # older than the unit's latest year with a value
    for u in np.flatnonzero(stale.any(axis=1)).tolist():
        notes.append((units[u], say("latest_older", unit=units[u], ids=", ".join(np.asarray(ids)[stale[u]]), period=latest_label[units[u]])))

    scores = np.where(broken, np.nan, projection.scored.scores)
    weights, _, _ = check_weights(model)
    membership = membership_matrix(table.columns["dimension"], dims)
    full = full_scores(methods.tolist(), settings)
    combined = combine(scores, missing, weights, membership, settings, full)
    if settings.missing == "error":
        notes += [(units[u], say("no_forecast_index", unit=units[u], ids=", ".join(np.asarray(ids)[missing[u]])))
                  for u in np.flatnonzero(missing.any(axis=1))]

    goal = goal_values(table)
    direction = table.column("direction", float)
    g = np.where(pooled | broken, np.nan, projection.growth)
    v_hat = np.where(pooled | broken, np.nan, projection.forecast)
    needed = np.where(broken, np.nan, required_growth(latest_v, goal, target - latest_t))
    steps = np.where(broken, np.nan, periods_to_reach(latest_v, g, goal, direction))
    on_track = _on_track(table, v_hat, g, goal, broken)

    reached = np.full(shape, None, dtype=object)
    reached[~np.isnan(steps)] = [str(int(year)) for year in (latest_t + steps)[~np.isnan(steps)].tolist()]
    figures = dict(zip(INDICATOR_COLUMNS, (latest_periods, latest_v, start_t, g, v_hat, scores, needed, on_track, reached)))
    shown = {(u, latest_label[u]) for u in units}
    problems += [p for p in result.problems if p.row is not None and p.row in shown]
    agg = combined.aggregate
    trajectory = _trajectory(model, trends, units, latest_label, broken, missing, weights, membership, full)
    position = dict(zip(result.labels, range(len(result.labels))))  # each (unit, period)'s row in the result
    latest = [latest_label[u] for u in units]
    return Forecast(
        settings=settings,
        dimensions=dims,
        units=units,
        ids=ids,
        latest_labels=latest,
        index_values=np.array([result.arrays.index[position[row]] if row in position else np.nan for row in zip(units, latest)], dtype=float),
        figures=figures,
        score_values=combined.scores,
        weight_values=combined.weights,
        dimension_score_values=agg.dimension_scores,
        index_forecast_values=np.asarray(agg.index, dtype=float),
        gain_values=combined.gains,
        trajectory_keys=trajectory[0],
        trajectory_values=trajectory[1],
        warnings=[text for _, text in notes],
        problems=problems,
        warning_units=[unit for unit, _ in notes],
        late=late_units,
        target_cell=target_cell,
    )


def _at(where: str, text: str) -> str:
    return f"{where}: {text}" if where else text


def _on_track(indicators: IndicatorTable, v_hat: np.ndarray, g: np.ndarray, goal: np.ndarray, broken: np.ndarray) -> np.ndarray:
    """Ratio and goalpost: v̂ meets the goal; growth control: g ≤ g_ref (negative) or g ≥ g_ref
    (positive), compared as growth factors 1 + g; None where there is no forecast."""
    d = indicators.column("direction", float)
    growth = indicators.column("method") == "growth"
    factor_goal = 1 + indicators.column("reference", float)
    value = np.where(growth, 1 + g, v_hat)
    target = np.where(growth, factor_goal, goal)
    ok = meets(value, target, d)
    known = ~np.isnan(value) & ~np.isnan(target) & ~broken
    on_track = ok.astype(object)  # True and False as Python's
    on_track[~known] = None
    return on_track


def _missing_warnings(model: Model, units: list[str], trends: Trends, missing: np.ndarray, pooled: np.ndarray, latest_periods: np.ndarray,
                      start_periods: np.ndarray, cell) -> list[tuple[str | None, str]]:
    """One warning per pooled indicator, and per unit and indicator without a trend, naming the cell."""
    ids, method = model.ids, model.table.columns["method"]
    policy = model.settings.missing
    effect = pair(f"missing.{policy}")
    notes: list[tuple[str | None, str]] = [
        (None, say("pooled_no_forecast", ident=ids[c], method=method[c], effect=effect, policy=policy)) for c in np.flatnonzero(pooled)
    ]
    for u, c in zip(*np.nonzero(missing & ~pooled)):
        unit, ident, year = units[u], ids[c], trends.latest_period[u, c]
        if np.isnan(year):
            notes.append((unit, say("no_value_no_forecast", ident=ident, unit=unit, effect=effect, policy=policy)))
            continue
        since, until, period = int(year) - model.settings.trend_periods, int(year) - 1, latest_periods[u, c]
        why = (say("no_trend_no_earlier", ident=ident, unit=unit, period=period, since=since, until=until, effect=effect, policy=policy)
               if np.isnan(trends.start_period[u, c]) else  # else v_S or v_T is 0 (negatives are problems)
               say("no_trend_zero", ident=ident, unit=unit, period=period, start=start_periods[u, c], effect=effect, policy=policy))
        notes.append((unit, _at(cell(u, c, period), why)))
    return notes


def _trajectory(model: Model, trends: Trends, units: list[str], latest_label: dict, broken: np.ndarray, missing: np.ndarray,
                weights: np.ndarray, membership: np.ndarray, full: np.ndarray) -> tuple[list[tuple[str, str]], np.ndarray]:
    """The forecast index of every year after each unit's latest period up to the target:
    the same projection and aggregation at each year in turn; (unit, year) by unit in the
    units' order, then by year."""
    settings = model.settings
    latest = np.array([np.nan if latest_label[u] is None else year_of(latest_label[u]) for u in units], dtype=float)
    out: dict[tuple[str, str], float] = {}
    if not len(units) or np.isnan(latest).all():
        return [], np.zeros(0)
    for year in range(int(np.nanmin(latest)) + 1, settings.target_period + 1):
        rows = np.flatnonzero(latest < year)
        if not len(rows):
            continue
        sub = Trends(*(a[rows] for a in (trends.latest_period, trends.latest, trends.start_period, trends.start)))
        scored = project(model.table, sub, np.full(sub.latest.shape, float(year)), settings.cap).scored
        scores = np.where(broken[rows] | ((scored.faults != Fault.OK) & ~missing[rows]), np.nan, scored.scores)
        index = combine(scores, missing[rows], weights, membership, settings, full).aggregate.index
        out.update({(units[r], str(year)): float(v) for r, v in zip(rows, index)})
    place = {unit: k for k, unit in enumerate(units)}
    ordered = sorted(out.items(), key=lambda item: place[item[0][0]])  # stable: each unit's years stay in order
    return [key for key, _ in ordered], np.array([value for _, value in ordered], dtype=float)
