"""Shared builders: small models and workbooks written with openpyxl (not our own builder)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.table import Table

from anji_xl import Model, Panel, Settings

if os.environ.get("ANJI_TEST_PIECES"):
    # ANJI_TEST_PIECES=3 python -m pytest …: every Data sheet this process reads is read in
    # pieces of 3 KB where its rows can be cut (anji_xl.io.sheet_pieces), however small; a command
    # run as a process of its own reads as shipped. The suite must pass the same either way.
    from anji_xl.io import sheet_pieces

    sheet_pieces.PIECES_FROM, sheet_pieces.PIECE_SIZE = 0, 1000 * int(os.environ["ANJI_TEST_PIECES"])

FIELDS = ("dimension", "direction", "method", "reference", "lower", "upper", "transform", "weight")


def make_model(rows: dict[str, dict], **settings) -> Model:
    """A model from ``{id: {field: value}}``; unspecified fields take neutral defaults."""
    defaults = {"direction": 1, "method": "ratio", "reference": np.nan, "lower": np.nan, "upper": np.nan, "transform": ""}
    table = pd.DataFrame([{**defaults, **fields} for fields in rows.values()], index=pd.Index(list(rows), name="id"))
    return Model(table[list(FIELDS)], Settings(**settings))


def make_panel(values: dict[tuple[str, str], dict[str, float]]) -> Panel:
    frame = pd.DataFrame.from_dict(values, orient="index", dtype=float)
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["unit", "period"])
    return Panel(frame)


INDICATOR_HEADER = ["id 编号", "dimension 维度", "name 名称", "direction 方向", "method 方法", "reference 参考值", "weight 权重"]


def write_book(
    path: Path,
    indicators: list[list],
    data: list[list],
    settings: list[list] | None = None,
    indicator_header: list[str] = INDICATOR_HEADER,
    data_header: list[str] | None = None,
    tables: bool = True,
) -> Path:
    """An .xlsx in the SPEC §4 layout; as Excel tables (tblIndicators …) or plain ranges."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    ids = [row[0] for row in indicators]
    sheets = {
        "Indicators": [indicator_header, *indicators],
        "Data": [data_header or ["unit 单位", "period 时期", *ids], *data],
    }
    if settings is not None:
        sheets["Settings"] = [["key 设置项", "value 值"], *settings]
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
        if tables:
            ref = f"A1:{openpyxl.utils.get_column_letter(len(rows[0]))}{max(len(rows), 2)}"
            ws.add_table(Table(displayName=f"tbl{name}", ref=ref))
    book.save(path)
    return path


@pytest.fixture
def anji_like_book(tmp_path: Path) -> Path:
    """Two dimensions, a growth indicator, two units over three years."""
    indicators = [
        ["E1", "低碳生产", "能耗", "逆向", "ratio", 0.5, 0.3],
        ["E2", "低碳生产", "能源总量", "negative", "growth", 0.03, 0.2],
        ["G1", "绿色设施", "绿色建筑", "正向", "ratio", 0.7, 0.5],
    ]
    data = [
        ["甲县", 2018, 0.6, 100, 0.35],
        ["甲县", 2019, 0.5, 105, 0.56],
        ["甲县", 2020, 0.4, 106, 0.84],
        ["乙县", 2019, 1.0, 50, 0.7],
        ["乙县", 2020, 0.8, 60, 0.14],
    ]
    return write_book(tmp_path / "anji_like.xlsx", indicators, data, [["missing", "reweight"]])


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=0, abs_tol=tol)
