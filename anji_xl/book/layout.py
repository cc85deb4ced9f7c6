"""Where things sit in the shipped book, and the formula text of its live sheets.

The Scores sheet has, per Data row, the ANJI_* formulas (indicator scores, dimension scores,
index) and beside them the same index in native Excel formulas only (MIN / SUMPRODUCT, no
Python) with the difference. Above the score columns, rows of references to Indicators (id,
dimension, weight, reference, direction, sign, method) make every formula a short row × column
reference. The Dashboard looks its numbers up in Results with native formulas.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from ..defaults import DEFAULT_SETTINGS
from ..model import DIRECTION_ALIASES
from .results import GAINS_AT, SUMMARY_AT

SETTING_ROW = {key: k + 1 for k, (key, _, _) in enumerate(DEFAULT_SETTINGS)}  # 0-based rows of tblSettings
DEFINED_NAMES = {
    "anji_dimension_aggregation": f"=Settings!$B${SETTING_ROW['dimension_aggregation'] + 1}",
    "anji_aggregation": f"=Settings!$B${SETTING_ROW['dimension_aggregation'] + 1}:$B${SETTING_ROW['index_aggregation'] + 1}",
    "anji_cap": f"=Settings!$B${SETTING_ROW['cap'] + 1}",
    "anji_missing": f"=Settings!$B${SETTING_ROW['missing'] + 1}",
    "anji_normalize_weights": f"=Settings!$B${SETTING_ROW['normalize_weights'] + 1}",
}
INDICATOR_COLUMN = {key: k for k, key in enumerate(
    ("id", "dimension", "area", "name", "name_en", "unit", "direction", "method", "reference", "lower", "upper", "transform", "weight", "source"))}

# Scores: meta rows (0-based) above the header, then one row per Data row.
META_LABELS = {"id": "id 编号", "dimension": "dimension 维度", "weight": "weight 权重", "reference": "reference 参考值",
               "lower": "lower 下限", "upper": "upper 上限", "transform": "transform 变换", "direction": "direction 方向",
               "sign": "sign 符号 (±1)", "method": "method 方法"}
META_ROWS = {key: 2 + k for k, key in enumerate(META_LABELS)}
HEADER_ROW = 2 + len(META_LABELS)
FIRST_ROW = HEADER_ROW + 1
LIVE_METHODS = ("ratio", "growth", "goalpost")  # what a Scores cell can score; pooled methods show #N/A
_NEGATIVE = tuple(f'"{alias}"' for alias, sign in DIRECTION_ALIASES.items() if sign < 0) + ("-1",)
_YES = ('"yes"', '"true"', '"y"', '"是"', '"1"')


def ref(row: int, col: int, row_abs: bool = False, col_abs: bool = False) -> str:
    return xl_rowcol_to_cell(row, col, row_abs, col_abs)


@dataclass(frozen=True)
class ScoresLayout:
    """Column positions of the Scores sheet for n indicators and d dimensions."""

    n: int
    d: int

    @property
    def scores(self) -> range:
        return range(2, 2 + self.n)

    @property
    def dims(self) -> range:
        return range(2 + self.n, 2 + self.n + self.d)

    @property
    def index(self) -> int:
        return 2 + self.n + self.d

    @property
    def native_scores(self) -> range:
        return range(self.index + 1, self.index + 1 + self.n)

    @property
    def native_dims(self) -> range:
        return range(self.native_scores.stop, self.native_scores.stop + self.d)

    @property
    def native_index(self) -> int:
        return self.native_dims.stop

    @property
    def difference(self) -> int:
        return self.native_index + 1

    def span(self, cols: range, row: int, absolute: bool = True) -> str:
        first, last = ref(row, cols.start, absolute, True), ref(row, cols.stop - 1, absolute, True)
        return f"{first}:{last}"


def meta_formula(key: str, k: int, n: int) -> str:
    """The meta row ``key`` of indicator k (0-based) of n: a reference into Indicators."""
    source = f"Indicators!${xl_col_to_name(INDICATOR_COLUMN.get(key, 0))}${k + 2}"
    if key == "sign":
        direction = f"Indicators!$G${k + 2}"
        return f"=IF(OR({','.join(f'{direction}={v}' for v in _NEGATIVE)}),-1,1)"
    if key == "method":
        return f'=IF({source}="","ratio",{source})'
    if key == "weight":  # as the engine uses them: rescaled to sum to 1 under normalize_weights
        flag = 'LOWER(anji_normalize_weights&"")'
        total = f"SUM(Indicators!$M$2:$M${n + 1})"
        return f"=IF(OR({','.join(f'{flag}={v}' for v in _YES)}),{source}/{total},{source})"
    if key in ("lower", "upper", "transform"):
        return f'=IF({source}="","",{source})'
    return f"={source}"


def data_cell(data_row: int, k: int) -> str:
    """Data sheet cell of Data row ``data_row`` (0-based among data rows) and indicator k."""
    return f"Data!{ref(data_row + 1, 2 + k)}"


def _previous(data_row: int, k: int) -> str:
    """The same unit's preceding period: the row above in Data when it has the same unit."""
    unit, above = f"Data!$A{data_row + 2}", f"Data!$A{data_row + 1}"
    return f'IF({unit}={above},{data_cell(data_row - 1, k)},"")'


def score_formula(layout: ScoresLayout, data_row: int, k: int) -> str:
    """The live score: ratio, growth control or goalposts by the indicator's method; methods that
    pool all units of a period (min–max, z-score, efficacy) show #N/A here (Results has them)."""
    col = layout.scores.start + k
    meta = {key: ref(row, col, row_abs=True) for key, row in META_ROWS.items()}
    value = data_cell(data_row, k)
    ratio = f"ANJI_SCORE({value},{meta['reference']},{meta['direction']},anji_cap)"
    growth = f"ANJI_GROWTH_SCORE({value},{_previous(data_row, k)},{meta['reference']},{meta['direction']},anji_cap)"
    goalpost = f'ANJI_NORMALIZE({value},"goalpost",{meta["lower"]},{meta["upper"]},{meta["direction"]},{meta["transform"]})'
    method = meta["method"]
    return f'=IF({method}="growth",{growth},IF({method}="goalpost",{goalpost},IF({method}="ratio",{ratio},NA())))'


def dimension_formula(layout: ScoresLayout, row: int, j: int) -> str:
    col = layout.dims.start + j
    name = ref(META_ROWS["dimension"], col, row_abs=True)
    dims = layout.span(layout.scores, META_ROWS["dimension"])
    weights = layout.span(layout.scores, META_ROWS["weight"])
    return f"=ANJI_DIM({name},{dims},{layout.span(layout.scores, row, absolute=False)},{weights},anji_dimension_aggregation,anji_missing)"


def index_formula(layout: ScoresLayout, row: int) -> str:
    scores = layout.span(layout.scores, row, absolute=False)
    weights = layout.span(layout.scores, META_ROWS["weight"])
    dims = layout.span(layout.scores, META_ROWS["dimension"])
    return f"=ANJI_INDEX({scores},{weights},{dims},anji_aggregation,anji_missing)"


def native_score_formula(layout: ScoresLayout, data_row: int, k: int) -> str:
    """min(cap, v/r) or min(cap, r/v), growth control and goalposts in native Excel; "" when missing."""
    col = layout.native_scores.start + k
    meta = {key: ref(row, col, row_abs=True) for key, row in META_ROWS.items()}
    v, r, sign = data_cell(data_row, k), meta["reference"], meta["sign"]
    cap = "IF(ISNUMBER(anji_cap),anji_cap,1E+307)"
    ratio = f"IF(ISNUMBER({v}),MIN({cap},IF({sign}>0,{v}/{r},IF({v}=0,1E+307,{r}/{v}))),\"\")"
    prev = data_cell(data_row - 1, k)
    same_unit = f"Data!$A{data_row + 2}=Data!$A{data_row + 1}"
    growth = (f"IF(AND(ISNUMBER({v}),{same_unit},ISNUMBER({prev})),"
              f"MIN({cap},IF({sign}<0,(1+{r})/({v}/{prev}),({v}/{prev})/(1+{r}))),\"\")")
    log = f'{meta["transform"]}="log"'
    scaled = {key: f"IF({log},LN({cell}),{cell})" for key, cell in (("v", v), ("lo", meta["lower"]), ("hi", meta["upper"]))}
    goalpost = (f'IF(ISNUMBER({v}),MAX(0,MIN(1,IF({sign}>0,{scaled["v"]}-{scaled["lo"]},{scaled["hi"]}-{scaled["v"]})'
                f'/({scaled["hi"]}-{scaled["lo"]}))),"")')
    method = meta["method"]
    return f'=IF({method}="growth",{growth},IF({method}="goalpost",{goalpost},IF({method}="ratio",{ratio},NA())))'


def native_dimension_formula(layout: ScoresLayout, row: int, j: int) -> str:
    """D_k = Σ W X / Σ W over the dimension's indicators that have a score (reweight within)."""
    col = layout.native_dims.start + j
    name = ref(META_ROWS["dimension"], col, row_abs=True)
    in_dim = f"({layout.span(layout.native_scores, META_ROWS['dimension'])}={name})*{layout.span(layout.native_scores, META_ROWS['weight'])}"
    scores = layout.span(layout.native_scores, row, absolute=False)
    return f'=IFERROR(SUMPRODUCT({in_dim},{scores})/SUMPRODUCT({in_dim},--ISNUMBER({scores})),"")'


def native_index_formula(layout: ScoresLayout, row: int) -> str:
    """Y = Σ W X; under reweight Σ W_k D_k over the dimensions present, rescaled to 1."""
    dims = layout.span(layout.native_dims, row, absolute=False)
    dim_weights = layout.span(layout.native_dims, META_ROWS["weight"])
    scores = layout.span(layout.native_scores, row, absolute=False)
    weights = layout.span(layout.native_scores, META_ROWS["weight"])
    reweighted = f"SUMPRODUCT({dim_weights},{dims})/SUMPRODUCT({dim_weights},--ISNUMBER({dims}))"
    plain = f'IF(AND(anji_missing<>"zero",COUNT({scores})<COLUMNS({scores})),NA(),SUMPRODUCT({weights},{scores}))'
    return f'=IF(anji_missing="reweight",{reweighted},{plain})'


def dimension_weight_formula(layout: ScoresLayout, col: int, block: range) -> str:
    """W_k above a dimension column: SUMIF of the indicator weights of that dimension."""
    name = ref(META_ROWS["dimension"], col, row_abs=True)
    return f"=SUMIF({layout.span(block, META_ROWS['dimension'])},{name},{layout.span(block, META_ROWS['weight'])})"


# --- Results and Dashboard -------------------------------------------------------------------

RESULTS_ROWS = 2000  # look-up ranges reach this far down the Results sheet


def results_column(block_at: tuple[int, int], offset: int) -> str:
    """An absolute column range of a Results block, below its header."""
    row, col = block_at
    return f"Results!{ref(row + 1, col + offset, True, True)}:{ref(row + RESULTS_ROWS, col + offset, True, True)}"


DASHBOARD_UNIT, DASHBOARD_PERIOD = (2, 2), (3, 2)  # the chosen unit and period (0-based cells)


def _summary_lookup(offset: int, unit: str, period: str) -> str:
    """The Results summary value in column ``offset`` for one unit and period, #N/A if absent."""
    units, periods = results_column(SUMMARY_AT, 0), results_column(SUMMARY_AT, 1)
    return (f"IF(COUNTIFS({units},{unit},{periods},{period})=0,NA(),"
            f"SUMIFS({results_column(SUMMARY_AT, offset)},{units},{unit},{periods},{period}))")


def dashboard_lookup(offset: int) -> str:
    """A summary value of the chosen unit and period."""
    return "=" + _summary_lookup(offset, ref(*DASHBOARD_UNIT, True, True), ref(*DASHBOARD_PERIOD, True, True))


def dashboard_period_index(period_cell: str) -> str:
    """The chosen unit's index in the period named by ``period_cell`` (#N/A: no point)."""
    return f'=IF({period_cell}="",NA(),{_summary_lookup(2, ref(*DASHBOARD_UNIT, True, True), period_cell)})'


def dashboard_gain(k: int, offset: int, missing: str) -> str:
    """Field ``offset`` of the k-th gain of the chosen unit and period (key ``unit|period|k``)."""
    key = f'{ref(*DASHBOARD_UNIT, True, True)}&"|"&{ref(*DASHBOARD_PERIOD, True, True)}&"|{k}"'
    return f"=IFERROR(INDEX({results_column(GAINS_AT, offset)},MATCH({key},{results_column(GAINS_AT, 0)},0)),{missing})"

