"""Zip-level writes of a book that never lose a user's work: atomic replace, locks, temporary files.

A book is updated in four steps (:func:`open_for_update`, then :func:`write_parts`):

1. Refuse a book another program has open (its lock file beside it), a read-only book or folder, and
   a folder that lets files be created but not replaced (append-only); remove temporary files that
   earlier runs, killed, left behind.
2. Read the book's bytes once, holding an advisory lock on it so a second ``anji-xl`` writing the
   same book refuses instead of racing.
3. Write the new package (and, with ``--backup``, the copy of the old one) to temporary files in
   the same folder, named ``.~anji-<pid>-<random>.tmp`` and locked while being written, each
   fsynced.
4. Just before the rename, check that the file on disk is still the one read (size, modification
   time, inode and SHA-256 of its bytes): if a user saved it meanwhile, nothing is written. Then
   rename the backup and the book into place and fsync the folder, so the rename survives a power
   loss.

Every failure, Ctrl-C and SIGTERM included, removes this run's temporary files and leaves the
book as it was; a signal once the new book is in place leaves it complete (:data:`replaced`
records that, for the line the command prints). What remains: a save landing in the
microseconds between the last check and the rename is overwritten (no file system offers
compare-and-swap on a rename), and a SIGKILL or power loss leaves a temporary file, which the
next run removes.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import pickle
import secrets
import signal
import stat
import sys
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from copy import copy as shallow_copy
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..io.zip_parts import INFLATE_ERRORS, deflate_lib, inflated, stored
from ..messages import Pair, pair, say
from ..model import AnjiInputError, Problem
from . import forked

try:  # advisory locks: POSIX only; on Windows an open file cannot be deleted or replaced anyway
    import fcntl
except ImportError:  # pragma: no cover — Windows
    fcntl = None

TEMPORARY_PREFIX = ".~anji-"
STALE_AFTER = 10 * 60  # seconds: a temporary file this old, and unlocked, belongs to no live run
REWRITTEN_LEVEL = 1  # deflate level of the rewritten parts: a long Scores is 150 MB of XML; zlib's level 6 takes 3× as long for ~1.3× smaller
DEFLATE_CHUNK = 8 * 2**20  # bytes of a rewritten part deflated apart, in parallel, as they are made
DEFLATING_AHEAD = 4  # chunks deflated or waiting at once: a long part is never held whole
_FS_IOC_GETFLAGS = 0x80086601  # Linux ioctl: the inode flags chattr sets
_APPEND_ONLY, _IMMUTABLE = 0x20, 0x10

_OS_ERRORS: dict[int, tuple[str, str]] = {  # errno → what happened, what to do (keys of the catalogue)
    errno.ENOSPC: ("os.disk_full", "todo.free_space"),
    errno.EDQUOT: ("os.quota_exceeded", "todo.free_space"),
    errno.EROFS: ("os.read_only_fs", "todo.copy_to_writable"),
    errno.EACCES: ("os.permission_denied", "todo.check_permissions"),
    errno.EPERM: ("os.not_permitted", "todo.check_attributes"),
    errno.EIO: ("os.io_error", "todo.check_disk"),
    errno.ENOENT: ("os.gone", "todo.check_path"),
    errno.EBUSY: ("os.in_use", "todo.close_it"),
    errno.ENAMETOOLONG: ("os.name_too_long", "todo.shorten_path"),
}
_PROGRAMS = {"~$": "program.excel", ".~lock.": "program.libreoffice", ".~": "program.wps"}  # lock file prefix → who writes it


# The files (books, reports) this process has moved into place: an interrupt after that, until the
# command returns, must not say "nothing was written" (anji_xl.console reads it; the command line empties it).
replaced: list[Path] = []


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) or SIGTERM, held while a book was written and acted on now."""


def os_error_text(error: OSError) -> str:
    """An OS error as one Chinese-first sentence (without the path): what happened, that nothing
    was written, what to do."""
    code = errno.EBUSY if getattr(error, "winerror", None) in (32, 33) else error.errno  # Windows sharing violation
    name = f" ({errno.errorcode[code]})" if code in errno.errorcode else ""
    what, todo = _OS_ERRORS.get(code, ("os.other", "todo.check_file"))
    return say("os_error", what=pair(what, error=f"{error.strerror or error}{name}"), todo=pair(todo))


def os_error_problem(error: OSError, path: str | Path | None = None) -> Problem:
    """An OS error as a problem naming the file it concerns."""
    return Problem(str(path or error.filename or ""), os_error_text(error))


@dataclass(frozen=True)
class Snapshot:
    """A book's bytes as read once, and what tells whether the file on disk is still them."""

    path: Path  # as the user named it (messages)
    target: Path  # the file written (symbolic links followed)
    data: bytes
    identity: tuple[int, int, int, str]  # size, mtime_ns, inode, SHA-256
    changed: str  # the key of the message when the file changes before it is replaced: the command's own

    def package(self) -> zipfile.ZipFile:
        return zipfile.ZipFile(io.BytesIO(self.data))


def _identity(stat_result: os.stat_result, data: bytes) -> tuple[int, int, int, str]:
    return stat_result.st_size, stat_result.st_mtime_ns, stat_result.st_ino, hashlib.sha256(data).hexdigest()


def lock_files(book: Path) -> list[tuple[Path, Pair]]:
    """The lock files beside ``book`` and the program that wrote each, matched case-insensitively
    (the file systems of Windows and macOS ignore case): Excel's and WPS's owner file ``~$NAME``
    (``~$`` over the first two characters of a long name), LibreOffice's ``.~lock.NAME#``, and WPS
    for Linux's ``.~NAME`` (with one or two first characters dropped). As Seafile's drive client
    matches them: haiwen/seadrive-fuse, src/seafile-session.c ``WPS_LOCK_PATTERN`` and
    src/repo-tree.c ``find_office_file_path`` (the characters a long name loses)."""
    name = book.name.casefold()
    wanted = {f"~${name}": "~$", f"~${name[2:]}": "~$", f".~lock.{name}#": ".~lock.",
              f".~{name}": ".~", f".~{name[1:]}": ".~", f".~{name[2:]}": ".~"}
    try:
        entries = os.listdir(book.parent)
    except OSError:
        return []
    return [(book.with_name(entry), pair(_PROGRAMS[wanted[entry.casefold()]])) for entry in sorted(entries)
            if entry.casefold() in wanted and not entry.startswith(TEMPORARY_PREFIX)]


def _refuse_if_open(book: Path) -> None:
    found = lock_files(book)
    if found:
        lock, program = found[0]
        excel = pair("or_recalculate_in_excel") if "Excel" in program.en else Pair("", "")
        raise AnjiInputError([Problem(str(book), say("book_open", program=program, lock=lock.name, excel=excel))])


def _inode_flags(path: Path) -> int:
    """chattr flags of a file or folder (Linux; 0 where unknown)."""
    if fcntl is None or not sys.platform.startswith("linux"):
        return 0
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return 0
    try:
        flags = bytearray(8)
        fcntl.ioctl(handle, _FS_IOC_GETFLAGS, flags, True)
        return int.from_bytes(flags[:4], "little")
    except OSError:  # a file system without the ioctl
        return 0
    finally:
        os.close(handle)


def check_writable(book: Path) -> None:
    """Refuse clearly, before anything is written, a book that is missing, read-only, open in a
    program, or in a folder where it cannot be replaced."""
    if not book.is_file():
        raise AnjiInputError([Problem(str(book), say("no_file"))])
    target = Path(os.path.realpath(book))
    folder = target.parent
    if _read_only_fs(folder):
        raise AnjiInputError([os_error_problem(OSError(errno.EROFS, ""), book)])
    if not book.stat().st_mode & stat.S_IWUSR or not os.access(book, os.W_OK):
        raise AnjiInputError([Problem(str(book), say("file_read_only"))])
    if not os.access(folder, os.W_OK):
        raise AnjiInputError([Problem(str(folder), say("folder_not_writable"))])
    for path, what in ((folder, "the_folder"), (target, "the_file")):
        if _inode_flags(path) & (_APPEND_ONLY | _IMMUTABLE):
            raise AnjiInputError([Problem(str(path), say("cannot_replace", what=pair(what)))])
    _refuse_if_open(book)
    if target != book.absolute():
        _refuse_if_open(target)


def _read_only_fs(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _try_lock(handle: int) -> bool:
    """An exclusive advisory lock without waiting (True where locks do not exist)."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except OSError:  # a file system without flock: nothing to honour
        return True


def _writer_alive(name: str) -> bool:
    """Whether the process named in a temporary file's name (``.~anji-<pid>-…``) may still run
    (True when the name carries no process id: then age alone decides)."""
    pid = name[len(TEMPORARY_PREFIX):].split("-", 1)[0]
    if not pid.isdigit() or int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or a platform without kill(pid, 0)
        return True
    return True


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files of runs that no longer exist: unlocked, and their process gone
    or older than :data:`STALE_AFTER`. A file being written (locked by its live writer) is kept."""
    removed = []
    try:
        entries = [e for e in os.listdir(folder) if e.startswith(TEMPORARY_PREFIX)]
    except OSError:
        return removed
    for entry in entries:
        path = folder / entry
        try:
            handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            facts = os.fstat(handle)
            stale = stat.S_ISREG(facts.st_mode) and _try_lock(handle) and (
                time.time() - facts.st_mtime > STALE_AFTER or not _writer_alive(entry))
            if stale and fcntl is None:  # Windows deletes no open file (and has no lock to keep)
                os.close(handle)
                handle = None
            if stale:
                path.unlink()
                removed.append(path)
        except OSError:  # e.g. an append-only folder: leave it, say nothing
            pass
        finally:
            if handle is not None:
                os.close(handle)
    return removed


@contextmanager
def open_for_update(book: str | Path, changed: str = "book_changed") -> Iterator[Snapshot]:
    """Check the book can be written, read its bytes once and hold a lock on it until the block ends.
    ``changed``: the key of the message that says the book changed meanwhile, in the command's words."""
    book = Path(book)
    check_writable(book)
    target = Path(os.path.realpath(book))
    remove_stale_temporaries(target.parent)
    try:
        handle = os.open(target, os.O_RDONLY)
    except OSError as error:
        raise AnjiInputError([os_error_problem(error, book)]) from None
    try:
        if not _try_lock(handle):
            raise AnjiInputError([Problem(str(book), say("another_writer"))])
        with os.fdopen(os.dup(handle), "rb") as stream:
            data = stream.read()
            yield Snapshot(book, target, data, _identity(os.fstat(stream.fileno()), data), changed)
    finally:
        os.close(handle)


def changed_problem(snapshot: Snapshot) -> Problem:
    return Problem(str(snapshot.path), say(snapshot.changed))


def still_the_same(snapshot: Snapshot) -> bool:
    """Whether the file on disk still holds the snapshot's bytes (and is the same file, unmodified)."""
    try:
        with open(snapshot.target, "rb") as current:
            data = current.read()
            identity = _identity(os.fstat(current.fileno()), data)
        now = os.stat(snapshot.target)
    except FileNotFoundError:
        return False
    return identity == snapshot.identity and (now.st_size, now.st_mtime_ns, now.st_ino) == identity[:3]


@contextmanager
def _signals_deferred() -> Iterator[list[int]]:
    """SIGINT and SIGTERM recorded instead of acted on, so that cleanup and the rename are never
    cut in half; the caller checks the list at safe points. Only the main thread can do this."""
    pending: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield pending
        return
    previous = {s: signal.signal(s, lambda signum, _: pending.append(signum)) for s in (signal.SIGINT, signal.SIGTERM)
                if signal.getsignal(s) != signal.SIG_IGN}  # a signal the caller ignores stays ignored
    try:
        yield pending
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


class _Temporary:
    """A temporary file in ``folder`` named with this process's id, locked while it exists."""

    def __init__(self, folder: Path):
        self.path = folder / f"{TEMPORARY_PREFIX}{os.getpid()}-{secrets.token_hex(4)}.tmp"
        self.handle: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        _try_lock(self.handle)
        self.stream = os.fdopen(os.dup(self.handle), "w+b")

    def finish(self, like: os.stat_result) -> None:
        """Flush and fsync, with the book's permissions and owner (where allowed)."""
        self.stream.flush()
        os.chmod(self.path, stat.S_IMODE(like.st_mode))
        if hasattr(os, "chown") and (like.st_uid, like.st_gid) != (os.geteuid(), os.getegid()):
            try:
                os.chown(self.path, like.st_uid, like.st_gid)
            except OSError:
                pass
        os.fsync(self.stream.fileno())
        self.stream.close()
        if fcntl is None:  # Windows renames no file that is open; there is no lock to keep
            self._release()

    def _release(self) -> None:
        if self.handle is not None:
            os.close(self.handle)
            self.handle = None

    def close(self) -> bool:
        """Close and remove the file if it is still there; False if it could not be removed."""
        try:
            self.stream.close()
        except OSError:  # flushing into a full disk: the file goes anyway
            pass
        self._release()
        try:
            self.path.unlink(missing_ok=True)
            return True
        except OSError:
            return False


def _fsync_folder(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # Windows: folders cannot be opened; NTFS journals the rename
        return
    try:
        os.fsync(handle)
    except OSError:  # a file system that cannot sync folders
        pass
    finally:
        os.close(handle)


def damaged_problem(book: Path, error: Exception) -> Problem:
    """A package that cannot be unzipped where it is needed."""
    return Problem(str(book), say("damaged", error=error))


def backup_path(book: Path) -> Path:
    return book.with_name(f"{book.stem}.backup{book.suffix}")


class _Copied:
    """A part copied as it is stored in ``data`` (the package's bytes): its deflated bytes are not
    inflated and deflated again, only inflated once to check their CRC-32, as zipfile's own read
    would, so a damaged part is still refused; the check runs on the pool while the rewritten
    parts are made (a 30,000-row Data sheet: 20 ms). Parts stored otherwise (other methods,
    encrypted) go through zipfile."""

    def __init__(self, data: bytes, package: zipfile.ZipFile, info: zipfile.ZipInfo, pool: ThreadPoolExecutor):
        self.data, self.package = data, package
        self.checked = pool.submit(_check_crc, data, package, info) if stored(data, info) is not None else None

    def write(self, out: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        if self.checked is None:
            out.writestr(info, self.package.read(info.filename))
            return
        self.checked.result()  # a damaged part's error, raised here
        _write_compressed(out, info, [stored(self.data, info)], info.compress_type, info.CRC, info.file_size)


def _check_crc(data: bytes, package: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """A part inflated to its end, for its CRC-32 and size only (:func:`~anji_xl.io.zip_parts.inflated` checks them)."""
    for _ in inflated(data, package, info):
        pass


def _write_compressed(out: zipfile.ZipFile, info: zipfile.ZipInfo, raw: list[bytes], method: int, crc: int, size: int) -> None:
    """What ZipFile.writestr does, with the bytes already compressed (zipfile has no call for it)."""
    copy = shallow_copy(info)
    copy.flag_bits &= ~0x08  # sizes and CRC go in the local header: no data descriptor follows
    copy.compress_type, copy.CRC, copy.file_size, copy.compress_size = method, crc, size, sum(map(len, raw))
    copy.header_offset = out.fp.tell()
    out.fp.write(copy.FileHeader())
    for piece in raw:
        out.fp.write(piece)
    out.filelist.append(copy)
    out.NameToInfo[copy.filename] = copy
    out.start_dir = out.fp.tell()


def _deflate(chunk: bytes, last: bool) -> bytes:
    """Raw deflate of one chunk of a part. All but the last end on a byte boundary without the
    final-block bit (Z_SYNC_FLUSH), so the chunks one after another are one deflate stream (pigz's way)."""
    engine = deflate_lib.compressobj(REWRITTEN_LEVEL, deflate_lib.DEFLATED, -15)
    return engine.compress(chunk) + engine.flush(deflate_lib.Z_FINISH if last else deflate_lib.Z_SYNC_FLUSH)


@dataclass(frozen=True)
class Streamed:
    """A part rewritten from its old content, read in pieces as it is inflated, into pieces of
    new content (bytes): a long sheet is never held whole, and its pieces are deflated while the
    next ones are made."""

    rewrite: Callable[[Iterator[bytes]], Iterable[bytes]]


Patch = Callable[[str], str] | Streamed  # a part's text to its new text, or a part rewritten in pieces


class _Deflating:
    """A rewritten part deflated by a pool of threads as its pieces come (ISA-L and zlib let go of
    the GIL while they work, so the next pieces are made meanwhile), a chunk at a time."""

    def __init__(self, pool: ThreadPoolExecutor):
        self.pool, self.chunks = pool, []
        self.waiting: list[bytes] = []
        self.size = self.crc = self.buffered = 0

    def add(self, piece: bytes) -> None:
        self.size, self.crc = self.size + len(piece), deflate_lib.crc32(piece, self.crc)
        self.waiting.append(piece)
        self.buffered += len(piece)
        if self.buffered >= DEFLATE_CHUNK:
            self._deflate(last=False)

    def _deflate(self, last: bool) -> None:
        if len(self.chunks) >= DEFLATING_AHEAD:
            self.chunks[-DEFLATING_AHEAD].result()  # made faster than deflated: wait, so memory stays bounded
        self.chunks.append(self.pool.submit(_deflate, b"".join(self.waiting), last))
        self.waiting, self.buffered = [], 0

    def finish(self) -> _Deflating:
        self._deflate(last=True)
        return self

    def done(self) -> _Deflated:
        return _Deflated([chunk.result() for chunk in self.chunks], self.crc, self.size)

    def write(self, out: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        self.done().write(out, info)


@dataclass(frozen=True)
class _Deflated:
    """A rewritten part's deflated bytes, with the CRC-32 and size of its content."""

    raw: list[bytes]  # or other buffers: a child process's chunks as they were read
    crc: int
    size: int

    def write(self, out: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        _write_compressed(out, info, self.raw, zipfile.ZIP_DEFLATED, self.crc, self.size)

    def __reduce_ex__(self, protocol: int) -> tuple:
        """Pickled with its chunks out of band where the protocol allows: a forked child hands
        them over as they are (see :mod:`.forked`)."""
        raw = [pickle.PickleBuffer(chunk) for chunk in self.raw] if protocol >= 5 else self.raw
        return type(self), (raw, self.crc, self.size)


def _rewritten(data: bytes, package: zipfile.ZipFile, name: str, patch: Patch, pool: ThreadPoolExecutor) -> _Deflating:
    """A part's new content, being deflated: ``patch`` of its text, or its pieces when streamed."""
    deflating = _Deflating(pool)
    old = inflated(data, package, package.getinfo(name))
    if isinstance(patch, Streamed):
        for piece in patch.rewrite(old):
            deflating.add(piece)
    else:
        deflating.add(patch(b"".join(old).decode("utf-8")).encode("utf-8"))
    return deflating.finish()


def _rewritten_alone(data: bytes, package: zipfile.ZipFile, name: str, patch: Patch) -> _Deflated:
    """:func:`_rewritten` in a process of its own (a forked child), with its own deflating threads."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return _rewritten(data, package, name, patch, pool).done()


def _new_parts(data: bytes, package: zipfile.ZipFile, patches: dict[str, Patch],
               pool: ThreadPoolExecutor) -> dict[str, _Deflating | _Deflated | _Copied]:
    """Every part of the new package: the rewritten ones, and the others as copied. Where a
    child process can work beside this one (see :mod:`.forked`), it makes the second part
    rewritten in pieces (Scores, beside Results); a child that ends without it leaves the part
    to be made here, errors and all. The pool's threads start once the child is forked."""
    streamed = [name for name, patch in patches.items() if isinstance(patch, Streamed)]
    apart = streamed[1] if len(streamed) > 1 and forked.can_fork() else None
    copied = lambda: {info.filename: _Copied(data, package, info, pool) for info in package.infolist() if info.filename not in patches}  # noqa: E731
    if apart is None:
        return {**copied(), **{name: _rewritten(data, package, name, patch, pool) for name, patch in patches.items()}}
    with forked.forked(lambda: _rewritten_alone(data, package, apart, patches[apart])) as child:
        parts = {**copied(), **{name: _rewritten(data, package, name, patch, pool) for name, patch in patches.items() if name != apart}}
        done, part = child()
    parts[apart] = part if done else _rewritten(data, package, apart, patches[apart], pool)
    return parts


def _write_members(package: zipfile.ZipFile, parts: dict[str, _Deflating | _Deflated | _Copied], out: zipfile.ZipFile,
                   pending: list[int] = ()) -> None:
    """Every part of ``package`` into ``out`` in its order (:func:`_new_parts`); a signal that
    came meanwhile (``pending``) stops it."""
    for info in package.infolist():
        if pending:
            raise Interrupted(pending[0])
        parts[info.filename].write(out, info)


def rewrite_new_file(path: Path, patches: dict[str, Patch]) -> None:
    """A package that this process has just written and no one else has (the builder's, before it
    is moved into place), with the named parts rewritten as :func:`write_parts` rewrites a book's."""
    data = path.read_bytes()
    filled = path.with_name(f"{path.name}.filled")
    pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = _new_parts(data, package, patches, pool)
            with zipfile.ZipFile(filled, "w") as out:
                _write_members(package, parts, out)
        os.replace(filled, path)
    finally:
        pool.shutdown(cancel_futures=True)
        filled.unlink(missing_ok=True)


def write_parts(snapshot: Snapshot, patches: dict[str, Patch], backup: bool = False) -> None:
    """Write the snapshot's package with the named parts rewritten (every other part copied
    unchanged) over the book, and with ``backup`` the snapshot's bytes to ``BOOK.backup.xlsm``;
    nothing at all if the book changed on disk since it was read."""
    pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1)
    try:
        _write_parts(snapshot, patches, backup, pool)
    finally:
        pool.shutdown(cancel_futures=True)


def _write_parts(snapshot: Snapshot, patches: dict[str, Patch], backup: bool, pool: ThreadPoolExecutor) -> None:
    book, target = snapshot.path, snapshot.target
    try:  # the slow part first, while there is no temporary file to clean up
        with snapshot.package() as package:
            parts = _new_parts(snapshot.data, package, patches, pool)
    except (zipfile.BadZipFile, *INFLATE_ERRORS, EOFError, KeyError,
            UnicodeDecodeError) as error:  # a streamed part is decoded before its CRC-32 is checked at its end
        raise AnjiInputError([damaged_problem(book, error)]) from None
    temporaries: list[_Temporary] = []
    problems: list[Problem] = []
    with _signals_deferred() as pending:
        try:
            like = os.stat(target)
            new = _Temporary(target.parent)
            temporaries.append(new)
            with snapshot.package() as package, zipfile.ZipFile(new.stream, "w") as out:
                _write_members(package, parts, out, pending)
            new.finish(like)
            if backup:
                old = _Temporary(target.parent)
                temporaries.append(old)
                old.stream.write(snapshot.data)
                old.finish(like)
                os.utime(old.path, ns=(like.st_atime_ns, snapshot.identity[1]))
            if pending:
                raise Interrupted(pending[0])
            _refuse_if_open(book)  # opened in a program while we computed
            if not still_the_same(snapshot):
                raise AnjiInputError([changed_problem(snapshot)])
            if backup:
                os.replace(old.path, backup_path(target))
                if not still_the_same(snapshot):  # the rename took time: look once more
                    raise AnjiInputError([changed_problem(snapshot)])
            os.replace(new.path, target)
            replaced.append(book)
            _fsync_folder(target.parent)
        except Interrupted:
            pass  # pending holds it
        except AnjiInputError as error:
            problems += error.problems
        except OSError as error:
            problems.append(os_error_problem(error, book))
        except (zipfile.BadZipFile, *INFLATE_ERRORS, EOFError) as error:  # a damaged part the reader did not need
            problems.append(damaged_problem(book, error))
        finally:
            problems += [Problem(str(t.path), say("temporary_left"))
                         for t in temporaries if not t.close()]
    if pending:
        raise Interrupted(pending[0])
    if problems:
        raise AnjiInputError(problems)
