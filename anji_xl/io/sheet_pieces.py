"""A big worksheet read by python-calamine in pieces at once, one on each core.

python-calamine parses a whole sheet on one core (about a second for 30,000 rows of Data, most of
a big book's compute) and reads nothing smaller than a sheet. So a big sheet's XML is inflated once
(ISA-L), cut between rows, and each piece becomes a package of its own: the parts python-calamine
reads to open a book and type its cells (the workbook, its relationships, styles and shared
strings) and the sheet with its share of the rows. Threads parse the pieces at once
(python-calamine releases the GIL). Every cell keeps its reference, so rows and columns stay the
book's, and the pieces put together are the rows python-calamine reads from the whole sheet
(tests/test_sheet_pieces.py compares them on books made to be hard to cut).
"""

from __future__ import annotations

import io
import os
import re
import threading
import zipfile

from python_calamine import CalamineWorkbook

from .zip_parts import relationships, relationships_part

#: Bytes of a sheet's XML from which it is read in pieces (about 5,000 rows of Data): a smaller
#: sheet is read whole in a fraction of a second, not worth a copy of its XML.
PIECES_FROM = 2**22
#: Pieces at most: each costs a thread and a copy of the opening parts, and the caller loads
#: pandas on a core of its own meanwhile.
MOST_PIECES = 4
#: The cores a sheet's pieces are parsed on at once.
CORES = os.cpu_count() or 1

_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData(?:\s[^>]*)?>")
#: The workbook's related parts that python-calamine reads when it opens a book, by type.
_OPENING = ("/sharedStrings", "/styles")

Cut = tuple[bytes, list[memoryview], bytes]  # the XML before the rows, the rows in pieces, the XML after them


def pieces_for(size: int) -> int:
    """How many pieces a sheet of ``size`` bytes of XML is read in (1: whole)."""
    return 1 if size < PIECES_FROM else max(1, min(MOST_PIECES, CORES))


def cut(xml: bytes | bytearray, count: int) -> Cut | None:
    """The sheet's XML around its rows and its rows in up to ``count`` pieces of about equal
    size, each after the first starting with a numbered row; None where rows cannot be told from
    other text with certainty (a comment, CDATA section or processing instruction among them,
    whose text could look like a row) or there is no second piece."""
    opening = _SHEET_DATA.search(xml)
    if opening is None:
        return None
    prefix = opening[1]
    start, end = opening.end(), xml.rfind(b"</" + prefix + b"sheetData>")
    if end < start or _other_markup(xml, start, end):
        return None
    row = re.compile(b"<" + re.escape(prefix) + rb"""row\s[^>]*?\br\s*=\s*["']\d+["']""")
    cuts = [start]
    for k in range(1, count):
        found = row.search(xml, max(cuts[-1] + 1, start + (end - start) * k // count), end)
        if found is None:
            break
        cuts.append(found.start())
    if len(cuts) < 2:
        return None
    rows = memoryview(xml)
    return bytes(xml[:start]), [rows[a:b] for a, b in zip(cuts, cuts[1:] + [end])], bytes(xml[end:])


def _other_markup(xml: bytes | bytearray, start: int, end: int) -> bool:
    """Whether a comment, CDATA section or processing instruction lies between ``start`` and
    ``end``: each begins with "<!" or "<?". "<" is everywhere in a sheet, so the rare "!" and
    "?" are looked for instead (at memchr's speed), then the byte before each."""
    for mark in b"!?":
        at = xml.find(mark, start, end)
        while at >= 0:
            if xml[at - 1] == ord("<"):
                return True
            at = xml.find(mark, at + 1, end)
    return False


def _opening_parts(package: zipfile.ZipFile) -> dict[str, bytes]:
    """The parts python-calamine reads to open the book: the content types, the package's and
    the workbook's relationships, the workbook, its shared strings and styles."""
    workbook = next((part for kind, part in relationships(package, "").values() if kind.endswith("/officeDocument")), "")
    names = ["[Content_Types].xml", relationships_part(""), workbook, relationships_part(workbook)]
    names += [part for kind, part in relationships(package, workbook).values() if kind.endswith(_OPENING)]
    return {name: package.read(name) for name in names if name in package.NameToInfo}


def packed(package: zipfile.ZipFile, part: str, pieces: Cut) -> list[io.BytesIO]:
    """A package for each piece of :func:`cut`: the parts that open the book and the sheet at
    ``part`` with that piece of its rows, stored, not deflated (python-calamine need not inflate
    it again)."""
    before, rows, after = pieces
    opening = _opening_parts(package)
    files = []
    for piece in rows:
        file = io.BytesIO()
        with zipfile.ZipFile(file, "w") as out:
            for name, content in opening.items():
                out.writestr(name, content)
            with out.open(part, "w") as sheet:
                for text in (before, piece, after):
                    sheet.write(text)
        file.seek(0)
        files.append(file)
    return files


def _rows(file: io.BytesIO, title: str, from_a1: bool) -> tuple[list[list[object]], tuple[int, int] | None]:
    """The rows python-calamine reads from the package's sheet, and where they start (row, column, 0-based)."""
    with CalamineWorkbook.from_filelike(file) as book:
        file.close()  # python-calamine holds its own copy
        sheet = book.get_sheet_by_name(title)
    # the sheet holds its cells: the package is let go before they become Python objects
    return sheet.to_python(skip_empty_area=not from_a1), sheet.start


def read_packed(files: list[io.BytesIO], title: str) -> list[list[object]]:
    """The sheet's rows as python-calamine reads the whole sheet with ``skip_empty_area=False``
    (from A1, every row as wide as the widest), read from the packages of :func:`packed`, each
    after the first in a thread of its own."""
    read: list = [None] * len(files)

    def read_piece(k: int) -> None:
        try:
            read[k] = _rows(files[k], title, False)
        except Exception as error:  # noqa: BLE001 — raised again in the reading thread
            read[k] = error

    threads = [threading.Thread(target=read_piece, args=(k,), name=f"anji-xl reading, piece {k + 1}", daemon=True)
               for k in range(1, len(files))]
    for thread in threads:
        thread.start()
    try:
        read[0] = _rows(files[0], title, True)
    finally:
        for thread in threads:
            thread.join()
    failed = next((piece for piece in read if isinstance(piece, Exception)), None)
    if failed is not None:
        raise failed
    rows = read[0][0]
    width = max([len(rows[0]) if rows else 0] + [at[1] + len(more[0]) for more, at in read[1:] if at is not None and more])
    out = _widened(rows, width)
    for more, at in read[1:]:
        if at is None:  # no cell in this piece
            continue
        first_row, first_col = at
        if first_row < len(out):  # rows out of order in the XML: the pieces overlap
            raise ValueError(f"rows out of order at row {first_row + 1}")
        out += [[""] * width for _ in range(first_row - len(out))]
        out += _widened([[""] * first_col + row for row in more] if first_col else more, width)
    return out


def _widened(rows: list[list[object]], width: int) -> list[list[object]]:
    """The rows, each ``width`` long (blank cells, "", added at the end)."""
    return rows if all(len(row) == width for row in rows) else [row + [""] * (width - len(row)) for row in rows]
