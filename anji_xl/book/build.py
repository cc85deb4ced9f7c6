"""Build ``workbook/AnjiIndex.xlsm`` from the project's own sources (``anji-xl build-workbook``).

XlsxWriter writes it: it writes new books with everything SPEC §4 needs — Excel tables, formulas
with cached values (so the book shows the engine's numbers before any recalculation), data
validation, conditional formats, native charts, form buttons and a VBA project. openpyxl is kept
for reading and editing existing books. The VBA project is compiled from ``anji_xl/vba/*.bas``
by :mod:`anji_xl.vba_project`. The numbers cached in the book come from the engine.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
from pathlib import Path

import pandas as pd
import xlsxwriter

from .. import __version__
from . import layout
from ..defaults import DEFAULT_SETTINGS, SHIPPED_BOOK, default_indicators, default_model, default_panel, sample_data
from ..engine import IndexResult, check_weights, compute
from ..model import DIMENSIONS_EN, METHODS, Model
from .results import CHOICES_AT, GAINS_AT, STAMP_ROW, SUMMARY_AT, TOP_GAINS, VALIDATION_AT, WARNINGS_AT, ResultsBlocks, results_blocks
from ..vba_project import compile_vba_project

SHEETS = [("Guide", "shGuide"), ("Indicators", "shIndicators"), ("Data", "shData"), ("Settings", "shSettings"),
          ("Scores", "shScores"), ("Results", "shResults"), ("Dashboard", "shDashboard"), ("xlwings.conf", "shXlwingsConf")]
BUTTONS = [("AnjiRecalculate", "重新计算 Recalculate"), ("AnjiValidate", "检查数据 Validate"),
           ("AnjiSensitivity", "敏感性分析 Sensitivity"), ("AnjiImportFunctions", "导入函数 Import functions")]
BUILD_STAMP = "anji-xl build-workbook"
_CREATED = dt.datetime(2021, 10, 12)  # a fixed document date keeps rebuilds identical

#: Bilingual header labels; readers match on the first token, so the label is free text.
LABELS = {
    "id": "编号", "dimension": "维度", "area": "重点领域", "name": "指标名称", "name_en": "English name",
    "unit": "单位", "direction": "方向", "method": "方法", "reference": "参考值", "lower": "下限",
    "upper": "上限", "transform": "变换", "weight": "权重", "source": "来源", "period": "时期",
    "key": "设置项", "value": "值", "description": "说明",
}
_WIDTHS = {"id": 7, "dimension": 11, "area": 16, "name": 34, "name_en": 52, "unit": 14, "direction": 11,
           "method": 10, "reference": 11, "lower": 8, "upper": 8, "transform": 11, "weight": 10, "source": 100}
INSTALL_HELP = (
    "未找到 xlwings 加载项或 Python。请在命令提示符中运行：\n"
    "  pip install -e <anji-xl 文件夹>\n  xlwings addin install\n然后重新启动 Excel，并点击“导入函数”。\n\n"
    "The xlwings add-in or Python is missing. In a command prompt run:\n"
    "  pip install -e <anji-xl folder>\n  xlwings addin install\nthen restart Excel and press Import functions."
)


def header(key: str) -> str:
    """``'weight 权重'``: the key first, then the label."""
    return f"{key} {LABELS[key]}" if key in LABELS else key


def _cached(value: float) -> object:
    """A formula's cached value: the engine's number, or the error a cell shows for NaN."""
    return "#N/A" if value is None or (isinstance(value, float) and math.isnan(value)) else value


class _Styles:
    def __init__(self, book: xlsxwriter.Workbook):
        base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "top"}
        add = lambda **extra: book.add_format({**base, **extra})  # noqa: E731
        self.text, self.wrap = add(), add(text_wrap=True)
        self.number, self.weight, self.percent = add(num_format="0.0000"), add(num_format="0.000"), add(num_format="0.00%")
        self.title = add(bold=True, font_size=16, font_color="#1F5130")
        self.subtitle = add(bold=True, font_size=12, font_color="#1F5130")
        self.note = add(font_color="#595959", text_wrap=True)
        self.head = add(bold=True, bg_color="#DDEBDD", border=1, text_wrap=True)
        self.meta = add(font_color="#595959", italic=True, bg_color="#F3F3F3")
        self.meta_number = add(font_color="#595959", italic=True, bg_color="#F3F3F3", num_format="0.000")
        self.native = add(num_format="0.0000", font_color="#7F7F7F")
        self.big = add(bold=True, font_size=20, num_format="0.0000", font_color="#1F5130")
        self.input = add(bold=True, bg_color="#FFF2CC", border=1)
        self.input_year = add(bold=True, bg_color="#FFF2CC", border=1, num_format="0")
        self.warn = book.add_format({"bg_color": "#FCE4D6"})
        self.bad = book.add_format({"bg_color": "#F8CBAD", "font_color": "#9C0006"})


def _table(ws, name: str, frame: pd.DataFrame, formats: dict[str, object], headers: list[str] | None = None) -> None:
    """``frame`` as the Excel table ``name`` at A1, one format per column."""
    titles = headers or [header(col) for col in frame.columns]
    columns = [{"header": title, "format": formats.get(col)} for title, col in zip(titles, frame.columns)]
    rows = frame.astype(object).where(frame.notna(), None).values.tolist()
    ws.add_table(0, 0, max(len(rows), 1), len(columns) - 1, {"name": name, "columns": columns, "data": rows, "style": "Table Style Medium 7"})


def _buttons(ws, row: int, col: int) -> None:
    for k, (macro, caption) in enumerate(BUTTONS):
        ws.insert_button(row + 2 * k, col, {"macro": macro, "caption": caption, "width": 190, "height": 32})


def _write_indicators(ws, s: _Styles, table: pd.DataFrame) -> None:
    formats = {key: s.text for key in table.columns}
    formats.update(reference=s.number, lower=s.number, upper=s.number, weight=s.weight)
    _table(ws, "tblIndicators", table, formats)
    for k, col in enumerate(table.columns):
        ws.set_column(k, k, _WIDTHS.get(col, 12))
    last = len(table) + 1
    col = {key: k for k, key in enumerate(table.columns)}
    ws.data_validation(1, col["direction"], 500, col["direction"], {"validate": "list", "source": ["positive", "negative", "正向", "逆向"]})
    ws.data_validation(1, col["method"], 500, col["method"], {"validate": "list", "source": list(METHODS)})
    ws.data_validation(1, col["transform"], 500, col["transform"], {"validate": "list", "source": ["log"]})
    ws.data_validation(1, col["weight"], 500, col["weight"], {"validate": "decimal", "criteria": ">=", "value": 0,
                                                            "error_title": "权重 weight", "error_message": "权重须为 ≥ 0 的数 · a number ≥ 0"})
    total = f"=SUM({layout.ref(1, col['weight'])}:{layout.ref(last - 1, col['weight'])})"
    ws.write(last + 1, col["reference"], "Σ weight 权重合计", s.text)
    ws.write_formula(last + 1, col["weight"], total, s.weight, float(table["weight"].sum()))
    ws.conditional_format(last + 1, col["weight"], last + 1, col["weight"],
                          {"type": "cell", "criteria": "not between", "minimum": 1 - 1e-6, "maximum": 1 + 1e-6, "format": s.bad})
    ws.freeze_panes(1, 2)


def _write_data(ws, s: _Styles, table: pd.DataFrame, rows: pd.MultiIndex) -> None:
    sample = sample_data()
    ids = list(table["id"])
    wide = sample.wide().reindex(index=rows, columns=ids)
    stated = sample.long[~sample.long["source"].str.startswith("illustrative")]
    notes = {key: ", ".join(group["id"]) for key, group in stated.groupby(["unit", "period"])}
    frame = wide.reset_index()
    frame["period"] = [int(p) if p.isdigit() else p for p in frame["period"]]
    frame["source"] = [f"报告 report: {notes[key]}; 其余为示例 others illustrative — replace with official data" if key in notes
                       else "illustrative — replace with official data" for key in rows]
    names = dict(zip(table["id"], table["name"]))
    units = dict(zip(table["id"], table["unit"]))
    formats = {i: s.percent if units[i] == "%" else s.number for i in ids}
    formats.update(unit=s.text, period=s.text, source=s.note)
    headers = [header(c) if c in LABELS else f"{c} {names[c]}" for c in frame.columns]
    _table(ws, "tblData", frame, formats, headers)
    ws.set_row(0, 54, s.head)
    ws.set_column(0, 1, 9)
    ws.set_column(2, len(ids) + 1, 11)
    ws.set_column(len(ids) + 2, len(ids) + 2, 60)
    ws.data_validation(1, 2, 5000, len(ids) + 1, {"validate": "decimal", "criteria": "between", "minimum": -1e300, "maximum": 1e300,
                                                   "error_title": "数值 number", "error_message": "请输入数字 · enter a number"})
    row_of = {key: r + 1 for r, key in enumerate(rows)}
    for record in stated.itertuples():
        ws.write_comment(row_of[(record.unit, record.period)], 2 + ids.index(record.id), f"来源 source: {record.source}",
                         {"x_scale": 2.5, "y_scale": 1.6})
    ws.freeze_panes(1, 2)


def _write_settings(ws, s: _Styles) -> None:
    frame = pd.DataFrame(DEFAULT_SETTINGS, columns=["key", "value", "description"])
    _table(ws, "tblSettings", frame, {"key": s.text, "value": s.text, "description": s.note})
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 90)
    row = layout.SETTING_ROW
    ws.data_validation(row["dimension_aggregation"], 1, row["index_aggregation"], 1, {"validate": "list", "source": ["arithmetic", "geometric"]})
    ws.data_validation(row["missing"], 1, row["missing"], 1, {"validate": "list", "source": ["error", "reweight", "zero"]})
    ws.data_validation(row["normalize_weights"], 1, row["normalize_weights"], 1, {"validate": "list", "source": ["yes", "no"]})


def _write_scores(ws, s: _Styles, model: Model, result: IndexResult) -> None:
    ind = model.indicators
    dims = result.dimensions
    grid = layout.ScoresLayout(len(ind), len(dims))
    ws.write(0, 0, "Scores 得分 — live ANJI_* formulas; right: the same index in native Excel formulas (no Python) and the difference", s.subtitle)
    blank = lambda column: ["" if pd.isna(v) else v for v in ind[column]]  # noqa: E731
    meta_values = {"id": list(ind.index), "dimension": list(ind["dimension"]), "weight": list(check_weights(model)[0]),
                   "reference": list(ind["reference"]), "lower": blank("lower"), "upper": blank("upper"),
                   "transform": list(ind["transform"]), "direction": list(default_indicators()["direction"]),
                   "sign": list(ind["direction"]), "method": list(ind["method"])}
    for key, row in layout.META_ROWS.items():
        ws.write(row, 1, layout.META_LABELS[key], s.meta)
        for block in (grid.scores, grid.native_scores):
            for k, col in enumerate(block):
                value = meta_values[key][k]
                number = key in ("weight", "reference", "lower", "upper")
                ws.write_formula(row, col, layout.meta_formula(key, k, len(ind)), s.meta_number if number else s.meta, value)
    for block in (grid.dims, grid.native_dims):
        for j, col in enumerate(block):
            ws.write(layout.META_ROWS["dimension"], col, dims[j], s.meta)
            source = grid.scores if block is grid.dims else grid.native_scores
            ws.write_formula(layout.META_ROWS["weight"], col, layout.dimension_weight_formula(grid, col, source), s.meta_number,
                             float(ind.loc[ind["dimension"] == dims[j], "weight"].sum()))
    names = dict(zip(ind.index, ind["name"]))
    titles = (["unit 单位", "period 时期"] + [f"{i} {names[i]}" for i in ind.index] + [f"{d} {DIMENSIONS_EN.get(d, '')}" for d in dims]
              + ["index 安吉指数"] + [f"{i} 原生 native" for i in ind.index] + [f"{d} 原生 native" for d in dims]
              + ["index_native 原生公式指数", "difference 差值"])
    ws.write_row(layout.HEADER_ROW, 0, titles, s.head)
    ws.set_row(layout.HEADER_ROW, 60)
    for r, key in enumerate(result.rows):
        row = layout.FIRST_ROW + r
        ws.write_formula(row, 0, f"=Data!$A{r + 2}", s.text, key[0])
        ws.write_formula(row, 1, f"=Data!$B{r + 2}", s.text, int(key[1]) if key[1].isdigit() else key[1])
        for k, ident in enumerate(ind.index):
            score = result.scores.at[key, ident] if ind.at[ident, "method"] in layout.LIVE_METHODS else math.nan
            ws.write_formula(row, grid.scores.start + k, layout.score_formula(grid, r, k), s.number, _cached(score))
            ws.write_formula(row, grid.native_scores.start + k, layout.native_score_formula(grid, r, k), s.native,
                             "" if math.isnan(score) else score)
        for j, dim in enumerate(dims):
            value = result.dimension_scores.at[key, dim]
            ws.write_formula(row, grid.dims.start + j, layout.dimension_formula(grid, row, j), s.number, _cached(value))
            ws.write_formula(row, grid.native_dims.start + j, layout.native_dimension_formula(grid, row, j), s.native,
                             "" if math.isnan(value) else value)
        index = result.index[key]
        ws.write_formula(row, grid.index, layout.index_formula(grid, row), s.number, _cached(index))
        ws.write_formula(row, grid.native_index, layout.native_index_formula(grid, row), s.number, _cached(index))
        ws.write_formula(row, grid.difference, f"={layout.ref(row, grid.index)}-{layout.ref(row, grid.native_index)}", s.native,
                         0.0 if not math.isnan(index) else "#N/A")
    last = layout.FIRST_ROW + len(result.rows) - 1
    ws.conditional_format(layout.FIRST_ROW, grid.scores.start, last, grid.scores.stop - 1,
                          {"type": "cell", "criteria": "<", "value": 1, "format": s.warn})
    ws.conditional_format(layout.FIRST_ROW, grid.difference, last, grid.difference,
                          {"type": "cell", "criteria": "not between", "minimum": -1e-9, "maximum": 1e-9, "format": s.bad})
    ws.set_column(0, 0, 9)
    ws.set_column(1, 1, 16)
    ws.set_column(grid.scores.start, grid.index, 10)
    ws.set_column(grid.native_scores.start, grid.native_dims.stop - 1, 9, None, {"level": 1, "hidden": True})
    ws.set_column(grid.native_index, grid.difference, 14)
    ws.freeze_panes(layout.FIRST_ROW, 2)


def _write_block(ws, at: tuple[int, int], rows: list[list[object]], s: _Styles, number_from: int = 0) -> None:
    row0, col0 = at
    ws.write_row(row0, col0, rows[0], s.head)
    for r, values in enumerate(rows[1:], start=1):
        for c, value in enumerate(values):
            fmt = s.number if c >= number_from and isinstance(value, float) else s.text
            ws.write(row0 + r, col0 + c, value, fmt)


def _write_results(ws, s: _Styles, blocks: ResultsBlocks) -> None:
    ws.write(0, 0, "Results 结果 — written by 重新计算 Recalculate / anji-xl recalc", s.subtitle)
    ws.write_row(STAMP_ROW, 0, blocks.stamp[0], s.text)
    _write_block(ws, SUMMARY_AT, blocks.summary, s, number_from=2)
    _write_block(ws, GAINS_AT, blocks.gains, s, number_from=6)
    _write_block(ws, WARNINGS_AT, blocks.warnings, s)
    _write_block(ws, CHOICES_AT, blocks.choices, s)
    _write_block(ws, VALIDATION_AT, blocks.validation, s)
    ws.write(VALIDATION_AT[0] - 1, VALIDATION_AT[1], "检查 validation (检查数据 Validate)", s.subtitle)
    ws.write(SUMMARY_AT[0] - 1, SUMMARY_AT[1], "指数与维度 index and dimensions", s.subtitle)
    ws.write(GAINS_AT[0] - 1, GAINS_AT[1], f"短板 top {TOP_GAINS} potential gains per unit and period", s.subtitle)
    ws.set_row(SUMMARY_AT[0], 45)
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 15, 10)
    ws.set_column(GAINS_AT[1], GAINS_AT[1], 18)
    ws.set_column(GAINS_AT[1] + 5, GAINS_AT[1] + 5, 28)
    ws.set_column(WARNINGS_AT[1], WARNINGS_AT[1], 60)
    ws.set_column(VALIDATION_AT[1], VALIDATION_AT[1], 16)
    ws.set_column(VALIDATION_AT[1] + 1, VALIDATION_AT[1] + 1, 70)
    gain_col = GAINS_AT[1] + 7
    ws.conditional_format(GAINS_AT[0] + 1, gain_col, GAINS_AT[0] + layout.RESULTS_ROWS, gain_col, {"type": "data_bar", "bar_color": "#E26B0A"})
    ws.freeze_panes(SUMMARY_AT[0] + 1, 2)


def _write_dashboard(book, ws, s: _Styles, blocks: ResultsBlocks, result: IndexResult) -> None:
    dims = result.dimensions
    unit, period = result.rows[-1][0], result.rows[-1][1]
    key = (unit, period)
    ws.write(0, 1, "安吉指数 仪表板 · Anji Index dashboard", s.title)
    ws.write(2, 1, "单位 unit", s.text)
    ws.write(3, 1, "时期 period", s.text)
    ws.write(*layout.DASHBOARD_UNIT, unit, s.input)
    ws.write(*layout.DASHBOARD_PERIOD, int(period) if period.isdigit() else period, s.input_year)
    n_choices = len(blocks.choices) - 1
    for target, offset in ((layout.DASHBOARD_UNIT, 0), (layout.DASHBOARD_PERIOD, 1)):
        col = CHOICES_AT[1] + offset
        source = f"=Results!{layout.ref(CHOICES_AT[0] + 1, col, True, True)}:{layout.ref(CHOICES_AT[0] + max(n_choices, 1) + 20, col, True, True)}"
        ws.data_validation(*target, *target, {"validate": "list", "source": source})
    ws.write(4, 1, "指数 index", s.text)
    ws.write_formula(4, 2, layout.dashboard_lookup(2), s.big, _cached(result.index[key]))
    ws.write(4, 3, "排名 rank", s.text)
    ws.write_formula(4, 4, layout.dashboard_lookup(3), s.text, _cached(result.rank[key]))
    ws.write_row(6, 1, ["维度 dimension", "得分率 score"], s.head)
    for j, dim in enumerate(dims):
        ws.write(7 + j, 1, dim, s.text)
        ws.write_formula(7 + j, 2, layout.dashboard_lookup(4 + j), s.number, _cached(result.dimension_scores.at[key, dim]))
    periods = [row[1] for row in blocks.choices[1:] if row[1] is not None]
    ws.write_row(6, 4, ["时期 period", "指数 index"], s.head)
    for k, value in enumerate(periods):
        choice = layout.ref(CHOICES_AT[0] + 1 + k, CHOICES_AT[1] + 1, True, True)
        ws.write_formula(7 + k, 4, f'=IF(Results!{choice}="","",Results!{choice})', s.text, value)
        index = result.index.get((unit, str(value)), math.nan)
        ws.write_formula(7 + k, 5, layout.dashboard_period_index(layout.ref(7 + k, 4)), s.number, _cached(index))
    ws.write_row(6, 7, ["编号 id", "短板指标 indicator", "潜在提升 gain"], s.head)
    top = result.top_gains(unit, period, TOP_GAINS)
    names = dict(zip(result.scores.columns, default_indicators()["name"]))
    for k in range(TOP_GAINS):
        ident = top.index[k] if k < len(top) else None
        ws.write_formula(7 + k, 7, layout.dashboard_gain(k + 1, 4, '""'), s.text, ident or "")
        ws.write_formula(7 + k, 8, layout.dashboard_gain(k + 1, 5, '""'), s.text, names.get(ident, "") if ident else "")
        ws.write_formula(7 + k, 9, layout.dashboard_gain(k + 1, 7, "0"), s.number, float(top.iloc[k]) if ident else 0.0)
    radar = book.add_chart({"type": "radar", "subtype": "filled"})
    radar.add_series({"name": "得分率 score", "categories": f"=Dashboard!$B$8:$B${7 + len(dims)}",
                      "values": f"=Dashboard!$C$8:$C${7 + len(dims)}", "fill": {"color": "#70AD47", "transparency": 40}})
    radar.set_title({"name": "六维得分率 six dimensions"})
    radar.set_y_axis({"min": 0, "max": 1})
    radar.set_legend({"none": True})
    line = book.add_chart({"type": "line"})
    last_period = 7 + len(periods)
    line.add_series({"name": "指数 index", "categories": f"=Dashboard!$E$8:$E${last_period}", "values": f"=Dashboard!$F$8:$F${last_period}",
                     "marker": {"type": "circle"}, "data_labels": {"value": True, "num_format": "0.000"}})
    line.set_title({"name": "指数变化 index over periods"})
    line.set_legend({"none": True})
    line.show_blanks_as("gap")
    bar = book.add_chart({"type": "bar"})
    bar.add_series({"name": "潜在提升 potential gain", "categories": "=Dashboard!$I$8:$I$12", "values": "=Dashboard!$J$8:$J$12",
                    "fill": {"color": "#E26B0A"}, "data_labels": {"value": True, "num_format": "0.000"}})
    bar.set_title({"name": "短板 top potential gains"})
    bar.set_y_axis({"reverse": True})
    bar.set_legend({"none": True})
    ws.insert_chart("B19", radar, {"x_scale": 1.0, "y_scale": 1.25})
    ws.insert_chart("G19", line, {"x_scale": 1.0, "y_scale": 1.25})
    ws.insert_chart("L19", bar, {"x_scale": 1.1, "y_scale": 1.25})
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 12)
    ws.set_column(4, 5, 10)
    ws.set_column(7, 7, 8)
    ws.set_column(8, 8, 26)
    ws.set_column(9, 9, 12)
    _buttons(ws, 1, 11)


def _write_guide(book, ws, s: _Styles) -> None:
    ws.set_column(0, 0, 100)
    lines = [
        ("绿色智慧城市评价“安吉指数” · Anji Index (green smart city evaluation)", s.title),
        ("本工作簿计算安吉指数及其他综合指数：在 Indicators 维护指标、参考值与权重，在 Data 录入数据，按“重新计算”得到 Results 与 Dashboard。"
         " This book computes the Anji Index and other composite indices: keep indicators, references and weights in Indicators,"
         " values in Data, press Recalculate for Results and the Dashboard.", s.wrap),
        ("开始 Getting started (Windows)", s.subtitle),
        ("1. pip install -e <anji-xl 文件夹 folder>  （安装 anji_xl 与 udfs · installs anji_xl and udfs）\n"
         "2. xlwings addin install  （安装 xlwings 加载项 · installs the xlwings add-in）\n"
         "3. 信任中心：启用宏，并勾选“信任对 VBA 工程对象模型的访问” · Trust Center: enable macros and trust access to the VBA project object model\n"
         "4. 打开本工作簿，点击一次“导入函数” · open this book and press Import functions once", s.wrap),
        ("按钮 Buttons", s.subtitle),
        ("重新计算 Recalculate: 计算并写入 Results · computes and writes Results.   检查数据 Validate: 列出所有问题及单元格 · lists every problem with its cell.\n"
         "敏感性分析 Sensitivity: 权重蒙特卡洛 · weight Monte Carlo.   导入函数 Import functions: 注册 ANJI_* 工作表函数 · registers the ANJI_* worksheet functions.", s.wrap),
        ("方法 Method", s.subtitle),
        ("得分率 X = min(上限, 现值/参考值)，逆向指标 X = min(上限, 参考值/现值)；总量控制指标转为年度增长控制；指数 Y = Σ 权重 × 得分率。"
         " Score X = min(cap, value/reference) (negative: reference/value); totals become annual growth control; index Y = Σ W·X."
         " 详见 docs/method.md · details in docs/method.md.", s.wrap),
        ("设置 xlwings.conf: UDF Modules = udfs。xlwings 自动把本工作簿所在文件夹加入 Python 路径，但不解析相对路径；以 pip install -e 安装后 udfs 与 anji_xl 在任何位置都可导入。"
         " xlwings adds this book's folder to the Python path itself but does not resolve relative PYTHONPATH entries; after pip install -e, udfs and"
         " anji_xl import from anywhere. Without installing, put the absolute path of the anji-xl folder in PYTHONPATH on the xlwings.conf sheet.", s.wrap),
        ("限制 Known limits", s.subtitle),
        ("报告公布的 2020 年安吉指数 0.9241 无法由示例数据复现（报告未公布指标表与数据）；示例数据除注明来源者外均为示例值。Scores 表的实时公式按 Data 的顺序（单位、时期）取上期值。"
         " The report's published 2020 value 0.9241 cannot be reproduced from this sample data (the report prints neither its indicator"
         " table nor its data); sample values are illustrative unless their source says otherwise. Scores takes the previous period from"
         " the row above in Data: keep Data sorted by unit and period, Data's indicator columns in the order of Indicators, and"
         " the Settings rows in place (the live formulas refer to them by position). Scores' live cells score ratio, growth and goalpost indicators;"
         " min–max, z-score and efficacy (功效系数) pool all units of a period and are computed in Results (Recalculate).", s.note),
        ("状态 Status", s.subtitle),
    ]
    for row, (text, fmt) in enumerate(lines):
        ws.write(row, 0, text, fmt)
    status = len(lines)
    ws.write_formula(status, 0, '="计算于 computed: "&Results!$B$2&"   版本 version: "&Results!$D$2', s.text,
                     f"计算于 computed: {BUILD_STAMP}   版本 version: {__version__}")
    ws.write(status + 2, 0, INSTALL_HELP, s.note)
    ws.set_row(status + 2, 150)
    book.define_name("anji_msg_install", f"=Guide!$A${status + 3}")
    book.define_name("anji_msg_title", "=Guide!$A$1")
    ws.set_row(0, 30)
    for row in (1, 3, 5, 7, 8):
        ws.set_row(row, 64)
    ws.set_row(10, 120)  # the known limits
    _buttons(ws, 1, 2)


def _write_xlwings_conf(ws, s: _Styles) -> None:
    ws.write(0, 0, "UDF Modules")
    ws.write(0, 1, "udfs")
    ws.write(0, 3, "xlwings 读取 A、B 两列（从 A1 起）· xlwings reads columns A and B from A1. UDF Modules = udfs: the module of the ANJI_* functions.", s.note)
    ws.write(1, 3, "PYTHONPATH: 留空即可（已 pip install -e）；否则填 anji-xl 文件夹的绝对路径 · leave unset after pip install -e; else add a row "
                   "PYTHONPATH with the absolute path of the anji-xl folder (relative paths are not resolved against this book).", s.note)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 10)
    ws.set_column(3, 3, 110)


def build_workbook(out: str | Path | None = None) -> Path:
    """Write the shipped book (default ``workbook/AnjiIndex.xlsm``) and return its path."""
    out = Path(out) if out is not None else SHIPPED_BOOK
    model = default_model()
    result = compute(model, default_panel())
    blocks = results_blocks(model, result, BUILD_STAMP)
    table = default_indicators()
    for key in ("reference", "lower", "upper", "weight"):
        table[key] = pd.to_numeric(table[key].replace("", None))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")  # written whole, then moved into place
    book = xlsxwriter.Workbook(str(partial))
    book.set_properties({"title": "安吉指数 Anji Index", "author": "anji-xl", "created": _CREATED})
    book.set_vba_name("ThisWorkbook")
    book.add_vba_project(io.BytesIO(compile_vba_project(SHEETS)), is_stream=True)
    sheets = {}
    for name, code_name in SHEETS:
        sheets[name] = book.add_worksheet(name)
        sheets[name].set_vba_name(code_name)
        sheets[name].set_landscape()
        sheets[name].fit_to_pages(1, 0)
    for name, reference in layout.DEFINED_NAMES.items():
        book.define_name(name, reference)
    s = _Styles(book)
    _write_guide(book, sheets["Guide"], s)
    _write_indicators(sheets["Indicators"], s, table)
    _write_data(sheets["Data"], s, table, result.rows)
    _write_settings(sheets["Settings"], s)
    _write_scores(sheets["Scores"], s, model, result)
    _write_results(sheets["Results"], s, blocks)
    _write_dashboard(book, sheets["Dashboard"], s, blocks, result)
    _write_xlwings_conf(sheets["xlwings.conf"], s)
    sheets["Dashboard"].activate()
    try:
        book.close()
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out
