"""A child process that writes Scores beside the parent (anji_xl.book.forked): it hands back only
a success, holds nothing of its parent's but memory, dies with it, and a recalc that uses it
writes the very book a recalc on one core writes, errors and all."""

from __future__ import annotations

import errno
import io
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from anji_xl.book.forked import can_fork, forked
from anji_xl.book.recalc import sheet_part
from anji_xl.defaults import SHIPPED_BOOK

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the child process is Linux's (fork, PR_SET_PDEATHSIG)")

REPO = Path(__file__).resolve().parent.parent
STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")  # Results' stamp: the time of the recalc, where two runs may differ


def _wait_for(path: Path, seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, f"{path} never written"
        time.sleep(0.01)
    return path.read_text()


def _gone(pid: int, seconds: float = 10) -> bool:
    """Whether the process ends (or is a zombie, dead but not yet reaped by its new parent) within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z":
            return True
        time.sleep(0.01)
    return False


def test_the_work_runs_in_a_child_and_its_result_comes_back():
    payload = os.urandom(3 * 2**20)  # more than a pipe holds: read while the child writes
    with forked(lambda: (os.getpid(), os.getppid(), payload[::-1])) as result:
        done, (pid, parent, back) = result()
    assert done and pid != os.getpid() and parent == os.getpid()
    assert back == payload[::-1]


def test_a_deflated_part_comes_back_out_of_band_whole():
    """A deflated sheet's chunks (tens of MB in a recalc) are written by the child as they are
    and read into buffers of their own, not copied into the pickle: each arrives byte for byte."""
    from anji_xl.book.package import _Deflated

    chunks = [os.urandom(5 * 2**20 + k) for k in range(3)] + [b""]
    with forked(lambda: _Deflated(chunks, 1234, 99)) as result:
        done, part = result()
    assert done and [bytes(chunk) for chunk in part.raw] == chunks and (part.crc, part.size) == (1234, 99)
    buffers = []
    pickle.dumps(_Deflated(chunks, 1, 2), protocol=5, buffer_callback=buffers.append)
    assert len(buffers) == len(chunks)  # out of band: what makes the pickle small


def test_a_child_killed_while_it_hands_over_its_result_gives_none():
    """A child that dies with part of its result written: no result, never a truncated one."""
    big = os.urandom(8 * 2**20)

    def work():
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGKILL)).start()  # while it writes 8 MB no one reads yet
        return big

    with forked(work) as result:
        time.sleep(1.0)  # the child fills the pipe and is killed, blocked in its write
        assert result() == (False, None)


@pytest.mark.parametrize("end", ["raises", "killed", "exits"])
def test_a_child_that_ends_without_a_result_gives_none(end):
    def work():
        if end == "raises":
            raise ValueError("no")
        if end == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(0)  # ended well, yet said nothing: no result either

    with forked(work) as result:
        assert result() == (False, None)


@pytest.mark.parametrize("call", ["fork", "pipe"])
def test_no_child_to_be_had_gives_no_result_and_leaves_nothing_open(monkeypatch, call):
    def refused():
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")  # what the system says when it cannot

    before, blocked = sorted(os.listdir("/proc/self/fd")), signal.pthread_sigmask(signal.SIG_BLOCK, [])
    monkeypatch.setattr(os, call, refused)
    with forked(lambda: 1) as result:
        assert result() == (False, None)
    monkeypatch.undo()
    assert sorted(os.listdir("/proc/self/fd")) == before
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == blocked  # no signal left blocked


def test_the_child_holds_none_of_the_parents_descriptors_and_has_default_signal_handlers(tmp_path):
    held = os.open(tmp_path / "book.xlsm", os.O_RDWR | os.O_CREAT)  # as the book's lock is held
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        def work():
            with os.scandir("/proc/self/fd") as entries:  # its own descriptor open while the links are read
                links = [os.readlink(entry.path) for entry in entries]
            return links, [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)]

        with forked(work) as result:
            done, (links, handlers) = result()
    finally:
        signal.signal(signal.SIGTERM, previous)
        os.close(held)
    assert done
    # the pipe to the parent and the folder listdir read: not the terminal, not the book
    assert sorted(target.split(":")[0] if target.startswith("pipe:") else target.rsplit("/", 1)[-1] for target in links) == ["fd", "pipe"]
    assert handlers == [signal.SIG_DFL, signal.SIG_DFL]


def test_leaving_the_block_kills_and_reaps_the_child(tmp_path):
    started = tmp_path / "pid"

    def work():
        started.write_text(str(os.getpid()))
        time.sleep(60)

    begin = time.monotonic()
    with pytest.raises(RuntimeError), forked(work):
        pid = int(_wait_for(started))
        raise RuntimeError("the parent's own work failed")
    assert time.monotonic() - begin < 20
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped
    assert _gone(pid, 0.1)


def test_the_child_dies_with_its_parent(tmp_path):
    started = tmp_path / "pid"
    code = ("import os, sys, time; from anji_xl.book.forked import forked\n"
            "def work():\n"
            f"    open({str(started)!r}, 'w').write(str(os.getpid())); time.sleep(60)\n"
            "with forked(work) as result:\n"
            "    time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        child = int(_wait_for(started))
    finally:
        parent.kill()
        parent.wait()
    assert _gone(child)


def test_a_child_only_where_nothing_else_runs_and_with_a_second_core():
    ask = [sys.executable, "-c", "from anji_xl.book.forked import can_fork; print(can_fork())"]
    assert subprocess.run(ask, capture_output=True, text=True, check=True).stdout.strip() == str(len(os.sched_getaffinity(0)) > 1)
    one_core = subprocess.run(ask, capture_output=True, text=True, check=True, preexec_fn=lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}))
    assert one_core.stdout.strip() == "False"
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
    finally:
        stop.set()
        thread.join()


# The command line, run twice: as installed (a child writes Scores where it can) and on one core (no
# child); the runs count the children made, so a test cannot pass with the path it means to prove unused.
# The count is said as the command leaves (it ends the process at once: console.leave).
_RUN = """
import sys
from anji_xl import console
from anji_xl.book import forked
made = []
original, leave = forked.forked, console.leave
def counted(work):
    made.append(work)
    return original(work)
def counted_leave(code, at_once):
    print(f"children: {len(made)}", file=sys.stderr)
    return leave(code, at_once)
forked.forked, console.leave = counted, counted_leave
sys.exit(console.main())
"""


def _recalc(book: Path, one_core: bool) -> subprocess.CompletedProcess:
    pin = (lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})) if one_core else None
    return subprocess.run([sys.executable, "-c", _RUN, "recalc", str(book)], capture_output=True, text=True, cwd=REPO,
                          preexec_fn=pin, check=False, timeout=300)


def _parts(book: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(book) as package:
        return {name: package.read(name) for name in package.namelist()}


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="a second core is what the child runs on")
def test_a_recalc_with_a_child_writes_the_book_a_recalc_on_one_core_writes(tmp_path):
    books = {one_core: shutil.copy(SHIPPED_BOOK, tmp_path / f"{'one' if one_core else 'two'}.xlsm") for one_core in (True, False)}
    runs = {one_core: _recalc(book, one_core) for one_core, book in books.items()}
    assert [run.returncode for run in runs.values()] == [0, 0], [run.stderr for run in runs.values()]
    assert runs[False].stderr.endswith("children: 1\n") and runs[True].stderr.endswith("children: 0\n")
    one, two = (_parts(books[one_core]) for one_core in (True, False))
    with zipfile.ZipFile(books[True]) as package:
        results = sheet_part(package, "Results")
    assert one.keys() == two.keys() and [n for n in one if one[n] != two[n]] in ([], [results])  # [] when both ran in one second
    assert [len(STAMP.findall(part[results])) for part in (one, two)] == [1, 1]
    assert STAMP.sub(b"", one[results]) == STAMP.sub(b"", two[results])


def _damaged(book: Path, part: str) -> None:
    """``book`` with ``part``'s deflated bytes damaged near their start, in the rows recalc keeps (its local header intact)."""
    data = bytearray(book.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as package:
        info = package.getinfo(part)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 64
    data[start:start + 8] = bytes(8)
    book.write_bytes(bytes(data))


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="a second core is what the child runs on")
def test_a_damaged_scores_part_is_told_as_without_a_child_and_nothing_is_written(tmp_path):
    with zipfile.ZipFile(SHIPPED_BOOK) as package:
        scores = sheet_part(package, "Scores")
    books = {one_core: shutil.copy(SHIPPED_BOOK, tmp_path / f"{'one' if one_core else 'two'}.xlsm") for one_core in (True, False)}
    for book in books.values():
        _damaged(book, scores)
    before = {one_core: book.read_bytes() for one_core, book in books.items()}
    runs = {one_core: _recalc(book, one_core) for one_core, book in books.items()}
    assert [run.returncode for run in runs.values()] == [2, 2]
    assert runs[False].stderr.endswith("children: 1\n")
    told = {one_core: run.stderr.replace(str(books[one_core]), "BOOK").rsplit("children:", 1)[0] for one_core, run in runs.items()}
    assert told[True] == told[False] and "损坏" in told[False]
    assert all(book.read_bytes() == before[one_core] for one_core, book in books.items())
