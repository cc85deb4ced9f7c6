"""The book a report is made from: the engine's model and result as ``anji-xl compute`` reads and
computes them, the notes Data keeps beside each row (its ``source`` and ``note`` columns) and the
file itself, whose name and SHA-256 the report cites."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..engine import IndexResult
from ..io.parse import DataLayout, block_from_grid, every_problem
from ..io.read_book import inspect_book, sheet_grid
from ..model import AnjiInputError, Model, Problem

#: Data columns that describe a row rather than hold an indicator (io.parse reads them as such).
ROW_NOTE_KEYS = ("source", "note")


@dataclass(frozen=True)
class ReportBook:
    """What one report is made from."""

    model: Model
    result: IndexResult
    path: Path  # the book file; in Excel, the saved file behind the open book
    row_notes: dict[tuple[str, str], str]  # (unit, period) → what Data's source and note columns say of it
    problems: list[Problem]  # of reading and computing, each with the (unit, period) it concerns where it has one


def row_notes(grid: list[list[object]], first_row: int, first_column: int, layout: DataLayout) -> dict[tuple[str, str], str]:
    """Data's source and note cells of every row the reader read, from a grid of Data's cells
    whose first row (``first_row``, the header's or above it) and column are given."""
    block = block_from_grid(layout.sheet, grid, [], first_row, first_column, table="Data")
    key_of = {row: key for key, row in layout.rows.items()}
    notes = {}
    for row, cells in block.rows:
        texts = [str(value).strip() for key in ROW_NOTE_KEYS if (value := cells.get(key)) is not None and str(value).strip()]
        if row in key_of and texts:
            notes[key_of[row]] = "; ".join(texts)
    return notes


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a file's bytes; None when there is no such file (a book never saved)."""
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_report_book(path: str | Path) -> ReportBook:
    """The book at ``path`` read and computed as ``anji-xl compute`` does, with every problem of
    reading and computing it; AnjiInputError when the indicator system or Data's header is unusable."""
    path = Path(path)
    tables, problems = inspect_book(path)
    result, problems = every_problem(tables, problems)
    if result is None:
        raise AnjiInputError(problems)
    grid = sheet_grid(path, tables.data.sheet, tables.data.header_row)  # the notes beside the numbers, read as the tables were
    return ReportBook(tables.model, result, path, row_notes(grid, tables.data.header_row, 1, tables.data), problems)
