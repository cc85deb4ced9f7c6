"""``anji-xl recalc``: Results as the button writes them, and no harm to any other part."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import libreoffice
from anji_xl.cli import main
from anji_xl.defaults import SHIPPED_BOOK
from anji_xl.book.recalc import results_part, sheet_part, without_cached_results
from anji_xl.book.results import GAINS_AT, SUMMARY_AT, VALIDATION_OK, VALIDATION_AT
from book_parts import fingerprint

SCORES_XML, RESULTS_XML = "xl/worksheets/sheet5.xml", "xl/worksheets/sheet6.xml"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def book(tmp_path: Path) -> Path:
    copy = tmp_path / "AnjiIndex.xlsm"
    shutil.copy(SHIPPED_BOOK, copy)
    return copy


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def without_rows(sheet_xml: bytes) -> str:
    text = sheet_xml.decode()
    return re.sub(r'<dimension ref="[^"]*"/>', "", re.sub(r"<sheetData>.*</sheetData>", "", text, flags=re.S))


def test_results_part_is_found_from_the_workbook_relationships(book):
    with zipfile.ZipFile(book) as package:
        assert results_part(package) == RESULTS_XML


def test_the_sheets_recalc_writes_are_found_whatever_the_case_of_their_titles(capsys, book, tmp_path):
    """Excel's sheet names ignore case (its buttons write to a sheet titled results): recalc
    writes the same parts of a book whose Results, Scores, Dashboard and Guide are so titled."""
    retitled = tmp_path / "retitled.xlsm"
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(retitled, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/workbook.xml":
                content = re.sub(rb'(<sheet name=")(Results|Scores|Dashboard|Guide)"', lambda m: m[1] + m[2].lower() + b'"', content)
            out.writestr(info, content)
    assert run(capsys, "recalc", book)[0] == 0
    assert run(capsys, "recalc", retitled)[0] == 0
    stamp = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
    once, again = entries(book), entries(retitled)
    assert [name for name in once if stamp.sub(b"", once[name]) != stamp.sub(b"", again[name])] == ["xl/workbook.xml"]


def test_recalc_writes_what_compute_prints_and_keeps_every_other_part(capsys, book):
    before = entries(book)
    code, out, _ = run(capsys, "recalc", book)
    assert code == 0 and "3 rows" in out
    after = entries(book)
    assert after.keys() == before.keys()
    changed = [name for name in before if before[name] != after[name]]
    with zipfile.ZipFile(book) as package:
        shown = {sheet_part(package, "Dashboard"), sheet_part(package, "Guide")}  # formulas that read Results
    for name in shown:  # they lose only their cached results, which every program then computes
        assert after[name].decode() == without_cached_results(before[name].decode()) and b"<f" in after[name]
    assert RESULTS_XML in changed and set(changed) <= {SCORES_XML, RESULTS_XML, *shown}  # VBA, charts, styles, other sheets: byte for byte
    assert without_rows(before[RESULTS_XML]) == without_rows(after[RESULTS_XML])  # columns, formats, panes
    assert without_rows(before[SCORES_XML]) == without_rows(after[SCORES_XML])
    _, out, _ = run(capsys, "compute", book, "--json")
    expected = json.loads(out)["results"]
    sheet = openpyxl.load_workbook(book, data_only=True)["Results"]
    header_row = SUMMARY_AT[0] + 1
    header = [c.value for c in sheet[header_row]][:16]
    for k, entry in enumerate(expected):
        row = [c.value for c in sheet[header_row + 1 + k]][:16]
        assert row[0] == entry["unit"] and str(row[1]) == entry["period"]
        assert row[2] == entry["index"] and row[3] == 1
        dims = list(entry["dimensions"])
        assert row[4:10] == [entry["dimensions"][d] for d in dims] and header[4] == f"{dims[0]} 得分率"
        assert row[10:16] == [entry["contributions"][d] for d in dims]
    gains_key = sheet.cell(GAINS_AT[0] + 2, GAINS_AT[1] + 1).value
    assert gains_key == "安吉县|2018|1"
    assert sheet.cell(VALIDATION_AT[0] + 2, VALIDATION_AT[1] + 2).value == VALIDATION_OK


def test_recalc_twice_equals_once_apart_from_the_timestamp(capsys, book, tmp_path):
    assert run(capsys, "recalc", book)[0] == 0
    once = fingerprint(book)
    assert run(capsys, "recalc", book)[0] == 0
    twice = fingerprint(book)
    stamp_once, stamp_twice = once["Results"]["cells"].pop("B2"), twice["Results"]["cells"].pop("B2")
    assert stamp_once[0] <= stamp_twice[0]  # ISO timestamps
    assert once == twice


def test_recalc_writes_scores_exactly_as_the_builder_does(capsys, book):
    """Scores is rewritten by recalc from the same sheet module: for the shipped data every cell,
    formula, cached value and number format comes out as the builder wrote it."""
    before = fingerprint(book)["Scores"]
    assert run(capsys, "recalc", book)[0] == 0
    assert fingerprint(book)["Scores"] == before


def test_recalc_writes_results_exactly_as_the_builder_does(capsys, book):
    """The builder has Results written by recalc's own writer: a recalculated book's Results is the
    built one but for the time stamp, every cell, value and number format (the stamp's count of
    rows in the summary's number format, an empty cell written as an empty text, differed)."""
    before = fingerprint(book)["Results"]
    assert run(capsys, "recalc", book)[0] == 0
    after = fingerprint(book)["Results"]
    assert before["cells"].pop("B2")[0] == "anji-xl build-workbook" and after["cells"].pop("B2")[0] != "anji-xl build-workbook"
    assert after == before


def test_recalc_keeps_vba_buttons_charts_tables_names(capsys, book):
    before = fingerprint(book)
    assert run(capsys, "recalc", book)[0] == 0
    after = fingerprint(book)
    for part in ("vba", "buttons", "names", "sheets"):
        assert before[part] == after[part]
    for sheet in ("Guide", "Indicators", "Data", "Settings", "Scores", "Dashboard", "xlwings.conf"):
        if sheet in ("Guide", "Dashboard"):  # their formulas lose their cached results (computed on opening)
            for where, (formula, cached, number_format) in before[sheet]["cells"].items():
                if str(formula).startswith("="):
                    before[sheet]["cells"][where] = (formula, None, number_format)
        assert before[sheet] == after[sheet]  # cells with formulas and cached values, tables, validation, charts
    assert before["Results"]["conditional"] == after["Results"]["conditional"]


def test_recalculated_book_opens_in_libreoffice(capsys, book, tmp_path):
    assert run(capsys, "recalc", book)[0] == 0
    converted = libreoffice.convert(book, tmp_path)
    values = openpyxl.load_workbook(converted, data_only=True)
    _, out, _ = run(capsys, "compute", book, "--json")
    last = json.loads(out)["results"][-1]
    assert values["Results"].cell(SUMMARY_AT[0] + 4, 3).value == pytest.approx(last["index"], abs=1e-12)
    assert values["Dashboard"]["C5"].value == pytest.approx(last["index"], abs=1e-12)  # the Dashboard follows Results


def test_recalc_of_a_grown_book_writes_every_row(capsys, book, tmp_path):
    # a second county with three years: Results gains rows the sheet never had
    wb = openpyxl.load_workbook(book, keep_vba=True)
    data = wb["Data"]
    for r in range(2, 5):
        row = [c.value for c in data[r]]
        data.append(["德清县", row[1], *[v * 0.9 if isinstance(v, float) else v for v in row[2:-1]], "illustrative"])
    table = data.tables["tblData"]
    table.ref = f"{table.ref.split(':')[0]}:{table.ref.split(':')[1].rstrip('0123456789')}{data.max_row}"
    wb.save(book)
    assert run(capsys, "recalc", book)[0] == 0
    _, out, _ = run(capsys, "compute", book, "--json")
    expected = json.loads(out)["results"]
    assert len(expected) == 6
    sheet = openpyxl.load_workbook(book, data_only=True)["Results"]
    for k, entry in enumerate(expected):
        row = [c.value for c in sheet[SUMMARY_AT[0] + 2 + k]]
        assert (row[0], str(row[1]), row[2]) == (entry["unit"], entry["period"], entry["index"])
    recalculated = openpyxl.load_workbook(libreoffice.convert(book, tmp_path), data_only=True)["Results"]
    assert recalculated.cell(SUMMARY_AT[0] + 7, 3).value == pytest.approx(expected[-1]["index"], abs=1e-12)


def test_backup(capsys, book):
    original = book.read_bytes()
    assert run(capsys, "recalc", book, "--backup")[0] == 0
    assert book.with_name("AnjiIndex.backup.xlsm").read_bytes() == original


def _edited(book: Path, sheet: str, cell: str, value) -> Path:
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb[sheet][cell] = value
    wb.save(book)
    return book


def test_bad_input_exits_2_and_leaves_the_file_alone(capsys, book):
    _edited(book, "Data", "C3", "abc")
    original = book.read_bytes()
    listing = sorted(os.listdir(book.parent))
    code, out, err = run(capsys, "recalc", book)
    assert code == 2 and out == "" and "Data!C3: 'abc' 不是数字 · 'abc' is not a number" in err
    assert book.read_bytes() == original and sorted(os.listdir(book.parent)) == listing


def test_read_only_and_open_books_are_refused_untouched(capsys, book):
    original = book.read_bytes()
    book.chmod(0o444)
    try:
        code, _, err = run(capsys, "recalc", book)
        assert code == 2 and "read-only" in err and book.read_bytes() == original
    finally:
        book.chmod(0o644)
    lock = book.with_name(f"~${book.name}")
    lock.write_bytes(b"excel owner file")
    code, _, err = run(capsys, "recalc", book)
    assert code == 2 and "open in Excel" in err and book.read_bytes() == original


def _damaged(data: bytes, cut: int, flip: int) -> bytes:
    cut = cut % (len(data) + 1)
    damaged = bytearray(data[:cut] if cut > 100 else data)
    if damaged and flip:
        damaged[flip % len(damaged)] ^= 0xFF
    return bytes(damaged)


@settings(max_examples=int(os.environ.get("ANJI_FUZZ_EXAMPLES", "40")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 60000), flip=st.integers(0, 60000), command=st.sampled_from(["recalc", "compute", "validate"]))
def test_damaged_books_never_crash_and_are_never_half_written(capsys, tmp_path, cut, flip, command):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    target = folder / "book.xlsm"
    target.write_bytes(_damaged(SHIPPED_BOOK.read_bytes(), cut, flip))
    before = target.read_bytes()
    code, _, err = run(capsys, command, target)
    assert code in (0, 2), err
    assert "Traceback" not in err
    assert os.listdir(folder) == ["book.xlsm"]  # no temporary file left behind
    if code == 2 or command != "recalc":
        assert target.read_bytes() == before


@pytest.mark.parametrize("part", ["xl/vbaProject.bin", "docProps/app.xml", "xl/charts/chart1.xml"])
def test_a_damaged_part_recalc_copies_is_refused_and_nothing_is_written(capsys, tmp_path, part):
    """Every part recalc copies unchanged is inflated once for its CRC-32 (on the writer's
    threads, while the sheets are made), so a damaged one is told, even one no reader needs."""
    data = bytearray(SHIPPED_BOOK.read_bytes())
    with zipfile.ZipFile(SHIPPED_BOOK) as package:
        info = package.getinfo(part)
    header = data[info.header_offset:info.header_offset + 30]
    start = info.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    data[start + info.compress_size // 2] ^= 0x55
    book = tmp_path / "book.xlsm"
    book.write_bytes(bytes(data))
    code, _, err = run(capsys, "recalc", book)
    assert code == 2 and "文件已损坏（" in err and "the package is damaged" in err and "Traceback" not in err, err  # copied, or a chart patched
    assert book.read_bytes() == bytes(data) and os.listdir(tmp_path) == ["book.xlsm"]


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x05\x06" + b"\x00" * 18])
def test_garbage_files(capsys, tmp_path, content):
    target = tmp_path / "garbage.xlsm"
    target.write_bytes(content)
    code, _, err = run(capsys, "recalc", target)
    assert code == 2 and "Traceback" not in err and target.read_bytes() == content


cell_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8), st.sampled_from(["正向", "逆向", "ratio", "growth", "#N/A", "log", "1e999", " ", "低碳生产"]),
    st.datetimes(min_value=__import__("datetime").datetime(1990, 1, 1), max_value=__import__("datetime").datetime(2030, 1, 1)),
)


@settings(max_examples=int(os.environ.get("ANJI_FUZZ_EXAMPLES", "40")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_workbooks_never_crash(capsys, tmp_path, data):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    target = folder / "random.xlsx"
    book = openpyxl.Workbook()
    book.remove(book.active)
    headers = {"Indicators": ["id", "dimension", "direction", "method", "reference", "weight", "lower", "upper", "transform"],
               "Data": ["unit", "period", "a", "b"], "Settings": ["key", "value"]}
    for name, header in headers.items():
        if data.draw(st.booleans()) or name != "Settings":
            ws = book.create_sheet(name)
            ws.append(data.draw(st.permutations(header)) if data.draw(st.booleans()) else header)
            for _ in range(data.draw(st.integers(0, 4))):
                ws.append(data.draw(st.lists(cell_values, min_size=len(header), max_size=len(header))))
    book.save(target)
    for command in ("compute", "validate", "sensitivity"):
        code, _, err = run(capsys, command, target, *(["--draws", "5"] if command == "sensitivity" else []))
        assert code in (0, 2), err
        assert "Traceback" not in err
    assert os.listdir(folder) == ["random.xlsx"]


def test_recalc_asks_excel_for_a_full_calculation_when_a_saved_book_does_not(capsys, book, tmp_path):
    # Excel may save a book without fullCalcOnLoad; the Dashboard reads Results, so recalc sets it
    rebuilt = tmp_path / "saved.xlsm"
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(rebuilt, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b' fullCalcOnLoad="1"', b"")
            target.writestr(info, data)
    assert run(capsys, "recalc", rebuilt)[0] == 0
    with zipfile.ZipFile(rebuilt) as package:
        workbook = package.read("xl/workbook.xml").decode()
    assert '<calcPr calcId="124519" fullCalcOnLoad="1"/>' in workbook or '<calcPr fullCalcOnLoad="1" calcId="124519"/>' in workbook
