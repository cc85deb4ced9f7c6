"""The installed ``anji-xl`` command: Ctrl-C and SIGTERM are handled before anything heavy loads.

Importing the command line loads pandas, numpy and openpyxl (about a second); an interrupt in that
second must end like any other, with one line and exit 130 or 143, not a traceback. So this
module installs the handlers with the standard library alone and only then imports
:mod:`anji_xl.cli`. What it cannot cover is the interpreter's own start-up (``site`` and the
``.pth`` files of the environment), before any code of anji-xl runs.
"""

from __future__ import annotations

import signal
import sys

SIGNALS = (signal.SIGINT, signal.SIGTERM)  # SIGTERM last: once it is caught, both are (tests read /proc)


def raise_interrupt(signum: int, _frame: object) -> None:
    """The handler of both signals: a KeyboardInterrupt that carries the signal's number."""
    raise KeyboardInterrupt(signum)


def interrupted(error: KeyboardInterrupt) -> int:
    """End on Ctrl-C or SIGTERM: one line on stderr; the exit status 128 + the signal's number
    (130, 143). ``error.written``: the interrupt came after the new book was in place."""
    try:
        for s in SIGNALS:  # a second Ctrl-C does not cut the line
            signal.signal(s, signal.SIG_IGN)
    except ValueError:  # not the main thread, which alone has handlers
        pass
    from .messages import say

    print(f"anji-xl: {say('interrupted_written' if getattr(error, 'written', False) else 'interrupted')}", file=sys.stderr)
    return 128 + (error.args[0] if error.args and isinstance(error.args[0], int) else signal.SIGINT)


def main() -> int:
    """Handle interrupts, then import and run the command line."""
    for s in SIGNALS:
        signal.signal(s, raise_interrupt)
    try:
        from .cli import main as run  # pandas, numpy, openpyxl: about a second

        return run()
    except KeyboardInterrupt as error:  # during the imports; the command handles its own
        return interrupted(error)
    finally:
        for s in SIGNALS:  # the exit status is decided: a late signal must not turn it into a traceback
            signal.signal(s, signal.SIG_IGN)


if __name__ == "__main__":
    sys.exit(main())
