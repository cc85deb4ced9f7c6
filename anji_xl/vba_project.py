"""Compile the book's VBA project into a ``vbaProject.bin``.

pyOpenVBA writes the project: it is maintained, has no dependencies and starts from the project
Excel itself creates for a first macro (a ``ThisWorkbook`` document module and one per sheet,
named by the sheets' code names), to which modules are added as source. Excel compiles the
source when it first opens the book. ``olevba`` reads every module back verbatim (tests).

The project holds our modules (``anji_xl/vba/*.bas``), ``AnjiBuild`` (written here: which xlwings
the buttons call and its version) and xlwings' ``xlwings_udfs`` wrappers for ``udfs.py``. The
shipped book references the xlwings add-in's project, as xlwings' ``quickstart.xlsm`` does,
because the wrappers call the add-in's ``XLPy``; a standalone book carries xlwings' standalone
VBA instead and no reference (:mod:`anji_xl.xlwings_vba`).
"""

from __future__ import annotations

import shutil
import struct
import tempfile
import zipfile
from importlib.resources import files
from pathlib import Path

import xlsxwriter
from pyopenvba import ExcelFile
from pyopenvba.vba import VBAModuleKind, VBAProject, VBAReference

from . import xlwings_vba
from .xlwings_vba import XLWINGS_VERSION

__all__ = ["XLWINGS_VERSION", "compile_vba_project", "vba_sources", "build_module", "add_project_reference"]

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


def build_module(standalone: bool) -> str:
    """``AnjiBuild``: what AnjiMacros needs to know of this build, as two constants."""
    host = "" if standalone else "xlwings.xlam"
    return ('Attribute VB_Name = "AnjiBuild"\r\n'
            "' Written by anji_xl.vba_project when the book is built; AnjiMacros reads it.\r\n"
            "Option Explicit\r\n"
            "' The xlwings version the book was built with (its wrappers; a standalone book's DLL name).\r\n"
            f'Public Const ANJI_XLWINGS_VERSION As String = "{XLWINGS_VERSION}"\r\n'
            "' The workbook whose RunPython the buttons call: the add-in, or \"\" for this book's own xlwings module.\r\n"
            f'Public Const ANJI_XLWINGS_BOOK As String = "{host}"\r\n')


def _record(rid: int, body: bytes) -> bytes:
    return struct.pack("<HI", rid, len(body)) + body


def add_project_reference(project: VBAProject, name: str, absolute: str, relative: str,
                          version: tuple[int, int]) -> None:
    """Declare a reference to another VBA project (an add-in), last in the project's references.

    Written by hand because pyOpenVBA's ``add_reference`` declares only registered type libraries.
    The records follow [MS-OVBA] 2.3.4.2.2: REFERENCENAME (0x0016, then 0x003E with the name in
    UTF-16) and REFERENCEPROJECT (0x000E: the absolute and the relative ProjectReference
    ``*\\C<path>`` of an embedded project with a Windows path, then the referenced project's
    major (4 bytes) and minor (2 bytes) version), inserted before PROJECTMODULES in the
    decompressed ``dir`` stream; pyOpenVBA compresses the stream when the file is saved.
    """
    encoding = f"cp{project.code_page}"
    absolute_id, relative_id = f"*\\C{absolute}".encode(encoding), f"*\\C{relative}".encode(encoding)
    block = (_record(0x0016, name.encode(encoding)) + _record(0x003E, name.encode("utf-16-le"))
             + _record(0x000E, struct.pack("<I", len(absolute_id)) + absolute_id + struct.pack("<I", len(relative_id))
                       + relative_id + struct.pack("<IH", *version)))
    at = project.dir_modules_offset
    project.dir_raw = project.dir_raw[:at] + block + project.dir_raw[at:]
    project.dir_modules_offset = at + len(block)
    project.references.append(VBAReference(name=name, name_unicode=name, kind="project",
                                           libid=absolute_id.decode(encoding), libid_secondary=relative_id.decode(encoding)))
    project.dir_references_dirty = True


def compile_vba_project(sheets: list[tuple[str, str]], standalone: bool = False) -> bytes:
    """A ``vbaProject.bin`` for a book with ``sheets`` (name, code name), shipped or standalone.

    The document modules must match the code names the final book gives its sheets, so a
    skeleton book with the same sheets and code names is given a project first.
    """
    modules = {**vba_sources(), "AnjiBuild": build_module(standalone),
               "xlwings_udfs": xlwings_vba.udf_wrapper_module()}
    if standalone:
        modules.update(xlwings_vba.standalone_modules())
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
            if not standalone:
                add_project_reference(project, xlwings_vba.ADDIN_PROJECT, xlwings_vba.ADDIN_PATH,
                                      xlwings_vba.ADDIN.name, xlwings_vba.addin_project_version())
            for name, source in modules.items():
                # a class module comes in the editor's export form, which starts with this line
                kind = VBAModuleKind.other if source.startswith("VERSION 1.0 CLASS") else VBAModuleKind.standard
                project.add_module(name, source, kind=kind)
            excel.save(Path(folder) / "with_vba.xlsm")
        with zipfile.ZipFile(Path(folder) / "with_vba.xlsm") as package:
            return package.read("xl/vbaProject.bin")
