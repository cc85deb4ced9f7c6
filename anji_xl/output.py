"""What a computation shows: the JSON document of SPEC §6 and the readable terminal table."""

from __future__ import annotations

import math

import pandas as pd
from tabulate import tabulate

from .engine import IndexResult
from .book.results import finite_or_none
from .sensitivity import SensitivityResult
from .model import DIMENSIONS_EN, Model


def select_rows(result: IndexResult, unit: str | None = None, period: str | None = None) -> pd.MultiIndex:
    """The (unit, period) rows matching the filters, in result order."""
    rows = result.rows
    keep = [(unit is None or u == unit) and (period is None or p == period) for u, p in rows]
    return rows[keep]


def json_document(result: IndexResult, rows: pd.MultiIndex | None = None) -> dict:
    """``{"results": [{unit, period, index, dimensions, scores, contributions}], "warnings": [...]}``."""
    rows = result.rows if rows is None else rows
    results = [
        {
            "unit": unit,
            "period": period,
            "index": finite_or_none(result.index[(unit, period)]),
            "dimensions": {k: finite_or_none(v) for k, v in result.dimension_scores.loc[(unit, period)].items()},
            "scores": {k: finite_or_none(v) for k, v in result.scores.loc[(unit, period)].items()},
            "contributions": {k: finite_or_none(v) for k, v in result.contributions.loc[(unit, period)].items()},
        }
        for unit, period in rows
    ]
    return {"results": results, "warnings": list(result.warnings)}


def _fmt(value: float, digits: int = 4) -> str:
    return "—" if math.isnan(value) else f"{value:.{digits}f}"


def text_report(result: IndexResult, model: Model, rows: pd.MultiIndex | None = None, top: int = 5) -> str:
    """Per unit and period: the index, the dimension table and the top potential gains."""
    rows = result.rows if rows is None else rows
    names = model.indicators["name"] if "name" in model.indicators else pd.Series(dtype=str)
    blocks = []
    for unit, period in rows:
        key = (unit, period)
        rank = result.rank[key]
        of = int((result.rows.get_level_values(1) == period).sum())
        title = f"{unit} {period}   安吉指数 Index {_fmt(result.index[key])}"
        if not math.isnan(rank) and of > 1:
            title += f"   排名 rank {int(rank)}/{of}"
        dims = tabulate(
            [
                [f"{dim} {DIMENSIONS_EN.get(dim, '')}".strip(), _fmt(result.dimension_scores.at[key, dim]),
                 _fmt(result.contributions.at[key, dim]), _fmt(result.dimension_weights.at[key, dim], 3)]
                for dim in result.dimensions
            ],
            headers=["维度 Dimension", "得分率 Score", "贡献 Contribution", "权重 Weight"],
            colalign=("left", "right", "right", "right"),
            disable_numparse=True,
        )
        gains = result.top_gains(unit, period, top)
        gain_rows = [[ident, names.get(ident, ""), _fmt(result.scores.at[key, ident]), f"+{gain:.4f}"] for ident, gain in gains.items()]
        gain_table = (
            tabulate(gain_rows, headers=["短板 Gain", "指标 Indicator", "得分率 Score", "潜在提升 Potential"], colalign=("left", "left", "right", "right"), disable_numparse=True)
            if gain_rows
            else "短板 Gains: none — every indicator reaches its target"
        )
        blocks.append(f"{title}\n\n{dims}\n\n{gain_table}")
    return "\n\n\n".join(blocks)


def sensitivity_report(result: SensitivityResult) -> str:
    """The percentile table of a sensitivity run, one line per unit and period."""
    table = result.table.reset_index()
    return tabulate(
        [[row[0], row[1], *(_fmt(v) for v in row[2:])] for row in table.itertuples(index=False)],
        headers=["unit 单位", "period 时期", *table.columns[2:]],
        disable_numparse=True,
        colalign=("left", "left", *("right",) * (len(table.columns) - 2)),
    )
