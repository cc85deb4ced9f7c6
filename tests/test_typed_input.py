"""Input as typed, continued (issue 16): percentages typed as whole numbers, Chinese-only headers,
directions as typed, and one bad cell that no longer hides the other rows. Books written with
openpyxl in temporary folders; expected numbers worked out by hand in the tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from anji_xl.cli import main
from anji_xl.defaults import SHIPPED_BOOK
from anji_xl.model import parse_direction
from anji_xl.scoring import Fault, is_percent_unit, score_ratio
from conftest import close

ZH_INDICATORS = ["编号", "维度", "名称", "计量单位", "方向", "方法", "参考值", "权重"]
ZH_DATA = ["地区", "时期", "LC3", "G1", "PM1"]
INDICATORS = [  # PM1: a completion rate, which may pass 100 %
    ["LC3", "低碳生产", "清洁能源占比", "%", "正向", "ratio", 0.95, 0.5],
    ["G1", "绿色设施", "人均排放", "t", "−1", "ratio", 2, 0.3],
    ["PM1", "推进机制", "投资完成率", "％", "＋1", "ratio", 1.0, 0.2],
]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write_sheets(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A book of plain ranges, one sheet per entry, header first."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def book_of(path: Path, data: list[list], indicators: list[list] = INDICATORS, missing: str = "reweight") -> Path:
    return write_sheets(path, {"Indicators": [ZH_INDICATORS, *indicators], "Data": [ZH_DATA, *data],
                               "Settings": [["设置项", "值"], ["missing", missing]]})


def strict_json(text: str) -> dict:
    def no_constant(name: str):
        raise ValueError(f"not strict JSON: {name}")

    return json.loads(text, parse_constant=no_constant)


# 4. Percentages typed as whole numbers

@pytest.mark.parametrize(("unit", "percent"), [
    ("%", True), ("％", True), ("百分比", True), ("百分率", True), ("Percent", True), ("%（占比）", True), (" % ", True),
    ("百分点", False), ("‰", False), ("t", False), ("", False), (None, False),
])
def test_units_of_measure_that_are_percentages(unit, percent):
    assert is_percent_unit(unit) is percent


def test_a_percentage_typed_whole_is_a_fault_of_its_element_only():
    values = np.array([0.89, 89.0, 100.0, 150.0, 1.03, 2.0, 2.5, 0.5])
    scored = score_ratio(values, np.array([0.95, 0.95, 0.95, 0.95, 1.0, 1.0, 1.0, 1.0]), 1, 1.0, True)
    # 89 and 100 look like 89 % and 100 %; 1.03 and 2.0 are up to twice the reference 1 (a target
    # over-fulfilled); 2.5 is beyond it; 150 is no percentage at all and left to the ratio
    assert scored.faults.tolist() == [0, 11, 11, 0, 0, 0, 11, 0]
    assert close(scored.scores[0], 0.89 / 0.95) and scored.scores[3] == 1.0 and scored.scores[4] == 1.0 and scored.scores[7] == 0.5
    assert Fault(11) == Fault.PERCENT_AS_WHOLE
    # a small reference leaves less room: 1.2 against 0.5 is 1.2 %, not 240 %
    assert score_ratio(1.2, 0.5, 1, 1.0, True).faults.item() == Fault.PERCENT_AS_WHOLE
    assert score_ratio(89.0, 0.95, 1, 1.0).faults.item() == Fault.OK  # not a percentage unit: capped ratio, as before


def test_89_typed_for_89_percent_is_a_problem_at_its_cell_not_a_full_score(capsys, tmp_path):
    data = [["甲县", 2020, 0.76, 4, 1.03], ["甲县", 2021, 89, 2.5, 0.5], ["乙县", 2020, "85%", 1, 0.9]]
    book = book_of(tmp_path / "percent.xlsx", data)
    code, _, err = run(capsys, "validate", book)
    assert code == 2
    assert err.splitlines() == ["Data!C3: LC3（甲县，2021）：89 看起来是 89% — 请输入 0.89 或 89% · "
                                "LC3 (甲县, 2021): 89 looks like 89% — type 0.89 or 89%"]
    code, out, _ = run(capsys, "compute", book, "--json")
    index = {(r["unit"], r["period"]): r["index"] for r in strict_json(out)["results"]}
    # 甲县 2020: 0.5·0.76/0.95 + 0.3·min(1, 2/4) + 0.2·min(1, 1.03/1) = 0.4 + 0.15 + 0.2 (1.03 is 103 %)
    # 乙县 2020: '85%' is 0.85: 0.5·0.85/0.95 + 0.3·1 + 0.2·0.9
    assert code == 2 and index[("甲县", "2021")] is None
    assert close(index[("甲县", "2020")], 0.75) and close(index[("乙县", "2020")], 0.5 * 0.85 / 0.95 + 0.3 + 0.18)


def test_recalc_writes_nothing_when_a_percentage_is_typed_whole(capsys, tmp_path):
    book = tmp_path / "AnjiIndex.xlsm"
    shutil.copy(SHIPPED_BOOK, book)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    assert str(wb["Data"]["E1"].value).startswith("LC3") and wb["Data"]["A4"].value == "安吉县" and wb["Data"]["B4"].value == 2020
    wb["Data"]["E4"] = 89
    wb.save(book)
    original = book.read_bytes()
    code, out, err = run(capsys, "recalc", book)
    assert code == 2 and out == "" and book.read_bytes() == original
    assert "Data!E4: LC3（安吉县，2020）：89 看起来是 89% — 请输入 0.89 或 89%" in err
    code, out, err = run(capsys, "compute", book, "--json")
    rows = strict_json(out)["results"]
    assert code == 2 and [r["period"] for r in rows if r["index"] is None] == ["2020"]
    assert all(r["index"] is not None for r in rows if r["period"] != "2020")


# 5. Chinese-only headers and directions as typed

def test_chinese_only_headers_in_every_table_are_read(capsys, tmp_path):
    indicators = [["a", "D1", "x", "%", "正向", "ratio", 0.8, 0.6], ["b", "D2", "y", "t", "逆向", "ratio", 2, 0.4]]
    header = ["指标编号", "维度", "指标名称", "单位", "方向", "方法", "参考值（2025年目标）", "权重"]
    book = write_sheets(tmp_path / "zh.xlsx", {
        "Indicators": [header, *indicators],
        "Data": [["评价单位", "年份", "a", "b", "备注"], ["递铺镇", "2021年", 0.4, 4, "统计年鉴"], ["递铺镇", "2020年", 0.7, 1, None]],
        "Settings": [["设置项", "值"], ["cap", None]],  # no cap: 0.7/0.8 stays, 2/1 = 2 is kept
    })
    code, out, err = run(capsys, "compute", book, "--json")
    assert code == 0, err
    index = {r["period"]: r["index"] for r in strict_json(out)["results"]}
    assert close(index["2020"], 0.6 * 0.7 / 0.8 + 0.4 * 2 / 1) and close(index["2021"], 0.6 * 0.5 + 0.4 * 0.5)


def test_the_unit_of_measure_in_data_is_named_for_what_it_is(capsys, tmp_path):
    indicators = [["a", "D1", "x", "%", "正向", "ratio", 0.8, 1.0]]
    book = write_sheets(tmp_path / "measure.xlsx", {"Indicators": [ZH_INDICATORS, *indicators],
                                                    "Data": [["计量单位", "时期", "a"], ["甲县", 2020, 0.4]]})
    code, out, err = run(capsys, "validate", book)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "Data!A1: Data 列 '计量单位' 是指标的计量单位，应写在 Indicators；Data 中被评价的地区一列请写 地区、评价单位 或 unit · "
        "Data column '计量单位' is an indicator's unit of measure, which belongs in Indicators; "
        "name Data's column of evaluated units 地区, 评价单位 or unit",
        "Data!1:1: 表头中没有 'unit' 列 · no 'unit' column in the header",
    ]


def test_english_and_chinese_names_of_one_column_are_one_column_twice(capsys, tmp_path):
    header = ["id", "编号", "dimension", "direction", "reference", "weight"]
    book = write_sheets(tmp_path / "twice.xlsx", {"Indicators": [header, ["a", "a", "D1", 1, 1, 1.0]],
                                                  "Data": [["unit", "period", "a"], ["u", 2020, 0.5]]})
    code, _, err = run(capsys, "validate", book)
    assert code == 2 and err.startswith("Indicators!B1: 列 'id' 出现两次（另见 A 列） · column 'id' appears twice (also A)")


@pytest.mark.parametrize(("typed", "direction"), [
    ("−1", -1), ("－1", -1), ("＋1", 1), ("+1", 1), ("１", 1), ("－１", -1), ("-1.0", -1), (" 逆向 ", -1), ("Positive", 1),
    ("+-1", None), ("2", None), ("—", None), ("", None),
])
def test_directions_as_typed(typed, direction):
    assert parse_direction(typed) == direction


def test_directions_typed_with_a_minus_sign_or_full_width_compute_and_bad_ones_name_their_cell(capsys, tmp_path):
    indicators = [["a", "D1", "x", "", "−1", "ratio", 1, 0.5], ["b", "D1", "y", "", "＋1", "ratio", 1, 0.5]]
    book = write_sheets(tmp_path / "minus.xlsx", {"Indicators": [ZH_INDICATORS, *indicators],
                                                  "Data": [["地区", "时期", "a", "b"], ["u", 2020, 4, 0.5]]})
    code, out, _ = run(capsys, "compute", book, "--json")
    assert code == 0 and close(strict_json(out)["results"][0]["index"], 0.5 * 1 / 4 + 0.5 * 0.5)
    indicators[1][4] = "+2"
    book = write_sheets(tmp_path / "two.xlsx", {"Indicators": [ZH_INDICATORS, *indicators],
                                                "Data": [["地区", "时期", "a", "b"], ["u", 2020, 4, 0.5]]})
    code, out, err = run(capsys, "compute", book)
    assert code == 2 and out == "" and err.startswith("Indicators!E3: 无法识别的方向 '+2'")


# 7. One bad cell does not hide the rest

PARTIAL = [
    ["甲县", 2020, 0.76, 4, 1.03],  # 0.5·0.8 + 0.3·0.5 + 0.2·1 = 0.75
    ["甲县", 2021, 89, 2.5, 0.5],  # C3: a percentage typed whole (an engine problem)
    ["乙县", 2020, 0.57, "abc", 0.9],  # D4: not a number (a reader problem; reweight would drop it silently)
    ["乙县", 2021, 0.57, 1, 0.5],  # 0.5·0.6 + 0.3·1 + 0.2·0.5 = 0.7
]


def test_compute_json_gives_every_row_null_where_there_is_a_problem_and_exits_2(capsys, tmp_path):
    book = book_of(tmp_path / "partial.xlsx", PARTIAL)
    code, out, err = run(capsys, "compute", book, "--json")
    assert code == 2
    rows = {(r["unit"], r["period"]): r for r in strict_json(out)["results"]}
    assert list(rows) == [("甲县", "2020"), ("甲县", "2021"), ("乙县", "2020"), ("乙县", "2021")]
    assert close(rows[("甲县", "2020")]["index"], 0.75) and close(rows[("乙县", "2021")]["index"], 0.7)
    assert close(rows[("甲县", "2020")]["contributions"]["推进机制"], 0.2) and close(rows[("乙县", "2021")]["scores"]["LC3"], 0.6)
    for key in (("甲县", "2021"), ("乙县", "2020")):
        row = rows[key]
        assert row["index"] is None and set(row["dimensions"].values()) == {None}
        assert set(row["scores"].values()) == {None} and set(row["contributions"].values()) == {None}
    assert err.splitlines() == [
        "Data!D4: 'abc' 不是数字 · 'abc' is not a number",
        "Data!C3: LC3（甲县，2021）：89 看起来是 89% — 请输入 0.89 或 89% · LC3 (甲县, 2021): 89 looks like 89% — type 0.89 or 89%",
    ]


def test_compute_text_marks_the_rows_with_problems_and_ranks_the_others(capsys, tmp_path):
    book = book_of(tmp_path / "partial.xlsx", PARTIAL)
    code, out, err = run(capsys, "compute", book)
    assert code == 2
    assert "× 甲县 2021   未计算：问题见 Data!C3 · not computed: problems at Data!C3" in out.splitlines()
    assert "× 乙县 2020   未计算：问题见 Data!D4 · not computed: problems at Data!D4" in out.splitlines()
    assert "甲县 2020   综合指数 Composite index 0.7500" in out and "乙县 2021   综合指数 Composite index 0.7000" in out  # no name in its Settings
    assert "排名 rank" not in out  # each period has one row with an index: nothing to rank it against
    assert err.splitlines()[-2:] == [
        "Data!D4: 'abc' 不是数字 · 'abc' is not a number",
        "Data!C3: LC3（甲县，2021）：89 看起来是 89% — 请输入 0.89 或 89% · LC3 (甲县, 2021): 89 looks like 89% — type 0.89 or 89%",
    ]


def test_compute_of_one_unit_lists_only_its_problems(capsys, tmp_path):
    book = book_of(tmp_path / "partial.xlsx", PARTIAL)
    code, out, err = run(capsys, "compute", book, "--json", "--unit", "乙县")
    rows = strict_json(out)["results"]
    assert code == 2 and [(r["period"], r["index"] is None) for r in rows] == [("2020", True), ("2021", False)]
    assert err.splitlines() == ["Data!D4: 'abc' 不是数字 · 'abc' is not a number"]
    code, out, err = run(capsys, "compute", book, "--json", "--period", "2020", "--unit", "甲县")
    assert code == 0 and err == "" and close(strict_json(out)["results"][0]["index"], 0.75)


def test_a_model_problem_leaves_every_row_marked_and_every_number_null(capsys, tmp_path):
    indicators = [row[:] for row in INDICATORS]
    indicators[1][7] = 0.4  # weights sum to 1.1
    book = book_of(tmp_path / "weights.xlsx", PARTIAL[:1], indicators)
    code, out, err = run(capsys, "compute", book, "--json")
    row = strict_json(out)["results"][0]
    assert code == 2 and row["index"] is None and set(row["scores"].values()) == {None}
    assert err.startswith("Indicators!H2:H4: 权重之和为 1.1")
    code, out, _ = run(capsys, "compute", book)
    assert out.strip() == "× 甲县 2020   未计算：见错误输出所列问题 · not computed: see the problems listed on stderr"


def test_a_minus_sign_in_a_value_is_read_as_minus(capsys, tmp_path):
    book = book_of(tmp_path / "minus.xlsx", [["甲县", 2020, "−0.5", 4, 1.0]])
    code, _, err = run(capsys, "validate", book)
    assert code == 2 and err.splitlines()[-1] == "Data!C2: LC3（甲县，2020）：数值 -0.5 为负数 · LC3 (甲县, 2020): the value -0.5 is negative"
