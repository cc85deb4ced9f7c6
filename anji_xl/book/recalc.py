"""``anji-xl recalc BOOK``: the Recalculate button without Excel, and without harming the book.

Only the Results sheet changes, and only its cell rows: the new rows replace the old ones inside
that sheet's ``<sheetData>``; every other part of the package — the VBA project, the other sheets
with their formulas and cached values, charts, buttons, validation, conditional formats, styles,
defined names, tables — is copied unchanged. (openpyxl would rewrite the whole package and drop
every cached value and parts of the charts, so it is not used for writing.) The new book is
written to a temporary file in the same folder and moved over the old one in one step; on any
failure the book is untouched.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Callable
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from ..engine import compute
from ..model import AnjiInputError, Problem
from ..reader import read_book
from .results import SUMMARY_AT, ResultsBlocks, results_blocks

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW = re.compile(r'<row r="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.S)
_SHEET_DATA = re.compile(r"<sheetData\s*/>|<sheetData>.*?</sheetData>", re.S)
_CELL = re.compile(r'<c r="([A-Z]+)(\d+)"(?: s="(\d+)")?(?: t="(\w+)")?')


def results_part(package: zipfile.ZipFile, sheet: str = "Results") -> str:
    """The package path of a sheet's XML, from workbook.xml and its relationships."""
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rel_id = next((s.get(f"{_REL}id") for s in workbook.iter(f"{_MAIN}sheet") if s.get("name") == sheet), None)
    if rel_id is None:
        raise AnjiInputError([Problem(sheet, "the workbook has no Results sheet to write to")])
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels.iter(f"{_PACKAGE_REL}Relationship") if r.get("Id") == rel_id)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _cell_styles(sheet_xml: str) -> dict[tuple[int, bool], str]:
    """Style index per (column, is_number), learnt from the cells the sheet already has."""
    styles: dict[tuple[int, bool], str] = {}
    for letters, row, style, kind in _CELL.findall(sheet_xml):
        if style and int(row) > SUMMARY_AT[0] + 1:
            col = sum((ord(ch) - 64) * 26**k for k, ch in enumerate(reversed(letters)))
            styles.setdefault((col, kind not in ("s", "inlineStr", "str")), style)
    return styles


def _header_style(sheet_xml: str) -> str | None:
    match = re.search(rf'<c r="[A-Z]+{SUMMARY_AT[0] + 1}" s="(\d+)"', sheet_xml)
    return match.group(1) if match else None


def _cell_xml(ref: str, value: object, style: str | None) -> str:
    s = f' s="{style}"' if style else ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        text = escape(str(value))
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    number = value if isinstance(value, int) else float(value)
    return f'<c r="{ref}"{s}><v>{number!r}</v></c>'


def patch_results_sheet(sheet_xml: str, blocks: ResultsBlocks) -> str:
    """The Results sheet XML with its generated rows replaced by ``blocks``; the rest kept."""
    cells: dict[int, dict[int, object]] = {}
    headers: set[int] = set()
    for (row0, col0), rows in blocks.placed():
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                if value is not None:
                    cells.setdefault(row0 + r + 1, {})[col0 + c + 1] = value
        if len(rows) > 1:
            headers.add(row0 + 1)
    generated_from = min(row0 for (row0, _), _ in blocks.placed()[1:]) + 1
    stamp_row = blocks.placed()[0][0][0] + 1
    styles, header_style = _cell_styles(sheet_xml), _header_style(sheet_xml)
    original = {int(m.group(1)): m.group(0) for m in _ROW.finditer(sheet_xml)}
    kept = {r: xml for r, xml in original.items() if r < generated_from and r != stamp_row}
    out_rows = dict(kept)
    for r, row_cells in cells.items():
        opening = re.match(r"<row [^>]*?(?=/?>)", original.get(r, f'<row r="{r}">')).group(0)
        opening = re.sub(r' spans="[^"]*"', "", opening)
        body = "".join(
            _cell_xml(f"{get_column_letter(c)}{r}", value,
                      header_style if r in headers else styles.get((c, isinstance(value, (int, float)) and not isinstance(value, bool))))
            for c, value in sorted(row_cells.items())
        )
        out_rows[r] = f"{opening}>{body}</row>"
    data = "<sheetData>" + "".join(out_rows[r] for r in sorted(out_rows)) + "</sheetData>"
    last_row = max(out_rows)
    last_col = max((c for row in cells.values() for c in row), default=1)
    patched = _SHEET_DATA.sub(lambda _: data, sheet_xml, count=1)
    return re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{get_column_letter(last_col)}{last_row}"/>', patched, count=1)


def full_calculation_on_load(workbook_xml: str) -> str:
    """workbook.xml asking Excel to recalculate everything on open, so formulas that read Results
    (the Dashboard) follow it. Unchanged when it already asks (a book saved by Excel may not)."""
    if 'fullCalcOnLoad="1"' in workbook_xml:
        return workbook_xml
    if "<calcPr" in workbook_xml:
        return re.sub(r"<calcPr\b", '<calcPr fullCalcOnLoad="1"', re.sub(r' fullCalcOnLoad="\w+"', "", workbook_xml), count=1)
    # calcPr's place in the schema: before these, if present
    later = re.search(r"<(oleSize|customWorkbookViews|pivotCaches|smartTagPr|smartTagTypes|webPublishing|fileRecoveryPr|webPublishObjects|extLst)\b|</workbook>", workbook_xml)
    return workbook_xml[:later.start()] + '<calcPr fullCalcOnLoad="1"/>' + workbook_xml[later.start():]


def _owner_files(book: Path) -> list[Path]:
    """Excel's lock files for an open book (``~$`` + name, or + name less two characters)."""
    return [book.with_name(f"~${book.name}"), book.with_name(f"~${book.name[2:]}")]


def check_writable(book: Path) -> None:
    """Refuse clearly a book that is missing, read-only or open in Excel."""
    if not book.is_file():
        raise AnjiInputError([Problem(str(book), "no such file")])
    if not book.stat().st_mode & stat.S_IWUSR or not os.access(book, os.W_OK):
        raise AnjiInputError([Problem(str(book), "the file is read-only; nothing was written (clear the read-only flag, or copy it)")])
    if not os.access(book.parent, os.W_OK):
        raise AnjiInputError([Problem(str(book.parent), "the folder is not writable; nothing was written")])
    if any(lock.exists() for lock in _owner_files(book)):
        raise AnjiInputError([Problem(str(book), "the book is open in Excel (lock file ~$… beside it); close it there, or press 重新计算 Recalculate in Excel")])


def write_results(book: Path, blocks: ResultsBlocks) -> None:
    """Replace the Results rows of ``book`` atomically; every other part is copied unchanged."""
    with zipfile.ZipFile(book) as package:
        part = results_part(package)
        handle, temporary = tempfile.mkstemp(prefix=".~anji-", suffix=book.suffix, dir=book.parent)
        os.close(handle)
        try:
            with zipfile.ZipFile(temporary, "w") as out:
                for info in package.infolist():
                    data = package.read(info.filename)
                    if info.filename == part:
                        data = patch_results_sheet(data.decode("utf-8"), blocks).encode("utf-8")
                    elif info.filename == "xl/workbook.xml":
                        data = full_calculation_on_load(data.decode("utf-8")).encode("utf-8")
                    out.writestr(info, data)
            shutil.copymode(book, temporary)
            with open(temporary, "rb") as written:
                os.fsync(written.fileno())
            os.replace(temporary, book)
        except PermissionError as error:
            raise AnjiInputError([Problem(str(book), f"cannot replace the book ({error.strerror}); is it open in Excel?")]) from None
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:  # a damaged part the reader did not need
            raise AnjiInputError([Problem(str(book), f"the package is damaged ({error}); nothing was written")]) from None
        finally:
            Path(temporary).unlink(missing_ok=True)


def recalc_book(book: str | Path, backup: bool = False, step: Callable[[str], None] = lambda _: None) -> ResultsBlocks:
    """Compute the book and write its Results, as the Recalculate button does."""
    book = Path(book)
    check_writable(book)
    step("读取 reading")
    model, panel = read_book(book)
    step("计算 computing")
    result = compute(model, panel)
    if result.problems:
        raise AnjiInputError(result.problems)
    blocks = results_blocks(model, result, dt.datetime.now().isoformat(timespec="seconds"))
    step("写入 writing")
    if backup:
        shutil.copy2(book, book.with_name(f"{book.stem}.backup{book.suffix}"))
    write_results(book, blocks)
    return blocks
