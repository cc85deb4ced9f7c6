"""Properties of the engine that must hold for any input (hypothesis)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anji_xl import Panel, compute, joining
from anji_xl.cells import column_letters, column_number
from anji_xl.engine import cell_span, period_ranks
from anji_xl.tables import RowLabels
from conftest import make_model

positive = st.floats(0.01, 1e4, allow_nan=False, allow_infinity=False)
caps = st.one_of(st.none(), st.floats(0.5, 3.0))


@st.composite
def systems(draw, min_units=1, methods=("ratio",), holes=False):
    """A random system (2–3 dimensions) of the given methods and a panel of units × periods
    (years with gaps); ``holes``: some values missing."""
    n = draw(st.integers(2, 6))
    dims = [draw(st.sampled_from("ABC")) for _ in range(n)]
    raw = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n)))
    weights = raw / raw.sum()
    weights[-1] = 1.0 - weights[:-1].sum()
    rows = {}
    for k in range(n):
        method = draw(st.sampled_from(methods))
        reference = draw(st.floats(-0.5, 0.5)) if method == "growth" else draw(positive)
        rows[f"i{k}"] = {"dimension": dims[k], "direction": draw(st.sampled_from([1, -1])), "method": method, "reference": reference,
                         "weight": weights[k]}
    units = [f"u{k}" for k in range(draw(st.integers(min_units, 3)))]
    periods = [str(year) for year in sorted(draw(st.sets(st.integers(2015, 2022), min_size=1, max_size=4)))]
    index = pd.MultiIndex.from_product([units, periods], names=["unit", "period"])
    values = np.array(draw(st.lists(st.floats(0.0, 1e4), min_size=len(index) * n, max_size=len(index) * n)))
    if holes:
        values[np.array(draw(st.lists(st.booleans(), min_size=values.size, max_size=values.size)))] = np.nan
    frame = pd.DataFrame(values.reshape(len(index), n), index=index, columns=list(rows))
    return rows, frame, draw(caps)


@settings(max_examples=150, deadline=None)
@given(systems(methods=("ratio", "growth")))
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
@given(systems(methods=("ratio", "growth")), st.data())
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
@given(systems(min_units=2, methods=("ratio", "growth")), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_row_or_column_order(system, rnd):
    rows, frame, cap = system
    model = make_model(rows, cap=cap)
    row_order = list(range(len(frame)))
    col_order = list(frame.columns)
    rnd.shuffle(row_order)
    rnd.shuffle(col_order)
    shuffled = frame.iloc[row_order][col_order]
    a = compute(model, Panel(frame))
    b = compute(model, Panel(shuffled))
    # the numbers are the same; the units come in the order Data first lists them
    assert list(dict.fromkeys(b.rows.get_level_values(0))) == list(dict.fromkeys(shuffled.index.get_level_values(0)))
    pd.testing.assert_series_equal(a.index, b.index.reindex(a.rows), check_exact=True)
    pd.testing.assert_frame_equal(a.scores, b.scores.reindex(a.rows), check_exact=True)
    pd.testing.assert_series_equal(a.rank, b.rank.reindex(a.rows), check_exact=True)


@settings(max_examples=150, deadline=None)
@given(st.floats(-0.5, 1.0), st.floats(-0.5, 0.5), st.sampled_from([1, -1]), st.lists(st.integers(1, 4), min_size=1, max_size=4),
       st.floats(1.0, 1e4), caps)
def test_a_steady_growth_rate_scores_the_same_across_any_gap(growth, reference, direction, gaps, start, cap):
    # totals grow by g every year; whatever years are absent, the annualised g is the same, so is X
    years = np.cumsum([2010, *gaps])
    totals = start * (1 + growth) ** (years - years[0])
    model = make_model({"T": {"dimension": "A", "method": "growth", "direction": direction, "reference": reference, "weight": 1.0}},
                       cap=cap, missing="reweight")
    frame = pd.DataFrame({"T": totals}, index=pd.MultiIndex.from_tuples([("u", str(y)) for y in years], names=["unit", "period"]))
    result = compute(model, Panel(frame))
    ratio = (1 + growth) / (1 + reference)
    expected = ratio if direction > 0 else 1 / ratio
    expected = expected if cap is None else min(cap, expected)
    later = result.scores["T"].to_numpy()[1:]
    assert np.allclose(later, expected, rtol=1e-9, atol=0)
    assert sum("annualised" in w for w in result.warnings) == sum(g != 1 for g in gaps)


@settings(max_examples=150, deadline=None)
@given(systems(methods=("ratio", "growth"), holes=True))
def test_reweight_keeps_each_dimensions_share_and_the_index_a_weighted_mean(system):
    rows, frame, cap = system
    result = compute(make_model(rows, cap=cap, missing="reweight"), Panel(frame))
    weights, scores = result.weights.to_numpy(), result.scores.to_numpy()
    dims = np.array([rows[i]["dimension"] for i in result.scores.columns])
    base = np.array([rows[i]["weight"] for i in result.scores.columns])
    for row in np.flatnonzero(~result.index.isna().to_numpy()):
        present = ~result.missing.to_numpy()[row]
        assert np.all(weights[row][~present] == 0)
        assert abs(weights[row].sum() - 1) <= 1e-12
        # each dimension with a value keeps its share of the weight among the dimensions left
        kept = sorted(set(dims[present]))
        left = sum(base[dims == d].sum() for d in kept)
        for d in kept:
            assert abs(weights[row][dims == d].sum() - base[dims == d].sum() / left) <= 1e-12
        x = scores[row][present]
        expected = (weights[row][present] * x).sum()
        tolerance = 1e-12 * max(1.0, abs(expected))
        assert abs(result.index.iloc[row] - expected) <= tolerance
        assert x.min() - tolerance <= result.index.iloc[row] <= x.max() + tolerance


@settings(max_examples=150, deadline=None)
@given(systems(methods=("ratio", "growth"), holes=True), st.sampled_from(["error", "reweight", "zero"]))
def test_geometric_index_is_the_weighted_product_and_never_above_the_arithmetic(system, policy):
    rows, frame, cap = system
    arithmetic = compute(make_model(rows, cap=cap, missing=policy), Panel(frame))
    geometric = compute(make_model(rows, cap=cap, missing=policy, dimension_aggregation="geometric", index_aggregation="geometric"), Panel(frame))
    pd.testing.assert_frame_equal(arithmetic.scores, geometric.scores)
    both = ~arithmetic.index.isna().to_numpy()
    assert np.array_equal(both, ~geometric.index.isna().to_numpy())
    weights, scores = geometric.weights.to_numpy()[both], geometric.scores.to_numpy()[both]
    # Π_k (Π_(i∈k) X_i^(W_i/W_k))^(W_k) = Π_i X_i^(W_i), and a weighted geometric mean ≤ the arithmetic one
    with np.errstate(divide="ignore"):
        product = np.exp(np.sum(np.where(weights > 0, weights * np.log(np.where(weights > 0, scores, 1.0)), 0.0), axis=1))
    g, a = geometric.index.to_numpy()[both], arithmetic.index.to_numpy()[both]
    assert np.all(np.abs(g - product) <= 1e-9 * np.maximum(1.0, product))
    assert np.all(g <= a * (1 + 1e-12) + 1e-15)


_REFERENCE = re.compile(r"(?P<sheet>.+)!\$?(?P<col>[A-Z]+)\$?(?P<row>\d+)")


def _span_as_defined(cells: list[str]) -> str:
    """cell_span's definition, a cell at a time: the range spanning the cells when every one is a
    reference on one sheet, else the distinct non-empty ones joined by commas."""
    known = [cell for cell in dict.fromkeys(cells) if cell]
    parsed = [_REFERENCE.fullmatch(cell) for cell in known]
    if not parsed or not all(parsed) or len({m["sheet"] for m in parsed}) != 1:
        return ", ".join(known)
    cols, rows = [column_number(m["col"]) for m in parsed], [int(m["row"]) for m in parsed]
    first, last = f"{column_letters(min(cols))}{min(rows)}", f"{column_letters(max(cols))}{max(rows)}"
    return f"{parsed[0]['sheet']}!{first}" + (f":{last}" if last != first else "")


_SHEETS = st.sampled_from(["Data", "数据", "'My Data'", "a!b", "Data\nx", ""])
_CELL_REFS = st.builds(lambda sheet, dollar, col, row: f"{sheet}!{dollar}{column_letters(col)}{dollar}{row}",
                       _SHEETS, st.sampled_from(["", "$"]), st.integers(1, 800), st.integers(1, 1_048_576))


@given(st.lists(st.one_of(_CELL_REFS, st.sampled_from(["", "Data!", "Data!C", "C5", "Data!C5\n", "x\nData!C5"])), max_size=30))
@settings(max_examples=400, deadline=None)
def test_a_span_of_cells_is_the_range_of_them_all_or_each_named(cells):
    assert cell_span(cells) == _span_as_defined(cells)


@pytest.mark.parametrize("count", [0, 1, 4095, 4096, 4097, 8192, 10_001])
def test_pieces_joined_a_few_thousand_at_a_time_are_joined_whole(count):
    parts = [b"%d" % k if k % 3 else "县".encode() * (k % 5) for k in range(count)]
    assert joining.joined(parts) == b"".join(parts)


@given(st.lists(st.tuples(st.sampled_from(["2019", "2020", "2020Q1", "2021年"]), st.sampled_from([0.5, 0.25, -0.0, 0.0, 1.0, np.nan, 0.75])),
                max_size=40))
@settings(max_examples=300, deadline=None)
def test_ranks_are_pandas_ranks_within_each_period(rows):
    """A rank is the row's place by index among its period's rows with an index, highest first,
    ties sharing the better place, as pandas ranks a period's rows (method "min"); and it is out of
    as many rows as the period has with an index."""
    periods = np.array([period for period, _ in rows], dtype=object)
    index = np.array([value for _, value in rows], dtype=float)
    ranks, out_of = period_ranks(index, RowLabels(np.zeros(len(rows)), periods).codes(1)[0])
    frame = pd.DataFrame({"period": periods, "index": index})
    expected = frame.groupby("period")["index"].rank(ascending=False, method="min").to_numpy()
    np.testing.assert_array_equal(ranks, expected)
    assert out_of.tolist() == frame.groupby("period")["index"].transform("count").astype(int).tolist()
