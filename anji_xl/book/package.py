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
book as it was. What remains: a save landing in the microseconds between the last check and the
rename is overwritten (no file system offers compare-and-swap on a rename), and a SIGKILL or power
loss leaves a temporary file, which the next run removes.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import secrets
import signal
import stat
import sys
import threading
import time
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..model import AnjiInputError, Problem

try:  # advisory locks: POSIX only; on Windows an open file cannot be deleted or replaced anyway
    import fcntl
except ImportError:  # pragma: no cover — Windows
    fcntl = None

TEMPORARY_PREFIX = ".~anji-"
STALE_AFTER = 10 * 60  # seconds: a temporary file this old, and unlocked, belongs to no live run
_FS_IOC_GETFLAGS = 0x80086601  # Linux ioctl: the inode flags chattr sets
_APPEND_ONLY, _IMMUTABLE = 0x20, 0x10
NOTHING_WRITTEN = ("未写入任何内容", "nothing was written")

_OS_ERRORS: dict[int, tuple[str, str, str, str]] = {  # errno → what (中文), what to do (中文), what, what to do
    errno.ENOSPC: ("磁盘已满", "请腾出空间后再运行", "the disk is full", "free some space and run again"),
    errno.EDQUOT: ("超出磁盘配额", "请腾出空间后再运行", "the disk quota is exceeded", "free some space and run again"),
    errno.EROFS: ("文件系统为只读", "请把工作簿复制到可写的文件夹", "the file system is read-only", "copy the book to a writable folder"),
    errno.EACCES: ("没有权限（或文件正被其他程序使用）", "请检查文件和文件夹的权限", "permission denied (or the file is open in another program)",
                   "check the permissions of the file and its folder"),
    errno.EPERM: ("操作不被允许", "请检查文件和文件夹的权限与属性", "the operation is not permitted", "check the permissions and attributes of the file and its folder"),
    errno.EIO: ("读写错误", "请检查磁盘或网络驱动器", "an input/output error", "check the disk or the network drive"),
    errno.ENOENT: ("文件或文件夹不存在（运行期间被移动或删除？）", "请检查路径", "no such file or folder (moved or deleted meanwhile?)", "check the path"),
    errno.EBUSY: ("文件正被其他程序使用", "请在那里关闭它", "the file is in use by another program", "close it there"),
    errno.ENAMETOOLONG: ("文件名过长", "请缩短路径", "the file name is too long", "shorten the path"),
}
_PROGRAMS = {"~$": ("Excel 或 WPS", "Excel or WPS"), ".~lock.": ("LibreOffice", "LibreOffice"), ".~": ("WPS", "WPS")}


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) or SIGTERM; ``written`` tells whether the new book was already in place."""

    def __init__(self, signum: int, written: bool = False):
        super().__init__(signum)
        self.signum, self.written = signum, written


def os_error_text(error: OSError) -> str:
    """An OS error as one Chinese-first sentence (without the path): what happened, that nothing
    was written, what to do."""
    code = errno.EBUSY if getattr(error, "winerror", None) in (32, 33) else error.errno  # Windows sharing violation
    name = f" ({errno.errorcode[code]})" if code in errno.errorcode else ""
    zh, zh_do, en, en_do = _OS_ERRORS.get(code, ("操作系统错误", "请检查文件和文件夹", f"{error.strerror or error}{name}", "check the file and its folder"))
    return f"{zh}，{NOTHING_WRITTEN[0]}；{zh_do} · {en}; {NOTHING_WRITTEN[1]} — {en_do}"


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

    def package(self) -> zipfile.ZipFile:
        return zipfile.ZipFile(io.BytesIO(self.data))


def _identity(stat_result: os.stat_result, data: bytes) -> tuple[int, int, int, str]:
    return stat_result.st_size, stat_result.st_mtime_ns, stat_result.st_ino, hashlib.sha256(data).hexdigest()


def lock_files(book: Path) -> list[tuple[Path, tuple[str, str]]]:
    """The lock files beside ``book`` and the program that wrote each, matched case-insensitively
    (the file systems of Windows and macOS ignore case): Excel's and WPS's owner file ``~$NAME``
    (``~$`` over the first two characters of a long name), LibreOffice's ``.~lock.NAME#``, and WPS
    for Linux's ``.~NAME`` (with one or two first characters dropped; the pattern Seafile's drive
    client matches, haiwen/seadrive-fuse src/seafile-session.c ``WPS_LOCK_PATTERN``)."""
    name = book.name.casefold()
    wanted = {f"~${name}": "~$", f"~${name[2:]}": "~$", f".~lock.{name}#": ".~lock.",
              f".~{name}": ".~", f".~{name[1:]}": ".~", f".~{name[2:]}": ".~"}
    try:
        entries = os.listdir(book.parent)
    except OSError:
        return []
    return [(book.with_name(entry), _PROGRAMS[wanted[entry.casefold()]]) for entry in sorted(entries)
            if entry.casefold() in wanted and not entry.startswith(TEMPORARY_PREFIX)]


def _refuse_if_open(book: Path) -> None:
    found = lock_files(book)
    if found:
        lock, (zh, en) = found[0]
        excel = ("（或在 Excel 中按“重新计算”）", " (or press 重新计算 Recalculate in Excel)") if "Excel" in en else ("", "")
        raise AnjiInputError([Problem(str(book), (
            f"工作簿已在 {zh} 中打开（锁文件 {lock.name}），{NOTHING_WRITTEN[0]}；请在那里关闭它{excel[0]}；"
            f"若没有程序打开它（异常退出留下的锁），删除 {lock.name} 后再运行 · "
            f"the book is open in {en} (lock file {lock.name}); {NOTHING_WRITTEN[1]} — close it there{excel[1]}; "
            f"if no program has it open (a lock left by a crash), delete {lock.name} and run again"))])


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
        raise AnjiInputError([Problem(str(book), "文件不存在 · no such file")])
    target = Path(os.path.realpath(book))
    folder = target.parent
    if _read_only_fs(folder):
        raise AnjiInputError([os_error_problem(OSError(errno.EROFS, ""), book)])
    if not book.stat().st_mode & stat.S_IWUSR or not os.access(book, os.W_OK):
        raise AnjiInputError([Problem(str(book), f"文件为只读，{NOTHING_WRITTEN[0]}；请取消只读属性或另存一份 · "
                                                 f"the file is read-only; {NOTHING_WRITTEN[1]} (clear the read-only flag, or copy it)")])
    if not os.access(folder, os.W_OK):
        raise AnjiInputError([Problem(str(folder), f"文件夹不可写，{NOTHING_WRITTEN[0]} · the folder is not writable; {NOTHING_WRITTEN[1]}")])
    for path, what in ((folder, ("文件夹", "the folder")), (target, ("文件", "the file"))):
        if _inode_flags(path) & (_APPEND_ONLY | _IMMUTABLE):
            raise AnjiInputError([Problem(str(path), (
                f"{what[0]}设置了只追加或不可更改属性（chattr +a/+i），工作簿无法被替换，{NOTHING_WRITTEN[0]}；请把工作簿复制到别的文件夹 · "
                f"{what[1]} is append-only or immutable (chattr +a/+i), so the book cannot be replaced; "
                f"{NOTHING_WRITTEN[1]} — copy the book to another folder"))])
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
def open_for_update(book: str | Path) -> Iterator[Snapshot]:
    """Check the book can be written, read its bytes once and hold a lock on it until the block ends."""
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
            raise AnjiInputError([Problem(str(book), f"另一个 anji-xl 正在写入此工作簿，{NOTHING_WRITTEN[0]}；请等它完成后再运行 · "
                                                     f"another anji-xl is writing this book; {NOTHING_WRITTEN[1]} — run again when it has finished")])
        with os.fdopen(os.dup(handle), "rb") as stream:
            data = stream.read()
            yield Snapshot(book, target, data, _identity(os.fstat(stream.fileno()), data))
    finally:
        os.close(handle)


def _changed(snapshot: Snapshot) -> Problem:
    return Problem(str(snapshot.path), (
        f"重新计算期间工作簿被修改过（例如在 Excel 或 WPS 中保存），为保留这次修改{NOTHING_WRITTEN[0]}；请再按一次“重新计算” · "
        f"the book changed while recalculating (saved by another program?); to keep that change {NOTHING_WRITTEN[1]} — "
        "press 重新计算 Recalculate (or run anji-xl recalc) again"))


def _still_the_same(snapshot: Snapshot) -> bool:
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
    previous = {s: signal.signal(s, lambda signum, _: pending.append(signum)) for s in (signal.SIGINT, signal.SIGTERM)}
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
    return Problem(str(book), f"文件已损坏（{error}），{NOTHING_WRITTEN[0]} · the package is damaged ({error}); {NOTHING_WRITTEN[1]}")


def backup_path(book: Path) -> Path:
    return book.with_name(f"{book.stem}.backup{book.suffix}")


def write_parts(snapshot: Snapshot, patches: dict[str, Callable[[str], str]], backup: bool = False) -> None:
    """Write the snapshot's package with the named parts rewritten (every other part copied
    unchanged) over the book, and with ``backup`` the snapshot's bytes to ``BOOK.backup.xlsm``;
    nothing at all if the book changed on disk since it was read."""
    book, target = snapshot.path, snapshot.target
    try:  # the slow part first, while there is no temporary file to clean up
        with snapshot.package() as package:
            rewritten = {name: patch(package.read(name).decode("utf-8")).encode("utf-8") for name, patch in patches.items()}
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError) as error:
        raise AnjiInputError([damaged_problem(book, error)]) from None
    temporaries: list[_Temporary] = []
    problems: list[Problem] = []
    written = False
    with _signals_deferred() as pending:
        try:
            like = os.stat(target)
            new = _Temporary(target.parent)
            temporaries.append(new)
            with snapshot.package() as package, zipfile.ZipFile(new.stream, "w") as out:
                for info in package.infolist():
                    if pending:
                        raise Interrupted(pending[0])
                    out.writestr(info, rewritten[info.filename] if info.filename in rewritten else package.read(info.filename))
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
            if not _still_the_same(snapshot):
                raise AnjiInputError([_changed(snapshot)])
            if backup:
                os.replace(old.path, backup_path(target))
                if not _still_the_same(snapshot):  # the rename took time: look once more
                    raise AnjiInputError([_changed(snapshot)])
            os.replace(new.path, target)
            written = True
            _fsync_folder(target.parent)
        except Interrupted:
            pass  # pending holds it
        except AnjiInputError as error:
            problems += error.problems
        except OSError as error:
            problems.append(os_error_problem(error, book))
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:  # a damaged part the reader did not need
            problems.append(damaged_problem(book, error))
        finally:
            problems += [Problem(str(t.path), "无法删除这个临时文件，请手动删除 · could not remove this temporary file; delete it by hand")
                         for t in temporaries if not t.close()]
    if pending:
        raise Interrupted(pending[0], written)
    if problems:
        raise AnjiInputError(problems)
