"""What the evaluation report says (issue 13), gathered from the engine.

Every number is one the engine computed for ``anji-xl compute`` (:func:`anji_xl.engine.compute`)
and ``anji-xl forecast`` (:func:`anji_xl.forecast.forecast`), picked here, never recomputed. Two
kinds of number are derived, each by the engine's own step: an indicator's contribution
W_i X_i and a dimension's full score are :func:`anji_xl.aggregation.aggregate` of the engine's
scores and row weights (each indicator taken as a group of its own; the full scores
:func:`~anji_xl.aggregation.full_scores` aggregated like scores). The change of the index
between two periods is the difference of two engine numbers.

The report's order is the source report's: the overview of all units in the period (ranking),
then per chosen unit 总指数, 领域得分, 趋势, 指标明细, 短板, 达标预测 and 数据说明, then the method
appendix with the provenance. The wording lives in the template (:mod:`anji_xl.report.template`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import __version__
from ..aggregation import aggregate, full_scores, membership_matrix
from ..defaults import DEFAULT_SETTINGS
from ..engine import TOP_GAINS, IndexResult, check_weights, period_order
from ..forecast import Forecast, forecast, goal_values
from ..messages import pair, say
from ..model import AnjiInputError, Model, Problem, Settings
from .source import ReportBook, file_sha256

#: Part 2 has a section for every unit by default when the period has at most this many.
MAX_UNITS = 12
METHOD_NAMES = {"ratio": "比值法", "growth": "年度增长控制", "goalpost": "目标区间法", "minmax": "极差标准化",
                "zscore": "Z 分数", "efficacy": "功效系数法"}
DIRECTION_NAMES = {1: "正向", -1: "逆向"}
#: 达标预测 groups, in the order the report lists them.
STATUS_NAMES = {"reached": "已达标", "on_track": "按趋势可达标", "off_track": "按趋势难达标", "none": "无法预测"}


def _number(value: object) -> float | None:
    """A number for the template (None where the engine has none)."""
    return None if value is None or not math.isfinite(float(value)) else float(value)


@dataclass(frozen=True)
class Change:
    """The index now minus the index of ``period``."""

    period: str
    change: float


@dataclass(frozen=True)
class DimensionRow:
    name: str
    weight: float | None  # W_k, the weight the row gave the dimension
    score: float | None  # D_k
    contribution: float | None  # C_k
    full: float | None  # the dimension's score with every indicator at its target


@dataclass(frozen=True)
class IndicatorRow:
    ident: str
    name: str
    dimension: str
    unit: str  # of measure
    value: float | None
    reference: float | None
    lower: float | None
    upper: float | None
    direction: int
    direction_name: str
    method: str
    method_name: str
    score: float | None
    weight: float | None
    contribution: float | None  # W_i X_i; None under geometric dimensions, where it is not a part of the index
    gain: float | None
    at_full: bool


@dataclass(frozen=True)
class GainRow:
    rank: int
    ident: str
    name: str
    unit: str
    value: float | None
    score: float | None
    gain: float
    goal: float | None  # the value (goal_kind value) or the growth rate (goal_kind growth) at full score
    goal_kind: str  # value, growth or none (pooled methods: the goal moves with the other units)
    direction: int


@dataclass(frozen=True)
class TrendRow:
    period: str
    index: float | None
    dimensions: list[float | None]


@dataclass(frozen=True)
class ForecastRow:
    ident: str
    name: str
    unit: str
    method: str
    status: str  # a key of STATUS_NAMES
    status_name: str
    latest: float | None
    latest_period: str | None
    trend_growth: float | None
    forecast: float | None
    score_forecast: float | None
    required_growth: float | None
    period_reached: str | None


@dataclass(frozen=True)
class UnitForecast:
    available: bool
    latest_period: str | None
    index: float | None
    index_forecast: float | None
    dimensions: list[DimensionRow]
    rows: list[ForecastRow]  # grouped in the order of STATUS_NAMES
    counts: dict[str, int]
    trajectory: list[tuple[str, float | None]]  # (year, forecast index) after the latest period up to the target
    reasons: list[str]  # the forecast's problems for this unit


@dataclass
class UnitSection:
    number: int
    name: str
    index: float | None
    rank: int | None
    of: int  # units ranked in the period
    previous: Change | None
    first: Change | None
    dimensions: list[DimensionRow]
    best: DimensionRow | None
    worst: DimensionRow | None
    trend: list[TrendRow]
    indicators: list[IndicatorRow]
    gains: list[GainRow]
    forecast: UnitForecast
    notes: list[str]
    charts: dict[str, object] = field(default_factory=dict)  # filled when the document is rendered


@dataclass(frozen=True)
class OverviewRow:
    rank: int | None
    unit: str
    index: float | None
    change: float | None  # from the book's previous period, where the unit has a row there
    dimensions: list[float | None]


@dataclass
class Overview:
    rows: list[OverviewRow]  # by rank
    count: int
    detailed: bool  # every unit of the period has a section
    chosen: list[str]
    notes: list[str]  # warnings that concern no one unit
    charts: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class AppendixIndicator:
    ident: str
    dimension: str
    name: str
    unit: str
    direction_name: str
    method: str
    method_name: str
    reference: float | None
    lower: float | None
    upper: float | None
    weight: float | None
    source: str


@dataclass(frozen=True)
class SettingRow:
    key: str
    value: str
    meaning: str


@dataclass(frozen=True)
class Provenance:
    book_name: str
    sha256: str | None
    version: str
    generated: str


@dataclass
class ReportContent:
    period: str
    previous_period: str | None
    periods: list[str]  # the book's periods up to the report's
    dimensions: list[str]
    settings: Settings
    methods: list[str]  # the scoring methods the indicator system uses
    overview: Overview
    units: list[UnitSection]
    indicators: list[AppendixIndicator]
    dimension_weights: list[tuple[str, float | None]]
    setting_rows: list[SettingRow]
    provenance: Provenance
    max_units: int = MAX_UNITS


def chinese(message: str) -> str:
    """The Chinese half of a catalogue message (``中文 · English``): the report is read in Chinese."""
    return message.split(" · ", 1)[0]


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def chosen_units(result: IndexResult, period: str | None, units: list[str] | None) -> tuple[str, list[str], list[str]]:
    """The report's period (default: the latest), the units with a row in it, and the units that
    get a section (``units``, else every unit when there are at most MAX_UNITS, else none)."""
    periods = period_order(result.rows.get_level_values(1))
    period = periods[-1] if period is None else period
    if period not in periods:
        raise AnjiInputError([Problem("--period", say("report_no_period", period=period, periods=", ".join(periods)))])
    in_period = [u for u, p in result.rows if p == period]
    if units:
        missing = [u for u in dict.fromkeys(units) if u not in in_period]
        if missing:
            raise AnjiInputError([Problem("--unit", say("no_matching_row", unit=u, period=period)) for u in missing])
        return period, in_period, list(dict.fromkeys(units))
    return period, in_period, in_period if len(in_period) <= MAX_UNITS else []


def indicator_contributions(result: IndexResult) -> pd.DataFrame:
    """W_i X_i of every row and indicator: the engine's contribution C_k with each indicator as a
    group of its own (NaN under geometric dimensions, where the parts do not add up to C_k)."""
    if result.settings.dimension_aggregation != "arithmetic":
        return pd.DataFrame(np.nan, index=result.rows, columns=result.scores.columns)
    own = aggregate(result.scores.to_numpy(), result.weights.to_numpy(), np.eye(result.scores.shape[1]))
    return pd.DataFrame(own.contributions, index=result.rows, columns=result.scores.columns)


def dimension_full_scores(model: Model, result: IndexResult) -> pd.DataFrame:
    """Each row's dimension scores with every indicator at its full score (the radar's outer ring)."""
    full = full_scores(model.indicators["method"].tolist(), result.settings)
    weights = result.weights.to_numpy()
    membership = membership_matrix(model.indicators["dimension"].tolist(), result.dimensions)
    settings = result.settings
    at_full = aggregate(np.broadcast_to(full, weights.shape), weights, membership, settings.dimension_aggregation, settings.index_aggregation)
    return pd.DataFrame(at_full.dimension_scores, index=result.rows, columns=result.dimensions)


class _Gatherer:
    """The engine's frames and the report's choices, shared by the parts of :func:`gather`."""

    def __init__(self, book: ReportBook, period: str, in_period: list[str], chosen: list[str], outlook: Forecast):
        self.book, self.model, self.result = book, book.model, book.result
        self.period, self.in_period, self.chosen, self.outlook = period, in_period, chosen, outlook
        all_periods = period_order(self.result.rows.get_level_values(1))
        self.periods = all_periods[:all_periods.index(period) + 1]
        self.rows = set(self.result.rows)
        self.ids = list(self.model.indicators.index)
        self.contributions = indicator_contributions(self.result)
        self.full = dimension_full_scores(self.model, self.result)
        self.goals = pd.Series(goal_values(self.model.table), index=self.ids)
        self.values = self.result.panel.values if self.result.panel is not None else pd.DataFrame()
        self.ranked = int(self.result.index.xs(period, level=1).notna().sum())

    def field(self, ident: str, key: str) -> str:
        table = self.model.indicators
        return _text(table.at[ident, key]) if key in table.columns else ""

    def unit_periods(self, unit: str) -> list[str]:
        return [p for p in self.periods if (unit, p) in self.rows]

    def dimension_rows(self, key: tuple[str, str]) -> list[DimensionRow]:
        r = self.result
        return [DimensionRow(d, _number(r.dimension_weights.at[key, d]), _number(r.dimension_scores.at[key, d]),
                             _number(r.contributions.at[key, d]), _number(self.full.at[key, d])) for d in r.dimensions]

    def indicator_rows(self, key: tuple[str, str]) -> list[IndicatorRow]:
        r, table = self.result, self.model.indicators
        values = self.values.loc[key] if key in self.values.index else pd.Series(dtype=float)
        rows = []
        for ident in self.ids:
            score, weight, gain = (_number(frame.at[key, ident]) for frame in (r.scores, r.weights, r.gains))
            method, direction = table.at[ident, "method"], int(table.at[ident, "direction"])
            rows.append(IndicatorRow(
                ident, self.field(ident, "name"), self.field(ident, "dimension"), self.field(ident, "unit"), _number(values.get(ident, np.nan)),
                _number(table.at[ident, "reference"]), _number(table.at[ident, "lower"]), _number(table.at[ident, "upper"]),
                direction, DIRECTION_NAMES[direction], method, METHOD_NAMES[method], score, weight,
                _number(self.contributions.at[key, ident]), gain, gain == 0 and bool(weight) and score is not None))
        return rows

    def gain_rows(self, unit: str, indicators: list[IndicatorRow]) -> list[GainRow]:
        by_id = {row.ident: row for row in indicators}
        gains = []
        for k, (ident, gain) in enumerate(self.result.top_gains(unit, self.period, TOP_GAINS).items(), start=1):
            row = by_id[ident]
            if row.method == "growth":
                goal, kind = row.reference, "growth"
            else:
                goal = _number(self.goals[ident])
                kind = "none" if goal is None else "value"
            gains.append(GainRow(k, ident, row.name, row.unit, row.value, row.score, float(gain), goal, kind, row.direction))
        return gains

    def unit_forecast(self, unit: str) -> UnitForecast:
        outlook = self.outlook
        reasons = [str(p) for p in outlook.problems_of([unit])]
        if unit not in outlook.latest_period.index or any(p.row is None for p in outlook.problems):
            return UnitForecast(False, None, None, None, [], [], {}, [], reasons)
        rows = []
        for ident in self.ids:
            f = outlook.indicators.loc[(unit, ident)]
            on_track, latest_period, reached = f["on_track"], f["latest_period"], f["period_reached"]
            status = ("off_track" if on_track is False else "reached" if reached is not None and reached == latest_period else
                      "on_track" if on_track else "none")
            rows.append(ForecastRow(ident, self.field(ident, "name"), self.field(ident, "unit"), self.model.indicators.at[ident, "method"],
                                    status, STATUS_NAMES[status], _number(f["latest"]), latest_period, _number(f["trend_growth"]),
                                    _number(f["forecast"]), _number(f["score_forecast"]), _number(f["required_growth"]), reached))
        order = list(STATUS_NAMES)
        rows.sort(key=lambda row: order.index(row.status))
        dims = [DimensionRow(d, None, _number(outlook.dimension_scores.at[unit, d]), None, None) for d in outlook.dimensions]
        trajectory = [(year, _number(v)) for (u, year), v in outlook.trajectory.items() if u == unit]
        counts = {status: 0 for status in STATUS_NAMES} | Counter(row.status for row in rows)
        return UnitForecast(True, outlook.latest_period[unit], _number(outlook.index[unit]), _number(outlook.index_forecast[unit]),
                            dims, rows, counts, trajectory, reasons)

    def warnings_by_unit(self) -> tuple[dict[str, list[str]], list[str]]:
        """The engine's warnings of each unit's rows up to the period and of the forecast, and the
        warnings of no one unit."""
        by_unit: dict[str, list[str]] = {}
        general: list[str] = []
        for warning, row in zip(self.result.warnings, self.result.warning_rows):
            if row is None:
                general.append(chinese(warning))
            elif row[1] in self.periods:
                by_unit.setdefault(row[0], []).append(chinese(warning))
        for warning, unit in zip(self.outlook.warnings, self.outlook.warning_units):
            (general if unit is None else by_unit.setdefault(unit, [])).append(pair("report_forecast_note", note=chinese(warning)).zh)
        return by_unit, general

    def row_notes(self, unit: str) -> list[str]:
        """Data's source and note cells of the unit's rows, periods with the same text together."""
        periods_of: dict[str, list[str]] = {}
        for p in self.unit_periods(unit):
            text = self.book.row_notes.get((unit, p))
            if text:
                periods_of.setdefault(text, []).append(p)
        return [pair("report_row_note", periods="、".join(periods), note=text).zh for text, periods in periods_of.items()]

    def section(self, number: int, unit: str, warnings: list[str]) -> UnitSection:
        r, key = self.result, (unit, self.period)
        index = _number(r.index[key])
        periods = self.unit_periods(unit)
        change = lambda p: Change(p, index - float(r.index[(unit, p)]))  # noqa: E731
        dims = self.dimension_rows(key)
        scored = [d for d in dims if d.score is not None]
        indicators = self.indicator_rows(key)
        rank = _number(r.rank[key])
        outlook = self.unit_forecast(unit)
        notes = warnings + self.row_notes(unit) + [pair("report_forecast_note", note=chinese(reason)).zh for reason in outlook.reasons]
        trend = [TrendRow(p, _number(r.index[(unit, p)]), [_number(r.dimension_scores.at[(unit, p), d]) for d in r.dimensions]) for p in periods]
        return UnitSection(
            number, unit, index, None if rank is None else int(rank), self.ranked,
            change(periods[-2]) if len(periods) > 1 else None, change(periods[0]) if len(periods) > 2 else None,
            dims, max(scored, key=lambda d: d.score, default=None), min(scored, key=lambda d: d.score, default=None),
            trend, indicators, self.gain_rows(unit, indicators), outlook, notes)

    def overview(self, general: list[str]) -> Overview:
        r = self.result
        previous = self.periods[-2] if len(self.periods) > 1 else None
        rows = []
        for unit in self.in_period:
            key = (unit, self.period)
            index, rank = _number(r.index[key]), _number(r.rank[key])
            before = _number(r.index[(unit, previous)]) if (unit, previous) in self.rows else None
            change = index - before if index is not None and before is not None else None
            rows.append(OverviewRow(None if rank is None else int(rank), unit, index, change, [_number(v) for v in r.dimension_scores.loc[key]]))
        rows.sort(key=lambda row: (row.rank is None, row.rank or 0))
        return Overview(rows, len(rows), set(self.chosen) == set(self.in_period), self.chosen, general)

    def appendix(self) -> tuple[list[AppendixIndicator], list[tuple[str, float | None]]]:
        table = self.model.indicators
        weights, _, _ = check_weights(self.model)  # the weights the engine used (rescaled under normalize_weights)
        membership = membership_matrix(table["dimension"].tolist(), self.result.dimensions)
        totals = aggregate(np.ones((1, len(weights))), weights[None, :], membership).dimension_weights[0]
        indicators = [
            AppendixIndicator(ident, self.field(ident, "dimension"), self.field(ident, "name"), self.field(ident, "unit"),
                              DIRECTION_NAMES[int(table.at[ident, "direction"])], table.at[ident, "method"],
                              METHOD_NAMES[table.at[ident, "method"]], _number(table.at[ident, "reference"]),
                              _number(table.at[ident, "lower"]), _number(table.at[ident, "upper"]), _number(w), self.field(ident, "source"))
            for ident, w in zip(self.ids, weights)
        ]
        return indicators, [(d, _number(w)) for d, w in zip(self.result.dimensions, totals)]


def setting_rows(settings: Settings) -> list[SettingRow]:
    """The Settings the engine used, with what each means (the shipped book's descriptions)."""
    meaning = {key: text for key, _, text in DEFAULT_SETTINGS}
    rows = []
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        shown = "（空白：不设上限）" if value is None else ("yes" if value is True else "no" if value is False else f"{value:g}" if isinstance(value, float) else str(value))
        rows.append(SettingRow(f.name, shown, meaning.get(f.name, "")))
    return rows


def report_problems(book: ReportBook, period: str, in_period: list[str], chosen: list[str]) -> list[Problem]:
    """The problems of the rows the report shows (the period's rows, and every row up to the
    period of each chosen unit), as ``anji-xl compute`` lists them for those rows."""
    rows = book.result.rows
    periods = period_order(rows.get_level_values(1))
    upto = set(periods[:periods.index(period) + 1])
    shown = {(u, period) for u in in_period} | {(u, p) for u, p in rows if u in chosen and p in upto}
    return [p for p in book.problems if p.row is None or p.row in shown]


def gather(book: ReportBook, period: str | None = None, units: list[str] | None = None,
           generated: dt.datetime | None = None) -> ReportContent:
    """The report's content for ``period`` (default: the latest) and ``units`` (default: every
    unit of the period when there are at most MAX_UNITS); AnjiInputError when the engine has
    problems in the rows it would show, or the period or a unit is not in the book."""
    model, result = book.model, book.result
    period, in_period, chosen = chosen_units(result, period, units)
    problems = report_problems(book, period, in_period, chosen)
    if problems:
        raise AnjiInputError(problems)
    latest = period == period_order(result.rows.get_level_values(1))[-1]  # as of the latest period: all of Data, as `forecast` reads it
    gatherer = _Gatherer(book, period, in_period, chosen, forecast(model, result, as_of=None if latest else period))
    by_unit, general = gatherer.warnings_by_unit()
    indicators, dimension_weights = gatherer.appendix()
    generated = generated or dt.datetime.now()
    return ReportContent(
        period=period,
        previous_period=gatherer.periods[-2] if len(gatherer.periods) > 1 else None,
        periods=gatherer.periods,
        dimensions=list(result.dimensions),
        settings=result.settings,
        methods=list(dict.fromkeys(model.indicators["method"])),
        overview=gatherer.overview(general),
        units=[gatherer.section(k, unit, by_unit.get(unit, [])) for k, unit in enumerate(chosen, start=1)],
        indicators=indicators,
        dimension_weights=dimension_weights,
        setting_rows=setting_rows(result.settings),
        provenance=Provenance(book.path.name, file_sha256(book.path), __version__, generated.isoformat(sep=" ", timespec="minutes")),
    )
