"""``anji-xl report`` and the 生成报告 button (issue 13), proven on real books in temporary folders.

Reports are read back with python-docx, an independent reader: headings in order, one radar, trend
and gains chart per unit section, and every number in every table against ``anji-xl compute
--json`` and ``anji-xl forecast --json`` (or, for a book of this file's own, against numbers
computed by hand below). A chart drawn with a glyph missing fails (matplotlib's "Glyph … missing"
warning is an error here).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw
from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from anji_xl import xlwings_macros
from anji_xl.book import package
from anji_xl.cli import main
from anji_xl.defaults import SHIPPED_BOOK
from anji_xl.engine import compute
from anji_xl.io.read_book import read_book, read_book_tables
from anji_xl.report import charts, document, template
from anji_xl.report.content import gather
from anji_xl.report.source import read_report_book
from conftest import write_book
from libreoffice import soffice
from xlwings_fake import Book

pytestmark = pytest.mark.filterwarnings("error:Glyph")

SECTION_HEADINGS = ["1. 总指数", "2. 领域得分", "3. 趋势", "4. 指标明细", "5. 短板", "6. 达标预测", "7. 数据说明"]
APPENDIX_HEADINGS = ["附录　方法说明", "（一）计算方法", "（二）指标体系、参考值与权重", "（三）参考值来源", "（四）计算设置", "（五）数据来源与版本"]
HALF = 0.5e-4 + 1e-12  # a number shown with four decimals is within this of the engine's


def run(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


class Report:
    """A report read back: headings, the tables by the caption above each, pictures per unit."""

    def __init__(self, path: Path):
        self.document = Document(str(path))
        self.blocks = list(self.document.iter_inner_content())
        self.tables: dict[str, list[list[str]]] = {}
        caption = ""
        for block in self.blocks:
            if isinstance(block, Paragraph) and block.style.name == "Caption":
                caption = block.text
            elif isinstance(block, Table):
                self.tables[caption] = [[cell.text for cell in row.cells] for row in block.rows]
        self.text = "\n".join(b.text for b in self.blocks if isinstance(b, Paragraph))

    def headings(self) -> list[str]:
        return [b.text for b in self.blocks if isinstance(b, Paragraph) and b.style.name.startswith("Heading")]

    def table(self, caption_start: str) -> list[list[str]]:
        (found,) = [rows for caption, rows in self.tables.items() if caption.startswith(caption_start)]
        return found

    def pictures_by_unit(self) -> dict[str, list[str]]:
        """Unit heading → the names of the pictures in its section, in order."""
        found: dict[str, list[str]] = {}
        part = unit = None
        for block in self.blocks:
            if isinstance(block, Paragraph) and block.style.name == "Heading 1":
                part, unit = block.text, None
            elif isinstance(block, Paragraph) and block.style.name == "Heading 2" and part == "二、分单位评价":
                unit = block.text
            if unit and isinstance(block, Paragraph):
                names = [e.get("name") for e in block._p.iter(qn("pic:cNvPr"))]
                found.setdefault(unit, []).extend(names)
        return found


def number(text: str) -> float | None:
    """A shown number as a float: 0.8517, +0.0123, 3.00% (→ 0.03), — (→ None)."""
    text = text.strip().removeprefix("年增速").strip()
    if text == "—":
        return None
    return float(text.rstrip("%")) / 100 if text.endswith("%") else float(text)


def shows(text: str, value: float | None, digits: int = 4) -> bool:
    """The text shows ``value`` rounded to ``digits`` decimals (— for no value)."""
    shown = number(text)
    if value is None or shown is None:
        return shown is value is None
    return abs(shown - value) <= 0.5 * 10 ** -digits + 1e-12


@pytest.fixture(scope="module")
def shipped_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("shipped") / "report.docx"
    assert main(["report", str(SHIPPED_BOOK), "-o", str(out)]) == 0
    return out


def test_the_notes_beside_datas_numbers_are_read_as_openpyxl_reads_them(tmp_path):
    """Data's source and note cells reach the report as openpyxl reads them, from the reader's own
    read of Data (no second pass over the book: 0.8 s of a 30,000-row book's report): texts
    trimmed, a whole number without ".0", a date, an error value as its text, blank and empty
    cells left out. The report button, whose numbers come from Excel as floats, says the same."""
    indicators = [["E1", "低碳生产", "能耗", "逆向", "ratio", 0.5, 1.0]]
    data = [["甲县", 2019, 0.6, " 统计年鉴 2020 ", None], ["甲县", 2020, 0.5, 2021, dt.datetime(2021, 3, 1)],
            ["乙县", 2020, 0.4, None, "  "], ["乙县", 2019, 0.7, "#N/A", "估计值"]]
    book = write_book(tmp_path / "notes.xlsx", indicators, data, data_header=["unit 单位", "period 时期", "E1", "source 来源", "note 备注"])
    notes = read_report_book(book).row_notes
    assert notes == {("甲县", "2019"): "统计年鉴 2020", ("甲县", "2020"): "2021; 2021-03-01 00:00:00", ("乙县", "2019"): "#N/A; 估计值"}
    workbook = openpyxl.load_workbook(book, read_only=True, data_only=True)
    rows = [list(row) for row in workbook["Data"].iter_rows(min_row=2, values_only=True)]
    workbook.close()
    texts = {(unit, str(period)): [str(v).strip() for v in cells[1:] if v is not None and str(v).strip()] for unit, period, *cells in rows}
    assert notes == {key: "; ".join(found) for key, found in texts.items() if found}
    fake = Book(book)
    assert xlwings_macros._computed(fake, row_notes=True)[0].data.notes == notes
    assert read_book_tables(book).data.notes == {}  # kept only when asked for: compute has no use for them


def test_template_is_built_from_its_source():
    assert template.template_bytes() == document.TEMPLATE.read_bytes(), "run: python -m anji_xl.report.template"


def test_shipped_report_has_the_source_reports_order_and_three_charts_per_unit(shipped_report):
    report = Report(shipped_report)
    assert report.headings() == ["一、总体情况", "二、分单位评价", "（一）安吉县", *SECTION_HEADINGS, *APPENDIX_HEADINGS]
    assert report.pictures_by_unit() == {"（一）安吉县": ["radar_1.png", "trend_1.png", "gains_1.png"]}
    assert "{{" not in report.text and "{%" not in report.text  # every tag was filled
    assert report.blocks[0].text == "2020 年度安吉指数评价报告" and report.table("表 2.1.2")[0][1] == "安吉指数"  # the shipped Settings' name


def test_a_units_warnings_are_in_its_section_with_their_cells():
    """The engine's warnings of a unit's rows (``Data!D2, Data!K2: 安吉县 2018：…``) go to that
    unit's section, not to the notes of the whole report."""
    content = gather(read_report_book(SHIPPED_BOOK))
    missing = [w for w in compute(*read_book(SHIPPED_BOOK)).warnings if "安吉县 2018：缺失的" in w]
    assert len(missing) == 1 and missing[0].startswith("Data!D2, Data!K2: ")
    assert content.overview.notes == [] and content.units[0].notes[0] == missing[0].split(" · ")[0]


def _json(capsys, *argv) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_every_number_of_a_two_unit_report_is_the_engines(capsys, tmp_path, anji_like_book):
    out = tmp_path / "r.docx"
    assert run(capsys, "report", anji_like_book, "-o", out)[0] == 0
    assert package.replaced == [out]  # what an interrupt before main returns would name as written
    report = Report(out)
    computed = {(r["unit"], r["period"]): r for r in _json(capsys, "compute", anji_like_book)["results"]}
    outlook = {r["unit"]: r for r in _json(capsys, "forecast", anji_like_book)["results"]}
    model, panel = read_book(anji_like_book)
    result = compute(model, panel)  # for what the JSON does not carry: the weights each row used
    dims = ["低碳生产", "绿色设施"]

    overview = report.table("表 1")
    assert overview[0] == ["排名", "单位", "综合指数", "较 2019 年", *dims]  # its Settings do not name the index
    assert [row[1] for row in overview[1:]] == ["甲县", "乙县"]  # by rank: 1.0000 > 0.4592
    for row in overview[1:]:
        now, before = computed[(row[1], "2020")], computed[(row[1], "2019")]
        assert int(row[0]) == result.rank[(row[1], "2020")]
        assert shows(row[2], now["index"]) and shows(row[3], now["index"] - before["index"])
        assert all(shows(text, now["dimensions"][d]) for text, d in zip(row[4:], dims))

    assert report.headings()[2:4] == ["（一）甲县", "1. 总指数"]
    for k, unit in enumerate(["甲县", "乙县"], start=1):
        now = computed[(unit, "2020")]
        dim_rows = report.table(f"表 2.{k}.1")[1:]
        for (name, weight, score, contribution, full), d in zip(dim_rows, dims):
            assert name == d and shows(score, now["dimensions"][d]) and shows(contribution, now["contributions"][d])
            assert shows(weight, result.dimension_weights.at[(unit, "2020"), d], 3) and full == "1.0000"
        periods = [p for u, p in computed if u == unit]
        trend = report.table(f"表 2.{k}.2")[1:]
        assert [row[0] for row in trend] == periods
        for row in trend:
            entry = computed[(unit, row[0])]
            assert shows(row[1], entry["index"]) and all(shows(t, entry["dimensions"][d]) for t, d in zip(row[2:], dims))
        detail = report.table(f"表 2.{k}.3")[1:]
        assert [row[0] for row in detail] == ["E1", "E2", "G1"]
        by_dimension = {d: 0.0 for d in dims}
        for ident, _, value, _, _, _, score, weight, contribution, full in detail:
            x, w = now["scores"][ident], result.weights.at[(unit, "2020"), ident]
            assert shows(score, x) and shows(weight, w, 3) and shows(contribution, w * x)
            assert shows(value, panel.values.at[(unit, "2020"), ident], 3)
            assert (full == "是") == (x == 1.0)
            by_dimension[model.indicators.at[ident, "dimension"]] += number(contribution)
        assert all(abs(by_dimension[d] - now["contributions"][d]) <= 3 * HALF for d in dims)
        expected = sorted(((result.weights.at[(unit, "2020"), i] * (1 - now["scores"][i]), i) for i in now["scores"]), key=lambda g: -g[0])
        expected = [(g, i) for g, i in expected if g > 0]
        gains = report.table(f"表 2.{k}.4")[1:] if expected else []
        assert bool(expected) != (f"{unit}所有指标均已达到参考值，没有短板" in report.text)
        assert [row[1].split()[0] for row in gains] == [i for _, i in expected]
        assert all(shows(row[5], g) for row, (g, _) in zip(gains, expected))
        forecast_rows = report.table(f"表 2.{k}.5")[1:]
        predicted = outlook[unit]
        assert f"预测综合指数为 {predicted['index_forecast']:.4f}" in report.text
        assert {row[1].split()[0] for row in forecast_rows} == {"E1", "E2", "G1"}
        for status, indicator, year, latest, growth, value, score, required, reached in forecast_rows:
            f = predicted["indicators"][indicator.split()[0]]
            assert shows(latest, f["latest"], 3) and shows(growth, f["trend_growth"]) and shows(score, f["score_forecast"])
            assert shows(required, f["required_growth"]) and reached == (f["period_reached"] or "—") and year == predicted["latest_period"]
            assert value == "—" or shows(value, f["forecast"], 3)
            assert {"已达标": f["on_track"] is not False and f["period_reached"] == year, "按趋势可达标": f["on_track"] is True,
                    "按趋势难达标": f["on_track"] is False, "无法预测": f["on_track"] is None}[status]


def test_a_held_back_book_gives_the_numbers_computed_by_hand(capsys, tmp_path):
    # Ratio indicators only, weights 0.4 / 0.2 / 0.4, references 100, 0.5 (negative), 0.8.
    #   甲县 2020: X = min(1, 120/100) = 1, 0.5/0.625 = 0.8, 0.6/0.8 = 0.75 → Y = 0.4 + 0.16 + 0.3 = 0.86
    #   甲县 2019: 0.8, 1, 0.5 → 0.72; 乙县 2020: 0.5, 0.5, 1 → 0.70; 乙县 2019: 0.4, 0.5, 0.5 → 0.46
    #   维度甲 (A1, A2; W = 0.6), 甲县 2020: D = 0.56 / 0.6 = 0.9333, C = 0.56; 维度乙: D = C / 0.4 = 0.75, C = 0.30
    #   短板 甲县 2020: B1 0.4 × 0.25 = 0.10, A2 0.2 × 0.2 = 0.04; 乙县: A1 0.4 × 0.5 = 0.20, A2 0.2 × 0.5 = 0.10
    #   达标预测 to 2025 from 2019 → 2020: 甲县 A1 g = 0.5, reached in 2020; A2 g = 0.25 away from 0.5: off track,
    #   v̂ = 0.625 × 1.25^5 = 1.907349, score 0.5 / v̂ = 0.262144, required (0.5/0.625)^(1/5) − 1 = −4.36%;
    #   B1 g = 0.5, 0.6 × 1.5 = 0.9 ≥ 0.8 in 2021. Forecast index 0.4 + 0.2 × 0.262144 + 0.4 = 0.852429.
    #   乙县 A1 g = 0.25, 50 × 1.25^4 = 122 ≥ 100 in 2024; A2 g = 0: off track, required (0.5/1)^(1/5) − 1 = −12.94%;
    #   B1 0.8 reached in 2020. Forecast index 0.4 + 0.2 × 0.5 + 0.4 = 0.9.
    indicators = [["A1", "维度甲", "绿色产品产值", "正向", "ratio", 100, 0.4], ["A2", "维度甲", "单位产值能耗", "逆向", "ratio", 0.5, 0.2],
                  ["B1", "维度乙", "R&D经费投入强度", "正向", "ratio", 0.8, 0.4]]
    data = [["甲县", 2019, 80, 0.5, 0.4], ["甲县", 2020, 120, 0.625, 0.6], ["乙县", 2019, 40, 1.0, 0.4], ["乙县", 2020, 50, 1.0, 0.8]]
    book = write_book(tmp_path / "held_back.xlsx", indicators, data, [["name", "乡镇发展指数"]])
    out = tmp_path / "held_back.docx"
    code, _, err = run(capsys, "report", book, "-o", out)
    assert code == 0, err
    report = Report(out)
    assert report.table("表 1")[1:] == [["1", "甲县", "0.8600", "+0.1400", "0.9333", "0.7500"],
                                        ["2", "乙县", "0.7000", "+0.2400", "0.5000", "1.0000"]]
    assert report.table("表 2.1.1")[1:] == [["维度甲", "0.600", "0.9333", "0.5600", "1.0000"], ["维度乙", "0.400", "0.7500", "0.3000", "1.0000"]]
    assert "甲县 2020 年乡镇发展指数为 0.8600，在 2 个单位中排名第 1。较 2019 年上升 0.1400。" in report.text
    # the index is called what the book's Settings name it, in the title, the header, every sentence and table
    assert report.blocks[0].text == "2020 年度乡镇发展指数评价报告" and report.table("表 1")[0][2] == "乡镇发展指数"
    assert report.document.sections[0].header.paragraphs[0].text.startswith("乡镇发展指数评价报告")
    assert report.text.count("安吉指数") == 1  # only the title of the source report the method comes from
    assert [row[1] for row in report.table("表 2.1.3")[1:]] == ["绿色产品产值", "单位产值能耗", "R&D经费投入强度"]  # autoescape keeps the &
    assert [(row[1], row[4], row[5]) for row in report.table("表 2.1.4")[1:]] == [
        ("B1 R&D经费投入强度", "≥ 0.8", "+0.1000"), ("A2 单位产值能耗", "≤ 0.5", "+0.0400")]
    assert [(row[1], row[5]) for row in report.table("表 2.2.4")[1:]] == [("A1 绿色产品产值", "+0.2000"), ("A2 单位产值能耗", "+0.1000")]
    assert "2025 年的预测乡镇发展指数为 0.8524" in report.text and "2025 年的预测乡镇发展指数为 0.9000" in report.text
    first = {row[1].split()[0]: (row[0], row[5], row[6], row[7], row[8]) for row in report.table("表 2.1.5")[1:]}
    assert first == {"A1": ("已达标", "911.25", "1.0000", "-3.58%", "2020"), "B1": ("按趋势可达标", "4.55625", "1.0000", "+5.92%", "2021"),
                     "A2": ("按趋势难达标", "1.90735", "0.2621", "-4.36%", "—")}
    second = {row[1].split()[0]: (row[0], row[7], row[8]) for row in report.table("表 2.2.5")[1:]}
    assert second == {"B1": ("已达标", "+0.00%", "2020"), "A1": ("按趋势可达标", "+14.87%", "2024"), "A2": ("按趋势难达标", "-12.94%", "—")}


def test_a_book_compute_rejects_gives_the_same_problems_and_exit_and_no_file(capsys, tmp_path):
    indicators = [["A1", "甲", "a", "正向", "ratio", 1, 0.5], ["A2", "甲", "b", "正向", "ratio", 1, 0.5]]
    book = write_book(tmp_path / "bad.xlsx", indicators, [["甲县", 2020, "abc", 0.5], ["乙县", 2020, -1, 0.5]])
    compute_code, _, compute_err = run(capsys, "compute", book)
    out = tmp_path / "bad.docx"
    code, _, err = run(capsys, "report", book, "-o", out)
    assert (code, err) == (compute_code, compute_err) == (2, compute_err)
    assert "Data!C2" in err and "Data!C3" in err
    assert not out.exists() and list(tmp_path.iterdir()) == [book]


def test_an_output_that_cannot_be_written_is_exit_2_and_an_old_report_stays_whole(capsys, tmp_path, anji_like_book):
    out = tmp_path / "r.docx"
    assert run(capsys, "report", anji_like_book, "-o", out)[0] == 0
    before = out.read_bytes()
    code, _, err = run(capsys, "report", anji_like_book, "-o", tmp_path / "missing" / "r.docx")
    assert code == 2 and "文件夹不存在" in err and not (tmp_path / "missing").exists()
    (tmp_path / "folder.docx").mkdir()
    code, _, err = run(capsys, "report", anji_like_book, "-o", tmp_path / "folder.docx")
    assert code == 2 and "文件夹" in err
    lock = tmp_path / "~$r.docx"  # Word's owner file while r.docx is open
    lock.write_bytes(b"")
    code, _, err = run(capsys, "report", anji_like_book, "-o", out)
    assert code == 2 and "~$r.docx" in err and out.read_bytes() == before
    lock.unlink()
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a docx")
    code, _, err = run(capsys, "report", anji_like_book, "-o", out, "--template", broken)
    assert code == 2 and str(broken) in err and out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anji_like.xlsx", "broken.docx", "folder.docx", "r.docx"]  # no temporary file
    assert run(capsys, "report", anji_like_book, "-o", out, "--period", "2019")[0] == 0
    assert out.read_bytes() != before and "2019 年共评价 2 个单位" in Report(out).text


def test_the_default_report_goes_beside_the_book(capsys, tmp_path):
    book = tmp_path / "安吉.xlsm"
    shutil.copy(SHIPPED_BOOK, book)
    code, out, _ = run(capsys, "report", book)
    assert code == 0 and (tmp_path / "安吉_2020_评价报告.docx").is_file()
    assert "安吉_2020_评价报告.docx" in out


def test_an_edited_template_changes_the_wording_and_keeps_the_numbers(capsys, tmp_path, anji_like_book):
    edited = tmp_path / "edited.docx"
    with zipfile.ZipFile(document.TEMPLATE) as source, zipfile.ZipFile(edited, "w") as target:
        for item in source.infolist():
            part = source.read(item)
            if item.filename == "word/document.xml":
                part = part.decode().replace("一、总体情况", "一、全县总体情况").encode()
            target.writestr(item, part)
    out = tmp_path / "r.docx"
    assert run(capsys, "report", anji_like_book, "-o", out, "--template", edited)[0] == 0
    report = Report(out)
    assert report.headings()[0] == "一、全县总体情况"
    assert report.table("表 1")[1][2] == Report(_plain_report(capsys, tmp_path, anji_like_book)).table("表 1")[1][2]


def _plain_report(capsys, tmp_path: Path, book: Path) -> Path:
    out = tmp_path / "plain.docx"
    assert run(capsys, "report", book, "-o", out)[0] == 0
    return out


def test_quarters_pooled_methods_and_goalposts_report_what_has_no_forecast(capsys, tmp_path):
    header = ["id 编号", "dimension 维度", "name 名称", "direction 方向", "method 方法", "reference 参考值", "weight 权重", "lower 下限", "upper 上限"]
    indicators = [["A1", "甲", "指标一", "正向", "ratio", 1, 0.3, None, None], ["A2", "甲", "指标二", "正向", "zscore", None, 0.3, None, None],
                  ["B1", "乙", "指标三", "逆向", "goalpost", None, 0.4, 0, 10]]
    data = [["甲县", "2020Q1", 0.5, 3, 4], ["甲县", "2020Q2", 0.6, 5, 3], ["乙县", "2020Q1", 0.9, 1, 8], ["乙县", "2020Q2", 0.7, 2, 6]]
    book = write_book(tmp_path / "quarters.xlsx", indicators, data, indicator_header=header)
    out = tmp_path / "quarters.docx"
    code, _, err = run(capsys, "report", book, "-o", out)
    assert code == 0, err
    report = Report(out)
    computed = {(r["unit"], r["period"]): r for r in _json(capsys, "compute", book)["results"]}
    assert [(row[1], row[2]) for row in report.table("表 1")[1:]] == sorted(
        ((u, f"{computed[(u, '2020Q2')]['index']:.4f}") for u in ("甲县", "乙县")), key=lambda r: -float(r[1]))
    assert "甲县无法进行达标预测" in report.text and "不是年份" in report.text  # the reason, at its cells
    assert report.table("表 2.1.3")[2][3] == "—" and report.table("表 2.1.3")[3][3] == "0～10"  # z-scores have no reference


def test_every_style_sets_an_east_asian_font(shipped_report):
    with zipfile.ZipFile(shipped_report) as package:
        styles = package.read("word/styles.xml").decode()
        body = package.read("word/document.xml").decode()
    defaults = re.search(r"<w:rPrDefault>.*?</w:rPrDefault>", styles, re.S).group(0)
    assert 'w:eastAsia="宋体"' in defaults and 'w:eastAsia="zh-CN"' in defaults
    assert styles.count("eastAsiaTheme") == body.count("eastAsiaTheme") == 0  # a theme font would override the name
    report = Document(str(shipped_report))
    used = {p.style.name for p in report.paragraphs} | {p.style.name for t in report.tables for c in t._cells for p in c.paragraphs}
    for name in used:
        style = report.styles[name]
        while style is not None and style.element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}") is None:
            style = style.base_style
        fonts = None if style is None else style.element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        assert fonts is None or fonts.get(qn("w:eastAsia")) in ("宋体", "黑体"), name


def test_many_units_get_an_overview_and_the_way_to_choose(capsys, tmp_path):
    indicators = [["A1", "甲", "a", "正向", "ratio", 1, 1.0]]
    units = [f"第{k}镇" for k in range(1, 14)]
    book = write_book(tmp_path / "towns.xlsx", indicators, [[u, 2020, 0.5 + k / 100] for k, u in enumerate(units)])
    out = tmp_path / "towns.docx"
    assert run(capsys, "report", book, "-o", out)[0] == 0
    report = Report(out)
    assert "二、分单位评价" not in report.headings() and "--unit" in report.text
    assert len(report.table("表 1")) == 14 and report.table("表 1")[1][1] == "第13镇"
    assert any("distribution.png" in p for p in _pictures(out))
    assert run(capsys, "report", book, "-o", out, "--unit", "第2镇", "--unit", "第5镇")[0] == 0
    assert [h for h in Report(out).headings() if h.startswith("（") and "镇" in h] == ["（一）第2镇", "（二）第5镇"]


def _pictures(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as package:
        return re.findall(r'<pic:cNvPr [^>]*name="([^"]+)"', package.read("word/document.xml").decode())


def test_a_font_without_chinese_is_an_error_not_boxes(capsys, tmp_path, anji_like_book):
    from matplotlib import font_manager

    latin = font_manager.findfont("DejaVu Sans")
    code, _, err = run(capsys, "report", anji_like_book, "-o", tmp_path / "r.docx", "--font", latin)
    assert code == 2 and "DejaVu Sans" in err and "--font" in err and not (tmp_path / "r.docx").exists()


def test_no_chinese_font_says_how_to_get_one(capsys, tmp_path, anji_like_book, monkeypatch):
    monkeypatch.setattr(charts, "CJK_FAMILIES", ("No Such Family 9",))
    code, _, err = run(capsys, "report", anji_like_book, "-o", tmp_path / "r.docx")
    assert code == 2 and "fonts-noto-cjk" in err and "fonts-wqy-microhei" in err and "--font" in err


def test_pdf_without_libreoffice_is_a_clear_message_and_nothing_written(capsys, tmp_path, anji_like_book, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run(capsys, "report", anji_like_book, "-o", tmp_path / "r.docx", "--pdf")
    assert code == 2 and "LibreOffice" in err and not (tmp_path / "r.docx").exists()


def test_pdf_embeds_a_chinese_font(capsys, tmp_path):
    soffice()  # skips without LibreOffice, fails in CI
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    out = tmp_path / "report.docx"
    code, _, err = run(capsys, "report", SHIPPED_BOOK, "-o", out, "--pdf")
    assert code == 0, err
    fonts = subprocess.run(["pdffonts", str(out.with_suffix(".pdf"))], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    embedded = [line.split()[0] for line in fonts if line.split()[-5] == "yes"]
    assert any(re.search(r"WenQuanYi|Noto.*CJK|SourceHan|YaHei|SimSun|SimHei|Hei|Song", name) for name in embedded), fonts


def test_the_button_writes_the_report_of_the_open_book_beside_it(tmp_path, monkeypatch):
    path = tmp_path / "book.xlsm"
    shutil.copy(SHIPPED_BOOK, path)
    fake = Book(path)
    fake.fullname = str(path)
    monkeypatch.setattr(xw.Book, "caller", lambda: fake)
    xlwings_macros.report()
    written = tmp_path / "book_2020_评价报告.docx"
    assert written.is_file() and str(written) in fake.alerts[-1] and fake.app.status_bar is False
    cli = tmp_path / "cli.docx"
    assert main(["report", str(path), "-o", str(cli)]) == 0
    assert Report(written).tables == Report(cli).tables


def test_chinese_section_numbers():
    assert [document.cn(n) for n in (1, 9, 10, 11, 12, 20, 35, 99)] == ["一", "九", "十", "十一", "十二", "二十", "三十五", "九十九"]
    assert document.num(None) == "—" and document.value(0.2005, "%") == "20.05%" and document.value(1.5e7) == "15000000"
