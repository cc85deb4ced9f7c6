"""Read a book's parts with independent tools, to compare books and check what they hold."""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path

import openpyxl
from oletools.olevba import VBA_Parser


def _load(path: Path, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not model
        return openpyxl.load_workbook(path, **options)


def vba_modules(path: Path) -> dict[str, str]:
    """Module name → source, as oletools' olevba reads them back."""
    parser = VBA_Parser(str(path))
    try:
        return {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def buttons(path: Path) -> dict[str, list[str]]:
    """Sheet name → the macros of its form buttons (from the sheet's VML drawing)."""
    book = _load(path, read_only=True)  # the sheets' titles in order: no sheet is parsed
    sheet_files = {ws.title: f"xl/worksheets/sheet{k}.xml" for k, ws in enumerate(book.worksheets, start=1)}
    book.close()
    found: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as package:
        names = set(package.namelist())
        for title, part in sheet_files.items():
            rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
            if rels not in names:
                continue
            targets = re.findall(r'Target="\.\./drawings/(vmlDrawing\d+\.vml)"', package.read(rels).decode())
            for target in targets:
                vml = package.read(f"xl/drawings/{target}").decode()
                macros = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)
                if macros:  # a sheet's VML may hold only cell notes
                    found.setdefault(title, []).extend(macros)
    return found


def package_parts(path: Path) -> dict[str, bytes]:
    """Part name → its bytes, as the zip package holds them."""
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def fingerprint(path: Path) -> dict:
    """Everything a user would notice, part by part (not the zip bytes)."""
    formulas = _load(path, keep_vba=True)
    values = _load(path, data_only=True)
    parts: dict = {"sheets": formulas.sheetnames, "names": {}, "vba": vba_modules(path), "buttons": buttons(path)}
    for name, defined in formulas.defined_names.items():
        parts["names"][name] = defined.attr_text
    for ws in formulas.worksheets:
        cached = values[ws.title]
        parts[ws.title] = {
            "cells": {c.coordinate: (_noticed(c.value), _noticed(cached[c.coordinate].value), c.number_format)
                      for row in ws.iter_rows() for c in row if c.value is not None},
            "tables": {t.name: (t.ref, [col.name for col in t.tableColumns]) for t in ws.tables.values()},
            "validations": sorted((str(v.sqref), v.type, v.formula1) for v in ws.data_validations.dataValidation),
            "conditional": sorted(str(rng.sqref) for rng in ws.conditional_formatting),
            "charts": len(ws._charts),
            "freeze": ws.freeze_panes,
            "code_name": ws.sheet_properties.codeName,
        }
    return parts


def _noticed(value: object) -> object:
    """A cell's value as far as anyone could notice it: a number to 12 significant digits. NumPy's
    results can differ in the last bits between its releases or processors (a forecast's ``x ** y``:
    the committed book holds 1.868204378856117, a build with NumPy 2.4.6 here 1.868204378856116),
    and the book must not count as stale for that."""
    return float(f"{value:.12g}") if isinstance(value, float) else value


def load_quietly(path: Path, **options):
    """openpyxl's reading of a book, without its warnings about extensions it does not model."""
    return _load(path, **options)


def type_rows(path: Path, rows: list[list[object]], sheet: str = "Data", table: str = "tblData") -> None:
    """Rows typed below a sheet's table as a user does in any program: the cells go into the
    sheet's XML and the table grows over them; nothing else in the package is touched (openpyxl
    would rewrite the whole book and drop parts)."""
    import zipfile as _zip
    from xml.sax.saxutils import escape

    from openpyxl.utils import get_column_letter

    from anji_xl.book.recalc import sheet_part

    copy = path.with_name(path.name + ".typing")
    with _zip.ZipFile(path) as package, _zip.ZipFile(copy, "w", _zip.ZIP_DEFLATED) as out:
        part = sheet_part(package, sheet)
        xml = package.read(part).decode()
        last = max(int(r) for r in re.findall(r'<row r="(\d+)"', xml))
        new_rows = []
        for k, values in enumerate(rows, start=last + 1):
            cells = []
            for c, value in enumerate(values, start=1):
                ref = f"{get_column_letter(c)}{k}"
                if value is None:
                    continue
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
                else:
                    cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>')
            new_rows.append(f'<row r="{k}">{"".join(cells)}</row>')
        end = last + len(rows)
        xml = xml.replace("</sheetData>", "".join(new_rows) + "</sheetData>")
        xml = re.sub(r'<dimension ref="([A-Z]+\d+):([A-Z]+)\d+"/>', rf'<dimension ref="\1:\g<2>{end}"/>', xml)
        for info in package.infolist():
            data = package.read(info.filename)
            if info.filename == part:
                data = xml.encode()
            elif info.filename.startswith("xl/tables/") and f'name="{table}"'.encode() in data:
                data = re.sub(rb'ref="([A-Z]+\d+):([A-Z]+)\d+"', lambda m: b'ref="' + m.group(1) + b":" + m.group(2) + str(end).encode() + b'"', data)
            out.writestr(info, data)
    copy.replace(path)


def choose_on_dashboard(path: Path, unit: str, period: int) -> None:
    """Pick a unit and period on the Dashboard as a user does from its drop-downs (the two input
    cells change in the sheet's XML; nothing else is touched)."""
    from anji_xl.book import dashboard
    from anji_xl.book.layout import ref

    retype_cells(path, dashboard.SHEET, {ref(*dashboard.UNIT): unit, ref(*dashboard.PERIOD): period})


def retype_cells(path: Path, sheet: str, cells: dict[str, object]) -> None:
    """Cells typed over as a user does (``{"A2": "德清县", "B5": 0.5}``): each cell's XML is
    replaced, keeping its style; nothing else in the package is touched."""
    import zipfile as _zip
    from xml.sax.saxutils import escape

    from anji_xl.book.recalc import sheet_part

    copy = path.with_name(path.name + ".retyping")
    with _zip.ZipFile(path) as package, _zip.ZipFile(copy, "w", _zip.ZIP_DEFLATED) as out:
        part = sheet_part(package, sheet)
        for info in package.infolist():
            data = package.read(info.filename)
            if info.filename == part:
                xml = data.decode()
                for cell, value in cells.items():
                    body = f"><v>{value!r}</v>" if isinstance(value, (int, float)) else f' t="inlineStr"><is><t>{escape(str(value))}</t></is>'
                    xml, found = re.subn(rf'<c r="{cell}"( s="\d+")?[^>]*?(?:/>|>.*?</c>)', lambda m: f'<c r="{cell}"{m.group(1) or ""}{body}</c>', xml, count=1, flags=re.S)
                    assert found, cell
                data = xml.encode()
            out.writestr(info, data)
    copy.replace(path)
