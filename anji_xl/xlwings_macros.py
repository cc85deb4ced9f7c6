"""The buttons' Python side in Excel (called by the book's VBA through the xlwings add-in).

Kept thin: it only moves values between the open book and the same functions the file adapter
(``anji-xl recalc`` / ``validate``) uses — the readers, the engine and :mod:`anji_xl.book.results` —
which are tested there. Each sheet is read in one call and each block written in one call.
What only Excel can show is listed in docs/recalc.md (the Windows check list).
"""

from __future__ import annotations

import datetime as dt

import xlwings as xw

from .engine import compute
from .model import AnjiInputError, Problem
from .reader import read_grids
from .book.results import STAMP_ROW, VALIDATION_AT, ResultsBlocks, results_blocks, validation_block
from .sensitivity import sensitivity as run_sensitivity

NOTE_MARK = "anji-xl: "  # notes that Validate adds start with this, so it can take them away again


def _grid(book: xw.Book, name: str):
    """One sheet's table (or used range) as a grid, with where it starts on the sheet."""
    if name not in [s.name for s in book.sheets]:
        return None
    sheet = book.sheets[name]
    names = [t.name for t in sheet.tables]
    area = sheet.tables[f"tbl{name}"].range if f"tbl{name}" in names else sheet.used_range
    return area.options(ndim=2, err_to_str=True).value, area.row, area.column


def _computed(book: xw.Book):
    """(model, panel, result, problems) of the open book; model and result are None if unreadable."""
    try:
        model, panel = read_grids({name: _grid(book, name) for name in ("Indicators", "Data", "Settings")})
    except AnjiInputError as error:
        return None, None, None, error.problems
    result = compute(model, panel)
    return model, panel, result, result.problems


def _write_block(sheet, at: tuple[int, int], rows: list[list[object]], clear_to: int) -> None:
    row, col = at[0] + 1, at[1] + 1
    width = max(len(r) for r in rows)
    sheet.range((row, col), (max(clear_to, row + len(rows)), col + width - 1)).clear_contents()
    sheet.range((row, col)).value = rows


def _write_results(book: xw.Book, blocks: ResultsBlocks) -> None:
    sheet = book.sheets["Results"]
    last = sheet.used_range.last_cell.row
    for at, rows in blocks.placed():
        _write_block(sheet, at, rows, at[0] + 1 if at[0] == STAMP_ROW else last)


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
    _write_block(results, VALIDATION_AT, validation_block(problems), results.used_range.last_cell.row)


def _status(book: xw.Book, text: str | bool) -> None:
    book.app.status_bar = text  # False hands the status bar back to Excel


def _report(book: xw.Book, problems: list[Problem]) -> bool:
    """Mark the problems (and unmark fixed ones); True when there are problems to stop for."""
    _mark(book, problems)
    if problems:
        book.app.alert(f"{len(problems)} 个问题，见 Results 的检查区 · problems, see Results › validation", title="Anji Index")
    return bool(problems)


def recalculate() -> None:
    """重新计算: compute the book and write Results (as ``anji-xl recalc``)."""
    book = xw.Book.caller()
    _status(book, "安吉指数 计算中… Anji Index: computing…")
    try:
        model, _, result, problems = _computed(book)
        if not _report(book, problems):
            _write_results(book, results_blocks(model, result, dt.datetime.now().isoformat(timespec="seconds")))
    finally:
        _status(book, False)


def validate() -> None:
    """检查数据: list every problem with its cell and mark the cells (unmarked once fixed)."""
    book = xw.Book.caller()
    if not _report(book, _computed(book)[3]):
        book.app.alert("OK — 未发现问题 no problems", title="Anji Index")


def sensitivity() -> None:
    """敏感性分析: the weight Monte Carlo, written to a Sensitivity sheet."""
    book = xw.Book.caller()
    model, panel, _, problems = _computed(book)
    if _report(book, problems):
        return
    _status(book, "安吉指数 敏感性分析… Anji Index: sensitivity…")
    try:
        result = run_sensitivity(model, panel, progress=lambda done, total: _status(book, f"敏感性分析 sensitivity {done}/{total}"))
        names = [s.name for s in book.sheets]
        sheet = book.sheets["Sensitivity"] if "Sensitivity" in names else book.sheets.add("Sensitivity", after=book.sheets[-1])
        sheet.clear_contents()
        table = result.table.reset_index()
        sheet.range("A1").value = [[f"{result.draws} draws, spread {result.spread:g}, seed {result.seed}"], [None],
                                   list(table.columns), *table.values.tolist()]
    finally:
        _status(book, False)
