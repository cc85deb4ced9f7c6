"""What a computation shows: the JSON document of SPEC §6 and the readable terminal table."""

from __future__ import annotations

import errno
import json
import math
from typing import TYPE_CHECKING, Callable, TextIO

import numpy as np
import orjson

from .engine import TOP_GAINS, Computation, IndexResult, period_ranks
from .joining import joined
from .messages import say
from .model import DIMENSIONS_EN, Model, Problem
from .tables import RowLabels

if TYPE_CHECKING:  # loaded by the commands that show them: compute --json needs none of them, nor pandas
    import pandas as pd

    from .forecast import Forecast
    from .sensitivity import SensitivityResult

# tabulate and wcwidth load where a table is made: `compute --json` makes none.


def select_rows(rows: RowLabels, unit: str | None = None, period: str | None = None) -> np.ndarray:
    """Positions of the rows matching the filters, in their order."""
    keep = np.ones(len(rows), dtype=bool)
    for level, wanted in ((0, unit), (1, period)):
        if wanted is not None:
            keep &= rows.level(level) == wanted
    return np.flatnonzero(keep)


_CHUNK = 250  # rows made and written at a time: a big document is never held whole, a block's pieces stay small


def _indented(document: object, levels: int) -> bytes:
    """JSON as ``json.dumps(indent=2)`` lays it out, for a value that sits ``levels`` deep."""
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n" + b"  " * levels)


def _row_layout(dims: list[str], ids: list[str]) -> list[bytes]:
    """The text of a result row around its values, as :func:`_indented` lays the row out in the
    results list: piece k comes before value k (unit, period, index, the dimension scores, the
    scores, the contributions), the last piece closes the row."""
    value = None  # where a value goes
    parts = [b'    {\n      "unit": ', value, b',\n      "period": ', value, b',\n      "index": ', value]
    for name, keys in (("dimensions", dims), ("scores", ids), ("contributions", dims)):
        parts.append(b",\n      " + orjson.dumps(name) + b": " + (b"{" if keys else b"{}"))
        for k, key in enumerate(keys):
            parts += [(b"," if k else b"") + b"\n        " + orjson.dumps(key) + b": ", value]
        parts.append(b"\n      }" if keys else b"")
    parts.append(b"\n    }")
    pieces, text = [], b""
    for part in parts:
        if part is value:
            pieces.append(text)
            text = b""
        else:
            text += part
    return pieces + [text]


def _labels_as_json(rows: RowLabels, level: int) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct label of a level of the rows as JSON, encoded once, and each row's code
    among them. A copy of each text: orjson's own bytes hold a buffer of 1 KiB (3,000 units: 3 MiB)."""
    codes, labels = rows.codes(level)
    return np.array([bytes(memoryview(orjson.dumps(label))) for label in labels], dtype=object), codes


def _writer(out: TextIO) -> Callable[[bytes], None]:
    """A function that writes bytes to ``out`` (its buffer: UTF-8 as orjson makes them) whole. A
    buffered write that fails partway gives back the count it wrote instead of raising (a file
    grown past its limit, a full disk, a reader that went away): writing the rest raises it."""
    out.flush()
    if not hasattr(out, "buffer"):
        return lambda data: out.write(data.decode())
    buffer = out.buffer

    def write(data: bytes) -> None:
        rest = memoryview(data)
        while rest:
            written = buffer.write(rest)
            if not written:
                raise OSError(errno.EIO, "nothing written")
            rest = rest[written:]

    return write


def write_json(run: Computation, positions: np.ndarray, out: TextIO) -> None:
    """The ``compute --json`` document of SPEC §6, ``{"results": [{unit, period, index,
    dimensions, scores, contributions}], "warnings": [...]}``, for the rows at ``positions``
    (ascending), laid out as ``json.dumps(indent=2)`` lays it out, in UTF-8. Each block of rows
    is written as the engine makes it (the whole panel's scores are never held), 250 rows at a
    time from whole arrays: orjson writes a chunk's numbers at once (NaN, no number, as null, so
    the output is strict JSON), each row's labels take the places of two zeros written before its
    numbers, and the values fill every other place of the rows' fixed text."""
    write = _writer(out)
    *before, closing = _row_layout(run.model.dimensions, run.model.ids)
    between = closing + b",\n" + before[0]  # a row's end and the next row's start
    width = len(before)  # values in a row
    frame = [b""] * (2 * width)  # a row's text before each value, alternating with the value
    frame[::2] = before
    frame[0] = between
    frame *= _CHUNK  # made once and filled again for each chunk
    encoded = [_labels_as_json(run.rows, level) for level in (0, 1)]
    places = np.zeros((_CHUNK, 2))  # where a row's unit and period go among its numbers
    write(b'{\n  "results": [' + (b"\n" if len(positions) else b""))
    written = 0  # rows
    for block in run.blocks():
        agg = block.aggregate
        arrays = (agg.index[:, None], agg.dimension_scores, block.scores, agg.contributions)
        inside = positions[written:np.searchsorted(positions, block.at.stop)] - block.at.start
        for start in range(0, len(inside), _CHUNK):
            at = inside[start:start + _CHUNK]
            numbers = np.hstack([places[:len(at)], *(array[at] for array in arrays)])
            values = orjson.dumps(numbers.ravel(), option=orjson.OPT_SERIALIZE_NUMPY)[1:-1].split(b",")
            values[::width], values[1::width] = (labels[codes[positions[written:written + len(at)]]].tolist() for labels, codes in encoded)
            parts = frame if len(at) == _CHUNK else frame[:2 * width * len(at)]
            parts[1::2] = values
            parts[0] = between if written else before[0]
            write(joined(parts))
            written += len(at)
        del block, agg, arrays  # let go before the next block is made
    write((closing + b"\n  " if len(positions) else b"") + b'],\n  "warnings": ')
    warnings = [text for _, text in run.warnings()]
    for start in range(0, len(warnings), _CHUNK):  # the list as _indented lays it out, a chunk at a time
        write((b"," if start else b"[") + _indented(warnings[start:start + _CHUNK], 1)[1:-4])  # its items without "[" and "\n  ]"
    write((b"\n  ]" if warnings else b"[]") + b"\n}\n")
    if hasattr(out, "buffer"):
        out.buffer.flush()


def _fmt(value: float, digits: int = 4) -> str:
    return "—" if math.isnan(value) else f"{value:.{digits}f}"


def _cells_by_row(problems: list[Problem]) -> dict[tuple[str, str], list[str]]:
    """The cells of the problems of each row, each once."""
    cells: dict[tuple[str, str], dict[str, None]] = {}
    for problem in problems:
        if problem.row is not None and problem.where:
            cells.setdefault(problem.row, {})[problem.where] = None
    return {row: list(found) for row, found in cells.items()}


def _not_computed(cells: list[str]) -> str:
    return say("row_not_computed", cells=", ".join(cells)) if cells else say("rows_not_computed")


#: Up to this many rows, compute prints each row in full; beyond, one line per row.
DETAIL_ROWS = 20


def text_report(result: IndexResult, model: Model, positions: np.ndarray | None = None, problems: list[Problem] = (), top: int = TOP_GAINS) -> str:
    """Per unit and period: the index, the dimension table and the top potential gains; a row
    without an index is one marked line naming the cells of its ``problems``."""
    from tabulate import tabulate

    positions = np.arange(len(result.labels)) if positions is None else positions
    names = model.names()
    name = f"{model.settings.name} {model.settings.name_en}".strip()  # the book's Settings name the index
    cells = _cells_by_row(problems)
    arrays, gains, ids = result.arrays, result.gain_values, result.ids
    index, scores, dimension_scores, contributions = arrays.index, arrays.scores, arrays.dimension_scores, arrays.contributions
    rank, of = period_ranks(index, result.labels.codes(1)[0])
    top_positions = result.top_gain_positions(top)
    blocks = []
    for at in positions:
        unit, period = result.labels[at]
        if math.isnan(index[at]):
            blocks.append(f"× {unit} {period}   " + _not_computed(cells.get((unit, period), [])))
            continue
        title = f"{unit} {period}   {name} {_fmt(index[at])}"
        if not math.isnan(rank[at]) and of[at] > 1:
            title += f"   排名 rank {int(rank[at])}/{of[at]}"
        dims = tabulate(
            [
                [f"{dim} {DIMENSIONS_EN.get(dim, '')}".strip(), _fmt(dimension_scores[at, k]), _fmt(contributions[at, k]), _fmt(arrays.dimension_weights[at, k], 3)]
                for k, dim in enumerate(result.dimensions)
            ],
            headers=["维度 Dimension", "得分率 Score", "贡献 Contribution", "权重 Weight"],
            colalign=("left", "right", "right", "right"),
            disable_numparse=True,
        )
        gain_rows = [[ids[k], names.get(ids[k], ""), _fmt(scores[at, k]), f"+{gains[at, k]:.4f}"] for k in top_positions[at] if k >= 0]
        gain_table = (
            tabulate(gain_rows, headers=["短板 Gain", "指标 Indicator", "得分率 Score", "潜在提升 Potential"], colalign=("left", "left", "right", "right"), disable_numparse=True)
            if gain_rows
            else "短板 Gains: none — every indicator reaches its target"
        )
        blocks.append(f"{title}\n\n{dims}\n\n{gain_table}")
    return "\n\n\n".join(blocks)


def _width(text: str) -> int:
    return max(_printed_width(text), len(text))  # a character wcwidth does not know counts one


def simple_table(headers: list[str], columns: list[list[str]], right: list[bool]) -> list[str]:
    """The lines of a table of texts as tabulate's "simple" format lays it out (``disable_numparse``):
    the headers, a row of dashes, then the rows; each column as wide as its widest text and its
    header's two more, right- or left-aligned, two spaces apart. Made a column at a time, each
    distinct text measured once: tabulate looks at every cell on its own (3 s for 30,000 rows). A
    table without rows, or with a text that is not plain (a character that does not print: a tab,
    a line break, a mark of zero width; a space at an end), tabulate lays out itself."""
    laid = []
    for head, cells, to_right in zip(headers, columns, right):
        widths = {text: _printed_width(text) for text in {head, *cells}}
        if not cells or not all(text.isprintable() and text == text.strip() for text in widths):
            from tabulate import tabulate

            aligned = ["right" if r else "left" for r in right]
            return tabulate(list(zip(*columns)), headers=headers, colalign=aligned, disable_numparse=True).split("\n")
        width = max([widths[head] + 2, *map(widths.__getitem__, cells)])
        padded = {text: " " * (width - w) + text if to_right else text + " " * (width - w) for text, w in widths.items()}
        laid.append([padded[head], "-" * width, *map(padded.__getitem__, cells)])
    return ["  ".join(row).rstrip() for row in zip(*laid)]


def _printed_width(text: str) -> int:
    """The columns a text takes as tabulate counts them: wcwidth's (a mark of zero width takes none)."""
    if text.isascii():  # a column each (wcwidth would say so, slowly; -1 for a control character)
        return len(text)
    from wcwidth import wcswidth

    return wcswidth(text)


def write_document(document: object, out: TextIO) -> None:
    """A JSON document laid out as ``json.dumps(indent=2, ensure_ascii=False)`` lays it out, in
    UTF-8 (as compute --json writes it), and a line end. orjson writes it and its numbers
    (0.00001 for 1e-05): the standard library's indenting encoder is Python, seconds for the
    documents of 30,000 rows; it writes those orjson cannot (an integer beyond 64 bits: a seed)."""
    try:
        data = orjson.dumps(document, option=orjson.OPT_INDENT_2)
    except orjson.JSONEncodeError:
        data = json.dumps(document, ensure_ascii=False, indent=2).encode()
    _writer(out)(data + b"\n")
    if hasattr(out, "buffer"):
        out.buffer.flush()


def summary_lines(rows: RowLabels, index: np.ndarray, dimension_scores: np.ndarray, dimensions: list[str], positions: np.ndarray,
                  problems: list[Problem] = ()) -> list[str]:
    """One line per unit and period (of the ``rows`` at ``positions``): index, rank among the
    period's units and the dimension scores; a row without an index is marked × and names the
    cells of its ``problems``. Columns are padded by display width (a Chinese character takes
    two) and made a column at a time; tabulate would take seconds for 20,000 rows."""
    units, periods = (rows.level(level)[positions].tolist() for level in (0, 1))
    rank, of = period_ranks(index, rows.codes(1)[0])
    numbers = np.column_stack([index, dimension_scores])[positions]
    heads = ["单位 unit", "时期 period", "指数 index", "排名 rank", *dimensions]
    ranks = ["" if math.isnan(r) or n < 2 else f"{int(r)}/{n}" for r, n in zip(rank[positions].tolist(), of[positions].tolist())]
    widths = [max(6, _width(head)) for head in heads[2:]]
    widths[1] = max(widths[1], *map(len, ranks))
    columns = [_number_column(numbers[:, 0], widths[0]), [f"{r:>{widths[1]}}" for r in ranks],
               *(_number_column(numbers[:, k], w) for k, w in enumerate(widths[2:], start=1))]
    labels = [_padded(units, heads[0]), _padded(periods, heads[1])]
    cells = _cells_by_row(problems)
    notes = ["" if not math.isnan(i) else "  × " + _not_computed(cells.get((u, p), [])) for u, p, i in zip(units, periods, numbers[:, 0].tolist())]
    header = [*labels[0][0:1], *labels[1][0:1], *(" " * (w - _width(h)) + h for h, w in zip(heads[2:], widths))]
    return ["  ".join(header)] + ["  ".join(row[:-1]) + row[-1] for row in zip(*(column[1:] for column in labels), *columns, notes)]


def _number_column(values: np.ndarray, width: int) -> list[str]:
    """Numbers to four decimals, right-aligned in ``width``; — where there is none."""
    blank = " " * (width - 1) + "—"
    pattern = f"%{width}.4f"
    return [blank if v != v else pattern % v for v in values.tolist()]


def _padded(labels: list[str], head: str) -> list[str]:
    """The head, then the labels, each padded to the display width of the widest."""
    widths = {text: _width(text) for text in {head, *labels}}
    width = max(widths.values())
    padded = {text: text + " " * (width - w) for text, w in widths.items()}
    return [padded[head], *(padded[text] for text in labels)]


def sensitivity_report(result: SensitivityResult) -> str:
    """The percentile table of a sensitivity run, one line per unit and period."""
    table = result.table
    labels = [list(map(str, table.index.get_level_values(level))) for level in (0, 1)]
    numbers = [[_fmt(v) for v in column] for column in table.to_numpy(dtype=float).T.tolist()]
    return "\n".join(simple_table(["unit 单位", "period 时期", *table.columns], [*labels, *numbers], [False, False, *[True] * len(numbers)]))


def sensitivity_document(result: SensitivityResult) -> dict:
    """The ``anji-xl sensitivity --json`` document: the run's draws, spread and seed, and per unit
    and period its percentiles (null where there is none)."""
    from .book.results import cell_numbers

    table = result.table
    rows = [{"unit": unit, "period": period, **dict(zip(table.columns, values))}
            for (unit, period), values in zip(table.index.tolist(), cell_numbers(table.to_numpy(dtype=float)))]
    return {"draws": result.draws, "spread": result.spread, "seed": result.seed, "results": rows}


def forecast_document(outlook: Forecast, units: list[str]) -> dict:
    """The ``anji-xl forecast --json`` document (issue 10): per unit the latest period, its index,
    the forecast index and dimension scores, and per indicator the trajectory figures. Made from
    whole columns (the indicator figures are a units × indicators grid): row by row, 3,000 units
    took seconds."""
    from .book.results import cell_numbers

    at = _unit_positions(outlook, units)
    ids = list(outlook.scores.columns)

    def grid(column: str) -> list[list[object]]:  # the units asked for × ids
        if column in ("on_track", "period_reached"):
            return _indicator_grid(outlook, column, object)[at].tolist()
        return cell_numbers(_finite(_indicator_grid(outlook, column, float)[at]))

    keys = ("latest", "trend_growth", "forecast", "score_forecast", "required_growth", "on_track", "period_reached")
    columns = [grid(key) for key in keys]
    latest = outlook.latest_period.to_numpy(dtype=object)[at].tolist()
    index, index_forecast = (cell_numbers(_finite(series.to_numpy(dtype=float)[at])) for series in (outlook.index, outlook.index_forecast))
    dimensions = cell_numbers(_finite(outlook.dimension_scores.to_numpy(dtype=float)[at]))
    rows = [{"unit": unit, "latest_period": latest[k], "index": index[k], "index_forecast": index_forecast[k],
             "dimensions_forecast": dict(zip(outlook.dimension_scores.columns, dimensions[k])),
             "indicators": {ident: dict(zip(keys, figures)) for ident, *figures in zip(ids, *(column[k] for column in columns))}}
            for k, unit in enumerate(units)]
    return {"target_period": str(outlook.target_period), "results": rows, "warnings": outlook.warnings_of(units)}


def _finite(values: np.ndarray) -> np.ndarray:
    """The numbers, refused as the standard library's JSON refused them when one is infinite (a
    trend of two values a world apart): orjson would write null, as for no number."""
    if np.isinf(values).any():
        raise ValueError("Out of range float values are not JSON compliant: inf")
    return values


def _unit_positions(outlook: Forecast, units: list[str]) -> list[int]:
    """Where each of ``units`` is among the forecast's units."""
    every = {unit: k for k, unit in enumerate(outlook.latest_period.index)}
    return [every[unit] for unit in units]


def _indicator_grid(outlook: Forecast, column: str, kind: type) -> np.ndarray:
    """A column of the forecast's indicator figures as units × indicators (it lists every
    indicator of every unit, unit by unit)."""
    return outlook.indicators[column].to_numpy(dtype=kind).reshape(len(outlook.latest_period), -1)


def _percent(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:+.2%}"


def forecast_summary_lines(outlook: Forecast, units: list[str]) -> list[str]:
    """One line per unit: its latest period and index, the forecast index, how many indicators
    miss their target and the forecast dimension scores (``forecast --unit`` shows one in full)."""
    at = _unit_positions(outlook, units)
    off = (_indicator_grid(outlook, "on_track", object)[at] == False).sum(axis=1)  # noqa: E712 — None is not False
    numbers = np.column_stack([outlook.index.to_numpy(dtype=float), outlook.index_forecast.to_numpy(dtype=float),
                               outlook.dimension_scores.to_numpy(dtype=float)])[at]
    target = outlook.target_period
    headers = ["单位 unit", "最新 latest", "指数 index", f"预测指数 {target} forecast", "未达标 off track", *outlook.dimensions]
    latest = [period or "—" for period in outlook.latest_period.to_numpy(dtype=object)[at].tolist()]
    columns = [list(units), latest, *([_fmt(v) for v in numbers[:, k].tolist()] for k in range(2)), list(map(str, off.tolist())),
               *([_fmt(v) for v in numbers[:, k].tolist()] for k in range(2, numbers.shape[1]))]
    return simple_table(headers, columns, [False, False, *[True] * (len(headers) - 2)])


def forecast_report(outlook: Forecast, model: Model, units: list[str]) -> str:
    """Per unit the indicator table (Chinese first), then the forecast index and dimensions."""
    from tabulate import tabulate

    names = model.names()
    yes_no = {True: "是 yes", False: "否 no", None: "—"}
    blocks = []
    for unit in units:
        table = outlook.indicators.loc[unit]
        lines = [
            [f"{ident} {names.get(ident, '')}".strip(), f"{_fmt(row['latest'])} ({row['latest_period'] or '—'})", _percent(row["trend_growth"]),
             _fmt(row["forecast"]), _fmt(row["score_forecast"]), yes_no[row["on_track"]], _percent(row["required_growth"]),
             row["period_reached"] or "—"]
            for ident, row in table.iterrows()
        ]
        indicators = tabulate(lines, headers=["指标 Indicator", "最新值 Latest", "趋势年增速 Trend", f"预测值 {outlook.target_period} Forecast",
                                              "预测得分率 Score", "达标 On track", "所需年增速 Required", "达标年份 Reached"],
                              colalign=("left", "right", "right", "right", "right", "left", "right", "right"), disable_numparse=True)
        dims = tabulate([[f"{dim} {DIMENSIONS_EN.get(dim, '')}".strip(), _fmt(outlook.dimension_scores.at[unit, dim])] for dim in outlook.dimensions],
                        headers=["维度 Dimension", f"预测得分率 {outlook.target_period} Forecast"], colalign=("left", "right"), disable_numparse=True)
        title = (f"{unit}   达标预测 forecast to {outlook.target_period}   最新 latest {outlook.latest_period[unit]}: "
                 f"指数 index {_fmt(outlook.index[unit])}")
        summary = f"预测指数 Forecast index {outlook.target_period}: {_fmt(outlook.index_forecast[unit])}"
        blocks.append(f"{title}\n\n{indicators}\n\n{summary}\n\n{dims}")
    return "\n\n\n".join(blocks)
