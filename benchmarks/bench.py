"""Speed of the engine, the reader, recalc and the worksheet functions on synthetic data.

    python benchmarks/bench.py            # prints a Markdown table (best of 5 runs each)

The panel is the shipped indicator system (23 indicators, 6 dimensions) with values drawn for
many units and periods. Times are wall-clock on whatever machine runs it; the README lists the
figures this printed on the project's 2-core machine.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from anji_xl import Panel, compute, read_book  # noqa: E402
from anji_xl.defaults import SHIPPED_BOOK, default_model  # noqa: E402
from anji_xl.book.recalc import recalc_book  # noqa: E402
from anji_xl.sensitivity import sensitivity  # noqa: E402


def panel(units: int, periods: int, seed: int = 1) -> Panel:
    model = default_model()
    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product([[f"县{u:04d}" for u in range(units)], [str(2016 + p) for p in range(periods)]])
    reference = model.indicators["reference"].to_numpy()
    growth = (model.indicators["method"] == "growth").to_numpy()
    values = reference * rng.uniform(0.5, 1.3, size=(len(index), len(reference)))
    values[:, growth] = rng.uniform(100, 200, size=(len(index), growth.sum()))
    return Panel(pd.DataFrame(values, index=index, columns=model.indicators.index))


def best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def book_with_rows(folder: Path, units: int, periods: int) -> Path:
    path = folder / "big.xlsm"
    shutil.copy(SHIPPED_BOOK, path)
    book = openpyxl.load_workbook(path, keep_vba=True)
    data = book["Data"]
    values = panel(units, periods).values
    for r, ((unit, period), row) in enumerate(values.iterrows(), start=2):
        data.cell(r, 1, unit)
        data.cell(r, 2, int(period))
        for c, value in enumerate(row, start=3):
            data.cell(r, c, float(value))
    table = data.tables["tblData"]
    table.ref = f"A1:{table.ref.split(':')[1].rstrip('0123456789')}{len(values) + 1}"
    book.save(path)
    return path


def main() -> None:
    model = default_model()
    rows = []
    for units, periods in ((1, 3), (100, 10), (1000, 10)):
        p = panel(units, periods)
        rows.append((f"compute, {units * periods:,} rows × 23 indicators", best(lambda: compute(model, p))))
    p = panel(100, 5)
    rows.append(("sensitivity, 1,000 draws, 500 rows", best(lambda: sensitivity(model, p, draws=1000), repeat=3)))
    with tempfile.TemporaryDirectory() as folder:
        big = book_with_rows(Path(folder), 200, 5)
        rows.append(("read_book, 1,000 Data rows", best(lambda: read_book(big), repeat=3)))
        rows.append(("anji-xl recalc, 1,000 Data rows", best(lambda: recalc_book(big), repeat=3)))
        rows.append(("read_book, shipped book (3 rows)", best(lambda: read_book(SHIPPED_BOOK))))
    import xlwings_harness as xl  # noqa: E402 — the worksheet functions through xlwings' own pipeline

    column = tuple((float(v),) for v in np.random.default_rng(2).uniform(0, 2, 10_000))
    rows.append(("ANJI_SCORE over 10,000 cells (xlwings CallUDF + conversion)", best(lambda: xl.call("ANJI_SCORE", column, 1.0))))
    print("| what | best time |\n| --- | --- |")
    for what, seconds in rows:
        print(f"| {what} | {seconds * 1000:,.1f} ms |")


if __name__ == "__main__":
    main()
