"""A package's parts read as the package stores them: ISA-L inflates and deflates them (python-isal,
3-4× zlib's speed, letting go of the GIL), zlib where its wheel is missing. Used by the reader's
error search and by the writers, which copy and rewrite parts without inflating them twice."""

from __future__ import annotations

import zipfile
import zlib
from typing import Iterator

try:
    from isal import isal_zlib as deflate_lib
except ImportError:  # pragma: no cover — a platform without its wheel: the standard library's zlib
    deflate_lib = zlib

INFLATE_ERRORS = (zlib.error, deflate_lib.error)
INFLATE_PIECE = 2**18  # deflated bytes of a part inflated at a time (a few MB of XML)
_LOCAL_HEADER = b"PK\x03\x04"


def stored(data: bytes, info: zipfile.ZipInfo) -> memoryview | None:
    """A part's bytes as the package stores them (stored or deflated); None for other methods or
    encrypted parts, which only zipfile reads."""
    at = info.header_offset
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1 or data[at:at + 4] != _LOCAL_HEADER:
        return None
    start = at + 30 + int.from_bytes(data[at + 26:at + 28], "little") + int.from_bytes(data[at + 28:at + 30], "little")
    return memoryview(data)[start:start + info.compress_size]


def inflated(data: bytes, package: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's content in pieces, inflated from the package's bytes (``data``), its size and
    CRC-32 checked at the end as zipfile's own read does, so a damaged part is refused."""
    raw = stored(data, info)
    if raw is None:
        yield package.read(info.filename)
        return
    engine = deflate_lib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    size = crc = 0
    for k in range(0, len(raw), INFLATE_PIECE):
        piece = engine.decompress(raw[k:k + INFLATE_PIECE]) if engine else bytes(raw[k:k + INFLATE_PIECE])
        size, crc = size + len(piece), deflate_lib.crc32(piece, crc)
        yield piece
    rest = engine.flush() if engine else b""
    size, crc = size + len(rest), deflate_lib.crc32(rest, crc)
    if rest:
        yield rest
    if size != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
