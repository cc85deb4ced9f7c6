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
    book = _load(path, keep_vba=True)
    sheet_files = {ws.title: f"xl/worksheets/sheet{k}.xml" for k, ws in enumerate(book.worksheets, start=1)}
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
            "cells": {c.coordinate: (c.value, cached[c.coordinate].value, c.number_format)
                      for row in ws.iter_rows() for c in row if c.value is not None},
            "tables": {t.name: (t.ref, [col.name for col in t.tableColumns]) for t in ws.tables.values()},
            "validations": sorted((str(v.sqref), v.type, v.formula1) for v in ws.data_validations.dataValidation),
            "conditional": sorted(str(rng.sqref) for rng in ws.conditional_formatting),
            "charts": len(ws._charts),
            "freeze": ws.freeze_panes,
            "code_name": ws.sheet_properties.codeName,
        }
    return parts


def load_quietly(path: Path, **options):
    """openpyxl's reading of a book, without its warnings about extensions it does not model."""
    return _load(path, **options)
