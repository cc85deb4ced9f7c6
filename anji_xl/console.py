"""The installed ``anji-xl`` command: Ctrl-C and SIGTERM are handled before anything heavy loads.

Importing the command line loads pandas, numpy and openpyxl (about a second); an interrupt in that
second must end like any other, with one line and exit 130 or 143, not a traceback. So this
module installs the handlers first, importing nothing the interpreter has not loaded already,
and only then imports :mod:`anji_xl.cli`. What it cannot cover is the interpreter's own start-up
(``site`` and the ``.pth`` files of the environment) before the first line of anji-xl runs:
docs/recalc.md, *Interrupts*.
"""

import _thread  # loaded at start-up, as _signal is
import sys

import _signal as signal  # what the `signal` module wraps, loaded at start-up; `signal` itself imports enum (6 ms)

SIGNALS = (signal.SIGINT, signal.SIGTERM)  # SIGTERM last: once it is caught, both are (tests read /proc)


#: Whether the command is printing its results, lines a signal can cut short (a warning written,
#: its line end not yet): an interruption then says so on a line of its own.
printing = False

#: The signal that arrived last in this command (0: none). An error that follows it is its doing,
#: a last defence: code can replace the KeyboardInterrupt raised in it with an error of its own, as
#: numpy's initialisation did (``ImportError: PyCapsule_Import could not import module
#: "datetime"``) before :func:`raise_interrupt` held signals there.
arrived = 0


#: The code of the loader that runs a compiled module's initialisation (numpy's, pandas', Cython's).
#: A KeyboardInterrupt raised in Python code that such an initialisation calls can be cleared by
#: the C code (Cython's collections.abc registration, an import whose failure it ignores): the
#: signal is lost and the module left half-built, and a later call into it crashes the process
#: (SIGSEGV in pandas' ``maybe_convert_numeric`` after a SIGINT while pandas loaded).
_EXTENSION_LOADER = sys.modules["_frozen_importlib_external"].ExtensionFileLoader
_BUILDING_EXTENSION = frozenset({_EXTENSION_LOADER.create_module.__code__, _EXTENSION_LOADER.exec_module.__code__})


def raise_interrupt(signum: int, frame: object) -> None:
    """The handler of both signals: a KeyboardInterrupt that carries the signal's number. Where
    Python or C code would swallow it (in a finalizer; in the callback that drops an import's
    module lock, which runs hundreds of times while pandas loads; anywhere inside a compiled
    module's initialisation), the signal is delivered again a millisecond later, until it lands
    outside."""
    global arrived
    arrived = signum
    if _swallowed_at(frame):
        _thread.start_new_thread(_interrupt_soon, (signum,))
        return
    raise KeyboardInterrupt(signum)


def _swallowed_at(frame: object) -> bool:
    """Whether an exception raised in ``frame`` may be swallowed on its way out (see raise_interrupt)."""
    code = getattr(frame, "f_code", None)
    if code is not None and (code.co_name == "__del__" or (code.co_name == "cb" and code.co_filename.startswith("<frozen importlib"))):
        return True
    while frame is not None:
        if frame.f_code in _BUILDING_EXTENSION:
            return True
        frame = frame.f_back
    return False


def delivering_again(previous: object) -> object:
    """A ``sys.unraisablehook`` for while a command runs: an error Python cannot raise, only print
    ("Exception ignored in: …": a weakref callback, a finalizer, run from C when an object is
    freed), is handed to ``previous``, except a KeyboardInterrupt of :func:`raise_interrupt`,
    which is delivered again a millisecond later. CI saw one lost in ``WeakSet._remove``."""

    def hook(unraisable: object) -> None:
        error = getattr(unraisable, "exc_value", None)
        if isinstance(error, KeyboardInterrupt) and error.args and isinstance(error.args[0], int):
            _thread.start_new_thread(_interrupt_soon, (error.args[0],))
        else:
            previous(unraisable)

    return hook


def _interrupt_soon(signum: int) -> None:
    """Deliver ``signum`` to the main thread again a millisecond from now (a thread of its own)."""
    _thread.allocate_lock().acquire(timeout=0.001)  # a sleep that imports nothing
    _thread.interrupt_main(signum)


def files_replaced() -> list:
    """The files (books, reports) this command has already moved into place (recorded in
    :mod:`anji_xl.book.package`; looked up, not imported, which an interrupt during the imports must not do)."""
    return list(getattr(sys.modules.get("anji_xl.book.package"), "replaced", ()))


def interrupted(error: KeyboardInterrupt) -> int:
    """End on Ctrl-C or SIGTERM: one line on stderr, naming the files already in place, if any; the
    exit status 128 + the signal's number (130, 143)."""
    try:
        for s in SIGNALS:  # a second Ctrl-C does not cut the line
            signal.signal(s, signal.SIG_IGN)
    except ValueError:  # not the main thread, which alone has handlers
        pass
    from .messages import say

    written = files_replaced()
    line = say("interrupted_written", files=", ".join(str(f) for f in written)) if written else say("interrupted")
    start = "\n" if printing else ""  # a line of the results the signal cut short is ended first
    print(f"{start}anji-xl: {line}", file=sys.stderr)
    return 128 + (error.args[0] if error.args and isinstance(error.args[0], int) else signal.SIGINT)


#: The exit status of a command whose reader stopped reading: that of one ended by SIGPIPE (13),
#: which shells know, on Windows too (which has no SIGPIPE).
READER_GONE = 128 + 13


def reader_gone() -> int:
    """End when whoever reads the output has stopped reading (``anji-xl compute … | head``):
    quietly, as a command ended by SIGPIPE does; what is still buffered goes to the null device,
    so the interpreter's exit has nothing left to fail on."""
    import os  # loaded long since by the command

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real stdout (a caller's own stream)
        pass
    return READER_GONE


def leave(code: int, at_once: bool) -> int:
    """The exit status of a finished command. ``at_once``: a command that has nothing left open
    when it returns (one that writes no file: compute, validate, forecast, sensitivity; and
    recalc, whose book is written, closed and in place by then, or left alone) ends the process
    at once when its output is flushed: tearing down pandas and numpy and freeing every object
    one by one takes 0.1–0.2 s of a 30,000-row book's compute or recalc, and there is nothing to
    clean up. Where the output cannot be flushed the interpreter's own exit reports it; a closed
    pipe ends quietly (:func:`reader_gone`)."""
    if at_once:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:
            return reader_gone()
        except OSError:
            return code
        import os  # loaded long since by the command; importing it at the top would slow the handlers' start

        os._exit(code)
    return code


#: glibc's mallopt parameters: the size from which a block is mapped apart (and unmapped when
#: freed), and how many heaps ("arenas") the threads share at most.
_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8


def big_blocks_unmapped() -> None:
    """Have glibc's malloc give blocks of 8 MiB and more back to the system as soon as they are
    freed. By default it raises that size each time such a block is freed and keeps freed memory
    below it mapped: a big sheet read in pieces (whose threads free python-calamine's packages and
    cells) then left the process 20–60 MiB bigger until it ended. Smaller blocks stay in the
    heap, reused without new page faults (at 1 MiB compute ran no faster than without this).
    For a process that runs one command that only reads: recalc makes and frees hundreds of
    megabytes of XML in blocks of that size, and mapping each anew cost it 0.4–0.7 s of page
    faults. And all threads take their blocks from one heap: the threads that parse a big Data
    sheet's pieces would otherwise keep heaps of their own, whose freed memory the engine's
    arrays cannot reuse (compute's resident peak on 30,000 rows: 130 MiB against 138, six runs each). Linux with glibc only."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes  # 3 ms

        c_library = ctypes.CDLL(None)
        c_library.mallopt(_M_MMAP_THRESHOLD, 2**23)
        c_library.mallopt(_M_ARENA_MAX, 1)
    except (OSError, AttributeError):  # a C library without mallopt
        pass


def one_blas_thread() -> None:
    """NumPy's matrix products on one thread, unless the user chose otherwise. anji-xl's are small
    (a block of 2,048 rows by 23 indicators by 6 dimensions) and OpenBLAS's other thread spins on
    after each, waiting for more: on two cores it took 0.2–0.3 s of CPU from a recalc of 30,000
    rows, the core its forked child writes Scores on, and 1.1 s from sensitivity --draws 1000,
    for no time saved (alternating runs, docs/speed.md). OpenBLAS reads this as NumPy loads."""
    import os  # loaded at start-up; see leave()

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main() -> int:
    """Handle interrupts, then import and run the command line. A signal the caller ignores
    (``nohup``, a shell's background job) stays ignored."""
    for s in SIGNALS:
        if signal.getsignal(s) != signal.SIG_IGN:
            signal.signal(s, raise_interrupt)
    sys.unraisablehook = delivering_again(sys.unraisablehook)
    try:
        from . import cli  # argparse and the package's own modules; each command loads the rest

        return leave(cli.main(one_command=True), cli.ends_at_once)
    except KeyboardInterrupt as error:  # during the imports; the command handles its own
        return interrupted(error)
    except Exception:  # an import that failed because a signal cut it (see `arrived`)
        if arrived:
            return interrupted(KeyboardInterrupt(arrived))
        raise
    finally:
        for s in SIGNALS:  # the exit status is decided: a late signal must not turn it into a traceback
            signal.signal(s, signal.SIG_IGN)


if __name__ == "__main__":
    sys.exit(main())
