"""Work done by a forked child process while this one does other work: the second core.

Writing a long book's Results and Scores is Python making hundreds of megabytes of XML, which
threads cannot share (the GIL). A child forked once the values are computed has them already
(its memory is a copy of this one's), makes one part and sends back the deflated bytes; this
process makes the other part meanwhile. The result comes back through a pipe of 1 MiB (Linux's
default is 64 KiB), pickled with its big buffers out of band: tens of megabytes of a deflated
sheet are written by the child as they are and read once, not copied into a pickle and out again.

The child only ever hands back a success. Whatever else happens to it (an error, a signal, a
killed process), :func:`forked` reports no result, and the caller does the work itself: its
errors are then raised where they would have been without the child, with the same messages.
The child holds nothing of this process's but memory: its file descriptors (the book's lock,
the terminal, a test's pipes) are closed as it starts, its signals are the system's defaults (a
Ctrl-C ends it at once) and it dies with this process (Linux's PR_SET_PDEATHSIG).

Linux only, where fork is a copy of the process's pages: on macOS a forked child may not use
every system library, and Windows has no fork. Elsewhere, with one core, or while other threads
run (a thread's lock taken at the fork would stay taken in the child), the caller works alone.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
import threading
from contextlib import contextmanager
from typing import BinaryIO, Callable, Iterator, TypeVar

T = TypeVar("T")

_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent ends
_F_SETPIPE_SZ, _PIPE_SIZE = 1031, 2**20  # fcntl(2): a pipe's capacity; 1 MiB, what an unprivileged process may ask
_LENGTH = 8  # bytes of a length in the result's frame (little-endian)


def can_fork() -> bool:
    """Whether a child can work beside this process: Linux, a second core, no other thread."""
    return sys.platform == "linux" and len(os.sched_getaffinity(0)) > 1 and threading.active_count() == 1


@contextmanager
def forked(work: Callable[[], T]) -> Iterator[Callable[[], tuple[bool, T | None]]]:
    """Run ``work`` in a child process (Linux) while the block runs; the function yielded waits
    for it and gives ``(True, what work returned)``, or ``(False, None)`` when the child ended
    without a result or none could be made (then do the work here). The child is killed and
    reaped when the block ends."""
    started = _start(work)
    if started is None:
        yield lambda: (False, None)
        return
    child, mask = started
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a signal that came meanwhile is acted on here, the child known
        yield child.result
    finally:
        child.end()


def _start(work: Callable[[], object]) -> tuple[_Child, set[signal.Signals]] | None:
    """The child at work, with every signal still blocked and the mask to restore (None: the
    system has no descriptor, memory or process left for a child)."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    import fcntl  # Unix's: this module is imported everywhere, used on Linux only

    try:
        fcntl.fcntl(write_end, _F_SETPIPE_SZ, _PIPE_SIZE)
    except OSError:  # a pipe-max-size set below it: the default capacity
        pass
    before = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())  # a signal waits until the child's handlers are the defaults
    parent = os.getpid()
    try:
        pid = os.fork()
    except BaseException as error:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
        os.close(read_end)
        os.close(write_end)
        if isinstance(error, OSError):  # strict overcommit, a process limit
            return None
        raise
    if pid == 0:
        _child(work, write_end, parent, before)  # never returns
    os.close(write_end)
    return _Child(pid, read_end), before


def _child(work: Callable[[], object], write_end: int, parent: int, mask: set[signal.Signals]) -> None:
    """The child's whole life: defaults for signals, no inherited descriptors, the work, its result."""
    status = 1
    try:
        for s in signal.valid_signals():
            if callable(signal.getsignal(s)):
                signal.signal(s, signal.SIG_DFL)
        if sys.platform == "linux":
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent ended before the line above took effect
            os._exit(status)
        os.closerange(0, write_end)
        os.closerange(write_end + 1, os.sysconf("SC_OPEN_MAX"))
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        buffers: list[pickle.PickleBuffer] = []
        payload = pickle.dumps(work(), protocol=5, buffer_callback=buffers.append)
        pieces = [payload, *(buffer.raw() for buffer in buffers)]
        with open(write_end, "wb") as pipe:  # the frame: how many pieces, each one's length, the pieces
            pipe.write(b"".join(n.to_bytes(_LENGTH, "little") for n in (len(pieces), *map(len, pieces))))
            for piece in pieces:
                pipe.write(piece)
        status = 0
    finally:
        os._exit(status)  # never this process's cleanup (atexit, buffered output): the parent's


class _Child:
    """The parent's side of a child: its result once, and its end (killed if still at work)."""

    def __init__(self, pid: int, read_end: int):
        self.pid, self.read_end, self.status = pid, read_end, None

    def result(self) -> tuple[bool, object]:
        """Read the child's result to its end and reap it: (True, result) if it ended well."""
        with open(self.read_end, "rb", closefd=False) as pipe:  # a frame cut short (a child killed as it wrote) reads as None pieces
            count = _read_exactly(pipe, _LENGTH)
            lengths = _read_exactly(pipe, _LENGTH * int.from_bytes(count, "little")) if count is not None else None
            pieces = [] if lengths is None else [_read_exactly(pipe, int.from_bytes(lengths[k:k + _LENGTH], "little"))
                                                 for k in range(0, len(lengths), _LENGTH)]
        self._reap()  # status 0 only once the child has written the whole frame
        return (True, pickle.loads(pieces[0], buffers=pieces[1:])) if self.status == 0 and pieces else (False, None)

    def end(self) -> None:
        if self.status is None:  # not reaped: its pid cannot have gone to another process
            os.kill(self.pid, signal.SIGKILL)
            self._reap()
        os.close(self.read_end)

    def _reap(self) -> None:
        _, status = os.waitpid(self.pid, 0)
        self.status = os.waitstatus_to_exitcode(status)


def _read_exactly(pipe: BinaryIO, size: int) -> bytearray | None:
    """The next ``size`` bytes of the pipe, read into one buffer; None if it ends before them
    (a child that died while it wrote)."""
    data = bytearray(size)
    return data if pipe.readinto(data) == size else None
