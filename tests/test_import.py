"""Issue 16 §2: ``anji-xl import BOOK FILE [--replace]`` puts rows from a CSV or Excel file into
Data — appended, or replacing its rows — and changes nothing else in the package: the VBA project,
every chart, drawing, formula and cached value stay byte for byte (only Data's sheet and its
table's range change; with --replace also the notes on the replaced cells). Rows with problems
are named at file, row and column, and then nothing is written.

The numbers are checked against the hand computation of tests/four_indicators.py: natively by
LibreOffice right after the import, and by ``anji-xl recalc``.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openxml_audit import OpenXmlValidator

import four_indicators as four
import libreoffice
from anji_xl.book import scores
from anji_xl.book.recalc import sheet_part
from anji_xl.cli import main
from anji_xl.defaults import SHIPPED_BOOK, sample_data
from anji_xl.io.read_book import read_book_tables
from book_parts import load_quietly, package_parts


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def changed_parts(before: Path, after: Path) -> set[str]:
    old, new = package_parts(before), package_parts(after)
    assert old.keys() == new.keys()
    return {name for name in old if old[name] != new[name]}


def data_parts(path: Path) -> tuple[str, str]:
    """The package paths of Data's sheet and of its table tblData."""
    with zipfile.ZipFile(path) as package:
        tables = [n for n in package.namelist() if n.startswith("xl/tables/") and b'name="tblData"' in package.read(n)]
        return sheet_part(package, "Data"), tables[0]


def data_rows(path: Path) -> list[tuple[str, str]]:
    tables = read_book_tables(path)
    return [key for key, _ in sorted(tables.data.rows.items(), key=lambda item: item[1])]


@pytest.fixture(scope="module")
def four_book(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("import") / "四指标.xlsm"
    assert main(["new", str(out), *four.options()]) == 0
    return out


@pytest.fixture
def book(four_book, tmp_path) -> Path:
    copy = tmp_path / "book.xlsm"
    shutil.copy(four_book, copy)
    return copy


def test_appended_rows_change_only_data_and_are_scored_natively_and_by_recalc(capsys, four_book, book, tmp_path):
    code, out, err = run(capsys, "import", str(book), str(four.ADDED))
    assert code == 0, err
    assert "2 行" in out and "重新计算" in out and f"anji-xl recalc {book}" in out
    assert changed_parts(four_book, book) == set(data_parts(book))  # vbaProject.bin, charts, drawings, formulas: untouched
    assert data_rows(book) == [*data_rows(four_book), ("甲镇", "2022"), ("乙镇", "2022")]
    data = load_quietly(book)["Data"]
    assert data.tables["tblData"].ref == "A1:G9"
    assert [c.value for c in data[8]] == ["甲镇", 2022, 0.8, 0.5, 116.699, 100, "imported"]  # the file's columns in the book's order
    assert data["C8"].number_format == data["C2"].number_format == "0.00%"  # A1's unit is %
    assert OpenXmlValidator().validate(str(book)).error_count == 0
    # no Python: LibreOffice's native columns score the new rows at once
    sheet = load_quietly(libreoffice.convert(book, tmp_path), data_only=True)["Scores"]
    grid = scores.ScoresLayout(4, 2)
    for r, key in enumerate(data_rows(book)):
        row = scores.FIRST_ROW + r + 1
        assert (sheet.cell(row, 1).value, str(sheet.cell(row, 2).value)) == key
        index, by_dimension = {**four.HAND, **four.HAND_ADDED}[key]
        assert sheet.cell(row, grid.native_index + 1).value == pytest.approx(index, abs=1e-9), key
        assert [sheet.cell(row, c + 1).value for c in grid.native_dims] == pytest.approx([by_dimension[d] for d in four.DIMENSIONS], abs=1e-9)
    # and anji-xl recalc writes them into Results
    code, _, err = run(capsys, "recalc", str(book))
    assert code == 0, err
    results = load_quietly(book, data_only=True)["Results"]
    index = {(row[0], str(row[1])): row[2] for row in results.iter_rows(min_row=5, max_col=3, values_only=True) if row[0]}
    assert index == pytest.approx({key: value for key, (value, _) in {**four.HAND, **four.HAND_ADDED}.items()}, abs=1e-12)


def test_replace_shrinks_data_and_drops_only_the_notes_of_replaced_cells(capsys, tmp_path):
    book = tmp_path / "anji.xlsm"
    shutil.copy(SHIPPED_BOOK, book)
    wide = sample_data().wide()
    lines = ["unit 单位,period 时期," + ",".join(wide.columns)]
    lines += [f"德清县,{period}," + ",".join(f"{v * 0.95:.6g}" for v in row) for (_, period), row in list(wide.iterrows())[1:]]
    rows = tmp_path / "德清县.csv"
    rows.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "import", str(book), str(rows), "--replace")
    assert code == 0, err
    assert data_rows(book) == [("德清县", "2019"), ("德清县", "2020")]
    with zipfile.ZipFile(book) as package:
        comments = package.read("xl/comments1.xml").decode()
        notes = package.read("xl/drawings/vmlDrawing2.vml").decode()
        buttons = package.read("xl/drawings/vmlDrawing1.vml")
    assert "<comment " not in comments and "ObjectType=\"Note\"" not in notes  # they described Anji's values
    assert changed_parts(SHIPPED_BOOK, book) == {*data_parts(book), "xl/comments1.xml", "xl/drawings/vmlDrawing2.vml"}
    assert buttons == package_parts(SHIPPED_BOOK)["xl/drawings/vmlDrawing1.vml"]
    data = load_quietly(book)["Data"]
    assert data.tables["tblData"].ref == "A1:Z3" and data.max_row == 3
    assert OpenXmlValidator().validate(str(book)).error_count == 0
    code, _, err = run(capsys, "recalc", str(book))
    assert code == 0, err


def test_rows_with_problems_are_named_at_file_row_and_column_and_nothing_is_written(capsys, book):
    bad = book.with_name("坏数据.csv")
    bad.write_text("unit,period,A1,A2,B1,B2\n"
                   "甲镇,2020,0.5,0.5,100,80\n"  # already in Data
                   "丙镇,2021,abc,-0.5,100,\n"
                   "丙镇,2021,0.5,0.5,100,80\n", encoding="utf-8")
    before = book.read_bytes()
    code, out, err = run(capsys, "import", str(book), str(bad))
    assert code == 2 and out == ""
    lines = err.splitlines()
    for where, words in ((f"{bad}!B2", "甲镇 2020 已在 Data 第 4 行"), (f"{bad}!C3", "'abc' 不是数字"), (f"{bad}!D3", "-0.5"),
                         (f"{bad}!B4", "重复")):
        assert any(line.startswith(f"{where}: ") and words in line for line in lines), (where, err)
    assert book.read_bytes() == before
    assert sorted(p.name for p in book.parent.iterdir()) == sorted([book.name, bad.name])  # no temporary file left


def test_growth_problems_the_rows_bring_to_the_book_block_the_import(capsys, book):
    """甲镇 2018 with B1 = 0 gives 甲镇 2019 (already in Data) no growth rate: a problem the import brings."""
    bad = book.with_name("2018.csv")
    bad.write_text("unit,period,A1,A2,B1,B2\n甲镇,2018,0.5,0.5,0,80\n", encoding="utf-8")
    before = book.read_bytes()
    code, _, err = run(capsys, "import", str(book), str(bad))
    assert code == 2 and "2018" in err and book.read_bytes() == before


def test_an_excel_sheet_with_chinese_headers_and_percent_text(capsys, four_book, book):
    """A workbook whose sheet 数据 (beside another) has Chinese-only headers, the columns in another
    order and A1 typed as text 80%."""
    source = openpyxl.Workbook()
    source.active.title = "说明"
    sheet = source.create_sheet("数据")
    sheet.append(["年份", "地区", "B2", "B1", "A2", "A1", "备注"])
    sheet.append([2022, "甲镇", 100, 116.699, 0.5, "80%", "Excel"])
    path = book.with_name("导入.xlsx")
    source.save(path)
    code, _, err = run(capsys, "import", str(book), str(path))
    assert code == 0, err
    assert f"[{path}]数据!F2" in err  # the warning names the cell read as text
    tables = read_book_tables(book)
    assert tables.panel.values.loc[("甲镇", "2022")].tolist() == pytest.approx([0.8, 0.5, 116.699, 100])
    assert load_quietly(book)["Data"]["G8"].value == "Excel"  # 备注 (a note) goes into the book's source column
    assert changed_parts(four_book, book) == set(data_parts(book))


def test_a_unicode_text_file_saved_by_excel(capsys, book):
    """Excel's "Unicode text" (UTF-16 with its BOM, tabs between cells), 乙镇's 2022 with B2 blank."""
    text = book.with_name("乙镇.txt")
    text.write_text("地区\t年份\tA1\tA2\tB1\tB2\n乙镇\t2022\t0.6\t0.5\t226.6\t\n", encoding="utf-16")
    code, _, err = run(capsys, "import", str(book), str(text))
    assert code == 0, err
    values = read_book_tables(book).panel.values.loc[("乙镇", "2022")]
    assert values[:3].tolist() == [0.6, 0.5, 226.6] and values.isna().tolist() == [False, False, False, True]


def _edited(book: Path, part: str, change) -> Path:
    """A copy of the book with one part's XML changed as a user's program would change it."""
    copy = book.with_name(f"edited_{book.name}")
    with zipfile.ZipFile(book) as package, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
        for info in package.infolist():
            data = package.read(info.filename)
            out.writestr(info, change(data.decode()).encode() if info.filename == part else data)
    return copy


def test_cells_below_the_table_are_never_overwritten(capsys, book):
    """A note two rows under tblData (outside the table) stands where the second imported row would go."""
    sheet, _ = data_parts(book)
    noted = _edited(book, sheet, lambda xml: xml.replace("</sheetData>", '<row r="9"><c r="A9" t="inlineStr"><is><t>note</t></is></c></row></sheetData>'))
    before = noted.read_bytes()
    code, _, err = run(capsys, "import", str(noted), str(four.ADDED))
    assert code == 2 and err.startswith("Data!A9: ") and noted.read_bytes() == before


def test_rows_go_into_the_blank_rows_of_a_table_dragged_longer(capsys, book):
    _, table = data_parts(book)
    dragged = _edited(book, table, lambda xml: xml.replace('ref="A1:G7"', 'ref="A1:G10"'))
    code, _, err = run(capsys, "import", str(dragged), str(four.ADDED))
    assert code == 0, err
    assert data_rows(dragged)[-2:] == [("甲镇", "2022"), ("乙镇", "2022")]
    assert read_book_tables(dragged).data.rows[("乙镇", "2022")] == 9
    assert load_quietly(dragged)["Data"].tables["tblData"].ref == "A1:G10"


def test_a_source_file_saved_over_while_it_is_read_is_told_so_and_nothing_is_written(capsys, four_book, book, monkeypatch):
    """The file imported from is saved again (as Excel saves: a new file in its place) while its
    sheet is read: what was read may mix two versions, so the import says the file changed and
    writes nothing; read again, the same file imports."""
    from anji_xl.io import tables_file

    source = openpyxl.Workbook()
    sheet = source.active
    sheet.title = "Data"
    sheet.append(["unit", "period", "A1", "A2", "B1", "B2"])
    sheet.append(["甲镇", 2022, 0.8, 0.5, 116.699, 100])
    path = book.with_name("导入.xlsx")
    source.save(path)
    sheet["C2"] = 0.9
    source.save(saved := book.with_name("saved.xlsx"))
    read_block = tables_file.read_block

    def saved_over_while_read(*args, **kwargs):  # the moment of the save: between the sheet's opening and its end
        shutil.copy(saved, path.with_suffix(".tmp"))
        path.with_suffix(".tmp").replace(path)
        return read_block(*args, **kwargs)

    monkeypatch.setattr(tables_file, "read_block", saved_over_while_read)
    before = book.read_bytes()
    code, _, err = run(capsys, "import", str(book), str(path))
    assert code == 2 and err.count("\n") == 1 and f"{path}: 读取期间工作簿被修改过" in err
    assert book.read_bytes() == before
    monkeypatch.setattr(tables_file, "read_block", read_block)
    code, _, err = run(capsys, "import", str(book), str(path))
    assert code == 0, err
    assert read_book_tables(book).panel.values.loc[("甲镇", "2022")].tolist()[0] == pytest.approx(0.9)
