"""Every problem and warning the reader, the settings and the engine give, in one catalogue.

Users are Chinese statisticians: a message reads Chinese first, then English (SPEC §4),
``中文 · English``, and the caller puts the cell in front (``Data!E7: …``). A field may itself be
a :class:`Pair` (a message inside a message); each language then takes its own half.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from string import Formatter
from typing import NamedTuple


WARNING = "提示 warning: "  # what starts a warning's line: a note, not a problem


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
    # the command line's own mistakes: argparse's words in English, with their Chinese before them
    "arg_required": ("缺少参数 {names}", "the following arguments are required: {names}"),
    "arg_unrecognized": ("无法识别的参数 {names}", "unrecognized arguments: {names}"),
    "arg_invalid_choice": ("参数 {name} 没有 {value} 这一项（可选：{choices}）", "argument {name}: invalid choice: {value} (choose from {choices})"),
    "arg_invalid_int": ("参数 {name} 的值 {value} 不是整数", "argument {name}: invalid int value: {value}"),
    "arg_invalid_float": ("参数 {name} 的值 {value} 不是数字", "argument {name}: invalid float value: {value}"),
    "arg_one_value": ("参数 {name} 需要一个值", "argument {name}: expected one argument"),
    "arg_ambiguous": ("选项 {option} 不明确，可能是：{matches}", "ambiguous option: {option} could match {matches}"),
    "arg_other": ("命令行有误", "{message}"),
    # reading a book (anji_xl.io)
    "no_file": ("找不到文件", "no such file"),
    "unreadable": ("无法作为 .xlsx/.xlsm 工作簿读取（{error}）", "cannot be read as an .xlsx/.xlsm workbook ({error})"),
    "changed_while_read": ("读取期间工作簿被修改过（例如在 Excel 或 WPS 中保存），读到的内容不可靠；请再运行一次",
                           "the book changed while it was read (saved by another program?), so what was read cannot be trusted; run again"),
    "no_sheet": ("工作簿中没有工作表 {name!r}", "the workbook has no sheet {name!r}"),
    "column_twice": ("列 {key!r} 出现两次（另见 {other} 列）", "column {key!r} appears twice (also {other})"),
    "below_table": ("此行在表 {table} 之下，不会被读取；请把表扩展到这一行",
                    "this row is below the table {table} and is not read; extend the table to include it"),
    "beside_table": ("此列在表 {table} 右侧，不会被读取；请把表扩展到这一列",
                     "this column is beside the table {table} and is not read; extend the table to include it"),
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
    "unit_of_measure_in_data": ("Data 列 {key!r} 是指标的计量单位，应写在 Indicators；Data 中被评价的地区一列请写 地区、评价单位 或 unit",
                                "Data column {key!r} is an indicator's unit of measure, which belongs in Indicators; "
                                "name Data's column of evaluated units 地区, 评价单位 or unit"),
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
    "fault.percent_as_whole": ("{value:g} 看起来是 {value:g}% — 请输入 {fraction:g} 或 {value:g}%",
                               "{value:g} looks like {value:g}% — type {fraction:g} or {value:g}%"),
    # writing a book safely (anji_xl.book.package): what went wrong, that nothing was written, what to do
    "os_error": ("{what}，未写入任何内容；{todo}", "{what}; nothing was written — {todo}"),
    "os.disk_full": ("磁盘已满", "the disk is full"),
    "os.quota_exceeded": ("超出磁盘配额", "the disk quota is exceeded"),
    "os.read_only_fs": ("文件系统为只读", "the file system is read-only"),
    "os.permission_denied": ("没有权限（或文件正被其他程序使用）", "permission denied (or the file is open in another program)"),
    "os.not_permitted": ("操作不被允许", "the operation is not permitted"),
    "os.io_error": ("读写错误", "an input/output error"),
    "os.gone": ("文件或文件夹不存在（运行期间被移动或删除？）", "no such file or folder (moved or deleted meanwhile?)"),
    "os.in_use": ("文件正被其他程序使用", "the file is in use by another program"),
    "os.name_too_long": ("文件名过长", "the file name is too long"),
    "os.other": ("操作系统错误", "{error}"),
    "todo.free_space": ("请腾出空间后再运行", "free some space and run again"),
    "todo.copy_to_writable": ("请把工作簿复制到可写的文件夹", "copy the book to a writable folder"),
    "todo.check_permissions": ("请检查文件和文件夹的权限", "check the permissions of the file and its folder"),
    "todo.check_attributes": ("请检查文件和文件夹的权限与属性", "check the permissions and attributes of the file and its folder"),
    "todo.check_disk": ("请检查磁盘或网络驱动器", "check the disk or the network drive"),
    "todo.check_path": ("请检查路径", "check the path"),
    "todo.close_it": ("请在那里关闭它", "close it there"),
    "todo.shorten_path": ("请缩短路径", "shorten the path"),
    "todo.check_file": ("请检查文件和文件夹", "check the file and its folder"),
    "program.excel": ("Excel 或 WPS", "Excel or WPS"),
    "program.libreoffice": ("LibreOffice", "LibreOffice"),
    "program.wps": ("WPS", "WPS"),
    "book_open": ("工作簿已在 {program} 中打开（锁文件 {lock}），未写入任何内容；请在那里关闭它{excel}；"
                  "若没有程序打开它（异常退出留下的锁），删除 {lock} 后再运行",
                  "the book is open in {program} (lock file {lock}); nothing was written — close it there{excel}; "
                  "if no program has it open (a lock left by a crash), delete {lock} and run again"),
    "or_recalculate_in_excel": ("（或在 Excel 中按“重新计算”）", " (or press 重新计算 Recalculate in Excel)"),
    "file_read_only": ("文件为只读，未写入任何内容；请取消只读属性或另存一份",
                       "the file is read-only; nothing was written (clear the read-only flag, or copy it)"),
    "folder_not_writable": ("文件夹不可写，未写入任何内容", "the folder is not writable; nothing was written"),
    "the_folder": ("文件夹", "the folder"),
    "the_file": ("文件", "the file"),
    "cannot_replace": ("{what}设置了只追加或不可更改属性（chattr +a/+i），工作簿无法被替换，未写入任何内容；请把工作簿复制到别的文件夹",
                       "{what} is append-only or immutable (chattr +a/+i), so the book cannot be replaced; "
                       "nothing was written — copy the book to another folder"),
    "another_writer": ("另一个 anji-xl 正在写入此工作簿，未写入任何内容；请等它完成后再运行",
                       "another anji-xl is writing this book; nothing was written — run again when it has finished"),
    "book_changed": ("重新计算期间工作簿被修改过（例如在 Excel 或 WPS 中保存），为保留这次修改未写入任何内容；请再按一次“重新计算”",
                     "the book changed while recalculating (saved by another program?); to keep that change nothing was written — "
                     "press 重新计算 Recalculate (or run anji-xl recalc) again"),
    "book_changed_import": ("导入期间工作簿被修改过（例如在 Excel 或 WPS 中保存），为保留这次修改未导入任何内容；请再运行一次 anji-xl import",
                            "the book changed while rows were imported (saved by another program?); to keep that change nothing was imported — "
                            "run anji-xl import again"),
    "damaged": ("文件已损坏（{error}），未写入任何内容", "the package is damaged ({error}); nothing was written"),
    "temporary_left": ("无法删除这个临时文件，请手动删除", "could not remove this temporary file; delete it by hand"),
    # the forecast (anji_xl.forecast)
    "period_not_year": ("时期 {period!r} 不是年份，达标预测需要整数年份", "period {period!r} of {unit} is not a year; the forecast needs whole years"),
    "periods_same_year": ("{unit}: 时期 {period!r} 与 {other!r} 是同一年", "periods {period!r} and {other!r} are the same year"),
    "as_of_not_year": ("时期 {period!r} 不是年份", "{period!r} is not a year"),
    "nothing_to_forecast": ("{unit}：最新数据已到 {year} 年，不早于目标年 target_period = {target}，无可预测",
                            "{unit}: the latest values are of {year}, not before target_period {target}, so there is nothing to forecast"),
    "nothing_to_forecast_all": ("{count} 个单位的最新数据都在 {year} 年及以后，不早于目标年 target_period = {target}，无可预测；请在 Settings 设一个更晚的 target_period",
                                "the latest values of all {count} units are of {year} or later, not before target_period {target}, so there is "
                                "nothing to forecast: set a later target_period in Settings"),
    "nothing_to_forecast_many": ("{count} 个单位的最新数据已到目标年 target_period = {target} 或以后，无可预测（{units} 等）；要预测它们，请在 Settings 设一个更晚的 target_period",
                                 "{count} units have latest values of target_period {target} or later, so there is nothing to forecast for them ({units} …): "
                                 "to forecast them, set a later target_period in Settings"),
    "trend_not_positive": ("{ident}（{unit}，{period}）：数值 {value:g} 不大于 0，无法计算趋势增速与所需增速",
                           "{ident} ({unit}, {period}): the value {value:g} is not > 0, so there is no trend or required growth "
                           "(g = (v_T / v_S)^(1/(T − S)) − 1 needs v > 0)"),
    "forecast_fault": ("{ident}（{unit}）预测：{fault}", "{ident} ({unit}) forecast: {fault}"),
    "latest_older": ("{unit}：{ids} 的最新值早于 {period}，各自从最新值起算",
                     "{unit}: the latest values of {ids} are older than {period}; each is forecast from its own latest year"),
    "no_forecast_index": ("{unit}：{ids} 无预测，预测指数无法计算（missing = error）",
                          "{unit}: no forecast for {ids}, so no forecast index (Settings missing = error)"),
    "missing.reweight": ("其维度内权重重新分配", "weights rescaled within its dimension"),
    "missing.zero": ("记 0 分", "scored 0"),
    "missing.error": ("预测指数无法计算", "no forecast index"),
    "pooled_no_forecast": ("{ident}：方法 {method} 取同期全部单位，无预测，{effect}（missing = {policy}）",
                           "{ident}: method {method} pools all units of a period, so it has no forecast; {effect} (missing = {policy})"),
    "no_value_no_forecast": ("{ident}（{unit}）：无数值，无预测，{effect}（missing = {policy}）",
                             "{ident} ({unit}): no value, so no forecast; {effect} (missing = {policy})"),
    "no_trend_no_earlier": ("{ident}（{unit}，{period}）：{since}–{until} 年没有数据，无趋势，{effect}（missing = {policy}）",
                            "{ident} ({unit}, {period}): no data in {since}–{until}, so no trend; {effect} (missing = {policy})"),
    "no_trend_zero": ("{ident}（{unit}，{period}）：{start} 与 {period} 两期中有数值为 0，无趋势，{effect}（missing = {policy}）",
                      "{ident} ({unit}, {period}): the value of {start} or of {period} is 0, so no trend; {effect} (missing = {policy})"),
    # ANJI_EXPLAIN (anji_xl.functions); {name} is the argument's label, e.g. 现值 value
    "explain_not_a_number": ("{name} {value!r} 不是数字", "is not a number"),
    "explain_direction_unknown": ("方向 {value!r} 无法识别", "unknown direction (正向/逆向, positive/negative, 1/-1)"),
    "explain_no_score": ("无法计算", "no score: {why}"),
    # the workbook: the buttons (anji_xl.xlwings_macros), the native layer's flags (anji_xl.book.scores),
    # Excel's own check of typed cells (anji_xl.book.build)
    "problems_found": ("{count} 个问题，见 Results 的检查区", "problems, see Results › validation"),
    "check.not_in_results": ("未在 Results：请按 重新计算", "not in Results: press Recalculate"),
    "check.differs": ("≠ Results：请按 重新计算", "differs from Results: press Recalculate"),
    "check.pooled": ("含 minmax/zscore/efficacy：见 Results", "pooled methods are computed in Results"),
    "check.geometric": ("几何合成：原生公式不计算，见 Results", "geometric aggregation: see Results"),
    "check.year": ("时期须为年份数字（如 2021）", "the period must be a year (e.g. 2021)"),
    "check.duplicate": ("单位与时期重复", "this unit and period appear twice in Data"),
    "check.previous_twice": ("本单位上一年份的数据行重复", "the row of this unit's preceding year appears twice in Data"),
    "check.input": ("有数值为文本、错误值或负数：请改为数值或按 检查数据", "a value is text, an error or negative: correct it or press Validate"),
    "check.percent": ("有百分比指标填成了整数（如 89）：请输入 0.89 或 89%", "a percentage is typed as a whole number (such as 89): type 0.89 or 89%"),
    "check.value": ("有指标无法用原生公式计算（参考值 ≤ 0、上下限无效、上期 ≤ 0 或不是数值，或方法已改）：请按 检查数据 或 重新计算",
                    "an indicator cannot be scored natively (reference ≤ 0, invalid goalposts, previous ≤ 0 or not a number, or its method changed): "
                    "press Validate or Recalculate"),
    "native_rows": ("原生公式覆盖 Data 前 {rows} 行", "native formulas cover the first {rows} rows of Data"),
    "native_rows_beyond": ("Data 超出 {rows} 行的部分没有原生公式：请按 重新计算 或运行 anji-xl recalc",
                           "rows of Data beyond {rows} have no native formulas: press Recalculate or run anji-xl recalc"),
    "python_version_label": ("Python（ANJI_* 函数）：无 Python 时为 #NAME?", "Python (ANJI_* functions): #NAME? without Python"),
    "dashboard_fallback": ("所选单位或时期不在 Data 中，现显示 {unit} {period}", "the chosen unit or period is not in Data: showing {unit} {period}"),
    "dashboard_no_rows": ("Data 中还没有数据行", "Data has no rows yet"),
    "dashboard_gains": ("短板来自 Results（按 重新计算 更新）", "gains from Results (Recalculate updates them)"),
    "dashboard_gains_stale": ("本单位本期的短板尚未计算：按 重新计算 或运行 anji-xl recalc",
                              "no gains yet for this unit and period: press Recalculate or run anji-xl recalc"),
    "typed_weight": ("权重须为 ≥ 0 的数", "a number ≥ 0"),
    "typed_number": ("请输入数字", "enter a number"),
    # the command line (anji_xl.cli, anji_xl.console)
    "interrupted": ("已中断，未写入任何内容", "interrupted; nothing was written"),
    "interrupted_written": ("已中断，已完整写入 {files}", "interrupted; {files} written completely"),
    "no_unit_row": ("没有单位 {unit} 的 Data 行", "no Data row for unit {unit}"),
    "no_row_up_to": ("{period} 及之前没有 Data 行", "no Data row up to {period}"),
    "no_period_row": ("没有时期 {period} 的 Data 行", "no Data row for period {period}"),
    "no_matching_row": ("没有单位 {unit}、时期 {period} 的 Data 行", "no Data row for unit {unit} and period {period}"),
    "row_not_computed": ("未计算：问题见 {cells}", "not computed: problems at {cells}"),
    "rows_not_computed": ("未计算：见错误输出所列问题", "not computed: see the problems listed on stderr"),
    "draws_too_few": ("至少为 1", "must be at least 1"),
    "needs_xlsm": ("工作簿含宏：请使用 .xlsm 扩展名", "the book holds macros: give it the .xlsm extension"),
    "standalone_not_shipped": ("独立版含本机 xlwings 的 VBA：请换一个路径，不要覆盖随附工作簿",
                               "a standalone book holds this machine's xlwings VBA: give it another path, not the shipped book"),
    "book_holds_other_data": ("此工作簿的 Data、Indicators 或 Settings 与要写入的不同（或无法读取），为保护其中的数据未覆盖它。"
                              "建自己的工作簿请用 anji-xl new 并另取文件名，把数据放进工作簿请用 anji-xl import；确要覆盖请加 --force",
                              "this book's Data, Indicators or Settings differ from what would be written (or it cannot be read), so it was not "
                              "overwritten, to keep its data. For a book of your own use anji-xl new with another file name; to put "
                              "rows into a book use anji-xl import; add --force to overwrite it anyway"),
    "new_no_folder": ("文件夹不存在，未写入任何内容；请先建立它，或换一个位置", "no such folder, nothing was written; make it first or choose another place"),
    # new and import: tables from CSV or Excel files (anji_xl.io.tables_file, anji_xl.book.new_book, anji_xl.book.import_rows)
    "file_kind": ("无法读取 {suffix} 文件：请另存为 CSV（UTF-8）或 .xlsx", "cannot read a {suffix} file: save it as CSV (UTF-8) or .xlsx"),
    "file_encoding": ("文件既不是 UTF-8 也不是 GB18030 编码的文本：请在 Excel 中另存为“CSV UTF-8”",
                      "the file is neither UTF-8 nor GB18030 text: save it from Excel as CSV UTF-8"),
    "unreadable_csv": ("无法作为 CSV 读取（{error}）", "cannot be read as CSV ({error})"),
    "no_table_sheet": ("没有名为 {names} 的工作表，且不止一张工作表（{sheets}）：请把 {table} 表所在的工作表命名为 {table}",
                       "no sheet named {names}, and more than one sheet ({sheets}): name the sheet that holds the {table} table {table}"),
    "new_needs_data": ("示例数据中没有指标 {ids} 的列：请用 --data 给出你的数据", "the sample data has no column for {ids}: give your data with --data"),
    "import_row_exists": ("{unit} {period} 已在 Data 第 {row} 行；要替换 Data 的全部行请加 --replace",
                          "{unit} {period} is already in Data row {row}; add --replace to replace all of Data's rows"),
    "import_overwrites": ("此单元格在表 {table} 之下，导入的行会覆盖它，未写入任何内容；请先把它移开",
                          "this cell is below the table {table} and the imported rows would overwrite it; nothing was written — move it first"),
    "imported": ("已将 {count} 行写入 {book} 的 Data（{how}）。请按“重新计算”（或运行 anji-xl recalc {book}）更新 Scores、Results 与仪表板",
                 "wrote {count} row(s) into Data of {book} ({how}). Press 重新计算 Recalculate (or run anji-xl recalc {book}) "
                 "to update Scores, Results and the Dashboard"),
    "imported.append": ("追加在原有各行之后", "appended"),
    "imported.replace": ("替换了原有各行", "replacing its rows"),
    "built": ("已写入 {book}", "wrote {book}"),
    "validated": ("检查通过 {book}：{rows} 行，没有问题", "OK: {book}: {rows} rows, no problems"),
    "recalculated": ("已重新计算 {book}：Results 共 {rows} 行、{warnings} 条提示", "wrote Results of {book}: {rows} rows, {warnings} warnings"),
    "new_written": ("已写入 {book}：{indicators} 个指标、{dimensions} 个维度、{rows} 行数据",
                    "wrote {book}: {indicators} indicators in {dimensions} dimensions, {rows} rows of data"),
    # the evaluation report (anji_xl.report)
    "report_no_period": ("Data 中没有时期 {period!r}（有：{periods}）", "Data has no period {period!r} (it has: {periods})"),
    "report_forecast_note": ("达标预测：{note}", "forecast: {note}"),
    "report_row_note": ("Data 表 {periods} 行的来源与备注：{note}", "source and note of the Data rows of {periods}: {note}"),
    "report_needs_docx": ("报告须为 .docx 文件", "the report must be a .docx file"),
    "report_open": ("报告已在其他程序（Word、WPS 或 LibreOffice）中打开（锁文件 {lock}），未写入任何内容；请先关闭它，或用 -o 另存一个文件",
                    "the report is open in another program (Word, WPS or LibreOffice; lock file {lock}); nothing was written — "
                    "close it, or write another file with -o"),
    "report_no_folder": ("文件夹不存在，未写入任何内容；请先建立它，或用 -o 指定别的位置",
                         "no such folder; nothing was written — create it, or give another place with -o"),
    "report_is_folder": ("这是一个文件夹，未写入任何内容；请用 -o 给出 .docx 文件名", "this is a folder; nothing was written — give a .docx file name with -o"),
    "report_written": ("报告已写入：{files}", "report written: {files}"),
    "report_save_first": ("请先保存工作簿：报告写在工作簿旁边，并记录它的 SHA-256", "save the book first: the report goes beside it and cites its SHA-256"),
    "no_cjk_font": ("找不到中文字体（已查找 {families}），图表无法显示中文。Debian/Ubuntu：apt-get install fonts-noto-cjk 或 fonts-wqy-microhei；"
                    "或用 --font 指定字体文件（.ttf/.otf/.ttc）",
                    "no Chinese font found (looked for {families}), so the charts cannot show Chinese. On Debian/Ubuntu: "
                    "apt-get install fonts-noto-cjk or fonts-wqy-microhei; or give a font file (.ttf/.otf/.ttc) with --font"),
    "font_unreadable": ("无法作为字体读取（{error}）", "cannot be read as a font ({error})"),
    "chart_glyph_missing": ("字体 {font} 没有字符 {char!r}（{text!r}），图表会显示为方框，未写入任何内容；请用 --font 指定含此字符的字体",
                            "the font {font} has no character {char!r} ({text!r}), which a chart would show as a box; nothing was written — "
                            "give a font that has it with --font"),
    "chart_glyph_warning": ("字体 {font} 缺少字符（{warning}），未写入任何内容；请用 --font 指定其他字体",
                            "the font {font} lacks a character ({warning}); nothing was written — give another font with --font"),
    "template_unreadable": ("无法作为 .docx 模板读取（{error}）", "cannot be read as a .docx template ({error})"),
    "template_error": ("模板中的标签有误，未写入任何内容：{error}", "a tag in the template is wrong; nothing was written: {error}"),
    "no_soffice": ("找不到 LibreOffice（soffice），无法生成 PDF，未写入任何内容；请安装 LibreOffice（Debian：apt-get install "
                   "libreoffice-writer-nogui），或去掉 --pdf 只生成 .docx",
                   "LibreOffice (soffice) is not found, so there is no PDF; nothing was written — install LibreOffice (Debian: "
                   "apt-get install libreoffice-writer-nogui), or leave out --pdf for the .docx alone"),
    "pdf_failed": ("LibreOffice 未能把报告转换为 PDF（{detail}），未写入任何内容", "LibreOffice could not convert the report to PDF ({detail}); nothing was written"),
}


def pair(name: str, /, **fields: object) -> Pair:
    """The message ``name`` with ``fields`` filled in, in both languages."""
    zh, en = CATALOGUE[name]
    return Pair(zh.format(**{k: v.zh if isinstance(v, Pair) else v for k, v in fields.items()}),
                en.format(**{k: v.en if isinstance(v, Pair) else v for k, v in fields.items()}))


def say(name: str, /, **fields: object) -> str:
    """The message ``name`` as users read it: ``中文 · English``."""
    return str(pair(name, **fields))


def _escaped(text: str) -> str:
    """Text that str.format gives back unchanged."""
    return text.replace("{", "{{").replace("}", "}}")


@cache
def _parts(template: str) -> list[tuple[str, str | None, str]]:
    """A template in parts: (literal text, escaped; the name of the field that follows, None after
    the last; that field as written, such as ``{span:g}``)."""
    parts = []
    for literal, field, spec, conversion in Formatter().parse(template):
        written = "" if field is None else "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        name = None if field is None else field.partition(".")[0].partition("[")[0]
        parts.append((_escaped(literal), name, written))
    return parts


def sayer(name: str, /, **fixed: object) -> Callable[..., str]:
    """``say(name, **fixed, **fields)`` as a function of the other fields, for a message said many
    times (once per row): the fixed fields are filled in once, the others (plain values, not pairs)
    by one str.format per call. Fixed values are escaped, so a ``{`` in a user's id stays text."""

    def filled(template: str, language: str) -> str:
        values = {k: getattr(v, language) if isinstance(v, Pair) else v for k, v in fixed.items()}
        return "".join(literal + (_escaped(written.format(**values)) if field in fixed else written)
                       for literal, field, written in _parts(template))

    zh, en = CATALOGUE[name]
    return str(Pair(filled(zh, "zh"), filled(en, "en"))).format
