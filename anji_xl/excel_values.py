"""Argument conversion and error mapping for the worksheet functions, in one place.

xlwings hands a UDF a cell as a scalar and a range as nested lists (``ndim=2``); blanks are
``None`` and, with ``err_to_str=True``, error cells are their text (``"#N/A"``). This module
turns those into NumPy arrays for the engine and the engine's answers back into what a cell
shows: a number, or an Excel error value where there is none.

Error mapping (docs/functions.md):

* ``#VALUE!`` text where a number belongs, an unknown option (direction, method), ranges whose
  shapes do not fit, an invalid indicator table;
* ``#N/A`` a missing value: a blank cell, ``#N/A`` in the input, a first period without growth;
* ``#NUM!`` a value outside the method's domain: reference ≤ 0, value < 0, previous ≤ 0,
  1 + g ≤ 0, periods ≤ 0, a score that is not a finite number, goalposts not lower < upper,
  log of a value ≤ 0, a negative score in a geometric mean;
* ``#DIV/0!`` a dimension whose weights sum to 0.

An error value is returned as a real Excel error: in classic xlwings (Windows, pywin32) a COM
``VARIANT`` of type ``VT_ERROR``; under xlwings Lite / Server, whose converters turn a text
starting with ``#`` into an error cell, the error's text.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from enum import Enum
from itertools import chain
from typing import Callable, Sequence

import numpy as np

from .model import MISSING_MARKS, Settings, parse_direction
from .scoring import Fault


class XlError(str, Enum):
    VALUE = "#VALUE!"
    NA = "#N/A"
    NUM = "#NUM!"
    DIV0 = "#DIV/0!"


#: CVErr codes as COM HRESULTs (0x800A0000 | xlErr…), as signed 32-bit integers.
HRESULT = {XlError.VALUE: -2146826273, XlError.NA: -2146826246, XlError.NUM: -2146826252, XlError.DIV0: -2146826281}

#: Every error cell as pywin32 hands it over in a raw range (its HRESULT) → its text.
ERROR_TEXTS = {code: error.value for error, code in HRESULT.items()} | {-2146826259: "#NAME?", -2146826288: "#NULL!", -2146826265: "#REF!"}

FAULT_ERROR = {Fault.MISSING: XlError.NA} | {f: XlError.NUM for f in Fault if f not in (Fault.OK, Fault.MISSING)}
#: FAULT_ERROR by fault code (None: OK), looked up for every element at once: Excel calls a live
#: cell's function once per cell, and a pass per kind of fault cost each call 0.1 ms
_ERROR_OF_FAULT = np.array([FAULT_ERROR.get(Fault(code)) for code in range(max(Fault) + 1)], dtype=object)



def excel_error(error: XlError) -> object:
    """The value that makes a cell show ``error`` (see the module docstring)."""
    try:
        import pythoncom
        from win32com.client import VARIANT
    except ImportError:
        return error.value
    return VARIANT(pythoncom.VT_ERROR, HRESULT[error])


class ArgumentError(ValueError):
    """A whole argument is unusable (→ #VALUE!)."""


def grid(arg: object) -> np.ndarray:
    """Any cell or range argument as a 2-D object array."""
    array = np.array(arg if isinstance(arg, (list, tuple)) else [[arg]], dtype=object)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise ArgumentError("expected a cell or a range")
    return array


_AS_READ = {float, str, type(None)}  # what a raw cell of numbers or text holds


def read_cell(value: object) -> object:
    """A raw cell as xlwings' conversion reads it (``err_to_str``): blank as None, an error as its
    text, a COM date (a datetime with a time zone) as a plain datetime."""
    if value is None or (isinstance(value, str) and not value):
        return None
    if isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond)
    if isinstance(value, int) and not isinstance(value, bool):
        return ERROR_TEXTS.get(value, value)
    return value


def raw_rows(arg: object) -> list[Sequence[object]]:
    """A table argument taken raw (xlwings' ``raw`` conversion: a tuple of tuples) as rows of
    cells as they came, none looked at: see :func:`read_cell` for how a cell is to be read."""
    return list(arg) if isinstance(arg, tuple) and set(map(type, arg)) <= {tuple} else grid(arg).tolist()


def table_cells(arg: object) -> list[Sequence[object]]:
    """A table argument taken raw as rows of cells read as xlwings' own conversion reads them
    (:func:`read_cell`). xlwings looks at each cell (3 µs each: seconds for a Data table of
    30,000 rows); here a table of numbers and text is taken as it is, and only rows holding
    something else are looked at cell by cell."""
    rows = raw_rows(arg)
    if set(map(type, chain.from_iterable(rows))) <= _AS_READ and not any("" in row for row in rows):
        return rows
    return [row if set(map(type, row)) <= _AS_READ and "" not in row else [read_cell(value) for value in row] for row in rows]


def numbers(arg: object, blank: float = np.nan) -> tuple[np.ndarray, np.ndarray]:
    """A numeric argument: floats (``blank`` for a blank cell, NaN for #N/A) and the mask of
    cells that are not numbers."""
    cells = grid(arg)
    if all(value.__class__ is float for value in cells.flat):  # what Excel hands over for cells of numbers
        return cells.astype(float), np.zeros(cells.shape, dtype=bool)
    flat = cells.ravel()
    is_number = np.array([isinstance(v, (int, float)) and not isinstance(v, bool) for v in flat], dtype=bool)
    is_blank = np.array([v is None or (isinstance(v, str) and not v.strip()) for v in flat], dtype=bool)
    missing = is_blank | np.array([isinstance(v, str) and v.strip() in MISSING_MARKS for v in flat], dtype=bool)
    values = np.where(is_blank, blank, np.nan)
    values[is_number] = flat[is_number].astype(float)
    return values.reshape(cells.shape), (~is_number & ~missing).reshape(cells.shape)


def directions(arg: object, default: int) -> tuple[np.ndarray, np.ndarray]:
    """Directions as ±1 and the mask of cells that are not a direction. A blank cell is the
    function's ``default``, the same as an omitted argument (udfs.py passes None for both)."""
    cells = grid(arg)
    parsed = np.array([default if v is None or str(v).strip() == "" else parse_direction(v) or 0 for v in cells.ravel()], dtype=float)
    return parsed.reshape(cells.shape), (parsed == 0).reshape(cells.shape)


def text(arg: object, default: str = "") -> str:
    """A single-cell text option, lower case (blank: ``default``)."""
    cells = grid(arg)
    if cells.size != 1:
        raise ArgumentError("expected a single cell")
    value = cells.item()
    return default if value is None or str(value).strip() == "" else str(value).strip().lower()


def settings(**arguments: object) -> Settings:
    """Settings from single-cell arguments named by their Settings keys, each read exactly as the
    Settings sheet reads it: a blank cell keeps the default, except a blank ``cap``: no cap. An
    omitted argument arrives as the default udfs.py declares (``cap`` 1)."""
    raw = {}
    for key, arg in arguments.items():
        cells = grid(arg)
        if cells.size != 1:
            raise ArgumentError(f"{key} must be one cell")
        raw[key] = cells.item()
    result, problems = Settings.from_mapping(raw)
    if problems:
        raise ArgumentError("; ".join(map(str, problems)))
    return result


def cell_values(values: np.ndarray, errors: np.ndarray) -> object:
    """Numbers and per-element errors as a cell value: a scalar for 1 × 1, else a 2-D list.

    A number that does not exist without a stated reason (a row with no value at all) is #N/A,
    never a blank cell that SUM would skip."""
    values = np.atleast_2d(values)
    if values.shape == (1, 1):  # one cell, as a live cell of Scores asks: no array of objects
        error, value = np.ravel(errors)[0], float(values[0, 0])
        return excel_error(error) if error is not None else excel_error(XlError.NA) if math.isnan(value) else value
    errors = np.broadcast_to(np.atleast_2d(errors), values.shape)
    cells = values.astype(object)
    stated = np.not_equal(errors, None)
    made = {error: excel_error(error) for error in set(errors[stated].tolist())}  # one value per kind of error
    cells[stated] = [made[error] for error in errors[stated].tolist()]
    cells[~stated & np.isnan(values)] = excel_error(XlError.NA)
    out = cells.tolist()
    return out[0][0] if values.shape == (1, 1) else out


def fault_errors(faults: np.ndarray, *invalid: np.ndarray) -> np.ndarray:
    """Per element: #VALUE! where an input was not usable, else the error of its fault, else None."""
    shape = np.broadcast(faults, *invalid).shape
    errors = _ERROR_OF_FAULT[np.broadcast_to(faults, shape)]  # a new array: fancy indexing copies
    unusable = functools.reduce(np.logical_or, invalid, False)
    if np.any(unusable):
        errors[np.broadcast_to(unusable, shape)] = XlError.VALUE
    return errors


def row_errors(faults: np.ndarray, missing_is_error: bool) -> np.ndarray:
    """Per row (rows × indicators of Fault codes): #NUM! if any value is outside its method's
    domain, else #N/A if a value is missing and ``missing = error``, else None."""
    counted = faults if missing_is_error else np.where(faults == Fault.MISSING, Fault.OK, faults)
    out = np.full(len(counted), None, dtype=object)
    for error in (XlError.NA, XlError.NUM):  # the later, more specific error wins
        out[np.isin(counted, [int(f) for f, e in FAULT_ERROR.items() if e is error]).any(axis=1)] = error
    return out


def worksheet_function(fn: Callable) -> Callable:
    """Never let a Python exception reach a cell (classic xlwings would show its traceback as
    text): whatever fails becomes #VALUE!, and ANJI_EXPLAIN / ANJI_CHECK say why in words."""

    @functools.wraps(fn)
    def guarded(*args):
        try:
            return fn(*args)
        except Exception:  # noqa: BLE001 — the cell boundary: no exception may cross it
            return excel_error(XlError.VALUE)

    return guarded


def table_function(fn: Callable) -> Callable:
    """A :func:`worksheet_function` whose result xlwings hands to Excel as it is (udfs.TABLE):
    always rows of cells, a lone error value as a 1 × 1 range."""
    guarded = worksheet_function(fn)

    @functools.wraps(fn)
    def rows(*args):
        result = guarded(*args)
        return result if isinstance(result, list) else [[result]]

    return rows
