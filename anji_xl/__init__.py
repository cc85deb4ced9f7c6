"""anji-xl: the Anji Index (绿色智慧城市评价"安吉指数") and other composite indices for Excel.

The public surface: read a workbook, compute, and the result type. Everything else is private
to its module. Each name loads on first use: the ``anji-xl`` command imports this package before
it can handle Ctrl-C (:mod:`anji_xl.console`), so importing it loads nothing (not even
importlib), and the engine never loads openpyxl.
"""

_PUBLIC = {"AnjiInputError": ".model", "IndexResult": ".engine", "Model": ".model", "Panel": ".model", "Problem": ".model",
           "Settings": ".model", "compute": ".engine", "read_book": ".io.read_book"}


def __getattr__(name: str):
    if name == "__version__":
        from ._version import __version__ as value
    elif name in _PUBLIC:
        from importlib import import_module

        value = getattr(import_module(_PUBLIC[name], __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = ["AnjiInputError", "IndexResult", "Model", "Panel", "Problem", "Settings", "compute", "read_book", "__version__"]
