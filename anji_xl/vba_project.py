"""Compile the book's VBA sources (``anji_xl/vba/*.bas``) into a ``vbaProject.bin``.

pyOpenVBA writes the project: it is maintained, has no dependencies and starts from the project
Excel itself creates for a first macro (a ``ThisWorkbook`` document module and one per sheet,
named by the sheets' code names), to which our standard modules are added as source. Excel
compiles the source when it first opens the book. ``olevba`` reads every module back verbatim
(tests/test_workbook.py).
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from importlib.resources import files
from pathlib import Path

import xlsxwriter
from pyopenvba import ExcelFile

VBA_FOLDER = files(__package__) / "vba"


def vba_sources() -> dict[str, str]:
    """Module name → source text (CRLF line ends, as VBA stores them) of every ``.bas`` file."""
    sources = {}
    for item in sorted(VBA_FOLDER.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".bas"):
            text = item.read_text(encoding="ascii").replace("\r\n", "\n").replace("\n", "\r\n")
            name = text.split('Attribute VB_Name = "', 1)[1].split('"', 1)[0]
            sources[name] = text
    return sources


def compile_vba_project(sheets: list[tuple[str, str]]) -> bytes:
    """A ``vbaProject.bin`` for a book with ``sheets`` (name, code name) and our modules.

    The document modules must match the code names the final book gives its sheets, so a
    skeleton book with the same sheets and code names is given a project first.
    """
    with tempfile.TemporaryDirectory() as folder:
        skeleton = Path(folder) / "skeleton.xlsx"
        book = xlsxwriter.Workbook(str(skeleton))
        book.set_vba_name("ThisWorkbook")
        for name, code_name in sheets:
            book.add_worksheet(name).set_vba_name(code_name)
        book.close()
        macro_enabled = skeleton.with_suffix(".xlsm")
        shutil.copy(skeleton, macro_enabled)  # pyOpenVBA adds projects to .xlsm files only
        with ExcelFile(macro_enabled) as excel:
            project = excel.add_vba_project()
            for name, source in vba_sources().items():
                project.add_module(name, source)
            excel.save(Path(folder) / "with_vba.xlsm")
        with zipfile.ZipFile(Path(folder) / "with_vba.xlsm") as package:
            return package.read("xl/vbaProject.bin")
