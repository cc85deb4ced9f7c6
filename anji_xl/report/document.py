"""The report as a .docx: the template (:mod:`anji_xl.report.template`, or a user's edited copy)
filled by docxtpl from the content and the charts, then written atomically beside the book.

Jinja runs with autoescape on, so a name such as ``R&D经费投入强度`` reaches Word as text, never
as broken XML. Numbers are formatted by the filters below, named in the template.
"""

from __future__ import annotations

import io
import math
import os
import re
import secrets
import zipfile
from pathlib import Path
from typing import Callable

import jinja2
from docxtpl import DocxTemplate, InlineImage
from docx.opc.exceptions import PackageNotFoundError
from docx.shared import Emu, Mm

from ..book.package import TEMPORARY_PREFIX, lock_files, os_error_problem, replaced
from ..messages import say
from ..model import AnjiInputError, Problem
from . import charts
from .content import ReportContent

#: The template shipped in the package, built by :mod:`anji_xl.report.template`.
TEMPLATE = Path(__file__).resolve().parent / "template.docx"
_DIGITS = "零一二三四五六七八九"
_NOT_IN_NAMES = re.compile(r'[\\/:*?"<>|]')


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def num(x: float | None, digits: int = 4) -> str:
    """0.8517; — where there is no number."""
    return "—" if _missing(x) else f"{x:.{digits}f}"


def signed(x: float | None, digits: int = 4) -> str:
    """+0.0123 / −0.0123."""
    return "—" if _missing(x) else f"{x:+.{digits}f}"


def pct(x: float | None, digits: int = 2) -> str:
    """0.03 → 3.00%."""
    return "—" if _missing(x) else f"{x:.{digits}%}"


def spct(x: float | None, digits: int = 2) -> str:
    """0.03 → +3.00%."""
    return "—" if _missing(x) else f"{x:+.{digits}%}"


def value(x: float | None, unit: str = "") -> str:
    """An indicator's value as Data holds it: a percentage for unit %, else up to six significant digits."""
    if _missing(x):
        return "—"
    if unit.strip() == "%":
        return f"{x:.2%}"
    text = f"{x:.6g}"
    return f"{x:.0f}" if "e" in text else text


def updown(x: float) -> str:
    return "上升" if x > 0 else "下降" if x < 0 else "持平"


def cn(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, 35 → 三十五 (section numbers up to 99)."""
    tens, ones = divmod(n, 10)
    if n < 10:
        return _DIGITS[n]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + ("" if ones == 0 else _DIGITS[ones])


FILTERS: dict[str, Callable] = {"num": num, "signed": signed, "pct": pct, "spct": spct, "value": value, "updown": updown, "cn": cn}
#: Widths of the pictures on the page.
WIDTHS_MM = {"radar": 115, "trend": 155, "gains": 155, "distribution": 155}


def default_output(book: Path, period: str) -> Path:
    """Beside the book, named after it and the period: ``AnjiIndex_2020_评价报告.docx``."""
    return book.with_name(f"{book.stem}_{_NOT_IN_NAMES.sub('-', period)}_评价报告.docx")


def check_output(out: Path) -> None:
    """Refuse, before any work, a report path that cannot be written: not .docx, a missing or
    read-only folder, a report open in Word, WPS or LibreOffice (their lock file beside it)."""
    if out.suffix.lower() != ".docx":
        raise AnjiInputError([Problem(str(out), say("report_needs_docx"))])
    for target in (out, out.with_suffix(".pdf")):
        locks = lock_files(target)
        if locks:
            raise AnjiInputError([Problem(str(target), say("report_open", lock=locks[0][0].name))])
    folder = out.parent
    if not folder.is_dir():
        raise AnjiInputError([Problem(str(folder), say("report_no_folder"))])
    if not os.access(folder, os.W_OK):
        raise AnjiInputError([Problem(str(folder), say("folder_not_writable"))])
    if out.is_dir():
        raise AnjiInputError([Problem(str(out), say("report_is_folder"))])


def replace_atomically(target: Path, data: bytes) -> Path:
    """``data`` at ``target``: written to a temporary file beside it, then renamed over it, so the
    old file stays whole until the new one is complete."""
    temporary = target.with_name(f"{TEMPORARY_PREFIX}{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        replaced.append(target)
    except OSError as error:
        raise AnjiInputError([os_error_problem(error, target)]) from None
    finally:
        temporary.unlink(missing_ok=True)
    return target


def draw_charts(content: ReportContent, folder: Path, font: charts.ChartFont, progress: Callable[[int, int], None] | None = None) -> None:
    """Every chart as a PNG in ``folder``, recorded in the content's ``charts`` by name."""
    total = len(content.units) + 1
    content.overview.charts["distribution"] = (charts.distribution_chart(content.overview, content.period, folder / "distribution.png", font,
                                                                           content.settings.name)
                                               if content.overview.count > 1 else None)
    if progress:
        progress(1, total)
    for k, section in enumerate(content.units, start=1):
        section.charts["radar"] = charts.radar_chart(section, folder / f"radar_{k}.png", font)
        section.charts["trend"] = charts.trend_chart(section, folder / f"trend_{k}.png", font, content.settings.target_period, content.settings.name)
        section.charts["gains"] = charts.gains_chart(section, folder / f"gains_{k}.png", font)
        if progress:
            progress(k + 1, total)


def _load(template: Path) -> DocxTemplate:
    if not template.is_file():
        raise AnjiInputError([Problem(str(template), say("no_file"))])
    try:
        loaded = DocxTemplate(template)
        loaded.init_docx()  # docxtpl would open it only when rendering
        return loaded
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise AnjiInputError([Problem(str(template), say("template_unreadable", error=error))]) from None


def render(content: ReportContent, template: Path) -> bytes:
    """The filled template as .docx bytes (the charts drawn already: :func:`draw_charts`)."""
    document = _load(template)

    def pictures(found: dict[str, object]) -> None:
        for name, path in list(found.items()):
            if path is not None:
                found[name] = InlineImage(document, str(path), width=Mm(WIDTHS_MM[name]))

    pictures(content.overview.charts)
    for section in content.units:
        pictures(section.charts)
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    environment.filters.update(FILTERS)
    try:
        document.render({"report": content}, environment, autoescape=True)
    except jinja2.TemplateError as error:
        where = f"{template}: {error.lineno}" if getattr(error, "lineno", None) else str(template)
        raise AnjiInputError([Problem(where, say("template_error", error=f"{type(error).__name__}: {error}"))]) from None
    fit_tables(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def fit_tables(document) -> None:
    """Each table's grid set to its first row's cell widths scaled to the text width, with a fixed
    layout: docxtpl's column loops repeat cells (one per dimension, however many) but leave the
    template's grid, and Word and LibreOffice lay a table out by its grid."""
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    for table in document.tables:
        rows = table._tbl.tr_lst
        widths = [tc.width or 0 for tc in rows[0].tc_lst] if rows else []
        total = sum(widths)
        if not total:
            continue
        widths = [int(w * text_width / total) for w in widths]
        for row in rows:
            for cell, width in zip(row.tc_lst, widths):
                cell.width = Emu(width)
        grid = table._tbl.tblGrid
        for column in list(grid.gridCol_lst):
            grid.remove(column)
        for width in widths:
            grid.add_gridCol().w = Emu(width)
        table.autofit = False
