"""Properties of the engine that must hold for any input (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from anji_xl import Panel, compute
from conftest import make_model

positive = st.floats(0.01, 1e4, allow_nan=False, allow_infinity=False)
caps = st.one_of(st.none(), st.floats(0.5, 3.0))


@st.composite
def systems(draw, min_units=1):
    """A random ratio system (2–3 dimensions) and a panel of units × periods."""
    n = draw(st.integers(2, 6))
    dims = [draw(st.sampled_from("ABC")) for _ in range(n)]
    raw = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n)))
    weights = raw / raw.sum()
    weights[-1] = 1.0 - weights[:-1].sum()
    rows = {
        f"i{k}": {"dimension": dims[k], "direction": draw(st.sampled_from([1, -1])), "reference": draw(positive), "weight": weights[k]}
        for k in range(n)
    }
    units = [f"u{k}" for k in range(draw(st.integers(min_units, 3)))]
    periods = [str(2018 + k) for k in range(draw(st.integers(1, 3)))]
    index = pd.MultiIndex.from_product([units, periods], names=["unit", "period"])
    values = draw(st.lists(st.floats(0.0, 1e4), min_size=len(index) * n, max_size=len(index) * n))
    frame = pd.DataFrame(np.array(values).reshape(len(index), n), index=index, columns=list(rows))
    return rows, frame, draw(caps)


@settings(max_examples=150, deadline=None)
@given(systems())
def test_scores_within_zero_and_cap_and_index_is_sum_of_weighted_scores(system):
    rows, frame, cap = system
    result = compute(make_model(rows, cap=cap), Panel(frame))
    scores = result.scores.to_numpy()
    finite = ~np.isnan(scores)
    assert np.all(scores[finite] >= 0)
    if cap is not None:
        assert np.all(scores[finite] <= cap)
    weights = np.array([rows[i]["weight"] for i in result.scores.columns])
    ok = ~result.index.isna().to_numpy()
    expected = (scores[ok] * weights).sum(axis=1)
    # 1e-12 for an index in [0, cap]; relative to its size when an uncapped score runs large
    tolerance = 1e-12 * np.maximum(1.0, np.abs(expected))
    assert np.all(np.abs(result.index.to_numpy()[ok] - expected) <= tolerance)
    assert np.all(np.abs(result.contributions.sum(axis=1).to_numpy()[ok] - expected) <= tolerance)


@settings(max_examples=150, deadline=None)
@given(systems(), st.data())
def test_raising_a_value_moves_score_and_index_in_its_direction(system, data):
    rows, frame, cap = system
    model = make_model(rows, cap=cap)
    before = compute(model, Panel(frame))
    ident = data.draw(st.sampled_from(list(rows)))
    row = data.draw(st.integers(0, len(frame) - 1))
    raised = frame.copy()
    raised.iloc[row, list(rows).index(ident)] += data.draw(st.floats(0.001, 1e3))
    after = compute(model, Panel(raised))
    key = frame.index[row]
    sign = rows[ident]["direction"]
    d_score = after.scores.at[key, ident] - before.scores.at[key, ident]
    d_index = after.index[key] - before.index[key]
    if not np.isnan(d_score):
        assert sign * d_score >= -1e-12
    if not np.isnan(d_index):
        assert sign * d_index >= -1e-12


@settings(max_examples=100, deadline=None)
@given(systems(min_units=2), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_row_or_column_order(system, rnd):
    rows, frame, cap = system
    model = make_model(rows, cap=cap)
    row_order = list(range(len(frame)))
    col_order = list(frame.columns)
    rnd.shuffle(row_order)
    rnd.shuffle(col_order)
    a = compute(model, Panel(frame))
    b = compute(model, Panel(frame.iloc[row_order][col_order]))
    pd.testing.assert_series_equal(a.index, b.index, check_exact=True)
    pd.testing.assert_frame_equal(a.scores, b.scores, check_exact=True)
    pd.testing.assert_series_equal(a.rank, b.rank, check_exact=True)
