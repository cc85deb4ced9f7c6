"""How ``anji-xl recalc`` writes long sheets: read in pieces, made in batches from row templates,
every Scores column a shared formula as ECMA-376 has it, and the result the same whatever the
pieces and batches — and the same as writing each cell on its own."""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import formula_engine
from anji_xl import compute
from anji_xl.book import package, recalc, scores, sheet_xml
from anji_xl.book.results import results_blocks
from anji_xl.cli import main
from anji_xl.defaults import SHIPPED_BOOK, default_model
from anji_xl.io.read_book import read_book_tables
from book_parts import type_rows

SHEET = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C9"/>'
         '<cols><col min="1" max="1" width="9"/></cols><sheetData>'
         '<row r="1" spans="1:3" ht="30" customHeight="1"><c r="A1" s="4" t="inlineStr"><is><t>标题 title</t></is></c></row>'
         '<row r="2"/><row r="3" spans="1:3"><c r="A3" s="7"><v>1</v></c></row>'
         '<row r="6" ht="20" customHeight="1"><c r="B6" s="7"><v>2</v></c></row>'
         '<row r="9"><c r="C9"><v>3</v></c></row></sheetData><conditionalFormatting sqref="A1:A9"/></worksheet>')


def _made(top: str) -> sheet_xml.SheetRows:
    """New rows 3 to 7: a single cell, a column of numbers and one of texts, styled as the top row says."""
    style = re.search(r's="(\d+)"', top).group(1)
    rows = sheet_xml.SheetRows()
    rows.cell(3, 1, sheet_xml.cell_xml("B3", "新 new", style))
    rows.column(sheet_xml.CellColumn(0, 4, [1.5, 2, 3.25, None], style))
    rows.column(sheet_xml.CellColumn(2, 4, ["a&b", " 甲 ", "乙", "丙"], None))
    return rows


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 11, 16, 17, 29, 64, 10_000])
def test_a_sheet_read_in_pieces_of_any_size_is_rewritten_the_same(size):
    pieces = [SHEET.encode()[k:k + size] for k in range(0, len(SHEET.encode()), size)]
    columns = [scores.Column(0, 1, 12)]
    written = b"".join(sheet_xml.rewrite(iter(pieces), _made, keep_below=2, look_at=2, columns=columns)).decode()
    assert written == sheet_xml.rewrite_text(SHEET, _made, keep_below=2, look_at=2, columns=columns)
    head, rows, tail = re.fullmatch(r"(.*<sheetData>)(.*)(</sheetData>.*)", written, re.S).groups()
    assert '<dimension ref="A1:C7"/>' in head and '<col min="1" max="2" width="12.7109375" customWidth="1"/>' in head
    assert tail == '</sheetData><conditionalFormatting sqref="A1:A9"/></worksheet>'
    # rows 1 and 2 kept whole; 3 and 6 keep their own attributes but not their spans; old rows 6 and 9 gone
    assert re.findall(r"<row [^>]*>", rows) == ['<row r="1" spans="1:3" ht="30" customHeight="1">', '<row r="2"/>', '<row r="3">',
                                                '<row r="4">', '<row r="5">', '<row r="6" ht="20" customHeight="1">', '<row r="7">']
    assert '<c r="B3" s="4" t="inlineStr"><is><t>新 new</t></is></c>' in rows
    assert '<c r="A6" s="4"><v>3.25</v></c><c r="C6" t="inlineStr"><is><t>乙</t></is></c>' in rows
    assert '<c r="C4" t="inlineStr"><is><t>a&amp;b</t></is></c>' in rows and '<t xml:space="preserve"> 甲 </t>' in rows


def test_a_sheet_without_rows_or_without_its_end_tag():
    empty = SHEET.replace(SHEET[SHEET.index("<sheetData>"):SHEET.index("</sheetData>") + 12], "<sheetData/>")
    made = sheet_xml.rewrite_text(empty, lambda top: _made('s="1"'))  # an empty sheet has no rows to learn a style from
    assert '<sheetData><row r="3"><c r="B3" s="1"' in made and made.endswith('</sheetData><conditionalFormatting sqref="A1:A9"/></worksheet>')
    without = SHEET.replace(SHEET[SHEET.index("<sheetData>"):SHEET.index("</sheetData>") + 12], "")
    assert sheet_xml.rewrite_text(without, lambda top: _made('s="1"')) == without.replace('ref="A1:C9"', 'ref="A1:C7"')
    with pytest.raises(zipfile.BadZipFile):
        sheet_xml.rewrite_text(SHEET.replace("</sheetData>", ""), _made)


def test_rows_made_from_templates_equal_rows_made_cell_by_cell(monkeypatch):
    monkeypatch.setattr(sheet_xml, "BATCH", 4)  # many batches, and columns that begin and end inside them
    rows = sheet_xml.SheetRows()
    rows.cell(2, 0, sheet_xml.cell_xml("A2", "head", "3"))
    kinds = [[0.1, 2, 3e-05, 1e16, -4.5, 6, 7.25, 8, 9, 10.5, 11, 12],  # numbers
             ["县0001|2016|1", "<b>", " x", "y ", "中文", "", "a", "b", "c", "d", "e", "f"],  # texts, escaped and spaced
             [1.0, None, 2.0, "t", np.float64(0.3), np.int64(4), True, None, 5.0, 6.0, "#N/A", 7.0],  # a mixture with holes
             ["#N/A", "#N/A", "#DIV/0!", "#N/A", "#N/A", "#N/A", "#N/A", "#N/A", "#N/A", "#N/A", "#N/A", "#N/A"],
             [2016, "", "", 2017, "a&b", 0.5, "", -0.0, "", "x", 7, ""]]  # numbers and texts, no hole
    for col, values in enumerate(kinds):
        rows.column(sheet_xml.CellColumn(col, 3, values, "5", "6"))
        follower = f'<f t="shared" si="{col}"/>'
        master = sheet_xml.cell_xml(f"{sheet_xml.letter(col + len(kinds))}5", values[0], "5", "=A5", f't="shared" ref="X" si="{col}"')
        rows.column(sheet_xml.CellColumn(col + len(kinds), 5, values, "5", follower=follower, master=master))
    rows.column(sheet_xml.CellColumn(11, 20, [1, 2], None))  # rows 17 to 19 have no cell at all
    openings = {7: '<row r="7" ht="30"'}
    made = b"".join(rows.xml({1: '<row r="1"/>'}, openings)).decode()
    columns = sorted(rows.columns, key=lambda c: c.col)
    assert made == '<row r="1"/>' + rows._one_by_one(columns, 2, 22, {}, openings)
    assert '<row r="7" ht="30">' in made and '<row r="17"' not in made and '<row r="19"' not in made and '<row r="20"><c r="L20"><v>1</v></c></row>' in made


def test_columns_that_hold_one_list_are_written_as_each_from_a_list_of_its_own(monkeypatch):
    """Columns holding one list of values (Scores' live columns and their native twins) have
    their numbers formatted once per batch; the rows are those of each column from its own list,
    for columns that start at other rows too."""
    monkeypatch.setattr(sheet_xml, "BATCH", 4)  # columns begin inside batches
    one = [0.1, -0.0, 2, 3e-05, 1e16, 0.5, 7.25, 8, 9.0, 10.5]

    def made(columns: list[tuple[int, list]]) -> bytes:
        rows = sheet_xml.SheetRows()
        for col, (first, values) in enumerate(columns):
            rows.column(sheet_xml.CellColumn(col, first, values, str(col + 1), follower=f'<f t="shared" si="{col}"/>' if col % 2 else ""))
        return b"".join(rows.xml({}, {}))

    together = [(3, one), (3, one), (4, one), (3, one), (6, one)]
    assert made(together) == made([(first, list(values)) for first, values in together])


def _typed(tmp_path: Path, name: str, keys: list[tuple[str, object]]) -> Path:
    """The shipped book with rows typed below its own, values around each indicator's reference."""
    model = default_model()
    reference, growth = model.indicators["reference"].to_numpy(), (model.indicators["method"] == "growth").to_numpy()
    values = reference * np.random.default_rng(5).uniform(0.5, 1.3, size=(len(keys), len(reference)))
    values[:, growth] = np.random.default_rng(6).uniform(100, 200, size=(len(keys), growth.sum()))
    book = tmp_path / name
    shutil.copy(SHIPPED_BOOK, book)
    type_rows(book, [[unit, period, *row] for (unit, period), row in zip(keys, values.round(4).tolist())])
    return book


def _scores_xml(book: Path) -> str:
    with zipfile.ZipFile(book) as parts:
        return parts.read(recalc.sheet_part(parts, scores.SHEET)).decode()


def _assert_shared_formulas_are_well_formed(sheet: str) -> dict[str, tuple[str, int, int, str]]:
    """ECMA-376 §18.3.1.40: a shared formula's master holds its text and its range ``ref``, whose
    top-left cell it is; every other cell of it names the master's ``si`` and lies in that range."""
    masters = {}
    for col, row, first_col, first, last_col, last, si, text in re.findall(
            r'<c r="([A-Z]+)(\d+)"[^>]*><f t="shared" ref="([A-Z]+)(\d+):([A-Z]+)(\d+)" si="(\d+)">([^<]+)</f>', sheet):
        assert (col, row) == (first_col, first) and first_col == last_col and int(last) > int(first) and si not in masters
        masters[si] = (col, int(first), int(last), text)
    followers = re.findall(r'<c r="([A-Z]+)(\d+)"[^>]*><f t="shared" si="(\d+)"/>', sheet)
    assert len(followers) == sum(last - first for _, first, last, _ in masters.values())
    for col, row, si in followers:
        assert masters[si][0] == col and masters[si][1] < int(row) <= masters[si][2]
    assert sheet.count('t="shared"') == len(masters) + len(followers)
    return masters


def test_every_scores_column_is_one_shared_formula_and_growth_reads_the_helpers(capsys, tmp_path):
    # years in any order, with gaps: the helpers find the preceding year the engine takes
    book = _typed(tmp_path, "years.xlsm", [(u, y) for y in (2016, 2018, 2021) for u in ("甲县", "乙县")])
    assert main(["recalc", str(book)]) == 0
    masters = _assert_shared_formulas_are_well_formed(_scores_xml(book))
    grid = scores.ScoresLayout(23, 6)
    live = {scores.ref(scores.FIRST_ROW, col).rstrip("0123456789") for col in [*grid.scores, *grid.dims, scores.INDEX, scores.DIFFERENCE]}
    shared_live = [m for m in masters.values() if m[0] in live]
    assert len(shared_live) == len(live) and all(last == scores.FIRST_ROW + 9 for _, _, last, _ in shared_live)  # 9 rows, one run each
    assert all("INDEX(Data!$" in text for col, _, _, text in shared_live if col in {scores.ref(0, c)[:-1] for c in grid.scores})
    capsys.readouterr()


def test_live_columns_and_their_native_twins_hold_one_list_where_equal_and_write_the_same(tmp_path, monkeypatch):
    monkeypatch.setattr(scores, "NATIVE_ROWS", 5)  # the sheet as long as Data, as in a book of more than 1,000 rows
    book = _typed(tmp_path, "twins.xlsm", [(u, y) for y in (2019, 2020, 2021) for u in ("甲县", "乙县")])
    tables = read_book_tables(book)
    cells, shared = scores.sheet_cells(scores.ScoresSource(tables.model, compute(tables.model, tables.panel), tables.model.indicator_cell, tables.data))
    held = {}
    for column in shared:
        held.setdefault(id(column.values), []).append(column.col)
    grid = scores.ScoresLayout(23, 6)
    twins = [sorted(cols) for cols in held.values() if len(cols) > 1]
    assert [scores.INDEX, scores.NATIVE_INDEX] in twins and sorted([grid.dims[0], grid.native_dims[0]]) in twins and len(twins) >= 20
    apart = [replace(column, values=list(column.values)) for column in shared]
    xml = lambda columns: b"".join(sheet_xml.sheet_rows(cells, {}, columns).xml({}, {}))  # noqa: E731
    assert xml(shared) == xml(apart)


def test_live_growth_cells_name_the_preceding_cell_where_periods_are_not_years(capsys, tmp_path):
    # quarters: the native helpers see no year; each run of rows whose preceding value lies at one
    # distance is one shared formula naming it, and the live cells still equal the engine
    book = _typed(tmp_path, "quarters.xlsm", [(u, f"2021Q{q}") for u in ("甲县", "乙县") for q in (1, 2, 3)])
    assert main(["recalc", str(book)]) == 0
    capsys.readouterr()
    sheet = _scores_xml(book)
    masters = _assert_shared_formulas_are_well_formed(sheet)
    growth = scores.ref(0, scores.ScoresLayout(23, 6).scores[1])[:-1]  # LC2, a growth indicator
    assert sorted((first, last) for col, first, last, _ in masters.values() if col == growth) == [(15, 16), (18, 19), (21, 22)]
    assert "INDEX(Data!" not in sheet.split(f'<c r="{growth}18"')[1].split("</f>")[0]
    tables = read_book_tables(book)
    result = compute(tables.model, tables.panel)
    cell = formula_engine.evaluate(book)
    scored = 0
    for key, data_row in tables.data.rows.items():  # Scores row i reads Data row i
        shown = np.asarray(cell[f"SCORES!{scores.ref(scores.FIRST_ROW + data_row - tables.data.header_row - 1, scores.ScoresLayout(23, 6).scores[1])}"]).item()
        expected = result.scores.at[key, "LC2"]
        scored += not np.isnan(expected)
        assert str(shown) == "#N/A" if np.isnan(expected) else shown == pytest.approx(expected, rel=0, abs=1e-15)
    assert scored == 6  # every row but each unit's first


def test_a_part_deflated_in_many_chunks_reads_back_the_same(capsys, tmp_path, monkeypatch):
    book = tmp_path / "book.xlsm"
    shutil.copy(SHIPPED_BOOK, book)
    assert main(["recalc", str(book)]) == 0
    once = _scores_xml(book)
    monkeypatch.setattr(package, "DEFLATE_CHUNK", 10_000)  # hundreds of chunks, more than are deflated at once
    assert main(["recalc", str(book)]) == 0
    capsys.readouterr()
    with zipfile.ZipFile(book) as parts:
        assert parts.testzip() is None
    assert _scores_xml(book) == once


def test_the_results_rows_do_not_depend_on_the_pieces_of_the_old_sheet(tmp_path):
    tables = read_book_tables(SHIPPED_BOOK)
    blocks = results_blocks(tables.model, compute(tables.model, tables.panel), "2020-01-01T00:00:00")
    with zipfile.ZipFile(SHIPPED_BOOK) as parts:
        old = parts.read(recalc.results_part(parts))
    whole = b"".join(recalc.results_patch(lambda: blocks).rewrite(iter([old])))
    for size in (3, 64, 1000):
        assert b"".join(recalc.results_patch(lambda: blocks).rewrite(iter([old[k:k + size] for k in range(0, len(old), size)]))) == whole


def test_each_block_lands_row_by_row_where_it_is_placed_with_or_without_the_books_styles():
    """Results' blocks are made a column at a time: written into the shipped book's Results (its
    header style) and into a sheet without any style (the header row then written as the body's
    first), every cell of every block holds what the block's rows say, at the block's place."""
    from anji_xl.book.layout import letter

    tables = read_book_tables(SHIPPED_BOOK)
    blocks = results_blocks(tables.model, compute(tables.model, tables.panel), "2020-01-01T00:00:00")
    with zipfile.ZipFile(SHIPPED_BOOK) as parts:
        styled = parts.read(recalc.results_part(parts))
    plain = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
    for old in (styled, plain):
        xml = b"".join(recalc.results_patch(lambda: blocks).rewrite(iter([old]))).decode("utf-8")
        checked = 0
        for (row0, col0), block in blocks.placed():
            assert block.rows() and all(len(row) == len(block.rows()[0]) for row in block.rows())
            for r, row in enumerate(block.rows()):
                for c, value in enumerate(row):
                    assert sheet_xml.cell_value(xml, f"{letter(col0 + c)}{row0 + 1 + r}", []) == value, (old is plain, row0, col0, r, c)
                    checked += value is not None
        assert checked > 100
        assert bool(re.search(r'<c [^>]*? s="', xml)) == (old is styled)  # styled cells only where the book has styles
        # and by hand, from SPEC's layout and the shipped Data (安吉县, 2018–2020, no problem)
        anchors = {"A2": "computed 计算于", "B2": "2020-01-01T00:00:00", "F2": 3, "A4": "unit 单位", "A5": "安吉县", "B5": 2018,
                   "B7": 2020, "D7": 1, "AF4": "key", "AF5": "安吉县|2018|1", "AV4": "where 位置", "AW5": "OK — 未发现问题 no problems"}
        assert {ref: sheet_xml.cell_value(xml, ref, []) for ref in anchors} == anchors
