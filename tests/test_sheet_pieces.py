"""A big sheet read a piece at a time (anji_xl.io.sheet_pieces, issue 11) gives exactly what
python-calamine reads from the whole sheet, on sheets made to be hard to cut: error values, dates,
booleans, texts shared and in their cells, blanks, a gap of blank rows, rows that start in column C,
rows without numbers, XML with a namespace prefix; and where the rows cannot be cut with
certainty (a comment, CDATA) or come out of order, the sheet is read whole. The reader's problems
and tables are the same with pieces as without, on those books and on a damaged one."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from openpyxl.styles import PatternFill
from python_calamine import CalamineWorkbook

from anji_xl.io import read_book, sheet_pieces
from anji_xl.io.read_book import inspect_book
from anji_xl.io.sheet_pieces import Uncut, read_in_pieces, row_pieces
from conftest import write_book

INDICATORS = [["E1", "低碳生产", "能耗", "逆向", "ratio", 0.5, 0.3], ["E2", "低碳生产", "总量", "negative", "growth", 0.03, 0.2],
              ["G1", "绿色设施", "绿建", "正向", "ratio", 0.7, 0.5]]
ROWS = 600


def hard_book(path: Path) -> Path:
    """A Data sheet of 600 rows hard to cut and to read: see the module's docstring."""
    rng = np.random.default_rng(11)
    data = [[f"县{k // 6:03d}", 2015 + k % 6, *np.round(rng.uniform(0.1, 2, 3), 4).tolist()] for k in range(ROWS)]
    book = write_book(path, INDICATORS, data, [["missing", "reweight"]])
    wb = openpyxl.load_workbook(book)
    ws = wb["Data"]
    oddities = ["#DIV/0!", "#N/A", dt.datetime(2020, 1, 1), True, "1,234.5", " 2020年", None, "无数据", 0, 1]
    for k, value in enumerate(oddities * 12):
        ws.cell(2 + (k * 37) % ROWS, 3 + k % 3, value)
    grey = PatternFill("solid", fgColor="DDDDDD")
    for row in range(ROWS // 2 - 60, ROWS // 2 + 20):  # a gap across the middle: rows with styled cells, no value
        for col in range(1, 6):
            ws.cell(row, col).value = None
            ws.cell(row, col).fill = grey
    for row in range(ROWS // 2 + 20, ROWS - 30):  # rows whose cells start in column C
        ws.cell(row, 1).value = ws.cell(row, 2).value = None
    for row in range(ROWS - 30, ROWS + 2):  # the last rows: styled cells without a value
        for col in range(1, 6):
            ws.cell(row, col).value = None
            ws.cell(row, col).fill = grey
    ws.cell(ROWS + 5, 7, "far right, below")  # a cell beyond the table widens the sheet
    wb.save(book)
    return book


DATA_PART = "xl/worksheets/sheet2.xml"  # openpyxl names the parts in the order of the sheets: Indicators, Data, Settings


def sheet_xml(book: Path) -> tuple[str, bytes]:
    with zipfile.ZipFile(book) as package:
        xml = package.read(DATA_PART)
    assert b"tablePart " in xml  # Data's sheet (Settings has no 600 rows)
    return DATA_PART, xml


def with_sheet(book: Path, out: Path, edit) -> Path:
    """A copy of ``book`` whose Data sheet's XML is ``edit(xml)``."""
    part, xml = sheet_xml(book)
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            copy.writestr(info.filename, edit(xml) if info.filename == part else source.read(info.filename))
    return out


def with_shared_strings(book: Path, out: Path) -> Path:
    """A copy of ``book`` (openpyxl writes every text in its cell) whose units in column A are
    shared strings, in a shared-strings part of the workbook, as Excel writes them."""
    part, xml = sheet_xml(book)
    shared: dict[bytes, int] = {}

    def to_shared(cell: re.Match) -> bytes:
        return b'<c r="A%s" t="s"><v>%d</v></c>' % (cell[1], shared.setdefault(cell[2], len(shared)))
    xml = re.sub(rb'<c r="A(\d+)" t="inlineStr"><is><t>([^<]*)</t></is></c>', to_shared, xml)
    table = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (len(shared), len(shared))
    table += b"".join(b"<si><t>%s</t></si>" % text for text in shared) + b"</sst>"
    relationship = (b'<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml"/></Relationships>')
    content_type = (b'<Override PartName="/xl/sharedStrings.xml" '
                    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    edits = {part: lambda _: xml, "xl/_rels/workbook.xml.rels": lambda old: old.replace(b"</Relationships>", relationship),
             "[Content_Types].xml": lambda old: old.replace(b"</Types>", content_type)}
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            copy.writestr(info.filename, edits.get(info.filename, lambda old: old)(source.read(info.filename)))
        assert "xl/sharedStrings.xml" not in source.namelist() and len(shared) > 40
        copy.writestr("xl/sharedStrings.xml", table)
    return out


def without_row_numbers(xml: bytes) -> bytes:
    """Rows and cells of the second half without ``r`` (allowed: they follow the one before),
    except every tenth row, so the cut has numbered rows to start at."""
    head, rows = xml.split(b"<sheetData>")
    half = rows.index(b'<row r="%d"' % (ROWS // 2))

    def unnumbered(row: re.Match) -> bytes:
        return row[0] if int(row[1]) % 10 == 0 else re.sub(rb' r="[A-Z]*\d+"', b"", row[0])
    return head + b"<sheetData>" + rows[:half] + re.sub(rb'<row r="(\d+)".*?</row>', unnumbered, rows[half:], flags=re.S)


def prefixed(xml: bytes) -> bytes:
    """The same sheet with its elements in a prefixed namespace (``<x:row>``), as some generators write it."""
    xml = xml.replace(b'<worksheet xmlns="', b'<x:worksheet xmlns:x="').replace(b"</worksheet>", b"</x:worksheet>")
    return re.sub(rb"<(/?)(?!x:|\?)([a-zA-Z]+)\b", rb"<\1x:\2", xml)


def commented(xml: bytes) -> bytes:
    """A comment among the rows, holding text that looks like a row."""
    at = xml.index(b'<row r="%d"' % (ROWS // 2 + 30))
    return xml[:at] + b'<!-- <row r="7"><c r="A7"><v>1</v></c></row> -->' + xml[at:]


def out_of_order(xml: bytes) -> bytes:
    """Row 10 moved to after the last row (python-calamine places a row by its number; Excel never writes this)."""
    row = re.search(rb'<row r="10".*?</row>', xml, re.S)[0]
    xml = xml.replace(row, b"")
    return xml.replace(b"</sheetData>", row + b"</sheetData>")


EDITS = {"plain": None, "rows without numbers": without_row_numbers, "prefixed": prefixed}


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pieces")
    plain = with_shared_strings(hard_book(folder / "openpyxl.xlsx"), folder / "plain.xlsx")
    return {name: plain if edit is None else with_sheet(plain, folder / f"{name}.xlsx", edit) for name, edit in
            {**EDITS, "commented": commented, "out of order": out_of_order}.items()}


def whole_and_pieces(book: Path, size: int, monkeypatch) -> tuple[list, list, int]:
    """python-calamine's read of the whole Data sheet, the same read put together from pieces of
    ``size`` bytes of XML, and how many pieces had rows."""
    monkeypatch.setattr(sheet_pieces, "PIECE_SIZE", size)
    whole = CalamineWorkbook.from_path(book).get_sheet_by_name("Data").to_python(skip_empty_area=False)
    rows: list = []
    count = 0
    for top, piece, xml in read_in_pieces(book, DATA_PART, "Data"):
        assert xml.lstrip().startswith((b"<row", b"<x:row")) or top == 1
        rows += [[]] * (top - 1 - len(rows)) + piece
        count += 1
    return [trimmed(row) for row in whole], [trimmed(row) for row in rows], count


def trimmed(row: list) -> list:
    """A row without the blank cells at its end (a piece is as wide as its own widest row)."""
    end = len(row)
    while end and row[end - 1] == "":
        end -= 1
    return row[:end]


@pytest.mark.parametrize("size", [2_000, 9_000, 40_000])
@pytest.mark.parametrize("name", list(EDITS))
def test_pieces_read_as_the_whole_sheet(books, name, size, monkeypatch):
    whole, pieces, count = whole_and_pieces(books[name], size, monkeypatch)
    assert count > 2 and len(whole) > ROWS and {type(v) for row in whole for v in row} >= {float, str, bool, dt.date}  # the book is hard
    assert pieces == whole


def test_rows_with_a_comment_among_them_are_not_cut(books, monkeypatch):
    with pytest.raises(Uncut, match="comment"):
        whole_and_pieces(books["commented"], 9_000, monkeypatch)


def test_pieces_with_rows_out_of_order_are_refused(books, monkeypatch):
    with pytest.raises(Uncut, match="rows out of order at row 10"):  # the reader then reads the whole sheet (below)
        whole_and_pieces(books["out of order"], 9_000, monkeypatch)


def test_a_cut_starts_at_a_numbered_row_of_the_sheets_own_prefix():
    xml = (b'<x:worksheet xmlns:x="m"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'
           b'<x:row><x:c><x:v>2</x:v></x:c></x:row><y:row r="3"/><x:row r="4"><x:c r="A4"><x:v>4</x:v></x:c></x:row>'
           b"</x:sheetData></x:worksheet>")
    chunks = [xml[k:k + 7] for k in range(0, len(xml), 7)]  # inflated a few bytes at a time
    pieces = list(row_pieces(iter(chunks), 10))
    assert {(before, after) for before, _, after in pieces} == {(b'<x:worksheet xmlns:x="m"><x:sheetData>', b"</x:sheetData></x:worksheet>")}
    assert [rows for _, rows, _ in pieces] == [b'<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row><x:row><x:c><x:v>2</x:v></x:c></x:row><y:row r="3"/>',
                                               b'<x:row r="4"><x:c r="A4"><x:v>4</x:v></x:c></x:row>']
    assert len(list(row_pieces(iter([xml.replace(b'<x:row r="4">', b"<x:row>")]), 10))) == 1  # no numbered row to start a second piece at
    with pytest.raises(Uncut):
        list(row_pieces(iter([xml.replace(b"<x:v>2</x:v>", b"<x:v><![CDATA[2]]></x:v>")]), 10))
    assert len(list(row_pieces(iter([xml.replace(b"<x:v>2</x:v>", b"<x:v>2!?</x:v>")]), 10))) == 2  # "!" and "?" in text are no markup
    with pytest.raises(Uncut):
        list(row_pieces(iter([xml.replace(b"</x:sheetData>", b"")]), 10))


def damaged(book: Path, out: Path) -> Path:
    """A copy of ``book`` whose Data part's deflated bytes are damaged in the middle."""
    part, _ = sheet_xml(book)
    data = bytearray(book.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as package:
        info = package.getinfo(part)
    middle = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size // 2
    data[middle:middle + 8] = bytes(8)
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("name", [*EDITS, "commented", "out of order", "damaged"])
def test_the_reader_says_the_same_with_pieces_as_without(books, name, monkeypatch, tmp_path):
    book = damaged(books["plain"], tmp_path / "damaged.xlsx") if name == "damaged" else books[name]
    whole = inspect_book(book, row_notes=True)
    read_whole = []  # the sheets read whole (a spy: python-calamine's read itself is not changed)
    monkeypatch.setattr(read_book, "_sheet_values", lambda ws, read=read_book._sheet_values: read_whole.append(ws.title) or read(ws))
    monkeypatch.setattr(sheet_pieces, "PIECES_FROM", 0)
    monkeypatch.setattr(sheet_pieces, "PIECE_SIZE", 5_000)
    pieces = inspect_book(book, row_notes=True)
    assert [str(p) for p in pieces[1]] == [str(p) for p in whole[1]]
    assert ("Data" in read_whole) == (name in ("commented", "out of order", "damaged"))  # read in pieces where it can be
    if name == "damaged":
        assert whole[0] is None and pieces[0] is None and len(whole[1]) == 1
    else:
        assert len(whole[1]) > 3  # the book has problems to say
        assert pieces[0].panel.values.equals(whole[0].panel.values) and pieces[0].data == whole[0].data
