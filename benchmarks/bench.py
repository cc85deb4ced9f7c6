"""Speed and memory of anji-xl on big books (issue 11), the engine and the worksheet functions.

    python benchmarks/bench.py                # the README's tables (about 4 minutes on 2 cores)
    python benchmarks/bench.py --repeat 5     # medians of 5 runs instead of 3
    python benchmarks/bench.py --checkout DIR # the command-line rows for another checkout (before/after)

Books are generated from a seed in the shipped layout: the shipped workbook with rows typed into
Data below its three Anji rows, as a user types them (tests/book_parts.type_rows), values drawn
around each indicator's reference and rounded to four decimals. Commands run as whole processes
(``python -m anji_xl.cli``), each timed and its peak memory taken from the kernel; a row's ratio
is its median over the median of the row it is compared with, measured in the same run.

To add a row: append a :class:`Run` to ``RUNS`` (a whole process; ``prepare`` runs untimed before
each repetition, e.g. to copy a book that the command writes) or a :class:`Measure` to
``MEASURES`` (a call in this process).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from anji_xl import Model, Panel, compute  # noqa: E402
from anji_xl.defaults import SHIPPED_BOOK, default_indicators, default_model  # noqa: E402
from anji_xl.io.parse import read_grids  # noqa: E402
from anji_xl.sensitivity import sensitivity  # noqa: E402
from book_parts import type_rows  # noqa: E402

SEED = 20211012
INDICATORS = 23


def panel(units: int, periods: int, seed: int = SEED) -> Panel:
    """Values of the shipped indicator system for ``units`` × ``periods`` rows, drawn from ``seed``."""
    model = default_model()
    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product([[f"县{u:04d}" for u in range(units)], [str(2016 + p) for p in range(periods)]])
    reference = model.indicators["reference"].to_numpy()
    growth = (model.indicators["method"] == "growth").to_numpy()
    values = reference * rng.uniform(0.5, 1.3, size=(len(index), len(reference)))
    values[:, growth] = rng.uniform(100, 200, size=(len(index), growth.sum()))
    return Panel(pd.DataFrame(values.round(4), index=index, columns=model.indicators.index))


def make_book(path: Path, units: int, periods: int, by_year: bool = False) -> Path:
    """The shipped book with ``units`` × ``periods`` generated rows typed into Data, unit by
    unit (``by_year``: year by year, as a book grows when each new year is appended below)."""
    values = panel(units, periods).values
    if by_year:
        values = values.sort_index(level=1, sort_remaining=False)
    shutil.copy(SHIPPED_BOOK, path)
    type_rows(path, [[unit, int(period), *row] for (unit, period), row in zip(values.index, values.to_numpy().tolist())])
    return path


@dataclass
class Books:
    """The books of one run: 30,000 and 20,000 generated rows, the 30,000 typed year by year,
    and the shipped one (3 rows)."""

    folder: Path
    big: Path
    twenty: Path
    by_year: Path
    shipped: Path = SHIPPED_BOOK


def cli(*args: object) -> list[str]:
    return [sys.executable, "-m", "anji_xl.cli", *map(str, args)]


def calamine_read(book: Path, sheets: str = "wb.sheet_names") -> list[str]:
    """A bare python-calamine read of every sheet (or of ``sheets``, a Python expression of
    their names): the floor a reader in Python can reach."""
    code = ("import sys; from python_calamine import CalamineWorkbook; wb = CalamineWorkbook.from_path(sys.argv[1]); "
            f"[wb.get_sheet_by_name(name).to_python() for name in {sheets}]")
    return [sys.executable, "-c", code, str(book)]


@dataclass
class Run:
    """A whole process, timed with its peak memory; ``versus`` names the row it is a multiple of."""

    what: str
    argv: Callable[[Books], list[str]]
    versus: str | None = None
    goal: float | None = None  # the bound on that multiple
    prepare: Callable[[Books], None] = lambda books: None


BASELINE = "python-calamine, every sheet of the 30,000-row book"
BY_YEAR = "anji-xl compute BOOK --json, the 30,000 rows typed year by year"
JSON_20K = "anji-xl compute BOOK --json, 20,000 rows"
RECALCULATED = "python-calamine, every sheet of the 30,000-row book after a recalc"
CALAMINE_OPEN = "python-calamine, the 30,000-row book opened, no sheet read"
CALAMINE_DATA = "python-calamine, the Data sheet of the 30,000-row book alone"


def recalculated(books: Books) -> Path:
    """The 30,000-row book as a recalc leaves it (Scores and Results for every row: the layout a
    user's book has after the first Recalculate), made once per run with this checkout."""
    path = books.folder / "recalculated.xlsm"
    if not path.exists():
        from anji_xl.book.recalc import recalc_book

        shutil.copy(books.big, path)
        recalc_book(path)
    return path


def rows_file(books: Books) -> Path:
    """The 30,000-row book's generated rows as a CSV file laid out like Data (for new and import), made once per run."""
    path = books.folder / "rows.csv"
    if not path.exists():
        values = panel(3000, 10).values
        values.rename_axis(["unit", "period"]).reset_index().to_csv(path, index=False)
    return path


def work_copy(source: Callable[[Books], Path]) -> Callable[[Books], None]:
    """A prepare step: copy a book to ``work.xlsm``, which the timed command then writes."""
    return lambda books: shutil.copy(source(books), books.folder / "work.xlsm")
RUNS = [
    Run(BASELINE, lambda b: calamine_read(b.big)),
    Run("anji-xl compute BOOK --json, 30,000 rows", lambda b: cli("compute", b.big, "--json"), BASELINE, 1.5),
    Run("anji-xl validate BOOK, 30,000 rows", lambda b: cli("validate", b.big), BASELINE, 1.5),
    Run(BY_YEAR, lambda b: cli("compute", b.by_year, "--json"), BASELINE),
    Run(CALAMINE_OPEN, lambda b: calamine_read(b.big, "[]")),
    Run(CALAMINE_DATA, lambda b: calamine_read(b.big, "['Data']")),
    Run(RECALCULATED, lambda b: calamine_read(recalculated(b))),
    Run("anji-xl recalc BOOK, 30,000 rows, recalculated before", lambda b: cli("recalc", b.folder / "work.xlsm"), RECALCULATED, 3.0,
        work_copy(recalculated)),
    Run("anji-xl recalc BOOK, 30,000 rows just typed in (Scores grows from 1,000 rows)", lambda b: cli("recalc", b.folder / "work.xlsm"),
        BASELINE, 3.0, work_copy(lambda b: b.big)),
    Run("anji-xl sensitivity BOOK --draws 1000, 30,000 rows", lambda b: cli("sensitivity", b.big, "--draws", 1000),
        "anji-xl compute BOOK --json, 30,000 rows", 10.0),
    Run("anji-xl forecast BOOK --json --period 2024, 3,000 units", lambda b: cli("forecast", b.big, "--json", "--period", 2024),
        "anji-xl compute BOOK --json, 30,000 rows"),
    Run("anji-xl new OUT --data CSV, those 30,000 rows", lambda b: cli("new", b.folder / "new.xlsm", "--data", rows_file(b)),
        prepare=lambda b: (b.folder / "new.xlsm").unlink(missing_ok=True)),
    Run("anji-xl import BOOK CSV, those 30,000 rows into the shipped book", lambda b: cli("import", b.folder / "work.xlsm", rows_file(b)),
        prepare=work_copy(lambda b: b.shipped)),
    Run(JSON_20K, lambda b: cli("compute", b.twenty, "--json")),
    Run("anji-xl compute BOOK (text), 20,000 rows", lambda b: cli("compute", b.twenty), JSON_20K, 1.5),
    Run("anji-xl compute, shipped book (3 rows)", lambda b: cli("compute", b.shipped, "--json")),
    Run("anji-xl --help", lambda b: cli("--help")),
]


@dataclass
class Timed:
    seconds: list[float] = field(default_factory=list)
    peak_mib: float = 0.0
    cpu_seconds: list[float] = field(default_factory=list)  # user + sys: what other work on the machine changes least

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


#: Starts a command from a small process and reports its wall time, peak memory, exit status and
#: CPU time: a child of this script would count this script's own memory (a recalc here:
#: gigabytes) as its.
_LAUNCH = ("import os, sys, time; start = time.perf_counter(); pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ); "
           "_, status, usage = os.wait4(pid, 0); "
           "open(sys.argv[1], 'w').write(f'{time.perf_counter() - start} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)} "
           "{usage.ru_utime + usage.ru_stime}')")


def run_process(argv: list[str], env: dict[str, str], cwd: Path = REPO) -> tuple[float, float, float]:
    """Wall-clock seconds, peak resident memory (MiB) and CPU seconds of one process; its output is discarded."""
    # errors go to a file, not a pipe: a command that warns a lot would fill a pipe and stop
    with tempfile.TemporaryFile() as errors, tempfile.NamedTemporaryFile("r") as report:
        subprocess.run([sys.executable, "-c", _LAUNCH, report.name, *argv], stdout=subprocess.DEVNULL, stderr=errors, env=env, cwd=cwd,
                       check=True)
        seconds, peak_kib, code, cpu = report.read().split()
        if code != "0":
            errors.seek(0)
            raise RuntimeError(f"{' '.join(argv)} failed: {errors.read().decode(errors='replace')}")
    return float(seconds), int(peak_kib) / 1024, float(cpu)


def selected(words: list[str] | None) -> list[Run]:
    """The rows whose text holds one of ``words`` (every row for none), with the rows they are compared with."""
    chosen = {run.what for run in RUNS if not words or any(word.lower() in run.what.lower() for word in words)}
    while missing := {run.versus for run in RUNS if run.what in chosen and run.versus} - chosen:  # and what those are compared with
        chosen |= missing
    return [run for run in RUNS if run.what in chosen]


def processes(books: Books, runs: list[Run], repeat: int, checkout: Path) -> dict[str, Timed]:
    # The checkout's bytecode, compiled once into the run's folder, as an installed package has it
    # (pip compiles it on install): with PYTHONDONTWRITEBYTECODE set, as on this project's
    # machines, every run would compile anji-xl's modules again (about 0.1 s).
    env = {**os.environ, "PYTHONPATH": str(checkout), "PYTHONPYCACHEPREFIX": str(books.folder / "bytecode")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(checkout / "anji_xl")], env=env, check=True)
    timed = {run.what: Timed() for run in runs}
    # The first round is not counted: the bytecode folder being new, its processes compiled every
    # module they load besides anji-xl's (pandas, NumPy …), which an installed environment has
    # compiled; the first compute of the 30,000 rows peaked 6–8 MiB above the later ones.
    for counted in [False] + [True] * repeat:  # interleaved, so a busy moment of the machine spreads over every row
        for run in runs:
            run.prepare(books)
            seconds, peak, cpu = run_process(run.argv(books), env, checkout)  # python -m finds the package in its folder first
            if not counted:
                continue
            timed[run.what].seconds.append(seconds)
            timed[run.what].cpu_seconds.append(cpu)
            timed[run.what].peak_mib = max(timed[run.what].peak_mib, peak)
    return timed


@dataclass
class Measure:
    """A call in this process, timed; ``versus`` names the row it is a multiple of."""

    what: str
    call: Callable[[], object]
    versus: str | None = None
    goal: float | None = None


def measures(books: Books) -> tuple[list[Measure], tuple]:
    """The in-process rows, and the tables (model, panel) of the 30,000 rows they compute."""
    import xlwings_harness as xl  # the worksheet functions through xlwings' own pipeline

    model, big = default_model(), panel(3000, 10)
    indicators = default_indicators()
    indicator_range = (tuple(indicators.columns), *(tuple(_excel(v) for v in row) for row in indicators.itertuples(index=False)))
    data_range = (("unit", "period", *big.values.columns),
                  *((unit, float(period), *row) for (unit, period), row in zip(big.values.index, big.values.to_numpy().tolist())))
    settings_range = (("key", "value"), ("missing", "reweight"))
    tables = read_grids({"Indicators": (indicator_range, 1, 1), "Data": (data_range, 1, 1), "Settings": (settings_range, 1, 1)})
    column = tuple((float(v),) for v in np.random.default_rng(2).uniform(0, 2, 10_000))
    small = panel(100, 5)
    live_row = live_row_calls(model, big)
    engine = "engine: compute, the same 30,000 rows × 23 indicators"
    return [
        Measure(engine, lambda: compute(*tables)),
        Measure("ANJI_TABLE over those tables (xlwings CallUDF + conversion)",
                lambda: xl.call("ANJI_TABLE", data_range, indicator_range, settings_range), engine, 2.0),
        Measure("engine: compute, 1,000 rows × 23 indicators", lambda: compute(model, panel(100, 10))),
        Measure("sensitivity, 1,000 draws, 500 rows", lambda: sensitivity(model, small, draws=1000)),
        Measure("ANJI_SCORE over 10,000 cells (xlwings CallUDF + conversion)", lambda: xl.call("ANJI_SCORE", column, 1.0)),
        Measure(f"{LIVE_ROWS} live rows of Scores: {LIVE_ROWS * len(live_row):,} ANJI_* calls, a cell each (xlwings CallUDF + conversion)",
                lambda: [xl.call(name, *args) for _ in range(LIVE_ROWS) for name, args in live_row]),
    ], tables


LIVE_ROWS = 100  # rows of live calls timed together: one row's take a few milliseconds


def live_row_calls(model: Model, values: Panel) -> list[tuple[str, tuple]]:
    """The worksheet function calls of one live row of Scores (a unit's second year), with the
    arguments its cells pass (scores.py): a score per indicator by its method, each dimension's
    score and the index. Excel makes each call on its own, for every row Data had at the last
    Recalculate: on opening a book (it recalculates in full) and on every change they depend on."""
    frame, indicators, settings = values.values, model.indicators, model.settings
    row, before = frame.iloc[1].tolist(), frame.iloc[0].tolist()
    calls, signs = [], indicators["direction"].map({"positive": 1.0}).fillna(-1.0)
    for k, ident in enumerate(indicators.index):
        method, reference, sign = indicators.at[ident, "method"], float(indicators.at[ident, "reference"]), float(signs[ident])
        if method == "growth":
            calls.append(("ANJI_GROWTH_SCORE", (row[k], before[k], reference, sign, 1.0, 1.0)))
        elif method == "goalpost":
            lower, upper = (float(indicators.at[ident, key]) for key in ("lower", "upper"))
            calls.append(("ANJI_NORMALIZE", (row[k], "goalpost", lower, upper, sign, "")))
        else:
            calls.append(("ANJI_SCORE", (row[k], reference, sign, 1.0)))
    scores = tuple(0.5 + k / 100 for k in range(len(indicators)))  # the row's score cells: any numbers do for the work of the calls
    dims = (tuple(indicators["dimension"]),)
    weights = (tuple(float(w) for w in indicators["weight"]),)
    missing = settings.missing
    calls += [("ANJI_DIM", (dim, dims, (scores,), weights, settings.dimension_aggregation, missing)) for dim in model.dimensions]
    return calls + [("ANJI_INDEX", ((scores,), weights, dims, settings.index_aggregation, missing, settings.weight_tolerance))]


def engine_memory_line(tables: tuple) -> str:
    """What the engine alone takes for the 30,000 rows, traced by tracemalloc (NumPy reports its
    arrays to it): its peak and what its result keeps, above its inputs, as multiples of Data as float64."""
    data_mib = tables[1].values.to_numpy().nbytes / 2**20
    gc.collect()
    tracemalloc.start()
    result = compute(*tables)
    kept, peak = (size / 2**20 for size in tracemalloc.get_traced_memory())
    tracemalloc.stop()
    del result
    return (f"The engine alone, the same 30,000 rows (tracemalloc): peak {peak:,.1f} MiB above its inputs ({peak / data_mib:.1f}× Data "
            f"as float64, {data_mib:.1f} MiB); its result holds {kept:,.1f} MiB ({kept / data_mib:.1f}×).")


def _excel(value: str) -> object:
    """A cell of the indicator CSV as Excel hands it over: numbers as floats, blank as None."""
    try:
        return float(value)
    except ValueError:
        return value or None


IN_PROCESS_RUNS = 7  # runs of an in-process row at least: each takes well under a second


def in_process(calls: list[Measure], repeat: int) -> dict[str, Timed]:
    timed = {measure.what: Timed() for measure in calls}
    for _ in range(repeat):  # interleaved, as the processes are: a ratio's two rows share the machine's busy moments
        for measure in calls:
            # each call starts from a collected heap: the objects one call leaves (the live rows' 3,000 calls) would
            # otherwise have the next one pay for a full pass over this script's own heap (its 30,000-row tables): 93 ms against 22
            gc.collect()
            start = time.perf_counter()
            measure.call()
            timed[measure.what].seconds.append(time.perf_counter() - start)
    return timed


def table(rows: list[Run] | list[Measure], timed: dict[str, Timed], memory: bool) -> str:
    lines = ["| what | median | × | goal |" + (" peak memory |" if memory else ""), "| --- | ---: | ---: | ---: |" + (" ---: |" if memory else "")]
    for row in rows:
        ratio = f"{timed[row.what].median / timed[row.versus].median:.2f}" if row.versus else ""
        goal = f"≤ {row.goal:g}" if row.goal else ""
        peak = f" {timed[row.what].peak_mib:,.0f} MiB |" if memory else ""
        lines.append(f"| {row.what} | {timed[row.what].median * 1000:,.0f} ms | {ratio} | {goal} |{peak}")
    return "\n".join(lines)


def cpu_table(runs: list[Run], timed: dict[str, Timed]) -> str:
    """The rows compared with another as CPU time (user + sys, medians): on a machine shared with
    other work the wall-clock ratios grow with its load, these much less."""
    cpu = {what: statistics.median(t.cpu_seconds) for what, t in timed.items()}
    lines = ["| what | CPU time | × | goal (wall clock) |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {run.what} | {cpu[run.what] * 1000:,.0f} ms | {cpu[run.what] / cpu[run.versus]:.2f} | ≤ {run.goal:g} |"
              for run in runs if run.versus and run.goal]
    return "\n".join(lines)


MEMORY_BIG, MEMORY_SHIPPED = "anji-xl compute BOOK --json, 30,000 rows", "anji-xl compute, shipped book (3 rows)"


def memory_line(timed: dict[str, Timed], rows: int) -> str:
    """Issue 11's memory bound: the 30,000-row compute's peak over the shipped book's (the
    interpreter with everything the command loads), as a multiple of Data as float64."""
    data_mib = rows * INDICATORS * 8 / 2**20
    extra = timed[MEMORY_BIG].peak_mib - timed[MEMORY_SHIPPED].peak_mib
    line = (f"Peak memory of compute, 30,000 rows: {extra:,.0f} MiB above the shipped book's; Data as float64 is "
            f"{data_mib:.1f} MiB ({rows:,} rows × {INDICATORS}), so {extra / data_mib:.1f}× (goal ≤ 4×).")
    if BY_YEAR in timed:
        by_year = timed[BY_YEAR].peak_mib - timed[MEMORY_SHIPPED].peak_mib
        line += f" The same rows typed year by year: {by_year:,.0f} MiB above, {by_year / data_mib:.1f}×."
    if {CALAMINE_DATA, CALAMINE_OPEN} <= timed.keys():
        parse = timed[CALAMINE_DATA].peak_mib - timed[CALAMINE_OPEN].peak_mib
        line += (f" python-calamine's own parse of the Data sheet peaks {parse:,.0f} MiB above the opened book: "
                 f"{parse / data_mib:.1f}× Data as float64.")
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each row (the median is shown)")
    parser.add_argument("--checkout", type=Path, default=REPO, help="the anji-xl checkout the command-line rows run")
    parser.add_argument("--only", action="append", metavar="TEXT",
                        help="only the command-line rows whose text holds TEXT (repeatable; case ignored), with the rows they are "
                             "compared with, and no in-process rows: --only compute --only validate")
    args = parser.parse_args()
    runs = selected(args.only)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        books = Books(folder, make_book(folder / "big.xlsm", 3000, 10), make_book(folder / "twenty.xlsm", 2000, 10),
                      make_book(folder / "by_year.xlsm", 3000, 10, by_year=True))
        timed = processes(books, runs, args.repeat, args.checkout)
        print(f"Python {platform.python_version()}, {os.cpu_count()} cores; medians of {args.repeat} runs; "
              f"books of 30,003 and 20,003 Data rows × {INDICATORS} indicators (seed {SEED})\n")
        print(table(runs, timed, memory=True))
        if {MEMORY_BIG, MEMORY_SHIPPED} <= timed.keys():
            print("\n" + memory_line(timed, 30_003))
        print(f"\nLoad average (1, 5, 15 minutes) at the end: {', '.join(f'{load:.1f}' for load in os.getloadavg())}\n")
        print(cpu_table(runs, timed))
        if args.checkout == REPO and not args.only:
            calls, tables = measures(books)
            repeat = max(args.repeat, IN_PROCESS_RUNS)
            timed = in_process(calls, repeat)
            print(f"\nIn process, medians of {repeat} runs, interleaved:\n")
            print(table(calls, timed, memory=False))
            print("\n" + engine_memory_line(tables))


if __name__ == "__main__":
    main()
