"""The computation, as named steps: check weights → score → apply the missing policy →
aggregate → rank → potential gains. One call, :func:`compute`, runs them over a whole panel;
:class:`Computation` runs them a block of rows at a time, for a caller that writes each block as it comes.

The result carries what it was computed with (settings, the weights each row used) and every
warning and problem, so a number can always be explained.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING

import numpy as np

from .aggregation import Aggregate, Combined, RowWeights, combine, full_scores, membership_matrix, potential_gains
from .cells import column_letters, column_number
from .messages import Pair, pair, say, sayer
from .model import Model, Panel, Problem, Settings
from .scoring import POOLED_METHODS, Fault, Scored, fault_message, is_percent_unit, score_goalpost, score_growth, score_ratio
from .tables import RowLabels

if TYPE_CHECKING:  # the result's frames are made with pandas, loaded then: compute, validate and recalc never load it
    import pandas as pd


#: How many of a row's largest potential gains (短板) every view shows: Results, the Dashboard,
#: compute's text and the report.
TOP_GAINS = 5


@dataclass(frozen=True)
class ResultArrays:
    """A computation's numbers, row by row in the result's order: what the views that write a
    sheet read (recalc's Results and Scores), without the frames that load pandas."""

    scores: np.ndarray  # rows × indicators
    dimension_scores: np.ndarray  # rows × dimensions
    dimension_weights: np.ndarray
    contributions: np.ndarray
    index: np.ndarray
    rank: np.ndarray  # within the row's period; NaN without an index
    missing: np.ndarray  # rows × indicators, bool
    faults: np.ndarray  # rows × indicators, the scoring.Fault codes


@dataclass
class IndexResult:
    """Everything one computation produced: its numbers in ``arrays``, and as frames indexed by
    (unit, period), made when first asked (they load pandas).

    Rows that could not be computed (a problem in their data) are NaN throughout; the reason is
    in ``problems``. ``weights`` holds the weight each row actually gave each indicator (they
    differ from the indicator table under ``missing = reweight`` or ``normalize_weights``).
    """

    settings: Settings
    dimensions: list[str]
    ids: list[str]
    labels: RowLabels  # each row's (unit, period)
    arrays: ResultArrays
    row_weights: RowWeights  # the weight each row gave each indicator, made when asked (``weights``)
    full_scores: np.ndarray  # per indicator, the score at its target (aggregation.full_scores): what gains count up to
    warnings: list[str] = field(default_factory=list)
    warning_rows: list[tuple[str, str] | None] = field(default_factory=list)  # the (unit, period) each warning concerns (None: no one row)
    problems: list[Problem] = field(default_factory=list)
    panel: Panel | None = None  # what was computed: the trend forecast (forecast.py) reads its values

    @cached_property
    def rows(self) -> pd.MultiIndex:
        return self.labels.index()

    def _frame(self, values: np.ndarray, columns: list[str]) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(values, index=self.rows, columns=columns, copy=False)  # the arrays are the result's own

    @cached_property
    def scores(self) -> pd.DataFrame:
        return self._frame(self.arrays.scores, self.ids)

    @cached_property
    def dimension_scores(self) -> pd.DataFrame:
        return self._frame(self.arrays.dimension_scores, self.dimensions)

    @cached_property
    def dimension_weights(self) -> pd.DataFrame:
        return self._frame(self.arrays.dimension_weights, self.dimensions)

    @cached_property
    def contributions(self) -> pd.DataFrame:
        return self._frame(self.arrays.contributions, self.dimensions)

    @cached_property
    def missing(self) -> pd.DataFrame:
        """True where a value is missing (blank, #N/A, no previous period)."""
        return self._frame(self.arrays.missing, self.ids)

    @cached_property
    def faults(self) -> pd.DataFrame:
        """The scoring.Fault code of each score (0: it has one)."""
        return self._frame(self.arrays.faults, self.ids)

    @cached_property
    def index(self) -> pd.Series:
        import pandas as pd

        return pd.Series(self.arrays.index, index=self.rows, name="index")

    @cached_property
    def rank(self) -> pd.Series:
        import pandas as pd

        return pd.Series(self.arrays.rank, index=self.rows, name="index")

    @cached_property
    def weight_values(self) -> np.ndarray:
        """The weight each row gave each indicator (rows × indicators), made when first asked:
        ``compute --json`` and ANJI_TABLE show none (30,000 rows: 5 MiB)."""
        return self.row_weights()

    @cached_property
    def gain_values(self) -> np.ndarray:
        """Each row's potential gains W_i (full − X_i) (:func:`~anji_xl.aggregation.potential_gains`),
        made when first asked."""
        return potential_gains(self.arrays.scores, self.weight_values, self.full_scores)

    @cached_property
    def weights(self) -> pd.DataFrame:
        return self._frame(self.weight_values, self.ids)

    @cached_property
    def gains(self) -> pd.DataFrame:
        return self._frame(self.gain_values, self.ids)

    def top_gain_positions(self, n: int = TOP_GAINS) -> np.ndarray:
        """Rows × n: the columns of each row's n largest positive gains, largest first (ties
        keep the indicator order); −1 where a row has fewer."""
        gains = np.nan_to_num(self.gain_values, nan=0.0)
        order = np.argsort(-gains, axis=1, kind="stable")[:, :n]
        return np.where(np.take_along_axis(gains, order, axis=1) > 0, order, -1)

    def top_gains(self, unit: str, period: str, n: int = TOP_GAINS) -> pd.Series:
        """The n largest potential gains (短板) of one unit and period, largest first."""
        import pandas as pd

        row = self.rows.get_loc((unit, period))
        positions = self.top_gain_positions(n)[row]
        positions = positions[positions >= 0]
        return pd.Series(self.gain_values[row, positions], index=[self.ids[k] for k in positions], name=(unit, period))


def period_ranks(index: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's rank by index among the rows of its period (``codes``: the period's code of
    each row; 1 = highest; ties share the better rank; NaN without an index), and how many rows
    of its period have an index (what the rank is out of)."""
    ranked = np.flatnonzero(~np.isnan(index))
    order = ranked[np.lexsort((-index[ranked], codes[ranked]))]  # by period, highest index first
    value, period = index[order], codes[order]
    starts_period = np.r_[True, period[1:] != period[:-1]]
    starts_tie = starts_period | np.r_[True, value[1:] != value[:-1]]
    place = np.arange(len(order))
    first_of_period, first_of_tie = (np.maximum.accumulate(np.where(starts, place, 0)) for starts in (starts_period, starts_tie))
    ranks = np.full(len(index), np.nan)
    ranks[order] = first_of_tie - first_of_period + 1
    return ranks, np.bincount(codes[ranked], minlength=codes.max(initial=-1) + 1)[codes]


_DIGITS = re.compile(r"\d+")


def period_key(period: str) -> tuple[float, ...] | None:
    """Where a period label lies in time, or None when it cannot be placed.

    A number is itself (2018.5); a label with one four-digit year is (year, then its other
    numbers): 2020Q1, Q1 2020, 2020-10, 2020-10-01.
    """
    try:
        number = float(period)
        return (number,) if np.isfinite(number) else None
    except ValueError:
        numbers = _DIGITS.findall(period)
    years = [n for n in numbers if len(n) == 4]
    if len(years) != 1:
        return None
    return (float(years[0]), *(float(n) for n in numbers if n is not years[0]))


def period_order(periods: pd.Index | list[str]) -> list[str]:
    """Distinct periods in time order (:func:`period_key`): 2020Q1 < 2020Q2 < 2021Q1,
    2020-2 < 2020-10 (a text sort would put 2020-10 first); periods at the same time keep the
    order in which Data first lists them. Labels that cannot be placed in time (the reader
    reports them as problems) follow in Data's order, so they never reorder the others.
    """
    distinct = list(dict.fromkeys(np.asarray(periods, dtype=object).tolist()))  # an Index iterates slowly
    keys = [period_key(p) for p in distinct]
    placed = sorted((k, n) for n, k in enumerate(keys) if k is not None)
    return [distinct[n] for _, n in placed] + [p for p, k in zip(distinct, keys) if k is None]


_CELLS = re.compile(r"^(.+)!\$?([A-Z]+)\$?(\d+)$", re.M)  # a cell reference on each line


def cell_span(cells: list[str]) -> str:
    """The cells as one reference: the range that spans them when they lie on one sheet
    (``Data!C5``, ``Data!C5:Z5``), else the known ones joined by commas."""
    known = [cell for cell in dict.fromkeys(cells) if cell]
    lines = "\n".join(known)  # parsed in one pass (a forecast names a span for each of thousands of units)
    parsed = _CELLS.findall(lines) if lines.count("\n") == len(known) - 1 else []  # a cell holding a line break is no reference
    if not parsed or len(parsed) != len(known) or len({sheet for sheet, _, _ in parsed}) != 1:
        return ", ".join(known)
    numbers = {letters: column_number(letters) for _, letters, _ in parsed}
    cols, rows = [numbers[letters] for _, letters, _ in parsed], [int(row) for _, _, row in parsed]
    first, last = f"{column_letters(min(cols))}{min(rows)}", f"{column_letters(max(cols))}{max(rows)}"
    return f"{parsed[0][0]}!{first}" + (f":{last}" if last != first else "")


def checked_weights(weights: np.ndarray, settings: Settings, cells: list[str] | None = None,
                    ids: list[str] | None = None) -> tuple[np.ndarray, list[str], list[Problem]]:
    """Weights must be ≥ 0 and sum to 1 within ``weight_tolerance``; returns the weights to use,
    warnings and problems (``cells``: where each weight is; ``ids``: whose weight it is).

    With ``normalize_weights`` a sum off 1 is rescaled to 1 and a warning says so.
    """
    weights = np.asarray(weights, dtype=float)
    cells = cells or [""] * len(weights)
    ids = ids or [f"#{k + 1}" for k in range(len(weights))]
    problems = [Problem(cell, say("weight_not_number", ident=i, weight=w)) for i, w, cell in zip(ids, weights, cells) if not w >= 0]
    if problems:
        return weights, [], problems
    total = weights.sum()
    if abs(total - 1) <= settings.weight_tolerance:
        return weights, [], []
    if settings.normalize_weights and total > 0:
        return weights / total, [_at([cell_span(cells)], say("weights_rescaled", total=total))], []
    return weights, [], [Problem(cell_span(cells), say("weights_off_one", total=total, tolerance=settings.weight_tolerance))]


def check_weights(model: Model) -> tuple[np.ndarray, list[str], list[Problem]]:
    """:func:`checked_weights` of the indicator table, naming each weight's cell in Indicators."""
    ids = model.ids
    cells = [model.indicator_cell(i, "weight") for i in ids]
    return checked_weights(model.table.column("weight", float), model.settings, cells, ids)


def check_model(model: Model, panel: Panel) -> tuple[np.ndarray, list[str], list[Problem]]:
    """Problems that leave no row valid (weights, an indicator without a Data column), with the
    weights to use and their warnings."""
    weights, warnings, problems = check_weights(model)
    columns = set(panel.table.ids)
    problems += [Problem(model.indicator_cell(i, "id"), say("no_data_column", ident=i)) for i in model.ids if i not in columns]
    return weights, warnings, problems


def _sorted_rows(panel: Panel, ids: list[str]) -> tuple[np.ndarray, np.ndarray, RowLabels]:
    """The panel's values in the indicators' order (its own array where its columns are those,
    not a copy), and its rows by unit, in the order Data first lists the units, then by period in
    time: each sorted row's row in the values, and their labels. The values stay in Data's order
    (a sorted copy of 30,000 rows is 5 MiB) and are read through the order a block at a time."""
    rows = panel.table.rows
    unit_codes = rows.codes(0)[0]  # in the order Data first lists the units
    period_codes, distinct = rows.codes(1)  # a panel has few distinct periods: those are put in order
    rank = {p: k for k, p in enumerate(period_order(distinct))}
    period_places = np.array([rank[p] for p in distinct], dtype=np.intp)[period_codes]
    order = np.lexsort((period_places, unit_codes))
    return panel.table.in_columns(ids), order, rows.take(order)


def _previous_rows(rows: RowLabels) -> np.ndarray:
    """Position of the same unit's preceding period (rows sorted by unit, period), or −1."""
    units = rows.units
    previous = np.arange(len(units)) - 1
    first = np.ones(len(units), dtype=bool)
    first[1:] = units[1:] != units[:-1]
    return np.where(first, -1, previous)


def preceding_periods(rows: RowLabels) -> tuple[np.ndarray, np.ndarray]:
    """For rows sorted by unit and period (as a result's rows are): the position of each row's
    preceding period of the same unit (−1 for none) and t − s, what its growth rate is annualised over."""
    previous = _previous_rows(rows)
    return previous, _growth_spans(rows, previous)


def _period_number(label: object) -> float:
    """A period label as the number it spells (2018, 2018.5), else NaN (2020Q1), as
    ``pandas.to_numeric`` reads it (which takes no "_" between digits, nor digits beyond ASCII)."""
    text = str(label)
    try:
        return float(text) if text.isascii() and "_" not in text else np.nan
    except ValueError:
        return np.nan


def _growth_spans(rows: RowLabels, previous_rows: np.ndarray) -> np.ndarray:
    """t − s per row: the numeric periods between a row and its preceding one, else 1 (labels
    such as 2020Q1 carry no length, so consecutive labels count as one period)."""
    codes, periods = rows.codes(1)  # a panel has few distinct periods
    numeric = np.array([_period_number(p) for p in periods], dtype=float)[codes]
    gap = numeric - numeric[np.maximum(previous_rows, 0)]
    with np.errstate(invalid="ignore"):
        return np.where((previous_rows >= 0) & (gap > 0), gap, 1.0)


@dataclass(frozen=True)
class SortedPanel:
    """A panel's rows sorted by unit, then period, and its values read in place through that order."""

    rows: RowLabels  # (unit, period) of each row, sorted by unit, then period
    ids: list[str]
    source: np.ndarray  # the values scored, in the panel's order of rows (rows × indicators)
    order: np.ndarray  # per row: its row in ``source``
    previous_rows: np.ndarray  # per row: the position of the same unit's preceding period, or −1
    spans: np.ndarray  # per row: t − s, the periods a growth rate was annualised over

    def values(self, cols: np.ndarray, rows: slice | np.ndarray = slice(None)) -> np.ndarray:
        """The values scored at these rows (sorted positions) in these columns (rows × cols)."""
        return self.source[self.order[rows][:, None], cols]

    def value(self, row: int, col: int) -> float:
        """The value scored at one row (its sorted position) and column."""
        return self.source[self.order[row], col]

    def previous(self, cols: np.ndarray, rows: slice = slice(None)) -> np.ndarray:
        """The preceding period's values in these columns (rows × cols), NaN in a row without
        one: asked for the growth indicators only, not kept for every indicator (30,000 rows: 5 MiB)."""
        previous = self.previous_rows[rows]
        return np.where(previous[:, None] >= 0, self.values(cols, np.maximum(previous, 0)), np.nan)


def sort_panel(panel: Panel, ids: list[str]) -> SortedPanel:
    """The panel's rows by unit and period (:func:`_sorted_rows`), each with its preceding period."""
    source, order, rows = _sorted_rows(panel, ids)
    previous_rows, spans = preceding_periods(rows)
    return SortedPanel(rows, ids, source, order, previous_rows, spans)


SCORED_ROWS = 2048  # rows computed at a time (scored, weighted, aggregated, warned about): a block's arrays stay small (no slower than 4,096)


class Scorer:
    """Scores every indicator of a block of sorted rows, one vectorised call per method (and
    transform). The methods that pool a period's rows (min–max, z-scores, efficacy) score their
    columns over the whole panel once, when the scorer is made; the others score each row on its own."""

    def __init__(self, model: Model, panel: SortedPanel):
        table = model.table
        self.panel, self.cap, self.width = panel, model.settings.cap, len(table)
        self.methods: list[tuple[np.ndarray, str, str, dict[str, np.ndarray]]] = []  # columns, method, transform, parameters
        self.pooled: dict[int, tuple[Scored, np.ndarray]] = {}  # by method: its columns' scores and flat elements, every row
        groups: dict[tuple[str, str], list[int]] = {}  # (method, transform) → its columns, in the table's order
        for k, key in enumerate(zip(table.columns["method"], table.columns["transform"])):
            groups.setdefault(key, []).append(k)
        for (method, transform), cols in ((key, np.array(cols)) for key, cols in groups.items()):
            d, r, lower, upper = (table.column(name, float)[cols] for name in ("direction", "reference", "lower", "upper"))
            if method in POOLED_METHODS:  # a period's rows together
                self.pooled[len(self.methods)] = POOLED_METHODS[method](panel.values(cols), panel.rows.periods, d)
            percent = np.array([is_percent_unit(table.columns["unit"][c]) for c in cols]) if method == "ratio" and "unit" in table else False
            self.methods.append((cols, method, transform, {"d": d, "r": r, "percent": percent, "lower": lower, "upper": upper}))

    def __call__(self, rows: slice, scores: np.ndarray | None = None, faults: np.ndarray | None = None) -> Scored:
        """The scores and faults of the rows at these sorted positions (rows × indicators), made
        in ``scores`` and ``faults`` when given (a whole result's arrays at those rows)."""
        count = len(range(*rows.indices(len(self.panel.order))))
        scores = np.empty((count, self.width)) if scores is None else scores
        faults = np.empty((count, self.width), dtype=np.int8) if faults is None else faults
        scores.fill(np.nan)
        faults.fill(Fault.OK)
        for k, (cols, method, transform, p) in enumerate(self.methods):
            if k in self.pooled:
                scored = self.pooled[k][0]
                scores[:, cols], faults[:, cols] = scored.scores[rows], scored.faults[rows]
                continue
            x = self.panel.values(cols, rows)
            if method == "ratio":
                scored = score_ratio(x, p["r"], p["d"], self.cap, p["percent"])
            elif method == "growth":
                scored = score_growth(x, self.panel.previous(cols, rows), p["r"], p["d"], self.cap, self.panel.spans[rows, None])
            else:
                scored = score_goalpost(x, p["lower"], p["upper"], p["d"], transform)
            scores[:, cols], faults[:, cols] = scored.scores, scored.faults
        return Scored(scores, faults)

    def flat(self) -> list[tuple[str, str]]:
        """(period, indicator) of the pooled scores whose period has no spread, in order."""
        return sorted({(self.panel.rows[r][1], self.panel.ids[self.methods[k][0][c]])
                       for k, (_, flat) in self.pooled.items() for r, c in zip(*np.nonzero(flat))})


_PER_INDICATOR_FIELD = {Fault.REFERENCE_NOT_POSITIVE: "reference", Fault.BOUNDS_INVALID: "upper", Fault.LOG_NOT_POSITIVE: "lower",
                        Fault.GROWTH_FACTOR_NOT_POSITIVE: "reference"}


def _is_per_indicator(fault: Fault, indicator: dict[str, object]) -> bool:
    """Whether a fault lies in the indicator's own fields (reported once, in Indicators)."""
    if fault == Fault.GROWTH_FACTOR_NOT_POSITIVE:
        return not 1 + indicator["reference"] > 0
    if fault == Fault.LOG_NOT_POSITIVE:
        return not (indicator["lower"] > 0 and indicator["upper"] > 0)  # the goalposts, not the value
    return fault in (Fault.REFERENCE_NOT_POSITIVE, Fault.BOUNDS_INVALID)


def _labels(rows: RowLabels, positions: np.ndarray) -> list[tuple[str, str]]:
    """The (unit, period) of the rows at these positions (few, often none)."""
    return rows.take(positions).tolist() if len(positions) else []


def _indicator_problem(model: Model, ident: str, fault: Fault) -> tuple[str, str] | None:
    """Where and what a fault is when it lies in the indicator's own fields, else None."""
    indicator = model.table.row(ident)
    if not _is_per_indicator(fault, indicator):
        return None
    return (model.indicator_cell(ident, _PER_INDICATOR_FIELD[fault]),
            say("indicator_fault", ident=ident, fault=fault_message(fault, reference=indicator["reference"])))


class _FaultProblems:
    """One problem per faulty element, at the cell that holds the faulty value (a previous
    value's fault at the previous period's cell); faults of an indicator's own fields once.
    Rows are added a block at a time, in order."""

    def __init__(self, model: Model, panel: Panel, sorted_panel: SortedPanel):
        self.model, self.panel, self.sorted = model, panel, sorted_panel
        self.reported_columns = np.isin(sorted_panel.ids, panel.table.ids)  # an indicator without a column is a model problem
        self.found: dict[tuple[str, str], tuple[str, str] | None] = {}  # (where, text) → its row
        self.indicator_problems: dict[tuple[Fault, int], tuple[str, str] | None] = {}  # by fault and column: the same for every row
        self.element_says: dict[tuple[int, Pair], Callable[..., str]] = {}  # a column's rows share few fault texts

    def add(self, faults: np.ndarray, scores: np.ndarray, start: int) -> list[tuple[str, str]]:
        """The problems of a block's faults (rows × indicators, the block's first row at sorted
        position ``start``); returns the rows they concern."""
        ids, sorted_panel = self.sorted.ids, self.sorted
        reported = (faults != Fault.OK) & self.reported_columns
        if self.model.settings.missing != "error":
            reported &= faults != Fault.MISSING
        rows, cols = np.nonzero(reported)
        concerned = []
        for row, col, code, (unit, period) in zip(rows.tolist(), cols.tolist(), faults[rows, cols].tolist(), _labels(sorted_panel.rows, rows + start)):
            fault = Fault(code)
            ident = ids[col]
            if (fault, col) not in self.indicator_problems:
                self.indicator_problems[fault, col] = _indicator_problem(self.model, ident, fault)
            if self.indicator_problems[fault, col]:
                self.found.setdefault(self.indicator_problems[fault, col], None)
                continue
            previous_row = sorted_panel.previous_rows[start + row]
            if fault == Fault.PREVIOUS_NOT_POSITIVE:
                previous_period = sorted_panel.rows[previous_row][1]
                where = self.panel.data_cell(unit, previous_period, ident)
                text = pair("previous_not_positive", previous_period=previous_period, previous=sorted_panel.value(previous_row, col), period=period)
            else:
                where = self.panel.data_cell(unit, period, ident)
                text = _element_text(fault, sorted_panel.value(start + row, col), scores[row, col], previous_row < 0)
            if (col, text) not in self.element_says:
                self.element_says[col, text] = sayer("element_fault", ident=ident, fault=text)
            problem = (where, self.element_says[col, text](unit=unit, period=period))
            if problem not in self.found:
                self.found[problem] = (unit, period)
                concerned.append((unit, period))
        return concerned

    def problems(self) -> list[Problem]:
        return [Problem(where, text, row) for (where, text), row in self.found.items()]


def _element_text(fault: Fault, value: float, score: float, first_period: bool) -> Pair:
    if fault == Fault.MISSING:
        return _missing_text(bool(np.isnan(value)), bool(first_period))
    return fault_message(fault, value=value, score=score, reference="", previous=np.nan, fraction=value / 100)


@cache
def _missing_text(blank: bool, first_period: bool) -> Pair:
    """Why a missing element has no score (under missing = error): its value is blank, or it is a
    growth rate without a previous value. Few texts for many elements, so made once each."""
    if blank:
        return pair("missing_is_error", fault=fault_message(Fault.MISSING))
    return pair("no_previous_period" if first_period else "previous_missing")


def _empty_row_problems(panel: Panel, sorted_panel: SortedPanel, weight_totals: np.ndarray, start: int) -> list[Problem]:
    """Rows of a block (its first at sorted position ``start``) left with no weight at all
    (every value missing under reweight), naming their cells."""
    return [
        Problem(cell_span([panel.data_cell(unit, period, i) for i in sorted_panel.ids]), say("row_empty", unit=unit, period=period), (unit, period))
        for unit, period in _labels(sorted_panel.rows, np.flatnonzero(~(weight_totals > 0)) + start)
    ]


def _at(cells: Iterable[str], text: str) -> str:
    """A warning with the cells it concerns in front, as a problem's (none for a panel or model
    built in code, which has no cells)."""
    return str(Problem(", ".join(cell for cell in cells if cell), text))


def _missing_warnings(model: Model, panel: Panel, sorted_panel: SortedPanel, missing: np.ndarray,
                      combined: Combined, start: int) -> list[tuple[tuple[str, str], str]]:
    """(row, warning): one per row of a block (its first at sorted position ``start``) with
    missing values and, under reweight, one per dimension they leave without weight (a row left
    with no weight at all is a problem instead), each at the cells of the values missing."""
    reweight = model.settings.missing == "reweight"
    ids = np.asarray(sorted_panel.ids)
    dims = model.table.column("dimension")
    dimensions = list(dict.fromkeys(dims))
    rows = np.flatnonzero(missing.any(axis=1) & (combined.weight_totals > 0))
    row_weights = combined.row_weights(rows)
    emptied = np.array([~(row_weights[:, dims == dim] > 0).any(axis=1) for dim in dimensions]).T.tolist()  # [row][dimension]: no weight left in it
    dimension_empty = [sayer("dimension_empty", dimension=dim) for dim in dimensions]
    patterns: dict[bytes, tuple[Callable[..., str], list[int]]] = {}  # rows miss the same indicators again and again
    warnings = []
    for gone, emptied_dims, (unit, period) in zip(missing[rows], emptied, _labels(sorted_panel.rows, rows + start)):
        key = gone.tobytes()
        if key not in patterns:
            patterns[key] = (sayer("missing_reweight" if reweight else "missing_zero", ids=", ".join(ids[gone])), ids[gone].tolist(),
                             {dimensions.index(dim): ids[gone & (dims == dim)].tolist() for dim in dict.fromkeys(dims[gone])})
        said, gone_ids, gone_dims = patterns[key]
        warnings.append(((unit, period), _at((panel.data_cell(unit, period, i) for i in gone_ids), said(unit=unit, period=period))))
        if reweight:
            warnings += [((unit, period), _at((panel.data_cell(unit, period, i) for i in in_dim), dimension_empty[d](unit=unit, period=period)))
                         for d, in_dim in gone_dims.items() if emptied_dims[d]]
    return warnings


def _annualised_warnings(model: Model, panel: Panel, sorted_panel: SortedPanel, at: slice) -> list[tuple[tuple[str, str], str]]:
    """(row, warning): one per row of a block (the sorted positions ``at``) whose growth rates
    span more than one period (a gap in Data), at the cells of the values whose growth is annualised."""
    growth = np.flatnonzero(model.table.column("method") == "growth")
    spans = sorted_panel.spans[at]
    has_rate = np.zeros((len(spans), len(sorted_panel.ids)), dtype=bool)
    has_rate[:, growth] = ~np.isnan(sorted_panel.values(growth, at)) & ~np.isnan(sorted_panel.previous(growth, at))
    rows = np.flatnonzero((spans != 1) & has_rate.any(axis=1))
    ids = np.asarray(sorted_panel.ids)
    labels, previous = (_labels(sorted_panel.rows, positions) for positions in (rows + at.start, sorted_panel.previous_rows[rows + at.start]))
    return [((unit, period), _at((panel.data_cell(unit, period, i) for i in ids[rated]),
                                 say("annualised", unit=unit, period=period, ids=", ".join(ids[rated]), since=since, span=span)))
            for (unit, period), (_, since), span, rated in zip(labels, previous, spans[rows], has_rate[rows])]


@dataclass(frozen=True)
class RowsComputed:
    """What :class:`Computation` made of a block of rows: the sorted positions ``at``, their
    scores after the missing policy, fault codes, missing values and aggregate."""

    at: slice
    scores: np.ndarray
    faults: np.ndarray
    missing: np.ndarray
    aggregate: Aggregate


class Computation:
    """:func:`compute`'s steps over a panel's rows, sorted by unit and period, a block of
    :data:`SCORED_ROWS` at a time (:meth:`blocks`), so a caller that writes each block as it
    comes (``compute --json``, ``validate``) never holds the whole panel's scores; its warnings
    and problems are those of the last pass over every block. See :func:`compute` for the arguments."""

    def __init__(self, model: Model, panel: Panel, warn: bool = True, blank: Collection[tuple[str, str]] | None = None):
        self.model, self.panel, self.warn, self.blank = model, panel, warn, blank
        self.base_weights, weight_warnings, self.model_problems = check_model(model, panel)
        self._notes: list[tuple[tuple[str, str] | None, str]] = [(None, w) for w in (*model.warnings, *panel.warnings, *weight_warnings)]
        self.sorted = sort_panel(panel, model.ids)
        self._score = Scorer(model, self.sorted)
        self.membership = membership_matrix(model.table.columns["dimension"], model.dimensions)
        self.full = full_scores(model.table.columns["method"], model.settings)

    @property
    def rows(self) -> RowLabels:
        """(unit, period) of every row, in the order the blocks come."""
        return self.sorted.rows

    def blocks(self, scores_into: np.ndarray | None = None, faults_into: np.ndarray | None = None) -> Iterator[RowsComputed]:
        """Each block of rows computed, in order; its scores and faults made in those of every
        row when given (rows × indicators), not in arrays of its own. Each pass starts the
        warnings and problems afresh."""
        self._missing_notes: list[tuple[tuple[str, str], str]] = []
        self._annualised_notes: list[tuple[tuple[str, str], str]] = []
        self._fault_problems = _FaultProblems(self.model, self.panel, self.sorted)
        self._empty_rows: list[Problem] = []
        count = len(self.sorted.order)
        for at in (slice(start, min(start + SCORED_ROWS, count)) for start in range(0, count, SCORED_ROWS)):
            yield self._computed(at, *((None, None) if scores_into is None else (scores_into[at], faults_into[at])))

    def _computed(self, at: slice, scores_into: np.ndarray | None, faults_into: np.ndarray | None) -> RowsComputed:
        settings = self.model.settings
        scored = self._score(at, scores_into, faults_into)
        faults = scored.faults
        missing = faults == Fault.MISSING
        if self.model_problems:  # a wrong model: no row is valid, not even one the missing policy would fill with zeros
            scores, policy_missing = np.full(faults.shape, np.nan), np.zeros(faults.shape, dtype=bool)
        else:
            scores, policy_missing = scored.scores, missing
        combined = combine(scores, policy_missing, self.base_weights, self.membership, settings, self.full)
        faults[combined.negative_for_geometric] = Fault.NEGATIVE_FOR_GEOMETRIC
        if self.warn:
            if settings.missing != "error":
                self._missing_notes += _missing_warnings(self.model, self.panel, self.sorted, missing, combined, at.start)
            self._annualised_notes += _annualised_warnings(self.model, self.panel, self.sorted, at)
        concerned = self._fault_problems.add(faults, combined.scores, at.start)
        if settings.missing == "reweight" and not self.model_problems:
            empty = _empty_row_problems(self.panel, self.sorted, combined.weight_totals, at.start)
            self._empty_rows += empty
            concerned += [p.row for p in empty]
        agg = combined.aggregate
        if self.blank is not None:
            unusable = self.rows.take(at).isin([*self.blank, *concerned]) | np.isnan(agg.index)
            for array in (combined.scores, agg.dimension_scores, agg.contributions, agg.index) if unusable.any() else ():
                array[unusable] = np.nan
        return RowsComputed(at, combined.scores, faults, missing, agg)

    def warnings(self) -> list[tuple[tuple[str, str] | None, str]]:
        """(row, warning), None for no one row: the model's and the data's (rows with missing
        values, growth annualised over a gap, pooled methods without spread). Once every block is made."""
        if not self.warn:
            return []
        flat = [(None, _at([self.model.indicator_cell(ident, "method")], say("all_equal", ident=ident, period=period)))
                for period, ident in self._score.flat()]
        return self._notes + self._missing_notes + self._annualised_notes + flat

    def problems(self) -> list[Problem]:
        """The model's problems, then the faulty elements' and the rows left empty. Once every block is made."""
        return self.model_problems + self._fault_problems.problems() + self._empty_rows

    def indexes(self, scores_into: np.ndarray | None = None, faults_into: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Every row's index and dimension scores (rows × dimensions), from a pass over the
        blocks: what a line per row and ANJI_TABLE show, without the whole result (the rest of its
        arrays; its frames load pandas). The scores and faults are made in ``*_into`` when given."""
        index, dimension_scores = np.empty(len(self.rows)), np.empty((len(self.rows), len(self.model.dimensions)))
        for block in self.blocks(scores_into, faults_into):
            index[block.at], dimension_scores[block.at] = block.aggregate.index, block.aggregate.dimension_scores
            del block  # let go before the next block is made
        return index, dimension_scores

    def result(self) -> IndexResult:
        """Every block, put together."""
        rows, ids, dims = self.rows, self.model.ids, self.model.dimensions
        shape = (len(rows), len(ids))
        scores, faults, missing = np.empty(shape), np.empty(shape, dtype=np.int8), np.empty(shape, dtype=bool)
        dimension_scores, dimension_weights, contributions = (np.empty((len(rows), len(dims))) for _ in range(3))
        index = np.empty(len(rows))
        for block in self.blocks(scores, faults):
            at, agg = block.at, block.aggregate
            scores[at], faults[at], missing[at], index[at] = block.scores, block.faults, block.missing, agg.index
            dimension_scores[at], dimension_weights[at], contributions[at] = agg.dimension_scores, agg.dimension_weights, agg.contributions
            del block, agg  # let go before the next block is made
        policy_missing = np.zeros(shape, dtype=bool) if self.model_problems else missing
        notes = self.warnings()
        rank = period_ranks(index, rows.codes(1)[0])[0]
        return IndexResult(
            settings=self.model.settings,
            dimensions=dims,
            ids=ids,
            labels=rows,
            arrays=ResultArrays(scores, dimension_scores, dimension_weights, contributions, index, rank, missing, faults),
            row_weights=RowWeights(self.base_weights, policy_missing, self.membership, self.model.settings.missing == "reweight"),
            full_scores=self.full,
            warnings=[text for _, text in notes],
            warning_rows=[row for row, _ in notes],
            problems=self.problems(),
            panel=self.panel,
        )


def compute(model: Model, panel: Panel, warn: bool = True, blank: Collection[tuple[str, str]] | None = None) -> IndexResult:
    """Compute the index for every (unit, period) row of the panel.

    Y = Σ_k W_k D_k with the report's defaults (arithmetic at both levels), which equals
    Σ_i W_i X_i. See the step functions for each formula. ``warn=False``: the result has no
    warnings, for a caller that shows only the numbers (ANJI_TABLE): wording one per row with a
    missing value took a quarter of the computation of 30,000 rows of which 3,000 have one.
    ``blank``: rows whose input has a problem the engine cannot see (a cell the reader could not
    read), as a book's reader asks (:func:`~anji_xl.io.parse.every_problem`): those rows, every row
    with a problem of the engine's and every row without an index are left without numbers (NaN
    scores, and so gains, dimension scores, contributions and index), the others ranked among
    themselves. The result's own arrays are blanked, not copied (30,000 rows' scores are 5 MiB).
    """
    return Computation(model, panel, warn, blank).result()
