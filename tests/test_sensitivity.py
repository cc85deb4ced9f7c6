"""SPEC §3 uncertainty analysis: weight draws, percentiles, ranks, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anji_xl import sensitivity as sensitivity_module
from anji_xl.model import Panel
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


def test_a_panel_without_rows_gives_an_empty_table_and_its_progress_ends():
    reported = []
    rows = pd.MultiIndex.from_tuples([], names=["unit", "period"])
    empty = Panel(pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=float)}, index=rows))
    result = sensitivity(make_model(ROWS), empty, draws=250, spread=0.2, seed=1, progress=lambda done, total: reported.append((done, total)))
    assert result.table.empty and list(result.table.columns) == ["index_mean", "index_p5", "index_p50", "index_p95"]
    assert reported[-1] == (250, 250)


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


@pytest.mark.parametrize("missing", ["error", "zero", "reweight"])
@pytest.mark.parametrize("aggregation", ["arithmetic", "geometric"])
@pytest.mark.parametrize("period_rows", [sensitivity_module.PERIOD_ROWS, 1, 30])
def test_blocks_of_draws_give_what_one_combine_per_draw_gives(missing, aggregation, period_rows, monkeypatch):
    """The matrix products over blocks of draws (and the row-group statistics) against the plain
    definition: :func:`combine` once per draw, numpy percentiles, pandas ranks within a period;
    the rows taken all at once, a period at a time, or two periods and then one (12 rows each)."""
    from anji_xl.aggregation import combine, full_scores, membership_matrix
    from anji_xl.engine import check_weights, compute
    from anji_xl.sensitivity import DRAW_BLOCK

    monkeypatch.setattr(sensitivity_module, "PERIOD_ROWS", period_rows)

    ids = {"a": "A", "b": "A", "c": "B", "d": "B", "e": "C"}
    model = make_model({i: {"dimension": d, "reference": 1.0, "weight": w} for (i, d), w in zip(ids.items(), (0.3, 0.1, 0.2, 0.25, 0.15))},
                       missing=missing, dimension_aggregation=aggregation)
    rng = np.random.default_rng(4)
    values = {}
    for u in range(12):
        for p in ("1", "2", "3"):
            row = dict(zip(ids, rng.uniform(0.3, 1.2, len(ids))))
            if u % 4 == 1:
                row["b"] = np.nan  # missing in one dimension
            if u % 4 == 2:
                row["c"], row["d"] = np.nan, np.nan  # a whole dimension missing
            values[(f"u{u}", p)] = row
    values[("u8", "2")] = values[("u4", "2")]  # a tie in period 2 (two rows with every value)
    values[("u9", "3")] = {**values[("u9", "3")], "e": -1.0}  # an error row
    panel = make_panel(values)
    draws = 2 * DRAW_BLOCK + 17
    reported = []
    result = sensitivity(model, panel, draws=draws, spread=0.3, seed=21, progress=lambda done, total: reported.append((done, total)))
    assert reported == sorted(reported) and reported[-1] == (draws, draws) and {total for _, total in reported} == {draws}

    base = compute(model, panel)
    weights = check_weights(model)[0]
    membership = membership_matrix(model.indicators["dimension"].tolist(), base.dimensions)
    full = full_scores(model.indicators["method"].tolist(), model.settings)
    each = np.column_stack([combine(base.scores.to_numpy(), base.missing.to_numpy(), w, membership, model.settings, full).aggregate.index
                            for w in perturbed_weights(weights, draws, 0.3, 21)])
    table = result.table
    assert np.allclose(table["index_mean"], each.mean(axis=1), rtol=0, atol=1e-14, equal_nan=True)
    for p, expected in zip((5, 50, 95), np.percentile(each, (5, 50, 95), axis=1)):
        assert np.allclose(table[f"index_p{p}"], expected, rtol=0, atol=1e-14, equal_nan=True)
    ranks = pd.DataFrame(each, index=base.rows).groupby(base.rows.get_level_values(1).to_numpy()).rank(ascending=False, method="min").to_numpy()
    assert np.array_equal(table["rank_median"], np.median(ranks, axis=1), equal_nan=True)
    assert np.array_equal(table[["rank_p5", "rank_p95"]].to_numpy(), np.percentile(ranks, (5, 95), axis=1).T, equal_nan=True)
    assert table.loc[("u9", "3")].isna().all() and table.at[("u4", "2"), "rank_p5"] == table.at[("u8", "2"), "rank_p5"]
