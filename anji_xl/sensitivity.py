"""Uncertainty and sensitivity of the index to its weights (OECD/JRC handbook practice).

Each of N Monte Carlo draws multiplies every weight by U(1 − s, 1 + s), renormalises them to
sum to 1, and recomputes the index from the same scores; the spread of the draws shows how much
a result owes to the choice of weights. A fixed seed makes the draws repeat exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from .aggregation import combine, full_scores, membership_matrix
from .engine import check_weights, compute
from .model import Model, Panel, Problem

PERCENTILES = (5, 50, 95)


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


def sensitivity(model: Model, panel: Panel, draws: int | None = None, spread: float | None = None, seed: int | None = None,
                progress: Callable[[int, int], None] | None = None) -> SensitivityResult:
    """Index percentiles (and rank percentiles) over weight draws; Settings give the defaults.

    ``progress(done, total)`` is called every 100 draws (a progress bar, Excel's status bar).
    """
    settings = model.settings
    draws = settings.draws if draws is None else draws
    spread = settings.spread if spread is None else spread
    seed = settings.seed if seed is None else seed
    base = compute(model, panel)
    rows = base.rows
    weights, _, _ = check_weights(model)
    scores = base.scores.to_numpy()
    membership = membership_matrix(model.indicators["dimension"].tolist(), base.dimensions)
    missing = base.missing.to_numpy()  # a faulty value stays NaN and keeps its row an error
    full = full_scores(model.indicators["method"].tolist(), settings)
    indices = np.empty((len(rows), draws))
    for d, drawn in enumerate(perturbed_weights(weights, draws, spread, seed)):
        indices[:, d] = combine(scores, missing, drawn, membership, settings, full).aggregate.index
        if progress is not None and ((d + 1) % 100 == 0 or d + 1 == draws):
            progress(d + 1, draws)
    table = pd.DataFrame({"index_mean": indices.mean(axis=1)}, index=rows)
    for p, values in zip(PERCENTILES, np.percentile(indices, PERCENTILES, axis=1)):
        table[f"index_p{p}"] = values
    periods = rows.get_level_values(1)
    if rows.get_level_values(0).nunique() > 1:
        ranks = pd.DataFrame(indices, index=rows).groupby(periods.to_numpy()).rank(ascending=False, method="min").to_numpy()
        table["rank_median"] = np.median(ranks, axis=1)
        table["rank_p5"], table["rank_p95"] = np.percentile(ranks, (5, 95), axis=1)
    return SensitivityResult(table, draws, spread, seed, base.problems)
