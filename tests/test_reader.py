"""The reader (python-calamine, issue 11) gives the cells as they were typed: Excel's error values,
dates, booleans, merged cells and whole numbers read exactly as the openpyxl reader before it read
them (the expected lines are what that reader printed for these books); and the JSON document,
made from whole arrays, is laid out as one dump of it would be."""

from __future__ import annotations

import datetime as dt
import json
import random

import openpyxl
import orjson
import pytest

from anji_xl.cells import named, table_of
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


def test_error_values_far_below_the_first_blank_are_read(capsys, tmp_path):
    """The sheet's XML is searched for error values down to the last row with a blank cell (an
    error value reads as one): an error 4,000 rows down, far past the first piece of XML read, is
    found, and so is one near the top."""
    data = [[f"县{k}", 2000 + k, 0.6, 100 + k, 0.35] for k in range(4000)]
    data[0][3] = None  # a blank near the top
    book = write_book(tmp_path / "far.xlsx", INDICATORS, data, [["missing", "reweight"]])
    wb = openpyxl.load_workbook(book)
    wb["Data"]["E3999"], wb["Data"]["C5"] = "#DIV/0!", "#REF!"
    wb.save(book)
    code, _, err = run(capsys, "validate", book)
    assert code == 2 and err.splitlines() == ["Data!C5: '#REF!' 不是数字 · '#REF!' is not a number",
                                              "Data!E3999: '#DIV/0!' 不是数字 · '#DIV/0!' is not a number"]


def test_whole_numbers_are_ids_and_settings_as_typed(tmp_path):
    indicators = [[101, "D1", "x", "positive", "ratio", 1, 1.0]]
    # a header typed as the number 101, as tools other than Excel write it: openpyxl says Excel may
    # not read such a table, and the reader must read it all the same
    with pytest.warns(UserWarning, match="column headings must be strings"):
        book = write_book(tmp_path / "numbers.xlsx", indicators, [["u", 2020, 0.5]], [["draws", 200], ["seed", 7]],
                          data_header=["unit", "period", 101])
    model, panel = read_book(book)
    assert list(model.indicators.index) == ["101"] and list(panel.values.columns) == ["101"]
    assert (model.settings.draws, model.settings.seed) == (200, 7)
    assert panel.values.loc[("u", "2020"), "101"] == 0.5


def test_json_document_is_what_one_dump_of_it_lays_out(capsys, tmp_path):
    """compute --json sets each row's numbers between the fixed text of a row, a thousand rows at a
    time: the document must be what orjson lays out for the whole of it, with names JSON escapes,
    a row without numbers (null) and rows on both sides of a thousand."""
    odd = '低碳 "生产" 100%\\'  # a dimension name with a quote, a per cent sign and a backslash
    indicators = [["E1", odd, "能耗", "逆向", "ratio", 0.5, 0.3], ["E2", odd, "总量", "negative", "growth", 0.03, 0.2],
                  ["G1", "绿色设施", "绿建", "正向", "ratio", 0.7, 0.5]]
    data = [[f'县"{k // 3}"\\', 2018 + k % 3, 0.5 + k / 1e4, 100 + k, 0.7] for k in range(1005)]
    data[1001][4] = "abc"  # 县"333"\ 2020: not a number, so the row has no numbers
    book = write_book(tmp_path / "big.xlsx", indicators, data, [["missing", "reweight"]])
    for argv, rows in (([], 1005), (["--unit", '县"333"\\'], 3)):
        code, out, _ = run(capsys, "compute", book, "--json", *argv)
        document = json.loads(out)
        assert out == orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"
        assert code == 2 and len(document["results"]) == rows
        first, *_, last = [row for row in document["results"] if row["unit"] == '县"333"\\']
        assert first["period"] == "2018" and first["dimensions"][odd] > 0
        assert last["period"] == "2020" and last["index"] is None and last["scores"]["G1"] is None


@pytest.mark.parametrize("sheet, tables, table", [
    ("Data", ["tblData"], "tblData"),
    ("Data", ["TBLDATA", "Table2"], "TBLDATA"),  # Excel's names ignore case
    ("data", ["tblData", "Table2"], "tblData"),
    ("Data", ["Table1"], "Table1"),  # the sheet's only table, whatever its name
    ("Data", ["Table1", "Table2"], None),  # two others: neither is Data's, the used range is read
    ("Data", [], None),
])
def test_a_sheet_is_read_from_tbl_and_its_name_else_its_only_table(sheet, tables, table):
    assert table_of(sheet, tables) == table


def test_sheet_titles_are_found_whatever_their_case():
    assert named("Data", ["Guide", "data", "Settings"]) == "data"
    assert named("Data", ["Guide", "Data1"]) is None
    assert named("Data", [None, "DATA"]) == "DATA"  # a part of a damaged book that names nothing


def _row_xml(row: int, cells: list[tuple[str, str]], prefix: str = "") -> bytes:
    """A sheet row: (column, kind) per cell, kind "e" an error value with "row>" in its formula's
    text (">" need not be escaped there), "n" a number."""
    p = f"{prefix}:" if prefix else ""
    xml = "".join(f'<{p}c r="{col}{row}" t="e"><{p}f>arrow>{row}</{p}f><{p}v>#N/A</{p}v></{p}c>' if kind == "e" else
                  f'<{p}c r="{col}{row}"><{p}v>{row}.5</{p}v></{p}c>' for col, kind in cells)
    return f'<{p}row r="{row}">{xml}</{p}row>'.encode()


@pytest.mark.parametrize("prefix", ["", "x", "a-b.c"])  # any XML name may prefix a tag
def test_error_values_are_found_wherever_the_xml_is_cut_and_searched(monkeypatch, prefix):
    """python-calamine reads error values as blanks, so the sheet's XML is searched for them, given
    in pieces and searched a span of rows at a time (read_book.SEARCHED_AT_ONCE). A piece or a span
    ends after a row's tag, never inside a cell: not even at a "row>" in a formula's text."""
    from anji_xl.io import read_book as reader

    rng = random.Random(11)
    rows = [[(col, "e" if rng.random() < 0.1 else "n") for col in "ABC"] for _ in range(300)]
    xml = b"<worksheet><sheetData>" + b"".join(_row_xml(k + 1, cells, prefix) for k, cells in enumerate(rows)) + b"</sheetData></worksheet>"
    expected = {(k + 1, "ABC".index(col) + 1): "#N/A" for k, cells in enumerate(rows) for col, kind in cells if kind == "e"}
    assert len(expected) > 50
    # the piece that ends in the middle of an error cell's formula, right after its "row>"
    at = xml.index(b"arrow>") + len(b"arrow>")
    assert reader._errors_in([xml[:at], xml[at:]]) == expected
    for window in (len(xml), 500, 97):
        monkeypatch.setattr(reader, "SEARCHED_AT_ONCE", window)
        for _ in range(20):
            cuts = sorted(rng.sample(range(1, len(xml)), rng.randint(0, 12)))
            pieces = [xml[a:b] for a, b in zip([0, *cuts], [*cuts, len(xml)])]
            assert reader._errors_in(pieces) == expected, (window, cuts)


def test_a_row_longer_than_a_span_ends_its_span_not_the_sheets(monkeypatch):
    """A span of rows searched at once (see above) ends after the row tag that follows its size,
    so one long row does not make the rest of the sheet one span (a single error value there would
    then have all of it searched cell by cell)."""
    from anji_xl.io import read_book as reader

    monkeypatch.setattr(reader, "SEARCHED_AT_ONCE", 100)
    long_row = _row_xml(1, [(col, "n") for col in "ABCDEFGH"])
    xml = long_row + b"".join(_row_xml(k, [("A", "e")]) for k in range(2, 50))
    assert len(long_row) > 100
    assert reader._span_end(xml, 0, len(xml)) == len(long_row)
    assert reader._span_end(xml, len(long_row), len(xml)) < len(long_row) + 100


def test_a_text_full_of_row_gt_is_passed_over_at_once(monkeypatch):
    """A cell's text with thousands of "row>" (a formula's unescaped '>') is one text: the span's
    end is looked for past it, not at each "row>" in it again (that took 87 s for 4 MB)."""
    from anji_xl.io import read_book as reader

    class Counted:
        looked = 0

        def fullmatch(self, *args):
            Counted.looked += 1
            return row_tag.fullmatch(*args)

    row_tag = reader._ROW_TAG
    monkeypatch.setattr(reader, "_ROW_TAG", Counted())
    monkeypatch.setattr(reader, "SEARCHED_AT_ONCE", 100)
    xml = b'<row r="1"><c r="A1" t="e"><f>' + b"row>" * 10_000 + b"</f><v>#N/A</v></c></row>" + _row_xml(2, [("A", "e")])
    assert reader._span_end(xml, 0, len(xml)) == xml.index(b"</row>") + len(b"</row>")
    assert Counted.looked < 10
    assert reader._errors_in([xml[k:k + 4096] for k in range(0, len(xml), 4096)]) == {(1, 1): "#N/A", (2, 1): "#N/A"}
    assert Counted.looked < 100


@pytest.mark.parametrize("units, periods", [(300, 3), (40, 1)])
def test_excel_rows_say_each_rows_row_as_a_dict_of_them_does(units, periods):
    """Data's (unit, period) → Excel row is held as a table by the labels' codes (a dict of
    30,000 tuples held 3.7 MiB): it answers, misses, iterates (in Data's order) and counts as
    the dict it stands for, whether the units share their periods (a table) or each has its own
    (a dict by code)."""
    from anji_xl.io.parse import ExcelRows
    from anji_xl.tables import RowLabels

    rng = random.Random(5)
    keys = [(f"县{u}", f"{2015 + u * (periods == 1) + p}") for u in range(units) for p in range(periods)]
    rng.shuffle(keys)  # Data's order is not sorted
    rows = rng.sample(range(2, 10 * len(keys)), len(keys))
    table = ExcelRows(RowLabels(*zip(*keys)), rows)
    expected = dict(zip(keys, rows))
    assert isinstance(table._table, dict) == (periods == 1)  # 40 units × 40 periods of which 40 are rows: a dict
    assert len(table) == len(expected) and list(table) == keys and dict(table.items()) == expected and table.values() == rows
    assert all(table[key] == row and key in table for key, row in expected.items())
    for absent in [("县0", "1999"), ("乙县", keys[0][1]), (keys[0][0], "2015年"), "县0", None, (1, 2, 3)]:
        assert absent not in table and table.get(absent) is None
        with pytest.raises(KeyError):
            table[absent]
    assert table.once  # no two rows share their labels; a row labelled again is told
    again = rng.randrange(len(keys))
    assert not ExcelRows(RowLabels(*zip(*keys, keys[again])), [*rows, 1]).once
