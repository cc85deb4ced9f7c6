"""The worksheet functions as Excel sees and calls them (through xlwings' own code)."""

from __future__ import annotations

import io
import math
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xlwings_harness as xl

SPEC_FUNCTIONS = {
    "ANJI_SCORE": ["value", "reference", "direction", "cap", "unit"],
    "ANJI_GROWTH_SCORE": ["current", "previous", "reference_growth", "direction", "cap", "periods"],
    "ANJI_NORMALIZE": ["values", "method", "reference_or_lower", "upper", "direction", "transform", "unit"],
    "ANJI_DIM": ["dimension", "dimensions", "scores", "weights", "method", "missing"],
    "ANJI_INDEX": ["scores", "weights", "dimensions", "method", "missing", "weight_tolerance"],
    "ANJI_TABLE": ["data", "indicators", "settings"],
    "ANJI_GAINS": ["ids", "scores", "weights", "n", "cap"],
    "ANJI_SENSITIVITY": ["data", "indicators", "settings"],
    "ANJI_CHECK": ["indicators"],
    "ANJI_EXPLAIN": ["value", "reference", "direction", "unit"],
    "ANJI_VERSION": [],
    "ANJI_FORECAST": ["values", "periods", "reference", "target_period", "direction", "method", "trend_periods"],
    "ANJI_REQUIRED_GROWTH": ["value", "reference", "periods_left", "direction"],
}
REQUIRED = {"ANJI_SCORE": 2, "ANJI_GROWTH_SCORE": 3, "ANJI_NORMALIZE": 2, "ANJI_DIM": 4, "ANJI_INDEX": 2, "ANJI_TABLE": 2,
            "ANJI_GAINS": 3, "ANJI_SENSITIVITY": 2, "ANJI_CHECK": 1, "ANJI_EXPLAIN": 2, "ANJI_VERSION": 0,
            "ANJI_FORECAST": 3, "ANJI_REQUIRED_GROWTH": 3}


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
        table = name in ("ANJI_TABLE", "ANJI_SENSITIVITY")  # whole tables are taken raw (excel_values)
        assert arg["options"] == ({"convert": "raw"} if table else {"ndim": 2, "err_to_str": True})


def test_vba_wrappers_generated_by_xlwings():
    class Book:
        Name = "AnjiIndex.xlsm"

    out = io.StringIO()
    xl.xlwings_udfs.generate_vba_wrapper("udfs", xl.udfs, out, Book())
    vba = out.getvalue()
    assert vba.count("\nFunction ANJI_") + vba.startswith("Function ANJI_") == len(SPEC_FUNCTIONS)
    assert "Function ANJI_SCORE(value, reference, Optional direction, Optional cap, Optional unit)" in vba
    assert ('ANJI_SCORE = XLPy.CallUDF("udfs", "ANJI_SCORE", Array(value, reference, direction, cap, unit), ThisWorkbook, Application.Caller)'
            in vba)
    assert "Function ANJI_VERSION()" in vba
    assert "Application.Volatile" not in vba


# --- calls: cells, ranges, blanks, text, error cells ----------------------------------------

def test_single_cells_by_hand():
    # 0.35 / 0.7 = 0.5; 0.32 / 0.40 = 0.8; 0.32 / 0.30 > 1 → 1; negative at 0 → the cap 1
    for v, r, d, expected in [(0.35, 0.7, "positive", 0.5), (0.4, 0.32, "逆向", 0.8), (0.3, 0.32, -1, 1.0), (0.0, 5.0, "negative", 1.0)]:
        assert xl.call("ANJI_SCORE", v, r, d) == pytest.approx(expected, abs=1e-15)


def test_ranges_spill_with_per_cell_results():
    column = ((0.35,), (0.84,), (None,), ("abc",), (-1.0,), (xl.CELL_ERRORS["#N/A"],), (xl.CELL_ERRORS["#DIV/0!"],))
    result = xl.shown(xl.call("ANJI_SCORE", column, 0.7))
    assert result == [[0.5], [1.0], ["#N/A"], ["#VALUE!"], ["#NUM!"], ["#N/A"], ["#VALUE!"]]
    row = ((0.2, 0.4, 0.8),)
    assert xl.call("ANJI_SCORE", row, ((0.4, 0.4, 0.4),)) == [0.5, 1.0, 1.0]  # a 1 × n result (xlwings flattens it)
    grid = ((1.0, 2.0), (3.0, 4.0))
    # column 1 positive, reference 2: 1/2, 3/2 → 1; column 2 negative, reference 4: 4/2 → 1, 4/4 = 1
    assert xl.call("ANJI_SCORE", grid, ((2.0, 4.0),), ((1, "negative"),)) == [[0.5, 1.0], [1.0, 1.0]]


def test_cap_omitted_is_one_blank_is_none_and_number_is_cap():
    assert xl.call("ANJI_SCORE", 1.3, 1.0) == 1.0
    assert xl.call("ANJI_SCORE", 1.3, 1.0, "positive", None) == pytest.approx(1.3)  # a blank cap cell
    assert xl.call("ANJI_SCORE", 1.3, 1.0, xl.MISSING, 1.2) == pytest.approx(1.2)  # direction omitted
    assert xl.shown(xl.call("ANJI_SCORE", 1.3, 1.0, "positive", "big")) == "#VALUE!"
    assert xl.shown(xl.call("ANJI_SCORE", 1.3, 1.0, "sideways")) == "#VALUE!"


def test_growth_score_and_errors():
    # 100 → 105: g = 5 %, negative (the default): 1.03 / 1.05; GEP 200 → 206: g = 3 %, positive: 1.03 / 1.05
    assert xl.call("ANJI_GROWTH_SCORE", 105.0, 100.0, 0.03) == pytest.approx(1.03 / 1.05, abs=1e-15)
    assert xl.call("ANJI_GROWTH_SCORE", 206.0, 200.0, 0.05, "正向") == pytest.approx(1.03 / 1.05, abs=1e-15)
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
    assert xl.shown(xl.call("ANJI_NORMALIZE", 1.0, "sideways", 0.03)) == "#VALUE!"
    assert xl.shown(xl.call("ANJI_NORMALIZE", 1.0, "goalpost", 5.0, 5.0)) == "#NUM!"


def test_normalize_growth_scores_each_value_against_the_one_before_it():
    # totals 100 → 110 → 121: 10 % a period; negative (growth's default): 1.03 / 1.10; the first has no growth
    column = ((100.0,), (110.0,), (121.0,))
    assert xl.shown(xl.call("ANJI_NORMALIZE", column, "growth", 0.03)) == [["#N/A"], [pytest.approx(1.03 / 1.10, abs=1e-15)], [pytest.approx(1.03 / 1.10, abs=1e-15)]]
    # along a row, positive: 1.10 / 1.03 > 1 → 1; a text total is #VALUE! and leaves the next without growth
    assert xl.shown(xl.call("ANJI_NORMALIZE", ((100.0, 110.0, "x", 121.0),), "growth", 0.03, xl.MISSING, "positive")) == ["#N/A", 1.0, "#VALUE!", "#VALUE!"]
    # the same values as ANJI_GROWTH_SCORE over the same pairs
    assert xl.call("ANJI_NORMALIZE", column, "growth", 0.03)[1][0] == xl.call("ANJI_GROWTH_SCORE", 110.0, 100.0, 0.03)


def test_growth_score_annualises_over_periods():
    # 2018 → 2020, 100 → 121: g = 1.21^(1/2) − 1 = 10 % a year: X = 1.03 / 1.10; as one period: 1.03 / 1.21
    assert xl.call("ANJI_GROWTH_SCORE", 121.0, 100.0, 0.03, xl.MISSING, xl.MISSING, 2.0) == pytest.approx(1.03 / 1.10, abs=1e-15)
    assert xl.call("ANJI_GROWTH_SCORE", 121.0, 100.0, 0.03, xl.MISSING, xl.MISSING, None) == pytest.approx(1.03 / 1.21, abs=1e-15)
    assert [xl.shown(xl.call("ANJI_GROWTH_SCORE", 121.0, 100.0, 0.03, xl.MISSING, xl.MISSING, p)) for p in (0.0, -1.0, "x")] == ["#NUM!", "#NUM!", "#VALUE!"]


def test_a_blank_direction_cell_means_the_omitted_default_in_every_function():
    # growth: omitted and blank are both negative, 1.03 / 1.05 (positive would give 1.05 / 1.03 → 1)
    assert xl.call("ANJI_GROWTH_SCORE", 105.0, 100.0, 0.03, None) == xl.call("ANJI_GROWTH_SCORE", 105.0, 100.0, 0.03) == pytest.approx(1.03 / 1.05, abs=1e-15)
    # ratio: both positive, 0.35 / 0.7 = 0.5 (negative would give 1)
    assert xl.call("ANJI_SCORE", 0.35, 0.7, None) == xl.call("ANJI_SCORE", 0.35, 0.7) == 0.5
    assert xl.call("ANJI_NORMALIZE", 0.35, "ratio", 0.7, xl.MISSING, None) == xl.call("ANJI_NORMALIZE", 0.35, "ratio", 0.7) == 0.5
    column = ((100.0,), (105.0,))
    blank, omitted = (xl.shown(xl.call("ANJI_NORMALIZE", column, "growth", 0.03, *rest)) for rest in ((xl.MISSING, None), ()))
    assert blank == omitted == [["#N/A"], [pytest.approx(1.03 / 1.05, abs=1e-15)]]
    assert xl.call("ANJI_EXPLAIN", 0.35, 0.7, None) == xl.call("ANJI_EXPLAIN", 0.35, 0.7)


# --- aggregation functions equal the engine -------------------------------------------------

DIMS = ("A", "A", "B")
WEIGHTS = ((0.3,), (0.2,), (0.5,))  # a column, as in the Indicators sheet


def test_dim_and_index_for_rows_of_scores_by_hand():
    scores = ((0.5, 1.0, 0.25), (1.0, 0.8, 0.6))
    # row 1: D_A = (0.3·0.5 + 0.2·1) / 0.5 = 0.7, D_B = 0.25, Y = 0.35 + 0.125 = 0.475
    # row 2: D_A = (0.3·1 + 0.2·0.8) / 0.5 = 0.92, D_B = 0.6, Y = 0.46 + 0.3 = 0.76
    dim_a = xl.call("ANJI_DIM", "A", (DIMS,), scores, WEIGHTS)
    assert [row[0] for row in dim_a] == [pytest.approx(0.7, abs=1e-15), pytest.approx(0.92, abs=1e-15)]
    assert xl.call("ANJI_DIM", (("A", "B"),), (DIMS,), scores[0:1], WEIGHTS) == [pytest.approx(0.7, abs=1e-15), 0.25]
    index = xl.call("ANJI_INDEX", scores, WEIGHTS, (DIMS,))
    assert [row[0] for row in index] == [pytest.approx(0.475, abs=1e-15), pytest.approx(0.76, abs=1e-15)]
    assert xl.call("ANJI_INDEX", scores[0:1], WEIGHTS) == pytest.approx(0.475, abs=1e-15)


def test_index_geometric_and_missing_policies():
    row = ((0.25, None, 0.81),)
    # reweight: a1 carries A's 0.5, D_A = 0.25, D_B = 0.81; geometric: Y = 0.25^0.5 · 0.81^0.5 = 0.5 · 0.9 = 0.45
    assert xl.call("ANJI_INDEX", row, WEIGHTS, (DIMS,), "geometric", "reweight") == pytest.approx(0.45, abs=1e-15)
    # arithmetic dimensions, geometric index, no gap: D_A = (0.3·0.25 + 0.2·1) / 0.5 = 0.55, Y = 0.55^0.5 · 0.81^0.5
    full = ((0.25, 1.0, 0.81),)
    assert xl.call("ANJI_INDEX", full, WEIGHTS, (DIMS,), (("arithmetic",), ("geometric",))) == pytest.approx(0.9 * math.sqrt(0.55), abs=1e-15)
    assert xl.shown(xl.call("ANJI_INDEX", row, WEIGHTS, (DIMS,), (("a", "b", "c"),))) == "#VALUE!"
    assert xl.shown(xl.call("ANJI_INDEX", row, WEIGHTS, (DIMS,))) == "#N/A"  # missing = error
    assert xl.shown(xl.call("ANJI_INDEX", ((None, None, None),), WEIGHTS, (DIMS,), xl.MISSING, "reweight")) == "#N/A"  # nothing left
    assert xl.call("ANJI_INDEX", row, WEIGHTS, (DIMS,), xl.MISSING, "zero") == pytest.approx(0.3 * 0.25 + 0.5 * 0.81, abs=1e-15)
    assert xl.shown(xl.call("ANJI_INDEX", ((0.5, 0.5, 0.5),), ((0.3,), (0.2,), (0.4,)))) == "#VALUE!"  # Σ W = 0.9
    assert xl.shown(xl.call("ANJI_INDEX", ((0.5, "x", 0.5),), WEIGHTS)) == "#VALUE!"
    assert xl.shown(xl.call("ANJI_DIM", "B", (DIMS,), ((0.5, 0.5, 0.5),), ((0.5,), (0.5,), (0.0,)))) == "#DIV/0!"
    # a negative score (a z-score) cannot enter a geometric mean: outside the method's domain
    assert xl.shown(xl.call("ANJI_INDEX", ((-0.5, 1.0, 1.0),), WEIGHTS, (DIMS,), "geometric")) == "#NUM!"


def test_index_honours_the_weight_tolerance():
    heavy = ((0.3,), (0.2,), (0.5005,))  # Σ W = 1.0005
    scores = ((0.5, 1.0, 0.25),)
    # within 1e-3 the weights are used as they are: 0.3·0.5 + 0.2·1 + 0.5005·0.25 = 0.475125
    assert xl.call("ANJI_INDEX", scores, heavy, (DIMS,), xl.MISSING, xl.MISSING, 1e-3) == pytest.approx(0.475125, abs=1e-15)
    # omitted or blank: the Settings default 1e-6, so 1.0005 is not 1
    assert xl.shown(xl.call("ANJI_INDEX", scores, heavy, (DIMS,))) == "#VALUE!"
    assert xl.shown(xl.call("ANJI_INDEX", scores, heavy, (DIMS,), xl.MISSING, xl.MISSING, None)) == "#VALUE!"
    assert xl.shown(xl.call("ANJI_INDEX", scores, heavy, (DIMS,), xl.MISSING, xl.MISSING, -1.0)) == "#VALUE!"


def test_gains_sorted_and_n():
    ids, scores = (("a1", "a2", "b1"),), ((0.5, 1.0, 0.25),)
    assert xl.call("ANJI_GAINS", ids, scores, WEIGHTS, 2) == [["b1", 0.375], ["a1", 0.15]]
    assert xl.call("ANJI_GAINS", ids, scores, WEIGHTS)[0] == ["b1", 0.375]
    assert [xl.shown(xl.call("ANJI_GAINS", ids, scores, WEIGHTS, n)) for n in (0.0, -1.0, 1.5, "x")] == ["#VALUE!"] * 4


def test_gains_are_measured_up_to_the_cap():
    ids = (("a1", "a2", "b1"),)
    # cap 1.2: a1 0.3·(1.2 − 1.2) = 0, a2 0.2·(1.2 − 1) = 0.04, b1 0.5·(1.2 − 0.6) = 0.3
    gains = xl.call("ANJI_GAINS", ids, ((1.2, 1.0, 0.6),), WEIGHTS, 5, 1.2)
    assert [g[0] for g in gains] == ["b1", "a2"] and gains[0][1] == pytest.approx(0.3, abs=1e-15) and gains[1][1] == pytest.approx(0.04, abs=1e-15)
    # a blank cap is no cap: the target is a score of 1, as in the engine (b1 0.5·0.4 = 0.2)
    assert xl.call("ANJI_GAINS", ids, ((1.2, 1.0, 0.6),), WEIGHTS, 5, None) == ["b1", pytest.approx(0.2, abs=1e-15)]  # one row: flattened
    # every indicator at its cap: no gain to list
    assert xl.shown(xl.call("ANJI_GAINS", ids, ((1.0, 1.0, 1.0),), WEIGHTS)) == "#N/A"
    assert xl.shown(xl.call("ANJI_GAINS", ids, ((1.2, 1.2, 1.2),), WEIGHTS, 5, 1.2)) == "#N/A"


def test_dimension_names_are_trimmed_as_the_reader_trims_them():
    # "A " is dimension A, as in the Indicators table: D_A = (0.3·0.5 + 0.2·1) / 0.5 = 0.7
    assert xl.call("ANJI_DIM", " A", (("A", "A ", "B"),), ((0.5, 1.0, 0.25),), WEIGHTS) == pytest.approx(0.7, abs=1e-15)


PERCENT_AS_WHOLE = "89 看起来是 89% — 请输入 0.89 或 89% · 89 looks like 89% — type 0.89 or 89%"


def test_a_percent_typed_as_a_whole_number_is_an_error_not_a_capped_score():
    # unit %, reference 0.95: 89 is 89 % typed without its sign, not 89 / 0.95 capped to 1
    assert xl.shown(xl.call("ANJI_SCORE", 89.0, 0.95, xl.MISSING, xl.MISSING, "%")) == "#NUM!"
    assert xl.call("ANJI_SCORE", 89.0, 0.95) == 1.0  # without a unit the value is taken as typed, as before
    # up to max(1, 2r) a value is a fraction (1.5: a target over-fulfilled), above 100 not a percentage at all
    column = ((0.89,), (89.0,), (1.5,), (1.95,), (100.0,), (101.0,))
    assert xl.shown(xl.call("ANJI_SCORE", column, 0.95, xl.MISSING, xl.MISSING, "百分比")) == [
        [pytest.approx(0.89 / 0.95, abs=1e-15)], ["#NUM!"], [1.0], ["#NUM!"], ["#NUM!"], [1.0]]
    # one unit per column, as the references: only the % column is checked; a blank unit is none
    assert xl.shown(xl.call("ANJI_SCORE", ((89.0, 89.0, 89.0),), ((0.95, 0.95, 0.95),), xl.MISSING, xl.MISSING, (("％", "万元", None),))) == [
        "#NUM!", 1.0, 1.0]
    # a reference above 1 is not a fraction: 89 against 95 (%) is 89 / 95
    assert xl.call("ANJI_SCORE", 89.0, 95.0, xl.MISSING, xl.MISSING, "%") == pytest.approx(89 / 95, abs=1e-15)
    assert xl.shown(xl.call("ANJI_NORMALIZE", 89.0, "ratio", 0.95, xl.MISSING, xl.MISSING, xl.MISSING, "%")) == "#NUM!"


def test_explain_says_the_percent_problem_as_compute_does():
    assert xl.call("ANJI_EXPLAIN", 89.0, 0.95, xl.MISSING, "%") == "无法计算 · no score: " + PERCENT_AS_WHOLE
    assert xl.call("ANJI_EXPLAIN", 0.89, 0.95, xl.MISSING, "%").endswith("= min(1, 0.89 / 0.95) = 0.936842")
    # compute names the same problem at its cell (Data!C3 below)
    indicators = (("id", "dimension", "direction", "method", "reference", "weight", "unit"),
                  ("E1", "A", "正向", "ratio", 0.95, 0.5, "%"), ("G1", "B", "正向", "ratio", 0.7, 0.5, None))
    data = (("unit", "period", "E1", "G1"), ("甲县", 2019.0, 0.89, 0.35), ("乙县", 2019.0, 89.0, 0.35))
    from anji_xl.engine import compute
    from anji_xl.io.parse import read_grids

    problems = compute(*read_grids({"Indicators": (indicators, 1, 1), "Data": (data, 1, 1), "Settings": None})).problems
    assert [p.where for p in problems] == ["Data!C3"] and all(half in problems[0].message for half in PERCENT_AS_WHOLE.split(" · "))
    # and ANJI_TABLE gives that row #NUM!, the other its numbers: (0.5·0.89/0.95 + 0.5·0.5)
    table = xl.shown(xl.call("ANJI_TABLE", data, indicators))
    assert table[2][2:] == ["#NUM!"] * 4 and table[1][2] == pytest.approx(0.5 * 0.89 / 0.95 + 0.25, abs=1e-15)


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
    # cells as pywin32 marshals them: Python str and float, not NumPy scalars
    assert {type(v) for row in table[1:] for v in row} == {str, float}


def test_table_calls_leave_the_cycle_collector_as_they_found_it():
    # the whole-table functions pause it while they run (anji_xl.collector.uncollected)
    import gc

    xl.call("ANJI_TABLE", DATA, INDICATORS, SETTINGS)
    xl.call("ANJI_TABLE", DATA, INDICATORS, (("key", "value"), ("missing", "sideways")))  # #VALUE!
    assert gc.isenabled()
    gc.disable()
    try:
        xl.call("ANJI_TABLE", DATA, INDICATORS, SETTINGS)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_table_reads_empty_text_in_data_as_blank_cells():
    """Data's cells holding "" (a formula's empty result) stay "" on their way to the reader
    (Data's cells are taken as they come): a blank value, a blank row and a blank header cell give
    the table that None in their places gives."""
    def data(blank):
        return (("unit", "period", "E1", "E2", "G1", blank), ("甲县", 2018.0, 0.6, 100.0, blank, blank),
                (blank,) * 6, *DATA[2:])
    with_empty_text = xl.shown(xl.call("ANJI_TABLE", data(""), INDICATORS, SETTINGS))
    assert with_empty_text == xl.shown(xl.call("ANJI_TABLE", data(None), INDICATORS, SETTINGS))
    assert [row[:2] for row in with_empty_text[1:]] == [["甲县", "2018"], ["甲县", "2019"], ["乙县", "2019"]]


def test_table_errors_follow_the_documented_mapping():
    # a negative value is #NUM! in its row, as in ANJI_SCORE; the other rows keep their numbers
    negative = DATA[:3] + (("乙县", 2019.0, -1.0, 50.0, 0.7),)
    rows = {(r[0], r[1]): r for r in xl.shown(xl.call("ANJI_TABLE", negative, INDICATORS, SETTINGS))[1:]}
    assert rows[("乙县", "2019")][2:] == ["#NUM!"] * 4
    assert rows[("甲县", "2019")][2] == pytest.approx(0.3 + 0.2 * 1.03 / 1.05 + 0.5 * 0.8, abs=1e-15)
    # weights summing to 1.1: an invalid Indicators table, #VALUE! for the whole result
    heavy = INDICATORS[:3] + (("G1", "绿色设施", "正向", None, 0.7, 0.6),)
    assert xl.shown(xl.call("ANJI_TABLE", DATA, heavy, SETTINGS)) == "#VALUE!"


def test_tables_taken_raw_are_read_as_xlwings_reads_every_other_range():
    # the oracle is xlwings' own conversion (RANGE): errors as text, "" as blank, COM dates as datetime
    from xlwings._xlwindows import Engine

    from anji_xl.excel_values import table_cells

    com_date = xl.sys.modules["pywintypes"].TimeType(2020, 1, 2, 3, 4, 5, tzinfo=xl.dt.timezone.utc)
    raw = (("unit", "period", "E1", "E2", "G1"), ("甲县", 2019.0, xl.CELL_ERRORS["#N/A"], "", None),
           ("乙县", com_date, xl.CELL_ERRORS["#DIV/0!"], True, " 0.5 "), ("", 2020.0, 0.25, xl.CELL_ERRORS["#REF!"], 7))
    expected = Engine.clean_value_data(raw, xl.dt.datetime, None, None, True)
    read = [list(row) for row in table_cells(raw)]
    assert read == expected and [type(v) for row in read for v in row] == [type(v) for row in expected for v in row]
    assert [list(row) for row in table_cells(raw[:1])] == expected[:1] and table_cells(7.0) == [[7.0]]


_HEAD = ("unit", "period", "E1", "E2", "G1", "note")
_DATA_AS_IT_CAME = {  # what Excel hands over raw, where it is not a float or text: built by the test from the cell's error text or year
    "computable": (_HEAD, ("甲县", 2018.0, 0.6, 100.0, 0.35, "#REF!"), ("甲县", 2019.0, "#N/A", 105.0, 0.56, ""),
                   ("乙县", 2019, 1.0, 50.0, 7, None), ("乙县", 2020, "", 52.0, " 0.5 ", "x"), ("丙县", 2019.0, 0.8, 60.0, 0.6, None)),
    "an error among numbers": (_HEAD, ("甲县", 2018.0, 0.6, 100.0, 0.35, None), ("乙县", 2019.0, 1.0, "#DIV/0!", 0.7, None)),
    "TRUE among numbers": (_HEAD, ("甲县", 2018.0, 0.6, 100.0, 0.35, None), ("乙县", 2019.0, 1.0, 50.0, True, None)),
    "an error as a unit": (_HEAD, ("甲县", 2018.0, 0.6, 100.0, 0.35, None), ("#N/A", 2019.0, 1.0, 50.0, 0.7, None)),
    "an error in the header": (_HEAD[:5] + ("#REF!",), ("甲县", 2018.0, 0.6, 100.0, 0.35, None)),
}


@pytest.mark.parametrize("case", _DATA_AS_IT_CAME)
def test_data_taken_as_it_came_gives_the_table_xlwings_own_reading_gives(case):
    """ANJI_TABLE takes Data's cells as they come from Excel and reads as xlwings would only its
    header, row labels and the cells that are not numbers: errors handed over as their codes (a
    value, a unit, a note, the header), COM dates as periods, TRUE, "", text, an int give the
    table that the same Data read by xlwings' own conversion gives; an error or TRUE among numbers
    that are all floats (taken at once) is no number: the table is #VALUE!, as for that Data read
    by xlwings."""
    from xlwings._xlwindows import Engine

    com_year = lambda year: xl.sys.modules["pywintypes"].TimeType(year, 1, 1, tzinfo=xl.dt.timezone.utc)  # noqa: E731
    raw = tuple(tuple(xl.CELL_ERRORS.get(v, v) if isinstance(v, str) else com_year(v) if type(v) is int and v > 2000 else v for v in row)
                for row in _DATA_AS_IT_CAME[case])
    as_xlwings_reads = tuple(map(tuple, Engine.clean_value_data(raw, xl.dt.datetime, None, None, True)))
    table = xl.shown(xl.call("ANJI_TABLE", raw, INDICATORS, SETTINGS))
    assert table == xl.shown(xl.call("ANJI_TABLE", as_xlwings_reads, INDICATORS, SETTINGS))
    assert (table == "#VALUE!") == (case in ("an error among numbers", "TRUE among numbers", "an error in the header"))
    if case == "an error in the header":  # its column is named by the error's text, as xlwings reads it
        from anji_xl.excel_values import raw_rows, read_cell, table_cells
        from anji_xl.io.parse import inspect_grid_tables

        grids = {"Indicators": (table_cells(INDICATORS), 1, 1), "Data": (raw_rows(raw), 1, 1)}
        assert [p.where for p in inspect_grid_tables(grids, data_typed=read_cell)[1] if "#ref!" in str(p)] == ["Data!F1"]


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
    assert xl.call("ANJI_CHECK", sideways).startswith("Indicators!C3: 无法识别的方向 'sideways'")
    zero_ref = INDICATORS[:3] + (("G1", "绿色设施", "正向", None, 0.0, 0.5),)
    assert xl.call("ANJI_CHECK", zero_ref).startswith("Indicators!E4: 指标 G1：参考值必须为大于 0 的数")
    assert xl.shown(xl.call("ANJI_CHECK", "nonsense")).startswith("Indicators!1:1: 表头中没有 'id' 列 · no 'id' column")


def test_explain_in_both_languages():
    assert xl.call("ANJI_EXPLAIN", 0.35, 0.7) == "正向 positive: min(1, 现值/参考值 value/reference) = min(1, 0.35 / 0.7) = 0.5"
    assert xl.call("ANJI_EXPLAIN", 0.3, 0.32, "逆向").endswith("已达标 target reached")
    assert xl.call("ANJI_EXPLAIN", -1.0, 0.7) == "无法计算 · no score: 数值 -1 为负数 · the value -1 is negative"
    assert "缺少数值" in xl.call("ANJI_EXPLAIN", None, 0.7)
    assert xl.call("ANJI_EXPLAIN", "abc", 0.7) == "现值 value 'abc' 不是数字 · is not a number"
    assert xl.call("ANJI_EXPLAIN", xl.CELL_ERRORS["#N/A"], 0.7).startswith("无法计算 · no score: 缺少数值")


def test_explain_spills_one_explanation_per_cell():
    column = ((0.35,), (-1.0,), ("abc",))
    assert xl.call("ANJI_EXPLAIN", column, 0.7) == [
        ["正向 positive: min(1, 现值/参考值 value/reference) = min(1, 0.35 / 0.7) = 0.5"],
        ["无法计算 · no score: 数值 -1 为负数 · the value -1 is negative"],
        ["现值 value 'abc' 不是数字 · is not a number"],
    ]


#: Cells as Excel hands them over: numbers, blanks, texts (a number as text, a no-data mark, a
#: direction), error cells (HRESULT codes), TRUE and whole numbers.
ODD_CELLS = st.one_of(st.sampled_from([0.0, 1.0, 0.5, 2.0, 89.0, 1e-9, 1e308]), st.floats(-3, 300, allow_nan=False),
                      st.sampled_from([None, "", " ", "—", "#N/A", "1.5", "abc", True, False, 0, 3, -2, *xl.CELL_ERRORS.values()]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([("ANJI_SCORE", 2), ("ANJI_GROWTH_SCORE", 3), ("ANJI_REQUIRED_GROWTH", 3)]),
       st.lists(st.tuples(ODD_CELLS, ODD_CELLS, ODD_CELLS), min_size=2, max_size=5), st.sampled_from([None, 1.0, -1.0, "逆向", "sideways"]))
def test_a_cell_alone_gives_what_it_gives_within_a_range(function, rows, direction):
    # a live cell of Scores calls with one cell each, and that path is its own (no arrays of
    # objects): each cell alone must show what the same cell shows as part of a column
    name, ranges = function
    columns = [tuple((row[k],) for row in rows) for k in range(ranges)]
    together = xl.shown(xl.call(name, *columns, direction))
    assert together == [[xl.shown(xl.call(name, *row[:ranges], direction))] for row in rows]


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
