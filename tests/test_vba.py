"""The book's VBA project works on open (issue 8 §1), proven without Excel.

Books are built fresh in a temporary folder by the builder; the committed book is checked too.
What only Excel can show is on the Windows check list in docs/recalc.md.
"""

from __future__ import annotations

import inspect
import io
import re
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openxml_audit import OpenXmlValidator
from pyopenvba import ExcelFile
from pyopenvba.vba import parse_dir_stream

import libreoffice_uno
import xlwings_harness as xl
from anji_xl import vba_project, xlwings_vba
from anji_xl.book import build
from book_parts import buttons, vba_modules

SHIPPED_BOOK = Path(__file__).resolve().parents[1] / "workbook" / "AnjiIndex.xlsm"
QUICKSTART = xlwings_vba.XLWINGS_FOLDER / "quickstart.xlsm"
OUR_MODULES = set(vba_project.vba_sources()) | {"AnjiBuild", "xlwings_udfs"}
PROCEDURE = re.compile(r"^(?:Public )?(?:Function|Sub) (\w+)\(", re.MULTILINE)  # callable from elsewhere


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    """The shipped and the standalone book, built fresh."""
    folder = tmp_path_factory.mktemp("books")
    shipped = build.build_workbook(folder / "AnjiIndex.xlsm")
    if "standalone" in inspect.signature(build.build_workbook).parameters:
        standalone = build.build_workbook(folder / "AnjiIndex_standalone.xlsm", standalone=True)
    else:  # until the builder takes standalone=True: the shipped book with the standalone project
        standalone = folder / "AnjiIndex_standalone.xlsm"
        with zipfile.ZipFile(shipped) as source, zipfile.ZipFile(standalone, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                part = source.read(item)
                if item.filename == "xl/vbaProject.bin":
                    part = vba_project.compile_vba_project(build.SHEETS, standalone=True)
                target.writestr(item, part)
    return {"shipped": shipped, "standalone": standalone}


def public_procedures(source: str) -> set[str]:
    return set(PROCEDURE.findall(source))


def addin_modules() -> dict[str, str]:
    """The installed xlwings add-in's modules, as olevba reads them."""
    return vba_modules(xlwings_vba.ADDIN)


def reference_records(path: Path, name: str) -> list[tuple[int, bytes]]:
    """(id, body) of the dir-stream records declaring the reference ``name``, read record by record."""
    with ExcelFile(path) as book:
        raw = book.vba_project().dir_raw
    records, pos = [], 0
    while pos + 6 <= len(raw):
        rid, size = struct.unpack_from("<HI", raw, pos)
        end = pos + (12 if rid == 0x0009 else 6 + size)  # PROJECTVERSION's Size field is not its size
        records.append((rid, raw[pos + 6:end]))
        pos = end
    start = records.index((0x0016, name.encode("cp1252")))
    return records[start:start + 3]


def project_reference(body: bytes) -> tuple[str, str, tuple[int, int]]:
    """A REFERENCEPROJECT body ([MS-OVBA] 2.3.4.2.2.6): absolute libid, relative libid, version."""
    (size,) = struct.unpack_from("<I", body)
    absolute = body[4:4 + size].decode("cp1252")
    (relative_size,) = struct.unpack_from("<I", body, 4 + size)
    relative = body[8 + size:8 + size + relative_size].decode("cp1252")
    assert len(body) == 8 + size + relative_size + 6
    return absolute, relative, struct.unpack_from("<IH", body, 8 + size + relative_size)


def test_olevba_reads_every_module_back(books):
    sources = {**vba_project.vba_sources(), "AnjiBuild": vba_project.build_module(False),
               "xlwings_udfs": xlwings_vba.udf_wrapper_module()}
    shipped = vba_modules(books["shipped"])
    for name, source in sources.items():
        assert shipped[name].strip() == source.strip(), name
    assert "xlwings" not in shipped and "Dictionary" not in shipped
    standalone = vba_modules(books["standalone"])
    assert OUR_MODULES | {"xlwings", "Dictionary"} <= set(standalone)
    assert standalone["AnjiBuild"].strip() == vba_project.build_module(True).strip()
    assert standalone["xlwings"].strip() == xlwings_vba.standalone_modules()["xlwings"].strip()
    installed_class = xlwings_vba.standalone_modules()["Dictionary"]
    body = installed_class[installed_class.index("Attribute VB_Exposed"):].split("\r\n", 1)[1]
    assert standalone["Dictionary"].strip().endswith(body.strip())  # the stream form of the same class


def test_committed_book_carries_the_reference_and_the_wrappers():
    modules = vba_modules(SHIPPED_BOOK)
    assert OUR_MODULES <= set(modules)
    assert modules["xlwings_udfs"].strip() == xlwings_vba.udf_wrapper_module().strip()
    with ExcelFile(SHIPPED_BOOK) as book:
        assert [r.name for r in book.references() if r.kind == "project"] == ["xlwings"]


def test_wrapper_module_is_xlwings_own_output_for_udfs():
    class Book:
        Name = "AnjiIndex.xlsm"

    generated = io.StringIO()
    xl.xlwings_udfs.generate_vba_wrapper("udfs", xl.udfs, generated, Book())  # udfs.py as the harness imports it
    module = xlwings_vba.udf_wrapper_module()
    assert module == (xlwings_vba.UDF_MODULE_HEADER + generated.getvalue()).replace("\n", "\r\n")
    import_udfs = inspect.getsource(xl.xlwings_udfs.import_udfs)  # the header is what "Import functions" writes
    assert all(line in import_udfs for line in xlwings_vba.UDF_MODULE_HEADER.splitlines())
    assert module.isascii() and module.count("\r\nFunction ANJI_") == len(xl.FUNCTIONS)


def test_every_called_procedure_resolves(books):
    addin = addin_modules()
    addin_procedures = set().union(*(public_procedures(code) for code in addin.values()))
    for kind, path in books.items():
        modules = vba_modules(path)
        ours = set().union(*(public_procedures(code) for code in modules.values()))
        xlwings_project = addin_procedures if kind == "shipped" else public_procedures(modules["xlwings"])
        # the buttons' macros are the book's own
        assert set(buttons(path)["Guide"]) | set(buttons(path)["Dashboard"]) <= ours
        # the wrappers call XLPy, the buttons RunPython and ImportPythonUDFs: in xlwings' project
        called = set(re.findall(r"(\w+)\.CallUDF", modules["xlwings_udfs"]))
        called |= set(re.findall(r'RunXlwings "(\w+)"', modules["AnjiMacros"]))
        assert called == {"XLPy", "RunPython", "ImportPythonUDFs"}
        assert called <= xlwings_project, kind
        # AnjiMacros' build constants are declared in AnjiBuild
        constants = set(re.findall(r"\bANJI_XLWINGS_\w+", modules["AnjiMacros"]))
        assert constants == set(re.findall(r"Public Const (\w+)", modules["AnjiBuild"]))
    assert 'ANJI_XLWINGS_BOOK As String = "xlwings.xlam"' in vba_modules(books["shipped"])["AnjiBuild"]
    assert 'ANJI_XLWINGS_BOOK As String = ""' in vba_modules(books["standalone"])["AnjiBuild"]


def test_reference_to_the_addin_has_the_form_of_xlwings_quickstart(books):
    with ExcelFile(books["shipped"]) as book:
        (ours,) = [r for r in book.references() if r.kind == "project"]  # pyOpenVBA's reader
    with ExcelFile(QUICKSTART) as book:
        (theirs,) = [r for r in book.references() if r.kind == "project"]
    assert ours.name == ours.name_unicode == theirs.name == theirs.name_unicode == "xlwings"
    for libid in (ours.libid, ours.libid_secondary, theirs.libid, theirs.libid_secondary):
        assert libid.startswith("*\\C") and libid.endswith("xlwings.xlam")  # embedded project, Windows path
    ours_records, theirs_records = reference_records(books["shipped"], "xlwings"), reference_records(QUICKSTART, "xlwings")
    assert [rid for rid, _ in ours_records] == [rid for rid, _ in theirs_records] == [0x0016, 0x003E, 0x000E]
    assert ours_records[:2] == theirs_records[:2]
    absolute, relative, version = project_reference(ours_records[2][1])
    project_reference(theirs_records[2][1])  # the same layout parses both
    assert (absolute, relative) == (ours.libid, ours.libid_secondary)
    with ExcelFile(xlwings_vba.ADDIN) as addin:
        info, _ = parse_dir_stream(addin.vba_project().dir_raw)
    assert info.name == "xlwings" and version == (info.version_major, info.version_minor)
    with ExcelFile(books["standalone"]) as book:
        assert not [r for r in book.references() if r.kind == "project"]


def test_libreoffice_runs_every_button_to_the_books_own_message(books, tmp_path):
    macros = [f"AnjiMacros.{m}" for m, _ in build.BUTTONS]
    report = libreoffice_uno.run_macros(books["shipped"], tmp_path, macros)
    assert OUR_MODULES <= set(report["modules"])  # loaded; a module LibreOffice cannot compile stops every call
    book = openpyxl.load_workbook(books["shipped"])
    if "anji_msg_other_app" in book.defined_names:
        sheet, cell = book.defined_names["anji_msg_other_app"].attr_text.replace("$", "").split("!")
        expected = book[sheet.strip("'")][cell].value
    else:  # the Guide does not hold the text yet: the module's fallback
        expected = "xlwings runs only in Microsoft Excel. Use the native (no-Python) columns of Scores, " \
                   "or run anji-xl recalc on a PC with Python."
    for macro in macros:
        assert report[macro] == {"error": None, "message": expected}, macro


@pytest.mark.parametrize("kind", ["shipped", "standalone"])
def test_openxml_audit_finds_no_error(books, kind):
    result = OpenXmlValidator().validate(str(books[kind]))
    assert result.error_count == 0, [str(error) for error in result.errors]


def test_vba_sources_are_ascii_and_messages_live_in_the_book():
    source = vba_project.vba_sources()["AnjiMacros"]
    assert source.isascii()
    names = set(re.findall(r'"(anji_msg_\w+)"', source))
    assert names == {"anji_msg_title", "anji_msg_install", "anji_msg_other_app", "anji_msg_version"}
    assert "Application.Run target" in source and "On Error GoTo Failed" in source
    assert "XLPy" not in source and "RunPython \"" not in source  # late-bound: compiles without the add-in
