"""Build the shipped workbook from the project's own sources (``anji-xl build-workbook``).

XlsxWriter writes it: it is the library that writes new books with everything SPEC §4 needs —
Excel tables, cached formula values, charts, form buttons and a VBA project — while openpyxl
is kept for reading and editing existing books.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xlsxwriter

from .defaults import DEFAULT_SETTINGS, default_indicators, sample_data

#: Bilingual header labels; readers match on the first token, so the label is free text.
LABELS = {
    "id": "编号", "dimension": "维度", "area": "重点领域", "name": "指标名称", "name_en": "English name",
    "unit": "单位", "direction": "方向", "method": "方法", "reference": "参考值", "lower": "下限",
    "upper": "上限", "transform": "变换", "weight": "权重", "source": "来源", "period": "时期",
    "key": "设置项", "value": "值", "description": "说明",
}
_WIDTHS = {"id": 7, "dimension": 11, "area": 16, "name": 34, "name_en": 40, "unit": 13, "direction": 12,
           "method": 11, "reference": 12, "lower": 9, "upper": 9, "transform": 12, "weight": 10, "source": 60}


def header(key: str) -> str:
    """``'weight 权重'``: the key first, then the label."""
    return f"{key} {LABELS[key]}" if key in LABELS else key


class _Styles:
    def __init__(self, book: xlsxwriter.Workbook):
        base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "top"}
        self.text = book.add_format(base)
        self.wrap = book.add_format({**base, "text_wrap": True})
        self.number = book.add_format({**base, "num_format": "0.0000"})
        self.percent = book.add_format({**base, "num_format": "0.00%"})
        self.weight = book.add_format({**base, "num_format": "0.000"})
        self.title = book.add_format({**base, "bold": True, "font_size": 16, "font_color": "#1F5130"})
        self.note = book.add_format({**base, "font_color": "#595959", "text_wrap": True})


def _table(ws, name: str, frame: pd.DataFrame, formats: dict[str, object], first_row: int = 0) -> None:
    """Write ``frame`` as the Excel table ``name`` with bilingual headers, one format per column."""
    columns = [{"header": header(col), "format": formats.get(col)} for col in frame.columns]
    rows = frame.astype(object).where(frame.notna(), None).values.tolist()
    ws.add_table(first_row, 0, first_row + max(len(rows), 1), len(columns) - 1,
                 {"name": name, "columns": columns, "data": rows, "style": "Table Style Medium 7"})
    ws.freeze_panes(first_row + 1, 2)


def _write_indicators(book, styles: _Styles) -> pd.DataFrame:
    table = default_indicators()
    for key in ("reference", "lower", "upper", "weight"):
        table[key] = pd.to_numeric(table[key].replace("", None))
    ws = book.add_worksheet("Indicators")
    formats = {key: styles.wrap if key in ("name", "name_en", "source") else styles.text for key in table.columns}
    formats.update(reference=styles.number, lower=styles.number, upper=styles.number, weight=styles.weight)
    _table(ws, "tblIndicators", table, formats)
    for k, col in enumerate(table.columns):
        ws.set_column(k, k, _WIDTHS.get(col, 12))
    return table


def _write_data(book, styles: _Styles, indicators: pd.DataFrame) -> None:
    sample = sample_data()
    wide = sample.wide().reset_index()
    stated = sample.long[~sample.long["source"].str.startswith("illustrative")]
    row_source = {
        key: "报告 report: " + ", ".join(group["id"]) + "; 其余为示例 others illustrative — replace with official data"
        for key, group in stated.groupby(["unit", "period"])
    }
    wide["source"] = [row_source.get((u, p), "illustrative — replace with official data") for u, p in zip(wide["unit"], wide["period"])]
    # Years are written as numbers, so Excel sorts and filters them as years.
    periods = wide["period"].astype(int) if wide["period"].str.isdigit().all() else wide["period"]
    position = {key: row + 1 for row, key in enumerate(zip(wide["unit"], wide["period"]))}
    wide["period"] = periods
    names = dict(zip(indicators["id"], indicators["name"]))
    units = dict(zip(indicators["id"], indicators["unit"]))
    ws = book.add_worksheet("Data")
    formats = {i: styles.percent if units[i] == "%" else styles.number for i in names}
    formats["source"] = styles.note
    columns = [{"header": header(c) if c in LABELS else f"{c} {names[c]}", "format": formats.get(c)} for c in wide.columns]
    rows = wide.astype(object).where(wide.notna(), None).values.tolist()
    ws.add_table(0, 0, len(rows), len(columns) - 1, {"name": "tblData", "columns": columns, "data": rows, "style": "Table Style Medium 7"})
    ws.freeze_panes(1, 2)
    ws.set_row(0, 48, styles.wrap)
    ws.set_column(0, 1, 10)
    ws.set_column(2, len(columns) - 2, 12)
    ws.set_column(len(columns) - 1, len(columns) - 1, 60)
    col_of = {c: k for k, c in enumerate(wide.columns)}
    for record in stated.itertuples():
        ws.write_comment(position[(record.unit, record.period)], col_of[record.id], f"来源 source: {record.source}", {"x_scale": 2.5, "y_scale": 1.5})


def _write_settings(book, styles: _Styles) -> None:
    ws = book.add_worksheet("Settings")
    frame = pd.DataFrame(DEFAULT_SETTINGS, columns=["key", "value", "description"])
    _table(ws, "tblSettings", frame, {"key": styles.text, "value": styles.text, "description": styles.note})
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 80)


def _write_guide(book, styles: _Styles) -> None:
    ws = book.add_worksheet("Guide")
    ws.set_column(0, 0, 110)
    lines = [
        ("绿色智慧城市评价“安吉指数” · Anji Index (green smart city evaluation)", styles.title),
        ("本工作簿计算安吉指数及其他综合指数。This workbook computes the Anji Index and other composite indices.", styles.wrap),
        ("方法 Method: 得分率 X = min(上限, 现值 / 参考值)（逆向指标 参考值 / 现值）；指数 Y = Σ 权重 × 得分率。"
         " Score X = min(cap, value / reference) (negative indicators: reference / value); index Y = Σ W·X.", styles.wrap),
        ("Sheets: Indicators 指标 · Data 数据 · Settings 设置. 命令行 Command line: anji-xl compute AnjiIndex.xlsx", styles.wrap),
        ("注意 Note: 报告公布的 2020 年安吉指数 0.9241 无法由示例数据复现（报告未公布指标表与数据）。"
         " The report's published 2020 value 0.9241 cannot be reproduced from this sample data.", styles.note),
    ]
    for row, (text, fmt) in enumerate(lines):
        ws.write(row, 0, text, fmt)


def build_workbook(out: str | Path) -> Path:
    """Write the default book to ``out`` and return its path."""
    out = Path(out)
    book = xlsxwriter.Workbook(str(out))
    styles = _Styles(book)
    _write_guide(book, styles)
    indicators = _write_indicators(book, styles)
    _write_data(book, styles, indicators)
    _write_settings(book, styles)
    book.close()
    return out
