"""The book a report is made from: the engine's model and result as ``anji-xl compute`` reads and
computes them, the notes Data keeps beside each row (its ``source`` and ``note`` columns) and the
file itself, whose name and SHA-256 the report cites."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..engine import IndexResult
from ..io.parse import every_problem
from ..io.read_book import inspect_book
from ..model import AnjiInputError, Model, Problem


@dataclass(frozen=True)
class ReportBook:
    """What one report is made from."""

    model: Model
    result: IndexResult
    path: Path  # the book file; in Excel, the saved file behind the open book
    row_notes: dict[tuple[str, str], str]  # (unit, period) → what Data's source and note columns say of it
    problems: list[Problem]  # of reading and computing, each with the (unit, period) it concerns where it has one


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
    tables, problems = inspect_book(path, row_notes=True)
    result, problems = every_problem(tables, problems)
    if result is None:
        raise AnjiInputError(problems)
    return ReportBook(tables.model, result, path, tables.data.notes, problems)
