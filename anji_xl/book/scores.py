"""The Scores sheet: per Data row, the live ANJI_* scores, dimension scores and index, and beside
them the same numbers in native Excel formulas — no Python, no macros: WPS 表格, LibreOffice, a
locked-down Excel — the difference, and a check against Results.

Rows are Data's rows by position: Scores row ``FIRST_ROW + i`` reads Data row ``header + 1 + i``.
The native formulas reach ``NATIVE_ROWS`` rows (or further, when Data is longer at the last
Recalculate), so every row a user types below Data gets its native scores without Python; the
live ANJI_* cells are written for the rows Data had at the last Recalculate.

Columns (0-based): unit, period, index (live), index (native), difference, check, rank (native),
the hidden native helpers (``HELPERS``: the period as a year, the unit's preceding period and
where it is, the lists of units and periods the Dashboard offers), the native dimension scores,
the live dimension scores, the live indicator scores, the native indicator scores (folded).
Everything the Dashboard reads sits at a fixed column, whatever the number of indicators.
Rows ``META_ROWS`` above the score columns reference each indicator's Indicators row, so an edit
there flows into every formula.

A cell that cannot show the engine's number is an explicit ``#N/A`` with the reason in the check
column, never a different number: live cells do not pool units (min–max, z-score, efficacy);
native cells do not do those nor geometric aggregation, and read only what formulas read the same
way in every program (numbers, blanks and no-data marks; a number stored as text is flagged,
since VALUE() reads "1,234" differently by locale).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..engine import IndexResult, check_weights, preceding_periods
from ..model import DIMENSIONS_EN, DIRECTION_ALIASES, METHOD_ALIASES, Model
from ..io.parse import DataLayout
from ..scoring import POOLED_METHODS
from .layout import NA, Cell, Column, SharedColumn, cached, column_span, ref
from .results import SUMMARY_AT, period_cell

SHEET = "Scores"
TITLE = ("Scores 得分 — 实时 ANJI_* 公式（需 Python）与原生公式（无需 Python，WPS/LibreOffice 可用）· "
         "live ANJI_* formulas (need Python) and native formulas (no Python: WPS, LibreOffice)")
META_LABELS = {"id": "id 编号", "dimension": "dimension 维度", "weight": "weight 权重", "reference": "reference 参考值",
               "lower": "lower 下限", "upper": "upper 上限", "transform": "transform 变换", "direction": "direction 方向",
               "sign": "sign 符号 (±1)", "method": "method 方法"}
META_ROWS = {key: 2 + k for k, key in enumerate(META_LABELS)}
HEADER_ROW = 2 + len(META_LABELS)
FIRST_ROW = HEADER_ROW + 1
NATIVE_ROWS = 1000  # Data rows the native formulas cover at least (100 counties × 10 years)
UNIT, PERIOD, INDEX, NATIVE_INDEX, DIFFERENCE, CHECK, RANK = range(7)
HELPERS = ("year", "previous_year", "previous_at", "flag", "index_number", "unit_count", "units", "year_first", "years")
HELPER = {name: RANK + 1 + k for k, name in enumerate(HELPERS)}
FLAG_ROW = META_ROWS["method"]  # above index and dimension columns: how many indicators cannot be scored there
NOTE_ROW = 1  # beside the title: rows of Data beyond the native formulas
LIVE_METHODS = ("ratio", "growth", "goalpost")  # what a live cell scores; the pooled ones need every unit of a period
NO_DATA_MARKS = ("—", "-", "/", "NA", "N/A", "无")  # what Chinese yearbooks print for "no data"
DEFINED_NAMES = {"anji_no_data": "={" + ",".join(f'"{mark}"' for mark in (*NO_DATA_MARKS, "")) + "}"}
TOLERANCE = 1e-9
FORMAT_ROWS = 20000  # the conditional formats reach this many rows below the header, so grown sheets keep them

CHECK_TEXT = {
    "ok": "OK",
    "no_index": "OK（无指数 no index）",
    "not_in_results": "未在 Results：请按 重新计算 · not in Results: press Recalculate",
    "differs": "≠ Results：请按 重新计算 · differs from Results: press Recalculate",
    "pooled": "含 minmax/zscore/efficacy：见 Results · pooled methods are computed in Results",
    "geometric": "几何合成：原生公式不计算，见 Results · geometric aggregation: see Results",
    "year": "时期须为年份数字（如 2021）· the period must be a year (e.g. 2021)",
    "duplicate": "单位与时期重复 · this unit and period appear twice in Data",
    "input": "有数值为文本、错误值或负数：请改为数值或按 检查数据 · a value is text, an error or negative: correct it or press Validate",
    "value": "有指标无法用原生公式计算（参考值 ≤ 0、上下限无效、上期 ≤ 0，或方法已改）：请按 检查数据 或 重新计算 · an indicator cannot"
             " be scored natively (reference ≤ 0, invalid goalposts, previous ≤ 0, or its method changed): press Validate or Recalculate",
}
HEADERS = {UNIT: "unit 单位", PERIOD: "period 时期", INDEX: "index 指数 (ANJI_*)",
           NATIVE_INDEX: "index 原生公式指数 · no-Python result", DIFFERENCE: "difference 差值 live − native",
           CHECK: "check 核对 vs Results", RANK: "rank 排名（原生 native）",
           HELPER["year"]: "year 年份", HELPER["previous_year"]: "previous 上期", HELPER["previous_at"]: "previous row 上期行",
           HELPER["flag"]: "flag 原生标记",
           HELPER["index_number"]: "index (−1: none)", HELPER["unit_count"]: "units so far 单位计数", HELPER["units"]: "units 单位列表",
           HELPER["year_first"]: "new year 新年份", HELPER["years"]: "years 年份列表"}


@dataclass(frozen=True)
class ScoresLayout:
    """Column positions of the Scores sheet for n indicators and d dimensions."""

    n: int
    d: int
    index: int = INDEX
    native_index: int = NATIVE_INDEX
    difference: int = DIFFERENCE
    check: int = CHECK
    rank: int = RANK

    @property
    def native_dims(self) -> range:
        return range(HELPER[HELPERS[-1]] + 1, HELPER[HELPERS[-1]] + 1 + self.d)

    @property
    def dims(self) -> range:
        return range(self.native_dims.stop, self.native_dims.stop + self.d)

    @property
    def scores(self) -> range:
        return range(self.dims.stop, self.dims.stop + self.n)

    @property
    def native_scores(self) -> range:
        return range(self.scores.stop, self.scores.stop + self.n)

    def span(self, cols: range, row: int, absolute: bool = True) -> str:
        return f"{ref(row, cols.start, absolute, True)}:{ref(row, cols.stop - 1, absolute, True)}"


def rows_span(col: int, rows: int, sheet: str = "") -> str:
    """A column of the sheet's ``rows`` data rows, absolute (``$D$14:$D$1013``)."""
    return column_span(col, FIRST_ROW, FIRST_ROW + rows - 1, sheet)


@dataclass(frozen=True)
class ScoresSource:
    """What the sheet is written from: the model, the engine's result, where Indicators holds each
    field (``indicator_cell(id, key)`` → ``Indicators!M5``, "" if absent) and where Data holds
    each value."""

    model: Model
    result: IndexResult
    indicator_cell: Callable[[str, str], str]
    data: DataLayout

    @property
    def rows(self) -> int:
        """How many rows the sheet has: Data's rows, and at least ``NATIVE_ROWS``."""
        last = max(self.data.rows.values(), default=self.data.header_row)
        return max(NATIVE_ROWS, last - self.data.header_row)


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


class _Native:
    """Formula text of the native cells of a sheet with ``rows`` rows, written for the first row;
    every row below holds the same formula moved down (a shared formula)."""

    def __init__(self, grid: ScoresLayout, rows: int, data: DataLayout, ids: list[str]):
        self.grid, self.rows, self.data = grid, rows, data
        self.units = rows_span(UNIT, rows)
        self.years = rows_span(HELPER["year"], rows)
        letters = sorted((letter for letter in (data.columns.get(i) for i in ids) if letter), key=lambda x: (len(x), x))
        self.values = f"{data.sheet}!{letters[0]}{{row}}:{letters[-1]}{{row}}" if letters else ""

    def helper(self, name: str, row: int) -> str:
        return ref(row, HELPER[name], False, True)

    def data_column(self, letter: str) -> str:
        first = self.data.header_row + 1
        return f"{self.data.sheet}!${letter}${first}:${letter}${first + self.rows - 1}"

    def score(self, row: int, col: int, value: str, letter: str, method: str) -> str:
        """The score by the indicator's method (as it was at the last Recalculate; a method changed
        since shows #N/A): min(cap, v/r) or min(cap, r/v), growth control over the unit's
        preceding year wherever it is in Data (annualised across a gap), goalposts. "" where the
        value is not a number: blanks and no-data marks are missing values, anything else makes
        the row's flag; #N/A where the engine would not score it (reference ≤ 0, previous ≤ 0 …)."""
        m, v = _meta(col), value
        r, sign = m["reference"], m["sign"]
        if method == "ratio":
            body = f"IF({r}>0,MIN(anji_cap_value,IF({sign}>0,{v}/{r},IF({v}=0,1E+307,{r}/{v}))),NA())"
        elif method == "growth":
            at = self.helper("previous_at", row)
            before = f"INDEX({self.data_column(letter)},{at})"
            factor = f"({v}/{before})^(1/({self.helper('year', row)}-{self.helper('previous_year', row)}))"
            body = (f'IF({at}=0,"",IF(NOT(ISNUMBER({before})),"",IF(AND({before}>0,{v}>0,1+{r}>0),'
                    f"MIN(anji_cap_value,IF({sign}<0,(1+{r})/{factor},{factor}/(1+{r}))),NA())))")
        elif method == "goalpost":
            log = f'{m["transform"]}="log"'
            x, lo, hi = (f"IF({log},LN({cell}),{cell})" for cell in (v, m["lower"], m["upper"]))
            body = f'IF({m["upper"]}>{m["lower"]},MAX(0,MIN(1,IF({sign}>0,{x}-{lo},{hi}-{x})/({hi}-{lo}))),NA())'
        else:  # pooled methods are not native; the index shows the flag
            return '=""'
        return f'=IF(ISNUMBER({v}),IF({m["method"]}="{method}",{body},NA()),"")'

    def dimension(self, row: int, col: int) -> str:
        """D_k = Σ W X / Σ W over the dimension's indicators: those with a score under reweight,
        all of them (missing as 0) under zero, and #N/A for a missing one under error."""
        g = self.grid
        name, flag = ref(META_ROWS["dimension"], col, True), ref(FLAG_ROW, col, True)
        dims = g.span(g.native_scores, META_ROWS["dimension"])
        in_dim = f"({dims}={name})*{g.span(g.native_scores, META_ROWS['weight'])}"
        scores = g.span(g.native_scores, row, absolute=False)
        present = f"SUMPRODUCT(--({dims}={name}),--ISNUMBER({scores}))"
        reweighted = f'IF(SUMPRODUCT({in_dim},--ISNUMBER({scores}))=0,"",SUMPRODUCT({in_dim},{scores})/SUMPRODUCT({in_dim},--ISNUMBER({scores})))'
        zero = f'IF(SUMPRODUCT({in_dim})=0,"",SUMPRODUCT({in_dim},{scores})/SUMPRODUCT({in_dim}))'
        error = f"IF({present}<COUNTIF({dims},{name}),NA(),{reweighted})"
        policy = f'IF(anji_missing="zero",{zero},IF(anji_missing="error",{error},{reweighted}))'
        return f'=IF({ref(row, UNIT, False, True)}="","",IF(OR({flag}>0,{self.helper("flag", row)}<>""),NA(),{policy}))'

    def index(self, row: int) -> str:
        """Y = Σ W X; under reweight Σ W_k D_k over the dimensions present, rescaled to 1; #N/A
        when the row has a flag."""
        g = self.grid
        dims = g.span(g.native_dims, row, absolute=False)
        dim_weights = g.span(g.native_dims, META_ROWS["weight"])
        scores = g.span(g.native_scores, row, absolute=False)
        weights = g.span(g.native_scores, META_ROWS["weight"])
        reweighted = f"SUMPRODUCT({dim_weights},{dims})/SUMPRODUCT({dim_weights},--ISNUMBER({dims}))"
        plain = f'IF(AND(anji_missing<>"zero",COUNT({scores})<COLUMNS({scores})),NA(),SUMPRODUCT({weights},{scores}))'
        flag = ref(FLAG_ROW, NATIVE_INDEX, True, True)
        return (f'=IF({ref(row, UNIT, False, True)}="","",IF(OR({flag}>0,{self.helper("flag", row)}<>""),NA(),'
                f'IF(anji_missing="reweight",{reweighted},{plain})))')

    def helpers(self, row: int, period_of: str, data_row: int) -> dict[str, str]:
        g, unit, year = self.grid, ref(row, UNIT, False, True), self.helper("year", row)
        first = FIRST_ROW
        counts = rows_span(HELPER["unit_count"], self.rows)
        index_numbers, index_row = rows_span(HELPER["index_number"], self.rows), ref(row, NATIVE_INDEX, False, True)
        text = {key: f'"{message}"' for key, message in CHECK_TEXT.items()}
        values = self.values.format(row=data_row)
        unreadable = (f"SUMPRODUCT(ISTEXT({values})*ISNA(MATCH(TRIM({values}),anji_no_data,0)))"
                      f"+SUMPRODUCT(ISERROR({values})*NOT(ISNA({values})))+COUNTIF({values},\"<0\")") if values else "0"
        scored = f"SUMPRODUCT(--ISERROR({g.span(g.native_scores, row, absolute=False)}))"
        duplicate = f"COUNTIFS({self.units},{unit},{self.years},{year})>1"
        return {
            "year": f'=IF({unit}="",0,IF(ISNUMBER({period_of}),{period_of},IFERROR(--SUBSTITUTE(TRIM({period_of}),"年",""),0)))',
            "previous_year": f"=IF(OR({unit}=\"\",{year}=0),0,SUMPRODUCT(MAX(({self.units}={unit})*({self.years}<{year})*{self.years})))",
            "previous_at": (f'=IF({self.helper("previous_year", row)}=0,0,SUMPRODUCT(({self.units}={unit})*'
                            f'({self.years}={self.helper("previous_year", row)})*(ROW({self.units})-{first})))'),
            "flag": (f'=IF({unit}="","",IF(OR({year}=0,{year}<>INT({year})),{text["year"]},IF({duplicate},{text["duplicate"]},'
                     f'IF({unreadable}>0,{text["input"]},IF({scored}>0,{text["value"]},"")))))'),
            "index_number": f"=IF(ISNUMBER({index_row}),{index_row},-1)",
            # units in the order Data first lists them: a running count of first appearances, then the k-th
            "unit_count": f'=N({ref(row - 1, HELPER["unit_count"], False, True)})+IF({unit}="",0,IF(MATCH({unit},{self.units},0)=ROW()-{first},1,0))',
            "units": (f'=IF(ROW()-{first}>{ref(FIRST_ROW + self.rows - 1, HELPER["unit_count"], True, True)},"",'
                      f'INDEX({self.units},IFERROR(MATCH(ROW()-{first}-1,{counts},1),0)+1))'),
            "year_first": f'=IF(OR({unit}="",{year}=0),"",IF(MATCH({year},{self.years},0)=ROW()-{first},{year},""))',
            "years": f'=IFERROR(SMALL({rows_span(HELPER["year_first"], self.rows)},ROW()-{first}),"")',
            "rank": f'=IF(ISNUMBER({index_row}),SUMPRODUCT(({self.years}={year})*({index_numbers}>{index_row}))+1,"")',
        }


def _live_dimension(grid: ScoresLayout, row: int, col: int) -> str:
    name, flag = ref(META_ROWS["dimension"], col, True), ref(FLAG_ROW, col, True)
    dims, weights = grid.span(grid.scores, META_ROWS["dimension"]), grid.span(grid.scores, META_ROWS["weight"])
    scores = grid.span(grid.scores, row, absolute=False)
    return f"=IF({flag}>0,NA(),ANJI_DIM({name},{dims},{scores},{weights},anji_dimension_aggregation,anji_missing))"


def _live_index(grid: ScoresLayout, row: int) -> str:
    scores = grid.span(grid.scores, row, absolute=False)
    weights, dims = grid.span(grid.scores, META_ROWS["weight"]), grid.span(grid.scores, META_ROWS["dimension"])
    flag = ref(FLAG_ROW, INDEX, True, True)
    return f"=IF({flag}>0,NA(),ANJI_INDEX({scores},{weights},{dims},anji_aggregation,anji_missing,anji_weight_tolerance))"


def _difference(row: int) -> str:
    live, native = ref(row, INDEX), ref(row, NATIVE_INDEX)
    return f'=IF(AND(ISNUMBER({live}),ISNUMBER({native})),{live}-{native},"")'


def _check(row: int, results_rows: int) -> str:
    """The native row's own flag first; then both faces of the index against Results' number for
    the same unit and period (Results holds ``results_rows`` rows, as written with this sheet)."""
    flag_text = ref(row, HELPER["flag"], False, True)
    unit, period, live, native = (ref(row, col, False, True) for col in (UNIT, PERIOD, INDEX, NATIVE_INDEX))
    last = SUMMARY_AT[0] + max(results_rows, 1)
    results = lambda offset: column_span(SUMMARY_AT[1] + offset, SUMMARY_AT[0] + 1, last, "Results")  # noqa: E731
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
    against_results = (f"IF({rows}=0,{text['not_in_results']},IF(AND(NOT(ISNUMBER({live})),NOT(ISNUMBER({native}))),{neither},"
                       f"IF({agree},{text['ok']},{text['differs']})))")
    return f'=IF({unit}="","",IF({flag_text}<>"",{flag_text},{against_results}))'


def _absolute(cell: str) -> str:
    """``Indicators!M5`` → ``Indicators!$M$5``."""
    if not cell:
        return ""
    sheet, _, address = cell.rpartition("!")
    return f"{sheet}!" + re.sub(r"\$?([A-Z]+)\$?(\d+)", r"$\1$\2", address)


class _Sheet:
    """Collects the cells of one Scores sheet, each formula with the value the engine expects."""

    def __init__(self, source: ScoresSource):
        self.source, self.model, self.result = source, source.model, source.result
        self.ids = list(self.model.indicators.index)
        self.dims = list(self.result.dimensions)
        self.grid = ScoresLayout(len(self.ids), len(self.dims))
        self.rows = source.rows
        self.native = _Native(self.grid, self.rows, source.data, self.ids)
        self.shared: list[SharedColumn] = []
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
        for block, scores in ((g.native_dims, g.native_scores), (g.dims, g.scores)):
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
        data = self.source.data
        beyond = f"{data.sheet}!${data.unit_column}${data.header_row + self.rows + 1}:${data.unit_column}$1048576"
        covered = f"原生公式覆盖 Data 前 {self.rows} 行 · native formulas cover the first {self.rows} rows of Data"
        uncovered = (f"Data 超出 {self.rows} 行的部分没有原生公式：请按 重新计算 或运行 anji-xl recalc · rows of Data beyond {self.rows}"
                     " have no native formulas: press Recalculate or run anji-xl recalc")
        self.put(NOTE_ROW, 0, covered, "note", f'=IF(COUNTA({beyond})=0,"{covered}","{uncovered}")')
        for col, title in sorted(titles.items()):
            self.put(HEADER_ROW, col, title, "head")

    def body(self) -> None:
        """Native cells down every row (shared formulas), live cells on Data's rows of this computation."""
        data, result, g = self.source.data, self.result, self.grid
        keys = list(result.rows)
        position = {key: k for k, key in enumerate(keys)}
        previous, spans = preceding_periods(result.rows)
        at_row = {excel_row - data.header_row - 1: position[key] for key, excel_row in data.rows.items()}
        ats = [at_row.get(i) for i in range(self.rows)]
        columns = self._native_values(ats, keys, previous)
        row, data_row = FIRST_ROW, data.header_row + 1
        unit_cell, period_of = f"{data.sheet}!${data.unit_column}{data_row}", f"{data.sheet}!${data.period_column}{data_row}"
        formulas = {UNIT: f'=IF({unit_cell}="","",TRIM({unit_cell}))', PERIOD: f'=IF({period_of}="","",{period_of})',
                    NATIVE_INDEX: self.native.index(row), CHECK: _check(row, len(result.rows))}
        helpers = self.native.helpers(row, period_of, data_row)
        formulas.update({HELPER[name]: helpers[name] for name in HELPERS})
        formulas[RANK] = helpers["rank"]
        for j, col in enumerate(g.native_dims):
            formulas[col] = self.native.dimension(row, col)
        for k, ident in enumerate(self.ids):
            letter = data.columns.get(ident)
            formulas[g.native_scores[k]] = (self.native.score(row, g.native_scores[k], f"{data.sheet}!{letter}{data_row}", letter, self.methods[k])
                                            if letter else '=""')
        kinds = {UNIT: "text", PERIOD: "year", NATIVE_INDEX: "native_shown", CHECK: "check", RANK: "rank",
                 **{col: "native_shown" for col in g.native_dims}}
        for col, formula in formulas.items():
            self.shared.append(SharedColumn(col, FIRST_ROW, formula, columns[col], kinds.get(col, "native")))
        for i, at in enumerate(ats):
            if at is not None:
                before = (keys[previous[at]], float(spans[at])) if previous[at] >= 0 else None
                self.live_row(FIRST_ROW + i, data.header_row + 1 + i, at, before)

    def _native_values(self, ats: list, keys: list, previous) -> dict[int, list[object]]:
        """The cached value of every native cell, column by column (what the formulas compute)."""
        g, res = self.grid, self.result
        keys_at = [None if at is None else keys[at] for at in ats]
        years = [0 if key is None else _year(key[1]) for key in keys_at]
        flags = ["" if key is None else CHECK_TEXT["year"] if years[i] == 0 or years[i] != int(years[i]) else ""
                 for i, key in enumerate(keys_at)]
        row_of = {at: i for i, at in enumerate(ats) if at is not None}
        native = [at is not None and not self.native_flag and not flags[i] for i, at in enumerate(ats)]
        index = [float(res.index.iat[at]) if native[i] else np.nan for i, at in enumerate(ats)]
        columns: dict[int, list[object]] = {
            UNIT: ["" if key is None else key[0] for key in keys_at],
            PERIOD: ["" if key is None else period_cell(key[1]) for key in keys_at],
            NATIVE_INDEX: ["" if at is None else NA if not native[i] else cached(index[i]) for i, at in enumerate(ats)],
            CHECK: ["" if at is None else flags[i] or self.check_value(float(res.index.iat[at])) for i, at in enumerate(ats)],
            RANK: ["" if np.isnan(v) else int(res.rank.iat[at]) for v, at in zip(index, ats)],
            HELPER["year"]: years,
            HELPER["previous_year"]: [0 if at is None or previous[at] < 0 else _year(keys[previous[at]][1]) for at in ats],
            HELPER["previous_at"]: [0 if at is None or previous[at] < 0 else row_of[previous[at]] + 1 for at in ats],
            HELPER["flag"]: flags,
            HELPER["index_number"]: [-1 if np.isnan(v) else v for v in index],
        }
        units, unit_count, seen_years, first_year = {}, [], set(), []
        for key, year in zip(keys_at, years):
            if key is not None:
                units.setdefault(key[0], len(units) + 1)
            unit_count.append(len(units))
            new_year = key is not None and year != 0 and year not in seen_years
            seen_years.update([year] if new_year else [])
            first_year.append(year if new_year else "")
        listed = lambda items: [items[i] if i < len(items) else "" for i in range(self.rows)]  # noqa: E731
        columns.update({HELPER["unit_count"]: unit_count, HELPER["units"]: listed(list(units)),
                        HELPER["year_first"]: first_year, HELPER["years"]: listed(sorted(seen_years))})
        for j, dim in enumerate(self.dims):
            columns[g.native_dims[j]] = ["" if at is None else NA if not native[i] or self.pooled_in[dim]
                                         else _blank_nan(res.dimension_scores.iat[at, j]) for i, at in enumerate(ats)]
        for k in range(len(self.ids)):
            native_method = self.methods[k] in LIVE_METHODS
            columns[g.native_scores[k]] = ["" if at is None or not native_method or flags[i] else _blank_nan(res.scores.iat[at, k])
                                           for i, at in enumerate(ats)]
        return columns

    def live_row(self, row: int, data_row: int, at: int, before) -> None:
        """The ANJI_* cells of one Data row of this computation."""
        g, data, res = self.grid, self.source.data, self.result
        for k, ident in enumerate(self.ids):
            letter = data.columns.get(ident)
            value = f"{data.sheet}!{letter}{data_row}" if letter else None
            previous = f"{data.sheet}!{letter}{data.rows[before[0]]}" if letter and before else None
            score = res.scores.iat[at, k] if self.methods[k] in LIVE_METHODS else np.nan
            self.put(row, g.scores[k], cached(score), "number", _live_score(g.scores[k], value, previous, 1.0 if before is None else before[1]))
        for j, dim in enumerate(self.dims):
            value = float(res.dimension_scores.iat[at, j])
            self.put(row, g.dims[j], NA if self.pooled_in[dim] else cached(value), "number", _live_dimension(g, row, g.dims[j]))
        index = float(res.index.iat[at])
        self.put(row, INDEX, NA if self.live_flag else cached(index), "number", _live_index(g, row))
        self.put(row, DIFFERENCE, 0.0 if not self.native_flag and not np.isnan(index) else "", "native", _difference(row))

    def check_value(self, index: float) -> str:
        if np.isnan(index):
            return CHECK_TEXT["no_index"]
        return CHECK_TEXT["pooled"] if self.live_flag else CHECK_TEXT["ok"]


def _year(period: str) -> float:
    """A period as the native formulas read it: its number (2020年 → 2020), or 0."""
    text = str(period).strip().replace("年", "")
    try:
        return int(float(text)) if float(text).is_integer() else float(text)
    except ValueError:
        return 0


def _blank_nan(value: float) -> object:
    return "" if np.isnan(value) else float(value)


def _numbers(column) -> list[object]:
    return ["" if v != v else float(v) for v in column]


def sheet_cells(source: ScoresSource) -> tuple[list[Cell], list[SharedColumn]]:
    """Every cell of the Scores sheet for this model, result and Data layout: single cells, and
    the native columns as shared formulas down every row."""
    sheet = _Sheet(source)
    sheet.meta()
    sheet.header()
    sheet.body()
    return sheet.cells, sheet.shared


def columns(n: int, d: int) -> list[Column]:
    """Column widths; the native helpers and the native indicator scores are grouped and folded."""
    g = ScoresLayout(n, d)
    return [Column(UNIT, UNIT, 10), Column(PERIOD, PERIOD, 16), Column(INDEX, INDEX, 12), Column(NATIVE_INDEX, NATIVE_INDEX, 14),
            Column(DIFFERENCE, DIFFERENCE, 12), Column(CHECK, CHECK, 30), Column(RANK, RANK, 9),
            Column(HELPER[HELPERS[0]], HELPER[HELPERS[-1]], 10, True, 1), Column(g.native_dims.start, g.dims.stop - 1, 11),
            Column(g.scores.start, g.scores.stop - 1, 10), Column(g.native_scores.start, g.native_scores.stop - 1, 9, True, 1)]


#: A cell of each style kind whose position does not depend on the number of indicators,
#: dimensions or rows: ``anji-xl recalc`` learns the book's style of each kind from them.
STYLE_SAMPLES = {"subtitle": (0, 0), "note": (NOTE_ROW, 0), "meta": (META_ROWS["id"], 1), "meta_text": (META_ROWS["dimension"], HELPER[HELPERS[-1]] + 1),
                 "meta_number": (META_ROWS["weight"], HELPER[HELPERS[-1]] + 1), "head": (HEADER_ROW, UNIT), "text": (FIRST_ROW, UNIT),
                 "year": (FIRST_ROW, PERIOD), "number": (FIRST_ROW, INDEX), "native_shown": (FIRST_ROW, NATIVE_INDEX),
                 "native": (FIRST_ROW, DIFFERENCE), "check": (FIRST_ROW, CHECK), "rank": (FIRST_ROW, RANK)}
