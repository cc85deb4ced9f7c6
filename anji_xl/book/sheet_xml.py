"""Writing a sheet module's cells into a worksheet's XML (for ``anji-xl recalc``).

Only the parts that follow the data are rewritten — the cell rows, the column widths and the
used-range dimension; everything else in the sheet's XML (views, panes, conditional formats,
validation, drawings, page setup) is kept as it is. Styles are the book's own: each style kind
takes the style index of a sample cell whose place does not move.

A long sheet is millions of cells, so the body is made a column at a time (one comprehension
per column, its numbers formatted together by orjson: the shortest text that reads back as the
same double, as ``repr`` gives it) and each row is one join; the old rows are not parsed, only
their opening tags are looked up.
"""

from __future__ import annotations

import numbers
import re
from xml.sax.saxutils import escape, unescape

import orjson

from .layout import Cell, Column, SharedColumn, letter

ROW = re.compile(r'<row r="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.S)
ROW_OPENING = re.compile(r'<row r="(\d+)"[^>]*?(/?)>')
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
    text = formula.removeprefix("=").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # escape(), without its call
    f = f"<f{attributes}>{text}</f>" if formula else f"<f{attributes}/>"
    if number is not None:
        return f'<c r="{ref}"{s}>{f}<v>{number}</v></c>'
    kind = "e" if value in _ERRORS else "str"
    return f'<c r="{ref}"{s} t="{kind}">{f}<v>{escape(str(value))}</v></c>'


def _number(value: object) -> str | None:
    """The text of a number cell's value (NumPy numbers included); None for anything else."""
    kind = type(value)
    if kind is float:
        return repr(value)
    if kind is int:
        return str(value)
    if kind is bool or not isinstance(value, numbers.Real):
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


def numbers_text(values: list) -> list[str]:
    """The ``<v>`` text of each number of ``values`` (floats and ints, NumPy's included), all at once."""
    return orjson.dumps(values, default=float).decode()[1:-1].split(",") if values else []


def column_xml(name: str, first_row: int, values: list, style: str | None, text_style: str | None = None, follower: str = "") -> list[str]:
    """The ``<c>`` of each value of a column from row ``first_row`` (1-based) down, "" where the
    value is None: constants as :func:`cell_xml` writes them, or with ``follower`` (the
    ``<f t="shared" si=…/>`` of a shared formula) each cell repeating that formula with its
    cached value. ``text_style``: the style of text cells when it differs from ``style``."""
    s = f' s="{style}"' if style else ""
    t = s if text_style is None else (f' s="{text_style}"' if text_style else "")
    out = [""] * len(values)
    at_numbers, number_values = [], []
    for k, value in enumerate(values):
        kind = type(value)
        if kind is float or kind is int:
            at_numbers.append(k)
            number_values.append(value)
        elif value is None:
            continue
        elif kind is not str and kind is not bool and isinstance(value, numbers.Real):  # NumPy's numbers
            at_numbers.append(k)
            number_values.append(int(value) if isinstance(value, numbers.Integral) else float(value))
        elif follower:
            out[k] = f'<c r="{name}{first_row + k}"{t} t="{"e" if value in _ERRORS else "str"}">{follower}<v>{escape(str(value))}</v></c>'
        else:
            text = escape(str(value))
            space = ' xml:space="preserve"' if text != text.strip() else ""
            out[k] = f'<c r="{name}{first_row + k}"{t} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    opening, closing = f'<c r="{name}', f'"{s}>{follower}<v>'
    for k, text in zip(at_numbers, numbers_text(number_values)):
        out[k] = f"{opening}{first_row + k}{closing}{text}</v></c>"
    return out


class RowGrid:
    """A sheet's new rows, each a list of ``width`` slots of XML, joined in slot order when
    written: a slot is a column, or a block of columns whose row is one fragment (slots must
    follow the columns' order)."""

    def __init__(self, width: int):
        self.width, self.last_col = width, 0
        self.rows: dict[int, list[str]] = {}

    def place(self, number: int, slot: int, fragment: str, last_col: int) -> None:
        """A fragment in row ``number`` (1-based) whose last cell is in column ``last_col``."""
        found = self.rows.get(number)
        if found is None:
            found = self.rows[number] = [""] * self.width
        found[slot] = fragment
        self.last_col = max(self.last_col, last_col)

    def place_column(self, col: int, first_row: int, fragments: list[str]) -> None:
        """One fragment per row from ``first_row`` (1-based) down, in column ``col`` ("" for none)."""
        self.place_cells((number, col, fragment) for number, fragment in enumerate(fragments, first_row) if fragment)

    def place_cells(self, cells) -> None:
        """Fragments (row number, column, XML) of one cell each, the slot being the column:
        :meth:`place` without a call per cell."""
        rows, width, last = self.rows, self.width, self.last_col
        for number, col, fragment in cells:
            found = rows.get(number)
            if found is None:
                found = rows[number] = [""] * width
            found[col] = fragment
            last = col if col > last else last
        self.last_col = last

    def write(self, sheet_xml: str, keep_below: int = 0, columns: list[Column] | None = None) -> str:
        """The sheet with its rows from ``keep_below`` (0-based) on replaced by these rows (a row
        keeps its own attributes, its height, when it had them), and with ``columns`` its ``<cols>``."""
        openings, kept = {}, {}
        for match in ROW_OPENING.finditer(sheet_xml):
            number = int(match.group(1))
            if number <= keep_below:
                end = match.end() if match.group(2) else sheet_xml.find("</row>", match.end()) + len("</row>")
                if end >= match.end():  # a row that is not closed is not kept (as before)
                    kept[number] = sheet_xml[match.start():end]
            if number in self.rows:
                openings[number] = re.sub(r' spans="[^"]*"', "", match.group(0)[:-2 if match.group(2) else -1])
        rows = dict(kept)
        for number, fragments in self.rows.items():
            rows[number] = openings.get(number, f'<row r="{number}"') + ">" + "".join(fragments) + "</row>"
        start, end = _sheet_data_span(sheet_xml)
        head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{letter(self.last_col)}{max(rows, default=1)}"/>',
                      sheet_xml[:start], count=1)
        head = head if columns is None else replace_columns(head, columns)  # <cols> comes before <sheetData>
        if start == end:  # no sheetData to replace
            return head + sheet_xml[start:]
        return "".join([head, "<sheetData>", *(rows[r] for r in sorted(rows)), "</sheetData>", sheet_xml[end:]])  # one copy of a long sheet


def _sheet_data_span(sheet_xml: str) -> tuple[int, int]:
    """Where ``<sheetData>…</sheetData>`` (or ``<sheetData/>``) is, found without a regex over a
    long sheet; an empty span at the end of the sheet where there is none."""
    start = sheet_xml.find("<sheetData")
    close = sheet_xml.find(">", start)
    if start < 0 or close < 0:
        return len(sheet_xml), len(sheet_xml)
    if sheet_xml[close - 1] == "/":
        return start, close + 1
    end = sheet_xml.find("</sheetData>", close)
    return (start, end + len("</sheetData>")) if end >= 0 else (len(sheet_xml), len(sheet_xml))


def replace_rows(sheet_xml: str, cells: list[Cell], styles: dict[str, str], keep_below: int = 0,
                 shared: list[SharedColumn] = (), columns: list[Column] | None = None) -> str:
    """The sheet with its rows from ``keep_below`` (0-based) on replaced by ``cells`` and the
    ``shared`` columns (a row keeps its own attributes, its height, when it had them), and with
    ``columns`` its column widths."""
    grid = RowGrid(max([c.col for c in cells] + [c.col for c in shared] + [0]) + 1)
    letters = [letter(col) for col in range(grid.width)]
    grid.place_cells((c.row + 1, c.col, cell_xml(f"{letters[c.col]}{c.row + 1}", c.value, styles.get(c.kind), c.formula)) for c in cells)
    for si, column in enumerate(shared):
        name, style = letter(column.col), styles.get(column.kind)
        first, last = column.first_row + 1, column.first_row + len(column.values)
        master = cell_xml(f"{name}{first}", column.values[0], style, column.formula, f't="shared" ref="{name}{first}:{name}{last}" si="{si}"')
        grid.place_column(column.col, first, [master, *column_xml(name, first + 1, column.values[1:], style, follower=f'<f t="shared" si="{si}"/>')])
    return grid.write(sheet_xml, keep_below, columns)


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


_CELL_AT = r'<c r="{ref}"(?=[\s/>])[^>]*?(?:/>|>.*?</c>)'
_SHARED_ITEM = re.compile(r"<si>(.*?)</si>", re.S)
_TEXT = re.compile(r"<t(?:\s[^>]*)?>([^<]*)</t>")


def shared_strings(strings_xml: str) -> list[str]:
    """The texts of a book's shared-strings part, in order (rich text joined)."""
    return [unescape("".join(_TEXT.findall(item))) for item in _SHARED_ITEM.findall(strings_xml)]


def cell_value(sheet_xml: str, ref: str, strings: list[str]) -> object:
    """The constant a cell holds (a number, a text, or None when blank or absent)."""
    found = re.search(_CELL_AT.format(ref=ref), sheet_xml, re.S)
    if found is None:
        return None
    cell = found.group(0)
    kind = re.match(r'<c [^>]*?\bt="(\w+)"', cell)
    value = re.search(r"<v>([^<]*)</v>", cell)
    if kind and kind.group(1) == "inlineStr":
        return unescape("".join(_TEXT.findall(cell)))
    if value is None:
        return None
    if kind and kind.group(1) == "s":
        return strings[int(value.group(1))]
    if kind and kind.group(1) in ("str", "e"):
        return unescape(value.group(1))
    number = float(value.group(1))
    return int(number) if number.is_integer() else number


def set_cell(sheet_xml: str, ref: str, value: object) -> str:
    """The sheet with one cell holding the constant ``value`` in the cell's own style; a cell
    not in the sheet goes into its row in column order (the row is made when absent)."""
    found = re.search(_CELL_AT.format(ref=ref), sheet_xml, re.S)
    style = re.match(r'<c [^>]*?\bs="(\d+)"', found.group(0)) if found else None
    new = cell_xml(ref, value, style.group(1) if style else None)
    if found:
        return sheet_xml[:found.start()] + new + sheet_xml[found.end():]
    column, number = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()
    row = re.search(rf'<row r="{number}"[^>]*?(/?)>', sheet_xml)
    if row is None:
        later = next((m for m in ROW_OPENING.finditer(sheet_xml) if int(m.group(1)) > int(number)), None)
        at = later.start() if later else sheet_xml.index("</sheetData>")
        return sheet_xml[:at] + f'<row r="{number}">{new}</row>' + sheet_xml[at:]
    if row.group(1):  # an empty row <row …/>
        return sheet_xml[:row.start()] + row.group(0)[:-2] + f">{new}</row>" + sheet_xml[row.end():]
    end = sheet_xml.index("</row>", row.end())
    width = lambda name: (len(name), name)  # noqa: E731 — column order: B < Z < AA
    after = next((m.start() for m in re.finditer(r'<c r="([A-Z]+)\d+"', sheet_xml[row.end():end]) if width(m.group(1)) > width(column)), None)
    at = row.end() + after if after is not None else end
    return sheet_xml[:at] + new + sheet_xml[at:]
