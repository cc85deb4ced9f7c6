"""What the Results sheet holds — decided here once, for the builder, the Recalculate button and
``anji-xl recalc`` alike.

Blocks of rows (first row = header), each written as one rectangle:

* ``summary``: per unit and period the index, its rank within the period, the dimension scores
  and the dimension contributions;
* ``gains``: per unit and period the largest potential gains (短板), keyed
  ``unit|period|k`` so native formulas can look them up;
* ``warnings``: one per line;
* ``choices``: the distinct units, periods and dimensions (the Dashboard's lists and tables);
* ``validation``: every problem of the input with its ``Sheet!Cell`` (written by Validate), or OK;
* ``forecast`` (达标预测, SPEC §2b): per unit its latest period, the target period, the index of the
  latest period, the forecast index, how many indicators miss their target, and the forecast
  dimension scores;
* ``forecast_indicators``: per unit and indicator the trajectory figures, keyed ``unit|id``, and
  the indicators that miss their target also keyed ``unit|k`` (k = 1 the largest forecast gain);
* ``trajectory``: per unit the forecast index of every year after its latest period up to the
  target, keyed ``unit|year``;

plus a ``stamp``: when, with which version and on how many rows it was computed.

A block is held a column at a time (:class:`Block`), as ``anji-xl recalc`` writes it: a long book's
blocks are hundreds of thousands of rows, and as lists of rows they were made only to be taken
apart again (the builder and Excel's Recalculate button take :meth:`Block.rows`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from operator import add

import numpy as np

from .. import __version__
from ..engine import TOP_GAINS, IndexResult, period_order
from ..forecast import Forecast, forecast
from ..messages import say
from ..model import AnjiInputError, Model, Problem

#: Where each block starts on the Results sheet (row, column), 0-based; the stamp is in row 1.
MAX_DIMENSIONS = 13  # the summary block (4 + 2 per dimension columns) ends before the gains block
SUMMARY_AT, GAINS_AT, WARNINGS_AT, CHOICES_AT, VALIDATION_AT = (3, 0), (3, 31), (3, 41), (3, 44), (3, 47)
#: The forecast blocks, right of Validation (2 columns) with one empty column between blocks:
#: forecast 6 + MAX_DIMENSIONS columns, forecast_indicators 13, trajectory 4.
FORECAST_AT = (3, VALIDATION_AT[1] + 3)
FORECAST_INDICATORS_AT = (3, FORECAST_AT[1] + 6 + MAX_DIMENSIONS + 1)
TRAJECTORY_AT = (3, FORECAST_INDICATORS_AT[1] + 13 + 1)
#: How Results shows on_track (达标): text both languages, blank where there is no forecast.
ON_TRACK_TEXT = {True: "是 yes", False: "否 no"}
STAMP_ROW = 1
RESULTS_ROWS = 2000  # formulas that look Results up reach this far below a block's header
VALIDATION_OK = "OK — 未发现问题 no problems"


@dataclass(frozen=True)
class Block:
    """A rectangle of Results: its header row (none for the stamp) and its body a column at a
    time, a column under each header cell, every column as long as the body (None: an empty cell)."""

    header: list[object]
    columns: list[list[object]]

    def __post_init__(self) -> None:
        if len(set(map(len, self.columns))) > 1 or (self.header and len(self.header) != len(self.columns)):
            raise ValueError(f"not a rectangle: {len(self.columns)} columns of {set(map(len, self.columns))} rows under {self.header}")

    @property
    def height(self) -> int:
        """The rows of the body."""
        return len(self.columns[0]) if self.columns else 0

    def rows(self) -> list[list[object]]:
        """The header row (if any) and the body's rows, for writers that take rows."""
        return ([list(self.header)] if self.header else []) + list(map(list, zip(*self.columns)))

    def head(self, rows: int) -> Block:
        """The header and the body's first ``rows`` rows."""
        return Block(self.header, [column[:rows] for column in self.columns])


@dataclass(frozen=True)
class ResultsBlocks:
    summary: Block
    gains: Block
    warnings: Block
    choices: Block
    validation: Block
    stamp: Block
    forecast: Block
    forecast_indicators: Block
    trajectory: Block

    def head(self, rows: int) -> ResultsBlocks:
        """Every block with the first ``rows`` rows of its body."""
        return ResultsBlocks(**{f.name: getattr(self, f.name).head(rows) for f in fields(self)})

    def placed(self) -> list[tuple[tuple[int, int], Block]]:
        """Every block with the (row, column) it starts at."""
        return [((STAMP_ROW, 0), self.stamp), (SUMMARY_AT, self.summary), (GAINS_AT, self.gains),
                (WARNINGS_AT, self.warnings), (CHOICES_AT, self.choices), (VALIDATION_AT, self.validation),
                (FORECAST_AT, self.forecast), (FORECAST_INDICATORS_AT, self.forecast_indicators), (TRAJECTORY_AT, self.trajectory)]


def cell_numbers(values: np.ndarray) -> list:
    """Every element of an array as a cell's number, None where there is none (NaN: missing,
    error row), as (nested) lists."""
    out = np.asarray(values, dtype=float).astype(object)
    out[np.isnan(np.asarray(values, dtype=float))] = None
    return out.tolist()


def period_cell(period: str) -> object:
    """Years go back as numbers, so Results matches Data (and the Dashboard's look-ups)."""
    return int(period) if period.isdigit() else period


def period_cells(periods: list[str | None]) -> list[object]:
    """:func:`period_cell` of each period (None stays None), each distinct one worked out once."""
    shown = {p: None if p is None else period_cell(p) for p in set(periods)}
    return list(map(shown.__getitem__, periods))


def dimension_score_header(dimension: str) -> str:
    """The summary column of a dimension's score; the Dashboard finds it by this name."""
    return f"{dimension} 得分率"


def results_blocks(model: Model, result: IndexResult, computed_at: str) -> ResultsBlocks:
    """The Results sheet's content for one computation."""
    dims = result.dimensions
    if len(dims) > MAX_DIMENSIONS:
        raise AnjiInputError([Problem("Indicators", say("too_many_dimensions", room=MAX_DIMENSIONS, count=len(dims)))])
    ids, arrays = result.ids, result.arrays
    named = model.names()
    names = ["" if (name := named.get(ident)) is None or name != name else name for ident in ids]  # blank (None, NaN): ""
    row_units, row_periods = result.labels.units.tolist(), result.labels.periods.tolist()
    shown = period_cells(row_periods)
    ranks = [None if r is None else int(r) for r in cell_numbers(arrays.rank)]  # a rank is a whole number
    index, *dimension_columns = cell_numbers(np.vstack([arrays.index[None, :], arrays.dimension_scores.T, arrays.contributions.T]))
    summary = Block(["unit 单位", "period 时期", "index 指数", "rank 排名", *map(dimension_score_header, dims), *(f"{d} 贡献" for d in dims)],
                    [row_units, shown, index, ranks, *dimension_columns])
    positions = result.top_gain_positions(TOP_GAINS)
    at, place = np.nonzero(positions >= 0)  # row by row, the largest gain first
    cols = positions[at, place]
    rows, places, gain_cols = at.tolist(), place.tolist(), cols.tolist()
    row_keys, k_keys = [f"{unit}|{period}|" for unit, period in zip(row_units, shown)], [str(k + 1) for k in range(TOP_GAINS)]
    gains = Block(["key", "unit 单位", "period 时期", "k 序号", "id 编号", "name 指标", "score 得分率", "gain 潜在提升"],
                  [list(map(add, map(row_keys.__getitem__, rows), map(k_keys.__getitem__, places))), list(map(row_units.__getitem__, rows)),
                   list(map(shown.__getitem__, rows)), (place + 1).tolist(), list(map(ids.__getitem__, gain_cols)),
                   list(map(names.__getitem__, gain_cols)), cell_numbers(arrays.scores[at, cols]), result.gain_values[at, cols].tolist()])
    outlook = forecast(model, result)
    warnings = Block(["warnings 提示"], [result.warnings + [str(p) for p in result.problems]
                                         + ["达标预测 forecast: " + w for w in outlook.warnings + [str(p) for p in outlook.problems_of(outlook.units, grouped=True)]]])
    units = list(result.labels.codes(0)[1])  # a list of its own: the labels' codes keep theirs
    periods = [period_cell(p) for p in period_order(result.labels.codes(1)[1])]
    lists = [units, periods, dims]
    depth = max(map(len, lists))
    choices = Block(["units 单位", "periods 时期", "dimensions 维度"], [items + [None] * (depth - len(items)) for items in lists])
    stamp = Block([], [[value] for value in ("computed 计算于", computed_at, "version 版本", __version__, "rows 行数", len(result.labels))])
    return ResultsBlocks(summary, gains, warnings, choices, validation_block(result.problems), stamp, *forecast_blocks(model, outlook))


def forecast_dimension_header(dimension: str) -> str:
    """The forecast block's column of a dimension's forecast score."""
    return f"{dimension} 预测得分率"


def forecast_blocks(model: Model, outlook: Forecast) -> tuple[Block, Block, Block]:
    """The forecast, forecast_indicators and trajectory blocks (numbers blank where there are none)."""
    dims = outlook.dimensions
    target = outlook.target_period
    units, ids, figures = outlook.units, outlook.ids, outlook.figures
    named = model.names()
    names = [named.get(i, "") for i in ids]
    on_track = figures["on_track"]
    off = np.asarray(on_track == False, dtype=bool)  # noqa: E712 — element by element: False (not None, not True)
    # Forecast.off_track's order: the largest forecast gain first, ties in indicator order
    order = np.argsort(np.where(off, -np.nan_to_num(outlook.gain_values), np.inf), axis=1, kind="stable")
    miss_at = np.empty(off.shape, dtype=int)
    np.put_along_axis(miss_at, order, np.arange(len(ids))[None, :] + 1, axis=1)
    index, index_forecast = cell_numbers(np.vstack([outlook.index_values, outlook.index_forecast_values]))
    summary = Block(["unit 单位", "latest period 最新时期", "target period 目标年", "index 指数", "forecast index 预测指数",
                     "off track 未达标数", *map(forecast_dimension_header, dims)],
                    [units, [None if latest is None else period_cell(latest) for latest in outlook.latest_labels], [target] * len(units),
                     index, index_forecast, off.sum(axis=1).tolist(), *cell_numbers(outlook.dimension_score_values.T)])
    shown, reached = (period_cells(figures[column].ravel().tolist()) for column in ("latest_period", "period_reached"))
    latest, growth, forecast_value, score, required = cell_numbers(np.vstack([figures[column].ravel() for column in (
        "latest", "trend_growth", "forecast", "score_forecast", "required_growth")]))
    unit_of, id_of = [unit for unit in units for _ in ids], ids * len(units)
    detail = Block(["key", "off-track key 未达标序号", "unit 单位", "id 编号", "name 指标", "latest period 最新时期",
                    "latest 最新值", "trend growth 趋势年增速", "forecast 预测值", "forecast score 预测得分率",
                    "on track 是否达标", "required growth 所需年增速", "period reached 达标年份"],
                   [[f"{unit}|{ident}" for unit, ident in zip(unit_of, id_of)],
                    [f"{unit}|{miss}" if missed else None for unit, miss, missed in zip(unit_of, miss_at.ravel().tolist(), off.ravel().tolist())],
                    unit_of, id_of, names * len(units), shown, latest, growth, forecast_value, score,
                    [None if on is None else ON_TRACK_TEXT[on] for on in on_track.ravel().tolist()], required, reached])
    pairs = outlook.trajectory_keys
    trajectory = Block(["key", "unit 单位", "period 时期", "forecast index 预测指数"],
                       [[f"{unit}|{year}" for unit, year in pairs], [unit for unit, _ in pairs], [period_cell(year) for _, year in pairs],
                        cell_numbers(outlook.trajectory_values)])
    return summary, detail, trajectory


def validation_block(problems: list) -> Block:
    """The Validation area: one row per problem (``Sheet!Cell``, message), or OK."""
    return Block(["where 位置", "problem 问题"], [[p.where for p in problems], [p.message for p in problems]] if problems else [[None], [VALIDATION_OK]])
