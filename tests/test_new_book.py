"""Issue 16 §1 and §3: ``anji-xl new`` builds a complete book for a user's own indicator system and
data from CSV or Excel files; problems in the files are named at file, row and column and no book
is written; ``build-workbook`` (and ``new``) never overwrite a book holding other data.

The oracle of the numbers is a hand computation (tests/four_indicators.py) and LibreOffice, which
recalculates the native formulas of the book without Python; a book made by ``new`` must hold what
``anji-xl recalc`` writes into it.
"""

from __future__ import annotations

import csv
import random
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

import formula_engine
import four_indicators as four
import libreoffice
from anji_xl import compute
from anji_xl.book import dashboard, package, scores, settings
from anji_xl.book.build import BUTTONS, SHEETS, build_workbook
from anji_xl.book.results import SUMMARY_AT
from anji_xl.cli import main
from anji_xl.io.read_book import read_book_tables
from book_parts import buttons, fingerprint, load_quietly, package_parts, retype_cells, vba_modules


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def results_rows(path: Path) -> dict[tuple[str, str], list[object]]:
    """Results' summary rows by (unit, period): index, rank, dimension scores … as cached in the book."""
    sheet = load_quietly(path, data_only=True)["Results"]
    header = [c.value for c in sheet[SUMMARY_AT[0] + 1]]
    header = header[:header.index(None)]  # the summary block ends at the first empty column
    rows = {}
    for row in sheet.iter_rows(min_row=SUMMARY_AT[0] + 2, values_only=True):
        if row[0] is None:
            break
        rows[(row[0], str(row[1]))] = dict(zip(header, row))
    return rows


def native_rows(converted: Path, dimensions: list[str]) -> dict[tuple[str, str], tuple[float, list[float], str]]:
    """Scores' native index, native dimension scores and check column per (unit, period), as
    LibreOffice recalculated them."""
    sheet = load_quietly(converted, data_only=True)["Scores"]
    grid = scores.ScoresLayout(0, len(dimensions))
    found = {}
    for row in sheet.iter_rows(min_row=scores.FIRST_ROW + 1, values_only=True):
        if not row[scores.UNIT]:
            break
        found[(row[scores.UNIT], str(row[scores.PERIOD]))] = (row[grid.native_index], [row[c] for c in grid.native_dims], row[grid.check])
    return found


@pytest.fixture(scope="module")
def four_book(tmp_path_factory) -> Path:
    """The book ``anji-xl new`` makes of the 4-indicator files."""
    out = tmp_path_factory.mktemp("new") / "四指标.xlsm"
    assert main(["new", str(out), *four.options()]) == 0
    return out


def test_a_new_book_has_every_part_of_the_shipped_one(four_book):
    book = load_quietly(four_book, keep_vba=True)
    assert book.sheetnames == [name for name, _ in SHEETS]
    assert [ws.sheet_properties.codeName for ws in book.worksheets] == [code for _, code in SHEETS]
    assert set(book["Indicators"].tables) == {"tblIndicators"} and set(book["Data"].tables) == {"tblData"}
    assert len(book["Dashboard"]._charts) == 4
    assert buttons(four_book) == {"Guide": [m for m, _ in BUTTONS], "Dashboard": [m for m, _ in BUTTONS]}
    shipped = build_workbook(four_book.with_name("shipped.xlsm"))
    assert vba_modules(four_book) == vba_modules(shipped)
    tables = read_book_tables(four_book)
    assert list(tables.model.indicators.index) == ["A1", "A2", "B1", "B2"]
    assert tables.model.indicators["direction"].tolist() == [1, -1, -1, 1]
    assert tables.model.settings.missing == "reweight"
    # Data keeps the file's order of rows; its source column comes from the file's 来源
    assert [key for key, _ in sorted(tables.data.rows.items(), key=lambda item: item[1])][:2] == [("乙镇", "2020"), ("甲镇", "2019")]
    assert book["Data"]["G2"].value == "test"


def test_a_new_book_holds_the_hand_computed_index_as_built_after_recalc_and_natively(capsys, four_book, tmp_path):
    dims = list(four.DIMENSIONS)
    built = results_rows(four_book)
    recalculated = tmp_path / "recalc.xlsm"
    recalculated.write_bytes(four_book.read_bytes())
    code, _, err = run(capsys, "recalc", str(recalculated))
    assert code == 0, err
    after = results_rows(recalculated)
    native = native_rows(libreoffice.convert(four_book, tmp_path), dims)
    assert set(built) == set(after) == set(native) == set(four.HAND)
    for key, (index, by_dimension) in four.HAND.items():
        for rows in (built, after):
            assert rows[key]["index 指数"] == pytest.approx(index, abs=1e-12), key
            for dim in dims:
                assert rows[key][f"{dim} 得分率"] == pytest.approx(by_dimension[dim], abs=1e-12), (key, dim)
        native_index, native_dims, check = native[key]
        assert native_index == pytest.approx(index, abs=1e-9) and check == "OK", (key, native_index, check)
        assert native_dims == pytest.approx([by_dimension[d] for d in dims], abs=1e-9), key
    assert built[("甲镇", "2021")]["rank 排名"] == 1 and built[("乙镇", "2021")]["rank 排名"] == 2


def _as_a_cell_shows_it(value: object) -> object:
    """A value the `formulas` package computed, as a cell shows it: a number, or its text (an error's too)."""
    return value if isinstance(value, (int, float)) else str(value)


GOALPOSTS = """id 编号,dimension 维度,name 指标名称,unit 计量单位,direction 方向,method 方法,reference 参考值,lower 下限,upper 上限,transform 变换,weight 权重
A1,经济发展,数字经济核心产业增加值占比,%,正向,goalpost,,0.2,1.0,log,0.3
A2,经济发展,单位GDP能耗,吨标准煤/万元,逆向,goalpost,,0.2,1.2,,0.2
B1,生态环境,能源消费总量(年度增长控制),万吨标准煤,逆向,growth,0.03,,,,0.25
B2,生态环境,森林蓄积量,万立方米,正向,zscore,100,,,,0.25
"""


@pytest.mark.parametrize("variant", ["a pooled method", "geometric dimensions", "missing as zero, the file's years written 2020年",
                                     "goalposts without a reference (one in %, on a log scale) and a z-score"])
def test_every_cached_value_of_a_new_book_is_what_its_formula_computes(variant, capsys, tmp_path):
    """As for the shipped book (test_workbook): LibreOffice recalculates a copy of a book made by
    ``new`` and every formula cell held that value, but those that need Python (the live cells,
    live − native, and under geometric aggregation the check column, which compares the live
    index), which the `formulas` package computes with our functions. The variants once held #N/A
    where a dimension without a pooled method had a native score, showed arithmetic dimension
    scores natively under geometric ones (0.61 where the engine gives 0.6099), held 0 where a
    missing growth rate's native score is blank and its live score #N/A, and held a blank
    reference where its formula reads the empty Indicators cell as 0 (and a percent limit of 1
    where LibreOffice reads that 0 as nothing)."""
    indicators, data, settings_file = four.INDICATORS, four.DATA, four.SETTINGS
    if variant == "a pooled method":  # A2, in 经济发展; 生态环境 has none
        indicators = tmp_path / "indicators.csv"
        indicators.write_text(four.INDICATORS.read_text(encoding="utf-8").replace("逆向,ratio,0.5,0.2", "逆向,minmax,0.5,0.2"), encoding="utf-8")
    elif variant.startswith("goalposts"):
        indicators = tmp_path / "indicators.csv"
        indicators.write_text(GOALPOSTS, encoding="utf-8")
    else:
        settings_file, text = tmp_path / "settings.csv", four.SETTINGS.read_text(encoding="utf-8")
        settings_file.write_text(text + "dimension_aggregation,geometric\n" if variant == "geometric dimensions" else text.replace("missing,reweight", "missing,zero"),
                                 encoding="utf-8")
    if "2020年" in variant:  # new writes them into Data as years (2020)
        rows = list(csv.reader(four.DATA.open(encoding="utf-8")))
        data = tmp_path / "data.csv"
        with data.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([rows[0], *([unit, f"{period}年", *rest] for unit, period, *rest in rows[1:])])
    book = tmp_path / "book.xlsm"
    assert main(["new", str(book), "--indicators", str(indicators), "--data", str(data), "--settings", str(settings_file)]) == 0, capsys.readouterr().err

    def needs_python(sheet: str, column: int, formula: str) -> bool:
        live = "ANJI_" in formula or (sheet == scores.SHEET and column == scores.DIFFERENCE)
        return live or (variant == "geometric dimensions" and sheet == scores.SHEET and column == scores.CHECK)

    differ, compared = libreoffice.held_against_computed(book, tmp_path, needs_python)
    assert not differ, differ[:20]
    assert compared > 20_000
    # the live cells, by our functions as Excel with Python calls them (the `formulas` package)
    formulas, held = (load_quietly(book, data_only=cached)[scores.SHEET] for cached in (False, True))
    evaluated = formula_engine.evaluate(book)
    live = [(cell.coordinate, held[cell.coordinate].value, np.asarray(evaluated[f"SCORES!{cell.coordinate}"]).item())
            for row in formulas.iter_rows(min_row=scores.FIRST_ROW + 1) for cell in row if "ANJI_" in str(cell.value)]
    assert len(live) > 20 and not [cell for cell in live if not libreoffice.same_value(cell[1], _as_a_cell_shows_it(cell[2]))]


def test_the_dashboard_follows_the_two_dimensions_by_name(four_book, tmp_path):
    board = load_quietly(libreoffice.convert(four_book, tmp_path), data_only=True, read_only=True)["Dashboard"]
    first = dashboard.TABLE_ROW + 2
    shown = [(board.cell(first + j, dashboard.DIMS_COLUMN + 1).value, board.cell(first + j, dashboard.DIMS_COLUMN + 2).value) for j in range(3)]
    unit, period = board.cell(dashboard.UNIT[0] + 1, dashboard.UNIT[1] + 1).value, board.cell(dashboard.PERIOD[0] + 1, dashboard.PERIOD[1] + 1).value
    _, by_dimension = four.HAND[(unit, str(period))]
    assert [name for name, _ in shown] == [*four.DIMENSIONS, None]
    assert [value for _, value in shown[:2]] == pytest.approx([by_dimension[d] for d in four.DIMENSIONS], abs=1e-9)
    with zipfile.ZipFile(four_book) as package:
        radar = package.read("xl/charts/chart1.xml").decode()
    assert f"Dashboard!$C${first}:$C${first + 1}<" in radar  # the radar has a point per dimension


def test_new_without_options_is_the_shipped_book(capsys, tmp_path):
    code, out, err = run(capsys, "new", str(tmp_path / "mine.xlsm"))
    assert code == 0, err
    assert "23" in out and "6" in out
    assert package_parts(tmp_path / "mine.xlsm") == package_parts(build_workbook(tmp_path / "shipped.xlsm"))
    assert _names(capsys, tmp_path / "mine.xlsm") == ("安吉指数 Anji Index", "安吉指数 仪表板 · Anji Index dashboard")


def _names(capsys, book: Path) -> tuple[str, str]:
    """The index's name as ``compute`` prints it (after the unit and period of its first row), and
    the Dashboard's title as cached in the book."""
    code, out, err = run(capsys, "compute", str(book))
    assert code == 0, err
    named = out.splitlines()[0].split("   ")[1]
    return named.rsplit(" ", 1)[0], load_quietly(book, data_only=True)["Dashboard"]["B1"].value


def test_a_book_of_ones_own_indicators_has_a_name_of_its_own(capsys, four_book, tmp_path):
    """Not 安吉指数: the neutral 综合指数 until the Settings name it, in a --settings file or in the
    book; compute and the Dashboard (natively, as LibreOffice recalculates it) follow them."""
    assert _names(capsys, four_book) == ("综合指数 Composite index", "综合指数 仪表板 · Composite index dashboard")
    named = tmp_path / "named.csv"
    named.write_text("设置项,值\nname,乡镇发展指数\nname_en,Town development index\nmissing,reweight\n", encoding="utf-8")
    out = tmp_path / "named.xlsm"
    code, _, err = run(capsys, "new", str(out), "--indicators", str(four.INDICATORS), "--data", str(four.DATA), "--settings", str(named))
    assert code == 0, err
    assert _names(capsys, out) == ("乡镇发展指数 Town development index", "乡镇发展指数 仪表板 · Town development index dashboard")
    retyped = tmp_path / "retyped.xlsm"
    retyped.write_bytes(four_book.read_bytes())
    row = settings.ROW["name"] + 1
    assert load_quietly(retyped)["Settings"][f"A{row}"].value == "name"
    retype_cells(retyped, "Settings", {f"B{row}": "城乡融合指数"})
    board = load_quietly(libreoffice.convert(retyped, tmp_path), data_only=True, read_only=True)["Dashboard"]
    assert board["B1"].value == "城乡融合指数 仪表板 · Composite index dashboard"
    code, text, err = run(capsys, "compute", str(retyped))
    assert code == 0 and "城乡融合指数 Composite index" in text.splitlines()[0], err


def _thirty(tmp_path: Path) -> tuple[Path, Path]:
    """30 indicators in 5 dimensions — ratio, growth and goalpost — as an Excel sheet named 指标
    beside another sheet; 3 towns × 2 years as a GB18030 CSV (Chinese Excel's CSV) with
    Chinese-only headers."""
    rng = random.Random(30)
    book = openpyxl.Workbook()
    book.active.title = "说明"
    sheet = book.create_sheet("指标")
    sheet.append(["编号", "维度", "指标名称", "方向", "方法", "参考值", "下限", "上限", "权重"])
    methods = []
    for k in range(30):
        method = ("ratio", "growth", "goalpost")[k % 3]
        methods.append(method)
        reference = {"ratio": round(rng.uniform(50, 150), 2), "growth": 0.03, "goalpost": None}[method]
        bounds = (0, 200) if method == "goalpost" else (None, None)
        sheet.append([f"X{k + 1:02d}", f"维度{k // 6 + 1}", f"指标{k + 1}", ("正向", "逆向")[k % 2], method, reference, *bounds,
                      0.03 if k < 20 else 0.04])
    indicators = tmp_path / "thirty.xlsx"
    book.save(indicators)
    data = tmp_path / "thirty.csv"
    with data.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["地区", "年份", *(f"X{k + 1:02d}" for k in range(30))])
        for town in ("东镇", "西镇", "南镇"):
            for year in (2020, 2021):
                writer.writerow([town, year, *(round(rng.uniform(20, 180), 3) for _ in range(30))])
    return indicators, data


def test_a_30_indicator_system_in_five_dimensions(capsys, tmp_path):
    indicators, data = _thirty(tmp_path)
    out = tmp_path / "thirty.xlsm"
    code, _, err = run(capsys, "new", str(out), "--indicators", str(indicators), "--data", str(data))
    assert code == 0, err
    tables = read_book_tables(out)
    assert len(tables.model.indicators) == 30 and len(tables.panel.values) == 6
    result = compute(tables.model, tables.panel)
    assert result.dimensions == [f"维度{k}" for k in range(1, 6)] and not result.problems
    converted = libreoffice.convert(out, tmp_path)
    native = native_rows(converted, result.dimensions)
    for key in result.rows:
        index, dims, check = native[key]
        assert index == pytest.approx(result.index[key], abs=1e-9) and check == "OK", key
        assert dims == pytest.approx(result.dimension_scores.loc[key].tolist(), abs=1e-9), key
    cached = results_rows(out)
    assert all(cached[key]["index 指数"] == pytest.approx(result.index[key], abs=1e-12) for key in result.rows)
    board = load_quietly(converted, data_only=True)["Dashboard"]
    first = dashboard.TABLE_ROW + 2
    assert [board.cell(first + j, dashboard.DIMS_COLUMN + 1).value for j in range(6)] == [*result.dimensions, None]
    header = [c.value for c in load_quietly(out)["Scores"][scores.HEADER_ROW + 1]]
    assert sum(1 for title in header if title and title.endswith("原生 native") and title.startswith("X")) == 30


def test_a_new_book_longer_than_the_rows_xlsxwriter_writes_is_whole_and_as_recalc_writes_it(capsys, tmp_path):
    """``new`` has XlsxWriter write the first rows of Data and Results (their styles) and recalc's
    writer the whole of Data, Scores and Results (XlsxWriter took 25 s for 30,000 rows): a book of
    252 rows holds every row, its values and the engine's numbers to the last digit, and recalc
    changes nothing in its Results and Scores but the time stamp."""
    rng = random.Random(252)
    data = tmp_path / "long.csv"
    with data.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["地区", "年份", "A1", "A2", "B1", "B2"])
        for town in range(84):
            for year in (2019, 2020, 2021):
                b2 = "" if (town, year) == (80, 2021) else round(rng.uniform(40, 120), 1)  # Data!F244: missing
                a1 = 0.1 + 0.2 if town == 83 else round(rng.uniform(0.3, 0.9), 3)  # Data!C251:C253: 17 digits, 0.30000000000000004
                writer.writerow([f"镇{town:03d}", year, repr(a1), round(rng.uniform(0.4, 1.0), 3), round(rng.uniform(90, 130), 1), b2])
    indicators = tmp_path / "indicators.csv"  # A1's weight 0.1 + 0.2: 17 digits
    indicators.write_text(four.INDICATORS.read_text(encoding="utf-8").replace("ratio,0.8,0.3,", f"ratio,0.8,{0.1 + 0.2!r},"), encoding="utf-8")
    out = tmp_path / "long.xlsm"
    code, _, err = run(capsys, "new", str(out), "--indicators", str(indicators), "--data", str(data), "--settings", str(four.SETTINGS))
    assert code == 0, err
    tables = read_book_tables(out)
    result = compute(tables.model, tables.panel)
    cached = results_rows(out)
    assert len(result.rows) == len(cached) == 252
    assert [cached[key]["index 指数"] for key in result.rows] == result.index.tolist()
    assert [cached[key]["rank 排名"] for key in result.rows] == result.rank.tolist()
    last = load_quietly(out, data_only=True)["Scores"].cell(scores.FIRST_ROW + 252, scores.UNIT + 1).value
    assert last == result.rows[-1][0]
    data = load_quietly(out)["Data"]
    assert {str(v.sqref) for v in data.data_validations.dataValidation} == {"C2:F5001"}  # numbers typed into 5,000 rows at least
    assert data.max_row == 253 and data["A253"].value == "镇083" and data["B253"].value == 2021
    assert data["C253"].value == 0.1 + 0.2  # the double itself (XlsxWriter wrote 16 digits: 0.3, another number)
    held = {cell.value.split()[0]: value.value for cell, value in zip(*load_quietly(out)["Indicators"].iter_rows(max_row=2)) if cell.value}
    assert tables.model.indicators.loc["A1", "weight"] == held["weight"] == 0.1 + 0.2
    assert data["F244"].value is None and data["F244"].number_format == data["F2"].number_format == data["F253"].number_format  # typed later: formatted
    assert [data.cell(253, c).number_format for c in range(1, 8)] == [data.cell(2, c).number_format for c in range(1, 8)]
    recalculated = tmp_path / "recalculated.xlsm"
    recalculated.write_bytes(out.read_bytes())
    code, _, err = run(capsys, "recalc", str(recalculated))
    assert code == 0, err
    built, after = fingerprint(out), fingerprint(recalculated)
    built["Results"]["cells"].pop("B2"), after["Results"]["cells"].pop("B2")
    assert after["Results"] == built["Results"] and after["Scores"] == built["Scores"]


def test_a_typed_value_must_be_a_number_in_every_row_of_a_long_data_table(capsys, tmp_path):
    """Data's validation (a number, or Excel refuses the typing) reaches a thousand rows below a
    long table's end, not 5,000 rows only."""
    data = tmp_path / "long.csv"
    rows = ["地区,年份,A1,A2,B1,B2"] + [f"镇{town:04d},{year},0.5,0.5,100,50" for town in range(2600) for year in (2020, 2021)]
    data.write_text("\n".join(rows), encoding="utf-8")
    out = tmp_path / "long.xlsm"
    code, _, err = run(capsys, "new", str(out), "--indicators", str(four.INDICATORS), "--data", str(data), "--settings", str(four.SETTINGS))
    assert code == 0, err
    with zipfile.ZipFile(out) as parts:
        sheet = parts.read("xl/worksheets/sheet3.xml").decode()
    assert re.findall(r'<dataValidation [^>]*sqref="([^"]+)"', sheet) == ["C2:F6201"]


def test_bad_input_files_are_named_at_file_row_and_column_and_nothing_is_written(capsys, tmp_path):
    indicators = tmp_path / "指标.csv"
    indicators.write_text("编号,维度,方向,方法,参考值,权重\n"
                          "A1,经济,上升,ratio,0.8,0.5\n"
                          "A2,经济,正向,ratio,abc,0.3\n"
                          "A2,环境,正向,ratio,1,0.2\n", encoding="utf-8-sig")
    data = openpyxl.Workbook()
    data.active.title = "Data"
    for row in (["unit", "period", "A1", "A2"], ["甲镇", 2020, 0.5, "n/a?"], ["甲镇", 2020, 0.6, 0.7]):
        data.active.append(row)
    data_file = tmp_path / "数据.xlsx"
    data.save(data_file)
    settings = tmp_path / "settings.csv"
    settings.write_text("key,value\nmissing,sometimes\n", encoding="utf-8")
    out = tmp_path / "out.xlsm"
    code, stdout, err = run(capsys, "new", str(out), "--indicators", str(indicators), "--data", str(data_file), "--settings", str(settings))
    assert code == 2 and stdout == ""
    lines = err.splitlines()
    for where, words in ((f"{indicators}!C2", "上升"), (f"{indicators}!E3", "'abc' 不是数字"), (f"{indicators}!A4", "A2"),
                         (f"[{data_file}]Data!D2", "'n/a?' 不是数字"), (f"[{data_file}]Data!B3", "重复"), (f"{settings}!B2", "sometimes")):
        assert any(line.startswith(f"{where}: ") and words in line for line in lines), (where, err)
    assert all(" · " in line for line in lines)  # Chinese first, then English
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["指标.csv", "数据.xlsx", "settings.csv"])


def test_unreadable_files_are_problems(capsys, tmp_path):
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(128, 256)) * 4)
    code, _, err = run(capsys, "new", str(tmp_path / "out.xlsm"), "--indicators", str(legacy), "--data", str(binary))
    assert code == 2
    assert f"{legacy}: 无法读取 .xls 文件" in err and f"{binary}: 文件既不是 UTF-8 也不是 GB18030" in err
    two_sheets = openpyxl.Workbook()
    two_sheets.create_sheet("其他")
    two_sheets.save(tmp_path / "two.xlsx")
    code, _, err = run(capsys, "new", str(tmp_path / "out.xlsm"), "--data", str(tmp_path / "two.xlsx"))
    assert code == 2 and "name the sheet that holds the Data table Data" in err
    assert not (tmp_path / "out.xlsm").exists()


def test_own_indicators_with_the_sample_data_or_a_request_for_data(capsys, tmp_path):
    """Without --data the Anji sample is Data: fine for the shipped indicators with another
    reference, a problem (asking for --data) for an indicator the sample lacks."""
    from anji_xl.defaults import default_indicators

    table = default_indicators()
    table.loc[table["id"] == "LC1", "reference"] = "0.3"
    changed = tmp_path / "changed.csv"
    table.to_csv(changed, index=False, encoding="utf-8")
    out = tmp_path / "changed.xlsm"
    code, _, err = run(capsys, "new", str(out), "--indicators", str(changed))
    assert code == 0, err
    tables = read_book_tables(out)
    assert tables.model.indicators.at["LC1", "reference"] == 0.3 and len(tables.panel.values) == 3
    assert len(load_quietly(out)["Data"]["C4"].comment.text) > 10  # the sample's notes on its stated values stay
    table.loc[len(table)] = ["NEW1", "推进机制", "", "新指标", "", "", "正向", "ratio", "1", "", "", "", "0", ""]
    extended = tmp_path / "extended.csv"
    table.to_csv(extended, index=False, encoding="utf-8")
    code, _, err = run(capsys, "new", str(tmp_path / "extended.xlsm"), "--indicators", str(extended))
    assert code == 2 and "--data" in err and "NEW1" in err
    assert not (tmp_path / "extended.xlsm").exists()


def test_build_workbook_never_overwrites_a_book_holding_other_data(capsys, four_book, tmp_path):
    book = tmp_path / "AnjiIndex.xlsm"
    book.write_bytes(four_book.read_bytes())
    before = book.read_bytes()
    code, _, err = run(capsys, "build-workbook", str(book))
    assert code == 2 and "anji-xl new" in err and "anji-xl import" in err and "--force" in err and err.startswith(f"{book}: ")
    assert book.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["AnjiIndex.xlsm"]
    code, _, err = run(capsys, "new", str(book))  # new refuses too: the shipped tables are not these
    assert code == 2 and book.read_bytes() == before
    code, _, err = run(capsys, "build-workbook", str(book), "--force")
    assert code == 0, err
    assert len(read_book_tables(book).model.indicators) == 23
    code, _, err = run(capsys, "build-workbook", str(book))  # the same tables: rebuilding is harmless
    assert code == 0, err


def test_build_workbook_refuses_a_file_it_cannot_read(capsys, tmp_path):
    book = tmp_path / "book.xlsm"
    book.write_bytes(b"not a workbook")
    code, _, err = run(capsys, "build-workbook", str(book))
    assert code == 2 and "anji-xl import" in err and book.read_bytes() == b"not a workbook"


def test_new_keeps_an_existing_books_settings_and_makes_no_folders(capsys, tmp_path):
    """The same indicators and data but other Settings: still the user's work, so refused; a
    mistyped folder is a problem, not a new folder."""
    book = tmp_path / "own.xlsm"
    args = ("--indicators", str(four.INDICATORS), "--data", str(four.DATA))
    target = tmp_path / "target.csv"
    target.write_text("key,value\ntarget_period,2027\n", encoding="utf-8")
    code, _, err = run(capsys, "new", str(book), *args, "--settings", str(target))
    assert code == 0, err
    assert package.replaced == [book]  # what an interrupt before main returns would name as written
    code, _, err = run(capsys, "new", str(book), *args, "--settings", str(target))
    assert code == 0, err  # the same tables again: nothing is lost
    assert read_book_tables(book).model.settings.target_period == 2027
    before = book.read_bytes()
    code, _, err = run(capsys, "new", str(book), *args)  # would put target_period back to its default
    assert code == 2 and "Settings" in err and "--force" in err and book.read_bytes() == before
    missing = tmp_path / "no such folder" / "book.xlsm"
    code, _, err = run(capsys, "new", str(missing), *args)
    assert code == 2 and err.startswith(f"{missing.parent}: 文件夹不存在") and not missing.parent.exists()
