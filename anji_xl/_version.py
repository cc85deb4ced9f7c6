"""The version of anji-xl: set here only; pyproject.toml reads it (setuptools' ``attr``), so the
installed package's metadata and ``anji_xl.__version__`` agree without importlib.metadata,
whose import and look-up took 12–17 ms beside a book's read (recalc's Results stamp, Scores)."""

__version__ = "0.1.0"
