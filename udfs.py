"""Anji Index worksheet functions (安吉指数工作表函数) for Excel through xlwings.

A thin table: each function is registered with xlwings and hands its arguments to
``anji_xl.functions``; conversion and error mapping live in ``anji_xl.excel_values``.
Every argument is read as a 2-D range (a single cell is a 1 × 1 range) with Excel error cells
as their text, so one call computes a whole range and a range result spills.
See docs/functions.md.
"""

import xlwings as xw

from anji_xl import functions
from anji_xl.excel_values import table_function, worksheet_function

CATEGORY = "Anji Index"
RANGE = {"ndim": 2, "err_to_str": True}  # the same reading for every argument but whole tables
#: Whole tables (Data: thousands of rows) are taken raw and read the way xlwings reads RANGE, for a
#: whole range at once (anji_xl.excel_values: Data's numbers taken as they come, the other cells
#: read as xlwings reads them); results go back as they are (numbers, text and error values),
#: which xlwings' per-cell conversion would take seconds over.
TABLE = "raw"
DATA = "Data 表（含表头）· the Data table with its header, e.g. tblData[#All]"
INDICATORS = "Indicators 表（含表头）· the Indicators table with its header"
SCORES = "指标得分率（一行一单元）· indicator scores, one row per unit and period"
METHOD = "arithmetic（默认 default）或 or geometric"
MISSING = "缺失值: error（默认）, reweight, zero · missing scores"
UNIT = ("计量单位（可省略），如 %：参考值 ≤ 1 时 89 视为误录的 89%（应为 0.89）· unit of measure (optional), e.g. %: "
        "with a reference ≤ 1, 89 is taken for a mistyped 89% (0.89)")


@xw.func(category=CATEGORY)
@xw.arg("value", doc="现值（单元格或区域）· current value(s), a cell or a range", **RANGE)
@xw.arg("reference", doc="参考值（目标值）· reference (target) value(s), > 0", **RANGE)
@xw.arg("direction", doc="方向: 正向/逆向, positive/negative, 1/-1; 默认（或空白）正向 · default (or blank) positive", **RANGE)
@xw.arg("cap", doc="得分率上限，默认 1；引用空白单元格 = 不设上限 · score cap, default 1; a blank cell = no cap", **RANGE)
@xw.arg("unit", doc=UNIT, **RANGE)
@worksheet_function
def ANJI_SCORE(value, reference, direction=None, cap=1.0, unit=None):
    """比值法得分率 · ratio score: min(cap, value/reference); negative: min(cap, reference/value)."""
    return functions.score(value, reference, direction, cap, unit)


@xw.func(category=CATEGORY)
@xw.arg("current", doc="本期总量 · this period's total(s)", **RANGE)
@xw.arg("previous", doc="上期总量 · the preceding period's total(s), > 0", **RANGE)
@xw.arg("reference_growth", doc="参考年增长率，小数 (0.03 = 3%) · reference annual growth rate as a fraction", **RANGE)
@xw.arg("direction", doc="方向，默认（或空白）逆向（总量控制）· direction, default (or blank) negative (total control)", **RANGE)
@xw.arg("cap", doc="得分率上限，默认 1；空白 = 不设上限 · score cap, default 1; blank = no cap", **RANGE)
@xw.arg("periods", doc="两期间隔期数 t−s，默认（或空白）1；大于 1 时按年化增长率 · periods between the two values, default 1; growth is annualised over them", **RANGE)
@worksheet_function
def ANJI_GROWTH_SCORE(current, previous, reference_growth, direction=None, cap=1.0, periods=None):
    """年度增长控制得分率 · growth-control score: g = (current/previous)^(1/periods) − 1; negative: min(cap, (1+g_ref)/(1+g))."""
    return functions.growth_score(current, previous, reference_growth, direction, cap, periods)


@xw.func(category=CATEGORY)
@xw.arg("values", doc="数值区域 · values (min–max, z-score and efficacy pool the whole range)", **RANGE)
@xw.arg("method", doc="ratio, growth, goalpost, minmax, zscore, efficacy (功效系数法)", **RANGE)
@xw.arg("reference_or_lower", doc="ratio: 参考值 reference; growth: 参考年增长率 reference growth; goalpost: 下限 lower", **RANGE)
@xw.arg("upper", doc="goalpost: 上限 upper", **RANGE)
@xw.arg("direction", doc="方向，默认正向（growth 默认逆向）· direction, default positive (growth: negative)", **RANGE)
@xw.arg("transform", doc="goalpost: 空白 或 log · blank or log", **RANGE)
@xw.arg("unit", doc="ratio: " + UNIT, **RANGE)
@worksheet_function
def ANJI_NORMALIZE(values, method, reference_or_lower=None, upper=None, direction=None, transform="", unit=None):
    """标准化得分 · score of any method: ratio, growth (values in period order), goalpost, minmax, zscore, efficacy."""
    return functions.normalize(values, method, reference_or_lower, upper, direction, transform, unit)


@xw.func(category=CATEGORY)
@xw.arg("dimension", doc="要计算的维度名（可为区域）· dimension name(s) to score", **RANGE)
@xw.arg("dimensions", doc="每个指标所属维度 · the dimension of each indicator", **RANGE)
@xw.arg("scores", doc=SCORES, **RANGE)
@xw.arg("weights", doc="指标权重 · indicator weights", **RANGE)
@xw.arg("method", doc=METHOD, **RANGE)
@xw.arg("missing", doc=MISSING, **RANGE)
@worksheet_function
def ANJI_DIM(dimension, dimensions, scores, weights, method="arithmetic", missing="error"):
    """维度得分率 · dimension score D_k = Σ W_i X_i / Σ W_i over the dimension's indicators."""
    return functions.dimension_score(dimension, dimensions, scores, weights, method, missing)


@xw.func(category=CATEGORY)
@xw.arg("scores", doc=SCORES, **RANGE)
@xw.arg("weights", doc="指标权重，合计为 1 · indicator weights, summing to 1", **RANGE)
@xw.arg("dimensions", doc="每个指标所属维度（可省略）· the dimension of each indicator (optional)", **RANGE)
@xw.arg("method", doc="arithmetic（默认）或 geometric；或两格: 维度, 指数 · or two cells: dimension, index", **RANGE)
@xw.arg("missing", doc=MISSING, **RANGE)
@xw.arg("weight_tolerance", doc="权重合计允许误差，默认（或空白）1e-6 · tolerance of Σ weights = 1, default (or blank) 1e-6", **RANGE)
@worksheet_function
def ANJI_INDEX(scores, weights, dimensions=None, method="arithmetic", missing="error", weight_tolerance=None):
    """综合指数 · the index Y = Σ W_i X_i (arithmetic) or Π D_k^W_k (geometric)."""
    return functions.index(scores, weights, dimensions, method, missing, weight_tolerance)


@xw.func(category=CATEGORY)
@xw.arg("data", TABLE, doc=DATA)
@xw.arg("indicators", TABLE, doc=INDICATORS)
@xw.arg("settings", TABLE, doc="Settings 表（可省略）· the Settings table (optional)")
@xw.ret(TABLE)
@table_function
def ANJI_TABLE(data, indicators, settings=None):
    """结果表 · results: unit, period, index, dimension scores, rank (spills)."""
    return functions.table(data, indicators, settings)


@xw.func(category=CATEGORY)
@xw.arg("ids", doc="指标编号 · indicator ids", **RANGE)
@xw.arg("scores", doc="指标得分率 · indicator scores", **RANGE)
@xw.arg("weights", doc="指标权重 · indicator weights", **RANGE)
@xw.arg("n", doc="显示前 n 项，默认 5 · how many, default 5", **RANGE)
@xw.arg("cap", doc="满分（得分率上限），默认 1；空白 = 不设上限，满分按 1 · full score (the cap), default 1; blank = no cap, full score 1", **RANGE)
@worksheet_function
def ANJI_GAINS(ids, scores, weights, n=5, cap=1.0):
    """短板排序 · the n largest potential gains W_i (cap − X_i), largest first (spills id, gain)."""
    return functions.gains(ids, scores, weights, n, cap)


@xw.func(category=CATEGORY)
@xw.arg("data", TABLE, doc=DATA)
@xw.arg("indicators", TABLE, doc=INDICATORS)
@xw.arg("settings", TABLE, doc="Settings 表（draws, spread, seed）· the Settings table")
@xw.ret(TABLE)
@table_function
def ANJI_SENSITIVITY(data, indicators, settings=None):
    """敏感性分析 · weight Monte Carlo: index mean and 5/50/95% percentiles (and ranks) per unit and period."""
    return functions.sensitivity_table(data, indicators, settings)


@xw.func(category=CATEGORY)
@xw.arg("indicators", doc=INDICATORS, **RANGE)
@worksheet_function
def ANJI_CHECK(indicators):
    """检查指标表 · "OK" or the first problem (weights, directions, references)."""
    return functions.check(indicators)


@xw.func(category=CATEGORY)
@xw.arg("value", doc="现值（单元格或区域）· current value(s), a cell or a range", **RANGE)
@xw.arg("reference", doc="参考值 · reference value(s)", **RANGE)
@xw.arg("direction", doc="方向，默认（或空白）正向 · direction, default (or blank) positive", **RANGE)
@xw.arg("unit", doc=UNIT, **RANGE)
@worksheet_function
def ANJI_EXPLAIN(value, reference, direction=None, unit=None):
    """得分说明 · how the score was obtained, or why it failed, in words (中文 · English)."""
    return functions.explain(value, reference, direction, unit)


@xw.func(category=CATEGORY)
@xw.arg("values", doc="一个指标各期数值（一行或一列）· one indicator's values over the periods, a row or a column", **RANGE)
@xw.arg("periods", doc="对应年份（与 values 同形状）· the year of each value, same shape as values", **RANGE)
@xw.arg("reference", doc="参考值（ratio）或参考年增长率（growth）· reference (ratio) or reference annual growth (growth)", **RANGE)
@xw.arg("target_period", doc="目标年，默认（或空白）2025 · target year, default (or blank) 2025", **RANGE)
@xw.arg("direction", doc="方向，默认正向（growth 默认逆向）· direction, default positive (growth: negative)", **RANGE)
@xw.arg("method", doc="ratio（默认 default）或 or growth", **RANGE)
@xw.arg("trend_periods", doc="趋势回溯期数，默认（或空白）3 · how far back the trend may start, default (or blank) 3", **RANGE)
@worksheet_function
def ANJI_FORECAST(values, periods, reference, target_period=None, direction=None, method="ratio", trend_periods=None):
    """达标预测得分率 · forecast score at the target year: v̂ = v_T (1+g)^(target−T), g = (v_T/v_S)^(1/(T−S)) − 1."""
    return functions.forecast_score(values, periods, reference, target_period, direction, method, trend_periods)


@xw.func(category=CATEGORY)
@xw.arg("value", doc="最新值 v_T（单元格或区域）· latest value(s), > 0", **RANGE)
@xw.arg("reference", doc="参考值（目标值）· reference (target) value(s), > 0", **RANGE)
@xw.arg("periods_left", doc="距目标年的年数 target − T · years left to the target year, > 0", **RANGE)
@xw.arg("direction", doc="方向（只作检查，结果相同）· direction (checked only; the number is the same)", **RANGE)
@worksheet_function
def ANJI_REQUIRED_GROWTH(value, reference, periods_left, direction=None):
    """所需年增速 · required yearly growth (reference/value)^(1/periods_left) − 1; negative: the value must fall."""
    return functions.required_growth(value, reference, periods_left, direction)


@xw.func(category=CATEGORY)
@worksheet_function
def ANJI_VERSION():
    """anji-xl 版本 · the anji-xl version."""
    return functions.version()
