"""How long ``anji-xl report`` takes (issue 13), as a whole process, docx alone and with --pdf.

    python benchmarks/report_bench.py              # medians of 3 runs
    python benchmarks/report_bench.py --repeat 5

Books: the shipped book (1 unit, 3 periods) and a 3,000-row book made as benchmarks/bench.py makes
its books (600 units × 2016–2020 of the shipped indicator system typed into the shipped book's
Data); its report has the overview of the 600 units (a histogram) and 12 unit sections (--unit).
Each run writes a new report into a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import make_book  # noqa: E402

from anji_xl.defaults import SHIPPED_BOOK  # noqa: E402

UNITS, PERIODS, DETAILED = 600, 5, 12


def timed(command: list[str], repeat: int) -> float:
    """The median wall time of ``command`` over ``repeat`` runs (seconds)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if completed.returncode:
            raise SystemExit(f"{' '.join(command[:5])} … exited {completed.returncode}:\n{completed.stderr}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="anji-report-bench-") as work:
        folder = Path(work)
        big = make_book(folder / "big.xlsm", UNITS, PERIODS)
        units = [arg for k in range(DETAILED) for arg in ("--unit", f"县{k:04d}")]
        report = [sys.executable, "-m", "anji_xl.cli", "report"]
        rows = [
            ("shipped book (1 unit, 3 rows): .docx", report + [str(SHIPPED_BOOK), "-o", str(folder / "a.docx")]),
            ("shipped book: .docx + --pdf", report + [str(SHIPPED_BOOK), "-o", str(folder / "b.docx"), "--pdf"]),
            (f"{UNITS * PERIODS:,} rows, overview of {UNITS} units + {DETAILED} unit sections: .docx", report + [str(big), "-o", str(folder / "c.docx"), *units]),
            (f"{UNITS * PERIODS:,} rows, overview + {DETAILED} sections: .docx + --pdf", report + [str(big), "-o", str(folder / "d.docx"), "--pdf", *units]),
        ]
        print(f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, median of "
              f"{args.repeat}; load average at the start {os.getloadavg()[0]:.1f} (other work on the machine slows every row)\n")
        print("| report | median time |\n| --- | --- |")
        for name, command in rows:
            print(f"| {name} | {timed(command, args.repeat):.1f} s |", flush=True)


if __name__ == "__main__":
    main()
