"""The buttons' Python side in Excel (called by the book's VBA through the xlwings add-in).

Kept thin: it only moves values between the open book and the same functions the file adapter
(``anji-xl recalc`` / ``validate``) uses — the readers, the engine and the sheet modules
:mod:`anji_xl.book.results`, :mod:`~anji_xl.book.scores` and :mod:`~anji_xl.book.dashboard` —
which are tested there. Each sheet is read in one call and each block written in one call. A
button's whole run has the cycle collector paused (:mod:`anji_xl.collector`), as compute, validate
and recalc have on the command line: a 30,000-row book's cells, blocks and rows took 0.4–0.6 s
more with it on, measured on the same work without Excel. What only Excel can show is listed in
docs/recalc.md (the Windows check list).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlwings as xw

from .book import dashboard, scores
from .book.layout import Cell, SharedColumn
from .cells import in_ranges, named, table_of
from .collector import uncollected
from .messages import say
from .model import AnjiInputError, Problem
from .io.parse import every_problem, inspect_grid_tables
from .book.results import STAMP_ROW, VALIDATION_AT, ResultsBlocks, results_blocks, validation_block
from .sensitivity import sensitivity as run_sensitivity

NOTE_MARK = "anji-xl: "  # notes that Validate adds start with this, so it can take them away again


def _title(book: xw.Book, name: str) -> str | None:
    """The title of the book's sheet ``name`` in whatever case it has (as the reader finds it); None: no such sheet."""
    return named(name, [s.name for s in book.sheets])


def _grid(book: xw.Book, name: str):
    """The book's sheet ``name`` (Data …) as the reader takes it (:func:`~anji_xl.cells.named`,
    :func:`~anji_xl.cells.table_of`): its title and its table (or used range) as a grid, with
    where it starts on the sheet and, for a table, its edges (:data:`~anji_xl.io.parse.Edges`:
    the reader says what lies beside or under it); None: the book has no such sheet."""
    title = _title(book, name)
    if title is None:
        return None
    sheet = book.sheets[title]
    table = table_of(name, [t.name for t in sheet.tables])
    if table is None:
        area = sheet.used_range
        return title, (area.options(ndim=2, err_to_str=True).value, area.row, area.column)
    area = sheet.tables[table].range
    last_row, last_col = area.last_cell.row, area.last_cell.column
    tables = [(t.range.column, t.range.row, t.range.last_cell.column, t.range.last_cell.row) for t in sheet.tables]
    held = in_ranges(last_col + 1, area.row, tables)  # another table right beside this one
    beside = None if held else sheet.range((area.row, last_col + 1)).options(err_to_str=True).value
    below = sheet.range((last_row + 1, area.column), (last_row + 1, last_col)).options(ndim=2, err_to_str=True).value[0]
    return title, (area.options(ndim=2, err_to_str=True).value, area.row, area.column, (table, beside, below))


def _computed(book: xw.Book, row_notes: bool = False):
    """(tables, result, problems) of the open book: every problem of reading and computing it in
    one pass; tables and result are None where the model is unusable. ``row_notes``: Data's
    layout keeps what its source and note cells say of each row (for the report)."""
    grids = dict(filter(None, (_grid(book, name) for name in ("Indicators", "Data", "Settings"))))
    tables, problems = inspect_grid_tables(grids, row_notes, sheets=True)
    result, problems = every_problem(tables, problems)
    return tables, result, problems


def _write_block(sheet, at: tuple[int, int], rows: list[list[object]], clear_to: int) -> None:
    row, col = at[0] + 1, at[1] + 1
    width = max(len(r) for r in rows)
    sheet.range((row, col), (max(clear_to, row + len(rows) - 1), col + width - 1)).clear_contents()
    sheet.range((row, col)).value = rows


def _write_results(book: xw.Book, blocks: ResultsBlocks) -> None:
    sheet = book.sheets["Results"]
    last = sheet.used_range.last_cell.row
    for at, block in blocks.placed():
        _write_block(sheet, at, block.rows(), at[0] + 1 if at[0] == STAMP_ROW else last)


def write_cells(sheet, cells: list[Cell], shared: list[SharedColumn] = ()) -> None:
    """A sheet module's cells written over the old ones: single cells in one call (formulas as
    formulas), each shared column as one formula given to its whole range, which Excel fills down
    moving the relative references, as the file's shared formulas do."""
    sheet.used_range.clear_contents()
    height, width = max(c.row for c in cells) + 1, max(c.col for c in cells) + 1
    matrix = [[""] * width for _ in range(height)]
    for cell in cells:
        matrix[cell.row][cell.col] = cell.formula if cell.formula is not None else cell.value
    sheet.range((1, 1), (height, width)).formula = matrix
    for column in shared:
        first = column.first_row + 1
        sheet.range((first, column.col + 1), (first + len(column.values) - 1, column.col + 1)).formula = column.formula


def _write_scores(book: xw.Book, tables, result) -> None:
    """Scores rebuilt for the book's indicators and Data rows (as ``anji-xl recalc`` writes it)."""
    title = _title(book, scores.SHEET)
    if title is None:
        return
    sheet = book.sheets[title]
    cells, shared = scores.sheet_cells(scores.ScoresSource(tables.model, result, tables.model.indicator_cell, tables.data))
    write_cells(sheet, cells, shared)
    last = max(c.first_row + len(c.values) for c in shared)
    width = max(c.col for c in cells) + 1
    first = scores.FIRST_ROW + 1
    if last > first:  # rows beyond the first take its formats
        sheet.range((first, 1), (first, width)).copy()
        sheet.range((first + 1, 1), (last, width)).paste(paste="formats")


def _point_charts(book: xw.Book, result) -> None:
    """The Dashboard charts' series set to the ranges of this many dimensions and periods."""
    ranges = dashboard.chart_ranges(result)
    for chart, (categories, values) in zip(book.sheets[dashboard.SHEET].charts, ranges):
        series = chart.api[1].SeriesCollection(1)  # Windows: (ChartObject, Chart)
        series.XValues, series.Values = categories, values


def _mark(book: xw.Book, problems: list[Problem]) -> None:
    """Notes on the offending cells; the previous run's notes are removed first."""
    results = book.sheets["Results"]
    previous = results.range((VALIDATION_AT[0] + 2, VALIDATION_AT[1] + 1)).expand("down").value or []
    for where in previous if isinstance(previous, list) else [previous]:
        if where and "!" in str(where):
            sheet, cell = str(where).split("!", 1)
            note = book.sheets[sheet].range(cell).note
            if note is not None and note.text.startswith(NOTE_MARK):
                note.delete()
    for problem in problems:
        if "!" in problem.where and ":" not in problem.where.split("!", 1)[1]:
            sheet, cell = problem.where.split("!", 1)
            target = book.sheets[sheet].range(cell)
            if target.note is not None:
                target.note.delete()
            target.add_note(NOTE_MARK + problem.message)
    _write_block(results, VALIDATION_AT, validation_block(problems).rows(), results.used_range.last_cell.row)


def _status(book: xw.Book, text: str | bool) -> None:
    book.app.status_bar = text  # False hands the status bar back to Excel


def _report(book: xw.Book, problems: list[Problem]) -> bool:
    """Mark the problems (and unmark fixed ones); True when there are problems to stop for."""
    _mark(book, problems)
    if problems:
        book.app.alert(say("problems_found", count=len(problems)), title="Anji Index")
    return bool(problems)


def _point_choice(book: xw.Book, tables) -> None:
    """The Dashboard's chosen unit and period rewritten when Data no longer has them, to what its
    formulas fall back to (:func:`dashboard.shown_choice`, as ``anji-xl recalc`` writes it)."""
    sheet = book.sheets[dashboard.SHEET]
    cells = [sheet.range((row + 1, col + 1)) for row, col in (dashboard.UNIT, dashboard.PERIOD)]
    chosen = tuple(cell.value for cell in cells)
    shown = dashboard.shown_choice(tables.data.rows, *chosen)
    if shown != chosen:
        for cell, value in zip(cells, shown):
            cell.value = value


@uncollected()
def recalculate() -> None:
    """重新计算: compute the book and write Results (as ``anji-xl recalc``)."""
    book = xw.Book.caller()
    _status(book, "安吉指数 计算中… Anji Index: computing…")
    try:
        tables, result, problems = _computed(book)
        if not _report(book, problems):
            _write_results(book, results_blocks(tables.model, result, dt.datetime.now().isoformat(timespec="seconds")))
            _write_scores(book, tables, result)
            _point_charts(book, result)
            _point_choice(book, tables)
    finally:
        _status(book, False)


@uncollected()
def validate() -> None:
    """检查数据: list every problem with its cell and mark the cells (unmarked once fixed)."""
    book = xw.Book.caller()
    if not _report(book, _computed(book)[2]):
        book.app.alert("OK — 未发现问题 no problems", title="Anji Index")


@uncollected()
def sensitivity() -> None:
    """敏感性分析: the weight Monte Carlo, written to a Sensitivity sheet."""
    book = xw.Book.caller()
    tables, _, problems = _computed(book)
    if _report(book, problems):
        return
    model, panel = tables.model, tables.panel
    _status(book, "安吉指数 敏感性分析… Anji Index: sensitivity…")
    try:
        result = run_sensitivity(model, panel, progress=lambda done, total: _status(book, f"敏感性分析 sensitivity {done}/{total}"))
        title = _title(book, "Sensitivity")
        sheet = book.sheets[title] if title else book.sheets.add("Sensitivity", after=book.sheets[-1])
        sheet.clear_contents()
        table = result.table.reset_index()
        sheet.range("A1").value = [[f"{result.draws} draws, spread {result.spread:g}, seed {result.seed}"], [None],
                                   list(table.columns), *table.values.tolist()]
    finally:
        _status(book, False)


@uncollected()
def report() -> None:
    """生成报告: the evaluation report of this book written beside it, as ``anji-xl report`` writes it."""
    from .report import ReportBook, write_report  # docx and matplotlib load for this button only

    book = xw.Book.caller()
    tables, result, problems = _computed(book, row_notes=True)
    if _report(book, problems):
        return
    path = Path(book.fullname)
    if not path.is_absolute():  # a new book that was never saved has no folder
        book.app.alert(say("report_save_first"), title="Anji Index")
        return
    _status(book, "安吉指数 生成报告… Anji Index: writing the report…")
    try:
        source = ReportBook(tables.model, result, path, tables.data.notes, problems)
        written = write_report(source, progress=lambda done, total: _status(book, f"生成报告 report {done}/{total}"))
        book.app.alert(say("report_written", files="\n".join(map(str, written))), title="Anji Index")
    except AnjiInputError as error:
        book.app.alert("\n".join(map(str, error.problems)), title="Anji Index")
    finally:
        _status(book, False)
