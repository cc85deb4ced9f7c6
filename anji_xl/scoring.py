"""Score rates X_i (得分率) of single indicators, one array operation per method.

Every function takes NumPy arrays (or scalars) that broadcast against each other — a whole
panel column, a row of references, one worksheet cell — and returns a :class:`Scored`: the
scores, NaN wherever the input cannot be scored, and a :class:`Fault` code per element saying
why. The codes are what the command line turns into ``Sheet!Cell`` messages and the worksheet
functions into Excel error values; no function here raises on bad data.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from .messages import Pair, pair


class Fault(IntEnum):
    """Why an element has no score (OK: it has one)."""

    OK = 0
    MISSING = 1  # blank value, or no previous period for a growth rate
    NEGATIVE_VALUE = 2  # v < 0
    REFERENCE_NOT_POSITIVE = 3  # r ≤ 0 (ratio)
    PREVIOUS_NOT_POSITIVE = 4  # v_(t-1) ≤ 0 (growth)
    GROWTH_FACTOR_NOT_POSITIVE = 5  # 1 + g ≤ 0 or 1 + g_ref ≤ 0 (growth)
    NOT_FINITE = 6  # the score overflows: negative ratio at v = 0 with no cap, an uncapped huge ratio
    BOUNDS_INVALID = 7  # goalposts: upper ≤ lower, or a bound missing
    LOG_NOT_POSITIVE = 8  # log transform of a value or goalpost ≤ 0
    PERIODS_NOT_POSITIVE = 9  # growth over t − s ≤ 0 periods
    NEGATIVE_FOR_GEOMETRIC = 10  # a score < 0 that a geometric mean would have to take (set by aggregation)
    PERCENT_AS_WHOLE = 11  # 89 typed for 89 % (0.89): unit %, reference ≤ 1, max(1, 2r) < v ≤ 100


@dataclass(frozen=True)
class Scored:
    """Scores (NaN where there is none) and the fault code of each element."""

    scores: np.ndarray
    faults: np.ndarray


def _arrays(*items: object) -> list[np.ndarray]:
    return [np.asarray(item, dtype=float) for item in items]


def _finish(raw: np.ndarray, checks: list[tuple[np.ndarray, Fault]]) -> Scored:
    """Apply the checks in order (the first that fails names the fault) and blank failures.

    A score that is still not a finite number after them is NOT_FINITE: infinity is never a score.
    """
    with np.errstate(invalid="ignore"):
        checks = [*checks, (~np.isfinite(raw), Fault.NOT_FINITE)]
    faults = np.zeros(np.broadcast(raw, *(mask for mask, _ in checks)).shape, dtype=np.int8)
    for mask, fault in reversed(checks):
        faults = np.where(mask, np.int8(fault), faults)
    return Scored(np.where(faults == Fault.OK, raw, np.nan), faults)


def _capped(raw: np.ndarray, cap: float | None) -> np.ndarray:
    return raw if cap is None else np.minimum(raw, cap)


def score_ratio(value, reference, direction=1, cap: float | None = 1.0, percent=False) -> Scored:
    """Ratio method (比值法) of the report, §四(三).

    Positive (正向): X = min(cap, v / r). Negative (逆向): X = min(cap, r / v), and v = 0
    gives cap. ``cap = None`` leaves the ratio uncapped. ``percent`` marks indicators measured
    in percent (:func:`is_percent_unit`): with r ≤ 1 they hold fractions (0.89 = 89 %), so a
    value v with max(1, 2r) < v ≤ 100 is a percentage typed as a whole number (89 for 0.89), an
    error rather than a score the cap would silently make 1. Up to 2r a value above 1 stays a
    fraction: a target over-fulfilled (a completion rate of 1.03 = 103 % against 1.00).
    """
    v, r, d, p = _arrays(value, reference, direction, percent)
    with np.errstate(all="ignore"):  # 1/0, 0/0, and 2r past the largest double (where r > 1: no percent check)
        raw = np.where(d > 0, v / r, np.where(v == 0, np.inf, r / v))
        percent_as_whole = (p != 0) & (r <= 1) & (v > np.maximum(1, 2 * r)) & (v <= 100)
    # A bad reference or a negative value is an error even where a value is missing: the
    # missing-value policy must never hide it.
    return _finish(
        _capped(raw, cap),
        [
            (np.isnan(r) | (r <= 0), Fault.REFERENCE_NOT_POSITIVE),
            (v < 0, Fault.NEGATIVE_VALUE),
            (np.isnan(v), Fault.MISSING),
            (percent_as_whole, Fault.PERCENT_AS_WHOLE),
        ],
    )


#: Units of measure that say "percent" (compared after NFKC, so ％ is %), besides any starting
#: with % (``%（占比）``); 百分点 (percentage points) is not one: its values are points, not fractions.
PERCENT_UNITS = frozenset({"%", "百分比", "百分率", "percent", "percentage", "per cent", "pct"})


def is_percent_unit(unit: object) -> bool:
    """Whether an indicator's unit of measure (计量单位) is a percentage: %, ％, 百分比, percent …"""
    text = unicodedata.normalize("NFKC", "" if unit is None else str(unit)).strip().casefold()
    return text in PERCENT_UNITS or text.startswith("%")


def score_growth(current, previous, reference_growth, direction=-1, cap: float | None = 1.0, periods=1) -> Scored:
    """Growth control (年度增长控制): a total-control indicator turned into annual growth.

    g = (v_t / v_s)^(1 / (t − s)) − 1, where ``periods`` = t − s (1: consecutive periods, so
    g = v_t / v_(t−1) − 1; more: the growth annualised over the gap). Negative direction (the
    total must not grow faster than g_ref): X = min(cap, (1 + g_ref) / (1 + g)); positive
    direction: X = min(cap, (1 + g) / (1 + g_ref)).
    """
    v, prev, g_ref, d, span = _arrays(current, previous, reference_growth, direction, periods)
    with np.errstate(all="ignore"):
        factor = (v / prev) ** (1 / span)  # 1 + g
        raw = np.where(d > 0, factor / (1 + g_ref), (1 + g_ref) / factor)
    return _finish(
        _capped(raw, cap),
        [
            (np.isnan(g_ref) | (1 + g_ref <= 0), Fault.GROWTH_FACTOR_NOT_POSITIVE),
            (~(span > 0), Fault.PERIODS_NOT_POSITIVE),
            (v < 0, Fault.NEGATIVE_VALUE),  # before MISSING: a first period's −5 is an error too
            (np.isnan(v) | np.isnan(prev), Fault.MISSING),
            (prev <= 0, Fault.PREVIOUS_NOT_POSITIVE),
            (v == 0, Fault.GROWTH_FACTOR_NOT_POSITIVE),
        ],
    )


def score_goalpost(value, lower, upper, direction=1, transform: str = "") -> Scored:
    """Goalposts (HDI style): (v − lower) / (upper − lower) clipped to [0, 1].

    Negative direction: (upper − v) / (upper − lower). ``transform = "log"`` applies ln to
    v, lower and upper first (the HDI income index).
    """
    v, lo, hi, d = _arrays(value, lower, upper, direction)
    bounds_bad = np.isnan(lo) | np.isnan(hi) | ~(hi > lo)
    goalposts_log_bad = value_log_bad = np.zeros((), dtype=bool)
    if transform == "log":
        goalposts_log_bad, value_log_bad = (lo <= 0) | (hi <= 0), v <= 0
        with np.errstate(all="ignore"):
            v, lo, hi = np.log(v), np.log(lo), np.log(hi)
    with np.errstate(all="ignore"):
        raw = np.where(d > 0, v - lo, hi - v) / (hi - lo)
    return _finish(
        np.clip(raw, 0.0, 1.0),
        [
            (bounds_bad, Fault.BOUNDS_INVALID),
            (goalposts_log_bad, Fault.LOG_NOT_POSITIVE),
            (np.isnan(v), Fault.MISSING),
            (value_log_bad, Fault.LOG_NOT_POSITIVE),
        ],
    )


def _group_stats(values: np.ndarray, groups: np.ndarray, how: str) -> np.ndarray:
    """Per-row statistic of each column over the rows of the same group (NaN ignored)."""
    import pandas as pd  # the pooled methods alone group rows: compute of a model without them loads no pandas

    frame = pd.DataFrame(np.asarray(values, dtype=float))
    return frame.groupby(np.asarray(groups), sort=False).transform(how).to_numpy()


def score_minmax(values, groups, direction=1) -> tuple[Scored, np.ndarray]:
    """Min–max: goalposts at the minimum and maximum over the units of the same period.

    ``values`` is rows × indicators, ``groups`` the period of each row. Returns the scores and
    a mask of the elements whose group has a single distinct value: they score 1 (the engine
    warns about them).
    """
    v = np.asarray(values, dtype=float)
    lo, hi = _group_stats(v, groups, "min"), _group_stats(v, groups, "max")
    constant = ~np.isnan(v) & (hi == lo)
    scored = score_goalpost(v, lo, np.where(constant, lo + 1, hi), direction)
    return Scored(np.where(constant, 1.0, scored.scores), scored.faults), constant


def score_zscore(values, groups, direction=1) -> tuple[Scored, np.ndarray]:
    """Standard score (v − mean) / sd over the units of the same period, sample sd; not capped.

    Negative direction flips the sign. Where the sd is zero or undefined (one unit) the score
    is 0 and the element is flagged in the returned mask.
    """
    v, d = _arrays(values, direction)
    mean, sd = _group_stats(v, groups, "mean"), _group_stats(v, groups, "std")
    degenerate = ~np.isnan(v) & ~(sd > 0)
    with np.errstate(all="ignore"):
        raw = np.where(degenerate, 0.0, d * (v - mean) / sd)
    return _finish(raw, [(np.isnan(v), Fault.MISSING)]), degenerate


def score_efficacy(values, groups, direction=1) -> tuple[Scored, np.ndarray]:
    """Efficacy coefficient (功效系数法): 60 + 40 · min–max score, in [60, 100]."""
    scored, constant = score_minmax(values, groups, direction)
    return Scored(60.0 + 40.0 * scored.scores, scored.faults), constant


def fault_message(fault: Fault, **fields: object) -> Pair:
    """Why an element has no score, in both languages (shared by the command line's messages
    and ANJI_EXPLAIN). Fields: ``value``, ``reference``, ``previous``, ``score``."""
    return pair(f"fault.{fault.name.lower()}", **fields)


#: Methods whose goalposts come from all units of the same period.
POOLED_METHODS = {"minmax": score_minmax, "zscore": score_zscore, "efficacy": score_efficacy}
