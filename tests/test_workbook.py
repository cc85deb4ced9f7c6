"""workbook/AnjiIndex.xlsm: fresh, complete, its VBA readable, its formulas right (SPEC §4, §7)."""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pytest

import formula_engine
import libreoffice
from anji_xl import compute, read_book
from anji_xl.cli import main
from anji_xl.book import scores as layout
from anji_xl.book import settings as book_settings
from anji_xl.book.build import BUTTONS, SHEETS, build_workbook
from anji_xl.defaults import SHIPPED_BOOK
from anji_xl.vba_project import vba_sources
from book_parts import buttons, fingerprint, vba_modules

SPEC_SHEETS = ["Guide", "Indicators", "Data", "Settings", "Scores", "Results", "Dashboard", "xlwings.conf"]
MACROS = {"AnjiRecalculate", "AnjiValidate", "AnjiSensitivity", "AnjiImportFunctions"}


@pytest.fixture(scope="module")
def engine_result():
    model, panel = read_book(SHIPPED_BOOK)
    return model, compute(model, panel)


def test_committed_book_is_a_fresh_build(tmp_path):
    fresh = build_workbook(tmp_path / "fresh.xlsm")
    committed, rebuilt = fingerprint(SHIPPED_BOOK), fingerprint(fresh)
    assert committed.keys() == rebuilt.keys()
    for part in committed:
        assert committed[part] == rebuilt[part], f"{part} differs: run `anji-xl build-workbook` and commit the book"


def test_openpyxl_finds_every_part():
    book = openpyxl.load_workbook(SHIPPED_BOOK, keep_vba=True)
    assert book.sheetnames == SPEC_SHEETS
    assert book.vba_archive is not None and "xl/vbaProject.bin" in book.vba_archive.namelist()
    assert set(book["Indicators"].tables) == {"tblIndicators"}
    assert set(book["Data"].tables) == {"tblData"}
    assert set(book["Settings"].tables) == {"tblSettings"}
    assert len(book["Dashboard"]._charts) == 4
    assert {"anji_cap", "anji_missing", "anji_aggregation", "anji_msg_install"} <= set(book.defined_names)
    assert book["xlwings.conf"]["A1"].value == "UDF Modules" and book["xlwings.conf"]["B1"].value == "udfs"
    assert [ws.sheet_properties.codeName for ws in book.worksheets] == [code for _, code in SHEETS]
    validations = {v.formula1 for v in book["Indicators"].data_validations.dataValidation}
    assert '"positive,negative,正向,逆向"' in validations and '"ratio,growth,goalpost,minmax,zscore,efficacy"' in validations
    assert book["Scores"].conditional_formatting and book["Results"].conditional_formatting
    assert buttons(SHIPPED_BOOK) == {"Guide": [m for m, _ in BUTTONS], "Dashboard": [m for m, _ in BUTTONS]}


def test_olevba_reads_every_module_back_verbatim():
    modules = vba_modules(SHIPPED_BOOK)
    sources = vba_sources()
    assert sources, "no VBA sources"
    for name, source in sources.items():
        assert modules[name].replace("\r\n", "\n").strip() == source.replace("\r\n", "\n").strip()
    assert {"ThisWorkbook"} | {code for _, code in SHEETS} <= set(modules)  # document modules match the code names
    defined = set()
    for source in sources.values():
        defined |= {line.split()[2].split("(")[0] for line in source.splitlines() if line.startswith("Public Sub ")}
    assert MACROS <= defined


def test_guide_holds_every_message_the_macros_show():
    book = openpyxl.load_workbook(SHIPPED_BOOK, data_only=True)  # the messages are texts, not formulas
    def named(name):
        sheet, cell = book.defined_names[name].attr_text.split("!")
        return book[sheet][cell.replace("$", "")].value
    install = named("anji_msg_install")
    assert "pip install" in install and "xlwings addin install" in install and "未找到 xlwings" in install
    assert "WPS" in install and "LibreOffice" in install  # says what to do in the program in use
    assert "WPS" in named("anji_msg_other_app") and "anji-xl recalc" in named("anji_msg_other_app")
    assert "{version}" in named("anji_msg_version")


def test_cached_values_are_the_engines(engine_result):
    _, result = engine_result
    book = openpyxl.load_workbook(SHIPPED_BOOK, data_only=True)
    scores = book["Scores"]
    grid = layout.ScoresLayout(len(result.scores.columns), len(result.dimensions))
    for r, key in enumerate(result.rows):
        row = layout.FIRST_ROW + r + 1
        assert scores.cell(row, grid.index + 1).value == result.index[key]
        assert scores.cell(row, grid.native_index + 1).value == result.index[key]
        for k, ident in enumerate(result.scores.columns):
            expected = result.scores.at[key, ident]
            got = scores.cell(row, grid.scores.start + k + 1).value
            assert got == "#N/A" if math.isnan(expected) else got == expected


def test_every_cached_value_of_the_shipped_book_is_what_its_formula_computes(tmp_path):
    """A program that shows the values a book holds (LibreOffice by default, a file's preview)
    shows what its formulas compute: LibreOffice recalculates a copy of the shipped book, and every
    formula cell held that value, but the live ANJI_* cells (no Python there) and the difference
    that subtracts them. (The Dashboard's 所需年增速 once held a blank where its formula read
    Results' empty cell as 0, and showed 0.00% once recalculated.)"""
    def needs_python(sheet: str, column: int, formula: str) -> bool:  # the live cells, and live − native
        return "ANJI_" in formula or (sheet == layout.SHEET and column == layout.DIFFERENCE)

    differ, compared = libreoffice.held_against_computed(SHIPPED_BOOK, tmp_path, needs_python)
    assert not differ, differ[:20]
    assert compared > 40_000  # Scores' native cells, the Dashboard, the Guide


def test_formulas_engine_evaluates_every_anji_cell_of_scores(engine_result):
    model, result = engine_result
    computed = formula_engine.evaluate(SHIPPED_BOOK)
    grid = layout.ScoresLayout(len(model.indicators), len(result.dimensions))
    checked = 0
    for r, key in enumerate(result.rows):
        row = layout.FIRST_ROW + r
        expected = [*result.scores.loc[key], *result.dimension_scores.loc[key], result.index[key]]
        for col, value in zip([*grid.scores, *grid.dims, grid.index], expected):
            got = np.asarray(computed[f"SCORES!{layout.ref(row, col)}"]).item()
            if math.isnan(value):
                assert str(got) == "#N/A"
            else:
                assert got == pytest.approx(value, rel=0, abs=1e-15)
            checked += 1
    assert checked == len(result.rows) * (len(model.indicators) + len(result.dimensions) + 1)


def test_libreoffice_recalculates_the_native_index_to_the_engines(engine_result, tmp_path):
    _, result = engine_result
    recalculated = libreoffice.convert(SHIPPED_BOOK, tmp_path)
    book = openpyxl.load_workbook(recalculated, data_only=True)
    scores = book["Scores"]
    grid = layout.ScoresLayout(len(result.scores.columns), len(result.dimensions))
    for r, key in enumerate(result.rows):
        native = scores.cell(layout.FIRST_ROW + r + 1, grid.native_index + 1).value
        assert isinstance(native, float) and abs(native - result.index[key]) <= 1e-9, (key, native)
        assert scores.cell(layout.FIRST_ROW + r + 1, grid.index + 1).value != result.index[key]  # LibreOffice ran no Python
    dashboard = book["Dashboard"]
    assert abs(dashboard["C5"].value - result.index[result.rows[-1]]) <= 1e-9


def test_libreoffice_native_check_follows_changed_data(engine_result, tmp_path):
    """The native formulas really compute: change a value and a setting, recalculate, compare."""
    model, _ = engine_result
    book = openpyxl.load_workbook(SHIPPED_BOOK, keep_vba=True)
    book["Data"]["C4"] = 0.5  # LC1 of the last row: energy per GDP worse than its reference
    book["Settings"][f"B{book_settings.ROW['cap'] + 1}"] = 1.2
    edited = tmp_path / "edited.xlsm"
    book.save(edited)
    model, panel = read_book(edited)
    result = compute(model, panel)
    recalculated = libreoffice.convert(edited, tmp_path)
    scores = openpyxl.load_workbook(recalculated, data_only=True)["Scores"]
    grid = layout.ScoresLayout(len(model.indicators), len(result.dimensions))
    for r, key in enumerate(result.rows):
        native = scores.cell(layout.FIRST_ROW + r + 1, grid.native_index + 1).value
        assert abs(native - result.index[key]) <= 1e-9, (key, native, result.index[key])


def test_every_button_action_exists_in_the_python_side():
    import re

    import anji_xl.xlwings_macros as macros

    source = vba_sources()["AnjiMacros"]
    actions = set(re.findall(r'RunAnji "(\w+)"', source))
    assert actions == {"recalculate", "validate", "sensitivity", "report"}
    for action in actions:
        assert callable(getattr(macros, action))


def test_scores_follow_a_changed_method_and_normalized_weights(tmp_path):
    """LC3 switched to goalposts 0–1 and weights typed as percentages with normalize_weights:
    the live ANJI_* cells (formulas engine) still equal the engine; the native index flags the changed
    method until Recalculate, then equals the engine too (LibreOffice)."""
    book = openpyxl.load_workbook(SHIPPED_BOOK, keep_vba=True)
    ind = book["Indicators"]
    ind["H4"], ind["J4"], ind["K4"] = "goalpost", 0, 1  # LC3: method, lower, upper
    for row in range(2, 25):
        ind[f"M{row}"] = ind[f"M{row}"].value * 100
    book["Settings"][f"B{book_settings.ROW['normalize_weights'] + 1}"] = "yes"
    edited = tmp_path / "edited.xlsm"
    book.save(edited)
    model, panel = read_book(edited)
    result = compute(model, panel)
    assert not result.problems and result.warnings[0].startswith("Indicators!M2:M24: 权重之和为 100")
    grid = layout.ScoresLayout(len(model.indicators), len(result.dimensions))
    computed = formula_engine.evaluate(edited)
    native = openpyxl.load_workbook(libreoffice.convert(edited, tmp_path), data_only=True)["Scores"]
    for r, key in enumerate(result.rows):
        row = layout.FIRST_ROW + r
        assert np.asarray(computed[f"SCORES!{layout.ref(row, grid.scores.start + 2)}"]).item() == pytest.approx(
            result.scores.at[key, "LC3"], rel=0, abs=1e-15)
        assert np.asarray(computed[f"SCORES!{layout.ref(row, grid.index)}"]).item() == pytest.approx(result.index[key], rel=0, abs=1e-15)
        # each native score column is written for its method: until Recalculate, a flag, never another number
        assert native.cell(row + 1, grid.native_index + 1).value == "#N/A"
        assert native.cell(row + 1, grid.check + 1).value == layout.CHECK_TEXT["value"]
    assert main(["recalc", str(edited)]) == 0
    native = openpyxl.load_workbook(libreoffice.convert(edited, tmp_path / "after"), data_only=True)["Scores"]
    for r, key in enumerate(result.rows):
        assert abs(native.cell(layout.FIRST_ROW + r + 1, grid.native_index + 1).value - result.index[key]) <= 1e-9
