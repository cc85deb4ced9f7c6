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
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import xlsxwriter
from openpyxl.utils import column_index_from_string

from . import dashboard, guide, layout, scores, settings
from .layout import Cell, Column
from .package import Patch, Streamed, replaced, rewrite_new_file
from .recalc import STYLE_ROWS, cell_styles, results_part, results_patch, scores_patch, sheet_part
from .sheet_xml import CELL, CellColumn, SheetRows, rewrite, rewrite_text
from ..defaults import DEFAULT_SETTINGS, SHIPPED_BOOK, default_indicators, sample_data
from ..engine import IndexResult, compute
from ..messages import say
from ..model import METHODS, AnjiInputError, Model, Problem
from ..io.parse import read_grid_tables
from .results import (CHOICES_AT, FORECAST_AT, FORECAST_INDICATORS_AT, GAINS_AT, RESULTS_ROWS, STAMP_ROW, SUMMARY_AT, TOP_GAINS,
                      TRAJECTORY_AT, VALIDATION_AT, WARNINGS_AT, ResultsBlocks, results_blocks)
from ..vba_project import XLWINGS_VERSION, compile_vba_project

SHEETS = [("Guide", "shGuide"), ("Indicators", "shIndicators"), ("Data", "shData"), ("Settings", "shSettings"),
          ("Scores", "shScores"), ("Results", "shResults"), ("Dashboard", "shDashboard"), ("xlwings.conf", "shXlwingsConf")]
BUTTONS = [("AnjiRecalculate", "重新计算 Recalculate"), ("AnjiValidate", "检查数据 Validate"),
           ("AnjiSensitivity", "敏感性分析 Sensitivity"), ("AnjiReport", "生成报告 Report"), ("AnjiImportFunctions", "导入函数 Import functions")]
BUILD_STAMP = "anji-xl build-workbook"
INDICATOR_ROWS = 1000  # the weight total reaches this far down Indicators
TYPING_ROWS = 5000  # Data's rows where a typed value must be a number (Excel's data validation), at least
_CREATED = dt.datetime(2021, 10, 12)  # a fixed document date keeps rebuilds identical

#: Bilingual header labels; readers match on the first token, so the label is free text.
LABELS = {
    "id": "编号", "dimension": "维度", "area": "重点领域", "name": "指标名称", "name_en": "English name",
    "unit": "计量单位", "direction": "方向", "method": "方法", "reference": "参考值", "lower": "下限",
    "upper": "上限", "transform": "变换", "weight": "权重", "source": "来源", "period": "时期",
    "key": "设置项", "value": "值", "description": "说明",
}
_WIDTHS = {"id": 7, "dimension": 11, "area": 16, "name": 34, "name_en": 52, "unit": 14, "direction": 11,
           "method": 10, "reference": 11, "lower": 8, "upper": 8, "transform": 11, "weight": 10, "source": 100}
def header(key: str) -> str:
    """``'weight 权重'``: the key first, then the label."""
    return f"{key} {LABELS[key]}" if key in LABELS else key


def _rows(frame: pd.DataFrame) -> list[list[object]]:
    """A frame's rows as cell values (None where it has none)."""
    return frame.astype(object).where(frame.notna(), None).values.tolist()


@dataclass(frozen=True)
class BookSources:
    """What a book is built from: its three tables exactly as written at A1 of their sheets, and
    notes on Data's cells. ``indicators``: the columns of ``INDICATOR_COLUMNS``, numbers as floats;
    ``data``: unit, period (a year as a number), one column per indicator id, source; ``settings``:
    (key, value, description) rows; ``notes``: (Data row position, id) → the cell's note."""

    indicators: pd.DataFrame
    data: pd.DataFrame
    settings: list[tuple[str, object, str]]
    notes: dict[tuple[int, str], str] = field(default_factory=dict)
    sample: bool = False  # the shipped Anji sample: the Guide's notes on the report's figures apply

    def data_headers(self) -> list[str]:
        """``unit 地区``, ``period 时期``, ``LC1 万元GDP能耗`` …, ``source 来源``: Data's unit is the
        evaluated one (地区), Indicators' the unit of measure (计量单位)."""
        names = {**dict(zip(self.indicators["id"], self.indicators["name"])), "unit": "地区"}
        return [header(c) if c in LABELS and c != "unit" else f"{c} {names[c]}".strip() for c in self.data.columns]

    def settings_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.settings, columns=["key", "value", "description"])

    def grids(self) -> dict[str, tuple[list[list[object]], int, int]]:
        """The tables as the book's reader will find them (sheet → grid at A1)."""
        return {"Indicators": ([[header(c) for c in self.indicators.columns], *_rows(self.indicators)], 1, 1),
                "Data": ([self.data_headers(), *_rows(self.data)], 1, 1),
                "Settings": ([[header(c) for c in ("key", "value", "description")], *_rows(self.settings_frame())], 1, 1)}


def shipped_sources() -> BookSources:
    """The shipped book's tables: the report's indicator system and the Anji sample (``defaults/``)."""
    table = default_indicators()
    for key in ("reference", "lower", "upper", "weight"):
        table[key] = pd.to_numeric(table[key].replace("", None))
    sample = sample_data()
    wide = sample.wide().reindex(columns=list(table["id"]))
    stated = sample.long[~sample.long["source"].str.startswith("illustrative")]
    cited = {key: ", ".join(group["id"]) for key, group in stated.groupby(["unit", "period"])}
    frame = wide.reset_index()
    frame["period"] = [int(p) if p.isdigit() else p for p in frame["period"]]
    frame["source"] = [f"报告 report: {cited[key]}; 其余为示例 others illustrative — replace with official data" if key in cited
                       else "illustrative — replace with official data" for key in wide.index]
    position = {key: k for k, key in enumerate(wide.index)}
    notes = {(position[(r.unit, r.period)], r.id): f"来源 source: {r.source}" for r in stated.itertuples()}
    return BookSources(table, frame, list(DEFAULT_SETTINGS), notes, sample=True)


class _Styles:
    def __init__(self, book: xlsxwriter.Workbook):
        base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "top"}
        add = lambda **extra: book.add_format({**base, **extra})  # noqa: E731
        self.text, self.wrap = add(), add(text_wrap=True)
        self.number, self.weight, self.percent = add(num_format="0.0000"), add(num_format="0.000"), add(num_format="0.00%")
        self.title = add(bold=True, font_size=16, font_color="#1F5130")
        self.subtitle = add(bold=True, font_size=12, font_color="#1F5130")
        self.note = add(font_color="#595959", text_wrap=True)
        self.remark = add(font_color="#595959")  # one line, running on into the empty cells beside it
        self.head = add(bold=True, bg_color="#DDEBDD", border=1, text_wrap=True)
        self.meta = add(font_color="#595959", italic=True, bg_color="#F3F3F3")
        self.meta_number = add(font_color="#595959", italic=True, bg_color="#F3F3F3", num_format="0.000")
        self.native = add(num_format="0.0000", font_color="#7F7F7F")
        self.big = add(bold=True, font_size=20, num_format="0.0000", font_color="#1F5130")
        self.input = add(bold=True, bg_color="#FFF2CC", border=1)
        self.input_year = add(bold=True, bg_color="#FFF2CC", border=1, num_format="0")
        self.integer = add(num_format="0")
        self.native_shown = add(num_format="0.0000", font_color="#1F4E79", bg_color="#EAF1FB")
        self.warn = book.add_format({"bg_color": "#FCE4D6"})
        self.hidden = book.add_format({"font_color": "#FFFFFF"})
        self.bad = book.add_format({"bg_color": "#F8CBAD", "font_color": "#9C0006"})
        self._kinds = {"meta_text": self.meta, "year": self.integer, "native": self.native, "check": self.text}

    def kind(self, name: str):
        """The format of a sheet module's style kind (``number``, ``head`` …)."""
        return self._kinds.get(name) or getattr(self, name)


def _table(ws, name: str, frame: pd.DataFrame, formats: dict[str, object], headers: list[str] | None = None, written: int | None = None) -> None:
    """``frame`` as the Excel table ``name`` at A1, one format per column; with ``written``, only
    that many rows are written, the table spanning them all (:func:`_table_patch` writes the rest)."""
    titles = headers or [header(col) for col in frame.columns]
    columns = [{"header": title, "format": formats.get(col)} for title, col in zip(titles, frame.columns)]
    rows = _rows(frame.head(written) if written is not None else frame)
    ws.add_table(0, 0, max(len(frame), 1), len(columns) - 1, {"name": name, "columns": columns, "data": rows, "style": "Table Style Medium 7"})


def _table_patch(frame: pd.DataFrame, written: int | None = None) -> Patch:
    """The table at A1 that :func:`_table` wrote, every row below its header, as recalc's writer
    writes rows: in the styles of the rows XlsxWriter wrote (``written``: that many), the cells
    beside the table kept, an empty cell in its column's style as XlsxWriter writes one (a value
    typed there later is formatted), and every number to its last digit (XlsxWriter writes 16
    significant digits, where a double may need 17: 0.1 + 0.2 became 0.3). XlsxWriter took 5 s
    for Data's 30,000 rows. A long table (``written``) is rewritten in pieces, a short one as text:
    of the parts rewritten in pieces the second goes to a forked child, and that is to be Scores."""
    columns = [frame[col].astype(object).where(frame[col].notna(), "").tolist() for col in frame.columns]
    seen = 1 + (len(frame) if written is None else min(written, len(frame)))  # the last row XlsxWriter wrote

    def rows(top_xml: str) -> SheetRows:
        learnt, made = cell_styles(top_xml, 1), SheetRows()
        for col, values in enumerate(columns):
            made.column(CellColumn(col, 2, values, learnt.get((col, True), ""), learnt.get((col, False), "")))
        for cell in CELL.finditer(top_xml):
            col, row = column_index_from_string(cell.group(1)) - 1, int(cell.group(2))
            if row > 1 and col >= len(columns):
                made.cell(row, col, cell.group(0))
        return made

    if written is None:
        return lambda xml: rewrite_text(xml, rows, keep_below=1, look_at=seen)
    return Streamed(lambda old: rewrite(old, rows, keep_below=1, look_at=seen))


def _buttons(ws, row: int, col: int, per_column: int = len(BUTTONS)) -> None:
    """One button every two rows from (row, col); after ``per_column`` of them the next column of
    buttons starts three columns to the right."""
    for k, (macro, caption) in enumerate(BUTTONS):
        ws.insert_button(row + 2 * (k % per_column), col + 3 * (k // per_column), {"macro": macro, "caption": caption, "width": 190, "height": 32})


def _write_indicators(ws, s: _Styles, table: pd.DataFrame) -> None:
    formats = {key: s.text for key in table.columns}
    formats.update(reference=s.number, lower=s.number, upper=s.number, weight=s.weight)
    _table(ws, "tblIndicators", table, formats)
    for k, col in enumerate(table.columns):
        ws.set_column(k, k, _WIDTHS.get(col, 12))
    col = {key: k for k, key in enumerate(table.columns)}
    ws.data_validation(1, col["direction"], 500, col["direction"], {"validate": "list", "source": ["positive", "negative", "正向", "逆向"]})
    ws.data_validation(1, col["method"], 500, col["method"], {"validate": "list", "source": list(METHODS)})
    ws.data_validation(1, col["transform"], 500, col["transform"], {"validate": "list", "source": ["log"]})
    ws.data_validation(1, col["weight"], 500, col["weight"], {"validate": "decimal", "criteria": ">=", "value": 0,
                                                            "error_title": "权重 weight", "error_message": say("typed_weight")})
    # the total sits right of the table, a column apart: rows typed under the table never meet it;
    # it sums the weight column far below the table (a structured reference would follow it too,
    # but the independent formula engine of the tests cannot read those)
    beside = len(table.columns) + 1
    ws.set_column(beside, beside, 18)
    ws.write(0, beside, "Σ weight 权重合计", s.text)
    weights = f"{layout.ref(1, col['weight'], True, True)}:{layout.ref(INDICATOR_ROWS, col['weight'], True, True)}"
    ws.write_formula(1, beside, f"=SUM({weights})", s.weight, float(table["weight"].sum()))
    ws.conditional_format(1, beside, 1, beside,
                          {"type": "cell", "criteria": "not between", "minimum": 1 - 1e-6, "maximum": 1 + 1e-6, "format": s.bad})
    ws.freeze_panes(1, 2)


def _write_data(ws, s: _Styles, sources: BookSources) -> None:
    ids = list(sources.indicators["id"])
    units = dict(zip(sources.indicators["id"], sources.indicators["unit"]))
    formats = {i: s.percent if units[i] == "%" else s.number for i in ids}
    formats.update(unit=s.text, period=s.text, source=s.note)
    _table(ws, "tblData", sources.data, formats, sources.data_headers(), written=STYLE_ROWS)  # the rest: _table_patch
    ws.set_row(0, 54, s.head)
    ws.set_column(0, 1, 9)
    ws.set_column(2, len(ids) + 1, 11)
    ws.set_column(len(ids) + 2, len(ids) + 2, 60)
    last = max(TYPING_ROWS, len(sources.data) + 1000)  # a long table's rows and a thousand below it
    ws.data_validation(1, 2, last, len(ids) + 1, {"validate": "decimal", "criteria": "between", "minimum": -1e300, "maximum": 1e300,
                                                   "error_title": "数值 number", "error_message": say("typed_number")})
    for (row, ident), note in sources.notes.items():
        ws.write_comment(row + 1, 2 + ids.index(ident), note, {"x_scale": 2.5, "y_scale": 1.6})
    ws.freeze_panes(1, 2)


def _write_settings(ws, s: _Styles, frame: pd.DataFrame) -> None:
    _table(ws, "tblSettings", frame, {"key": s.text, "value": s.text, "description": s.note})
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 90)
    row = settings.ROW
    ws.data_validation(row["dimension_aggregation"], 1, row["index_aggregation"], 1, {"validate": "list", "source": ["arithmetic", "geometric"]})
    ws.data_validation(row["missing"], 1, row["missing"], 1, {"validate": "list", "source": ["error", "reweight", "zero"]})
    ws.data_validation(row["normalize_weights"], 1, row["normalize_weights"], 1, {"validate": "list", "source": ["yes", "no"]})


def _write_cells(ws, s: _Styles, cells: list[Cell]) -> None:
    """Cells from a sheet module, each in the format of its kind."""
    for cell in cells:
        fmt = s.kind(cell.kind)
        if cell.formula is None:
            ws.write(cell.row, cell.col, cell.value, fmt)
        else:
            ws.write_formula(cell.row, cell.col, cell.formula, fmt, cell.value)


def _set_columns(ws, columns: list[Column]) -> None:
    for column in columns:
        options = {"level": column.level, "hidden": column.hidden} if column.level or column.hidden else None
        ws.set_column(column.first, column.last, column.width, None, options)


def _write_scores(ws, s: _Styles, source: scores.ScoresSource) -> None:
    """The Scores cells XlsxWriter writes: every single cell and the first row of each shared
    column (so each style kind has its format); ``anji-xl recalc``'s writer then writes the whole sheet."""
    cells, shared = scores.sheet_cells(source)
    _write_cells(ws, s, cells + [column.first() for column in shared])
    grid = scores.ScoresLayout(len(source.model.indicators), len(source.result.dimensions))
    _set_columns(ws, scores.columns(grid.n, grid.d))
    ws.set_row(0, 20)
    ws.set_row(scores.HEADER_ROW, 60)
    first, last = scores.FIRST_ROW, scores.FIRST_ROW + scores.FORMAT_ROWS
    below_target = f"AND(ISNUMBER({layout.ref(first, grid.dims.start)}),{layout.ref(first, grid.dims.start)}<1)"
    ws.conditional_format(first, grid.dims.start, last, grid.native_scores.stop - 1, {"type": "formula", "criteria": below_target, "format": s.warn})
    ws.conditional_format(first, grid.difference, last, grid.difference,
                          {"type": "cell", "criteria": "not between", "minimum": -scores.TOLERANCE, "maximum": scores.TOLERANCE, "format": s.bad})
    check = layout.ref(first, grid.check, False, True)
    ws.conditional_format(first, grid.check, last, grid.check, {"type": "formula", "criteria": f'AND({check}<>"",LEFT({check},2)<>"OK")', "format": s.bad})
    ws.freeze_panes(scores.FIRST_ROW, 2)


def _write_block(ws, at: tuple[int, int], rows: list[list[object]], s: _Styles, number_from: int = 0) -> None:
    row0, col0 = at
    ws.write_row(row0, col0, rows[0], s.head)
    for r, values in enumerate(rows[1:], start=1):
        for c, value in enumerate(values):
            numeric = c >= number_from and isinstance(value, (int, float)) and not isinstance(value, bool)
            fmt = (s.number if isinstance(value, float) else s.integer) if numeric else s.text
            ws.write(row0 + r, col0 + c, value, fmt)


def _write_results(ws, s: _Styles, blocks: ResultsBlocks) -> None:
    ws.write(0, 0, "Results 结果 — written by 重新计算 Recalculate / anji-xl recalc", s.subtitle)
    ws.write_row(STAMP_ROW, 0, blocks.stamp.rows()[0], s.text)
    _write_block(ws, SUMMARY_AT, blocks.summary.rows(), s, number_from=2)
    _write_block(ws, GAINS_AT, blocks.gains.rows(), s, number_from=6)
    _write_block(ws, WARNINGS_AT, blocks.warnings.rows(), s)
    _write_block(ws, CHOICES_AT, blocks.choices.rows(), s)
    _write_block(ws, VALIDATION_AT, blocks.validation.rows(), s)
    _write_block(ws, FORECAST_AT, blocks.forecast.rows(), s, number_from=1)
    _write_block(ws, FORECAST_INDICATORS_AT, blocks.forecast_indicators.rows(), s, number_from=5)
    _write_block(ws, TRAJECTORY_AT, blocks.trajectory.rows(), s, number_from=2)
    ws.write(VALIDATION_AT[0] - 1, VALIDATION_AT[1], "检查 validation (检查数据 Validate)", s.subtitle)
    target = blocks.forecast.columns[2][0] if blocks.forecast.height else ""
    ws.write(FORECAST_AT[0] - 1, FORECAST_AT[1], f"达标预测 forecast to {target}: index and dimensions per unit", s.subtitle)
    ws.write(FORECAST_INDICATORS_AT[0] - 1, FORECAST_INDICATORS_AT[1], "达标预测 forecast per indicator (key unit|id; off-track key unit|k)", s.subtitle)
    ws.write(TRAJECTORY_AT[0] - 1, TRAJECTORY_AT[1], "预测指数轨迹 forecast index per year (key unit|year)", s.subtitle)
    ws.set_column(FORECAST_INDICATORS_AT[1], FORECAST_INDICATORS_AT[1] + 1, 14)
    ws.set_column(FORECAST_INDICATORS_AT[1] + 4, FORECAST_INDICATORS_AT[1] + 4, 28)
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
    ws.conditional_format(GAINS_AT[0] + 1, gain_col, GAINS_AT[0] + RESULTS_ROWS, gain_col, {"type": "data_bar", "bar_color": "#E26B0A"})
    ws.freeze_panes(SUMMARY_AT[0] + 1, 2)


def _write_dashboard(book, ws, s: _Styles, model: Model, result: IndexResult) -> None:
    unit, period = result.rows[-1]
    _write_cells(ws, s, dashboard.sheet_cells(model, result, unit, period))
    for target, name in ((dashboard.UNIT, "anji_units"), (dashboard.PERIOD, "anji_periods")):
        ws.data_validation(*target, *target, {"validate": "list", "source": f"={name}"})
    ranges = dashboard.chart_ranges(result)
    radar = book.add_chart({"type": "radar", "subtype": "filled"})
    radar.add_series({"name": "得分率 score", "categories": ranges[0][0], "values": ranges[0][1], "fill": {"color": "#70AD47", "transparency": 40}})
    radar.set_title({"name": "维度得分率 dimension scores"})
    radar.set_y_axis({"min": 0, "max": 1})
    radar.set_legend({"none": True})
    line = book.add_chart({"type": "line"})
    line.add_series({"name": "指数 index", "categories": ranges[1][0], "values": ranges[1][1],
                     "marker": {"type": "circle"}, "data_labels": {"value": True, "num_format": "0.000"}})
    line.set_title({"name": "指数变化 index over periods"})
    line.set_legend({"none": True})
    line.show_blanks_as("gap")
    bar = book.add_chart({"type": "bar"})
    bar.add_series({"name": "潜在提升 potential gain", "categories": ranges[2][0], "values": ranges[2][1],
                    "fill": {"color": "#E26B0A"}, "data_labels": {"value": True, "num_format": "0.000"}})
    bar.set_title({"name": "短板 top potential gains"})
    bar.set_y_axis({"reverse": True})
    bar.set_legend({"none": True})
    trajectory = book.add_chart({"type": "line"})
    trajectory.add_series({"name": "预测指数 forecast index", "categories": ranges[3][0], "values": ranges[3][1],
                           "marker": {"type": "circle"}, "line": {"dash_type": "dash"}, "data_labels": {"value": True, "num_format": "0.000"}})
    trajectory.set_title({"name": f"达标预测 trajectory to {model.settings.target_period}"})
    trajectory.set_legend({"none": True})
    trajectory.show_blanks_as("gap")
    for chart, (column, _, _) in zip((radar, line, bar, trajectory), dashboard.CHARTS):
        ws.insert_chart(dashboard.CHARTS_ROW, column, chart, {"x_scale": 1.0, "y_scale": 1.25})
    first = dashboard.TABLE_ROW + 1
    for column, rows in ((dashboard.PERIODS_COLUMN + 1, dashboard.MAX_PERIODS), (dashboard.TRAJECTORY_COLUMN + 1, dashboard.MAX_TRAJECTORY)):
        cell = layout.ref(first, column)  # the empty places' #N/A (a gap in Excel's charts) in the background colour
        ws.conditional_format(first, column, first + rows - 1, column, {"type": "formula", "criteria": f"ISNA({cell})", "format": s.hidden})
    _set_columns(ws, dashboard.COLUMNS)
    ws.set_row(0, 30)
    ws.set_row(dashboard.INDEX[0], 32)
    _buttons(ws, *dashboard.BUTTONS_AT, per_column=4)  # a fifth would reach the charts below


def _write_guide(book, ws, s: _Styles, standalone: bool, sample: bool) -> None:
    ws.set_column(0, 0, 110)
    lines = guide.lines(standalone, sample)
    heights = {"title": 30, "subtitle": 20, "wrap": 80, "note": 96}
    for row, (text, kind) in enumerate(lines):
        ws.write(row, 0, text, s.kind(kind))
        ws.set_row(row, heights[kind])
    status = len(lines)
    formula, shown = guide.status_formula(BUILD_STAMP, XLWINGS_VERSION)
    ws.write_formula(status, 0, formula, s.text, shown)
    for k, (name, text) in enumerate(guide.MESSAGES.items()):
        row = status + 2 + k
        ws.write(row, 0, text, s.note)
        ws.set_row(row, 150)
        book.define_name(name, f"=Guide!$A${row + 1}")
    book.define_name("anji_msg_title", "=Guide!$A$1")
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


def _sheet_cells(path: Path) -> dict[str, list[tuple]] | None:
    """What a book's Indicators, Data and Settings sheets hold (formulas as their text), row by row without
    trailing blanks; None when the file cannot be read as a book."""
    try:
        with path.open("rb") as handle:  # a handle: openpyxl judges a path by its extension (.partial)
            book = openpyxl.load_workbook(handle, read_only=True)
            cells = {}
            for name in ("Indicators", "Data", "Settings"):
                rows = [list(row) for row in book[name].iter_rows(values_only=True)] if name in book.sheetnames else []
                while rows and not any(v is not None for v in rows[-1]):
                    rows.pop()
                cells[name] = [tuple(row[:max((k + 1 for k, v in enumerate(row) if v is not None), default=0)]) for row in rows]
            book.close()
            return cells
    except Exception:  # noqa: BLE001 — any file at all may stand there; unreadable counts as different
        return None


def _refuse_other_tables(out: Path, built: Path) -> None:
    """Refuse to replace a book whose Indicators, Data or Settings differ from those of ``built``: they may be
    a user's own (``build-workbook`` and ``new`` never destroy data; ``--force`` overrides)."""
    if out.exists() and _sheet_cells(out) != _sheet_cells(built):
        raise AnjiInputError([Problem(str(out), say("book_holds_other_data"))])


def build_workbook(out: str | Path | None = None, standalone: bool = False, sources: BookSources | None = None,
                   force: bool = False) -> Path:
    """Write a book from ``sources`` (default: the shipped book, at ``workbook/AnjiIndex.xlsm``)
    and return its path. Its tables are read back as the book's reader reads them, so the cached
    numbers are those ``anji-xl recalc`` computes; a book at ``out`` holding other Indicators,
    Data or Settings is left alone unless ``force``.

    ``standalone``: the installed xlwings' own VBA goes inside instead of the reference to the
    add-in, so the book needs no add-in (built on the user's machine, never committed)."""
    out = Path(out) if out is not None else SHIPPED_BOOK
    sources = sources or shipped_sources()
    tables = read_grid_tables(sources.grids())
    model = tables.model
    result = compute(model, tables.panel)
    if result.problems:
        raise AnjiInputError(result.problems)
    blocks = results_blocks(model, result, BUILD_STAMP)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")  # written whole, then moved into place
    book = xlsxwriter.Workbook(str(partial))
    book.set_properties({"title": f"{model.settings.name} {model.settings.name_en}", "author": "anji-xl", "created": _CREATED})
    book.set_vba_name("ThisWorkbook")
    book.add_vba_project(io.BytesIO(compile_vba_project(SHEETS, standalone)), is_stream=True)
    sheets = {}
    for name, code_name in SHEETS:
        sheets[name] = book.add_worksheet(name)
        sheets[name].set_vba_name(code_name)
        sheets[name].set_landscape()
        sheets[name].fit_to_pages(1, 0)
    for name, reference in {**settings.DEFINED_NAMES, **scores.DEFINED_NAMES, **dashboard.choice_lists()}.items():
        book.define_name(name, reference)
    s = _Styles(book)
    _write_guide(book, sheets["Guide"], s, standalone, sources.sample)
    _write_indicators(sheets["Indicators"], s, sources.indicators)
    _write_data(sheets["Data"], s, sources)
    _write_settings(sheets["Settings"], s, sources.settings_frame())
    scores_source = scores.ScoresSource(model, result, model.indicator_cell, tables.data)
    _write_scores(sheets["Scores"], s, scores_source)
    _write_results(sheets["Results"], s, blocks.head(STYLE_ROWS))  # the rows recalc's writer learns the styles from
    _write_dashboard(book, sheets["Dashboard"], s, model, result)
    _write_xlwings_conf(sheets["xlwings.conf"], s)
    sheets["Guide"].activate()
    try:
        book.close()
        with zipfile.ZipFile(partial) as parts:  # the sheets' rows as anji-xl recalc writes them (XlsxWriter took 25 s for 30,000 rows)
            patches = {
                sheet_part(parts, "Indicators"): _table_patch(sources.indicators),
                sheet_part(parts, "Data"): _table_patch(sources.data, STYLE_ROWS),
                sheet_part(parts, "Settings"): _table_patch(sources.settings_frame()),
                sheet_part(parts, scores.SHEET): scores_patch(scores_source),
                results_part(parts): results_patch(lambda: blocks),
            }
        rewrite_new_file(partial, patches)
        if not force:
            _refuse_other_tables(out, partial)
        os.replace(partial, out)
        replaced.append(out)  # an interrupt from now on says the book is written
    finally:
        partial.unlink(missing_ok=True)
    return out
