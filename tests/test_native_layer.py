"""Issue 14: with no Python and no macros, the book still scores every row a user types.

Rows are typed into Data the way a user does it in WPS or LibreOffice (into the sheet's XML, the
table grown over them; see ``book_parts.type_rows``), never saved through openpyxl. LibreOffice,
headless with recalculation on load, then recalculates the book; every row's native index and
dimension scores must equal ``anji-xl compute`` on the same book, and what formulas cannot read
the way the engine does carries a visible flag, never a different number.
"""

from __future__ import annotations

import math
import random
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

import libreoffice
from anji_xl import compute
from anji_xl.cli import main
from anji_xl.book import dashboard, scores
from anji_xl.defaults import SHIPPED_BOOK, default_model
from anji_xl.io.read_book import read_book_tables
from anji_xl.messages import say
from book_parts import choose_on_dashboard, load_quietly, retype_cells, type_rows

#: Excel 2007's functions that every program has (Excel 2010+, WPS 表格, LibreOffice 7), and our own.
ALLOWED = {"IF", "IFERROR", "ISNUMBER", "ISERROR", "ISNA", "ISTEXT", "ISBLANK", "NOT", "AND", "OR", "MIN", "MAX", "LN", "EXP",
           "SUM", "SUMPRODUCT", "SUMIF", "SUMIFS", "COUNT", "COUNTA", "COUNTIF", "COUNTIFS", "INDEX", "MATCH", "SMALL", "ROW",
           "TRIM", "LOWER", "SUBSTITUTE", "INT", "N", "NA", "ABS", "COLUMNS"}


def _shipped_rows() -> list[list[object]]:
    book = load_quietly(SHIPPED_BOOK, data_only=True)  # Data holds no formulas; read with them, Scores' shared ones cost seconds
    data = book["Data"]
    return [[c.value for c in data[r]] for r in range(2, data.max_row + 1)]


def _typed(tmp_path: Path, rows: list[list[object]]) -> Path:
    book = tmp_path / "typed.xlsm"
    shutil.copy(SHIPPED_BOOK, book)
    type_rows(book, rows)
    return book


def _native(book: Path, work: Path):
    """(model, result, LibreOffice's Scores sheet, LibreOffice's book) of a typed book."""
    tables = read_book_tables(book)
    result = compute(tables.model, tables.panel)
    recalculated = openpyxl.load_workbook(libreoffice.convert(book, work), data_only=True)
    return tables, result, recalculated["Scores"], recalculated


def _assert_native_equals_compute(tables, result, sheet, flagged: set = frozenset()) -> int:
    grid = scores.ScoresLayout(len(tables.model.indicators), len(result.dimensions))
    checked = 0
    for key, excel_row in tables.data.rows.items():
        row = scores.FIRST_ROW + (excel_row - tables.data.header_row - 1) + 1
        native = sheet.cell(row, grid.native_index + 1).value
        if key in flagged:
            assert native == "#N/A" and sheet.cell(row, grid.check + 1).value not in ("", "OK", None), key
            continue
        expected = result.index[key]
        if math.isnan(expected):
            assert native in ("#N/A", None, ""), key
            continue
        assert native == pytest.approx(expected, rel=0, abs=1e-9), (key, native, expected)
        for j, dim in enumerate(result.dimensions):
            value, want = sheet.cell(row, grid.native_dims[j] + 1).value, result.dimension_scores.at[key, dim]
            assert (value in ("", None) if math.isnan(want) else value == pytest.approx(want, rel=0, abs=1e-9)), (key, dim, value, want)
        checked += 1
    return checked


def test_rows_typed_in_any_order_are_scored_natively(tmp_path):
    """New cities, a new year at the bottom, rows in random order, a gap year and a missing value."""
    base = _shipped_rows()
    rng = random.Random(14)
    typed = []
    for city, factor in (("德清县", 0.9), ("长兴县", 1.05)):
        for row in base:
            typed.append([city, row[1], *[v * factor if isinstance(v, float) else v for v in row[2:-1]]])
    typed = [row for row in typed if not (row[0] == "长兴县" and row[1] == 2019)]  # 长兴县 has a gap: 2018, then 2020
    typed[0][5] = None  # 德清县 2018 LC4 missing (reweighted within its dimension)
    rng.shuffle(typed)
    anji_2021 = ["安吉县", 2021, *[v * 1.01 if isinstance(v, float) else v for v in base[-1][2:-1]]]
    book = _typed(tmp_path, [*typed, anji_2021])
    tables, result, sheet, recalculated = _native(book, tmp_path)
    assert any("annualised" in w for w in result.warnings)
    assert _assert_native_equals_compute(tables, result, sheet) == len(base) + len(typed) + 1
    # the Dashboard's lists offer the typed cities and year, from the native columns
    grid_units = [sheet.cell(scores.FIRST_ROW + 1 + k, scores.HELPER["units"] + 1).value for k in range(4)]
    assert grid_units == ["安吉县", *dict.fromkeys(row[0] for row in typed), None][:4]
    years = [sheet.cell(scores.FIRST_ROW + 1 + k, scores.HELPER["years"] + 1).value for k in range(5)]
    assert years == [2018, 2019, 2020, 2021, None]
    board = recalculated["Dashboard"]
    first = dashboard.TABLE_ROW + 2
    assert [board.cell(first + k, dashboard.PERIODS_COLUMN + 1).value for k in range(5)] == [2018, 2019, 2020, 2021, None]
    assert board.cell(first + 3, dashboard.PERIODS_COLUMN + 2).value == pytest.approx(result.index[("安吉县", "2021")], abs=1e-9)
    # its rank among the native indices of the chosen year, as the engine ranks (the shipped choice: 安吉县 2020)
    assert board.cell(dashboard.RANK[0] + 1, dashboard.RANK[1] + 1).value == result.rank[("安吉县", "2020")]


def test_the_values_recalc_caches_in_native_cells_are_what_their_formulas_compute(capsys, tmp_path):
    """What ``anji-xl recalc`` writes as the cached value of every native cell of Scores (what a
    LibreOffice that never recalculates shows; the hidden helpers too) is what LibreOffice computes
    from the formulas, on rows typed to be odd: 2020年, 2020Q1, 2020.5, the years 0 and 10000, a
    blank row, units with gaps and a text that needs escaping."""
    rng, indicators = random.Random(11), default_model().indicators
    values = lambda: [round(rng.uniform(100, 200) if method == "growth" else reference * rng.uniform(0.5, 1.3), 4)  # noqa: E731
                      for method, reference in zip(indicators["method"], indicators["reference"])]
    rows = [["德清县", "2020年", *values()], ["德清县", "2021年", *values()], ["湖州 市", 2019, *values()], [None] * 25,
            ["湖州 市", "2020", *values()], ["长兴", "2020Q1", *values()], ["长兴", "2020.5", *values()], ["长兴", 2018, *values()],
            ["长兴", 2016, *values()], ["安吉县", 2021, *values()], ["A&B<c>", 2021, *values()], ["y", 0, *values()], ["x", 10000, *values()],
            *[[f"县{u}", 2016 + p, *values()] for u in range(3) for p in range(0, 6, 1 + u)]]
    book = _typed(tmp_path, rows)
    assert main(["recalc", str(book)]) == 0, capsys.readouterr().err
    written = load_quietly(book, data_only=True)["Scores"]
    computed = openpyxl.load_workbook(libreoffice.convert(book, tmp_path), data_only=True)["Scores"]
    tables = read_book_tables(book)
    grid = scores.ScoresLayout(len(tables.model.indicators), len(compute(tables.model, tables.panel).dimensions))
    native = [scores.UNIT, scores.PERIOD, scores.NATIVE_INDEX, scores.CHECK, *scores.HELPER.values(), *grid.native_dims, *grid.native_scores]
    compared, differ = 0, []
    for row in range(scores.FIRST_ROW + 1, scores.FIRST_ROW + scores.NATIVE_ROWS + 1):
        for col in native:
            cached, worked_out = (sheet.cell(row, col + 1).value for sheet in (written, computed))
            if not libreoffice.same_value(cached, worked_out):
                differ.append((scores.ref(row - 1, col), cached, worked_out))
            compared += cached not in ("", None)
    assert not differ, differ[:20]
    assert compared > 2000
    typed_as_text = scores.FIRST_ROW + tables.data.rows[("德清县", "2020")] - tables.data.header_row  # typed 2020年
    assert computed.cell(typed_as_text, scores.PERIOD + 1).value == 2020
    assert computed.cell(typed_as_text, scores.CHECK + 1).value == scores.CHECK_TEXT["ok"]  # found in Results, as a row typed 2020


def test_a_typed_city_on_the_dashboard_shows_no_gains_rather_than_zeros(tmp_path):
    """Gains come from Results: for a city typed since the last Recalculate the Dashboard says
    so above an empty table, where it once showed five gains of 0.0000."""
    book = _typed(tmp_path, [["德清县", row[1], *[v * 0.95 if isinstance(v, float) else v for v in row[2:-1]]] for row in _shipped_rows()])
    choose_on_dashboard(book, "德清县", 2020)
    tables, result, _, recalculated = _native(book, tmp_path)
    board, first = recalculated["Dashboard"], dashboard.TABLE_ROW + 2
    assert board.cell(dashboard.INDEX[0] + 1, dashboard.INDEX[1] + 1).value == pytest.approx(result.index[("德清县", "2020")], abs=1e-9)
    assert board.cell(dashboard.TABLE_ROW, dashboard.GAINS_COLUMN + 1).value == say("dashboard_gains_stale")
    assert [board.cell(first + k, dashboard.GAINS_COLUMN + 3).value for k in range(5)] == [None] * 5
    # the shipped choice, which Results holds, keeps its gains and says where they come from
    shipped = openpyxl.load_workbook(libreoffice.convert(SHIPPED_BOOK, tmp_path / "shipped"), data_only=True, read_only=True)["Dashboard"]
    assert shipped.cell(dashboard.TABLE_ROW, dashboard.GAINS_COLUMN + 1).value == say("dashboard_gains")
    shipped_tables = read_book_tables(SHIPPED_BOOK)
    largest = compute(shipped_tables.model, shipped_tables.panel).top_gains("安吉县", "2020").iloc[0]
    assert shipped.cell(first, dashboard.GAINS_COLUMN + 3).value == pytest.approx(largest, rel=0, abs=1e-12)


def test_what_formulas_cannot_read_alike_is_flagged_never_a_different_number(tmp_path):
    """A number stored as text, a negative value and a duplicated row: the engine reads or refuses
    them; the native index shows #N/A and the check column says why."""
    base = _shipped_rows()
    text_row = ["湖州市", 2020, *base[-1][2:-1]]
    text_row[2] = "0.34"  # LC1 typed as text
    negative = ["嘉兴市", 2020, *base[-1][2:-1]]
    negative[4] = -0.5
    clean = ["绍兴市", 2020, *base[-1][2:-1]]
    book = _typed(tmp_path, [text_row, negative, clean])
    recalculated = openpyxl.load_workbook(libreoffice.convert(book, tmp_path), data_only=True)["Scores"]
    grid = scores.ScoresLayout(23, 6)
    rows = {"湖州市": None, "嘉兴市": None, "绍兴市": None}
    for r in range(scores.FIRST_ROW + 1, scores.FIRST_ROW + 10):
        unit = recalculated.cell(r, 1).value
        if unit in rows:
            rows[unit] = (recalculated.cell(r, grid.native_index + 1).value, recalculated.cell(r, grid.check + 1).value)
    assert rows["湖州市"][0] == "#N/A" and rows["湖州市"][1] == scores.CHECK_TEXT["input"]
    assert rows["嘉兴市"][0] == "#N/A" and rows["嘉兴市"][1] == scores.CHECK_TEXT["input"]
    assert isinstance(rows["绍兴市"][0], float) and rows["绍兴市"][1] == scores.CHECK_TEXT["not_in_results"]


def test_a_percentage_typed_as_a_whole_number_is_flagged_never_capped(tmp_path):
    """LC3 (unit %, reference 0.95) typed as 89 for 0.89: the engine refuses the row (no index), so
    the native row shows the percent flag and no number, where the cap would have made its score 1.
    Up to 2r (1.5: a target over-fulfilled) and above 100 a value is scored, natively as by the engine."""
    base = _shipped_rows()
    row = lambda unit, lc3: [unit, 2020, *base[-1][2:4], lc3, *base[-1][5:-1]]  # noqa: E731
    book = _typed(tmp_path, [row("湖州市", 89), row("嘉兴市", 1.5), row("绍兴市", 100.5), row("衢州市", 0.89)])
    tables, result, sheet, _ = _native(book, tmp_path)
    assert math.isnan(result.index[("湖州市", "2020")])
    assert any("89 looks like 89%" in str(problem) for problem in result.problems)
    assert _assert_native_equals_compute(tables, result, sheet, flagged={("湖州市", "2020")}) == len(base) + 3
    grid = scores.ScoresLayout(23, 6)
    at = scores.FIRST_ROW + tables.data.rows[("湖州市", "2020")] - tables.data.header_row
    lc3 = list(tables.model.indicators.index).index("LC3")
    assert sheet.cell(at, grid.check + 1).value == scores.CHECK_TEXT["percent"]
    assert sheet.cell(at, grid.native_scores[lc3] + 1).value == scores.PERCENT_MARK
    assert sheet.cell(at, grid.native_dims[0] + 1).value == "#N/A"  # 低碳生产, LC3's dimension: no number either


def _native_rows(sheet, count: int) -> dict[tuple[str, object], tuple[object, object]]:
    """(unit, period) → (native index, check) of the first ``count`` Scores rows LibreOffice recalculated."""
    grid = scores.ScoresLayout(23, 6)
    rows = {}
    for r in range(scores.FIRST_ROW + 1, scores.FIRST_ROW + 1 + count):
        key = (sheet.cell(r, scores.UNIT + 1).value, sheet.cell(r, scores.PERIOD + 1).value)
        rows.setdefault(key, []).append((sheet.cell(r, grid.native_index + 1).value, sheet.cell(r, grid.check + 1).value))
    return rows


def test_twins_and_what_grows_from_them_are_flagged(tmp_path):
    """A unit and year typed twice, the year after it (whose growth would read one of the twins),
    the year after a growth value typed as text, and a year out of range: each row shows #N/A and
    why; the engine refuses twins and reads the text, so no native number may stand there."""
    base = _shipped_rows()
    row = lambda unit, year: [unit, year, *base[-1][2:-1]]  # noqa: E731
    text_growth = row("长兴县", 2019)
    text_growth[3] = "160.5"  # LC2, a growth indicator, typed as text
    typed = [row("德清县", 2018), row("德清县", 2019), row("德清县", 2019), row("德清县", 2020), text_growth, row("长兴县", 2020),
             row("湖州市", 12020), row("湖州市", 2020)]
    book = _typed(tmp_path, typed)
    sheet = openpyxl.load_workbook(libreoffice.convert(book, tmp_path), data_only=True)["Scores"]
    rows = _native_rows(sheet, len(base) + len(typed))
    assert rows[("德清县", 2019)] == [("#N/A", scores.CHECK_TEXT["duplicate"])] * 2
    assert rows[("德清县", 2020)] == [("#N/A", scores.CHECK_TEXT["previous_twice"])]
    assert rows[("长兴县", 2019)] == [("#N/A", scores.CHECK_TEXT["input"])]
    assert rows[("长兴县", 2020)] == [("#N/A", scores.CHECK_TEXT["value"])]  # its LC2 growth would read the text
    assert rows[("湖州市", "12020")] == [("#N/A", scores.CHECK_TEXT["year"])]  # not a year: the period as typed, as text
    for key in (("德清县", 2018), ("湖州市", 2020)):  # first years: no growth, scored
        (native, check), = rows[key]
        assert isinstance(native, float) and check == scores.CHECK_TEXT["not_in_results"], (key, native, check)


@pytest.mark.parametrize("policy", ["zero", "error"])
def test_the_missing_policies_are_native(tmp_path, policy):
    """Settings' missing = zero (a missing score counts 0) and error (no dimension score): typed
    rows with missing values, natively as the engine computes them."""
    base = _shipped_rows()
    typed = [["德清县", row[1], *[v * 0.95 if isinstance(v, float) else v for v in row[2:-1]]] for row in base]
    typed[1][5] = None  # 德清县 2019 LC4 missing
    typed[2][8] = "—"  # 德清县 2020 SL3 marked as no data
    book = _typed(tmp_path, typed)
    retype_cells(book, "Settings", {"B5": policy})
    tables, result, sheet, _ = _native(book, tmp_path)
    assert tables.model.settings.missing == policy
    # under error only 安吉县 2019 and 2020 have an index: first years lack growth, 德清县 lacks values
    assert _assert_native_equals_compute(tables, result, sheet) == (2 if policy == "error" else 6)


def test_a_thousand_rows_typed_are_scored_natively(tmp_path):
    """100 counties × 10 years, typed below the shipped rows."""
    base = _shipped_rows()
    rng = random.Random(1000)
    typed = []
    for county in range(100):
        for year in range(2011, 2021):
            source = base[(year - 2011) % 3]
            typed.append([f"县{county:03d}", year, *[v * rng.uniform(0.8, 1.2) if isinstance(v, float) else v for v in source[2:-1]]])
    typed = typed[: scores.NATIVE_ROWS - len(base)]  # exactly the rows the native formulas cover
    rng.shuffle(typed)
    book = _typed(tmp_path, typed)
    tables, result, sheet, _ = _native(book, tmp_path)
    assert len(tables.data.rows) == scores.NATIVE_ROWS
    assert _assert_native_equals_compute(tables, result, sheet) == scores.NATIVE_ROWS


def test_rows_beyond_the_native_formulas_get_a_visible_note(tmp_path):
    base = _shipped_rows()
    typed = [[f"县{k:04d}", 2020, *base[-1][2:-1]] for k in range(scores.NATIVE_ROWS - len(base) + 1)]
    book = _typed(tmp_path, typed)
    sheet = openpyxl.load_workbook(libreoffice.convert(book, tmp_path), data_only=True)["Scores"]
    note = sheet.cell(scores.NOTE_ROW + 1, 1).value
    assert "重新计算" in note and "Recalculate" in note and str(scores.NATIVE_ROWS) in note


def test_every_formula_uses_functions_every_program_has():
    with zipfile.ZipFile(SHIPPED_BOOK) as package:
        sheets = {n: package.read(n).decode() for n in package.namelist() if n.startswith("xl/worksheets/sheet")}
        workbook = package.read("xl/workbook.xml").decode()
    formulas = [f for xml in sheets.values() for f in re.findall(r"<f\b[^>/]*>(.*?)</f>", xml, re.S)]
    formulas += re.findall(r"<definedName[^>]*>(.*?)</definedName>", workbook)
    assert len(formulas) > 500  # shared formulas count once
    used = set()
    for formula in formulas:
        assert "_xlfn." not in formula and "_xlws." not in formula, formula
        text = re.sub(r'"[^"]*"', '""', formula)  # no function names inside strings
        used |= set(re.findall(r"([A-Z][A-Z0-9_.]*)\(", text))
    native = {name for name in used if not name.startswith("ANJI_")}
    assert native <= ALLOWED, native - ALLOWED
