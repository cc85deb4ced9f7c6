"""What the native layer costs a statistician: the book's size, and LibreOffice's time to open and
recalculate it (headless, forced recalculation on load, a throw-away copy; the median of several
runs), for the shipped book, for it with 1,000 Data rows typed in, and for the book as it was
before the native layer (given as a file, e.g. from `git show`).

Two times per book. *Open + recalculate*: LibreOffice converts the book to CSV, which loads it,
recalculates every formula of every sheet and writes only the first sheet (a few lines of the
Guide), so it is what a user waits for on opening. *… + save as .xlsx*: the same conversion to
.xlsx, which adds LibreOffice writing every formula of the book back out (as it does when a user
saves). Both include LibreOffice's own start (about 1.5 s here).

    git show bc2f575:workbook/AnjiIndex.xlsm > /tmp/before.xlsm
    python benchmarks/native_cost.py [/tmp/before.xlsm]      # prints a Markdown table
    python benchmarks/native_cost.py --rows 30000            # a provincial book (one run each: minutes)

``--rows N``: the shipped book with N rows typed into Data (benchmarks/bench.py's rows), before and
after ``anji-xl recalc`` (which gives Scores a row of live and native formulas for every Data row),
opened as LibreOffice opens a book by default (never recalculating: only formulas without a
cached value are computed) and recalculating everything on load, as the user guide advises.
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import libreoffice  # noqa: E402
from anji_xl.defaults import SHIPPED_BOOK  # noqa: E402
from book_parts import load_quietly, type_rows  # noqa: E402

RUNS = 3
TARGETS = ("csv", "xlsx")  # open + recalculate; open + recalculate + save


def open_and_recalculate(book: Path, target: str) -> float:
    """Median seconds of LibreOffice converting the book to ``target``."""
    times = []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            libreoffice.convert(book, Path(folder), target)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def with_typed_rows(folder: Path, count: int) -> Path:
    """The shipped book with ``count`` Data rows in all, typed below the shipped ones."""
    data = load_quietly(SHIPPED_BOOK)["Data"]
    base = [[c.value for c in data[r]] for r in range(2, data.max_row + 1)]
    rng = random.Random(count)
    rows = [[f"县{k // 10:03d}", 2011 + k % 10, *[v * rng.uniform(0.8, 1.2) if isinstance(v, float) else v for v in base[k % 3][2:-1]]]
            for k in range(count - len(base))]
    typed = folder / f"typed_{count}.xlsm"
    shutil.copy(SHIPPED_BOOK, typed)
    type_rows(typed, rows)
    return typed


def provincial(rows: int) -> None:
    """LibreOffice opening a book of ``rows`` Data rows, before and after ``anji-xl recalc``."""
    from bench import make_book  # the benchmark's generated rows
    from anji_xl.book.recalc import recalc_book

    with tempfile.TemporaryDirectory() as folder:
        typed = make_book(Path(folder) / f"typed_{rows}.xlsm", rows // 10, 10)
        recalculated = Path(folder) / f"recalculated_{rows}.xlsm"
        shutil.copy(typed, recalculated)
        recalc_book(recalculated)
        print(f"LibreOffice, one run each, {rows:,} generated rows typed into the shipped book's Data:\n\n"
              "| book | size | open (never recalculating) | open + recalculate |\n| --- | --- | --- | --- |")
        for name, book in ((f"{rows:,} rows typed in", typed), ("after `anji-xl recalc`", recalculated)):
            seconds = []
            for recalculate in (False, True):
                with tempfile.TemporaryDirectory() as work:
                    start = time.perf_counter()
                    libreoffice.convert(book, Path(work), "csv", recalculate, timeout=1800)
                    seconds.append(time.perf_counter() - start)
            print(f"| {name} | {book.stat().st_size / 2**20:.1f} MiB | " + " | ".join(f"{s:.0f} s" for s in seconds) + " |", flush=True)


def main(before: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        books = [("shipped book (3 Data rows)", SHIPPED_BOOK), ("1,000 Data rows typed in", with_typed_rows(Path(folder), 1000))]
        if before:
            books.insert(0, ("before the native layer (3 rows)", Path(before)))
        print(f"LibreOffice, median of {RUNS} runs:\n\n| book | size | open + recalculate | + save as .xlsx |\n| --- | --- | --- | --- |")
        for name, book in books:
            seconds = [open_and_recalculate(book, target) for target in TARGETS]
            print(f"| {name} | {book.stat().st_size / 1024:.0f} KiB | " + " | ".join(f"{s:.1f} s" for s in seconds) + " |", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rows"]:
        provincial(int(sys.argv[2]))
    else:
        main(*sys.argv[1:2])
