"""Python's cyclic garbage collector paused for work on a whole book.

Reading 30,000 Data rows makes a million cells and tables of them that live until the work is
done, and not one reference cycle: the collections they set off only walk them again and again
(0.1–0.2 s for such a book). Reference counting still frees everything; cycles made meanwhile
are collected once the collector is back on. Standard library only, so the command line can use
it before anything else loads.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def uncollected() -> Iterator[None]:
    """No cyclic collection inside (a ``with`` block, or a function decorated ``@uncollected()``);
    the collector is left as it was found."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
