"""``anji-xl new OUT.xlsm``: a complete book for a user's own indicator system and data.

Indicators, Data and Settings come from CSV or Excel files laid out like the book's own tables
(:mod:`anji_xl.io.tables_file`); a table not given is the shipped book's (without ``--data`` the
Anji sample, which must then hold every indicator). The files are read and computed as a book's
tables are, every problem named at its file, row and column, and only a clean reading is built
into a book by :func:`~anji_xl.book.build.build_workbook` — so nothing is written when there is a
problem. Settings a file leaves out keep the shipped book's values, except the index's name: a
book of the user's own indicators is called 综合指数 until her Settings name it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from ..io.blocks import INDICATOR_COLUMNS, Block, block_from_grid, header_key
from ..io.parse import Reading, cell_number, every_problem, inspect_tables, read_settings
from ..io.tables_file import read_table_file, row_note_column
from ..messages import say
from ..model import AnjiInputError, Problem, Settings
from .build import BookSources, build_workbook, shipped_sources

def _setting_value(value: object) -> object:
    """A Settings cell as the book holds it: numbers as numbers (the native formulas read them),
    whole ones as integers; text trimmed; blank as None."""
    number, kind = cell_number(value)
    if kind in ("number", "text"):
        return int(number) if number.is_integer() else number
    return None if kind == "blank" else str(value).strip()


#: The Settings that name the index: a book of the user's own indicators is not the Anji Index.
NAME_KEYS = ("name", "name_en")


def _settings_rows(shipped: list[tuple[str, object, str]], block: Block | None, own_indicators: bool) -> list[tuple[str, object, str]]:
    """The shipped Settings rows, with the values the file gives; for the user's own indicators
    the index's name is the neutral one (``Settings``' default) unless the file names it."""
    given = {header_key(cells.get("key")): cells.get("value") for _, cells in block.rows} if block is not None else {}
    neutral = Settings()
    base = [(key, getattr(neutral, key) if own_indicators and key in NAME_KEYS else value, description) for key, value, description in shipped]
    return [(key, _setting_value(given[key]) if key in given else value, description) for key, value, description in base]


def _sample_block(shipped: BookSources, ids: list[str], problems: list[Problem]) -> tuple[Block, dict[tuple[int, str], str]]:
    """The shipped sample as a Data table of the indicators ``ids``, with its notes."""
    missing = [i for i in ids if i not in shipped.data.columns]
    if missing:
        problems.append(Problem("--data", say("new_needs_data", ids=", ".join(missing))))
    kept = ["unit", "period", *(i for i in ids if i in shipped.data.columns), "source"]
    frame = shipped.data[kept]
    grid = [list(frame.columns), *frame.astype(object).where(frame.notna(), None).values.tolist()]
    notes = {(row, ident): note for (row, ident), note in shipped.notes.items() if ident in kept}
    return block_from_grid("Data", grid, problems, table="Data"), notes


def _indicator_table(indicators: pd.DataFrame) -> pd.DataFrame:
    """The model's indicators as the book's Indicators table writes them (directions as words)."""
    table = indicators.reset_index().reindex(columns=list(INDICATOR_COLUMNS))
    table["direction"] = ["positive" if d > 0 else "negative" for d in table["direction"]]
    return table


def _data_table(block: Block, rows: dict[tuple[str, str], int], values: pd.DataFrame) -> pd.DataFrame:
    """Data as the book writes it: the file's rows in its order, a year as a number, a source per row."""
    raw = dict(block.rows)
    note = row_note_column(block)
    frame = values.reset_index()
    frame["period"] = [int(p) if p.isdigit() else p for p in frame["period"]]
    texts = [raw[rows[key]].get(note) if note else None for key in values.index]
    frame["source"] = ["" if text is None else str(text).strip() for text in texts]
    return frame


def sources_from_files(indicators: Path | None = None, data: Path | None = None, settings: Path | None = None) -> tuple[BookSources, list[str]]:
    """The tables of a new book from the user's files, and the warnings of reading and computing
    them; raises AnjiInputError listing every problem, each at its file, row and column."""
    shipped = shipped_sources()
    if indicators is None and data is None and settings is None:
        return shipped, []
    reading = Reading()
    if indicators is None:
        grid, _, _ = shipped.grids()["Indicators"]
        indicator_block = block_from_grid("Indicators", grid, reading.problems, table="Indicators")
    else:
        indicator_block = read_table_file(indicators, "Indicators", reading)
    settings_block = read_table_file(settings, "Settings", reading) if settings is not None else None
    notes: dict[tuple[int, str], str] = {}
    if data is not None:
        data_block = read_table_file(data, "Data", reading)
    elif indicator_block is not None:
        ids = [str(cells["id"]).strip() for _, cells in indicator_block.rows if cells.get("id") is not None]
        data_block, notes = _sample_block(shipped, ids, reading.problems)
    else:
        data_block = None
    if indicator_block is None or data_block is None:
        raise AnjiInputError(reading.problems)
    rows = _settings_rows(shipped.settings, settings_block, own_indicators=indicators is not None)
    read_settings(settings_block, reading)  # the problems of the file's settings, at their cells
    tables = inspect_tables(indicator_block, data_block, None, reading)
    if tables is not None:
        config, _ = Settings.from_mapping({key: value for key, value, _ in rows})
        tables = dataclasses.replace(tables, model=dataclasses.replace(tables.model, settings=config))
    result, problems = every_problem(tables, reading.problems)
    if problems or tables is None:
        raise AnjiInputError(problems)
    frame = _data_table(data_block, tables.data.rows, tables.panel.values)
    return BookSources(_indicator_table(tables.model.indicators), frame, rows, notes), result.warnings


def new_book(out: Path, indicators: Path | None = None, data: Path | None = None, settings: Path | None = None,
             force: bool = False) -> tuple[Path, BookSources, list[str]]:
    """Build the book at ``out`` from the user's files; returns its path, its tables and the warnings.
    Its folder must exist: a mistyped path makes no folders."""
    if not Path(out).parent.is_dir():
        raise AnjiInputError([Problem(str(Path(out).parent), say("new_no_folder"))])
    sources, warnings = sources_from_files(indicators, data, settings)
    return build_workbook(out, sources=sources, force=force), sources, warnings
