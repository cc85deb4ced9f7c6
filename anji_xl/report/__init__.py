"""The evaluation report (``anji-xl report``, the 生成报告 button): a .docx in the source report's
order, and optionally its PDF, with every number the engine's.

:func:`write_report` runs the steps: gather the content from the engine (:mod:`.content`), check
the output path, find the chart font (:mod:`.charts`), draw the charts, fill the template
(:mod:`.document`), convert to PDF (:mod:`.pdf`), and only then replace the files.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Callable

from .charts import find_font
from .content import gather
from .document import TEMPLATE, check_output, default_output, draw_charts, render, replace_atomically
from .pdf import docx_to_pdf, find_soffice
from .source import ReportBook, read_report_book


def write_report(book: ReportBook, out: str | Path | None = None, period: str | None = None, units: list[str] | None = None,
                 pdf: bool = False, template: str | Path | None = None, font: str | Path | None = None,
                 progress: Callable[[int, int], None] | None = None, generated: dt.datetime | None = None) -> list[Path]:
    """Write the report of ``book`` (and with ``pdf`` its PDF beside it); returns the files
    written. Nothing is written when anything fails: AnjiInputError lists why."""
    content = gather(book, period, units, generated)
    out = Path(out) if out is not None else default_output(book.path, content.period)
    check_output(out)
    soffice = find_soffice() if pdf else None
    chart_font = find_font(font)
    with tempfile.TemporaryDirectory(prefix="anji-report-") as work:
        draw_charts(content, Path(work), chart_font, progress)
        docx = render(content, Path(template) if template is not None else TEMPLATE)
        converted = docx_to_pdf(docx, Path(work), soffice) if soffice else None
    written = [replace_atomically(out, docx)]
    if converted is not None:
        written.append(replace_atomically(out.with_suffix(".pdf"), converted))
    return written


__all__ = ["ReportBook", "read_report_book", "write_report"]
