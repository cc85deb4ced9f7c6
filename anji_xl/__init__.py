"""anji-xl: the Anji Index (绿色智慧城市评价"安吉指数") and other composite indices for Excel.

The public surface: read a workbook, compute, and the result type. Everything else is private
to its module.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("anji-xl")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

from .engine import IndexResult, compute  # noqa: E402
from .model import AnjiInputError, Model, Panel, Problem, Settings  # noqa: E402


def __getattr__(name: str):
    """``anji_xl.read_book`` on first use: it loads openpyxl, which the engine never needs."""
    if name == "read_book":
        from .io.read_book import read_book

        return read_book
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["AnjiInputError", "IndexResult", "Model", "Panel", "Problem", "Settings", "compute", "read_book", "__version__"]
