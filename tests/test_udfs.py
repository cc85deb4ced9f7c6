"""The worksheet functions as Excel sees and calls them (through xlwings' own code)."""

from __future__ import annotations

import io
import math
import sys

import numpy as np
import pytest

import xlwings_harness as xl
from anji_xl import compute
from anji_xl.aggregation import aggregate, membership_matrix, row_weights
from anji_xl.scoring import score_growth, score_ratio
from conftest import make_model, make_panel

SPEC_FUNCTIONS = {
    "ANJI_SCORE": ["value", "reference", "direction", "cap"],
    "ANJI_GROWTH_SCORE": ["current", "previous", "reference_growth", "direction", "cap"],
    "ANJI_NORMALIZE": ["values", "method", "reference_or_lower", "upper", "direction", "transform"],
    "ANJI_DIM": ["dimension", "dimensions", "scores", "weights", "method", "missing"],
    "ANJI_INDEX": ["scores", "weights", "dimensions", "method", "missing"],
    "ANJI_TABLE": ["data", "indicators", "settings"],
    "ANJI_GAINS": ["ids", "scores", "weights", "n"],
    "ANJI_SENSITIVITY": ["data", "indicators", "settings"],
    "ANJI_CHECK": ["indicators"],
    "ANJI_EXPLAIN": ["value", "reference", "direction"],
    "ANJI_VERSION": [],
}
REQUIRED = {"ANJI_SCORE": 2, "ANJI_GROWTH_SCORE": 3, "ANJI_NORMALIZE": 2, "ANJI_DIM": 4, "ANJI_INDEX": 2, "ANJI_TABLE": 2,
            "ANJI_GAINS": 3, "ANJI_SENSITIVITY": 2, "ANJI_CHECK": 1, "ANJI_EXPLAIN": 2, "ANJI_VERSION": 0}


# --- registration ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(SPEC_FUNCTIONS))
def test_registered_metadata(name):
    meta = xl.FUNCTIONS[name].__xlfunc__
    assert meta["name"] == name and meta["category"] == "Anji Index" and not meta["sub"]
    assert meta["volatile"] is False and meta["call_in_wizard"] is True
    assert [a["name"] for a in meta["args"]] == SPEC_FUNCTIONS[name]
    assert sum("optional" not in a for a in meta["args"]) == REQUIRED[name]
    assert "·" in meta["ret"]["doc"] and len(meta["ret"]["doc"]) <= 255  # bilingual, fits the wizard
    for arg in meta["args"]:
        assert not arg["doc"].startswith("Positional argument") and len(arg["doc"]) <= 255
        assert arg["options"] == {"ndim": 2, "err_to_str": True}


def test_vba_wrappers_generated_by_xlwings():
    class Book:
        Name = "AnjiIndex.xlsm"

    out = io.StringIO()
    xl.xlwings_udfs.generate_vba_wrapper("udfs", xl.udfs, out, Book())
    vba = out.getvalue()
    assert vba.count("\nFunction ANJI_") + vba.startswith("Function ANJI_") == len(SPEC_FUNCTIONS)
    assert "Function ANJI_SCORE(value, reference, Optional direction, Optional cap)" in vba
    assert 'ANJI_SCORE = XLPy.CallUDF("udfs", "ANJI_SCORE", Array(value, reference, direction, cap), ThisWorkbook, Application.Caller)' in vba
    assert "Function ANJI_VERSION()" in vba
    assert "Application.Volatile" not in vba


# --- calls: cells, ranges, blanks, text, error cells ----------------------------------------

def test_single_cell_equals_engine_bit_for_bit():
    for v, r, d in [(0.35, 0.7, "positive"), (0.4, 0.32, "逆向"), (0.3, 0.32, -1), (0.0, 5.0, "negative")]:
        expected = score_ratio(v, r, -1 if d in ("逆向", -1, "negative") else 1).scores.item()
        assert xl.call("ANJI_SCORE", v, r, d) == expected


def test_ranges_spill_with_per_cell_results():
    column = ((0.35,), (0.84,), (None,), ("abc",), (-1.0,), (xl.CELL_ERRORS["#N/A"],), (xl.CELL_ERRORS["#DIV/0!"],))
    result = xl.shown(xl.call("ANJI_SCORE", column, 0.7))
    assert result == [[0.5], [1.0], ["#N/A"], ["#VALUE!"], ["#NUM!"], ["#N/A"], ["#VALUE!"]]
    row = ((0.2, 0.4, 0.8),)
    assert xl.call("ANJI_SCORE", row, ((0.4, 0.4, 0.4),)) == [0.5, 1.0, 1.0]  # a 1 × n result (xlwings flattens it)
    grid = ((1.0, 2.0), (3.0, 4.0))
    expected = score_ratio(np.array(grid), np.array([[2.0, 4.0]]), np.array([[1, -1]])).scores.tolist()
    assert xl.call("ANJI_SCORE", grid, ((2.0, 4.0),), ((1, "negative"),)) == expected


def test_cap_omitted_is_one_blank_is_none_and_number_is_cap():
    assert xl.call("ANJI_SCORE", 1.3, 1.0) == 1.0
    assert xl.call("ANJI_SCORE", 1.3, 1.0, "positive", None) == pytest.approx(1.3)  # a blank cap cell
    assert xl.call("ANJI_SCORE", 1.3, 1.0, xl.MISSING, 1.2) == pytest.approx(1.2)  # direction omitted
    assert xl.shown(xl.call("ANJI_SCORE", 1.3, 1.0, "positive", "big")) == "#VALUE!"
    assert xl.shown(xl.call("ANJI_SCORE", 1.3, 1.0, "sideways")) == "#VALUE!"


def test_growth_score_and_errors():
    assert xl.call("ANJI_GROWTH_SCORE", 105.0, 100.0, 0.03) == score_growth(105.0, 100.0, 0.03, -1).scores.item()
    assert xl.call("ANJI_GROWTH_SCORE", 206.0, 200.0, 0.05, "正向") == score_growth(206.0, 200.0, 0.05, 1).scores.item()
    cases = ((100.0, 0.0, 0.03), (0.0, 100.0, 0.03), (100.0, 100.0, -1.0), (-5.0, 100.0, 0.03), (100.0, None, 0.03), ("x", 100.0, 0.03))
    assert [xl.shown(xl.call("ANJI_GROWTH_SCORE", *c)) for c in cases] == ["#NUM!", "#NUM!", "#NUM!", "#NUM!", "#N/A", "#VALUE!"]


def test_normalize_methods():
    values = ((2.0,), (4.0,), (6.0,))
    assert xl.call("ANJI_NORMALIZE", values, "minmax") == [[0.0], [0.5], [1.0]]
    assert xl.call("ANJI_NORMALIZE", values, "efficacy") == [[60.0], [80.0], [100.0]]
    assert xl.call("ANJI_NORMALIZE", values, "zscore") == [[-1.0], [0.0], [1.0]]
    assert xl.call("ANJI_NORMALIZE", 15.0, "goalpost", 10.0, 30.0, "negative") == 0.75
    assert xl.call("ANJI_NORMALIZE", 0.35, "ratio", 0.7) == 0.5
    assert xl.call("ANJI_NORMALIZE", 7500.0, "goalpost", 100.0, 75000.0, xl.MISSING, "log") == pytest.approx(
        (math.log(7500) - math.log(100)) / (math.log(75000) - math.log(100)), abs=1e-15)
    assert xl.shown(xl.call("ANJI_NORMALIZE", 1.0, "growth", 0.03)) == "#VALUE!"
    assert xl.shown(xl.call("ANJI_NORMALIZE", 1.0, "goalpost", 5.0, 5.0)) == "#NUM!"


# --- aggregation functions equal the engine -------------------------------------------------

DIMS = ("A", "A", "B")
WEIGHTS = ((0.3,), (0.2,), (0.5,))  # a column, as in the Indicators sheet


def test_dim_and_index_equal_the_engine_for_rows_of_scores():
    scores = ((0.5, 1.0, 0.25), (1.0, 0.8, 0.6))
    model = make_model({f"i{k}": {"dimension": d, "reference": 1.0, "weight": w[0]} for k, (d, w) in enumerate(zip(DIMS, WEIGHTS))})
    panel = make_panel({("u", str(r)): dict(zip(model.indicators.index, row)) for r, row in enumerate(scores)})
    result = compute(model, panel)
    assert xl.call("ANJI_DIM", "A", (DIMS,), scores, WEIGHTS) == [[v] for v in result.dimension_scores["A"]]
    assert xl.call("ANJI_DIM", (("A", "B"),), (DIMS,), scores[0:1], WEIGHTS) == result.dimension_scores.iloc[0].tolist()
    assert xl.call("ANJI_INDEX", scores, WEIGHTS, (DIMS,)) == [[v] for v in result.index]
    assert xl.call("ANJI_INDEX", scores[0:1], WEIGHTS) == result.index.iloc[0]


def test_index_geometric_and_missing_policies():
    row = ((0.25, None, 0.81),)
    membership = membership_matrix(list(DIMS), ["A", "B"])
    x = np.array([[0.25, np.nan, 0.81]])
    w = row_weights(np.array([0.3, 0.2, 0.5]), ~np.isnan(x), membership, reweight=True)
    expected = aggregate(x, w, membership, "geometric", "geometric").index.item()
    assert xl.call("ANJI_INDEX", row, WEIGHTS, (DIMS,), "geometric", "reweight") == expected
    mixed = aggregate(x, w, membership, "arithmetic", "geometric").index.item()
    assert xl.call("ANJI_INDEX", row, WEIGHTS, (DIMS,), (("arithmetic",), ("geometric",)), "reweight") == mixed
    assert xl.shown(xl.call("ANJI_INDEX", row, WEIGHTS, (DIMS,), (("a", "b", "c"),))) == "#VALUE!"
    assert xl.shown(xl.call("ANJI_INDEX", row, WEIGHTS, (DIMS,))) == "#N/A"  # missing = error
    assert xl.shown(xl.call("ANJI_INDEX", ((None, None, None),), WEIGHTS, (DIMS,), xl.MISSING, "reweight")) == "#N/A"  # nothing left
    assert xl.call("ANJI_INDEX", row, WEIGHTS, (DIMS,), xl.MISSING, "zero") == pytest.approx(0.3 * 0.25 + 0.5 * 0.81, abs=1e-15)
    assert xl.shown(xl.call("ANJI_INDEX", ((0.5, 0.5, 0.5),), ((0.3,), (0.2,), (0.4,)))) == "#VALUE!"  # Σ W = 0.9
    assert xl.shown(xl.call("ANJI_INDEX", ((0.5, "x", 0.5),), WEIGHTS)) == "#VALUE!"
    assert xl.shown(xl.call("ANJI_DIM", "B", (DIMS,), ((0.5, 0.5, 0.5),), ((0.5,), (0.5,), (0.0,)))) == "#DIV/0!"


def test_gains_sorted_and_n():
    ids, scores = (("a1", "a2", "b1"),), ((0.5, 1.0, 0.25),)
    assert xl.call("ANJI_GAINS", ids, scores, WEIGHTS, 2) == [["b1", 0.375], ["a1", 0.15]]
    assert xl.call("ANJI_GAINS", ids, scores, WEIGHTS)[0] == ["b1", 0.375]
    assert [xl.shown(xl.call("ANJI_GAINS", ids, scores, WEIGHTS, n)) for n in (0.0, -1.0, 1.5, "x")] == ["#VALUE!"] * 4


def test_dimension_names_are_trimmed_as_the_reader_trims_them():
    # "A " is dimension A, as in the Indicators table: D_A = (0.3·0.5 + 0.2·1) / 0.5 = 0.7
    assert xl.call("ANJI_DIM", " A", (("A", "A ", "B"),), ((0.5, 1.0, 0.25),), WEIGHTS) == pytest.approx(0.7, abs=1e-15)


def test_cap_text_as_settings_read_it():
    assert xl.call("ANJI_SCORE", 1.3, 1.0, "positive", "1.2") == pytest.approx(1.2)
    assert xl.call("ANJI_SCORE", 1.3, 1.0, "positive", "none") == pytest.approx(1.3)


# --- whole tables ---------------------------------------------------------------------------

INDICATORS = (
    ("id", "dimension", "direction", "method", "reference", "weight"),
    ("E1", "低碳生产", "逆向", "ratio", 0.5, 0.3),
    ("E2", "低碳生产", "negative", "growth", 0.03, 0.2),
    ("G1", "绿色设施", "正向", None, 0.7, 0.5),
)
DATA = (
    ("unit", "period", "E1", "E2", "G1"),
    ("甲县", 2018.0, 0.6, 100.0, 0.35),
    ("甲县", 2019.0, 0.5, 105.0, 0.56),
    ("乙县", 2019.0, 1.0, 50.0, 0.7),
)
SETTINGS = (("key", "value"), ("missing", "reweight"))


def test_table_spills_header_and_rows_with_the_engines_numbers():
    table = xl.shown(xl.call("ANJI_TABLE", DATA, INDICATORS, SETTINGS))
    assert table[0] == ["unit", "period", "index", "低碳生产", "绿色设施", "rank"]
    rows = {(r[0], r[1]): r for r in table[1:]}
    assert rows[("甲县", "2019")][2] == pytest.approx(0.3 + 0.2 * 1.03 / 1.05 + 0.5 * 0.8, abs=1e-15)
    assert rows[("甲县", "2018")][2] == pytest.approx(0.5 * 0.5 / 0.6 + 0.5 * 0.5, abs=1e-15)
    assert rows[("乙县", "2019")][5] == 2.0
    # without the Settings table missing = error: the first periods have no growth → #N/A there
    strict = {(r[0], r[1]): r for r in xl.shown(xl.call("ANJI_TABLE", DATA, INDICATORS))[1:]}
    assert strict[("甲县", "2018")][2] == "#N/A" and isinstance(strict[("甲县", "2019")][2], float)
    bad = tuple(DATA[:2]) + (("甲县", 2019.0, "abc", 105.0, 0.56),)
    assert xl.shown(xl.call("ANJI_TABLE", bad, INDICATORS)) == "#VALUE!"


def test_sensitivity_table():
    table = xl.shown(xl.call("ANJI_SENSITIVITY", DATA, INDICATORS, SETTINGS + (("draws", 200.0), ("seed", 7.0))))
    assert table[0] == ["unit", "period", "index_mean", "index_p5", "index_p50", "index_p95", "rank_median", "rank_p5", "rank_p95"]
    for row in table[1:]:
        assert row[3] <= row[4] <= row[5]


def test_check_names_the_first_problem():
    assert xl.call("ANJI_CHECK", INDICATORS) == "OK"
    heavy = INDICATORS[:3] + (("G1", "绿色设施", "正向", None, 0.7, 0.6),)
    assert "weights sum to 1.1, not 1" in xl.call("ANJI_CHECK", heavy)
    sideways = INDICATORS[:2] + (("E2", "低碳生产", "sideways", "growth", 0.03, 0.2),) + INDICATORS[3:]
    assert xl.call("ANJI_CHECK", sideways).startswith("Indicators!C3: unknown direction 'sideways'")
    zero_ref = INDICATORS[:3] + (("G1", "绿色设施", "正向", None, 0.0, 0.5),)
    assert xl.call("ANJI_CHECK", zero_ref).startswith("Indicators!E4: indicator G1: the reference value must be a number > 0")
    assert xl.shown(xl.call("ANJI_CHECK", "nonsense")).startswith("Indicators!1:1: no 'id' column")


def test_explain_in_both_languages():
    assert xl.call("ANJI_EXPLAIN", 0.35, 0.7) == "正向 positive: min(1, 现值/参考值 value/reference) = min(1, 0.35 / 0.7) = 0.5"
    assert xl.call("ANJI_EXPLAIN", 0.3, 0.32, "逆向").endswith("已达标 target reached")
    assert xl.call("ANJI_EXPLAIN", -1.0, 0.7) == "无法计算 · no score: 数值 -1 为负数 · the value -1 is negative"
    assert "缺少数值" in xl.call("ANJI_EXPLAIN", None, 0.7)
    assert xl.call("ANJI_EXPLAIN", "abc", 0.7) == "现值 value 'abc' 不是数字 · is not a number"
    assert xl.call("ANJI_EXPLAIN", xl.CELL_ERRORS["#N/A"], 0.7).startswith("无法计算 · no score: 缺少数值")


def test_no_traceback_ever_reaches_a_cell():
    for name in SPEC_FUNCTIONS:
        arity = len(SPEC_FUNCTIONS[name])
        for junk in ("x", None, ((1.0, "a"), (None, True))):
            value = xl.shown(xl.call(name, *([junk] * arity)))
            assert "Traceback" not in str(value)


def test_errors_are_text_under_xlwings_lite(monkeypatch):
    # without pywin32 (xlwings Lite / Server) an error is its text, which those converters turn into an error cell
    for name in ("pythoncom", "win32com.client"):
        monkeypatch.delitem(sys.modules, name)
    assert xl.udfs.ANJI_SCORE([[-1.0]], [[0.7]]) == "#NUM!"
    assert xl.udfs.ANJI_SCORE([[None]], [[0.7]]) == "#N/A"
