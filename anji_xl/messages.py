"""Every problem and warning the reader, the settings and the engine give, in one catalogue.

Users are Chinese statisticians: a message reads Chinese first, then English (SPEC §4),
``中文 · English``, and the caller puts the cell in front (``Data!E7: …``). A field may itself be
a :class:`Pair` (a message inside a message); each language then takes its own half.
"""

from __future__ import annotations

from typing import NamedTuple


class Pair(NamedTuple):
    """One message in both languages."""

    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.zh} · {self.en}"


#: key → (中文 template, English template); str.format fields.
CATALOGUE: dict[str, tuple[str, str]] = {
    # writing a book (anji_xl.book) and the command line
    "no_results_sheet": ("工作簿中没有可写入的 Results 工作表", "the workbook has no Results sheet to write to"),
    "too_many_dimensions": ("Results 最多容纳 {room} 个维度，此指标体系有 {count} 个", "Results has room for {room} dimensions; this system has {count}"),
    "unexpected": ("意外错误（请报告此问题）：{error}", "unexpected failure (please report it): {error}"),
    # reading a book (anji_xl.io)
    "no_file": ("找不到文件", "no such file"),
    "unreadable": ("无法作为 .xlsx/.xlsm 工作簿读取（{error}）", "cannot be read as an .xlsx/.xlsm workbook ({error})"),
    "no_sheet": ("工作簿中没有工作表 {name!r}", "the workbook has no sheet {name!r}"),
    "column_twice": ("列 {key!r} 出现两次（另见 {other} 列）", "column {key!r} appears twice (also {other})"),
    "below_table": ("此行在表 {table} 之下，不会被读取；请把表扩展到这一行",
                    "this row is below the table {table} and is not read; extend the table to include it"),
    "no_column": ("表头中没有 {key!r} 列", "no {key!r} column in the header"),
    "not_a_number": ("{value!r} 不是数字", "{value!r} is not a number"),
    "id_blank": ("指标编号为空", "indicator id is blank"),
    "id_spaces": ("指标编号 {ident!r} 不能含空格", "indicator id {ident!r} must not contain spaces"),
    "id_twice": ("指标编号 {ident!r} 重复（另见第 {row} 行）", "duplicate indicator id {ident!r} (also in row {row})"),
    "dimension_blank": ("{ident} 的维度为空", "dimension of {ident} is blank"),
    "direction_unknown": ("无法识别的方向 {value!r}（请用 正向/逆向、positive/negative、1/-1）",
                          "unknown direction {value!r} (use positive/negative, 正向/逆向, 1/-1)"),
    "method_unknown": ("无法识别的方法 {value!r}（请用 ratio、growth、goalpost、minmax、zscore、efficacy）",
                       "unknown method {value!r} (use ratio, growth, goalpost, minmax, zscore, efficacy)"),
    "transform_unknown": ("无法识别的变换 {value!r}（留空或填 log）", "unknown transform {value!r} (leave blank or use log)"),
    "transform_goalpost_only": ("变换 {transform} 只适用于 goalpost 方法（{ident} 的方法：{method}）",
                                "transform {transform} applies to the goalpost method only (method of {ident}: {method})"),
    "field_blank": ("{ident} 的 {key} 为空", "{key} of {ident} is blank"),
    "weight_negative": ("{ident} 的权重为负数（{weight:g}）", "weight of {ident} is negative ({weight:g})"),
    "no_indicators": ("没有指标", "no indicators"),
    "data_column_unknown": ("Data 列 {key!r} 不对应任何指标编号", "Data column {key!r} matches no indicator id"),
    "no_data_column": ("指标 {ident} 在 Data 中没有列", "indicator {ident} has no column in Data"),
    "label_blank": ("{key} 为空", "{key} is blank"),
    "row_twice": ("{unit} {period} 的数据行重复（另见第 {row} 行）", "duplicate row for {unit} {period} (also row {row})"),
    "no_rows": ("Data 没有数据行", "Data has no rows"),
    "case_twins": ("单位 {unit!r} 与 {first!r}（{cell}）仅大小写不同，Excel 会把两者当作同一单位",
                   "unit {unit!r} differs from {first!r} ({cell}) only in case; Excel treats them as one unit"),
    "period_unplaced": ("无法确定时期 {period!r} 在时间上的位置（请写年份，如 2020、2020Q1、2020-10）",
                        "period {period!r} cannot be placed in time (write a year: 2020, 2020Q1, 2020-10)"),
    "setting_twice": ("设置项 {key} 重复（另见 {other}）", "setting {key} appears twice (also {other})"),
    "numbers_as_text": ("以文本形式存储的数字已按数字读取：{cells}", "numbers stored as text were read as numbers: {cells}"),
    "no_data_marks": ("无数据标记（—、-、/、NA、N/A、无、#N/A）按缺失值读取：{cells}",
                      "no-data marks (—, -, /, NA, N/A, 无, #N/A) were read as missing values: {cells}"),
    "dimension_typo": ("维度 {name!r} 与 {other!r}（{cell}）只差一个字，是否笔误？",
                       "dimension {name!r} is one character away from {other!r} ({cell}); a typo?"),
    # Settings (anji_xl.model)
    "setting_choice": ("设置项 {key}：{value!r} 不是 {allowed} 之一", "setting {key}: {value!r} is not one of {allowed}"),
    "setting_yes_no": ("设置项 {key}：{value!r} 不是 yes 或 no", "setting {key}: {value!r} is not yes or no"),
    "setting_cap": ("设置项 {key}：{value!r} 不是正数（留空表示不设上限）",
                    "setting {key}: {value!r} is not a positive number (leave it blank for no cap)"),
    "setting_number": ("设置项 {key}：{value!r} 不是{limit_zh}的数", "setting {key}: {value!r} is not a number {limit}"),
    "setting_whole": ("设置项 {key}：{value!r} 不是{limit_zh}整数", "setting {key}: {value!r} is not a whole number{limit}"),
    "setting_unknown": ("设置项 {key}：未知设置", "setting {key}: unknown setting"),
    # the engine (anji_xl.engine, anji_xl.scoring)
    "weight_not_number": ("{ident} 的权重必须为 ≥ 0 的数，当前为 {weight:g}", "weight of {ident} must be a number ≥ 0, got {weight:g}"),
    "weights_rescaled": ("权重之和为 {total:.10g}，已按 normalize_weights = yes 归一为 1",
                         "weights summed to {total:.10g}; rescaled to 1 (normalize_weights = yes)"),
    "weights_off_one": ("权重之和为 {total:.10g}，不等于 1（允许误差 {tolerance:g}）；请修正权重或设 normalize_weights = yes",
                        "weights sum to {total:.10g}, not 1 (tolerance {tolerance:g}); correct them or set normalize_weights = yes"),
    "indicator_fault": ("指标 {ident}：{fault}", "indicator {ident}: {fault}"),
    "element_fault": ("{ident}（{unit}，{period}）：{fault}", "{ident} ({unit}, {period}): {fault}"),
    "previous_not_positive": ("{previous_period} 的数值 {previous:g} 不大于 0，{period} 无法计算增长率",
                              "the value of {previous_period}, {previous:g}, is not > 0, so {period} has no growth rate"),
    "no_previous_period": ("Data 中没有上一期，无法计算增长率（缺失值）", "no previous period in Data, so no growth rate (missing value)"),
    "previous_missing": ("上一期数值缺失，无法计算增长率", "the previous period's value is missing, so no growth rate"),
    "missing_is_error": ("{fault}（设置 missing = error）", "{fault} (Settings missing = error)"),
    "row_empty": ("{unit} {period}：所有数值都缺失，无法计算指数", "{unit} {period}: every value is missing, so there is no index"),
    "missing_zero": ("{unit} {period}：缺失的 {ids} 记 0 分（missing = zero）", "{unit} {period}: missing {ids} scored 0 (missing = zero)"),
    "missing_reweight": ("{unit} {period}：缺失的 {ids} 不计入，其维度内权重重新分配（missing = reweight）",
                         "{unit} {period}: missing {ids} left out; weights rescaled within their dimension (missing = reweight)"),
    "dimension_empty": ("{unit} {period}：维度 {dimension} 没有数值，其权重按比例分给其他维度",
                        "{unit} {period}: dimension {dimension} has no values; its weight shared over the other dimensions"),
    "annualised": ("{unit} {period}：{ids} 自 {since} 以来的增长率按 {span:g} 期年化：g = (v_{period} / v_{since})^(1/{span:g}) − 1",
                   "{unit} {period}: growth of {ids} since {since} annualised over {span:g} periods: "
                   "g = (v_{period} / v_{since})^(1/{span:g}) − 1"),
    "all_equal": ("{ident} {period}：所有单位数值相同；min–max 得分为 1，z 分数为 0",
                  "{ident} {period}: all units have the same value; min–max scores 1, z-scores 0"),
    # why an element has no score (anji_xl.scoring.Fault); fields {value}, {reference}, {previous}, {score}
    "fault.missing": ("缺少数值", "the value is missing"),
    "fault.negative_value": ("数值 {value:g} 为负数", "the value {value:g} is negative"),
    "fault.reference_not_positive": ("参考值必须为大于 0 的数（当前为 {reference}）", "the reference value must be a number > 0 (got {reference})"),
    "fault.previous_not_positive": ("上期数值 {previous:g} 不大于 0，无法计算增长率",
                                    "the previous period's value {previous:g} is not > 0, so no growth rate exists"),
    "fault.growth_factor_not_positive": ("增长率与参考增长率都必须满足 1 + 增长率 > 0",
                                         "1 + growth must be > 0 for both the value and the reference growth rate"),
    "fault.not_finite": ("得分不是有限数（逆向指标数值为 0 或比值超出数值范围，且未设上限）；请设置上限或检查数值",
                         "the score is not a finite number (a negative indicator at 0, or a ratio beyond the range of numbers, "
                         "with no cap); set a cap or check the value"),
    "fault.bounds_invalid": ("目标区间需满足 下限 < 上限", "the goalposts need lower < upper"),
    "fault.log_not_positive": ("对数变换要求数值和上下限都大于 0", "a log transform needs the value and both goalposts > 0"),
    "fault.periods_not_positive": ("两期间隔期数必须大于 0", "the number of periods between the two values must be > 0"),
    "fault.negative_for_geometric": ("得分 {score:g} 为负数，几何平均要求得分 ≥ 0",
                                     "the score {score:g} is negative, and geometric aggregation needs scores ≥ 0"),
    # the command line (anji_xl.cli)
    "no_matching_row": ("没有单位 {unit}、时期 {period} 的 Data 行", "no Data row for unit {unit} and period {period}"),
    "draws_too_few": ("至少为 1", "must be at least 1"),
    "needs_xlsm": ("工作簿含宏：请使用 .xlsm 扩展名", "the book holds macros: give it the .xlsm extension"),
    "standalone_not_shipped": ("独立版含本机 xlwings 的 VBA：请换一个路径，不要覆盖随附工作簿",
                               "a standalone book holds this machine's xlwings VBA: give it another path, not the shipped book"),
}


def pair(name: str, /, **fields: object) -> Pair:
    """The message ``name`` with ``fields`` filled in, in both languages."""
    zh, en = CATALOGUE[name]
    return Pair(zh.format(**{k: v.zh if isinstance(v, Pair) else v for k, v in fields.items()}),
                en.format(**{k: v.en if isinstance(v, Pair) else v for k, v in fields.items()}))


def say(name: str, /, **fields: object) -> str:
    """The message ``name`` as users read it: ``中文 · English``."""
    return str(pair(name, **fields))
