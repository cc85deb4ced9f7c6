"""A package's parts read as the package stores them: ISA-L inflates and deflates them (python-isal,
3-4× zlib's speed, letting go of the GIL), zlib where its wheel is missing. Used by the reader's
error search and by the writers, which copy and rewrite parts without inflating them twice. And
how the parts relate: a part's relationships, by id."""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from pathlib import Path
from typing import Iterator
from xml.etree import ElementTree

try:
    from isal import isal_zlib as deflate_lib
except ImportError:  # pragma: no cover — a platform without its wheel: the standard library's zlib
    deflate_lib = zlib

INFLATE_ERRORS = (zlib.error, deflate_lib.error)
INFLATE_PIECE = 2**18  # deflated bytes of a part inflated at a time (a few MB of XML)
_LOCAL_HEADER = b"PK\x03\x04"


def _data_offset(header: bytes, info: zipfile.ZipInfo) -> int | None:
    """Where a part's stored bytes start, from the 30 bytes of its local header; None for a part
    only zipfile reads (another method, encrypted) or a header that is not one."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1 or header[:4] != _LOCAL_HEADER:
        return None
    return info.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")


def stored(data: bytes, info: zipfile.ZipInfo) -> memoryview | None:
    """A part's bytes as the package stores them (stored or deflated); None for other methods or
    encrypted parts, which only zipfile reads."""
    start = _data_offset(data[info.header_offset:info.header_offset + 30], info)
    return None if start is None else memoryview(data)[start:start + info.compress_size]


def _inflate(raw: Iterator[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The content of a part from its stored bytes in pieces, its size and CRC-32 checked at the
    end as zipfile's own read does, so a damaged part is refused."""
    engine = deflate_lib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    size = crc = 0
    for chunk in raw:
        piece = engine.decompress(chunk) if engine else bytes(chunk)
        size, crc = size + len(piece), deflate_lib.crc32(piece, crc)
        yield piece
    rest = engine.flush() if engine else b""
    size, crc = size + len(rest), deflate_lib.crc32(rest, crc)
    if rest:
        yield rest
    if size != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")


def inflated(data: bytes, package: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's content in pieces, inflated from the package's bytes (``data``); see :func:`_inflate`."""
    raw = stored(data, info)
    if raw is None:
        yield package.read(info.filename)
        return
    yield from _inflate((raw[k:k + INFLATE_PIECE] for k in range(0, len(raw), INFLATE_PIECE)), info)


def inflated_from_file(path: Path, package: zipfile.ZipFile, info: zipfile.ZipInfo, piece: int = INFLATE_PIECE) -> Iterator[bytes]:
    """A part's content in pieces, read from the package's file ``piece`` stored bytes at a time
    (a reader that needs one part does not hold the whole file); see :func:`_inflate`."""
    with open(path, "rb") as file:
        file.seek(info.header_offset)
        start = _data_offset(file.read(30), info)
        if start is None:
            yield package.read(info.filename)
            return
        file.seek(start)
        sizes = [min(piece, info.compress_size - k) for k in range(0, info.compress_size, piece)]
        yield from _inflate((file.read(size) for size in sizes), info)


_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _part_of(source: str, target: str) -> str:
    """The package part a relationship of ``source`` points to."""
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relationships_part(source: str) -> str:
    """The part that holds the relationships of ``source`` (the package's own for ``source = ""``)."""
    return posixpath.join(posixpath.dirname(source), "_rels", posixpath.basename(source) + ".rels")


def relationships(package: zipfile.ZipFile, source: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id → (type, target part); the package's own for ``source = ""``."""
    rels = relationships_part(source)
    if rels not in package.NameToInfo:
        return {}
    return {rel.get("Id"): (rel.get("Type", ""), _part_of(source, rel.get("Target", "")))
            for rel in ElementTree.fromstring(package.read(rels)).iter(_RELATIONSHIP)}
