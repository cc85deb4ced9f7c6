"""SPEC §3: goalpost, min–max, z-score, efficacy, geometric aggregation — and the UNDP HDI."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from anji_xl import Panel, compute
from conftest import close, make_model, make_panel

HDI_DIR = Path(__file__).resolve().parent / "data" / "hdi"  # UNDP tables, source and licence in its README


def _hdi_model():
    # HDR Technical Note 1: goalposts, income in logs, education = mean of its two indices,
    # HDI = geometric mean of three dimensions.
    return make_model(
        {
            "le": {"dimension": "health", "method": "goalpost", "lower": 20, "upper": 85, "weight": 1 / 3},
            "eys": {"dimension": "education", "method": "goalpost", "lower": 0, "upper": 18, "weight": 1 / 6},
            "mys": {"dimension": "education", "method": "goalpost", "lower": 0, "upper": 15, "weight": 1 / 6},
            "gni": {"dimension": "income", "method": "goalpost", "lower": 100, "upper": 75000, "transform": "log", "weight": 1 / 3},
        },
        index_aggregation="geometric",
    )


@pytest.mark.parametrize("table", ["hdr2021-22_table1.csv", "hdr2023-24_table1.csv"])
def test_hdi_reproduces_every_published_value(table):
    published = pd.read_csv(HDI_DIR / table)
    values = published.rename(
        columns={"life_expectancy": "le", "expected_years_schooling": "eys", "mean_years_schooling": "mys", "gni_per_capita_ppp2017": "gni"}
    )
    values.index = pd.MultiIndex.from_arrays([values["iso3"], ["y"] * len(values)], names=["unit", "period"])
    result = compute(_hdi_model(), Panel(values[["le", "eys", "mys", "gni"]].astype(float)))
    assert not result.problems
    hdi = result.index.droplevel("period").reindex(published["iso3"]).to_numpy()
    difference = np.abs(hdi - published["hdi_published"].to_numpy())
    # published to 3 decimals; the data README gives the bound (rounding plus boundary rows)
    assert len(published) > 190 and np.all(difference <= 0.0005 + 1e-6), published["country"][difference > 0.0005 + 1e-6].tolist()


def test_hdi_switzerland_2021_by_hand():
    # LE 83.9872 → (83.9872−20)/65; EYS 16.5003 → /18; MYS 13.8597 → /15; GNI 66933 → ln-goalpost
    le, eys, mys, gni = 83.9872, 16.50029945, 13.85966015, 66933.00454
    health = (le - 20) / 65
    education = ((eys / 18) + (mys / 15)) / 2
    income = (math.log(gni) - math.log(100)) / (math.log(75000) - math.log(100))
    expected = (health * education * income) ** (1 / 3)
    result = compute(_hdi_model(), make_panel({("CHE", "2021"): {"le": le, "eys": eys, "mys": mys, "gni": gni}}))
    assert close(result.index.iloc[0], expected, 1e-12)
    assert round(expected, 3) == 0.962


def test_goalpost_negative_direction_and_clipping():
    model = make_model({"a": {"dimension": "A", "method": "goalpost", "direction": -1, "lower": 10, "upper": 30, "weight": 1.0}})
    result = compute(model, make_panel({("u", "1"): {"a": 15.0}, ("u", "2"): {"a": 5.0}, ("u", "3"): {"a": 40.0}}))
    assert result.scores["a"].tolist() == [0.75, 1.0, 0.0]  # (30−15)/20; clipped above and below


def test_minmax_zscore_efficacy_over_units_of_the_same_period():
    methods = {m: {"dimension": "A", "method": m, "weight": 1.0} for m in ("minmax", "zscore", "efficacy")}
    panel_values = {("x", "1"): 2.0, ("y", "1"): 4.0, ("z", "1"): 6.0, ("x", "2"): 100.0, ("y", "2"): 300.0}
    for method, fields in methods.items():
        result = compute(make_model({"a": fields}), make_panel({k: {"a": v} for k, v in panel_values.items()}))
        scores = result.scores["a"].to_dict()
        if method == "minmax":  # period 1: (v−2)/4; period 2: (v−100)/200
            assert scores == {("x", "1"): 0.0, ("x", "2"): 0.0, ("y", "1"): 0.5, ("y", "2"): 1.0, ("z", "1"): 1.0}
        elif method == "efficacy":  # 60 + 40 · min–max
            assert scores == {("x", "1"): 60.0, ("x", "2"): 60.0, ("y", "1"): 80.0, ("y", "2"): 100.0, ("z", "1"): 100.0}
        else:  # period 1: mean 4, sample sd 2 → −1, 0, 1; period 2: mean 200, sd √20000
            sd2 = math.sqrt(((100 - 200) ** 2 + (300 - 200) ** 2) / 1)
            expected = {("x", "1"): -1.0, ("y", "1"): 0.0, ("z", "1"): 1.0, ("x", "2"): -100 / sd2, ("y", "2"): 100 / sd2}
            assert all(close(scores[k], v) for k, v in expected.items())


def test_minmax_all_equal_gives_one_and_a_warning():
    model = make_model({"a": {"dimension": "A", "method": "minmax", "weight": 1.0}})
    result = compute(model, make_panel({("x", "1"): {"a": 3.0}, ("y", "1"): {"a": 3.0}}))
    assert result.scores["a"].tolist() == [1.0, 1.0]
    assert result.warnings == ["a 1：所有单位数值相同；min–max 得分为 1，z 分数为 0 · a 1: all units have the same value; min–max scores 1, z-scores 0"]


def test_zscore_negative_direction_flips_sign():
    model = make_model({"a": {"dimension": "A", "method": "zscore", "direction": -1, "weight": 1.0}})
    result = compute(model, make_panel({("x", "1"): {"a": 2.0}, ("y", "1"): {"a": 4.0}, ("z", "1"): {"a": 6.0}}))
    assert [round(v, 12) for v in result.scores["a"]] == [1.0, 0.0, -1.0]


def test_geometric_aggregation_and_zero_score():
    rows = {
        "a1": {"dimension": "A", "reference": 1.0, "weight": 0.25},
        "a2": {"dimension": "A", "reference": 1.0, "weight": 0.25},
        "b1": {"dimension": "B", "reference": 1.0, "weight": 0.5},
    }
    model = make_model(rows, dimension_aggregation="geometric", index_aggregation="geometric")
    result = compute(model, make_panel({("u", "1"): {"a1": 0.25, "a2": 1.0, "b1": 0.81}, ("u", "2"): {"a1": 0.0, "a2": 1.0, "b1": 0.81}}))
    # D_A = 0.25^0.5 · 1^0.5 = 0.5; D_B = 0.81; Y = 0.5^0.5 · 0.81^0.5 = √0.405
    assert close(result.dimension_scores.at[("u", "1"), "A"], 0.5)
    assert close(result.index[("u", "1")], math.sqrt(0.405))
    # a zero score makes its dimension and the index zero
    assert result.dimension_scores.at[("u", "2"), "A"] == 0.0 and result.index[("u", "2")] == 0.0


def test_arithmetic_dimensions_geometric_index():
    rows = {"a": {"dimension": "A", "reference": 1.0, "weight": 0.5}, "b": {"dimension": "B", "reference": 1.0, "weight": 0.5}}
    result = compute(make_model(rows, index_aggregation="geometric"), make_panel({("u", "1"): {"a": 0.25, "b": 1.0}}))
    assert close(result.index.iloc[0], 0.5)


@pytest.mark.parametrize("levels", [("geometric", "geometric"), ("arithmetic", "geometric")])
def test_geometric_rejects_negative_zscores_at_their_cells(levels):
    model = make_model({"a": {"dimension": "A", "method": "zscore", "weight": 1.0}}, dimension_aggregation=levels[0], index_aggregation=levels[1])
    panel = make_panel({("x", "1"): {"a": 2.0}, ("y", "1"): {"a": 4.0}})
    panel.data_cell = lambda unit, period, ident: f"Data!C{2 if unit == 'x' else 3}"
    result = compute(model, panel)
    # mean 3, sample sd √2: x = −1/√2 cannot enter a geometric mean; y = 1/√2 is its own index
    assert [str(p) for p in result.problems] == ["Data!C2: a（x，1）：得分 -0.707107 为负数，几何平均要求得分 ≥ 0 · "
                                                    "a (x, 1): the score -0.707107 is negative, and geometric aggregation needs scores ≥ 0"]
    assert math.isnan(result.index[("x", "1")])
    assert close(result.index[("y", "1")], 1 / math.sqrt(2))


def test_arithmetic_dimensions_take_negative_scores_when_their_sum_is_not_negative():
    # A: z-score a (weight 0.25) and ratio r (0.25); B: ratio b (0.5); geometric index over D_A, D_B
    rows = {"a": {"dimension": "A", "method": "zscore", "weight": 0.25}, "r": {"dimension": "A", "reference": 1.0, "weight": 0.25},
            "b": {"dimension": "B", "reference": 1.0, "weight": 0.5}}
    model = make_model(rows, index_aggregation="geometric")
    result = compute(model, make_panel({("x", "1"): {"a": 2.0, "r": 1.0, "b": 0.25}, ("y", "1"): {"a": 4.0, "r": 0.5, "b": 1.0}}))
    # x: z = −1/√2, D_A = (1 − 1/√2)/2 ≥ 0, so it is an index: (D_A)^0.5 · 0.25^0.5; y: z = 1/√2, D_A = (0.5 + 1/√2)/2
    assert not result.problems
    assert close(result.index[("x", "1")], math.sqrt((1 - 1 / math.sqrt(2)) / 2 * 0.25))
    assert close(result.index[("y", "1")], math.sqrt((0.5 + 1 / math.sqrt(2)) / 2))
