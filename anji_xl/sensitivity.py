"""Uncertainty and sensitivity of the index to its weights (OECD/JRC handbook practice).

Each of N Monte Carlo draws multiplies every weight by U(1 − s, 1 + s), renormalises them to
sum to 1, and recomputes the index from the same scores; the spread of the draws shows how much
a result owes to the choice of weights. A fixed seed makes the draws repeat exactly.

With arithmetic aggregation at both levels the index is linear in the weights given the scores,
so a block of draws is a few matrix products (rows × indicators times indicators × draws)
instead of one pass of :func:`~anji_xl.aggregation.combine` per draw; geometric aggregation goes
draw by draw through ``combine``. The rows go through in batches of whole periods (ranks are
within a period), up to :data:`PERIOD_ROWS` rows unless one period has more: a batch's indices
over every draw are held at once, never the whole panel's (a 30,000-row panel over 1,000 draws
would be 240 MB of them), and the draws, made once from the seed, are the same for every batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from .aggregation import combine, full_scores, membership_matrix, row_weights
from .engine import check_weights, compute
from .model import Model, Panel, Problem, Settings

PERCENTILES = (5, 50, 95)
DRAW_BLOCK = 100  # draws per block of matrix products (and per progress report) and of ranks
ROW_BLOCK = 4096  # rows per block of percentiles (np.percentile copies what it sorts)
PERIOD_ROWS = 8192  # rows of whole periods whose indices over every draw are held at once


@dataclass
class SensitivityResult:
    """Per (unit, period): ``index_mean``, ``index_p5/p50/p95`` and, with two or more units,
    ``rank_median``, ``rank_p5``, ``rank_p95`` (rank within the period, 1 = highest)."""

    table: pd.DataFrame
    draws: int
    spread: float
    seed: int
    problems: list[Problem] = field(default_factory=list)


def perturbed_weights(weights: np.ndarray, draws: int, spread: float, seed: int) -> np.ndarray:
    """Draws × indicators: each weight times U(1 − s, 1 + s), each draw renormalised to 1."""
    rng = np.random.default_rng(seed)
    scaled = weights * rng.uniform(1 - spread, 1 + spread, size=(draws, len(weights)))
    return scaled / scaled.sum(axis=1, keepdims=True)


def presence_groups(missing: np.ndarray, reweight: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """The rows grouped by which of their scores are present, as (pattern, row positions): under
    ``reweight`` a row's weights depend on it; otherwise every row keeps every weight (one group)."""
    if not reweight:
        return [(np.ones(missing.shape[1], dtype=bool), np.arange(len(missing)))]
    packed = np.ascontiguousarray(np.packbits(~missing, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, which = np.unique(keys, return_index=True, return_inverse=True)
    return [(~missing[row], members) for row, members in zip(first, _members(which.ravel(), len(first)))]


def linear_indices(scores: np.ndarray, groups: list[tuple[np.ndarray, np.ndarray]], drawn: np.ndarray, membership: np.ndarray,
                   reweight: bool) -> np.ndarray:
    """Draws × rows: the arithmetic index of every row under every weight vector of ``drawn``
    (draws × indicators, each with the same indicators positive), as :func:`combine` gives it.

    With arithmetic aggregation at both levels Y = Σ_i W'_i X_i, where W' are the row's weights
    after the missing policy (:func:`~anji_xl.aggregation.row_weights`): they depend on the row
    only through which of its scores are present (``groups``, :func:`presence_groups`), so each
    group is one matrix product. ``scores`` are after the missing policy (0 for a missing one
    under ``zero``). A NaN score with positive weight (an error, or a missing value under
    ``error``) leaves its row without an index, as does a row with no weight at all.
    """
    index = np.empty((len(drawn), len(scores)))
    for pattern, members in groups:
        used = row_weights(drawn, np.broadcast_to(pattern, drawn.shape), membership, reweight)
        values = scores[members]
        counted = used[0] > 0
        block = np.where(counted, np.nan_to_num(values), 0.0) @ used.T
        broken = (np.isnan(values) & counted).any(axis=1) | ~(used[0].sum() > 0)
        block[broken] = np.nan
        index[:, members] = block.T
    return index


def _members(which: np.ndarray, groups: int) -> list[np.ndarray]:
    """The positions of each group number 0 … groups − 1 in ``which``."""
    order = np.argsort(which, kind="stable")
    return np.split(order, np.cumsum(np.bincount(which, minlength=groups))[:-1])


def _draw_indices(scores: np.ndarray, missing: np.ndarray, drawn: np.ndarray, membership: np.ndarray, settings: Settings,
                  full: np.ndarray, progress: Callable[[int, int], None] | None) -> np.ndarray:
    """Draws × rows, a block of draws at a time: by matrix products where the index is linear in
    the weights (arithmetic at both levels, the same indicators positive in every draw), else
    draw by draw through :func:`combine`."""
    linear = (settings.dimension_aggregation == settings.index_aggregation == "arithmetic"
              and ((drawn > 0) == (drawn[:1] > 0)).all())
    reweight = settings.missing == "reweight"
    groups = presence_groups(missing, reweight) if linear else []
    after_policy = np.where(missing, 0.0, scores) if settings.missing == "zero" else scores
    indices = np.empty((len(drawn), len(scores)))  # a draw's indices side by side: a block of draws is whole rows
    for start in range(0, len(drawn), DRAW_BLOCK):
        block = drawn[start:start + DRAW_BLOCK]
        indices[start:start + len(block)] = (linear_indices(after_policy, groups, block, membership, reweight) if linear else
                                             [combine(scores, missing, w, membership, settings, full).aggregate.index for w in block])
        if progress is not None:
            progress(start + len(block), len(drawn))
    return indices


def ranks_within(indices: np.ndarray) -> np.ndarray:
    """Draws × rows: the rank of each row among ``indices``' rows in each draw (row of
    ``indices``): 1 = the highest, ties share the smallest rank (as pandas'
    ``rank(ascending=False, method="min")``), NaN stays NaN."""
    descending = -indices
    order = np.argsort(descending, axis=1)  # NaN sorts last
    ranked = np.take_along_axis(descending, order, axis=1)
    position = np.arange(indices.shape[1])
    new_value = np.ones(ranked.shape, dtype=bool)
    new_value[:, 1:] = ranked[:, 1:] != ranked[:, :-1]
    first = np.maximum.accumulate(np.where(new_value, position, 0), axis=1)
    ranks = np.empty(indices.shape)
    np.put_along_axis(ranks, order, first + 1.0, axis=1)
    ranks[np.isnan(indices)] = np.nan
    return ranks


def sensitivity(model: Model, panel: Panel, draws: int | None = None, spread: float | None = None, seed: int | None = None,
                progress: Callable[[int, int], None] | None = None) -> SensitivityResult:
    """Index percentiles (and rank percentiles) over weight draws; Settings give the defaults.

    ``progress(done, total)`` is called after every block of draws of every batch of rows (a
    progress bar, Excel's status bar), ``done`` counting the draws over every row: it rises to ``total``.
    """
    settings = model.settings
    draws = settings.draws if draws is None else draws
    spread = settings.spread if spread is None else spread
    seed = settings.seed if seed is None else seed
    base = compute(model, panel, warn=False)  # its scores and problems: the warnings are not shown
    rows = base.rows
    weights, _, _ = check_weights(model)
    scores = base.scores.to_numpy()
    membership = membership_matrix(model.indicators["dimension"].tolist(), base.dimensions)
    missing = base.missing.to_numpy()  # a faulty value stays NaN and keeps its row an error
    full = full_scores(model.indicators["method"].tolist(), settings)
    drawn = perturbed_weights(weights, draws, spread, seed)
    ranked = rows.get_level_values(0).nunique() > 1
    stats = np.full((len(rows), 7 if ranked else 4), np.nan)  # mean, p5, p50, p95 (, rank median, p5, p95)
    periods, which = np.unique(rows.get_level_values(1).to_numpy(dtype=str), return_inverse=True)
    done = 0
    for batch in _period_batches(_members(which.ravel(), len(periods)), PERIOD_ROWS):
        at = np.concatenate(batch)
        step = None if progress is None else (
            lambda finished, total, before=done, size=len(at): progress(_draws_done(before, size, finished, total, len(rows)), total))
        indices = _draw_indices(scores[at], missing[at], drawn, membership, settings, full, step)
        stats[at, 0] = indices.mean(axis=0)
        stats[at, 1:4] = _percentiles(indices, PERCENTILES)
        start = 0
        for members in batch if ranked else []:
            stats[members, 4:] = _percentiles(_ranks_by_draw_block(indices[:, start:start + len(members)]), (50, 5, 95))
            start += len(members)
        done += len(at)
    table = pd.DataFrame(stats[:, :4], index=rows, columns=["index_mean", *(f"index_p{p}" for p in PERCENTILES)])
    if ranked:
        table[["rank_median", "rank_p5", "rank_p95"]] = stats[:, 4:]
    return SensitivityResult(table, draws, spread, seed, base.problems)


def _draws_done(before: int, size: int, finished: int, draws: int, rows: int) -> int:
    """Draws done counted over every row, when ``before`` rows have had every draw and the
    ``size`` rows of the batch under way ``finished`` of them (a panel without rows: the batch's count)."""
    return (before * draws + size * finished) // rows if rows else finished


def _period_batches(periods: list[np.ndarray], most: int) -> list[list[np.ndarray]]:
    """The periods' row positions gathered in batches of up to ``most`` rows, a period never split
    (one with more rows is a batch of its own)."""
    batches: list[list[np.ndarray]] = []
    size = 0
    for members in periods:
        if not batches or size + len(members) > most:
            batches.append([])
            size = 0
        batches[-1].append(members)
        size += len(members)
    return batches


def _ranks_by_draw_block(indices: np.ndarray) -> np.ndarray:
    """:func:`ranks_within` a block of draws at a time: its sorting takes several copies of what it ranks."""
    ranks = np.empty(indices.shape)
    for start in range(0, len(indices), DRAW_BLOCK):
        ranks[start:start + DRAW_BLOCK] = ranks_within(indices[start:start + DRAW_BLOCK])
    return ranks


def _percentiles(values: np.ndarray, percentiles: tuple[int, ...]) -> np.ndarray:
    """Rows × percentiles of each column of ``values`` (draws × rows), a block of columns at a time."""
    out = np.empty((values.shape[1], len(percentiles)))
    for start in range(0, values.shape[1], ROW_BLOCK):
        by_row = np.ascontiguousarray(values[:, start:start + ROW_BLOCK].T)  # partitioning runs along memory
        out[start:start + ROW_BLOCK] = np.percentile(by_row, percentiles, axis=1, overwrite_input=True).T
    return out
