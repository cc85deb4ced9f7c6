"""The Scores sheet: per Data row, the live ANJI_* scores, dimension scores and index, and beside
them the same numbers in native Excel formulas — no Python, no macros: WPS 表格, LibreOffice, a
locked-down Excel — the difference, and a check against Results.

Rows are Data's rows by position: Scores row ``FIRST_ROW + i`` reads Data row ``header + 1 + i``.
The native formulas reach ``NATIVE_ROWS`` rows (or further, when Data is longer at the last
Recalculate), so every row a user types below Data gets its native scores without Python; the
live ANJI_* cells are written for the rows Data had at the last Recalculate.

Columns (0-based): unit, period, index (live), index (native), difference, check, the hidden
native helpers (``HELPERS``: the period as a year, a sort key per row and the keys sorted, the
unit's preceding period and where it is, the lists of units and periods the Dashboard offers),
the native dimension scores,
the live dimension scores, the live indicator scores, the native indicator scores (folded).
Everything the Dashboard reads sits at a fixed column, whatever the number of indicators.
Rows ``META_ROWS`` above the score columns reference each indicator's Indicators row, so an edit
there flows into every formula.

A cell that cannot show the engine's number is an explicit ``#N/A`` with the reason in the check
column, never a different number: live cells do not pool units (min–max, z-score, efficacy);
native cells do not do those nor geometric aggregation, and read only what formulas read the same
way in every program (numbers, blanks and no-data marks; a number stored as text is flagged,
since VALUE() reads "1,234" differently by locale). A percentage typed as a whole number (89 for
0.89 in an indicator measured in %), which the engine refuses, is flagged too, never capped to 1.

What a row needs from the other rows (its unit's preceding year, a twin row) comes from one
sorted column: each row's key packs (unit, year, row) into one whole number, SMALL sorts the
keys once, and a row finds its own key there by binary search (MATCH type 1), its predecessor
one place up. So no row scans all the others with array formulas: LibreOffice, WPS and Excel
open and recalculate 1,000 rows without a wait (docs/native.md has the numbers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from ..engine import IndexResult, check_weights, preceding_periods
from ..model import DIMENSIONS_EN, DIRECTION_ALIASES, METHOD_ALIASES, Model
from ..io.parse import DataLayout
from .. import __version__
from ..messages import say
from ..scoring import PERCENT_UNITS, POOLED_METHODS, is_percent_unit
from .layout import NA, Cell, Column, SharedColumn, column_span, ref
from .results import SUMMARY_AT

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
UNIT, PERIOD, INDEX, NATIVE_INDEX, DIFFERENCE, CHECK = range(6)
HELPERS = ("year", "unit_at", "key", "sorted", "at", "previous", "previous_year", "previous_at", "flag", "index_number",
           "result_first", "result_at", "unit_count", "units", "year_first", "years")
HELPER = {name: CHECK + 1 + k for k, name in enumerate(HELPERS)}
FLAG_ROW = META_ROWS["method"]  # above index and dimension columns: how many indicators cannot be scored there
# One ANJI_VERSION() call says whether Python answers (xlwings in Excel); the live cells ask it
# before calling ANJI_*: where nothing answers (WPS, LibreOffice, Excel without xlwings) they are
# #N/A at once, instead of each looking for a function no add-in has, which takes LibreOffice
# seconds over 1,000 rows.
PYTHON_AT = (FLAG_ROW, CHECK)
NO_PYTHON = f"ISERROR({ref(*PYTHON_AT, True, True)})"
COUNT_ROW = FLAG_ROW  # above the sorted keys and the list of years: how many there are
YEARS = 10000  # a key's year part: years 1 … 9999
FILLER = 9e307  # the sorted keys below the last one: larger than any key, so the column stays sorted
NOTE_ROW = 1  # beside the title: rows of Data beyond the native formulas
# In the note's row, above each native score: the value above which an entry of an indicator
# measured in percent (reference ≤ 1) is a percentage typed as a whole number, as the engine
# refuses it (scoring.score_ratio); its native score is then PERCENT_MARK and the row's flag says so.
PERCENT_ROW = NOTE_ROW
PERCENT_MARK = "%"
LIVE_METHODS = ("ratio", "growth", "goalpost")  # what a live cell scores; the pooled ones need every unit of a period
NO_DATA_MARKS = ("—", "-", "/", "NA", "N/A", "无")  # what Chinese yearbooks print for "no data"
DEFINED_NAMES = {"anji_no_data": "={" + ",".join(f'"{mark}"' for mark in (*NO_DATA_MARKS, "")) + "}"}
TOLERANCE = 1e-9
NUMBER = '">-1E+300"'  # the criterion of SUMIF(S)/COUNTIF(S) that takes any number and no text: sums without array formulas
FORMAT_ROWS = 20000  # the conditional formats reach this many rows below the header, so grown sheets keep them

CHECK_TEXT = {
    "ok": "OK",
    "no_index": "OK（无指数 no index）",
    **{key: say(f"check.{key}") for key in ("not_in_results", "differs", "pooled", "geometric", "year", "duplicate", "previous_twice", "input",
                                          "value", "percent")},
}
# The texts the flag and check columns show sit in cells (in the hidden helpers' rows above the
# header) that those formulas reference: a program that saves the book writes every formula out
# in full, and 1,000 copies of the texts made LibreOffice's save about 0.4 s longer.
TEXT_AT = {key: (2 + k % 10, CHECK + 1 + k // 10) for k, key in enumerate(CHECK_TEXT)}
TEXT_REFS = {key: ref(row, col, True, True) for key, (row, col) in TEXT_AT.items()}
HEADERS = {UNIT: "unit 单位", PERIOD: "period 时期", INDEX: "index 指数 (ANJI_*)",
           NATIVE_INDEX: "index 原生公式指数 · no-Python result", DIFFERENCE: "difference 差值 live − native",
           CHECK: "check 核对 vs Results",
           HELPER["year"]: "year 年份", HELPER["unit_at"]: "unit's first row 单位首行", HELPER["key"]: "key 排序键",
           HELPER["sorted"]: "keys sorted 键排序", HELPER["at"]: "place in sorted 排序位置", HELPER["previous"]: "previous key 上期键",
           HELPER["previous_year"]: "previous 上期", HELPER["previous_at"]: "previous row 上期行", HELPER["flag"]: "flag 原生标记",
           HELPER["result_first"]: "unit's first row in Results 结果首行", HELPER["result_at"]: "row in Results 结果行",
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


def key_places(rows: int) -> int:
    """Decimal places a sort key keeps for a row's place among ``rows`` rows (keys stay whole
    numbers below 2⁵³, so exact in every program, up to 99,999 rows)."""
    return len(str(rows))


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


def _percent_limit(unit_cell: str, col: int) -> str:
    """max(1, 2r) above the native score of an indicator whose unit of measure says percent (%,
    ％, 百分比 … as :func:`~anji_xl.scoring.is_percent_unit` reads it) and whose reference r is
    above 0 and at most 1 (a ratio needs r > 0; a blank reads as 0 in Excel, as nothing in
    LibreOffice); else blank."""
    if not unit_cell:
        return '=""'
    r = ref(META_ROWS["reference"], col, True)
    unit = f'TRIM(SUBSTITUTE({unit_cell},"％","%"))'
    named = "{" + ",".join(f'"{name}"' for name in sorted(PERCENT_UNITS - {"%"})) + "}"
    starts = f'"%"&SUBSTITUTE({unit},"%","",1)={unit}'  # begins with %: taking the first % off and putting it back gives it again
    return f'=IF(AND(OR(ISNUMBER(MATCH({unit},{named},0)),{starts}),ISNUMBER({r}),{r}>0,{r}<=1),MAX(1,2*{r}),"")'


def _meta(col: int) -> dict[str, str]:
    """The meta cells above column ``col`` (row-absolute)."""
    return {key: ref(row, col, row_abs=True) for key, row in META_ROWS.items()}


def _live_score(col: int, value: str | None, growth: str) -> str:
    """The indicator's own method through ANJI_*: ratio, growth control (``growth``: its call, or
    NA() where the unit has no preceding period) or goalposts; the pooled methods show #N/A
    (Results has them)."""
    if value is None:
        return "=NA()"
    m = _meta(col)
    ratio = f"ANJI_SCORE({value},{m['reference']},{m['direction']},anji_cap)"
    goalpost = f'ANJI_NORMALIZE({value},"goalpost",{m["lower"]},{m["upper"]},{m["direction"]},{m["transform"]})'
    method = m["method"]
    return f'=IF({NO_PYTHON},NA(),IF({method}="growth",{growth},IF({method}="goalpost",{goalpost},IF({method}="ratio",{ratio},NA()))))'


def _growth_call(col: int, value: str, before: str, periods: str) -> str:
    m = _meta(col)
    return f"ANJI_GROWTH_SCORE({value},{before},{m['reference']},{m['direction']},anji_cap{periods})"


def _runs(keys: list) -> list[tuple[int, int]]:
    """The runs [start, stop) of equal consecutive keys, leaving out those of None."""
    runs, start = [], 0
    for k in range(1, len(keys) + 1):
        if k == len(keys) or keys[k] != keys[start]:
            if keys[start] is not None:
                runs.append((start, k))
            start = k
    return runs


def _true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """The runs [start, stop) of True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[False], mask, [False]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _engine_rows(result: IndexResult, data: DataLayout, rows: int) -> np.ndarray:
    """Each of the sheet's ``rows`` rows' place among the engine's rows (the Data row it reads), −1 for none."""
    position = dict(zip(result.labels, range(len(result.labels))))
    at = np.full(rows, -1, dtype=np.int64)
    at[np.fromiter(data.rows.values(), dtype=np.int64, count=len(data.rows)) - data.header_row - 1] = [position[key] for key in data.rows]
    return at


def _cached_column(values: np.ndarray) -> list:
    """A live column's cached values: :func:`~.layout.cached` of every element of a float array at once (#N/A for none)."""
    return _shown(values, True, blank=NA)


class _Native:
    """Formula text of the native cells of a sheet with ``rows`` rows, written for the first row;
    every row below holds the same formula moved down (a shared formula)."""

    def __init__(self, grid: ScoresLayout, rows: int, data: DataLayout, ids: list[str]):
        self.grid, self.rows, self.data = grid, rows, data
        self.units = rows_span(UNIT, rows)
        self.years = rows_span(HELPER["year"], rows)
        self.sorted = rows_span(HELPER["sorted"], rows)
        self.places = key_places(rows)
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
        if method == "ratio":  # a percentage typed as a whole number is marked for the row's flag, never capped to 1
            limit = ref(PERCENT_ROW, col, True)
            ratio = f"MIN(anji_cap_value,IF({sign}>0,{v}/{r},IF({v}=0,1E+307,{r}/{v})))"
            body = f'IF({r}>0,IF(AND(ISNUMBER({limit}),{v}>{limit},{v}<=100),"{PERCENT_MARK}",{ratio}),NA())'
        elif method == "growth":
            at = self.helper("previous_at", row)
            before = f"INDEX({self.data_column(letter)},{at})"
            factor = f"({v}/{before})^(1/({self.helper('year', row)}-{self.helper('previous_year', row)}))"
            missing = f"OR(ISNA({before}),ISNUMBER(MATCH(TRIM({before}),anji_no_data,0)))"  # else text or an error: flagged
            body = (f'IF({at}=0,"",IF(NOT(ISNUMBER({before})),IF({missing},"",NA()),IF(AND({before}>0,{v}>0,1+{r}>0),'
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
        name, flag, total = (ref(meta, col, True) for meta in (META_ROWS["dimension"], FLAG_ROW, META_ROWS["weight"]))
        dims, weights = g.span(g.native_scores, META_ROWS["dimension"]), g.span(g.native_scores, META_ROWS["weight"])
        scores = g.span(g.native_scores, row, absolute=False)
        weighted = f"SUMPRODUCT(--({dims}={name}),{weights},{scores})"  # text counts as 0
        present = f"SUMIFS({weights},{dims},{name},{scores},{NUMBER})"  # the weight of the scores present
        missing = f'IF(anji_missing="error",COUNTIFS({dims},{name},{scores},{NUMBER})<COUNTIF({dims},{name}),FALSE)'
        # no weight to divide by: blank (an error in the row's scores made its flag before)
        policy = f'IFERROR({weighted}/IF(anji_missing="zero",{total},{present}),"")'
        return f'=IF({ref(row, UNIT, False, True)}="","",IF(OR({flag}>0,{self.helper("flag", row)}<>"",{missing}),NA(),{policy}))'

    def index(self, row: int) -> str:
        """Y = Σ W X; under reweight Σ W_k D_k over the dimensions present, rescaled to 1; #N/A
        when the row has a flag."""
        g = self.grid
        dims = g.span(g.native_dims, row, absolute=False)
        dim_weights = g.span(g.native_dims, META_ROWS["weight"])
        scores = g.span(g.native_scores, row, absolute=False)
        weights = g.span(g.native_scores, META_ROWS["weight"])
        reweighted = f"SUMPRODUCT({dim_weights},{dims})/SUMIF({dims},{NUMBER},{dim_weights})"
        plain = f'IF(AND(anji_missing<>"zero",COUNT({scores})<COLUMNS({scores})),NA(),SUMPRODUCT({weights},{scores}))'
        flag = ref(FLAG_ROW, NATIVE_INDEX, True, True)
        return (f'=IF({ref(row, UNIT, False, True)}="","",IF(OR({flag}>0,{self.helper("flag", row)}<>""),NA(),'
                f'IF(anji_missing="reweight",{reweighted},{plain})))')

    def helpers(self, row: int, period_of: str, data_row: int) -> dict[str, str]:
        """The hidden helpers of one row. Its key is (unit's first row × 10⁴ + year) × 10^places
        + its own place, a whole number below 2⁵³: sorted, a unit's rows follow each other by
        year, and a row's predecessor there is its unit's preceding year, or another unit."""
        g, unit, year, pos = self.grid, ref(row, UNIT, False, True), self.helper("year", row), f"ROW()-{FIRST_ROW}"
        key, at, previous = (self.helper(name, row) for name in ("key", "at", "previous"))
        place, unit_place = 10 ** self.places, YEARS * 10 ** self.places
        counts = rows_span(HELPER["unit_count"], self.rows)
        index_row = ref(row, NATIVE_INDEX, False, True)
        text = TEXT_REFS
        values = self.values.format(row=data_row)
        # text that is not a no-data mark, an error other than #N/A, a negative number; the array
        # formulas only for a row that has text or an error at all
        unreadable = (f"IF(COUNTA({values})>COUNT({values}),SUMPRODUCT(ISTEXT({values})*ISNA(MATCH(TRIM({values}),anji_no_data,0)))"
                      f"+SUMPRODUCT(ISERROR({values})*NOT(ISNA({values}))),0)+COUNTIF({values},\"<0\")") if values else "0"
        native_scores = g.span(g.native_scores, row, absolute=False)
        scored = f'COLUMNS({native_scores})-COUNT({native_scores})-COUNTIF({native_scores},"")'  # the scores that are errors
        sorted_at = lambda offset: f"INDEX({self.sorted},{at}{offset:+d})"  # noqa: E731
        same = lambda a, b, scale: f"INT({a}/{scale})=INT({b}/{scale})"  # noqa: E731 — same unit and year (place), same unit (unit_place)
        twin = (f"OR(IF({at}>1,{same(sorted_at(-1), key, place)},FALSE),"
                f"IF({at}<{self.rows},{same(sorted_at(1), key, place)},FALSE))")
        previous_twin = f"IF(AND({previous}>0,{at}>2),{same(sorted_at(-2), previous, place)},FALSE)"
        return {
            "year": f'=IF({unit}="",0,IF(ISNUMBER({period_of}),{period_of},IFERROR(--SUBSTITUTE(TRIM({period_of}),"年",""),0)))',
            "unit_at": f'=IF({unit}="",0,{_as_above(row, "unit_at", f"MATCH({unit},{self.units},0)")})',
            "key": (f'=IF(OR({self.helper("unit_at", row)}=0,{year}<1,{year}>={YEARS},{year}<>INT({year})),"",'
                    f'({self.helper("unit_at", row)}*{YEARS}+{year})*{place}+{pos})'),
            "sorted": f"=IF({pos}>{ref(COUNT_ROW, HELPER['sorted'], True, True)},{FILLER:.0E},SMALL({rows_span(HELPER['key'], self.rows)},{pos}))",
            "at": f'=IF({key}="",0,MATCH({key},{self.sorted},1))',
            "previous": f"=IF({at}<2,0,IF({same(sorted_at(-1), key, unit_place)},{sorted_at(-1)},0))",
            "previous_year": f"=IF({previous}=0,0,INT({previous}/{place})-INT({previous}/{unit_place})*{YEARS})",
            "previous_at": f"=IF({previous}=0,0,{previous}-INT({previous}/{place})*{place})",
            "flag": (f'=IF({unit}="","",IF({key}="",{text["year"]},IF({twin},{text["duplicate"]},IF({previous_twin},{text["previous_twice"]},'
                     f'IF({unreadable}>0,{text["input"]},IF({scored}>0,IF(COUNTIF({native_scores},"{PERCENT_MARK}")>0,{text["percent"]},'
                     f'{text["value"]}),""))))))'),
            "index_number": f"=IF(ISNUMBER({index_row}),{index_row},-1)",
            # units in the order Data first lists them: a running count of first appearances, then the k-th
            "unit_count": f'=N({ref(row - 1, HELPER["unit_count"], False, True)})+IF({self.helper("unit_at", row)}={pos},1,0)',
            "units": (f'=IF({pos}>{ref(FIRST_ROW + self.rows - 1, HELPER["unit_count"], True, True)},"",'
                      f'INDEX({self.units},IFERROR(MATCH({pos}-1,{counts},1),0)+1))'),
            "year_first": f'=IF({key}="","",IF(MATCH({year},{self.years},0)={pos},{year},""))',
            "years": f'=IF({pos}>{ref(COUNT_ROW, HELPER["years"], True, True)},"",SMALL({rows_span(HELPER["year_first"], self.rows)},{pos}))',
        }

    def counts(self) -> dict[int, str]:
        """The cells above the sorted keys and the list of years: how many there are."""
        return {col: f"=COUNT({rows_span(of, self.rows)})" for col, of in ((HELPER["sorted"], HELPER["key"]), (HELPER["years"], HELPER["year_first"]))}

def _live_dimension(grid: ScoresLayout, row: int, col: int) -> str:
    name, flag = ref(META_ROWS["dimension"], col, True), ref(FLAG_ROW, col, True)
    dims, weights = grid.span(grid.scores, META_ROWS["dimension"]), grid.span(grid.scores, META_ROWS["weight"])
    scores = grid.span(grid.scores, row, absolute=False)
    return f"=IF(OR({NO_PYTHON},{flag}>0),NA(),ANJI_DIM({name},{dims},{scores},{weights},anji_dimension_aggregation,anji_missing))"


def _live_index(grid: ScoresLayout, row: int) -> str:
    scores = grid.span(grid.scores, row, absolute=False)
    weights, dims = grid.span(grid.scores, META_ROWS["weight"]), grid.span(grid.scores, META_ROWS["dimension"])
    flag = ref(FLAG_ROW, INDEX, True, True)
    return f"=IF(OR({NO_PYTHON},{flag}>0),NA(),ANJI_INDEX({scores},{weights},{dims},anji_aggregation,anji_missing,anji_weight_tolerance))"


def _difference(row: int) -> str:
    live, native = ref(row, INDEX), ref(row, NATIVE_INDEX)
    return f'=IF(AND(ISNUMBER({live}),ISNUMBER({native})),{live}-{native},"")'


def _as_above(row: int, helper: str, search: str) -> str:
    """A unit's helper found by ``search`` (a MATCH along a column of texts, which LibreOffice
    compares slowly), or taken from the row above when that row has the same unit: rows typed
    unit by unit then search once per unit."""
    unit, above = ref(row, UNIT, False, True), ref(row - 1, HELPER[helper], False, True)
    return f"IF(AND({unit}={ref(row - 1, UNIT, False, True)},N({above})>0),{above},{search})"


def _results_column(offset: int, results_rows: int) -> str:
    """A column of Results' summary (``results_rows`` rows, as written with this sheet)."""
    return column_span(SUMMARY_AT[1] + offset, SUMMARY_AT[0] + 1, SUMMARY_AT[0] + max(results_rows, 1), "Results")


def _results_place(row: int, results_rows: int) -> dict[str, str]:
    """Where the row is in Results' summary: the first row of its unit, and its own row (0 for
    none, and for a row whose period is not a year: its flag says so). Results lists each unit's
    periods together, so one MATCH finds the unit and another its year from there, rather than
    counting over all of Results for every row; Results holds a year as a number, which the
    year helper reads from what was typed (2020, "2020", "2020年")."""
    unit, year, key, first = (ref(row, col, False, True) for col in (UNIT, HELPER["year"], HELPER["key"], HELPER["result_first"]))
    units, periods = _results_column(0, results_rows), _results_column(1, results_rows)
    at = f"IFERROR({first}+MATCH({year},INDEX({periods},{first}):Results!{periods.split(':')[1]},0)-1,0)"
    return {"result_first": f'=IF({unit}="",0,{_as_above(row, "result_first", f"IFERROR(MATCH({unit},{units},0),0)")})',
            "result_at": f'=IF(OR({first}=0,{key}=""),0,IF(INDEX({units},MAX(1,{at}))={unit},{at},0))'}


def _check(row: int, results_rows: int) -> str:
    """The native row's own flag first; then both faces of the index against Results' number for
    the same unit and period."""
    flag_text, at = ref(row, HELPER["flag"], False, True), ref(row, HELPER["result_at"], False, True)
    unit, live, native = (ref(row, col, False, True) for col in (UNIT, INDEX, NATIVE_INDEX))
    value = f"INDEX({_results_column(2, results_rows)},{at})"
    has = f"ISNUMBER({value})"
    text = TEXT_REFS
    live_flag, native_flag = ref(FLAG_ROW, INDEX, True, True), ref(FLAG_ROW, NATIVE_INDEX, True, True)
    neither = (f"IF(NOT({has}),{text['no_index']},IF({live_flag}>0,{text['pooled']},"
               f"IF({native_flag}>0,{text['geometric']},{text['differs']})))")
    close = lambda cell: f"IF(ISNUMBER({cell}),ABS({cell}-{value})<={TOLERANCE:g},TRUE)"  # noqa: E731 — an error cell is not compared
    agree = f"IF({has},AND({close(live)},{close(native)}),FALSE)"
    against_results = (f"IF({at}=0,{text['not_in_results']},IF(AND(NOT(ISNUMBER({live})),NOT(ISNUMBER({native}))),{neither},"
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
        self.ids = list(self.model.ids)
        self.dims = list(self.result.dimensions)
        self.grid = ScoresLayout(len(self.ids), len(self.dims))
        self.rows = source.rows
        self.native = _Native(self.grid, self.rows, source.data, self.ids)
        self.shared: list[SharedColumn] = []
        self.methods = list(self.model.table.columns["method"])
        self.dim_of = list(self.model.table.columns["dimension"])
        self.cells: list[Cell] = []
        aggregation = self.model.settings.dimension_aggregation, self.model.settings.index_aggregation
        self.pooled_in = {d: sum(m in POOLED_METHODS for m, of in zip(self.methods, self.dim_of) if of == d) for d in self.dims}
        self.live_flag = sum(self.pooled_in.values())
        self.native_flag = self.live_flag + int("geometric" in aggregation)
        self.geometric_dimensions = int(self.model.settings.dimension_aggregation == "geometric")

    def put(self, row: int, col: int, value: object, kind: str, formula: str | None = None) -> None:
        self.cells.append(Cell(row, col, value, kind, formula))

    def meta(self) -> None:
        g, ind, cell_of = self.grid, self.model.table, self.source.indicator_cell
        weights = f"{_absolute(cell_of(self.ids[0], 'weight'))}:{_absolute(cell_of(self.ids[-1], 'weight')).split('!')[-1]}"
        used = check_weights(self.model)[0]
        values = {"id": self.ids, "dimension": self.dim_of, "weight": [float(w) for w in used],
                  "reference": [0.0 if v == "" and cell_of(i, "reference") else v for i, v in zip(self.ids, _numbers(ind.column("reference", float)))],  # =cell: a blank reads as 0
                  "lower": _numbers(ind.column("lower", float)), "upper": _numbers(ind.column("upper", float)),
                  "transform": list(ind.columns["transform"]), "direction": ["positive" if d > 0 else "negative" for d in ind.columns["direction"]],
                  "sign": [int(d) for d in ind.columns["direction"]], "method": self.methods}
        for key, row in META_ROWS.items():
            self.put(row, 1, META_LABELS[key], "meta")
            number = key in ("weight", "reference", "lower", "upper")
            for block in (g.scores, g.native_scores):
                for k, col in enumerate(block):
                    field = "direction" if key == "sign" else key
                    formula = _meta_formula(key, _absolute(cell_of(self.ids[k], field)), weights)
                    self.put(row, col, values[key][k], "meta_number" if number else "meta_text", formula)
        self.put(PERCENT_ROW, 1, "percent limit 百分比上限", "meta")
        units = list(ind.columns["unit"]) if "unit" in ind else [""] * len(self.ids)
        for k, col in enumerate(g.native_scores):
            reference = 0.0 if values["reference"][k] == "" else values["reference"][k]  # a blank cell reads as 0
            limit = max(1.0, 2 * reference) if is_percent_unit(units[k]) and 0 < reference <= 1 else ""
            self.put(PERCENT_ROW, col, limit, "meta_number", _percent_limit(_absolute(cell_of(self.ids[k], "unit")), col))
        pooled = "+".join(f'COUNTIF({g.span(g.scores, FLAG_ROW)},"{m}")' for m in POOLED_METHODS)
        geometric = 'OR(anji_dimension_aggregation="geometric",anji_index_aggregation="geometric")'
        for key, (row, col) in TEXT_AT.items():
            self.put(row, col, CHECK_TEXT[key], "meta")
        self.put(FLAG_ROW - 1, INDEX, "不可计算的指标 · cannot score here", "meta")
        self.put(PYTHON_AT[0] - 1, PYTHON_AT[1], say("python_version_label"), "meta")
        self.put(*PYTHON_AT, __version__, "meta", "=ANJI_VERSION()")
        self.put(FLAG_ROW, INDEX, self.live_flag, "meta_number", f"={pooled}")
        self.put(FLAG_ROW, NATIVE_INDEX, self.native_flag, "meta_number", f"={ref(FLAG_ROW, INDEX, True, True)}+IF({geometric},1,0)")
        for block, scores in ((g.native_dims, g.native_scores), (g.dims, g.scores)):
            native = block == g.native_dims
            for j, col in enumerate(block):
                name = ref(META_ROWS["dimension"], col, True)
                dims, weight_row = g.span(scores, META_ROWS["dimension"]), g.span(scores, META_ROWS["weight"])
                total = sum(w for w, of in zip(values["weight"], self.dim_of) if of == self.dims[j])
                self.put(META_ROWS["dimension"], col, self.dims[j], "meta_text")
                self.put(META_ROWS["weight"], col, total, "meta_number", f"=SUMIF({dims},{name},{weight_row})")
                count = "+".join(f'COUNTIFS({dims},{name},{g.span(scores, FLAG_ROW)},"{m}")' for m in POOLED_METHODS)
                flag = self.pooled_in[self.dims[j]]
                if native:  # nor a geometric mean within a dimension (an index over arithmetic dimensions flags the index only)
                    count += '+IF(anji_dimension_aggregation="geometric",1,0)'
                    flag += self.geometric_dimensions
                self.put(FLAG_ROW, col, flag, "meta_number", f"={count}")

    def header(self) -> None:
        g = self.grid
        names = list(self.model.table.columns["name"]) if "name" in self.model.table else [""] * len(self.ids)
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
        covered, uncovered = say("native_rows", rows=self.rows), say("native_rows_beyond", rows=self.rows)
        self.put(NOTE_ROW, 0, covered, "note", f'=IF(COUNTA({beyond})=0,"{covered}","{uncovered}")')
        for col, title in sorted(titles.items()):
            self.put(HEADER_ROW, col, title, "head")

    def body(self) -> None:
        """Native cells down every row (shared formulas), live cells on Data's rows of this computation."""
        data, result, g = self.source.data, self.result, self.grid
        at = _engine_rows(result, data, self.rows)
        columns, helpers = self._native_values(at)
        for col, formula in self.native.counts().items():
            self.put(COUNT_ROW, col, sum(1 for v in columns[col] if v != "" and v != FILLER), "meta_number", formula)
        row, data_row = FIRST_ROW, data.header_row + 1
        unit_cell, period_of = f"{data.sheet}!${data.unit_column}{data_row}", f"{data.sheet}!${data.period_column}{data_row}"
        key, year = self.native.helper("key", row), self.native.helper("year", row)
        formulas = {UNIT: f'=IF({unit_cell}="","",TRIM({unit_cell}))', PERIOD: f'=IF({period_of}="","",IF({key}="",TRIM({period_of}),{year}))',
                    NATIVE_INDEX: self.native.index(row), CHECK: _check(row, len(result.labels))}
        helper_formulas = {**self.native.helpers(row, period_of, data_row), **_results_place(row, len(result.labels))}
        formulas.update({HELPER[name]: helper_formulas[name] for name in HELPERS})
        for j, col in enumerate(g.native_dims):
            formulas[col] = self.native.dimension(row, col)
        for k, ident in enumerate(self.ids):
            letter = data.columns.get(ident)
            formulas[g.native_scores[k]] = (self.native.score(row, g.native_scores[k], f"{data.sheet}!{letter}{data_row}", letter, self.methods[k])
                                            if letter else '=""')
        kinds = {UNIT: "text", PERIOD: "year", NATIVE_INDEX: "native_shown", CHECK: "check",
                 **{col: "native_shown" for col in g.native_dims}}
        for col, formula in formulas.items():
            self.shared.append(SharedColumn(col, FIRST_ROW, formula, columns[col], kinds.get(col, "native")))
        self.live_columns(at, helpers)
        self._one_list_for_twins()

    def _one_list_for_twins(self) -> None:
        """A live column and its native twin whose cached values are equal (every row shown in
        both) hold one list: the same doubles of the result, which the writer then formats once
        (sheet_xml: by the list a column's numbers come from; 30 of Scores' 80 columns)."""
        g = self.grid
        twins = {INDEX: NATIVE_INDEX, **dict(zip(g.dims, g.native_dims)), **dict(zip(g.scores, g.native_scores))}
        place = {(column.col, column.first_row): n for n, column in enumerate(self.shared)}
        for live, native in twins.items():
            a, b = place.get((live, FIRST_ROW)), place.get((native, FIRST_ROW))
            if a is not None and b is not None and self.shared[a].values == self.shared[b].values:
                self.shared[b] = replace(self.shared[b], values=self.shared[a].values)

    def _native_values(self, at: np.ndarray) -> tuple[dict[int, list[object]], dict[str, np.ndarray]]:
        """The cached value of every native cell, column by column (what the formulas compute),
        and, as arrays, the helpers the live growth formulas read (``place``: the preceding
        period's place, ``year`` and ``year_before``). Worked out a column at a time over the
        sheet's rows: ``at`` is each row's place among the engine's rows, −1 for none."""
        g, res, n = self.grid, self.result, self.rows
        index_of, dimension_scores, scores = res.arrays.index, res.arrays.dimension_scores, res.arrays.scores
        present = at >= 0
        take = np.where(present, at, 0)  # rows without a Data row read row 0, then are masked
        (result_units, unit_names), (result_periods, period_names) = (res.labels.codes(level) for level in (0, 1))
        unit_codes, period_codes = (np.where(present, codes[take], -1) for codes in (result_units, result_periods))  # −1: the last
        year_values = [_year(period) for period in period_names]
        years = np.array([*year_values, 0], dtype=object)[period_codes]  # as the formulas read them (0: no row)
        year_numbers = np.array([*year_values, 0], dtype=float)[period_codes]
        with np.errstate(invalid="ignore"):
            valid = present & (year_numbers >= 1) & (year_numbers < YEARS) & (year_numbers == np.floor(year_numbers))
        flagged = present & ~valid
        native = valid & (not self.native_flag)
        index = np.where(native, index_of[take], np.nan)
        # each unit's first row in Results (the engine's order) and on this sheet, 1-based; 0: none
        results_first, first_row = np.zeros(len(unit_names) + 1, dtype=np.int64), np.zeros(len(unit_names) + 1, dtype=np.int64)
        found, first = np.unique(result_units, return_index=True)
        results_first[found] = first + 1
        rows_present = np.flatnonzero(present)
        found, first = np.unique(unit_codes[rows_present], return_index=True)
        first_row[found] = rows_present[first] + 1
        unit_at = first_row[unit_codes]
        place, block = 10 ** self.native.places, YEARS * 10 ** self.native.places
        number = np.arange(1, n + 1)
        keys = np.where(valid, (unit_at * YEARS + np.where(valid, year_numbers, 0).astype(np.int64)) * place + number, 0)
        ordered = np.sort(keys[valid])
        at_sorted = np.zeros(n, dtype=np.int64)
        at_sorted[valid] = np.searchsorted(ordered, keys[valid]) + 1
        before = ordered[np.maximum(at_sorted - 2, 0)] if len(ordered) else np.zeros(n, dtype=np.int64)
        previous = np.where(valid & (at_sorted >= 2) & (before // block == keys // block), before, 0)
        previous_year, previous_at = previous // place - previous // block * YEARS, previous % place
        rows_valid = np.flatnonzero(valid)
        new_years = rows_valid[np.unique(year_numbers[rows_valid], return_index=True)[1]]  # a year's first row, by year
        year_first = np.full(n, "", dtype=object)
        year_first[new_years] = years[new_years]
        first_rows = np.sort(first_row[first_row > 0])  # each unit's first row, in Data's order
        listed = lambda items: [*items, *[""] * (n - len(items))]  # noqa: E731
        columns: dict[int, list[object]] = {
            UNIT: np.array([*unit_names, ""], dtype=object)[unit_codes].tolist(),
            PERIOD: np.where(valid, years, np.array([*period_names, ""], dtype=object)[period_codes]).tolist(),
            NATIVE_INDEX: _shown(index, native, marked=present),
            CHECK: self._checks(present, flagged, np.isnan(index_of[take])),
            HELPER["year"]: years.tolist(),
            HELPER["unit_at"]: unit_at.tolist(),
            HELPER["key"]: _shown(keys, valid),
            HELPER["sorted"]: [*ordered.tolist(), *[FILLER] * (n - len(ordered))],
            HELPER["at"]: at_sorted.tolist(),
            HELPER["previous"]: previous.tolist(),
            HELPER["previous_year"]: previous_year.tolist(),
            HELPER["previous_at"]: previous_at.tolist(),
            HELPER["flag"]: [CHECK_TEXT["year"] if flag else "" for flag in flagged.tolist()],
            HELPER["index_number"]: _shown(index, True, blank=-1),
            HELPER["result_first"]: results_first[unit_codes].tolist(),
            HELPER["result_at"]: np.where(valid, at + 1, 0).tolist(),
            HELPER["unit_count"]: np.cumsum(unit_at == number).tolist(),
            HELPER["units"]: listed([unit_names[code] for code in unit_codes[first_rows - 1].tolist()]),
            HELPER["year_first"]: year_first.tolist(),
            HELPER["years"]: listed(years[new_years].tolist()),
        }
        for j, dim in enumerate(self.dims):  # as the dimension's flag above it says
            shown = valid & (not self.pooled_in[dim]) & (not self.geometric_dimensions)
            columns[g.native_dims[j]] = _shown(dimension_scores[take, j], shown, marked=present & ~shown)
        missing = res.arrays.missing[take]  # blank in a native score, whatever the missing policy makes of it
        for k, method in enumerate(self.methods):  # a ratio or goalpost needs no year, a growth rate its preceding one
            shown = (valid if method == "growth" else present) & (method in LIVE_METHODS) & ~missing[:, k]
            columns[g.native_scores[k]] = _shown(scores[take, k], shown)
        return columns, {"place": previous_at, "year": year_numbers, "year_before": previous_year}

    def _checks(self, present: np.ndarray, flagged: np.ndarray, no_index: np.ndarray) -> list[str]:
        """The check column's cached texts: none without a row, else the period's flag, else whether
        the row has an index and whether its live cells can show it (none pool units)."""
        check = np.full(len(present), "", dtype=object)
        check[present] = CHECK_TEXT["pooled"] if self.live_flag else CHECK_TEXT["ok"]
        check[present & no_index] = CHECK_TEXT["no_index"]
        check[flagged] = CHECK_TEXT["year"]
        return check.tolist()

    def live_columns(self, at: np.ndarray, native: dict[str, np.ndarray]) -> None:
        """The ANJI_* cells of Data's rows of this computation, each column one shared formula
        over every run of such rows. A growth formula reads the unit's preceding value through
        the native helpers (its place in Data, its year) when they find on every row the period
        the engine took; else it names that Data cell, so a row whose preceding value lies at
        another distance from it starts a new run."""
        g, data, res = self.grid, self.source.data, self.result
        previous, spans = preceding_periods(res.labels)
        first_data = data.header_row + 1
        present = at >= 0
        rows = np.arange(len(at))
        take = np.where(present, at, 0)
        data_row = np.zeros(len(res.labels), dtype=np.int64)  # each engine row's place in Data (0-based)
        data_row[at[present]] = rows[present]
        before = np.where(present, previous[take], -1)
        has_before = before >= 0
        apart = np.where(has_before, data_row[np.maximum(before, 0)] - rows, 0)  # rows up to its preceding value
        periods = np.where(has_before, spans[take], 0.0)  # and periods apart
        by_helpers = bool(np.all(~present | np.where(has_before, (native["place"] == rows + 1 + apart)
                                                     & (native["year"] - native["year_before"] == periods), native["place"] == 0)))
        present_runs, shapes = _true_runs(present), []
        if not by_helpers:  # per row: rows up to its preceding value and periods apart; None without one
            shapes = [(int(rows_apart), float(span)) if had else None for had, rows_apart, span in zip(has_before.tolist(), apart.tolist(), periods.tolist())]
        runs = present_runs if by_helpers else _runs([(shape,) if p else None for p, shape in zip(present.tolist(), shapes)])
        scores, dimension_scores, index = res.arrays.scores, res.arrays.dimension_scores, res.arrays.index
        scores = np.where(res.arrays.missing, np.nan, scores)  # a missing value's cell is #N/A, whatever the missing policy makes of it
        for k, ident in enumerate(self.ids):
            col, letter = g.scores[k], data.columns.get(ident)
            for start, stop in runs:
                row, data_row_number = FIRST_ROW + start, first_data + start
                value = f"{data.sheet}!{letter}{data_row_number}" if letter else None
                if not letter:
                    growth = ""
                elif by_helpers:
                    place, years = self.native.helper("previous_at", row), f"{self.native.helper('year', row)}-{self.native.helper('previous_year', row)}"
                    growth = f"IF({place}=0,NA(),{_growth_call(col, value, f'INDEX({self.native.data_column(letter)},{place})', ',' + years)})"
                elif shapes[start] is None:
                    growth = "NA()"
                else:
                    rows_apart, span = shapes[start]
                    growth = _growth_call(col, value, f"{data.sheet}!{letter}{data_row_number + rows_apart}", "" if span == 1 else f",{span:g}")
                shown = _cached_column(scores[at[start:stop], k]) if self.methods[k] in LIVE_METHODS else [NA] * (stop - start)
                self.shared.append(SharedColumn(col, row, _live_score(col, value, growth), shown, "number"))
        for start, stop in present_runs:
            row, rows_at = FIRST_ROW + start, at[start:stop]
            for j, dim in enumerate(self.dims):
                shown = [NA] * (stop - start) if self.pooled_in[dim] else _cached_column(dimension_scores[rows_at, j])
                self.shared.append(SharedColumn(g.dims[j], row, _live_dimension(g, row, g.dims[j]), shown, "number"))
            indices = index[rows_at]
            self.shared.append(SharedColumn(INDEX, row, _live_index(g, row), [NA] * (stop - start) if self.live_flag else _cached_column(indices), "number"))
            self.shared.append(SharedColumn(DIFFERENCE, row, _difference(row), ["" if self.native_flag else 0.0 if v == v else "" for v in indices.tolist()],
                                            "native"))


def _year(period: str) -> float:
    """A period as the native formulas read it: its number (2020年 → 2020), or 0."""
    text = str(period).strip().replace("年", "")
    try:
        return int(float(text)) if float(text).is_integer() else float(text)
    except ValueError:
        return 0


def _shown(values: np.ndarray, shown: np.ndarray | bool, marked: np.ndarray | None = None, blank: object = "") -> list[object]:
    """A native column's cached values: the number where ``shown`` (and there is one), else #N/A
    where ``marked``, else ``blank``."""
    shown = shown & ~np.isnan(values)
    if shown.all():  # every row's number (a long book's live columns): no object array to fill in
        return values.tolist()
    out = values.astype(object)
    out[~shown] = blank
    if marked is not None:
        out[marked & ~shown] = NA
    return out.tolist()


def _numbers(column) -> list[object]:
    return ["" if v != v else float(v) for v in column]


def sheet_cells(source: ScoresSource) -> tuple[list[Cell], list[SharedColumn]]:
    """Every cell of the Scores sheet for this model, result and Data layout: single cells above
    the header, the native columns as shared formulas down every row and the live ones down the
    rows of this computation."""
    sheet = _Sheet(source)
    sheet.meta()
    sheet.header()
    sheet.body()
    return sheet.cells, sheet.shared


def columns(n: int, d: int) -> list[Column]:
    """Column widths; the native helpers and the native indicator scores are grouped and folded."""
    g = ScoresLayout(n, d)
    return [Column(UNIT, UNIT, 10), Column(PERIOD, PERIOD, 16), Column(INDEX, INDEX, 12), Column(NATIVE_INDEX, NATIVE_INDEX, 14),
            Column(DIFFERENCE, DIFFERENCE, 12), Column(CHECK, CHECK, 30),
            Column(HELPER[HELPERS[0]], HELPER[HELPERS[-1]], 10, True, 1), Column(g.native_dims.start, g.dims.stop - 1, 11),
            Column(g.scores.start, g.scores.stop - 1, 10), Column(g.native_scores.start, g.native_scores.stop - 1, 9, True, 1)]


#: A cell of each style kind whose position does not depend on the number of indicators,
#: dimensions or rows: ``anji-xl recalc`` learns the book's style of each kind from them.
STYLE_SAMPLES = {"subtitle": (0, 0), "note": (NOTE_ROW, 0), "meta": (META_ROWS["id"], 1), "meta_text": (META_ROWS["dimension"], HELPER[HELPERS[-1]] + 1),
                 "meta_number": (META_ROWS["weight"], HELPER[HELPERS[-1]] + 1), "head": (HEADER_ROW, UNIT), "text": (FIRST_ROW, UNIT),
                 "year": (FIRST_ROW, PERIOD), "number": (FIRST_ROW, INDEX), "native_shown": (FIRST_ROW, NATIVE_INDEX),
                 "native": (FIRST_ROW, DIFFERENCE), "check": (FIRST_ROW, CHECK)}
