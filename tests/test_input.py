"""Input as statisticians type it (issue 9): periods, typos in dimension names, numbers stored as
text, yearbook no-data marks, every problem in one pass, units in Data's order. Real workbooks
written with openpyxl in temporary folders; expected numbers worked out by hand."""

from __future__ import annotations

import json
import math

import pytest

from anji_xl.book.results import results_blocks
from anji_xl.cli import main
from anji_xl.engine import compute, period_order
from anji_xl.io.parse import cell_number, period_label
from anji_xl.io.read_book import read_book
from conftest import close, write_book

INDICATORS = [
    ["E1", "低碳生产", "能耗", "正向", "ratio", 1.0, 0.5],
    ["T", "绿色设施", "总量", "positive", "growth", 0.0, 0.5],  # X = min(1, v_t / v_(t-1)) with g_ref = 0
]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("typed", "number", "kind"), [
    (0.5, 0.5, "number"), ("0.8517", 0.8517, "text"), ("'0.8517", 0.8517, "text"), ("1,234.5", 1234.5, "text"),
    ("85%", 0.85, "text"), ("０.８５", 0.85, "text"), (" 12 ", 12.0, "text"), ("８５％", 0.85, "text"),
    ("—", math.nan, "no_data"), ("-", math.nan, "no_data"), ("/", math.nan, "no_data"), ("NA", math.nan, "no_data"),
    ("n/a", math.nan, "no_data"), ("无", math.nan, "no_data"), ("#N/A", math.nan, "no_data"), ("－", math.nan, "no_data"),
    (None, math.nan, "blank"), ("  ", math.nan, "blank"),
    ("abc", math.nan, "bad"), ("1,2", math.nan, "bad"), ("12,34.5", math.nan, "bad"), ("inf", math.nan, "bad"),
    ("1_000", math.nan, "bad"), (True, math.nan, "bad"), (float("inf"), math.nan, "bad"),
])
def test_cells_read_as_a_statistician_means_them(typed, number, kind):
    value, how = cell_number(typed)
    assert how == kind and (value == pytest.approx(number) if kind in ("number", "text") else math.isnan(value))


def test_true_among_numbers_is_not_a_number_and_0_1_and_whole_numbers_are(tmp_path):
    """Data whose only cell that is not a number is TRUE (read as 1 by a float conversion): it is
    a problem at its cell, in a book (python-calamine) and in a range handed over by Excel; 0, 1
    and a whole number are numbers."""
    from anji_xl.io.parse import inspect_grid_tables
    from anji_xl.io.read_book import inspect_book

    data = [["甲县", 2019, 1.0, 100.0], ["甲县", 2020, 0.0, 2], ["乙县", 2020, True, 1.0]]
    book = write_book(tmp_path / "true.xlsx", INDICATORS, data, [["missing", "reweight"]])
    grids = {"Indicators": ([["id", "dimension", "area", "direction", "method", "reference", "weight"], *INDICATORS], 1, 1),
             "Data": ([["unit", "period", "E1", "T"], *[[u, float(p), *v] for u, p, *v in data]], 1, 1),
             "Settings": ([["key", "value"], ["missing", "reweight"]], 1, 1)}
    for tables, problems in (inspect_book(book), inspect_grid_tables(grids)):
        assert [(p.where, p.message) for p in problems] == [("Data!C4", "True 不是数字 · True is not a number")]
        values = tables.panel.values
        assert values.loc[("甲县", "2020")].tolist() == [0.0, 2.0] and values.loc[("甲县", "2019")].tolist() == [1.0, 100.0]
        assert math.isnan(values.at[("乙县", "2020"), "E1"]) and values.at[("乙县", "2020"), "T"] == 1.0


@pytest.mark.parametrize(("typed", "label"), [
    (2020, "2020"), (2020.0, "2020"), ("2020.0", "2020"), (" 2020", "2020"), ("2020年", "2020"), ("2020 年度", "2020"),
    ("２０２０年", "2020"), ("2020Q1", "2020Q1"), (2018.5, "2018.5"),
])
def test_periods_read_as_typed(typed, label):
    assert period_label(typed) == label


def test_periods_typed_2020年_2020_0_and_space_2020_are_2020_and_growth_follows_them(capsys, tmp_path):
    data = [
        ["甲县", 2018, 0.5, 100],
        ["甲县", "2019年", 0.5, 110],
        ["甲县", " 2020", 0.5, 99],
        ["乙县", 2019.0, 1.0, 200],
        ["乙县", "2020.0", 1.0, 180],
    ]
    book = write_book(tmp_path / "periods.xlsx", INDICATORS, data, [["missing", "reweight"]])
    code, out, _ = run(capsys, "compute", book, "--json")
    assert code == 0
    index = {(r["unit"], r["period"]): r["index"] for r in json.loads(out)["results"]}
    # 甲县 2019: 0.5·0.5 + 0.5·min(1, 110/100) = 0.75; 2020: 0.25 + 0.5·99/110 = 0.7; 乙县 2020: 0.5 + 0.5·0.9
    assert list(index) == [("甲县", "2018"), ("甲县", "2019"), ("甲县", "2020"), ("乙县", "2019"), ("乙县", "2020")]
    assert close(index[("甲县", "2019")], 0.75) and close(index[("甲县", "2020")], 0.7) and close(index[("乙县", "2020")], 0.95)


def test_a_period_that_cannot_be_placed_is_a_problem_at_its_cell_and_reorders_nothing(capsys, tmp_path):
    data = [["甲县", 2019, 0.5, 100], ["甲县", 2020, 0.5, 110], ["乙县", "第三期", 1.0, 100], ["乙县", 2019, 1.0, 200]]
    book = write_book(tmp_path / "unplaced.xlsx", INDICATORS, data, [["missing", "reweight"]])
    code, _, err = run(capsys, "validate", book)
    assert code == 2
    assert err.splitlines() == ["Data!B4: 无法确定时期 '第三期' 在时间上的位置（请写年份，如 2020、2020Q1、2020-10） · "
                                "period '第三期' cannot be placed in time (write a year: 2020, 2020Q1, 2020-10)"]
    assert period_order(["2020", "第三期", "2019"]) == ["2019", "2020", "第三期"]  # the others keep their time order


def test_a_dimension_one_character_from_another_is_a_warning_at_its_cell(capsys, tmp_path):
    indicators = [INDICATORS[0], ["E2", "低碳生产", "x", "正向", "ratio", 1.0, 0.25], ["E3", "低碳生成", "y", "正向", "ratio", 1.0, 0.25]]
    book = write_book(tmp_path / "typo.xlsx", indicators, [["甲县", 2020, 1.0, 1.0, 1.0]])
    code, out, _ = run(capsys, "compute", book, "--json")
    assert code == 0
    assert json.loads(out)["warnings"] == ["Indicators!B4: 维度 '低碳生成' 与 '低碳生产'（Indicators!B2）只差一个字，是否笔误？ · "
                                           "dimension '低碳生成' is one character away from '低碳生产' (Indicators!B2); a typo?"]
    numbered = [["a", "D1", "x", "正向", "ratio", 1.0, 0.5], ["b", "D2", "y", "正向", "ratio", 1.0, 0.5]]
    code, out, _ = run(capsys, "compute", write_book(tmp_path / "numbered.xlsx", numbered, [["u", 2020, 1.0, 1.0]]), "--json")
    assert code == 0 and json.loads(out)["warnings"] == []  # D1 / D2 is a series, not a typo


def test_numbers_stored_as_text_and_no_data_marks_each_give_one_warning_listing_the_cells(capsys, tmp_path):
    indicators = [["a", "A", "x", "正向", "ratio", "1,000", 0.25], ["b", "A", "y", "正向", "ratio", 1, 0.25],
                  ["c", "B", "z", "正向", "ratio", "100%", 0.25], ["d", "B", "w", "正向", "ratio", 1, 0.25]]
    data = [["甲县", 2020, "850", "０.５", "85%", "—"], ["乙县", 2020, "1,234.5", "NA", "'0.8517", "无"]]
    book = write_book(tmp_path / "text.xlsx", indicators, data, [["missing", "reweight"]])
    code, out, _ = run(capsys, "compute", book, "--json")
    assert code == 0
    document = json.loads(out)
    assert document["warnings"][:2] == [
        "以文本形式存储的数字已按数字读取：Indicators!F2, Indicators!F4, Data!C2, Data!D2, Data!E2, Data!C3, Data!E3 · "
        "numbers stored as text were read as numbers: Indicators!F2, Indicators!F4, Data!C2, Data!D2, Data!E2, Data!C3, Data!E3",
        "无数据标记（—、-、/、NA、N/A、无、#N/A）按缺失值读取：Data!F2, Data!D3, Data!F3 · "
        "no-data marks (—, -, /, NA, N/A, 无, #N/A) were read as missing values: Data!F2, Data!D3, Data!F3",
    ]
    scores = {r["unit"]: r["scores"] for r in document["results"]}
    assert scores["甲县"] == {"a": 0.85, "b": 0.5, "c": 0.85, "d": None}
    assert scores["乙县"] == {"a": 1.0, "b": None, "c": 0.8517, "d": None}
    # 甲县: A keeps its 0.5 over a and b; B has only c, which carries B's 0.5: 0.25·0.85 + 0.25·0.5 + 0.5·0.85
    assert close(json.loads(out)["results"][0]["index"], 0.25 * 0.85 + 0.25 * 0.5 + 0.5 * 0.85)


def test_validate_lists_read_and_engine_problems_in_one_pass(capsys, tmp_path):
    data = [["甲县", 2019, "abc", 100], ["甲县", 2020, -0.5, 110], ["乙县", 2020, 0.5, "12,34"]]
    book = write_book(tmp_path / "both.xlsx", INDICATORS, data, [["missing", "reweight"]])
    code, _, err = run(capsys, "validate", book)
    assert code == 2
    assert err.splitlines() == [
        "Data!C2: 'abc' 不是数字 · 'abc' is not a number",
        "Data!D4: '12,34' 不是数字 · '12,34' is not a number",
        "Data!C3: E1（甲县，2020）：数值 -0.5 为负数 · E1 (甲县, 2020): the value -0.5 is negative",
    ]
    code, out, err = run(capsys, "compute", book)  # every row has a problem: each is a marked line, the problems follow
    assert code == 2 and "Data!C2" in err
    assert [line for line in out.splitlines() if line] == ["× 甲县 2019   未计算：问题见 Data!C2 · not computed: problems at Data!C2",
                                                           "× 甲县 2020   未计算：问题见 Data!C3 · not computed: problems at Data!C3",
                                                           "× 乙县 2020   未计算：问题见 Data!D4 · not computed: problems at Data!D4"]


def test_units_keep_the_order_in_which_data_first_lists_them(capsys, tmp_path):
    data = [["乙县", 2020, 1.0, 10], ["甲县", 2019, 0.5, 10], ["Anji", 2020, 0.5, 10], ["甲县", 2020, 0.5, 10], ["乙县", 2019, 1.0, 10]]
    book = write_book(tmp_path / "order.xlsx", INDICATORS, data, [["missing", "reweight"]])
    code, out, _ = run(capsys, "compute", book, "--json")
    assert code == 0
    rows = [(r["unit"], r["period"]) for r in json.loads(out)["results"]]
    assert rows == [("乙县", "2019"), ("乙县", "2020"), ("甲县", "2019"), ("甲县", "2020"), ("Anji", "2020")]
    code, out, _ = run(capsys, "compute", book)
    assert out.index("乙县 2019") < out.index("甲县 2019") < out.index("Anji 2020")
    model, panel = read_book(book)
    blocks = results_blocks(model, compute(model, panel), "now")
    assert blocks.summary.columns[0] == ["乙县", "乙县", "甲县", "甲县", "Anji"]
    assert [unit for unit in blocks.choices.columns[0] if unit] == ["乙县", "甲县", "Anji"]  # the Dashboard's list of units


def test_every_warning_of_the_engine_names_its_cells(capsys, tmp_path):
    """SPEC: messages, warnings too, always name the cell: the weights rescaled (their range),
    the values a row misses (under reweight) and the dimension they empty, the growth rates
    annualised across a gap, the indicator whose values are all equal in a period (its method)."""
    indicators = [["g", "A", "x", "正向", "growth", 0.05, 50], ["m", "A", "y", "正向", "minmax", None, 30], ["r", "B", "z", "正向", "ratio", 1.0, 20]]
    data = [["甲县", 2017, 100.0, 3.0, 0.5], ["甲县", 2020, 121.0, 3.0, None]]  # a gap, one unit (all equal), r missing in 2020
    book = write_book(tmp_path / "warned.xlsx", indicators, data, [["missing", "reweight"], ["normalize_weights", "yes"]])
    code, out, _ = run(capsys, "compute", book, "--json")
    warnings = json.loads(out)["warnings"]
    assert code == 0
    at = [tuple(w.split(": ", 1)) for w in warnings]
    assert [cell for cell, _ in at] == ["Indicators!G2:G4", "Data!C2", "Data!E3", "Data!E3", "Data!C3", "Indicators!E3", "Indicators!E3"]
    assert [said.split("：")[:2] for _, said in at] == [
        ["权重之和为 100，已按 normalize_weights = yes 归一为 1 · weights summed to 100; rescaled to 1 (normalize_weights = yes)"],
        ["甲县 2017", "缺失的 g 不计入，其维度内权重重新分配（missing = reweight） · 甲县 2017: missing g left out; weights rescaled within their dimension (missing = reweight)"],
        ["甲县 2020", "缺失的 r 不计入，其维度内权重重新分配（missing = reweight） · 甲县 2020: missing r left out; weights rescaled within their dimension (missing = reweight)"],
        ["甲县 2020", "维度 B 没有数值，其权重按比例分给其他维度 · 甲县 2020: dimension B has no values; its weight shared over the other dimensions"],
        ["甲县 2020", "g 自 2017 以来的增长率按 3 期年化"],
        ["m 2017", "所有单位数值相同；min–max 得分为 1，z 分数为 0 · m 2017: all units have the same value; min–max scores 1, z-scores 0"],
        ["m 2020", "所有单位数值相同；min–max 得分为 1，z 分数为 0 · m 2020: all units have the same value; min–max scores 1, z-scores 0"],
    ]
    # and the row each concerns, for the report's sections: none for the weights and the all-equal periods
    assert compute(*read_book(book)).warning_rows == [None, ("甲县", "2017"), ("甲县", "2020"), ("甲县", "2020"), ("甲县", "2020"), None, None]
