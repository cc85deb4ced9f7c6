"""The buttons' Python side (anji_xl/xlwings_macros.py) run on a fake of xlwings' Book, Sheet and
Range (tests/xlwings_fake.py) holding a real book's cells: Recalculate must write what
``anji-xl recalc`` writes, Validate and Recalculate must mark every problem at its cell."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter, range_boundaries
import xlwings as xw

from anji_xl import xlwings_macros
from anji_xl.book import scores
from anji_xl.book.results import STAMP_ROW, VALIDATION_AT, VALIDATION_OK
from anji_xl.cli import main
from anji_xl.defaults import SHIPPED_BOOK
from anji_xl.engine import compute
from anji_xl.io.read_book import inspect_book, read_book_tables
from anji_xl.messages import say
from xlwings_fake import Book


@pytest.fixture
def book(tmp_path, monkeypatch):
    """A copy of the shipped book on disk, and the same book open in the fake Excel."""
    path = tmp_path / "book.xlsm"
    shutil.copy(SHIPPED_BOOK, path)
    fake = Book(path)
    monkeypatch.setattr(xw.Book, "caller", lambda: fake)
    return path, fake


def _results(cells: dict) -> dict:
    """Results cells without the stamp row (it holds the time of the run)."""
    return {at: value for at, value in cells.items() if at[0] != STAMP_ROW + 1}


def test_recalculate_writes_the_results_rows_recalc_writes_and_the_scores_formulas(book, capsys):
    path, fake = book
    xlwings_macros.recalculate()
    assert fake.alerts == [] and fake.app.status_bar is False  # Excel gets its status bar back
    tables = read_book_tables(path)
    cells, shared = scores.sheet_cells(scores.ScoresSource(tables.model, compute(tables.model, tables.panel),
                                                           tables.model.indicator_cell, tables.data))
    assert main(["recalc", str(path)]) == 0
    capsys.readouterr()
    results = openpyxl.load_workbook(path, read_only=True)["Results"]  # only this sheet is parsed
    written = {(c.row, c.column): c.value for row in results.iter_rows() for c in row if c.value not in (None, "")}
    assert _results(fake.sheets["Results"].cells) == _results(written)
    summary = [fake.cell(f"Results!{col}5") for col in "ABCD"]
    assert summary[:2] == ["安吉县", 2018.0] and summary[3] == 1.0
    shown = {(c.row + 1, c.col + 1): c.formula if c.formula is not None else c.value for c in cells}
    for column in shared:  # a shared formula as Excel fills it down: relative references move with the row
        moved = Translator(column.formula, f"{get_column_letter(column.col + 1)}{column.first_row + 1}")
        for k in range(len(column.values)):
            target = f"{get_column_letter(column.col + 1)}{column.first_row + 1 + k}"
            shown[(column.first_row + 1 + k, column.col + 1)] = moved.translate_formula(target)
    assert fake.sheets["Scores"].cells == {at: value for at, value in shown.items() if value not in (None, "")}
    assert any("ANJI_SCORE(" in str(v) for v in fake.sheets["Scores"].cells.values())
    charts = fake.sheets["Dashboard"].charts
    assert charts and all(chart.series.Values is not None for chart in charts)


def test_validate_marks_every_problem_at_its_cell_in_one_pass_and_unmarks_fixed_ones(book):
    _, fake = book
    data = fake.sheets["Data"]
    data.put((2, 3), "abc")  # C2: text where a number belongs (a read problem)
    data.put((3, 3), -1.0)  # C3: a negative value (an engine problem)
    xlwings_macros.validate()
    notes = {f"Data!{'ABCDEFGH'[c - 1]}{r}": note.text for (r, c), note in data.notes.items()}
    assert set(notes) == {"Data!C2", "Data!C3"}
    assert notes["Data!C2"] == "anji-xl: 'abc' 不是数字 · 'abc' is not a number"
    assert notes["Data!C3"] == "anji-xl: LC1（安吉县，2019）：数值 -1 为负数 · LC1 (安吉县, 2019): the value -1 is negative"
    top, left = VALIDATION_AT[0] + 2, VALIDATION_AT[1] + 1
    listed = fake.sheets["Results"].range((top, left)).expand("down").value
    assert listed == ["Data!C2", "Data!C3"]
    assert len(fake.alerts) == 1 and fake.alerts[0].startswith("2 个问题")

    before = dict(fake.sheets["Results"].cells)
    xlwings_macros.recalculate()  # stops at the problems: Results' numbers are left as they were
    assert {at: v for at, v in fake.sheets["Results"].cells.items() if at[1] < left} == {at: v for at, v in before.items() if at[1] < left}

    data.put((2, 3), 0.35)
    data.put((3, 3), 0.34)
    xlwings_macros.validate()
    assert data.notes == {}
    assert fake.sheets["Results"].range((top, left + 1)).value == VALIDATION_OK
    assert fake.alerts[-1].startswith("OK")


def test_sensitivity_writes_its_sheet_after_the_last(book):
    _, fake = book
    xlwings_macros.sensitivity()
    assert fake.sheets[-1].name == "Sensitivity"
    sheet = fake.sheets["Sensitivity"]
    assert sheet.range("A1").value == "1000 draws, spread 0.2, seed 20211012"
    assert [sheet.range((3, c)).value for c in (1, 2, 3)] == ["unit", "period", "index_mean"]
    assert [sheet.range((r, 2)).value for r in (4, 5, 6)] == ["2018", "2019", "2020"]
    low, median, high = (sheet.range((4, c)).value for c in (4, 5, 6))
    assert low <= median <= high


@pytest.mark.parametrize(("units", "chosen", "shown"), [
    (["德清县", "湖州市", "湖州市"], ("安吉县", 2020), ("德清县", 2018)),  # the unit is gone: the first unit's latest year
    (["安吉县"] * 3, ("安吉县", 2025), ("安吉县", 2020)),  # the year is gone: the unit's latest
    (["安吉县"] * 3, ("安吉县", 2019), ("安吉县", 2019)),  # Data has it: kept (openpyxl wrote 安 as &#23433;)
])
def test_recalculate_points_a_stale_dashboard_choice_where_recalc_does(tmp_path, monkeypatch, capsys, units, chosen, shown):
    """A chosen unit or period Data no longer has is rewritten as ``anji-xl recalc`` rewrites it
    in the file: the chosen unit's latest period, or the first unit's (Data's order) latest."""
    path = tmp_path / "book.xlsm"
    book = openpyxl.load_workbook(SHIPPED_BOOK, keep_vba=True)
    for row, unit in enumerate(units, start=2):
        book["Data"].cell(row, 1, unit)
    book["Dashboard"]["C3"], book["Dashboard"]["C4"] = chosen
    book.save(path)
    fake = Book(path)
    monkeypatch.setattr(xw.Book, "caller", lambda: fake)
    xlwings_macros.recalculate()
    assert fake.alerts == []
    assert (fake.cell("Dashboard!C3"), fake.cell("Dashboard!C4")) == shown
    assert main(["recalc", str(path)]) == 0, capsys.readouterr().err
    dashboard = openpyxl.load_workbook(path, read_only=True)["Dashboard"]  # read_only: only this sheet is parsed
    assert (dashboard["C3"].value, dashboard["C4"].value) == shown


def test_the_buttons_say_what_lies_beside_or_under_a_table_as_the_command_line_does(tmp_path):
    """A column typed right beside tblData and a row right under it are not in the table: the
    buttons, which read the table's range through xlwings, name them as the reader does."""
    path = tmp_path / "edges.xlsm"
    workbook = openpyxl.load_workbook(SHIPPED_BOOK, keep_vba=True)
    data = workbook["Data"]
    _, first_row, last_col, last_row = range_boundaries(data.tables["tblData"].ref)
    beside = f"{get_column_letter(last_col + 1)}{first_row}"
    data[beside], data[f"{get_column_letter(last_col + 1)}{first_row + 1}"] = "备注 note", "估计值"
    data[f"B{last_row + 1}"] = 2021  # a year typed right under the table
    workbook.save(path)

    said = [str(p) for p in inspect_book(path)[1]]
    assert said == [f"Data!{beside}: 此列在表 tblData 右侧，不会被读取；请把表扩展到这一列 · this column is beside the table tblData and is not read; "
                    "extend the table to include it",
                    f"Data!B{last_row + 1}: 此行在表 tblData 之下，不会被读取；请把表扩展到这一行 · this row is below the table tblData and is not read; "
                    "extend the table to include it"]
    assert [str(p) for p in xlwings_macros._computed(Book(path))[2]] == said


def test_the_buttons_find_the_sheets_and_tables_the_command_line_reads(tmp_path):
    """Excel's sheet and table names ignore case, and a table made again with Ctrl+T gets a name
    of Excel's choosing: a sheet titled data whose one table is Table1 is read from that table by
    the command line and by the buttons alike, and both name its cells on the sheet so titled."""
    path = tmp_path / "renamed.xlsm"
    workbook = openpyxl.load_workbook(SHIPPED_BOOK, keep_vba=True)
    data = workbook["Data"]
    data.title, data.title = "x", "data"  # openpyxl would keep "Data" from "data" apart as "data1"
    table = data.tables.pop("tblData")
    table.name = table.displayName = "Table1"
    data.add_table(table)
    _, _, _, last_row = range_boundaries(table.ref)
    data[f"B{last_row + 1}"] = 2021  # under the table: read as a table, the sheet says so
    workbook.save(path)

    said = [str(p) for p in inspect_book(path)[1]]
    assert said == [f"data!B{last_row + 1}: 此行在表 Table1 之下，不会被读取；请把表扩展到这一行 · this row is below the table Table1 and is not read; "
                    "extend the table to include it"]
    tables, result, problems = xlwings_macros._computed(Book(path))
    assert [str(p) for p in problems] == said
    assert result.index.equals(compute(*(lambda t: (t.model, t.panel))(inspect_book(path)[0])).index)


def test_the_buttons_pause_the_cycle_collector_and_leave_it_as_they_found_it(book, monkeypatch):
    """A button's work on a whole book runs without the cycle collector, as the command line's
    does (anji_xl.collector); Excel's Python process gets it back as it was."""
    import gc

    seen = []
    computed = xlwings_macros._computed
    monkeypatch.setattr(xlwings_macros, "_computed", lambda *a, **k: (seen.append(gc.isenabled()), computed(*a, **k))[1])
    assert gc.isenabled()
    xlwings_macros.recalculate()
    xlwings_macros.validate()
    xlwings_macros.sensitivity()
    assert seen == [False, False, False] and gc.isenabled()


def test_a_book_without_a_data_sheet_is_told_so_by_the_buttons_as_by_the_command_line(tmp_path, monkeypatch):
    """Data deleted (or renamed beyond a change of case): Validate must not say OK, nor
    Recalculate fail on nothing; both name the missing sheet as the reader does."""
    path = tmp_path / "no_data.xlsm"
    workbook = openpyxl.load_workbook(SHIPPED_BOOK, keep_vba=True)
    workbook["Data"].title = "数据"
    workbook.save(path)
    said = [str(p) for p in inspect_book(path)[1]]
    assert said[0] == "Data: 工作簿中没有工作表 'Data' · the workbook has no sheet 'Data'"
    fake = Book(path)
    monkeypatch.setattr(xw.Book, "caller", lambda: fake)
    assert [str(p) for p in xlwings_macros._computed(fake)[2]] == said
    xlwings_macros.validate()
    xlwings_macros.recalculate()
    assert fake.alerts == [say("problems_found", count=len(said))] * 2  # never OK, never a failure


def test_an_empty_data_sheet_is_told_at_the_same_cells_by_the_buttons_and_the_command_line(tmp_path):
    """Excel hands a blank sheet over as one blank cell, python-calamine as no rows at all: the
    missing header is on the sheet's first row either way."""
    path = tmp_path / "empty_data.xlsm"
    workbook = openpyxl.load_workbook(SHIPPED_BOOK, keep_vba=True)
    data = workbook["Data"]
    del data.tables["tblData"]
    data.delete_rows(1, data.max_row)
    workbook.save(path)
    said = [str(p) for p in inspect_book(path)[1]]
    assert said == ["Data!1:1: 表头中没有 'unit' 列 · no 'unit' column in the header",
                    "Data!1:1: 表头中没有 'period' 列 · no 'period' column in the header"]
    assert [str(p) for p in xlwings_macros._computed(Book(path))[2]] == said
