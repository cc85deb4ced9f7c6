"""What the native layer costs a statistician: the book's size, and LibreOffice's time to open
and recalculate it (headless, forced recalculation on load, a throw-away copy; the median of
several runs), for the shipped book, for it with 1,000 Data rows typed in, and for the book as it
was before the native layer (given as a file, e.g. from `git show`).

    git show bc2f575:workbook/AnjiIndex.xlsm > /tmp/before.xlsm
    python benchmarks/native_cost.py [/tmp/before.xlsm]      # prints a Markdown table
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import libreoffice  # noqa: E402
from anji_xl.defaults import SHIPPED_BOOK  # noqa: E402
from book_parts import load_quietly, type_rows  # noqa: E402

RUNS = 3


def open_and_recalculate(book: Path) -> float:
    """Median seconds of LibreOffice converting (so opening and recalculating) the book."""
    times = []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            libreoffice.convert(book, Path(folder))
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def with_typed_rows(folder: Path, count: int) -> Path:
    """The shipped book with ``count`` Data rows in all, typed below the shipped ones."""
    data = load_quietly(SHIPPED_BOOK)["Data"]
    base = [[c.value for c in data[r]] for r in range(2, data.max_row + 1)]
    rng = random.Random(count)
    rows = [[f"县{k // 10:03d}", 2011 + k % 10, *[v * rng.uniform(0.8, 1.2) if isinstance(v, float) else v for v in base[k % 3][2:-1]]]
            for k in range(count - len(base))]
    book = folder / f"typed_{count}.xlsm"
    shutil.copy(SHIPPED_BOOK, book)
    type_rows(book, rows)
    return book


def main(before: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        books = [("shipped book (3 Data rows)", SHIPPED_BOOK), ("1,000 Data rows typed in", with_typed_rows(Path(folder), 1000))]
        if before:
            books.insert(0, ("before the native layer (3 rows)", Path(before)))
        print("| book | size | LibreOffice open + recalculate (median of 3) |\n| --- | --- | --- |")
        for name, book in books:
            print(f"| {name} | {book.stat().st_size / 1024:.0f} KiB | {open_and_recalculate(book):.1f} s |")


if __name__ == "__main__":
    main(*sys.argv[1:2])
