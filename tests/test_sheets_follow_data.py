"""Issue 8 §2: after Recalculate, Scores, Results and the Dashboard follow Data and Indicators —
new cities and years appended at the bottom in any order, an added, removed or reordered
indicator — and a live cell never differs silently from the engine.

Each book is edited as a user would (openpyxl stands in for typing), recalculated with
``anji-xl recalc``, then checked with independent tools: the `formulas` engine evaluates the live
ANJI_* cells, LibreOffice recalculates the native ones and the Dashboard.
"""

from __future__ import annotations

import random
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

import formula_engine
import libreoffice
from anji_xl import compute
from anji_xl.book import dashboard, scores
from anji_xl.cli import main
from anji_xl.defaults import SHIPPED_BOOK
from anji_xl.io.read_book import read_book_tables
from book_parts import choose_on_dashboard, load_quietly, retype_cells, type_rows


def _extend(ws, table_name: str, last_row: int | None = None, last_col: int | None = None) -> None:
    table = ws.tables[table_name]
    start, end = table.ref.split(":")
    col = re.match(r"[A-Z]+", end).group(0) if last_col is None else openpyxl.utils.get_column_letter(last_col)
    row = int(re.search(r"\d+", end).group(0)) if last_row is None else last_row
    table.ref = f"{start}:{col}{row}"


def _grown(tmp_path: Path) -> Path:
    """The shipped book with a new county (3 years, shuffled) and Anji's 2021 appended at the bottom;
    the units typed with surrounding blanks, as pasted text often has them."""
    book = tmp_path / "grown.xlsm"
    shutil.copy(SHIPPED_BOOK, book)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    data = wb["Data"]
    rows = [[c.value for c in data[r]] for r in range(2, 5)]
    new = [[" 德清县", row[1], *[v * 0.9 if isinstance(v, float) else v for v in row[2:-1]], "illustrative"] for row in rows]
    random.Random(8).shuffle(new)
    anji_2021 = ["安吉县 ", 2021, *[v * 1.02 if isinstance(v, float) else v for v in rows[-1][2:-1]], "illustrative"]
    gap = [["长兴县", row[1], *[v * 1.1 if isinstance(v, float) else v for v in row[2:-1]], "illustrative"] for row in (rows[2], rows[0])]
    for row in [*new, anji_2021, *gap]:  # 长兴县: 2020, then 2018, and no 2019 (growth annualised over 2 years)
        data.append(row)
    _extend(data, "tblData", last_row=data.max_row)
    wb.save(book)
    return book


def _recalc(book: Path, capsys) -> None:
    code = main(["recalc", str(book)])
    _, err = capsys.readouterr()
    assert code == 0, err


def _scores_rows(book: Path) -> list[tuple[str, str]]:
    """The (unit, period) of each Data row, in Data's order: what Scores must list."""
    tables = read_book_tables(book)
    return [key for key, _ in sorted(tables.data.rows.items(), key=lambda item: item[1])]


def _assert_live_cells_equal_the_engine(book: Path) -> None:
    tables = read_book_tables(book)
    result = compute(tables.model, tables.panel)
    grid = scores.ScoresLayout(len(tables.model.indicators), len(result.dimensions))
    cell = formula_engine.evaluate(book)
    value = lambda row, col: np.asarray(cell[f"SCORES!{scores.ref(row, col)}"]).item()  # noqa: E731
    for r, key in enumerate(_scores_rows(book)):
        row = scores.FIRST_ROW + r
        assert (value(row, scores.UNIT), str(value(row, scores.PERIOD))) == key
        for k, ident in enumerate(tables.model.indicators.index):
            expected = result.scores.at[key, ident]
            got = value(row, grid.scores[k])
            assert str(got) == "#N/A" if np.isnan(expected) else got == pytest.approx(expected, rel=0, abs=1e-15), (key, ident)
        for j, dim in enumerate(result.dimensions):
            assert value(row, grid.dims[j]) == pytest.approx(result.dimension_scores.at[key, dim], rel=0, abs=1e-15), (key, dim)
        assert value(row, grid.index) == pytest.approx(result.index[key], rel=0, abs=1e-15), key


def _assert_native_cells_equal_the_engine(book: Path, work: Path) -> openpyxl.Workbook:
    tables = read_book_tables(book)
    result = compute(tables.model, tables.panel)
    grid = scores.ScoresLayout(len(tables.model.indicators), len(result.dimensions))
    recalculated = openpyxl.load_workbook(libreoffice.convert(book, work), data_only=True)
    sheet = recalculated["Scores"]
    for r, key in enumerate(_scores_rows(book)):
        row = scores.FIRST_ROW + r + 1
        assert sheet.cell(row, grid.native_index + 1).value == pytest.approx(result.index[key], rel=0, abs=1e-9), key
        for j, dim in enumerate(result.dimensions):
            assert sheet.cell(row, grid.native_dims[j] + 1).value == pytest.approx(result.dimension_scores.at[key, dim], rel=0, abs=1e-9)
        assert sheet.cell(row, grid.check + 1).value == "OK", key  # no Python here: the native index against Results
    return recalculated


def test_scores_and_dashboard_follow_new_cities_and_years_typed_at_the_bottom(capsys, tmp_path):
    book = _grown(tmp_path)
    _recalc(book, capsys)
    rows = _scores_rows(book)
    assert len(rows) == 9 and rows[3:] != sorted(rows[3:])  # appended, not sorted in
    _assert_live_cells_equal_the_engine(book)
    recalculated = _assert_native_cells_equal_the_engine(book, tmp_path)
    # the Dashboard's period table and its line chart now span 2018–2021
    board = recalculated["Dashboard"]
    first = dashboard.TABLE_ROW + 2
    periods = [board.cell(first + k, dashboard.PERIODS_COLUMN + 1).value for k in range(5)]
    assert periods == [2018, 2019, 2020, 2021, None]
    with zipfile.ZipFile(book) as package:
        charts = "".join(package.read(n).decode() for n in package.namelist() if n.startswith("xl/charts/chart"))
    last = first + 3 + dashboard.SPARE_YEARS  # four years, and room for the years typed next
    assert f"Dashboard!$E${first}:$E${last}" in charts and f"Dashboard!$F${first}:$F${last}" in charts
    units = openpyxl.load_workbook(book, data_only=True)["Results"]
    assert {units.cell(r, 1).value for r in range(5, 14)} == {"安吉县", "德清县", "长兴县"}  # blanks trimmed: not five units


def test_scores_follow_an_added_removed_and_reordered_indicator(capsys, tmp_path):
    """LC1 and LC3 swap places in Indicators, GI5 is deleted (most of its weight goes to GI4) and
    a new indicator XX1 (method typed as 比值法) is added at the bottom of Indicators, its values
    typed over GI5's column in Data."""
    book = tmp_path / "indicators.xlsm"
    shutil.copy(SHIPPED_BOOK, book)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ind, data = wb["Indicators"], wb["Data"]
    rows = {ind.cell(r, 1).value: [c.value for c in ind[r]] for r in range(2, 25)}
    order = ["LC3", "LC2", "LC1", *list(rows)[3:]]
    rows = {ident: rows[ident] for ident in order}
    rows["GI4"][12] = rows["GI4"][12] + rows["GI5"][12] - 0.02
    del rows["GI5"]
    rows["XX1"] = ["XX1", "推进机制", "新增", "新指标", "New indicator", "%", "正向", "比值法", 0.8, None, None, None, 0.02, "test"]
    for r in range(2, 26):
        for c in range(1, 15):
            ind.cell(r, c).value = None
    for r, values in enumerate(rows.values(), start=2):
        for c, v in enumerate(values, start=1):
            ind.cell(r, c).value = v
    _extend(ind, "tblIndicators", last_row=len(rows) + 1)
    table = data.tables["tblData"]
    gi5 = next(c.column for c in data[1] if str(c.value).startswith("GI5"))
    data.cell(1, gi5).value = "XX1 新指标"  # GI5's column now holds XX1's values
    for r in range(2, data.max_row + 1):
        data.cell(r, gi5).value = 0.5 + 0.1 * r
    table.tableColumns[gi5 - 1].name = "XX1 新指标"
    wb.save(book)
    assert order[0] == "LC3"
    _recalc(book, capsys)
    tables = read_book_tables(book)
    assert list(tables.model.indicators.index) == [i for i in order if i != "GI5"] + ["XX1"]
    _assert_live_cells_equal_the_engine(book)
    _assert_native_cells_equal_the_engine(book, tmp_path)


def test_a_pooled_method_shows_a_flag_not_a_different_index(capsys, tmp_path):
    """LC3 scored by min–max (pools all units of a period): the live and the native index are an
    explicit #N/A and the check column says why; Results has the engine's number."""
    book = tmp_path / "pooled.xlsm"
    shutil.copy(SHIPPED_BOOK, book)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["Indicators"]["H4"] = "minmax"
    wb.save(book)
    _recalc(book, capsys)
    tables = read_book_tables(book)
    result = compute(tables.model, tables.panel)
    grid = scores.ScoresLayout(len(tables.model.indicators), len(result.dimensions))
    cell = formula_engine.evaluate(book)
    for r in range(len(result.rows)):
        row = scores.FIRST_ROW + r
        assert str(np.asarray(cell[f"SCORES!{scores.ref(row, grid.index)}"]).item()) == "#N/A"
        assert str(np.asarray(cell[f"SCORES!{scores.ref(row, grid.dims[0])}"]).item()) == "#N/A"  # 低碳生产 holds LC3
        assert np.asarray(cell[f"SCORES!{scores.ref(row, grid.dims[1])}"]).item() == pytest.approx(result.dimension_scores.iat[r, 1], abs=1e-15)
    recalculated = openpyxl.load_workbook(libreoffice.convert(book, tmp_path), data_only=True)["Scores"]
    for r in range(len(result.rows)):
        assert recalculated.cell(scores.FIRST_ROW + r + 1, grid.native_index + 1).value == "#N/A"
        assert recalculated.cell(scores.FIRST_ROW + r + 1, grid.check + 1).value == scores.CHECK_TEXT["pooled"]


def test_units_differing_only_in_case_are_a_problem_naming_both_cells(capsys, tmp_path):
    book = tmp_path / "case.xlsm"
    shutil.copy(SHIPPED_BOOK, book)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    data = wb["Data"]
    data.append(["Anji", 2019, *[c.value for c in data[3]][2:]])
    data.append(["ANJI", 2020, *[c.value for c in data[4]][2:]])
    _extend(data, "tblData", last_row=data.max_row)
    wb.save(book)
    before = book.read_bytes()
    code = main(["recalc", str(book)])
    _, err = capsys.readouterr()
    assert code == 2 and "Data!A6" in err and "Data!A5" in err and "only in case" in err
    assert book.read_bytes() == before


def _dashboard(recalculated: openpyxl.Workbook) -> dict[str, object]:
    board = recalculated["Dashboard"]
    cell = lambda at: board.cell(at[0] + 1, at[1] + 1).value  # noqa: E731
    return {"chosen": (cell(dashboard.UNIT), cell(dashboard.PERIOD)), "shown": (cell(dashboard.SHOWN_UNIT), cell(dashboard.SHOWN_PERIOD)),
            "note": cell(dashboard.FALLBACK_NOTE), "index": cell(dashboard.INDEX), "rank": cell(dashboard.RANK)}


def _choice_cells(book: Path) -> list[object]:
    """The Dashboard's two input cells as the book holds them."""
    board = load_quietly(book, read_only=True)["Dashboard"]  # read_only: only this sheet is parsed
    return [board.cell(at[0] + 1, at[1] + 1).value for at in (dashboard.UNIT, dashboard.PERIOD)]


def test_the_dashboard_never_points_at_nothing(capsys, tmp_path):
    """Issue 16 §6: Data no longer holds the chosen 安吉县 (its rows retyped as 德清县, 长兴县 typed
    below with 2019 and 2021). Natively the Dashboard shows the first unit's latest year with a
    note; a chosen unit without the chosen year shows its own latest year; recalc writes the
    choice it falls back to into the input cells."""
    book = tmp_path / "renamed.xlsm"
    shutil.copy(SHIPPED_BOOK, book)
    retype_cells(book, "Data", {f"A{r}": "德清县" for r in range(2, 5)})  # 安吉县's rows retyped
    rows = [[c.value for c in load_quietly(SHIPPED_BOOK, data_only=True)["Data"][r]] for r in range(2, 5)]
    type_rows(book, [["长兴县", 2019, *[v * 1.1 if isinstance(v, float) else v for v in rows[1][2:-1]]],
                     ["长兴县", 2021, *[v * 1.2 if isinstance(v, float) else v for v in rows[2][2:-1]]]])
    tables = read_book_tables(book)
    result = compute(tables.model, tables.panel)
    assert ("安吉县", "2020") not in result.index

    def shown(work: Path) -> dict[str, object]:
        work.mkdir()
        return _dashboard(openpyxl.load_workbook(libreoffice.convert(book, work), data_only=True, read_only=True))

    board = shown(tmp_path / "native")
    assert board["chosen"] == ("安吉县", 2020) and board["shown"] == ("德清县", 2020)
    assert "德清县 2020" in board["note"] and "not in Data" in board["note"]
    assert board["index"] == pytest.approx(result.index[("德清县", "2020")], rel=0, abs=1e-9)
    assert board["rank"] == result.rank[("德清县", "2020")]
    _recalc(book, capsys)
    assert _choice_cells(book) == ["德清县", 2020]
    board = shown(tmp_path / "recalculated")
    assert board["chosen"] == board["shown"] == ("德清县", 2020) and board["note"] in ("", None)
    assert board["index"] == pytest.approx(result.index[("德清县", "2020")], rel=0, abs=1e-9)
    choose_on_dashboard(book, "长兴县", 2020)  # 长兴县 has 2019 and 2021
    board = shown(tmp_path / "chosen")
    assert board["shown"] == ("长兴县", 2021) and "长兴县 2021" in board["note"]
    assert board["index"] == pytest.approx(result.index[("长兴县", "2021")], rel=0, abs=1e-9)
    choose_on_dashboard(book, "湖州市", 2018)  # no such unit: the first unit's latest year, though it has 2018
    assert shown(tmp_path / "gone")["shown"] == ("德清县", 2020)
    _recalc(book, capsys)
    assert _choice_cells(book) == ["德清县", 2020]


def test_after_recalc_a_libreoffice_that_never_recalculates_shows_the_new_numbers(capsys, tmp_path):
    """LibreOffice by default shows the values a book holds and computes only formula cells
    without one: after recalc the Dashboard and the Guide's stamp must not show the old ones."""
    book = tmp_path / "retyped.xlsm"
    shutil.copy(SHIPPED_BOOK, book)
    retype_cells(book, "Data", {"C4": 0.20})  # 安吉县 2020's LC1: its index changes
    _recalc(book, capsys)
    tables = read_book_tables(book)
    result = compute(tables.model, tables.panel)
    shown = openpyxl.load_workbook(libreoffice.convert(book, tmp_path, recalculate=False), data_only=True, read_only=True)
    board = _dashboard(shown)
    assert board["shown"] == ("安吉县", 2020)
    assert board["index"] == pytest.approx(result.index[("安吉县", "2020")], rel=0, abs=1e-9)
    assert board["index"] != pytest.approx(load_quietly(SHIPPED_BOOK, data_only=True)["Dashboard"].cell(
        dashboard.INDEX[0] + 1, dashboard.INDEX[1] + 1).value, abs=1e-6)  # the case is not vacuous
    stamp = load_quietly(book, data_only=True)["Results"]["B2"].value
    status = [text for text, in shown["Guide"].iter_rows(max_col=1, values_only=True) if str(text).startswith("计算于 computed:")]
    assert len(status) == 1 and stamp in status[0]


def test_rank_is_a_whole_number_and_the_book_opens_on_the_guide():
    book = load_quietly(SHIPPED_BOOK, data_only=True)
    rank = book["Results"].cell(5, 4)
    assert rank.value == 1 and isinstance(rank.value, int) and rank.number_format == "0"
    assert book.active.title == "Guide"
    dashboard_rank = book["Dashboard"].cell(dashboard.RANK[0] + 1, dashboard.RANK[1] + 1)
    assert dashboard_rank.number_format == "0"


def test_native_results_are_visible_and_labelled():
    sheet = load_quietly(SHIPPED_BOOK, data_only=True)["Scores"]
    model_dims = 6
    grid = scores.ScoresLayout(23, model_dims)
    header = {c: sheet.cell(scores.HEADER_ROW + 1, c + 1).value for c in range(grid.native_scores.stop)}
    assert "no-Python" in header[grid.native_index] and "原生" in header[grid.native_index]
    for col in [grid.native_index, *grid.native_dims]:
        assert not sheet.column_dimensions[openpyxl.utils.get_column_letter(col + 1)].hidden
    assert sheet.column_dimensions[openpyxl.utils.get_column_letter(grid.native_scores.start + 1)].hidden  # the detail stays folded


def test_rows_with_large_fonts_have_room():
    book = load_quietly(SHIPPED_BOOK, data_only=True)
    assert book["Dashboard"].row_dimensions[1].height >= 30
    assert book["Dashboard"].row_dimensions[dashboard.INDEX[0] + 1].height >= 30  # the big index
    assert book["Guide"].row_dimensions[1].height >= 30
