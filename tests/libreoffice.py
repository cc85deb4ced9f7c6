"""Recalculate a throw-away copy of a book in LibreOffice (headless) and read the results.

LibreOffice keeps cached values by default; a dedicated profile whose registrymodifications.xcu
sets Calc's OOXMLRecalcMode to 0 ("always") forces a full recalculation on load (1, "never", is
the default). The shipped
book itself is never opened by LibreOffice (a round trip would rewrite its VBA).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable

import openpyxl
import pytest

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
</oor:items>
"""


def soffice() -> str:
    """The soffice binary; in CI its absence fails the test instead of skipping it."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed")
    return path


def convert(book: Path, work: Path, target: str = "xlsx", recalculate: bool = True, timeout: float = 180) -> Path:
    """Convert a copy of ``book`` in ``work`` with a recalculating profile; returns the output.
    ``recalculate=False``: LibreOffice's default, never recalculating on load — only formula cells
    without a cached value are computed, as a statistician's LibreOffice shows a book. ``timeout``:
    seconds LibreOffice is given (a book of 30,000 rows takes it minutes: benchmarks/native_cost.py)."""
    profile = work / ("lo_profile" if recalculate else "lo_profile_default")
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE.format(mode=0 if recalculate else 1), encoding="utf-8")
    copy = work / f"copy_of_{book.name}"
    shutil.copy(book, copy)
    out = work / "out"
    command = [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nolockcheck",
               "--convert-to", target, "--outdir", str(out), str(copy)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    produced = out / f"{copy.stem}.{target.split(':')[0]}"
    assert produced.exists(), (completed.stdout, completed.stderr)
    return produced


def same_value(held: object, computed: object) -> bool:
    """Whether a cell holds what LibreOffice computed for it: a blank and an empty text alike,
    numbers within 1e-9 (the engine's arithmetic against the formulas'), anything else equal and
    of one type (TRUE is not 1)."""
    held, computed = ("" if value is None else value for value in (held, computed))
    if all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in (held, computed)):
        return held == pytest.approx(computed, rel=0, abs=1e-9)
    return type(held) is type(computed) and held == computed


def held_against_computed(book: Path, work: Path, skip: Callable[[str, int, str], bool]) -> tuple[list[tuple], int]:
    """Every formula cell of ``book`` whose held value differs from what LibreOffice computes for
    it (sheet!cell, held, computed, formula), and how many were compared; ``skip(sheet, column,
    formula)`` (column 0-based) leaves a cell out, as those that need Python."""
    from book_parts import load_quietly

    formulas, held = load_quietly(book), load_quietly(book, data_only=True)
    computed = openpyxl.load_workbook(convert(book, work), data_only=True)
    differ, compared = [], 0
    for sheet in formulas.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                text = getattr(cell.value, "text", cell.value)  # an array formula's text
                if not (isinstance(text, str) and text.startswith("=")) or skip(sheet.title, cell.column - 1, text):
                    continue
                pair = tuple(values[sheet.title][cell.coordinate].value for values in (held, computed))
                if not same_value(*pair):
                    differ.append((f"{sheet.title}!{cell.coordinate}", *pair, text[:60]))
                compared += 1
    return differ, compared
