"""Writing a sheet module's cells into a worksheet's XML (for ``anji-xl recalc``).

Only the parts that follow the data are rewritten — the cell rows, the column widths and the
used-range dimension; everything else in the sheet's XML (views, panes, conditional formats,
validation, drawings, page setup) is kept as it is. Styles are the book's own: each style kind
takes the style index of a sample cell whose place does not move.
"""

from __future__ import annotations

import numbers
import re
from xml.sax.saxutils import escape

from .layout import Cell, Column, SharedColumn, letter

ROW = re.compile(r'<row r="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.S)
SHEET_DATA = re.compile(r"<sheetData\s*/>|<sheetData>.*?</sheetData>", re.S)
COLS = re.compile(r"<cols>.*?</cols>", re.S)
_ERRORS = ("#N/A", "#VALUE!", "#NUM!", "#DIV/0!", "#REF!", "#NAME?", "#NULL!")
_DIGIT_WIDTH, _PADDING = 7, 5  # Calibri 11 as Excel and XlsxWriter measure a column width


def cell_xml(ref: str, value: object, style: str | None, formula: str | None = None, shared: str = "") -> str:
    """One ``<c>``: a constant (inline string or number), or a formula with its cached value.
    ``shared`` is the attributes of a shared formula (``t="shared" ref=… si=…``, or only ``si``
    for a cell that repeats the master's formula: then ``formula`` is empty)."""
    s = f' s="{style}"' if style else ""
    number = _number(value)
    if formula is None:
        if number is not None:
            return f'<c r="{ref}"{s}><v>{number}</v></c>'
        text = escape(str(value))
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    attributes = f" {shared}" if shared else ""
    f = f"<f{attributes}>{escape(formula.removeprefix('='))}</f>" if formula else f"<f{attributes}/>"
    if number is not None:
        return f'<c r="{ref}"{s}>{f}<v>{number}</v></c>'
    kind = "e" if value in _ERRORS else "str"
    return f'<c r="{ref}"{s} t="{kind}">{f}<v>{escape(str(value))}</v></c>'


def _number(value: object) -> str | None:
    """The text of a number cell's value (NumPy numbers included); None for anything else."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return str(int(value)) if isinstance(value, numbers.Integral) else repr(float(value))


def style_samples(sheet_xml: str, samples: dict[str, tuple[int, int]]) -> dict[str, str]:
    """Style index of each kind, read from its sample cell (0-based row, column) in the sheet."""
    found = {}
    for kind, (row, col) in samples.items():
        match = re.search(rf'<c r="{letter(col)}{row + 1}" s="(\d+)"', sheet_xml)
        if match:
            found[kind] = match.group(1)
    return found


def replace_rows(sheet_xml: str, cells: list[Cell], styles: dict[str, str], keep_below: int = 0,
                 shared: list[SharedColumn] = ()) -> str:
    """The sheet with its rows from ``keep_below`` (0-based) on replaced by ``cells`` and the
    ``shared`` columns; a row keeps its own attributes (height) when it had them."""
    by_row: dict[int, list[tuple[int, str]]] = {}
    for cell in cells:
        xml = cell_xml(f"{letter(cell.col)}{cell.row + 1}", cell.value, styles.get(cell.kind), cell.formula)
        by_row.setdefault(cell.row + 1, []).append((cell.col, xml))
    for si, column in enumerate(shared):
        name, style = letter(column.col), styles.get(column.kind)
        first, last = column.first_row + 1, column.first_row + len(column.values)
        master = f't="shared" ref="{name}{first}:{name}{last}" si="{si}"'
        for k, value in enumerate(column.values):
            formula, attributes = (column.formula, master) if k == 0 else ("", f't="shared" si="{si}"')
            by_row.setdefault(first + k, []).append((column.col, cell_xml(f"{name}{first + k}", value, style, formula, attributes)))
    original = {int(m.group(1)): m.group(0) for m in ROW.finditer(sheet_xml)}
    rows = {r: xml for r, xml in original.items() if r <= keep_below}
    for r, row_cells in by_row.items():
        opening = re.match(r"<row [^>]*?(?=/?>)", original.get(r, f'<row r="{r}">')).group(0)
        opening = re.sub(r' spans="[^"]*"', "", opening)
        rows[r] = f"{opening}>{''.join(xml for _, xml in sorted(row_cells, key=lambda item: item[0]))}</row>"
    data = "<sheetData>" + "".join(rows[r] for r in sorted(rows)) + "</sheetData>"
    patched = SHEET_DATA.sub(lambda _: data, sheet_xml, count=1)
    last_col = max([c.col for c in cells] + [c.col for c in shared] + [0])
    return re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{letter(last_col)}{max(rows, default=1)}"/>', patched, count=1)


def _width(width: float) -> float:
    """A column width in characters as the file stores it (via whole pixels, as XlsxWriter does)."""
    pixels = int(width * _DIGIT_WIDTH + 0.5) + _PADDING if width >= 1 else int(width * (_DIGIT_WIDTH + _PADDING) + 0.5)
    return (pixels * 256 // _DIGIT_WIDTH) / 256


def replace_columns(sheet_xml: str, columns: list[Column]) -> str:
    """The sheet with its ``<cols>`` made from ``columns``."""
    def col(c: Column) -> str:
        extra = (' hidden="1"' if c.hidden else "") + ' customWidth="1"' + (f' outlineLevel="{c.level}"' if c.level else "")
        return f'<col min="{c.first + 1}" max="{c.last + 1}" width="{_width(c.width):.16g}"{extra}/>'
    return COLS.sub(lambda _: "<cols>" + "".join(col(c) for c in columns) + "</cols>", sheet_xml, count=1)
