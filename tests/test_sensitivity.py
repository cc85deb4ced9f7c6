"""SPEC §3 uncertainty analysis: weight draws, percentiles, ranks, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from anji_xl.sensitivity import perturbed_weights, sensitivity
from conftest import make_model, make_panel

ROWS = {
    "a": {"dimension": "A", "reference": 1.0, "weight": 0.5},
    "b": {"dimension": "B", "reference": 1.0, "weight": 0.5},
}
PANEL = {("x", "1"): {"a": 0.2, "b": 1.0}, ("y", "1"): {"a": 0.9, "b": 0.95}, ("x", "2"): {"a": 0.6, "b": 0.6}}


def test_weights_are_multiplied_by_uniform_factors_and_renormalised():
    w = np.array([0.5, 0.3, 0.2])
    drawn = perturbed_weights(w, 4, 0.2, seed=11)
    factors = np.random.default_rng(11).uniform(0.8, 1.2, size=(4, 3))  # the SPEC's U(1 − s, 1 + s)
    expected = w * factors / (w * factors).sum(axis=1, keepdims=True)
    assert np.array_equal(drawn, expected)
    assert np.allclose(drawn.sum(axis=1), 1.0, rtol=0, atol=1e-15)


def test_zero_spread_gives_the_index_itself():
    result = sensitivity(make_model(ROWS), make_panel(PANEL), draws=20, spread=0.0, seed=1)
    # x 1: 0.5·0.2 + 0.5·1 = 0.6; y 1: 0.925; x 2: 0.6
    expected = {("x", "1"): 0.6, ("y", "1"): 0.925, ("x", "2"): 0.6}
    for key, value in expected.items():
        for column in ("index_mean", "index_p5", "index_p50", "index_p95"):
            assert result.table.at[key, column] == pytest.approx(value, abs=1e-15)


def test_percentiles_bracket_and_ranks_of_a_dominant_unit():
    result = sensitivity(make_model(ROWS), make_panel(PANEL), draws=500, spread=0.3, seed=3)
    table = result.table
    assert (table["index_p5"] <= table["index_p50"]).all() and (table["index_p50"] <= table["index_p95"]).all()
    # x 1 leans on b (1.0): more weight on b raises it; its index spans both sides of 0.6
    assert table.at[("x", "1"), "index_p5"] < 0.6 < table.at[("x", "1"), "index_p95"]
    # period 1: x = 0.2 wa + 1.0 wb, y = 0.9 wa + 0.95 wb; y > x ⇔ 0.7 wa > 0.05 wb, which holds for
    # every draw (wa / wb ≥ 0.7 / 1.3 with s = 0.3), so y always ranks first
    assert table.at[("y", "1"), "rank_median"] == 1 and table.at[("y", "1"), "rank_p95"] == 1
    assert table.at[("x", "1"), "rank_p5"] == 2
    assert table.at[("x", "2"), "rank_p95"] == 1  # alone in its period


def test_deterministic_for_a_seed():
    a = sensitivity(make_model(ROWS), make_panel(PANEL), draws=100, spread=0.2, seed=5).table
    b = sensitivity(make_model(ROWS), make_panel(PANEL), draws=100, spread=0.2, seed=5).table
    c = sensitivity(make_model(ROWS), make_panel(PANEL), draws=100, spread=0.2, seed=6).table
    assert a.equals(b) and not a.equals(c)


def test_single_unit_has_no_rank_columns_and_settings_give_defaults():
    model = make_model(ROWS, draws=50, spread=0.1, seed=9)
    result = sensitivity(model, make_panel({("x", "1"): {"a": 0.2, "b": 1.0}}))
    assert list(result.table.columns) == ["index_mean", "index_p5", "index_p50", "index_p95"]
    assert (result.draws, result.spread, result.seed) == (50, 0.1, 9)


def test_problems_are_not_averaged_away():
    # a negative value is an error: its row has no percentiles; weights off 1: no row has any
    model = make_model(ROWS, missing="reweight")
    panel = make_panel({("x", "1"): {"a": -0.2, "b": 1.0}, ("y", "1"): {"a": 0.9, "b": np.nan}})
    result = sensitivity(model, panel, draws=50, spread=0.2, seed=1)
    assert [str(p) for p in result.problems] == ["a（x，1）：数值 -0.2 为负数 · a (x, 1): the value -0.2 is negative"]
    assert result.table.loc[("x", "1")].isna().all()
    assert result.table.at[("y", "1"), "index_p50"] == pytest.approx(0.9, abs=1e-15)  # b left out: a alone
    heavy = make_model({**ROWS, "b": {**ROWS["b"], "weight": 0.6}})
    result = sensitivity(heavy, make_panel(PANEL), draws=20, spread=0.2, seed=1)
    assert result.problems and result.table.isna().all().all()
