"""``anji-xl recalc BOOK``: the Recalculate button without Excel, and without harming the book.

Only what follows the data changes: the cell rows of Results and Scores (written by the sheet
modules ``results`` and ``scores``, Scores' column widths too), the series ranges of the
Dashboard's charts and the full-calculation flag; every other part of the package — the VBA
project, the other sheets with their formulas and cached values, drawings, buttons, validation,
conditional formats, styles, defined names, tables — is copied unchanged. (openpyxl would rewrite the whole package and drop
every cached value and parts of the charts, so it is not used for writing.) The book is read
once and written through :mod:`.package`: a temporary file in the same folder moved over the old
one in one step, and only if nobody saved the book meanwhile; on any failure the book is untouched.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Iterator
from xml.etree import ElementTree

from ..cells import named
from ..collector import uncollected
from ..engine import IndexResult, compute
from ..messages import say
from ..model import AnjiInputError, Problem
from ..io.parse import BookTables, tables_or_raise
from ..io.read_book import Reading, start_inspecting
from ..io.zip_parts import relationships
from . import dashboard, package, scores
from . import sheet_xml as sheet_xml_
from .layout import letter
from .results import SUMMARY_AT, ResultsBlocks, results_blocks

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CELL = re.compile(r'<c r="([A-Z]+)(\d+)"(?: s="(\d+)")?(?: t="(\w+)")?')
_CACHED_RESULT = re.compile(r'(<c\b[^>]*>)(\s*<f\b(?:[^>]*/>|[^>]*>[^<]*</f>))\s*<v>[^<]*</v>')
_CACHE = re.compile(r"<((?:\w+:)?)(strCache|numCache)>.*?</\1\2>", re.S)
STYLE_ROWS = 200  # rows below the headers whose cells teach the style of each column (the builder writes as many at most)


def sheet_part(package: zipfile.ZipFile, sheet: str) -> str | None:
    """The package path of a sheet's XML, from workbook.xml and its relationships (None: no such
    sheet). The sheet's title may differ in case, as in Excel (see :func:`~anji_xl.cells.named`)."""
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rel_ids = {s.get("name"): s.get(f"{_REL}id") for s in workbook.iter(f"{_MAIN}sheet")}
    title = named(sheet, rel_ids)
    rel_id = None if title is None else rel_ids[title]
    if rel_id is None:
        return None
    _, part = relationships(package, "xl/workbook.xml").get(rel_id, (None, None))
    return part


def results_part(package: zipfile.ZipFile) -> str:
    part = sheet_part(package, "Results")
    if part is None:
        raise AnjiInputError([Problem("Results", say("no_results_sheet"))])
    return part


def cell_styles(top_xml: str, header_row: int) -> dict[tuple[int, bool], str]:
    """Style index per (column, is_number), learnt from the cells the sheet already has in its
    rows below ``header_row`` (1-based) that ``top_xml`` holds (the first :data:`STYLE_ROWS`); an
    empty cell counts as a number's."""
    styles: dict[tuple[int, bool], str] = {}
    for letters, row, style, kind in _CELL.findall(top_xml):
        if style and int(row) > header_row:
            col = sum((ord(ch) - 64) * 26**k for k, ch in enumerate(reversed(letters))) - 1
            styles.setdefault((col, kind not in ("s", "inlineStr", "str")), style)
    return styles


def results_rows(top_xml: str, blocks: ResultsBlocks) -> sheet_xml_.SheetRows:
    """Results' generated rows for ``blocks`` in the styles of the sheet's rows at its top
    (``top_xml``): each block's header row in the header style, then its body a column at a time."""
    learnt = cell_styles(top_xml, SUMMARY_AT[0] + 1)
    header = re.search(rf'<c r="[A-Z]+{SUMMARY_AT[0] + 1}" s="(\d+)"', top_xml)
    rows = sheet_xml_.SheetRows()
    for (row0, col0), block in blocks.placed():
        columns = block.columns
        if block.header and header and block.height:  # the header row in the header style
            for c, value in enumerate(block.header):
                if value is not None:
                    rows.cell(row0 + 1, col0 + c, sheet_xml_.cell_xml(f"{letter(col0 + c)}{row0 + 1}", value, header.group(1)))
            first = row0 + 2  # 1-based row of the body's first
        else:  # no header style, or a header alone (or none, as the stamp's): the header row is the body's first
            if block.header:
                columns = [[head, *column] for head, column in zip(block.header, columns)]
            first = row0 + 1
        for c, values in enumerate(columns):
            col = col0 + c
            text_style = learnt.get((col, False), "")  # the stamp's count of rows is a number in a text line, not a score
            rows.column(sheet_xml_.CellColumn(col, first, values, learnt.get((col, True), "") if block.header else text_style, text_style))
    return rows


def results_patch(blocks: Callable[[], ResultsBlocks]) -> package.Streamed:
    """The Results sheet with its generated rows replaced by ``blocks()``, asked for as the sheet
    is rewritten; the rest kept."""
    return package.Streamed(lambda old: _results_rewrite(old, blocks()))


def _results_rewrite(old: Iterator[bytes], blocks: ResultsBlocks) -> Iterator[bytes]:
    generated_from = min(row0 for (row0, _), _ in blocks.placed()[1:])
    return sheet_xml_.rewrite(old, lambda top: results_rows(top, blocks), keep_below=generated_from, look_at=SUMMARY_AT[0] + 1 + STYLE_ROWS)


_SCORES_STYLES_AT = max(row for row, _ in scores.STYLE_SAMPLES.values()) + 1  # the last row (1-based) of the style samples


def _scores_rows(top_xml: str, source: scores.ScoresSource) -> sheet_xml_.SheetRows:
    cells, shared = scores.sheet_cells(source)
    return sheet_xml_.sheet_rows(cells, sheet_xml_.style_samples(top_xml, scores.STYLE_SAMPLES), shared)


def scores_patch(source: scores.ScoresSource) -> package.Streamed:
    """The Scores sheet rewritten for the book's indicators and Data rows, in the book's styles."""
    columns = scores.columns(len(source.model.ids), len(source.result.dimensions))
    return package.Streamed(lambda old: sheet_xml_.rewrite(old, lambda top: _scores_rows(top, source), look_at=_SCORES_STYLES_AT, columns=columns))


def patch_chart(chart_xml: str, ranges: list[tuple[str, str]]) -> str:
    """A Dashboard chart with its series ranges set to ``ranges`` (and the cached points dropped,
    so no program shows the old ones); charts of other ranges come back unchanged. The chart
    namespace may carry any prefix (Excel and XlsxWriter write ``c:``, openpyxl none)."""
    patched = chart_xml
    for new in (r[1:] for pair in ranges for r in pair):  # "Dashboard!$B$33:$B$38"
        sheet, column = new.split("!")[0], new.split("$")[1]
        old = rf"<((?:\w+:)?)f>{re.escape(sheet)}!\${column}\$\d+:\${column}\$\d+</\1f>"
        patched = re.sub(old, lambda m: f"<{m.group(1)}f>{new}</{m.group(1)}f>", patched)
    return patched if patched == chart_xml else _CACHE.sub("", patched)


def patch_dashboard_choice(sheet_xml: str, data_rows: dict[tuple[str, str], int], strings: list[str]) -> str:
    """The Dashboard with its chosen unit and period rewritten when Data no longer has them, as
    its formulas fall back (:func:`dashboard.shown_choice`); else unchanged."""
    at = {cell: f"{letter(cell[1])}{cell[0] + 1}" for cell in (dashboard.UNIT, dashboard.PERIOD)}
    unit, period = (sheet_xml_.cell_value(sheet_xml, at[cell], strings) for cell in (dashboard.UNIT, dashboard.PERIOD))
    shown = dashboard.shown_choice(data_rows, unit, period)
    if shown == (unit, period):
        return sheet_xml
    return sheet_xml_.set_cell(sheet_xml_.set_cell(sheet_xml, at[dashboard.UNIT], shown[0]), at[dashboard.PERIOD], shown[1])


def without_cached_results(sheet_xml: str) -> str:
    """A sheet whose formula cells carry no cached result, so every program computes them on
    opening: LibreOffice by default shows the values a book holds and computes only cells
    without one, and these formulas read what recalc has just rewritten (Results, Scores)."""
    return _CACHED_RESULT.sub(lambda m: re.sub(r' t="(?:str|n|b|e)"', "", m.group(1)) + m.group(2), sheet_xml)


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


def _patches(parts: zipfile.ZipFile, tables: BookTables, result: IndexResult, blocks: Callable[[], ResultsBlocks]) -> dict[str, package.Patch]:
    """Part → how to rewrite it: Results, Scores, the Dashboard's choice, cached results and charts,
    the Guide's cached results, and workbook.xml."""
    patches: dict[str, package.Patch] = {results_part(parts): results_patch(blocks), "xl/workbook.xml": full_calculation_on_load}
    scores_part = sheet_part(parts, scores.SHEET)
    if scores_part is not None:
        patches[scores_part] = scores_patch(scores.ScoresSource(tables.model, result, tables.model.indicator_cell, tables.data))
    dashboard_part = sheet_part(parts, dashboard.SHEET)
    if dashboard_part is not None:
        strings = sheet_xml_.shared_strings(parts.read("xl/sharedStrings.xml").decode("utf-8")) if "xl/sharedStrings.xml" in parts.namelist() else []
        patches[dashboard_part] = lambda xml: without_cached_results(patch_dashboard_choice(xml, tables.data.rows, strings))
    guide_part = sheet_part(parts, "Guide")  # its status line reads Results' stamp
    if guide_part is not None:
        patches[guide_part] = without_cached_results
    ranges = dashboard.chart_ranges(result)
    for name in parts.namelist():
        if name.startswith("xl/charts/chart") and name.endswith(".xml"):
            patches[name] = lambda xml: patch_chart(xml, ranges)
    return patches


def recalc_book(book: str | Path, backup: bool = False, step: Callable[[str], None] = lambda _: None) -> ResultsBlocks:
    """Compute the book and write Results, Scores and the Dashboard's charts, as the Recalculate
    button does; nothing is written if the book changes on disk meanwhile (see :mod:`.package`)."""
    with package.open_for_update(book) as snapshot:
        return recalc_snapshot(snapshot, start_inspecting(book), backup, step)


def recalc_snapshot(snapshot: package.Snapshot, reading: Reading, backup: bool = False,
                    step: Callable[[str], None] = lambda _: None) -> ResultsBlocks:
    """:func:`recalc_book` of a book held open for update, whose reading the caller started
    (the command line starts it before loading this module and the engine)."""
    book = snapshot.path
    # no cyclic collection: the blocks and rows of a long book are hundreds of thousands of lists
    # without a cycle, and the collector's passes over them took a sixth of a recalc of 30,000 rows
    with uncollected():
        step("读取 reading")
        try:
            tables = tables_or_raise(*reading())
        except AnjiInputError:
            if not package.still_the_same(snapshot):  # saved over as it was read: a save, not a damage or a mistake
                raise AnjiInputError([package.changed_problem(snapshot)]) from None
            raise
        step("计算 computing")
        result = compute(tables.model, tables.panel)
        if result.problems:
            raise AnjiInputError(result.problems)
        stamp = dt.datetime.now().isoformat(timespec="seconds")
        # made as Results is written: where a child process writes Scores meanwhile (see package), beside it
        blocks = functools.cache(lambda: results_blocks(tables.model, result, stamp))
        step("写入 writing")
        try:
            with snapshot.package() as parts:
                patches = _patches(parts, tables, result, blocks)
        except (zipfile.BadZipFile, zlib.error, EOFError, KeyError) as error:
            raise AnjiInputError([package.damaged_problem(book, error)]) from None
        package.write_parts(snapshot, patches, backup=backup)
    return blocks()
