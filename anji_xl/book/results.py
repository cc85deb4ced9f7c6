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

plus a ``stamp``: when, with which version and on how many rows it was computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import __version__
from ..engine import IndexResult, period_order
from ..model import AnjiInputError, Model, Problem

TOP_GAINS = 5
#: Where each block starts on the Results sheet (row, column), 0-based; the stamp is in row 1.
MAX_DIMENSIONS = 13  # the summary block (4 + 2 per dimension columns) ends before the gains block
SUMMARY_AT, GAINS_AT, WARNINGS_AT, CHOICES_AT, VALIDATION_AT = (3, 0), (3, 31), (3, 41), (3, 44), (3, 47)
STAMP_ROW = 1
RESULTS_ROWS = 2000  # formulas that look Results up reach this far below a block's header
VALIDATION_OK = "OK — 未发现问题 no problems"


@dataclass(frozen=True)
class ResultsBlocks:
    summary: list[list[object]]
    gains: list[list[object]]
    warnings: list[list[object]]
    choices: list[list[object]]
    validation: list[list[object]]
    stamp: list[list[object]]

    def placed(self) -> list[tuple[tuple[int, int], list[list[object]]]]:
        """Every block with the (row, column) it starts at."""
        return [((STAMP_ROW, 0), self.stamp), (SUMMARY_AT, self.summary), (GAINS_AT, self.gains),
                (WARNINGS_AT, self.warnings), (CHOICES_AT, self.choices), (VALIDATION_AT, self.validation)]


def finite_or_none(value: float) -> float | None:
    """A number for a cell or JSON; None where there is none (NaN: missing, error row)."""
    return None if value is None or math.isnan(value) else float(value)


def period_cell(period: str) -> object:
    """Years go back as numbers, so Results matches Data (and the Dashboard's look-ups)."""
    return int(period) if period.isdigit() else period


def dimension_score_header(dimension: str) -> str:
    """The summary column of a dimension's score; the Dashboard finds it by this name."""
    return f"{dimension} 得分率"


def gain_key(unit: str, period: object, k: int) -> str:
    return f"{unit}|{period}|{k}"


def results_blocks(model: Model, result: IndexResult, computed_at: str) -> ResultsBlocks:
    """The Results sheet's content for one computation."""
    dims = result.dimensions
    if len(dims) > MAX_DIMENSIONS:
        raise AnjiInputError([Problem("Indicators", f"Results has room for {MAX_DIMENSIONS} dimensions; this system has {len(dims)}")])
    summary: list[list[object]] = [
        ["unit 单位", "period 时期", "index 指数", "rank 排名", *map(dimension_score_header, dims), *(f"{d} 贡献" for d in dims)]
    ]
    gains: list[list[object]] = [["key", "unit 单位", "period 时期", "k 序号", "id 编号", "name 指标", "score 得分率", "gain 潜在提升"]]
    ids = list(result.scores.columns)
    names = model.indicators["name"].reindex(ids).fillna("").tolist() if "name" in model.indicators else [""] * len(ids)
    numbers = [result.index.to_numpy()[:, None], result.rank.to_numpy()[:, None], result.dimension_scores.to_numpy(), result.contributions.to_numpy()]
    table = np.hstack(numbers)
    scores, gain_values = result.scores.to_numpy(), result.gains.to_numpy()
    positions = result.top_gain_positions(TOP_GAINS)
    for row, (unit, period) in enumerate(result.rows):
        shown = period_cell(period)
        summary.append([unit, shown, *(finite_or_none(v) for v in table[row])])
        summary[-1][3] = None if summary[-1][3] is None else int(summary[-1][3])  # a rank is a whole number
        for k, col in enumerate(positions[row][positions[row] >= 0], start=1):
            gains.append([gain_key(unit, shown, k), unit, shown, k, ids[col], names[col],
                          finite_or_none(scores[row, col]), float(gain_values[row, col])])
    warnings = [["warnings 提示"], *([w] for w in result.warnings + [str(p) for p in result.problems])]
    units = list(dict.fromkeys(result.rows.get_level_values(0)))
    periods = [period_cell(p) for p in period_order(result.rows.get_level_values(1))]
    lists = [units, periods, dims]
    depth = max(map(len, lists))
    choices = [["units 单位", "periods 时期", "dimensions 维度"], *([items[k] if k < len(items) else None for items in lists] for k in range(depth))]
    stamp = [["computed 计算于", computed_at, "version 版本", __version__, "rows 行数", len(result.rows)]]
    return ResultsBlocks(summary, gains, warnings, choices, validation_block(result.problems), stamp)


def validation_block(problems: list) -> list[list[object]]:
    """The Validation area: one row per problem (``Sheet!Cell``, message), or OK."""
    rows = [[p.where, p.message] for p in problems] or [["", VALIDATION_OK]]
    return [["where 位置", "problem 问题"], *rows]
