"""SPEC §2, row by row, against numbers computed by hand in the comments."""

from __future__ import annotations

import math
import tracemalloc
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from anji_xl import Panel, Settings, compute
from anji_xl.defaults import default_model
from anji_xl.scoring import Fault, score_growth, score_ratio
from conftest import close, make_model, make_panel


# --- ratio method ---------------------------------------------------------------------------

def test_positive_ratio_is_value_over_reference_capped():
    # 0.35 / 0.7 = 0.5; 0.84 / 0.7 = 1.2 → capped at 1
    scored = score_ratio([0.35, 0.84], 0.7, 1, cap=1.0)
    assert scored.scores.tolist() == [0.5, 1.0]
    assert scored.faults.tolist() == [Fault.OK, Fault.OK]


def test_negative_ratio_is_reference_over_value_and_zero_gives_cap():
    # energy per GDP: reference 0.32, value 0.40 → 0.32 / 0.40 = 0.8; 0.30 → 1.0667 → 1; 0 → cap
    scored = score_ratio([0.40, 0.30, 0.0], 0.32, -1, cap=1.0)
    assert close(scored.scores[0], 0.8)
    assert scored.scores[1:].tolist() == [1.0, 1.0]


def test_cap_from_settings_and_no_cap():
    assert score_ratio(1.3, 1.0, 1, cap=1.2).scores == pytest.approx(1.2)
    assert score_ratio(1.3, 1.0, 1, cap=None).scores == pytest.approx(1.3)
    # without a cap a negative indicator at 0 has no finite score: an error, not infinity
    assert score_ratio(0.0, 1.0, -1, cap=None).faults == Fault.NOT_FINITE


@pytest.mark.parametrize(
    ("value", "reference", "fault"),
    [(1.0, 0.0, Fault.REFERENCE_NOT_POSITIVE), (1.0, -2.0, Fault.REFERENCE_NOT_POSITIVE), (-0.1, 1.0, Fault.NEGATIVE_VALUE), (math.nan, 1.0, Fault.MISSING)],
)
def test_ratio_errors(value, reference, fault):
    scored = score_ratio(value, reference, 1)
    assert scored.faults == fault and math.isnan(scored.scores)


# --- growth control -------------------------------------------------------------------------

def test_growth_negative_direction():
    # total 100 → 105: g = 5 %; reference 3 %: X = 1.03 / 1.05 = 0.980952…
    assert close(score_growth(105, 100, 0.03, -1).scores, 1.03 / 1.05)
    # 100 → 102: g = 2 % ≤ 3 %: 1.03 / 1.02 > 1 → 1
    assert score_growth(102, 100, 0.03, -1).scores == 1.0


def test_growth_positive_direction():
    # GEP 200 → 206: g = 3 %; reference 5 %: X = 1.03 / 1.05
    assert close(score_growth(206, 200, 0.05, 1).scores, 1.03 / 1.05)


@pytest.mark.parametrize(
    ("current", "previous", "reference", "fault"),
    [
        (-1, 100, 0.03, Fault.NEGATIVE_VALUE),
        (100, 0, 0.03, Fault.PREVIOUS_NOT_POSITIVE),
        (100, -5, 0.03, Fault.PREVIOUS_NOT_POSITIVE),
        (0, 100, 0.03, Fault.GROWTH_FACTOR_NOT_POSITIVE),  # 1 + g = 0
        (100, 100, -1.0, Fault.GROWTH_FACTOR_NOT_POSITIVE),  # 1 + g_ref = 0
        (100, math.nan, 0.03, Fault.MISSING),  # first period: no previous value
    ],
)
def test_growth_errors(current, previous, reference, fault):
    assert score_growth(current, previous, reference, -1).faults == fault


@pytest.mark.parametrize(
    ("periods", "totals"),
    [
        # 2019 absent: 2020's previous is 2018, two years back; 100 → 121 is 10 % a year, (1.21)^(1/2) − 1
        (("2018", "2020", "2021"), (100.0, 121.0, 133.1)),
        # as text "Q1 2021" < "Q2 2020"; in time Q2 2020 comes first; labels carry no length: one period each
        (("Q1 2020", "Q2 2020", "Q1 2021"), (100.0, 110.0, 121.0)),
    ],
)
def test_growth_uses_the_preceding_period_present_in_data(periods, totals):
    model = make_model({"T": {"dimension": "A", "direction": -1, "method": "growth", "reference": 0.03, "weight": 1.0}}, missing="reweight")
    first, second, third = periods
    # given out of order; 10 % growth a year at each step, X = 1.03 / 1.10
    panel = make_panel({("u", second): {"T": totals[1]}, ("u", first): {"T": totals[0]}, ("u", third): {"T": totals[2]}})
    result = compute(model, panel)
    assert close(result.scores.at[("u", second), "T"], 1.03 / 1.10)
    assert close(result.scores.at[("u", third), "T"], 1.03 / 1.10)
    assert math.isnan(result.scores.at[("u", first), "T"])


def test_growth_across_a_gap_is_annualised_with_a_warning():
    model = make_model({"T": {"dimension": "A", "direction": -1, "method": "growth", "reference": 0.03, "weight": 0.5},
                        "P": {"dimension": "A", "direction": 1, "method": "growth", "reference": 0.05, "weight": 0.5}}, missing="reweight")
    # 2017 → 2020: T 100 → 133.1 = 1.1³, 10 % a year: 1.03 / 1.10; P 200 → 200·1.05³, 5 % a year: 1.05 / 1.05 = 1
    panel = make_panel({("甲县", "2017"): {"T": 100.0, "P": 200.0}, ("甲县", "2020"): {"T": 133.1, "P": 200 * 1.05 ** 3}})
    result = compute(model, panel)
    assert close(result.scores.at[("甲县", "2020"), "T"], 1.03 / 1.10)
    assert close(result.scores.at[("甲县", "2020"), "P"], 1.0)
    assert ("甲县 2020：T, P 自 2017 以来的增长率按 3 期年化：g = (v_2020 / v_2017)^(1/3) − 1 · "
            "甲县 2020: growth of T, P since 2017 annualised over 3 periods: g = (v_2020 / v_2017)^(1/3) − 1") in result.warnings
    # consecutive years: no warning (2017 has no growth; its warning is the reweight one)
    consecutive = compute(model, make_panel({("甲县", "2019"): {"T": 100.0, "P": 200.0}, ("甲县", "2020"): {"T": 110.0, "P": 210.0}}))
    assert not any("annualised" in w for w in consecutive.warnings)
    assert close(consecutive.scores.at[("甲县", "2020"), "T"], 1.03 / 1.10)


def test_without_warnings_the_result_is_the_same_but_unworded():
    """compute(warn=False), as ANJI_TABLE and sensitivity call it: every number and problem as
    with warnings (a gap, missing values reweighted, weights rescaled, a negative value)."""
    model = make_model({"T": {"dimension": "A", "direction": -1, "method": "growth", "reference": 0.03, "weight": 0.5},
                        "R": {"dimension": "B", "reference": 2.0, "weight": 0.6}}, missing="reweight", normalize_weights=True)
    panel = make_panel({("甲县", "2017"): {"T": 100.0, "R": 1.0}, ("甲县", "2020"): {"T": 133.1, "R": np.nan},
                        ("乙县", "2020"): {"T": 90.0, "R": -1.0}})
    worded, unworded = compute(model, panel), compute(model, panel, warn=False)
    assert len(worded.warnings) >= 3 and unworded.warnings == unworded.warning_rows == []
    assert unworded.problems == worded.problems and unworded.problems
    for name in ("scores", "weights", "dimension_scores", "contributions", "gains", "missing", "faults", "index", "rank"):
        frame = getattr(worded, name)
        (pd.testing.assert_series_equal if isinstance(frame, pd.Series) else pd.testing.assert_frame_equal)(getattr(unworded, name), frame)


def test_score_growth_periods_annualise():
    # 100 → 121 over 2 periods: g = 10 %; positive, g_ref 10 %: 1.10 / 1.10 = 1; periods ≤ 0 is a fault
    assert close(score_growth(121, 100, 0.10, 1, periods=2).scores, 1.0)
    assert close(score_growth(121, 100, 0.03, -1, periods=2).scores, 1.03 / 1.10)
    assert score_growth(121, 100, 0.03, -1, periods=0).faults == Fault.PERIODS_NOT_POSITIVE


# --- errors name indicator, unit, period and cell -------------------------------------------

def test_error_rows_name_indicator_unit_period_and_cell():
    model = make_model(
        {"A1": {"dimension": "A", "reference": 1.0, "weight": 0.5}, "B1": {"dimension": "B", "reference": 0.0, "weight": 0.5}}
    )
    model.indicator_cell = lambda ident, key: f"Indicators!{'F' if key == 'reference' else 'G'}{3 if ident == 'B1' else 2}"
    panel = make_panel({("甲县", "2020"): {"A1": -1.0, "B1": 1.0}})
    panel.data_cell = lambda unit, period, ident: "Data!C2" if ident == "A1" else "Data!D2"
    messages = [str(p) for p in compute(model, panel).problems]
    assert "Data!C2: A1（甲县，2020）：数值 -1 为负数 · A1 (甲县, 2020): the value -1 is negative" in messages
    assert any(m.startswith("Indicators!F3: 指标 B1：参考值必须为大于 0 的数") and "indicator B1: the reference value must be a number > 0" in m
               for m in messages)


@pytest.mark.parametrize("policy", ["error", "reweight", "zero"])
def test_a_negative_value_is_a_problem_at_its_cell_whatever_the_missing_policy(policy):
    # a growth indicator's −5 in its first period has no growth rate, yet it is an error, not a missing value
    model = make_model({"T": {"dimension": "A", "method": "growth", "direction": -1, "reference": 0.03, "weight": 0.5},
                        "R": {"dimension": "B", "reference": 1.0, "weight": 0.5}}, missing=policy)
    panel = make_panel({("u", "2019"): {"T": -5.0, "R": 0.5}, ("u", "2020"): {"T": 10.0, "R": 0.5}})
    panel.data_cell = lambda unit, period, ident: f"Data!{'C' if ident == 'T' else 'D'}{2 if period == '2019' else 3}"
    result = compute(model, panel)
    assert "Data!C2: T（u，2019）：数值 -5 为负数 · T (u, 2019): the value -5 is negative" in [str(p) for p in result.problems]
    assert math.isnan(result.index[("u", "2019")])


@pytest.mark.parametrize("policy", ["error", "reweight", "zero"])
def test_a_reference_not_above_zero_is_a_problem_even_when_every_value_is_missing(policy):
    model = make_model({"R": {"dimension": "A", "reference": 0.0, "weight": 0.5}, "S": {"dimension": "B", "reference": 1.0, "weight": 0.5}},
                       missing=policy)
    model.indicator_cell = lambda ident, key: f"Indicators!F{2 if ident == 'R' else 3}"
    result = compute(model, make_panel({("u", "1"): {"R": np.nan, "S": 0.5}}))
    assert any(str(p).startswith("Indicators!F2: 指标 R：参考值必须为大于 0 的数") for p in result.problems)
    assert math.isnan(result.index[("u", "1")])


def test_a_non_positive_previous_value_is_reported_at_the_cell_that_holds_it():
    model = make_model({"T": {"dimension": "A", "method": "growth", "direction": -1, "reference": 0.03, "weight": 0.5},
                        "R": {"dimension": "B", "reference": 1.0, "weight": 0.5}}, missing="reweight")
    panel = make_panel({("u", "2019"): {"T": 0.0, "R": 1.0}, ("u", "2020"): {"T": 10.0, "R": 1.0}})
    panel.data_cell = lambda unit, period, ident: f"Data!{'C' if ident == 'T' else 'D'}{2 if period == '2019' else 3}"
    result = compute(model, panel)
    # 0 in 2019 is a total of 0 (2019 itself has no growth rate); 2020's growth from 0 does not exist
    assert [str(p) for p in result.problems] == ["Data!C2: T（u，2020）：2019 的数值 0 不大于 0，2020 无法计算增长率 · "
                                                    "T (u, 2020): the value of 2019, 0, is not > 0, so 2020 has no growth rate"]
    assert result.problems[0].row == ("u", "2020") and math.isnan(result.index[("u", "2020")])


def test_a_score_beyond_the_range_of_numbers_is_a_problem_never_infinity():
    # uncapped: 1e300 / 1e-10 = 1e310 overflows to inf; growth 1e300 / 1e-10 likewise
    model = make_model({"R": {"dimension": "A", "reference": 1e-10, "weight": 0.5},
                        "G": {"dimension": "A", "method": "growth", "direction": 1, "reference": 0.0, "weight": 0.5}}, cap=None, missing="reweight")
    panel = make_panel({("u", "1"): {"R": 1.0, "G": 1e-10}, ("u", "2"): {"R": 1e300, "G": 1e300}})
    panel.data_cell = lambda unit, period, ident: f"Data!{'C' if ident == 'R' else 'D'}{int(period) + 1}"
    result = compute(model, panel)
    messages = [str(p) for p in result.problems]
    assert [m.split(":")[0] for m in messages] == ["Data!C3", "Data!D3"]
    assert all("not a finite number" in m for m in messages)
    assert np.isfinite(result.scores.to_numpy()[~np.isnan(result.scores.to_numpy())]).all()
    assert math.isnan(result.index[("u", "2")])
    assert close(result.index[("u", "1")], 1e10)  # G has no growth in period 1: R alone, 1 / 1e-10


# --- missing values -------------------------------------------------------------------------

def _two_dimension_model(**settings):
    # A: a1 (0.3), a2 (0.2); B: b1 (0.5). All positive ratio, reference 1.
    return make_model(
        {
            "a1": {"dimension": "A", "reference": 1.0, "weight": 0.3},
            "a2": {"dimension": "A", "reference": 1.0, "weight": 0.2},
            "b1": {"dimension": "B", "reference": 1.0, "weight": 0.5},
        },
        **settings,
    )


def test_missing_error_is_the_default_and_names_the_value():
    panel = make_panel({("u", "1"): {"a1": 0.5, "a2": np.nan, "b1": 0.8}, ("u", "2"): {"a1": 0.5, "a2": 0.5, "b1": 0.8}})
    result = compute(_two_dimension_model(), panel)
    assert [str(p) for p in result.problems] == ["a2（u，1）：缺少数值（设置 missing = error） · a2 (u, 1): the value is missing (Settings missing = error)"]
    assert math.isnan(result.index[("u", "1")])
    assert close(result.index[("u", "2")], 0.3 * 0.5 + 0.2 * 0.5 + 0.5 * 0.8)  # other rows still computed


def test_missing_reweight_within_dimension():
    # a2 missing: a1 takes A's whole weight 0.5 → Y = 0.5·0.6 + 0.5·0.8 = 0.7; D_A = 0.6
    result = compute(_two_dimension_model(missing="reweight"), make_panel({("u", "1"): {"a1": 0.6, "a2": np.nan, "b1": 0.8}}))
    assert not result.problems
    assert close(result.weights.at[("u", "1"), "a1"], 0.5)
    assert close(result.dimension_scores.at[("u", "1"), "A"], 0.6)
    assert close(result.index[("u", "1")], 0.7)
    assert any("missing a2" in w for w in result.warnings)


def test_missing_reweight_whole_dimension_shares_its_weight_in_proportion():
    # three dimensions A 0.5 (a1 .3, a2 .2), B 0.3, C 0.2; B missing → A gets 0.5/0.7, C 0.2/0.7
    model = make_model(
        {
            "a1": {"dimension": "A", "reference": 1.0, "weight": 0.3},
            "a2": {"dimension": "A", "reference": 1.0, "weight": 0.2},
            "b1": {"dimension": "B", "reference": 1.0, "weight": 0.3},
            "c1": {"dimension": "C", "reference": 1.0, "weight": 0.2},
        },
        missing="reweight",
    )
    result = compute(model, make_panel({("u", "1"): {"a1": 1.0, "a2": 0.5, "b1": np.nan, "c1": 0.4}}))
    # D_A = (0.3·1 + 0.2·0.5)/0.5 = 0.8; Y = (0.5·0.8 + 0.2·0.4) / 0.7 = 0.48 / 0.7
    assert close(result.index[("u", "1")], 0.48 / 0.7)
    assert close(result.weights.loc[("u", "1")].sum(), 1.0)
    assert math.isnan(result.dimension_scores.at[("u", "1"), "B"])
    assert any("dimension B has no values" in w for w in result.warnings)


def test_missing_zero():
    result = compute(_two_dimension_model(missing="zero"), make_panel({("u", "1"): {"a1": 0.6, "a2": np.nan, "b1": 0.8}}))
    assert close(result.index[("u", "1")], 0.3 * 0.6 + 0.5 * 0.8)
    assert result.scores.at[("u", "1"), "a2"] == 0.0


# --- weights --------------------------------------------------------------------------------

def test_weights_must_sum_to_one_within_tolerance():
    model = make_model({"a": {"dimension": "A", "reference": 1.0, "weight": 0.5}, "b": {"dimension": "A", "reference": 1.0, "weight": 0.49}})
    result = compute(model, make_panel({("u", "1"): {"a": 1.0, "b": 1.0}}))
    assert len(result.problems) == 1 and "weights sum to 0.99, not 1" in result.problems[0].message
    assert math.isnan(result.index.iloc[0])
    # not even a row that missing = zero would fill with zeros
    blank = compute(replace(model, settings=Settings(missing="zero")), make_panel({("u", "1"): {"a": np.nan, "b": np.nan}}))
    assert math.isnan(blank.index.iloc[0]) and "weights sum to 0.99, not 1" in blank.problems[0].message


def test_weights_within_tolerance_pass_and_normalize_rescales_with_a_warning():
    ok = make_model({"a": {"dimension": "A", "reference": 1.0, "weight": 0.5}, "b": {"dimension": "A", "reference": 1.0, "weight": 0.5 + 5e-7}})
    assert not compute(ok, make_panel({("u", "1"): {"a": 1.0, "b": 1.0}})).problems
    model = make_model(
        {"a": {"dimension": "A", "reference": 1.0, "weight": 2.0}, "b": {"dimension": "B", "reference": 1.0, "weight": 2.0}}, normalize_weights=True
    )
    result = compute(model, make_panel({("u", "1"): {"a": 0.2, "b": 0.6}}))
    assert close(result.index.iloc[0], 0.4) and "rescaled" in result.warnings[0]


def test_negative_weight_is_an_error():
    model = make_model({"a": {"dimension": "A", "reference": 1.0, "weight": 1.2}, "b": {"dimension": "A", "reference": 1.0, "weight": -0.2}})
    result = compute(model, make_panel({("u", "1"): {"a": 1.0, "b": 1.0}}))
    assert [p.message for p in result.problems] == ["b 的权重必须为 ≥ 0 的数，当前为 -0.2 · weight of b must be a number ≥ 0, got -0.2"]


# --- dimension score, contribution, index, potential gain -----------------------------------

def test_dimension_scores_contributions_index_and_gains():
    # X: a1 = 0.5, a2 = 1 (capped from 2), b1 = 0.25 (negative: 1 / 4)
    model = make_model(
        {
            "a1": {"dimension": "A", "reference": 2.0, "weight": 0.3},
            "a2": {"dimension": "A", "reference": 1.0, "weight": 0.2},
            "b1": {"dimension": "B", "direction": -1, "reference": 1.0, "weight": 0.5},
        }
    )
    result = compute(model, make_panel({("u", "1"): {"a1": 1.0, "a2": 2.0, "b1": 4.0}}))
    row = ("u", "1")
    assert close(result.dimension_scores.at[row, "A"], (0.3 * 0.5 + 0.2 * 1) / 0.5)  # 0.7
    assert close(result.contributions.at[row, "A"], 0.35)
    assert close(result.contributions.at[row, "B"], 0.125)
    assert close(result.index[row], 0.475)
    # gains W (1 − X): a1 0.15, a2 0, b1 0.375 → ranked b1, a1
    top = result.top_gains("u", "1")
    assert list(top.index) == ["b1", "a1"] and close(top["b1"], 0.375) and close(top["a1"], 0.15)


def test_gains_are_made_when_asked_and_follow_blanked_rows():
    # compute --json shows no gains: the result makes its rows × indicators of them on first use
    model = make_model({"a": {"dimension": "A", "reference": 2.0, "weight": 0.4}, "b": {"dimension": "A", "reference": 1.0, "weight": 0.6}})
    result = compute(model, make_panel({("u", "1"): {"a": 1.0, "b": 0.5}, ("v", "1"): {"a": 2.0, "b": 0.25}}))
    assert "gains" not in vars(result)
    assert np.allclose(result.gains.to_numpy(), [[0.4 * 0.5, 0.6 * 0.5], [0.0, 0.6 * 0.75]])
    assert "gains" in vars(result) and result.gains is result.gains
    # a row the reader could not read (blank): no numbers; u (index 0.5 against v's 0.55) ranks first among the rest
    blanked = compute(model, make_panel({("u", "1"): {"a": 1.0, "b": 0.5}, ("v", "1"): {"a": 2.0, "b": 0.25}}), blank={("v", "1")})
    assert blanked.gains.loc[("v", "1")].isna().all() and blanked.gains.loc[("u", "1")].equals(result.gains.loc[("u", "1")])
    assert result.rank.tolist() == [2.0, 1.0] and blanked.rank.tolist()[0] == 1.0 and np.isnan(blanked.rank.tolist()[1])
    assert blanked.index.isna().tolist() == [False, True] and close(blanked.index[("u", "1")], 0.4 * 0.5 + 0.6 * 0.5)


def _long_panel(by_year: bool) -> Panel:
    """10,000 rows × 23 indicators, 1 % of them blank, in Data unit by unit or year by year."""
    model = default_model()
    rng = np.random.default_rng(7)
    index = pd.MultiIndex.from_product([[f"县{u:04d}" for u in range(1000)], [str(2016 + p) for p in range(10)]])
    values = model.indicators["reference"].to_numpy() * rng.uniform(0.5, 1.3, size=(len(index), len(model.indicators)))
    values[rng.random(values.shape) < 0.01] = np.nan
    frame = pd.DataFrame(values, index=index, columns=model.indicators.index)
    return Panel(frame.sort_index(level=1, sort_remaining=False) if by_year else frame)


def _traced(call) -> tuple[object, int, int]:
    """What ``call()`` returns, and the bytes it left held and its peak, above what was held before (tracemalloc)."""
    call()  # what is made once (imports, caches) is not counted
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()  # the peak of this call, whoever traced before
        base = tracemalloc.get_traced_memory()[0]
        result = call()
        held, peak = (size - base for size in tracemalloc.get_traced_memory())
    finally:
        tracemalloc.stop()
    return result, held, peak


@pytest.mark.parametrize("by_year", [False, True])
def test_a_long_panel_costs_the_engine_few_copies_of_its_values(by_year):
    # the working arrays peak under 4.6× the values as float64 (7.1× when every indicator kept its
    # preceding values and the aggregation copied its arrays, 5.1× with each row's weights made
    # whole and kept, 6.1× year by year when the values were copied in unit order; 4.3× now) and
    # the result, warnings included, holds under 3.3× (4.9× with the gains made at once, 3.9×
    # with each row's weights; 2.9× now); tracemalloc counts NumPy's
    panel = _long_panel(by_year)
    result, held, peak = _traced(lambda: compute(default_model(), panel))
    size = panel.values.to_numpy().nbytes
    assert result.index.notna().all() and peak < 4.6 * size and held < 3.3 * size, (peak / size, held / size)


@pytest.mark.parametrize("by_year", [False, True])
def test_a_long_panels_json_holds_a_block_of_rows_at_a_time(monkeypatch, tmp_path, by_year):
    # compute --json has the engine make a block of rows at a time and writes each as it comes:
    # with blocks of 1,024 rows its peak above the values stays under 3× them as float64 (2.7×, of
    # which the 3,000 warnings' texts, written last, are 1.5×), where making the whole result
    # peaked at 4.3×, whatever the panel's order in Data
    from anji_xl.engine import Computation
    from anji_xl.output import write_json

    monkeypatch.setattr("anji_xl.engine.SCORED_ROWS", 1024)
    panel = _long_panel(by_year)

    def written() -> int:
        run = Computation(default_model(), panel)
        with open(tmp_path / "out.json", "w", encoding="utf-8") as out:
            write_json(run, np.arange(len(run.rows)), out)
        return (tmp_path / "out.json").stat().st_size

    length, _, peak = _traced(written)
    size = panel.values.to_numpy().nbytes
    assert length > 10_000 * 1_000 and peak < 3 * size, peak / size


def test_rank_within_period():
    model = make_model({"a": {"dimension": "A", "reference": 1.0, "weight": 1.0}})
    result = compute(model, make_panel({("x", "1"): {"a": 0.2}, ("y", "1"): {"a": 0.9}, ("z", "1"): {"a": 0.2}, ("x", "2"): {"a": 0.1}}))
    assert result.rank.to_dict() == {("x", "1"): 2.0, ("x", "2"): 1.0, ("y", "1"): 1.0, ("z", "1"): 2.0}


def test_settings_blank_keeps_default_but_blank_cap_means_no_cap():
    settings, problems = Settings.from_mapping({"missing": None, "draws": " ", "cap": None, "seed": "7", "normalize_weights": 1.0})
    assert not problems
    assert (settings.missing, settings.draws, settings.cap, settings.seed, settings.normalize_weights) == ("error", 1000, None, 7, True)
    assert Settings.from_mapping({"normalize_weights": 0.0})[0].normalize_weights is False
    _, problems = Settings.from_mapping({"missing": "sometimes", "spread": 1.5, "colour": "red"}, where=lambda k: f"Settings!B{k}")
    assert [str(p) for p in problems] == [
        "Settings!Bmissing: 设置项 missing：'sometimes' 不是 error, reweight, zero 之一 · setting missing: 'sometimes' is not one of error, reweight, zero",
        "Settings!Bspread: 设置项 spread：1.5 不是在 [0, 1) 内的数 · setting spread: 1.5 is not a number in [0, 1)",
        "Settings!Bcolour: 设置项 colour：未知设置 · setting colour: unknown setting",
    ]


def test_a_row_with_every_value_missing_has_no_index_under_reweight():
    rows = {"a": {"dimension": "A", "reference": 1.0, "weight": 0.5}, "b": {"dimension": "B", "reference": 1.0, "weight": 0.5}}
    for aggregation in ("arithmetic", "geometric"):
        model = make_model(rows, missing="reweight", dimension_aggregation=aggregation, index_aggregation=aggregation)
        panel = make_panel({("x", "1"): {"a": np.nan, "b": np.nan}, ("y", "1"): {"a": 0.25, "b": 1.0}})
        panel.data_cell = lambda unit, period, ident: f"Data!{'C' if ident == 'a' else 'D'}{2 if unit == 'x' else 3}"
        result = compute(model, panel)
        assert math.isnan(result.index[("x", "1")]) and math.isnan(result.rank[("x", "1")])
        assert [str(p) for p in result.problems] == ["Data!C2:D2: x 1：所有数值都缺失，无法计算指数 · x 1: every value is missing, so there is no index"]
        assert result.rank[("y", "1")] == 1
        # y: arithmetic 0.5·0.25 + 0.5·1 = 0.625; geometric 0.25^0.5 · 1^0.5 = 0.5
        assert close(result.index[("y", "1")], 0.625 if aggregation == "arithmetic" else 0.5)
        assert not any("shared over" in w for w in result.warnings if w.startswith("x"))


@pytest.mark.parametrize(
    ("periods", "ordered"),
    [
        (["Q2 2020", "Q1 2021", "Q1 2020"], ["Q1 2020", "Q2 2020", "Q1 2021"]),
        (["2020-10", "2020-2", "2020-1"], ["2020-1", "2020-2", "2020-10"]),
        (["2021Q1", "2020Q4"], ["2020Q4", "2021Q1"]),
        (["2019", "2018.5", "2020"], ["2018.5", "2019", "2020"]),
        (["spring", "autumn", "winter"], ["spring", "autumn", "winter"]),  # no order to find: Data's order
    ],
)
def test_period_order(periods, ordered):
    from anji_xl.engine import period_order

    assert period_order(periods) == ordered


def test_geometric_with_reweight_by_hand():
    # A: a1 .3, a2 .2 (a2 missing) → D_A = X_a1 = 0.25; B: b1 .5, X = 0.81; Y = 0.25^0.5 · 0.81^0.5 = 0.45
    model = make_model(
        {
            "a1": {"dimension": "A", "reference": 1.0, "weight": 0.3},
            "a2": {"dimension": "A", "reference": 1.0, "weight": 0.2},
            "b1": {"dimension": "B", "reference": 1.0, "weight": 0.5},
        },
        missing="reweight", dimension_aggregation="geometric", index_aggregation="geometric",
    )
    result = compute(model, make_panel({("u", "1"): {"a1": 0.25, "a2": np.nan, "b1": 0.81}}))
    assert close(result.dimension_scores.at[("u", "1"), "A"], 0.25) and close(result.index[("u", "1")], 0.45)


@pytest.mark.parametrize("policy, level", [("reweight", "arithmetic"), ("zero", "geometric"), ("error", "arithmetic")])
@pytest.mark.parametrize("step, rows", [("engine", "SCORED_ROWS"), ("aggregation", "COMBINED_ROWS")])
def test_rows_taken_a_few_at_a_time_give_what_all_at_once_give(monkeypatch, step, rows, policy, level):
    """score_panel scores the methods that take each row on its own, and combine weights and
    aggregates the rows, a block of rows at a time, reading Data's values (year by year here) in
    the order of units and periods: with blocks of 2 rows (a unit's preceding period often in the
    block before) every frame, warning and problem is the same as with one block, bit for bit,
    the rows' weights made when asked among them."""
    from anji_xl import aggregation, engine

    model = make_model({"R": {"dimension": "A", "method": "ratio", "reference": 0.8, "weight": 0.3},
                        "G": {"dimension": "A", "direction": -1, "method": "growth", "reference": 0.03, "weight": 0.3},
                        "P": {"dimension": "B", "method": "goalpost", "lower": 0.0, "upper": 10.0, "weight": 0.2},
                        "M": {"dimension": "B", "method": "minmax", "weight": 0.2}},
                       missing=policy, dimension_aggregation=level, index_aggregation=level)
    rng = np.random.default_rng(8)
    values = {(f"u{u}", str(year)): {"R": rng.uniform(-0.1, 1.2), "G": rng.uniform(90, 130), "P": rng.uniform(-1, 11), "M": rng.uniform(0, 5)}
              for year in (2017, 2018, 2020, 2021) for u in range(4)}  # Data year by year: the engine reads it unit by unit
    values[("u1", "2018")]["G"] = np.nan
    values[("u2", "2020")]["R"] = np.nan
    values[("u3", "2021")] = dict.fromkeys(values[("u3", "2021")], np.nan)  # no weight left under reweight: a problem
    panel = make_panel(values)
    whole = compute(model, panel)
    monkeypatch.setattr({"engine": engine, "aggregation": aggregation}[step], rows, 2)
    blocks = compute(model, panel)
    for name in ("scores", "weights", "dimension_scores", "dimension_weights", "contributions", "index", "rank", "gains", "missing", "faults"):
        assert np.array_equal(getattr(whole, name).to_numpy(), getattr(blocks, name).to_numpy(), equal_nan=True), name
    assert whole.warnings == blocks.warnings and [str(p) for p in whole.problems] == [str(p) for p in blocks.problems]
    again = engine.Computation(model, panel)
    for _ in range(2):  # a second pass says each warning and problem once, as the first
        done = again.result()
        assert done.warnings == whole.warnings and [str(p) for p in done.problems] == [str(p) for p in whole.problems]
    assert whole.problems and whole.warnings and np.isfinite(whole.index.to_numpy()).sum() >= 6  # a negative value, missing values: something to compare
    if policy == "reweight":  # the row without any value is a problem, with no warning of its own
        assert ("u3", "2021") in [p.row for p in whole.problems] and ("u3", "2021") not in whole.warning_rows
