"""What a computation shows: the JSON document of SPEC §6 and the readable terminal table."""

from __future__ import annotations

import math

import pandas as pd
from tabulate import tabulate

from .engine import IndexResult
from .forecast import Forecast
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


def forecast_document(outlook: Forecast, units: list[str]) -> dict:
    """The ``anji-xl forecast --json`` document (issue 10): per unit the latest period, its index,
    the forecast index and dimension scores, and per indicator the trajectory figures."""
    rows = []
    for unit in units:
        latest = outlook.latest_period[unit]
        indicators = {
            ident: {"latest": finite_or_none(row["latest"]), "trend_growth": finite_or_none(row["trend_growth"]),
                    "forecast": finite_or_none(row["forecast"]), "score_forecast": finite_or_none(row["score_forecast"]),
                    "required_growth": finite_or_none(row["required_growth"]), "on_track": row["on_track"],
                    "period_reached": row["period_reached"]}
            for ident, row in outlook.indicators.loc[unit].iterrows()
        }
        rows.append({"unit": unit, "latest_period": latest, "index": finite_or_none(outlook.index[unit]),
                     "index_forecast": finite_or_none(outlook.index_forecast[unit]),
                     "dimensions_forecast": {k: finite_or_none(v) for k, v in outlook.dimension_scores.loc[unit].items()},
                     "indicators": indicators})
    return {"target_period": str(outlook.target_period), "results": rows, "warnings": outlook.warnings_of(units)}


def _percent(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:+.2%}"


def forecast_report(outlook: Forecast, model: Model, units: list[str]) -> str:
    """Per unit the indicator table (Chinese first), then the forecast index and dimensions."""
    names = model.indicators["name"] if "name" in model.indicators else pd.Series(dtype=str)
    yes_no = {True: "是 yes", False: "否 no", None: "—"}
    blocks = []
    for unit in units:
        table = outlook.indicators.loc[unit]
        lines = [
            [f"{ident} {names.get(ident, '')}".strip(), f"{_fmt(row['latest'])} ({row['latest_period'] or '—'})", _percent(row["trend_growth"]),
             _fmt(row["forecast"]), _fmt(row["score_forecast"]), yes_no[row["on_track"]], _percent(row["required_growth"]),
             row["period_reached"] or "—"]
            for ident, row in table.iterrows()
        ]
        indicators = tabulate(lines, headers=["指标 Indicator", "最新值 Latest", "趋势年增速 Trend", f"预测值 {outlook.target_period} Forecast",
                                              "预测得分率 Score", "达标 On track", "所需年增速 Required", "达标年份 Reached"],
                              colalign=("left", "right", "right", "right", "right", "left", "right", "right"), disable_numparse=True)
        dims = tabulate([[f"{dim} {DIMENSIONS_EN.get(dim, '')}".strip(), _fmt(outlook.dimension_scores.at[unit, dim])] for dim in outlook.dimensions],
                        headers=["维度 Dimension", f"预测得分率 {outlook.target_period} Forecast"], colalign=("left", "right"), disable_numparse=True)
        title = (f"{unit}   达标预测 forecast to {outlook.target_period}   最新 latest {outlook.latest_period[unit]}: "
                 f"指数 index {_fmt(outlook.index[unit])}")
        summary = f"预测指数 Forecast index {outlook.target_period}: {_fmt(outlook.index_forecast[unit])}"
        blocks.append(f"{title}\n\n{indicators}\n\n{summary}\n\n{dims}")
    return "\n\n\n".join(blocks)
