"""Writing a sheet module's cells into a worksheet's XML (for ``anji-xl recalc``).

Only the parts that follow the data are rewritten — the cell rows, the column widths and the
used-range dimension; everything else in the sheet's XML (views, panes, conditional formats,
validation, drawings, page setup) is kept as it is. Styles are the book's own: each style kind
takes the style index of a sample cell whose place does not move.

A long sheet is millions of cells and hundreds of megabytes of XML, so it is never held whole:
the old sheet is read in pieces as it is inflated (only the rows at its top are kept; of the
others only the opening tags are looked at), and the new rows are made and handed on a batch at
a time. In a batch, a column whose every row has a cell (a number or a text) is part of a row
template filled in once per row, its numbers formatted together by orjson (the shortest text that reads
back as the same double, as ``repr`` gives it).
"""

from __future__ import annotations

import numbers
import re
import zipfile
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import compress, count, repeat
from operator import is_not
from html import escape as _html_escape
from html import unescape  # XML's entities and character references (openpyxl writes 安 as &#23433;)

from typing import Callable, Iterable, Iterator

import orjson

from ..joining import joined
from .layout import Cell, Column, SharedColumn, letter

#: A text as XML character data: & < > escaped (as xml.sax.saxutils.escape does; that module
#: loads urllib, http.client and ssl, 9 ms of a recalc's start).
escape = partial(_html_escape, quote=False)

ROW = re.compile(r'<row r="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.S)
ROW_OPENING = re.compile(r'<row r="(\d+)"[^>]*?(/?)>')
CELL = re.compile(r'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', re.S)  # a cell's whole XML: its column letters and row
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
    value is None: constants as :func:`cell_xml` writes them (an empty text as an empty cell in
    ``style``, as XlsxWriter writes one), or with ``follower`` (the ``<f t="shared" si=…/>`` of a
    shared formula) each cell repeating that formula with its cached value. ``text_style``: the
    style of text cells when it differs from ``style``."""
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
        elif value == "":
            out[k] = f'<c r="{name}{first_row + k}"{s}/>'
        else:
            text = escape(str(value))
            space = ' xml:space="preserve"' if text != text.strip() else ""
            out[k] = f'<c r="{name}{first_row + k}"{t} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    opening, closing = f'<c r="{name}', f'"{s}>{follower}<v>'
    for k, text in zip(at_numbers, numbers_text(number_values)):
        out[k] = f"{opening}{first_row + k}{closing}{text}</v></c>"
    return out


BATCH = 2048  # rows made at a time: a long sheet is handed on in pieces, never held whole as text


@dataclass(frozen=True)
class CellColumn:
    """Cells down one column from row ``first`` (1-based) as :func:`column_xml` writes ``values``
    (None: no cell); ``master``, when given, is the first cell's whole XML: a shared formula's
    master, whose cells below repeat it with ``follower``."""

    col: int
    first: int
    values: list
    style: str | None
    text_style: str | None = None
    follower: str = ""
    master: str = ""

    @property
    def stop(self) -> int:
        """The row below the column's last cell."""
        return self.first + len(self.values)

    def fragments(self, start: int, stop: int) -> list[str]:
        """The XML of its cell in each row from ``start`` to ``stop`` (1-based, exclusive), "" for none."""
        a, b = max(start, self.first), min(stop, self.stop)
        if a >= b:
            return [""] * (stop - start)
        out = [""] * (a - start) + column_xml(letter(self.col), a, self.values[a - self.first:b - self.first], self.style,
                                              self.text_style, self.follower) + [""] * (stop - b)
        if self.master and start <= self.first < stop:
            out[self.first - start] = self.master
        return out

    def uniform(self, start: int, stop: int, formatted: dict[tuple[int, int], list[bytes]] | None = None) -> tuple[bytes, bytes, bytes, list[bytes]] | None:
        """When every row from ``start`` to ``stop`` has a cell, a number or a text (errors and
        other texts not both), and none is the master: each cell's XML (UTF-8) as what comes
        before the row's number, between it and the value, and after the value, and each cell's
        value (together what :meth:`fragments` writes). Where numbers and texts mix, each cell's
        value carries what comes between and after it. ``formatted``: the number texts of these
        rows by the list of values they come from (its ``id``), for columns that hold one list
        (Scores' live columns and their native twins)."""
        if self.first > start or self.stop < stop or (self.master and self.first >= start):
            return None
        values = self.values[start - self.first:stop - self.first]
        kinds = set(map(type, values))
        if not kinds <= {float, int, str}:
            return None
        before = f'<c r="{letter(self.col)}'.encode()
        if str not in kinds:
            texts = None if formatted is None else formatted.get((id(self.values), self.first))
            if texts is None:
                texts = _number_texts(values)
                if formatted is not None:
                    formatted[(id(self.values), self.first)] = texts
            return before, *self._number_xml(), texts
        if not self.follower and "" in values:  # an empty cell among the texts: each cell as column_xml writes it
            return None
        if len(kinds) == 1:
            texts = self._texts(values)
            return None if texts is None else (before, *texts)
        is_text = [type(v) is str for v in values]
        texts = self._texts([v for v, text in zip(values, is_text) if text])
        if texts is None:
            return None
        numbers = self._numbers([v for v, text in zip(values, is_text) if not text])
        text_cells, number_cells = (iter([between + value + after for value in shown]) for between, after, shown in (texts, numbers))
        return before, b"", b"", [next(text_cells) if text else next(number_cells) for text in is_text]

    def _numbers(self, values: list) -> tuple[bytes, bytes, list[bytes]]:
        """A number cell's XML between its row number and its value, after the value, and each value's text."""
        return *self._number_xml(), _number_texts(values)

    def _number_xml(self) -> tuple[bytes, bytes]:
        s = f' s="{self.style}"' if self.style else ""
        return f'"{s}>{self.follower}<v>'.encode(), b"</v></c>"

    def _texts(self, values: list[str]) -> tuple[bytes, bytes, list[bytes]] | None:
        """As :meth:`_numbers`, for texts (None: errors and other texts mixed, or a text holding \\x00)."""
        s = f' s="{self.style}"' if self.style else ""
        t = s if self.text_style is None else (f' s="{self.text_style}"' if self.text_style else "")
        together = "\x00".join(values)  # the texts escaped at once, and split again where they were joined
        if together.count("\x00") != len(values) - 1:  # a text holding \x00 (no XML text may): written cell by cell
            return None
        shown = escape(together) if "&" in together or "<" in together or ">" in together else together  # what escape() changes: 15× a regular expression's speed on Chinese text
        if not self.follower:
            if len("".join(map(str.strip, values))) == len(together) - len(values) + 1:  # no text begins or ends with a space
                return f'"{t} t="inlineStr"><is><t>'.encode(), b"</t></is></c>", shown.encode().split(b"\x00")
            inline = {v: _inline_text(v).encode() for v in set(shown.split("\x00"))}
            return f'"{t} t="inlineStr"><is>'.encode(), b"</t></is></c>", [inline[v] for v in shown.split("\x00")]
        texts = set(values)
        errors = texts.intersection(_ERRORS)
        if errors and errors != texts:
            return None
        return f'"{t} t="{"e" if errors else "str"}">{self.follower}<v>'.encode(), b"</v></c>", shown.encode().split(b"\x00")


def _number_texts(values: list) -> list[bytes]:
    """The ``<v>`` text (UTF-8) of each number, all at once."""
    return orjson.dumps(values, default=float)[1:-1].split(b",")


def _inline_text(text: str) -> str:
    """The ``<t>`` of an inline string (its spaces kept where it begins or ends with one), without its end tag."""
    return f'<t xml:space="preserve">{text}' if text != text.strip() else f"<t>{text}"


class SheetRows:
    """A sheet's new rows: single cells (their XML by row and column) and columns of cells, made
    into row XML a batch of rows at a time. Where every row of a batch has a column's cell, a
    number or a text, the batch's rows are one template filled in row by row (a long sheet is millions
    of cells: most of them then cost no Python call of their own)."""

    def __init__(self) -> None:
        self.cells: dict[int, dict[int, str]] = {}
        self.columns: list[CellColumn] = []

    def cell(self, row: int, col: int, xml: str) -> None:
        """One cell's XML in row ``row`` (1-based), column ``col`` (0-based)."""
        self.cells.setdefault(row, {})[col] = xml

    def column(self, column: CellColumn) -> None:
        """A column of cells; its trailing Nones are no cells (found at C speed: a forecast's
        off-track keys are 69,000 cells, most of them None)."""
        values = column.values
        trailing = next(compress(count(), map(is_not, reversed(values), repeat(None))), len(values))
        last = len(values) - trailing
        if last:
            self.columns.append(column if last == len(column.values) else replace(column, values=column.values[:last]))

    def extent(self) -> tuple[int, int]:
        """The last row (1-based) and the last column (0-based) with a cell, 0 where none."""
        rows = [*self.cells, *(c.stop - 1 for c in self.columns)]
        cols = [*(col for cells in self.cells.values() for col in cells), *(c.col for c in self.columns)]
        return max(rows, default=0), max(cols, default=0)

    def xml(self, kept: dict[int, str], openings: dict[int, str]) -> Iterator[bytes]:
        """The rows' XML (UTF-8) in order, a batch at a time; ``kept`` (whole rows by number) fill the rows
        that have no new cells; a row's opening tag (without its ``>``) comes from ``openings``
        when the old row said more than its number."""
        columns = sorted(self.columns, key=lambda c: c.col)
        one_by_one = max([*self.cells, *kept], default=0)  # rows of single cells and kept rows go one by one
        first = min([*self.cells, *kept, *(c.first for c in columns)], default=1)
        stop = max([one_by_one + 1, *(c.stop for c in columns)])
        if one_by_one >= first:
            yield self._one_by_one(columns, first, one_by_one + 1, kept, openings).encode("utf-8")
        start = max(first, one_by_one + 1)
        # a batch ends where a long column begins (below its master, if it has one) and where it
        # ends: the rows of each batch then fill in its template, not one cell at a time
        long = [c for c in columns if c.stop - c.first > BATCH]
        cuts = {cut for c in long for cut in (c.first + 1 if c.master else c.first, c.stop) if start < cut < stop}
        ends = sorted(cuts.union(range(start + BATCH, stop, BATCH), [stop]))
        for end in ends:
            yield _batch(columns, start, end, openings)
            start = end

    def _one_by_one(self, columns: list[CellColumn], start: int, stop: int, kept: dict[int, str], openings: dict[int, str]) -> str:
        fragments = [(c.col, c.fragments(start, stop)) for c in columns if c.first < stop and c.stop > start]
        out = []
        for number in range(start, stop):
            cells = dict(self.cells.get(number, {}))
            cells.update((col, xml[number - start]) for col, xml in fragments if xml[number - start])
            if cells:
                out.append(_opening(number, openings) + "".join(cells[col] for col in sorted(cells)) + "</row>")
            elif number in kept:
                out.append(kept[number])
        return "".join(out)


def _opening(number: int, openings: dict[int, str]) -> str:
    return openings.get(number, f'<row r="{number}"') + ">"


def _batch(columns: list[CellColumn], start: int, stop: int, openings: dict[int, str]) -> bytes:
    """Rows ``start`` to ``stop`` (1-based, exclusive) of ``columns`` (UTF-8). A row is a template:
    fixed pieces between slots, filled in per row. Where a column is uniform the slots of its row
    numbers and of its values are filled for every row of the batch at once (slice assignments
    over the batch's rows laid end to end), and any other column's slot takes its cell's XML."""
    row: list[bytes | None] = [b"", None]  # pieces, and None for a slot; slot 1: the row's opening tag
    formatted: dict[tuple[int, int], list[bytes]] = {}  # the number texts of these rows, by the values' list (CellColumn.uniform)
    uniform, others = [], []  # (the slot of a uniform column's row number, its values); (slot, each row's XML)

    def piece(part: bytes) -> None:
        if row[-1] is None:
            row.append(part)
        else:
            row[-1] += part

    for column in columns:
        if column.first >= stop or column.stop <= start:
            continue
        found = column.uniform(start, stop, formatted)
        if found is None:
            piece(b"")
            others.append((len(row), [xml.encode("utf-8") for xml in column.fragments(start, stop)]))
            row.append(None)
            continue
        before, between, after, values = found
        piece(before)
        uniform.append((len(row), values))
        row.extend([None, between, None, after])  # number, piece, value, piece: 4 places a column
    piece(b"</row>")
    heads = [b'<row r="%d">' % n for n in range(start, stop)]
    for n in openings.keys() & range(start, stop):
        heads[n - start] = _opening(n, openings).encode("utf-8")
    if not uniform:  # each row on its own: a row where no column has a cell is left out
        out = []
        for k, head in enumerate(heads):
            row[1] = head
            for at, fragments in others:
                row[at] = fragments[k]
            line = b"".join(row)
            if len(line) > len(head) + len(b"</row>"):
                out.append(line)
        return b"".join(out)
    width = len(row)
    rows = row * len(heads)
    rows[1::width] = heads
    row_numbers = [b"%d" % n for n in range(start, stop)]
    for at, values in uniform:
        rows[at::width] = row_numbers
        rows[at + 2::width] = values
    for at, fragments in others:
        rows[at::width] = fragments
    return joined(rows)


_ROW_AT = re.compile(rb'<row r="(\d+)"([^>]*?)(/?)>')
_SPANS = re.compile(rb' spans="[^"]*"')


@dataclass
class OldSheet:
    """What a rewrite keeps of a sheet's XML: the text before its rows and after them, the rows
    up to some row (whole), and the opening tags of rows that say more than their number."""

    head: str
    tail: str = ""
    has_rows: bool = False  # whether there is a sheetData
    top: dict[int, str] = field(default_factory=dict)
    openings: dict[int, str] = field(default_factory=dict)


def scan(pieces: Iterable[bytes], top: int) -> OldSheet:
    """A sheet's XML, read in pieces as it is inflated, taken apart without a regular expression
    over the whole of a long sheet: the rows up to ``top`` (1-based) are kept whole, of the
    others only the opening tags that say more than the row's number."""
    pieces = iter(pieces)
    buffer, head = b"", []
    while True:  # the head: everything before <sheetData
        at = buffer.find(b"<sheetData")
        close = buffer.find(b">", at) if at >= 0 else -1
        if close >= 0:
            break
        piece = next(pieces, None)
        if piece is None:
            return OldSheet(b"".join([*head, buffer]).decode("utf-8"))
        if at < 0 and len(buffer) > _KEEP:  # "<sheetData" may begin in the last bytes
            head.append(buffer[:-_KEEP])
            buffer = buffer[-_KEEP:]
        buffer += piece
    head.append(buffer[:at])
    sheet = OldSheet(b"".join(head).decode("utf-8"), has_rows=True)
    if buffer[close - 1:close] == b"/":  # <sheetData/>
        sheet.tail = b"".join([buffer[close + 1:], *pieces]).decode("utf-8")
        return sheet
    buffer, pos = buffer[close + 1:], 0
    while True:
        end = buffer.find(b"</sheetData>", pos)
        limit = len(buffer) if end < 0 else end
        waiting = None  # where a row begins that goes on in the next piece
        while (at := buffer.find(b"<row", pos, limit)) >= 0:
            row = _ROW_AT.match(buffer, at, limit)
            if row is None:
                if end < 0 and buffer.find(b">", at, limit) < 0:
                    waiting = at
                    break
                pos = at + 4
                continue
            number = int(row.group(1))
            if number <= top:
                stop = row.end() if row.group(3) else buffer.find(b"</row>", row.end(), limit)
                if stop < 0 and end < 0:
                    waiting = at
                    break
                if stop >= 0:  # a row that is not closed is not kept
                    sheet.top[number] = buffer[at:stop if row.group(3) else stop + len(b"</row>")].decode("utf-8")
            said = _SPANS.sub(b"", row.group(2))
            if said:
                sheet.openings[number] = f'<row r="{number}"' + said.decode("utf-8")
            pos = row.end()
        if end >= 0:
            sheet.tail = b"".join([buffer[end + len(b"</sheetData>"):], *pieces]).decode("utf-8")
            return sheet
        keep = waiting if waiting is not None else max(pos, len(buffer) - _KEEP)
        buffer, pos = buffer[keep:], 0
        piece = next(pieces, None)
        if piece is None:
            raise zipfile.BadZipFile("a worksheet without </sheetData>")
        buffer += piece


_KEEP = 16  # bytes kept from one piece to the next: a tag looked for may begin in them


def rewrite(old: Iterable[bytes], make: Callable[[str], SheetRows], keep_below: int = 0, look_at: int = 0,
            columns: list[Column] | None = None) -> Iterator[bytes]:
    """The sheet whose XML is ``old`` (in pieces) with its rows from ``keep_below`` (0-based) on
    replaced by the rows ``make`` returns (given the XML of the old rows up to ``look_at``,
    1-based, to learn the book's styles from), a row keeping its own attributes, its height,
    when it had them; and with ``columns`` its ``<cols>``. Written in pieces (UTF-8)."""
    sheet = scan(old, max(keep_below, look_at))
    rows = make("".join(xml for _, xml in sorted(sheet.top.items())))
    kept = {number: xml for number, xml in sheet.top.items() if number <= keep_below}
    last_row, last_col = rows.extent()
    head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{letter(last_col)}{max(last_row, *kept, 1)}"/>', sheet.head, count=1)
    head = head if columns is None else replace_columns(head, columns)  # <cols> comes before <sheetData>
    if not sheet.has_rows:
        yield head.encode("utf-8")
        return
    yield (head + "<sheetData>").encode("utf-8")
    yield from rows.xml(kept, sheet.openings)
    yield ("</sheetData>" + sheet.tail).encode("utf-8")


def rewrite_text(sheet_xml: str, make: Callable[[str], SheetRows], keep_below: int = 0, look_at: int = 0,
                 columns: list[Column] | None = None) -> str:
    """:func:`rewrite` of a sheet held as text."""
    return b"".join(rewrite([sheet_xml.encode("utf-8")], make, keep_below, look_at, columns)).decode("utf-8")


def sheet_rows(cells: list[Cell], styles: dict[str, str], shared: list[SharedColumn] = ()) -> SheetRows:
    """A sheet module's cells as rows: single cells, and each shared column as one shared formula
    (a column of one cell as a plain formula), in the styles of their kinds."""
    rows = SheetRows()
    for c in cells:
        rows.cell(c.row + 1, c.col, cell_xml(f"{letter(c.col)}{c.row + 1}", c.value, styles.get(c.kind), c.formula))
    si = 0
    for column in shared:
        name, style, first = letter(column.col), styles.get(column.kind), column.first_row + 1
        if len(column.values) == 1:
            rows.column(CellColumn(column.col, first, column.values, style, master=cell_xml(f"{name}{first}", column.values[0], style, column.formula)))
            continue
        shared_as = f't="shared" ref="{name}{first}:{name}{first + len(column.values) - 1}" si="{si}"'
        rows.column(CellColumn(column.col, first, column.values, style, follower=f'<f t="shared" si="{si}"/>',
                               master=cell_xml(f"{name}{first}", column.values[0], style, column.formula, shared_as)))
        si += 1
    return rows


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
