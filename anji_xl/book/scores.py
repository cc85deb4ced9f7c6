"""The Scores sheet: per Data row, the live ANJI_* scores, dimension scores and index, and beside
them the same numbers in native Excel formulas (no Python: WPS 表格, LibreOffice, a locked-down
Excel), the difference, and a check against Results.

Layout (0-based):

* rows ``META_ROWS``: per indicator column, references to its Indicators row (id, dimension,
  weight, reference, lower, upper, transform, direction, sign, method), so every formula is a
  short row × column reference and an edit in Indicators flows into the scores;
* ``HEADER_ROW``, then one row per Data row, in Data's order, each reading its own Data row;
* columns: unit, period, index (live), index (native), difference, check, the dimension scores
  (live, then native), the indicator scores (live, then native: grouped and collapsed).

A cell that cannot show the engine's number is an explicit ``#N/A`` with the reason in the check
column, never a different number: live cells do not pool units (min–max, z-score, efficacy), and
native cells do not do those nor geometric aggregation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..engine import IndexResult, check_weights, preceding_periods
from ..model import DIMENSIONS_EN, DIRECTION_ALIASES, METHOD_ALIASES, Model
from ..reader import DataLayout
from ..scoring import POOLED_METHODS
from .layout import NA, Cell, Column, cached, column_span, ref
from .results import RESULTS_ROWS, SUMMARY_AT, period_cell

SHEET = "Scores"
TITLE = ("Scores 得分 — 实时 ANJI_* 公式（需 Python）与原生公式（无需 Python，WPS/LibreOffice 可用）· "
         "live ANJI_* formulas (need Python) and native formulas (no Python: WPS, LibreOffice)")
META_LABELS = {"id": "id 编号", "dimension": "dimension 维度", "weight": "weight 权重", "reference": "reference 参考值",
               "lower": "lower 下限", "upper": "upper 上限", "transform": "transform 变换", "direction": "direction 方向",
               "sign": "sign 符号 (±1)", "method": "method 方法"}
META_ROWS = {key: 2 + k for k, key in enumerate(META_LABELS)}
HEADER_ROW = 2 + len(META_LABELS)
FIRST_ROW = HEADER_ROW + 1
UNIT, PERIOD, INDEX, NATIVE_INDEX, DIFFERENCE, CHECK = range(6)
FLAG_ROW = META_ROWS["method"]  # above index and dimension columns: how many indicators cannot be scored there
LIVE_METHODS = ("ratio", "growth", "goalpost")  # what a live cell scores; the pooled ones need every unit of a period
TOLERANCE = 1e-9
FORMAT_ROWS = 20000  # the conditional formats reach this many rows below the header, so grown sheets keep them
RESULTS_LAST_ROW = SUMMARY_AT[0] + RESULTS_ROWS

CHECK_TEXT = {
    "ok": "OK",
    "no_index": "OK（无指数 no index）",
    "not_in_results": "未在 Results：请按 重新计算 · not in Results: press Recalculate",
    "differs": "≠ Results：请按 重新计算 · differs from Results: press Recalculate",
    "pooled": "含 minmax/zscore/efficacy：见 Results · pooled methods are computed in Results",
    "geometric": "几何合成：原生公式不计算，见 Results · geometric aggregation: see Results",
}
HEADERS = {UNIT: "unit 单位", PERIOD: "period 时期", INDEX: "index 指数 (ANJI_*)",
           NATIVE_INDEX: "index 原生公式指数 · no-Python result", DIFFERENCE: "difference 差值 live − native",
           CHECK: "check 核对 vs Results"}


@dataclass(frozen=True)
class ScoresLayout:
    """Column positions of the Scores sheet for n indicators and d dimensions."""

    n: int
    d: int
    index: int = INDEX
    native_index: int = NATIVE_INDEX
    difference: int = DIFFERENCE
    check: int = CHECK

    @property
    def dims(self) -> range:
        return range(CHECK + 1, CHECK + 1 + self.d)

    @property
    def native_dims(self) -> range:
        return range(self.dims.stop, self.dims.stop + self.d)

    @property
    def scores(self) -> range:
        return range(self.native_dims.stop, self.native_dims.stop + self.n)

    @property
    def native_scores(self) -> range:
        return range(self.scores.stop, self.scores.stop + self.n)

    def span(self, cols: range, row: int, absolute: bool = True) -> str:
        return f"{ref(row, cols.start, absolute, True)}:{ref(row, cols.stop - 1, absolute, True)}"


@dataclass(frozen=True)
class ScoresSource:
    """What the sheet is written from: the model, the engine's result, where Indicators holds each
    field (``indicator_cell(id, key)`` → ``Indicators!M5``, "" if absent) and where Data holds
    each value."""

    model: Model
    result: IndexResult
    indicator_cell: Callable[[str, str], str]
    data: DataLayout


def _alias_formula(cell: str) -> str:
    """The canonical method of an Indicators cell, as the reader reads it (blank = ratio)."""
    text = f"LOWER(TRIM({cell}))"
    formula = text
    for alias, method in METHOD_ALIASES.items():
        formula = f'IF({text}="{alias}","{method}",{formula})'
    return f'=IF({text}="","ratio",{formula})'


def _sign_formula(cell: str) -> str:
    negative = [f'TRIM({cell})="{alias}"' for alias, sign in DIRECTION_ALIASES.items() if sign < 0]
    return f"=IF(OR({cell}=-1,{','.join(negative)}),-1,1)"


def _meta_formula(key: str, cell: str, weights: str) -> str:
    """The meta row ``key`` of one indicator whose field sits in ``cell`` (blank if absent)."""
    if not cell:
        return '="ratio"' if key == "method" else '=""'
    if key == "method":
        return _alias_formula(cell)
    if key == "sign":
        return _sign_formula(cell)
    if key == "weight":  # as the engine uses them: rescaled to sum to 1 under normalize_weights
        flag = 'LOWER(anji_normalize_weights&"")'
        yes = ",".join(f'{flag}="{v}"' for v in ("yes", "true", "y", "是", "1"))
        return f"=IF(OR({yes}),{cell}/SUM({weights}),{cell})"
    if key in ("lower", "upper", "transform", "direction"):
        return f'=IF({cell}="","",{cell})'
    return f"={cell}"


def _meta(col: int) -> dict[str, str]:
    """The meta cells above column ``col`` (row-absolute)."""
    return {key: ref(row, col, row_abs=True) for key, row in META_ROWS.items()}


def _live_score(col: int, value: str | None, before: str | None, apart: float) -> str:
    """The indicator's own method through ANJI_*: ratio, growth control (annualised over
    ``apart`` periods) or goalposts; the pooled methods show #N/A (Results has them)."""
    if value is None:
        return "=NA()"
    m = _meta(col)
    ratio = f"ANJI_SCORE({value},{m['reference']},{m['direction']},anji_cap)"
    span = "" if apart == 1 else f",{apart:g}"
    growth = f"ANJI_GROWTH_SCORE({value},{before},{m['reference']},{m['direction']},anji_cap{span})" if before else "NA()"
    goalpost = f'ANJI_NORMALIZE({value},"goalpost",{m["lower"]},{m["upper"]},{m["direction"]},{m["transform"]})'
    method = m["method"]
    return f'=IF({method}="growth",{growth},IF({method}="goalpost",{goalpost},IF({method}="ratio",{ratio},NA())))'


def _native_score(row: int, col: int, value: str | None, before: str | None, apart: float) -> str:
    """The same score in native Excel: min(cap, v/r) or min(cap, r/v), growth control, goalposts;
    "" where the value is missing (the dimension and index formulas apply the missing policy)."""
    if value is None:
        return '=""'
    m = _meta(col)
    r, sign, v = m["reference"], m["sign"], value
    cap = "IF(ISNUMBER(anji_cap),anji_cap,1E+307)"
    ratio = f'IF(ISNUMBER({v}),MIN({cap},IF({sign}>0,{v}/{r},IF({v}=0,1E+307,{r}/{v}))),"")'
    if before:
        factor = f"({v}/{before})" if apart == 1 else f"({v}/{before})^(1/{apart:g})"
        growth = f'IF(AND(ISNUMBER({v}),ISNUMBER({before})),MIN({cap},IF({sign}<0,(1+{r})/{factor},{factor}/(1+{r}))),"")'
    else:
        growth = '""'
    log = f'{m["transform"]}="log"'
    scaled = {key: f"IF({log},LN({cell}),{cell})" for key, cell in (("v", v), ("lo", m["lower"]), ("hi", m["upper"]))}
    goalpost = (f'IF(ISNUMBER({v}),MAX(0,MIN(1,IF({sign}>0,{scaled["v"]}-{scaled["lo"]},{scaled["hi"]}-{scaled["v"]})'
                f'/({scaled["hi"]}-{scaled["lo"]}))),"")')
    method = m["method"]
    body = f'IF({method}="growth",{growth},IF({method}="goalpost",{goalpost},IF({method}="ratio",{ratio},NA())))'
    return f'=IF({ref(row, UNIT, False, True)}="","",{body})'


def _live_dimension(grid: ScoresLayout, row: int, col: int) -> str:
    name, flag = ref(META_ROWS["dimension"], col, True), ref(FLAG_ROW, col, True)
    dims, weights = grid.span(grid.scores, META_ROWS["dimension"]), grid.span(grid.scores, META_ROWS["weight"])
    scores = grid.span(grid.scores, row, absolute=False)
    return f"=IF({flag}>0,NA(),ANJI_DIM({name},{dims},{scores},{weights},anji_dimension_aggregation,anji_missing))"


def _native_dimension(grid: ScoresLayout, row: int, col: int) -> str:
    """D_k = Σ W X / Σ W over the dimension's indicators: those with a score under reweight,
    all of them (missing as 0) under zero, and #N/A for a missing one under error."""
    name, flag = ref(META_ROWS["dimension"], col, True), ref(FLAG_ROW, col, True)
    dims = grid.span(grid.native_scores, META_ROWS["dimension"])
    in_dim = f"({dims}={name})*{grid.span(grid.native_scores, META_ROWS['weight'])}"
    scores = grid.span(grid.native_scores, row, absolute=False)
    present = f"SUMPRODUCT(--({dims}={name}),--ISNUMBER({scores}))"
    reweighted = f'IFERROR(SUMPRODUCT({in_dim},{scores})/SUMPRODUCT({in_dim},--ISNUMBER({scores})),"")'
    zero = f'IFERROR(SUMPRODUCT({in_dim},{scores})/SUMPRODUCT({in_dim}),"")'
    error = f"IF({present}<COUNTIF({dims},{name}),NA(),{reweighted})"
    policy = f'IF(anji_missing="zero",{zero},IF(anji_missing="error",{error},{reweighted}))'
    return f'=IF({ref(row, UNIT, False, True)}="","",IF({flag}>0,NA(),{policy}))'


def _live_index(grid: ScoresLayout, row: int) -> str:
    scores = grid.span(grid.scores, row, absolute=False)
    weights, dims = grid.span(grid.scores, META_ROWS["weight"]), grid.span(grid.scores, META_ROWS["dimension"])
    flag = ref(FLAG_ROW, INDEX, True, True)
    return f"=IF({flag}>0,NA(),ANJI_INDEX({scores},{weights},{dims},anji_aggregation,anji_missing,anji_weight_tolerance))"


def _native_index(grid: ScoresLayout, row: int) -> str:
    """Y = Σ W X; under reweight Σ W_k D_k over the dimensions present, rescaled to 1."""
    dims = grid.span(grid.native_dims, row, absolute=False)
    dim_weights = grid.span(grid.native_dims, META_ROWS["weight"])
    scores = grid.span(grid.native_scores, row, absolute=False)
    weights = grid.span(grid.native_scores, META_ROWS["weight"])
    reweighted = f"SUMPRODUCT({dim_weights},{dims})/SUMPRODUCT({dim_weights},--ISNUMBER({dims}))"
    plain = f'IF(AND(anji_missing<>"zero",COUNT({scores})<COLUMNS({scores})),NA(),SUMPRODUCT({weights},{scores}))'
    flag = ref(FLAG_ROW, NATIVE_INDEX, True, True)
    return f'=IF({ref(row, UNIT, False, True)}="","",IF({flag}>0,NA(),IF(anji_missing="reweight",{reweighted},{plain})))'


def _difference(row: int) -> str:
    live, native = ref(row, INDEX), ref(row, NATIVE_INDEX)
    return f'=IF(AND(ISNUMBER({live}),ISNUMBER({native})),{live}-{native},"")'


def _check(row: int) -> str:
    """Both faces of the index against Results' number for the same unit and period."""
    unit, period, live, native = (ref(row, col, False, True) for col in (UNIT, PERIOD, INDEX, NATIVE_INDEX))
    results = lambda offset: column_span(SUMMARY_AT[1] + offset, SUMMARY_AT[0] + 1, RESULTS_LAST_ROW, "Results")  # noqa: E731
    units, periods, index = results(0), results(1), results(2)
    rows = f"COUNTIFS({units},{unit},{periods},{period})"
    has = f'COUNTIFS({units},{unit},{periods},{period},{index},">-1E+300")'
    value = f"SUMIFS({index},{units},{unit},{periods},{period})"
    text = {key: f'"{message}"' for key, message in CHECK_TEXT.items()}
    live_flag, native_flag = ref(FLAG_ROW, INDEX, True, True), ref(FLAG_ROW, NATIVE_INDEX, True, True)
    neither = (f"IF({has}=0,{text['no_index']},IF({live_flag}>0,{text['pooled']},"
               f"IF({native_flag}>0,{text['geometric']},{text['differs']})))")
    close = lambda cell: f"IF(ISNUMBER({cell}),ABS({cell}-{value})<={TOLERANCE:g},TRUE)"  # noqa: E731 — an error cell is not compared
    agree = f"AND({has}>0,{close(live)},{close(native)})"
    return (f'=IF({unit}="","",IF({rows}=0,{text["not_in_results"]},'
            f"IF(AND(NOT(ISNUMBER({live})),NOT(ISNUMBER({native}))),{neither},IF({agree},{text['ok']},{text['differs']}))))")


def _absolute(cell: str) -> str:
    """``Indicators!M5`` → ``Indicators!$M$5``."""
    if not cell:
        return ""
    sheet, _, address = cell.rpartition("!")
    return f"{sheet}!" + re.sub(r"\$?([A-Z]+)\$?(\d+)", r"$\1$\2", address)


class _Sheet:
    """Collects the cells of one Scores sheet."""

    def __init__(self, source: ScoresSource):
        self.source, self.model, self.result = source, source.model, source.result
        self.ids = list(self.model.indicators.index)
        self.dims = list(self.result.dimensions)
        self.grid = ScoresLayout(len(self.ids), len(self.dims))
        self.methods = self.model.indicators["method"].tolist()
        self.dim_of = self.model.indicators["dimension"].tolist()
        self.cells: list[Cell] = []
        aggregation = self.model.settings.dimension_aggregation, self.model.settings.index_aggregation
        self.pooled_in = {d: sum(m in POOLED_METHODS for m, of in zip(self.methods, self.dim_of) if of == d) for d in self.dims}
        self.live_flag = sum(self.pooled_in.values())
        self.native_flag = self.live_flag + int("geometric" in aggregation)

    def put(self, row: int, col: int, value: object, kind: str, formula: str | None = None) -> None:
        self.cells.append(Cell(row, col, value, kind, formula))

    def meta(self) -> None:
        g, ind, cell_of = self.grid, self.model.indicators, self.source.indicator_cell
        weights = f"{_absolute(cell_of(self.ids[0], 'weight'))}:{_absolute(cell_of(self.ids[-1], 'weight')).split('!')[-1]}"
        used = check_weights(self.model)[0]
        values = {"id": self.ids, "dimension": self.dim_of, "weight": [float(w) for w in used],
                  "reference": _numbers(ind["reference"]), "lower": _numbers(ind["lower"]), "upper": _numbers(ind["upper"]),
                  "transform": ind["transform"].tolist(), "direction": ["positive" if d > 0 else "negative" for d in ind["direction"]],
                  "sign": [int(d) for d in ind["direction"]], "method": self.methods}
        for key, row in META_ROWS.items():
            self.put(row, 1, META_LABELS[key], "meta")
            number = key in ("weight", "reference", "lower", "upper")
            for block in (g.scores, g.native_scores):
                for k, col in enumerate(block):
                    field = "direction" if key == "sign" else key
                    formula = _meta_formula(key, _absolute(cell_of(self.ids[k], field)), weights)
                    self.put(row, col, values[key][k], "meta_number" if number else "meta_text", formula)
        pooled = "+".join(f'COUNTIF({g.span(g.scores, FLAG_ROW)},"{m}")' for m in POOLED_METHODS)
        geometric = 'OR(anji_dimension_aggregation="geometric",anji_index_aggregation="geometric")'
        self.put(FLAG_ROW - 1, INDEX, "不可计算的指标 · cannot score here", "meta")
        self.put(FLAG_ROW, INDEX, self.live_flag, "meta_number", f"={pooled}")
        self.put(FLAG_ROW, NATIVE_INDEX, self.native_flag, "meta_number", f"={ref(FLAG_ROW, INDEX, True, True)}+IF({geometric},1,0)")
        for block, scores in ((g.dims, g.scores), (g.native_dims, g.native_scores)):
            native = block is g.native_dims
            for j, col in enumerate(block):
                name = ref(META_ROWS["dimension"], col, True)
                dims, weight_row = g.span(scores, META_ROWS["dimension"]), g.span(scores, META_ROWS["weight"])
                total = sum(w for w, of in zip(values["weight"], self.dim_of) if of == self.dims[j])
                self.put(META_ROWS["dimension"], col, self.dims[j], "meta_text")
                self.put(META_ROWS["weight"], col, total, "meta_number", f"=SUMIF({dims},{name},{weight_row})")
                count = "+".join(f'COUNTIFS({dims},{name},{g.span(scores, FLAG_ROW)},"{m}")' for m in POOLED_METHODS)
                flag = self.pooled_in[self.dims[j]]
                if native:  # geometric aggregation is not native either
                    count += f"+{ref(FLAG_ROW, NATIVE_INDEX, True, True)}-{ref(FLAG_ROW, INDEX, True, True)}"
                    flag += self.native_flag - self.live_flag
                self.put(FLAG_ROW, col, flag, "meta_number", f"={count}")

    def header(self) -> None:
        g = self.grid
        names = self.model.indicators["name"].tolist() if "name" in self.model.indicators else [""] * len(self.ids)
        titles = dict(HEADERS)
        for j, d in enumerate(self.dims):
            titles[g.dims[j]] = f"{d} {DIMENSIONS_EN.get(d, '')}".strip()
            titles[g.native_dims[j]] = f"{d} 原生 native"
        for k, (ident, name) in enumerate(zip(self.ids, names)):
            titles[g.scores[k]] = f"{ident} {name}".strip()
            titles[g.native_scores[k]] = f"{ident} 原生 native"
        self.put(0, 0, TITLE, "subtitle")
        for col, title in sorted(titles.items()):
            self.put(HEADER_ROW, col, title, "head")

    def rows(self) -> None:
        rows = self.result.rows
        position = {key: k for k, key in enumerate(rows)}
        previous, spans = preceding_periods(rows)
        for r, (key, data_row) in enumerate(sorted(self.source.data.rows.items(), key=lambda item: item[1])):
            at = position[key]
            before = (rows[previous[at]], float(spans[at])) if previous[at] >= 0 else None
            self.row(FIRST_ROW + r, key, data_row, at, before)

    def row(self, row: int, key: tuple[str, str], data_row: int, at: int, previous) -> None:
        g, data, res = self.grid, self.source.data, self.result
        unit_cell, period_of = f"{data.sheet}!${data.unit_column}{data_row}", f"{data.sheet}!${data.period_column}{data_row}"
        self.put(row, UNIT, key[0], "text", f'=IF({unit_cell}="","",TRIM({unit_cell}))')
        self.put(row, PERIOD, period_cell(key[1]), "year", f'=IF({period_of}="","",{period_of})')
        previous_row = None if previous is None else data.rows[previous[0]]
        apart = 1.0 if previous is None else previous[1]
        for k, ident in enumerate(self.ids):
            column = data.columns.get(ident)
            value = f"{data.sheet}!{column}{data_row}" if column else None
            before = f"{data.sheet}!{column}{previous_row}" if column and previous_row else None
            score = res.scores.iat[at, k] if self.methods[k] in LIVE_METHODS else np.nan
            self.put(row, g.scores[k], cached(score), "number", _live_score(g.scores[k], value, before, apart))
            self.put(row, g.native_scores[k], "" if np.isnan(score) else float(score), "native",
                     _native_score(row, g.native_scores[k], value, before, apart))
        native_off = self.native_flag > self.live_flag
        for j, dim in enumerate(self.dims):
            value = float(res.dimension_scores.iat[at, j])
            self.put(row, g.dims[j], NA if self.pooled_in[dim] else cached(value), "number", _live_dimension(g, row, g.dims[j]))
            shown = NA if self.pooled_in[dim] or native_off else ("" if np.isnan(value) else value)
            self.put(row, g.native_dims[j], shown, "native_shown", _native_dimension(g, row, g.native_dims[j]))
        index = float(res.index.iat[at])
        self.put(row, INDEX, NA if self.live_flag else cached(index), "number", _live_index(g, row))
        self.put(row, NATIVE_INDEX, NA if self.native_flag else cached(index), "native_shown", _native_index(g, row))
        self.put(row, DIFFERENCE, 0.0 if not self.native_flag and not np.isnan(index) else "", "native", _difference(row))
        self.put(row, CHECK, self.check_value(index), "check", _check(row))

    def check_value(self, index: float) -> str:
        if np.isnan(index):
            return CHECK_TEXT["no_index"]
        return CHECK_TEXT["pooled"] if self.live_flag else CHECK_TEXT["ok"]


def _numbers(column) -> list[object]:
    return ["" if v != v else float(v) for v in column]


def sheet_cells(source: ScoresSource) -> list[Cell]:
    """Every cell of the Scores sheet for this model, result and Data layout."""
    sheet = _Sheet(source)
    sheet.meta()
    sheet.header()
    sheet.rows()
    return sheet.cells


def columns(n: int, d: int) -> list[Column]:
    """Column widths; the native indicator scores are grouped and collapsed."""
    g = ScoresLayout(n, d)
    return [Column(UNIT, UNIT, 10), Column(PERIOD, PERIOD, 16), Column(INDEX, INDEX, 12), Column(NATIVE_INDEX, NATIVE_INDEX, 14),
            Column(DIFFERENCE, DIFFERENCE, 12), Column(CHECK, CHECK, 30), Column(g.dims.start, g.native_dims.stop - 1, 11),
            Column(g.scores.start, g.scores.stop - 1, 10), Column(g.native_scores.start, g.native_scores.stop - 1, 9, True, 1)]


#: A cell of each style kind whose position does not depend on the number of indicators,
#: dimensions or rows: ``anji-xl recalc`` learns the book's style of each kind from them.
STYLE_SAMPLES = {"subtitle": (0, 0), "meta": (META_ROWS["id"], 1), "meta_text": (META_ROWS["dimension"], CHECK + 1),
                 "meta_number": (META_ROWS["weight"], CHECK + 1), "head": (HEADER_ROW, UNIT), "text": (FIRST_ROW, UNIT),
                 "year": (FIRST_ROW, PERIOD), "number": (FIRST_ROW, INDEX), "native_shown": (FIRST_ROW, NATIVE_INDEX),
                 "native": (FIRST_ROW, DIFFERENCE), "check": (FIRST_ROW, CHECK)}
