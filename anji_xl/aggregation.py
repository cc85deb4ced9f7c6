"""From score rates X_i to dimension scores, contributions and the index (指数合成).

Arrays are rows (unit × period) × indicators; ``membership`` is the indicators × dimensions
0/1 matrix, so every sum over a dimension is one matrix product. :func:`combine` is the one
entry point the engine, the sensitivity analysis and the worksheet functions share: the missing
policy, row weights, aggregation and potential gains, as a :class:`~anji_xl.model.Settings` says.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .model import Settings


def membership_matrix(dimension_of: list[str], dimensions: list[str]) -> np.ndarray:
    """Indicators × dimensions matrix with 1 where the indicator belongs to the dimension."""
    return (np.asarray(dimension_of)[:, None] == np.asarray(dimensions)[None, :]).astype(float)


def row_weights(weights: np.ndarray, present: np.ndarray, membership: np.ndarray, reweight: bool) -> np.ndarray:
    """The weight each row gives each indicator (rows × indicators).

    Without ``reweight`` a missing indicator keeps its weight (its score is 0 or the row is an
    error). With ``reweight`` (Settings ``missing = reweight``) a missing indicator is dropped
    and the remaining weights of its dimension are rescaled so the dimension keeps its total,
    W'_i = W_i · W_k / Σ_(j∈k present) W_j; a dimension with nothing present is dropped and
    the other dimensions share its weight in proportion to theirs.
    """
    if not reweight:
        return np.broadcast_to(weights, present.shape).astype(float)  # a copy: each row its own
    # rows × indicators arrays are made once and changed in place: a panel of 30,000 rows holds
    # one such array per 5 MB, and a new one for each step made this the engine's peak
    within = np.where(present, np.broadcast_to(weights, present.shape), 0.0)  # the present weights
    dim_total = weights @ membership  # W_k
    dim_present = within @ membership  # Σ of the present weights in k, per row
    with np.errstate(all="ignore"):
        dim_factor = np.where(dim_present > 0, dim_total / dim_present, 0.0)
    within *= dim_factor @ membership.T
    total = within.sum(axis=1, keepdims=True)
    with np.errstate(all="ignore"):
        within /= total
    within[~(total[:, 0] > 0)] = 0.0
    return within


@dataclass(frozen=True)
class Aggregate:
    """Dimension scores D_k, dimension weights W_k, contributions C_k and the index Y."""

    dimension_scores: np.ndarray  # rows × dimensions
    dimension_weights: np.ndarray  # rows × dimensions
    contributions: np.ndarray  # rows × dimensions
    index: np.ndarray  # rows


def _weighted_log(weights: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """W · ln X with 0 · ln 0 taken as 0 and ln 0 = −inf, so a zero score zeroes a product."""
    with np.errstate(all="ignore"):
        return np.where(weights > 0, weights * np.log(scores), 0.0)


def aggregate(
    scores: np.ndarray,
    weights: np.ndarray,
    membership: np.ndarray,
    dimension_aggregation: str = "arithmetic",
    index_aggregation: str = "arithmetic",
) -> Aggregate:
    """Combine scores X (rows × indicators) with row weights W of the same shape.

    Arithmetic: D_k = Σ_(i∈k) W_i X_i / W_k. Geometric: D_k = Π_(i∈k) X_i^(W_i / W_k).
    Index, arithmetic: Y = Σ_k W_k D_k; geometric: Y = Π_k D_k^(W_k). Contribution
    C_k = W_k D_k, which is Σ_(i∈k) W_i X_i with arithmetic dimensions, and the C_k add up to
    Y when the index is arithmetic. A dimension with zero weight in a row has no score (NaN).
    Scores that are NaN where their weight is 0 do not matter.
    """
    x = np.where(weights > 0, scores, 0.0)
    dim_weights = weights @ membership
    with np.errstate(all="ignore"):
        if dimension_aggregation == "geometric":
            # ln 0 would meet the 0 entries of the membership matrix (−inf · 0 = NaN), so a
            # zero score is counted apart: it makes its dimension's product 0.
            has_zero = (((weights > 0) & (x == 0)) @ membership) > 0
            logs = _weighted_log(weights, np.where(x == 0, 1.0, x)) @ membership
            dim_scores = np.where(has_zero, 0.0, np.exp(logs / dim_weights))
            contributions = dim_weights * dim_scores
        else:
            x *= weights
            contributions = x @ membership  # Σ_(i∈k) W_i X_i, as the report adds it
            dim_scores = contributions / dim_weights
    del x  # rows × indicators: let go before the rows × dimensions arrays below are made
    # the arrays made here are changed in place: each copy of them was a peak of the engine's
    dim_scores[~(dim_weights > 0)] = np.nan
    contributions[~(dim_weights > 0)] = np.nan
    if index_aggregation == "geometric":
        index = np.exp(np.sum(_weighted_log(dim_weights, np.nan_to_num(dim_scores)), axis=1))
    else:
        index = np.nansum(contributions, axis=1)
    # A NaN score with positive weight (an error row) makes the whole row an error; so does a
    # row left with no weight at all (every value missing under reweight): it has no index.
    broken = np.any((weights > 0) & np.isnan(scores), axis=1) | ~(weights.sum(axis=1) > 0)
    dim_scores[broken], contributions[broken], index[broken] = np.nan, np.nan, np.nan
    return Aggregate(dim_scores, dim_weights, contributions, index)


def full_scores(methods: list[str], settings: Settings) -> np.ndarray:
    """The score each indicator reaches at its target: the cap for ratio and growth (1 when
    there is no cap), 1 for goalposts and min–max, 100 for efficacy, NaN for z-scores (no target)."""
    cap = 1.0 if settings.cap is None else settings.cap
    by_method = {"ratio": cap, "growth": cap, "goalpost": 1.0, "minmax": 1.0, "efficacy": 100.0, "zscore": np.nan}
    return np.array([by_method[m] for m in methods], dtype=float)


def potential_gains(scores: np.ndarray, weights: np.ndarray, full_score: np.ndarray) -> np.ndarray:
    """Potential gain (短板): W_i (full − X_i), how much the index rises if X_i reached its target.

    ``full_score`` per indicator is the cap for ratio and growth (1 when there is no cap), 1 for
    goalposts and min–max, 100 for efficacy and NaN for z-scores (no target). Never negative.
    """
    gains = full_score - scores
    gains *= weights
    with np.errstate(invalid="ignore"):
        return np.maximum(gains, 0.0, out=gains)


@dataclass(frozen=True)
class RowWeights:
    """The weight each row gives each indicator (:func:`row_weights`), made for the rows asked
    for: a panel's whole array is 5 MiB for 30,000 rows × 23 indicators, and what the engine
    shows (the index, the scores) needs it a few thousand rows at a time."""

    weights: np.ndarray  # per indicator, as the model checked them
    missing: np.ndarray  # rows × indicators: the values the missing policy counts as missing
    membership: np.ndarray
    reweight: bool

    def __call__(self, rows: slice | np.ndarray = slice(None)) -> np.ndarray:
        return row_weights(self.weights, ~self.missing[rows], self.membership, self.reweight)


@dataclass(frozen=True)
class Combined:
    """What :func:`combine` made of a panel's scores."""

    scores: np.ndarray  # after the missing policy: a missing score is 0 under ``missing = zero``
    row_weights: RowWeights  # the weight each row gave each indicator, when asked
    weight_totals: np.ndarray  # per row, the sum of its weights (0: every value missing under reweight)
    aggregate: Aggregate
    negative_for_geometric: np.ndarray  # scores < 0 a geometric mean would have to take; their rows have no index
    full_score: np.ndarray  # per indicator, as :func:`potential_gains` takes it

    @cached_property
    def weights(self) -> np.ndarray:
        """Every row's weights (rows × indicators), made when first asked."""
        return self.row_weights()

    @cached_property
    def gains(self) -> np.ndarray:
        """W_i (full − X_i) (:func:`potential_gains`), made when asked: the sensitivity draws and
        the trajectories want the index alone (a rows × indicators array less for each)."""
        return potential_gains(self.scores, self.weights, self.full_score)


def _negative_for_geometric(scores: np.ndarray, weights: np.ndarray, membership: np.ndarray, settings: Settings,
                            dimension_scores: np.ndarray) -> np.ndarray:
    """Scores a geometric mean cannot take: any weighted score < 0 under geometric dimensions;
    under arithmetic dimensions and a geometric index, the scores < 0 of a dimension whose D_k < 0."""
    with np.errstate(invalid="ignore"):
        negative = (weights > 0) & (scores < 0)
        if settings.dimension_aggregation == "geometric":
            return negative
        if settings.index_aggregation == "geometric":
            return negative & (((dimension_scores < 0) @ membership.T) > 0)
    return np.zeros(scores.shape, dtype=bool)


COMBINED_ROWS = 4096  # rows weighted and aggregated at a time: a step's rows × indicators arrays stay small


def combine(scores: np.ndarray, missing: np.ndarray, weights: np.ndarray, membership: np.ndarray, settings: Settings,
            full_score: np.ndarray) -> Combined:
    """Apply Settings ``missing`` to the scores, weight each row and aggregate (the row weights
    and gains when asked).

    ``missing`` marks the scores that are missing values (blank, #N/A, a first period's growth);
    any other NaN score is an error and keeps its row without an index whatever the policy.
    ``error``: a missing score keeps its weight, so its row has no index; ``zero``: it scores 0;
    ``reweight``: it is dropped and the weights rescaled (:func:`row_weights`). Each row is
    weighted and aggregated on its own, so a few thousand rows are taken at a time.
    """
    if settings.missing == "zero":
        scores = np.where(missing, 0.0, scores)
    weights_of = RowWeights(weights, missing, membership, settings.missing == "reweight")
    count, dims = len(scores), membership.shape[1]
    totals, index = np.empty(count), np.empty(count)
    dimension_scores, dimension_weights, contributions = (np.empty((count, dims)) for _ in range(3))
    negative = np.empty(scores.shape, dtype=bool)
    for rows in (slice(start, start + COMBINED_ROWS) for start in range(0, count, COMBINED_ROWS)):
        totals[rows], part, negative[rows] = _combined_rows(scores[rows], weights_of(rows), membership, settings)
        dimension_scores[rows], dimension_weights[rows], contributions[rows] = part.dimension_scores, part.dimension_weights, part.contributions
        index[rows] = part.index
    return Combined(scores, weights_of, totals, Aggregate(dimension_scores, dimension_weights, contributions, index), negative, full_score)


def _combined_rows(scores: np.ndarray, weights: np.ndarray, membership: np.ndarray, settings: Settings) -> tuple[np.ndarray, Aggregate, np.ndarray]:
    """Rows' weight totals, aggregate and scores a geometric mean cannot take (whose rows are errors)."""
    levels = (settings.dimension_aggregation, settings.index_aggregation)
    result = aggregate(scores, weights, membership, *levels)
    negative = _negative_for_geometric(scores, weights, membership, settings, result.dimension_scores)
    if negative.any():  # those rows have no index: aggregate them as errors
        result = aggregate(np.where(negative, np.nan, scores), weights, membership, *levels)
    return weights.sum(axis=1), result, negative
