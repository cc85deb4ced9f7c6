"""SPEC §7: ANJI_* formulas over the real layout, evaluated by an independent Excel formula
engine (`formulas`), equal the engine. The shipped book's own Scores cells are checked in
test_workbook.py; here a copy of the book gets the whole-table functions and error propagation."""

from __future__ import annotations

import shutil

import numpy as np
import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

import formula_engine
from anji_xl.book import scores as layout
from anji_xl import compute, read_book
from anji_xl.defaults import SHIPPED_BOOK

INDICATORS = "Indicators!$A$1:$N$24"
DATA = "Data!$A$1:$Z$4"
SETTINGS = "Settings!$A$1:$B$10"


def test_table_check_gains_and_error_propagation(tmp_path):
    path = tmp_path / "book.xlsm"
    shutil.copy(SHIPPED_BOOK, path)
    book = openpyxl.load_workbook(path, keep_vba=True)
    calc = book.create_sheet("Calc")
    calc["A1"] = f"=ANJI_CHECK({INDICATORS})"
    calc["A2"] = "=ANJI_VERSION()"
    first, last = layout.FIRST_ROW, layout.FIRST_ROW + 2  # rows of 2018 and 2020 on Scores
    live = layout.ScoresLayout(23, 6).scores
    calc["A3"] = f"=SUM(Scores!{layout.ref(first, live.start)}:{layout.ref(first, live.stop - 1)})"  # 2018 has #N/A (no growth yet): SUM propagates it
    calc["A4"] = f"=SUM(Scores!{layout.ref(last, live.start)}:{layout.ref(last, live.stop - 1)})"
    calc["A5"] = "=ANJI_SCORE(-1,1)+1"  # #NUM! propagates through arithmetic
    calc["A6"] = '=ANJI_EXPLAIN(Data!C4,Indicators!I2,Indicators!G2)'
    calc["A10"] = ArrayFormula("A10:J13", f"=ANJI_TABLE({DATA},{INDICATORS},{SETTINGS})")
    calc["A20"] = ArrayFormula("A20:B24", f"=ANJI_GAINS(Indicators!$A$2:$A$24,Scores!{layout.ref(last, live.start)}:{layout.ref(last, live.stop - 1)},Indicators!$M$2:$M$24,5)")
    book.save(path)

    model, panel = read_book(path)
    result = compute(model, panel)
    cell = formula_engine.evaluate(path)
    value = lambda ref: np.asarray(cell[f"CALC!{ref}"]).item()  # noqa: E731
    assert value("A1") == "OK"
    assert value("A2") == formula_engine.xl.udfs.ANJI_VERSION()
    assert str(value("A3")) == "#N/A"
    assert value("A4") == pytest.approx(result.scores.iloc[-1].sum(), abs=1e-12)
    assert str(value("A5")) == "#NUM!"
    assert value("A6").startswith("逆向 negative") and value("A6").endswith("= 0.941176")
    table = np.asarray(cell["CALC!A10:J13"])
    assert list(table[0]) == ["unit", "period", "index", *result.dimensions, "rank"]
    for line, key in zip(table[1:], result.rows):
        assert tuple(line[:2]) == key
        assert line[2] == pytest.approx(result.index[key], rel=0, abs=1e-15)
        assert list(line[3:9]) == pytest.approx(list(result.dimension_scores.loc[key]), rel=0, abs=1e-15)
    gains = np.asarray(cell["CALC!A20:B24"])
    top = result.top_gains(*result.rows[-1])
    assert list(gains[:, 0]) == list(top.index)
    assert list(gains[:, 1]) == pytest.approx(list(top), rel=0, abs=1e-15)
