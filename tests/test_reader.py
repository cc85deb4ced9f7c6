"""The reader (python-calamine, issue 11) gives the cells as they were typed: Excel's error values,
dates, booleans, merged cells and whole numbers read exactly as the openpyxl reader before it read
them (the expected lines are what that reader printed for these books)."""

from __future__ import annotations

import datetime as dt

import openpyxl

from anji_xl.cli import main
from anji_xl.io.read_book import read_book
from conftest import write_book

INDICATORS = [["E1", "低碳生产", "能耗", "逆向", "ratio", 0.5, 0.3], ["E2", "低碳生产", "总量", "negative", "growth", 0.03, 0.2],
              ["G1", "绿色设施", "绿建", "正向", "ratio", 0.7, 0.5]]
DATA = [["甲县", 2018, 0.6, 100, 0.35], ["甲县", 2019, 0.5, 105, 0.56], ["甲县", 2020, 0.4, 106, 0.84], ["乙县", 2019, 1.0, 50, 0.7],
        ["乙县", 2020, 0.8, 60, 0.14]]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_error_values_dates_booleans_and_merged_cells_are_read_as_typed(capsys, tmp_path):
    book = write_book(tmp_path / "typed.xlsx", INDICATORS, DATA, [["missing", "reweight"]])
    wb = openpyxl.load_workbook(book)
    data = wb["Data"]
    data["C4"], data["D4"], data["E5"] = "#DIV/0!", "#N/A", dt.datetime(2020, 1, 1)  # openpyxl writes error values as errors
    data["E6"], data["D7"] = True, "#REF!"  # D7: right below the table
    data.merge_cells("A2:A3")
    wb["Indicators"]["F3"] = "#NAME?"
    wb.save(book)
    code, _, err = run(capsys, "validate", book)
    assert code == 2
    assert err.splitlines() == [
        "Data!D7: 此行在表 tblData 之下，不会被读取；请把表扩展到这一行 · this row is below the table tblData and is not read; extend the table to include it",
        "Indicators!F3: '#NAME?' 不是数字 · '#NAME?' is not a number",
        "Data!A3: unit 为空 · unit is blank",  # a merged cell holds its value in its first cell only: row 3 is not read
        "Data!C4: '#DIV/0!' 不是数字 · '#DIV/0!' is not a number",
        "Data!E5: datetime.datetime(2020, 1, 1, 0, 0) 不是数字 · datetime.datetime(2020, 1, 1, 0, 0) is not a number",
        "Data!E6: True 不是数字 · True is not a number",
    ]
    fresh = openpyxl.load_workbook(write_book(tmp_path / "na.xlsx", INDICATORS, DATA, [["missing", "reweight"]]))
    fresh["Data"]["D4"] = "#N/A"
    fresh.save(tmp_path / "na.xlsx")
    code, out, _ = run(capsys, "compute", tmp_path / "na.xlsx", "--json")
    assert code == 0 and "no-data marks (—, -, /, NA, N/A, 无, #N/A) were read as missing values: Data!D4" in out  # #N/A: no data


def test_whole_numbers_are_ids_and_settings_as_typed(tmp_path):
    indicators = [[101, "D1", "x", "positive", "ratio", 1, 1.0]]
    book = write_book(tmp_path / "numbers.xlsx", indicators, [["u", 2020, 0.5]], [["draws", 200], ["seed", 7]],
                      data_header=["unit", "period", 101])
    model, panel = read_book(book)
    assert list(model.indicators.index) == ["101"] and list(panel.values.columns) == ["101"]
    assert (model.settings.draws, model.settings.seed) == (200, 7)
    assert panel.values.loc[("u", "2020"), "101"] == 0.5
