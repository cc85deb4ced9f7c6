"""SPEC §7: the ANJI_* formulas of a real-layout workbook, evaluated by an independent Excel
formula engine (`formulas`), equal the engine's results."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

import formula_engine
from anji_xl import compute, read_book
from anji_xl.builder import build_workbook

SHEET = "Calc"


def _calc_book(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The default book (Indicators / Data / Settings as the builder writes them) plus a sheet
    of ANJI_* formulas over plain A1 ranges of those sheets, one row per Data row."""
    path = build_workbook(tmp_path / "book.xlsx")
    book = openpyxl.load_workbook(path)
    ind, data = book["Indicators"], book["Data"]
    header = [c.value.split()[0] for c in ind[1]]
    col = {key: get_column_letter(k + 1) for k, key in enumerate(header)}
    n_ind, n_rows = ind.max_row - 1, data.max_row - 1
    ids = [ind[f"{col['id']}{r}"].value for r in range(2, n_ind + 2)]
    data_col = {c.value.split()[0]: c.column_letter for c in data[1]}
    calc = book.create_sheet(SHEET)
    ref = lambda key, r: f"Indicators!${col[key]}${r}"  # noqa: E731
    whole = lambda key: f"Indicators!${col[key]}$2:${col[key]}${n_ind + 1}"  # noqa: E731
    growth_ids = {ind[f"{col['id']}{r}"].value for r in range(2, n_ind + 2) if ind[f"{col['method']}{r}"].value == "growth"}
    cells: dict[str, str] = {}
    for r in range(2, n_rows + 2):
        for k, ident in enumerate(ids):
            irow, target = k + 2, f"{get_column_letter(k + 1)}{r}"
            value = f"Data!{data_col[ident]}{r}"
            if ident in growth_ids:
                previous = f"Data!{data_col[ident]}{r - 1}" if r > 2 else "Data!$ZZ$1"  # first year: a blank cell
                formula = f"=ANJI_GROWTH_SCORE({value},{previous},{ref('reference', irow)},{ref('direction', irow)})"
            else:
                formula = f"=ANJI_SCORE({value},{ref('reference', irow)},{ref('direction', irow)})"
            calc[target] = formula
            cells[f"{SHEET.upper()}!{target}"] = ("score", r, ident)
        scores = f"$A{r}:${get_column_letter(len(ids))}{r}"
        dim_col = len(ids) + 1
        calc.cell(r, dim_col).value = f'=ANJI_INDEX({scores},{whole("weight")},{whole("dimension")},"arithmetic","reweight")'
        cells[f"{SHEET.upper()}!{get_column_letter(dim_col)}{r}"] = ("index", r, None)
        for j, dim in enumerate(dict.fromkeys(ind[f"{col['dimension']}{q}"].value for q in range(2, n_ind + 2))):
            target = f"{get_column_letter(dim_col + 1 + j)}{r}"
            calc[target] = f'=ANJI_DIM("{dim}",{whole("dimension")},{scores},{whole("weight")},"arithmetic","reweight")'
            cells[f"{SHEET.upper()}!{target}"] = ("dimension", r, dim)
    calc["A20"] = f"=ANJI_CHECK(Indicators!$A$1:${col['source']}${n_ind + 1})"
    calc["A21"] = "=ANJI_VERSION()"
    calc["A22"] = f"=SUM(A{n_rows + 1}:{get_column_letter(len(ids))}{n_rows + 1})"  # SUM over our functions' results
    calc["A23"] = "=ANJI_SCORE(-1,1)+1"  # an error value propagates
    last = f"{get_column_letter(len(ids) + 2)}{n_rows + 1}"
    table = f"Data!$A$1:${last.rstrip('0123456789')}${n_rows + 1}"
    settings = "Settings!$A$1:$B$10"
    calc["A30"] = ArrayFormula("A30:J33", f"=ANJI_TABLE({table},Indicators!$A$1:${col['source']}${n_ind + 1},{settings})")
    book.save(path)
    return path, cells


def test_every_anji_cell_equals_the_engine(tmp_path):
    path, cells = _calc_book(tmp_path)
    model, panel = read_book(path)
    result = compute(model, panel)
    rows = {r + 2: key for r, key in enumerate(result.rows)}
    computed = formula_engine.evaluate(path)
    checked = 0
    for key, (kind, r, name) in cells.items():
        got = np.asarray(computed[key]).item()
        if kind == "score":
            expected = result.scores.at[rows[r], name]
        elif kind == "index":
            expected = result.index[rows[r]]
        else:
            expected = result.dimension_scores.at[rows[r], name]
        if math.isnan(expected):
            assert str(got) == "#N/A", key  # the first year of a growth indicator
        else:
            assert got == pytest.approx(expected, rel=0, abs=1e-15), key
        checked += 1
    assert checked == len(result.rows) * (len(model.indicators) + 1 + len(result.dimensions))
    assert np.asarray(computed[f"{SHEET.upper()}!A20"]).item() == "OK"
    assert np.asarray(computed[f"{SHEET.upper()}!A22"]).item() == pytest.approx(result.scores.iloc[-1].sum(), abs=1e-12)
    assert str(np.asarray(computed[f"{SHEET.upper()}!A23"]).item()) == "#NUM!"
    spilled = np.asarray(computed[f"{SHEET.upper()}!A30:J33"])
    assert list(spilled[0]) == ["unit", "period", "index", *result.dimensions, "rank"]
    for line, key in zip(spilled[1:], result.rows):
        assert tuple(line[:2]) == key
        assert line[2] == pytest.approx(result.index[key], rel=0, abs=1e-15)
