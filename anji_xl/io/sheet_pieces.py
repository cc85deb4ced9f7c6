"""A big worksheet read by python-calamine a piece at a time, on every core, as its XML is inflated.

python-calamine reads nothing smaller than a sheet and parses it whole: the 30,000 rows of a big
Data sheet would be held at once as its XML (25 MB), python-calamine's cells and a Python object
per cell, several times the numbers they hold. So the sheet's XML is inflated a little at a time
(ISA-L), cut between rows into pieces of about :data:`PIECE_SIZE` bytes, and each piece becomes a
package of its own: the parts python-calamine reads to open a book and type its cells (the
workbook, its relationships, styles and shared strings) and the sheet with that piece of its rows.
Threads parse a few pieces at once (python-calamine releases the GIL) and hand them over in order;
the caller makes each into what it keeps before the next is parsed. Every cell keeps its
reference, so rows and columns stay the book's, and the pieces put together are the rows
python-calamine reads from the whole sheet (tests/test_sheet_pieces.py compares them on books made
to be hard to cut).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

from python_calamine import CalamineWorkbook

from .zip_parts import inflated_from_file, relationships, relationships_part

#: Bytes of a sheet's XML from which it is read in pieces (about 5,000 rows of Data): a smaller
#: sheet is read whole in a fraction of a second, and its cells are few.
PIECES_FROM = 2**22
#: Bytes of XML in a piece (about 450 rows of Data): smaller pieces hold less at once (the pieces
#: being parsed are most of compute's memory above Data's, its engine writing each block of rows
#: as it makes them; medians of 8 alternating runs each: peaks 94.4 MiB with 512 KiB pieces, 91.3
#: with 384 KiB, 90.9 with 256 KiB), but each opens the book's styles and shared strings again
#: (wall clock 1.21, 1.26 and 1.42 s).
PIECE_SIZE = 3 * 2**17
#: The cores the pieces are parsed on at once; one more piece waits parsed while the caller takes one.
CORES = os.cpu_count() or 1
#: Deflated bytes inflated at a time: a few hundred KB of XML, so a piece is cut soon after it is whole.
_INFLATED_AT_ONCE = 2**16

_SHEET_DATA = re.compile(rb"<((?:[\w.\-]+:)?)sheetData(?:\s[^>]*)?>")
_WORKSHEET = re.compile(rb"<((?:[\w.\-]+:)?)worksheet[\s>]")
#: The workbook's related parts that python-calamine reads when it opens a book, by type.
_OPENING = ("/sharedStrings", "/styles")

Piece = tuple[int, list[list[object]], bytes]  # a piece's first row (1-based), its rows from column A, its XML


def in_pieces(size: int) -> bool:
    """Whether a sheet of ``size`` bytes of XML is read in pieces."""
    return size >= PIECES_FROM


class Uncut(Exception):
    """The sheet's rows cannot be read in pieces with certainty: the caller reads it whole."""


def _other_markup(xml: bytes | bytearray, start: int, end: int) -> bool:
    """Whether a comment, CDATA section or processing instruction lies between ``start`` and
    ``end`` (its text could look like a row): each begins with "<!" or "<?". "<" is everywhere in
    a sheet, so the rare "!" and "?" are looked for instead (at memchr's speed), then the byte before each."""
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


def row_pieces(chunks: Iterator[bytes], size: int) -> Iterator[tuple[bytes, bytes, bytes]]:
    """The sheet's XML, given in chunks, as (the XML before its rows, a piece of its rows, the
    end tags after them), the rows cut before a numbered row once a piece holds ``size`` bytes.
    Raises :class:`Uncut` where rows cannot be told from other text (a comment, CDATA section or
    processing instruction among them) or the sheet has no rows to cut."""
    text, before, row = bytearray(), b"", None
    for chunk in chunks:
        text += chunk
        if row is None:
            opening = _SHEET_DATA.search(text)
            if opening is None:
                continue
            root = _WORKSHEET.search(text, 0, opening.start())
            if root is None:
                raise Uncut("no worksheet element before the rows")
            prefix = opening[1]
            before, closing = bytes(text[:opening.end()]), b"</" + prefix + b"sheetData></" + root[1] + b"worksheet>"
            row = re.compile(b"<" + re.escape(prefix) + rb"""row\s[^>]*?\br\s*=\s*["']\d+["']""")
            del text[:opening.end()]
        while len(text) > size:
            found = row.search(text, size)
            if found is None:
                break
            yield before, _rows_only(text, found.start()), closing
            del text[:found.start()]
    end = text.rfind(b"</" + prefix + b"sheetData>") if row is not None else -1
    if end < 0:
        raise Uncut("no rows between sheetData tags")
    yield before, _rows_only(text, end), closing


def _rows_only(text: bytearray, end: int) -> bytes:
    if _other_markup(text, 0, end):
        raise Uncut("a comment, CDATA section or processing instruction among the rows")
    return bytes(text[:end])


def _parsed(opening: dict[str, bytes], part: str, title: str, xml: tuple[bytes, bytes, bytes], first: bool) -> Piece:
    """A piece's rows as python-calamine reads them (the first piece from A1) and where they start."""
    file = io.BytesIO()
    with zipfile.ZipFile(file, "w") as out:  # stored, not deflated: python-calamine need not inflate it again
        for name, content in opening.items():
            out.writestr(name, content)
        with out.open(part, "w") as sheet:
            for text in xml:
                sheet.write(text)
    file.seek(0)
    with CalamineWorkbook.from_filelike(file) as book:
        file.close()  # python-calamine holds its own copy
        sheet = book.get_sheet_by_name(title)
    rows, start = sheet.to_python(skip_empty_area=not first), sheet.start
    if first or start is None:
        return 1, rows, xml[1]
    top, left = start
    return top + 1, [[""] * left + row for row in rows] if left else rows, xml[1]


def read_in_pieces(path: Path, part: str, title: str) -> Iterator[Piece]:
    """The sheet's rows a piece at a time, in order: (the first row's number, the rows from
    column A, the piece's XML, searched for error values by the caller). Pieces are parsed
    :data:`CORES` at a time while the caller takes the one before; raises :class:`Uncut` where the
    rows cannot be cut or come out of order (the caller then reads the sheet whole)."""
    with zipfile.ZipFile(path) as package, ThreadPoolExecutor(CORES, thread_name_prefix="anji-xl piece") as pool:
        opening = _opening_parts(package)
        xml = row_pieces(inflated_from_file(path, package, package.getinfo(part), _INFLATED_AT_ONCE), PIECE_SIZE)
        waiting: deque = deque()
        next_row = 1
        try:
            for k, pieces in enumerate(xml):
                waiting.append(pool.submit(_parsed, opening, part, title, pieces, k == 0))
                if len(waiting) > CORES:
                    next_row = yield from _in_order(waiting.popleft().result(), next_row)
            while waiting:
                next_row = yield from _in_order(waiting.popleft().result(), next_row)
        finally:  # a caller done early, or an error: the pieces not begun are not parsed
            for future in waiting:
                future.cancel()


def _in_order(piece: Piece, next_row: int) -> Iterator[Piece]:
    """The piece, if it has rows, after a check that they follow the pieces before; returns the
    row the next piece may start at."""
    top, rows, _ = piece
    if not rows:
        return next_row
    if top < next_row:  # rows out of order in the XML: the pieces overlap
        raise Uncut(f"rows out of order at row {top}")
    yield piece
    return top + len(rows)
