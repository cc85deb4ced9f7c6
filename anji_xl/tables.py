"""The tables a computation reads, held without pandas: the indicator table as lists, Data's
numbers as one array with their row labels. Each makes its pandas frame when first asked.

``compute``, ``validate`` and ``recalc`` read a book, compute and write it all without pandas. Loading pandas held the interpreter's lock for about 0.15 s while the sheet's
pieces waited for it to become numbers: on the bench's 30,000-row book, a quarter of what compute
took. The views that show a frame (the forecast, the report, sensitivity, import) ask for it
and load pandas then.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

ROW_NAMES = ("unit", "period")


def first_seen_codes(labels: np.ndarray) -> tuple[np.ndarray, list]:
    """Each label's code, in the order the labels are first seen, and the distinct labels in that
    order (``pandas.factorize`` without pandas)."""
    values = labels.tolist()
    distinct = list(dict.fromkeys(values))
    code = dict(zip(distinct, range(len(distinct))))
    return np.fromiter(map(code.__getitem__, values), dtype=np.intp, count=len(values)), distinct


class RowLabels:
    """The (unit, period) of each row, as two arrays of labels (a ``pandas.MultiIndex`` made when
    asked: :meth:`index`)."""

    __slots__ = ("units", "periods", "names", "_index", "_positions", "_codes")

    def __init__(self, units: object, periods: object, names: tuple = ROW_NAMES,
                 index: pd.MultiIndex | None = None, positions: np.ndarray | None = None):
        self.units, self.periods = np.asarray(units, dtype=object), np.asarray(periods, dtype=object)
        self.names = names
        self._index, self._positions = index, positions  # the frame's own index these rows come from, and where
        self._codes: list[tuple[np.ndarray, list] | None] = [None, None]  # by level, made when first asked

    @classmethod
    def of_index(cls, index: pd.Index) -> RowLabels:
        """The rows of a frame's index: (unit, period) levels, or none at all (a frame without rows)."""
        if index.nlevels < 2 and not len(index):
            return cls([], [], ROW_NAMES, index)
        return cls(index.get_level_values(0).to_numpy(dtype=object), index.get_level_values(1).to_numpy(dtype=object),
                   tuple(index.names), index)

    def __len__(self) -> int:
        return len(self.units)

    def __getitem__(self, position: int) -> tuple[str, str]:
        return self.units[position], self.periods[position]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return zip(self.units.tolist(), self.periods.tolist())

    def tolist(self) -> list[tuple[str, str]]:
        return list(self)

    def level(self, level: int) -> np.ndarray:
        """The labels of a level (0: units, 1: periods), row by row."""
        return self.periods if level else self.units

    def codes(self, level: int) -> tuple[np.ndarray, list]:
        """Each row's code at a level (0: units, 1: periods) and the distinct labels the codes
        stand for, in the order first seen in the rows these were taken from (:meth:`take`):
        made once, for the reader, the sorting, the ranks and the JSON alike."""
        if self._codes[level] is None:
            self._codes[level] = first_seen_codes(self.level(level))
        return self._codes[level]

    def take(self, positions: np.ndarray | slice) -> RowLabels:
        """The rows at these positions (with the codes already made, taken along)."""
        at = np.arange(len(self))[positions] if self._index is not None else None
        taken = RowLabels(self.units[positions], self.periods[positions], self.names, self._index,
                          at if self._positions is None or at is None else self._positions[at])
        taken._codes = [None if made is None else (made[0][positions], made[1]) for made in self._codes]
        return taken

    def isin(self, rows: Collection[tuple[str, str]]) -> np.ndarray:
        """Whether each row is among these (unit, period)."""
        if not rows:
            return np.zeros(len(self), dtype=bool)
        wanted = set(rows)
        return np.fromiter((row in wanted for row in self), dtype=bool, count=len(self))

    def index(self) -> pd.MultiIndex:
        """The rows as a ``pandas.MultiIndex`` (the frame's own, taken at these rows, when they come from one)."""
        if self._index is not None:
            return self._index if self._positions is None else self._index[self._positions]
        import pandas as pd

        return pd.MultiIndex.from_arrays([self.units, self.periods], names=list(self.names))


class IndicatorTable:
    """The indicator table: ids and a list of values per column (``frame()``: indexed by ``id``)."""

    def __init__(self, ids: list[str], columns: dict[str, list], frame: pd.DataFrame | None = None):
        self.ids, self.columns, self._frame = ids, columns, frame

    @classmethod
    def of_frame(cls, frame: pd.DataFrame) -> IndicatorTable:
        return cls(frame.index.tolist(), {name: frame[name].tolist() for name in frame.columns}, frame)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, column: str) -> bool:
        return column in self.columns

    def column(self, name: str, dtype: type = object) -> np.ndarray:
        return np.asarray(self.columns[name], dtype=dtype)

    def row(self, ident: str) -> dict[str, object]:
        at = self.ids.index(ident)
        return {name: values[at] for name, values in self.columns.items()}

    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            import pandas as pd

            self._frame = pd.DataFrame(self.columns, index=pd.Index(self.ids, name="id"))
        return self._frame


class PanelValues:
    """Data's numbers (rows × indicators, float) with their indicator ids and row labels
    (``frame()``: indexed by (unit, period), a column per indicator)."""

    def __init__(self, matrix: np.ndarray, ids: list[str], rows: RowLabels, frame: pd.DataFrame | None = None):
        self.matrix, self.ids, self.rows, self._frame = matrix, ids, rows, frame

    @classmethod
    def of_frame(cls, frame: pd.DataFrame) -> PanelValues:
        return cls(frame.to_numpy(dtype=float), list(frame.columns), RowLabels.of_index(frame.index), frame)

    def in_columns(self, ids: list[str]) -> np.ndarray:
        """The numbers in these indicators' order, NaN for one without a column: the array itself
        where its columns are those (not a copy)."""
        if ids == self.ids:
            return self.matrix
        out = np.full((len(self.rows), len(ids)), np.nan)
        at = {ident: k for k, ident in enumerate(self.ids)}
        for k, ident in enumerate(ids):
            if ident in at:
                out[:, k] = self.matrix[:, at[ident]]
        return out

    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            import pandas as pd

            self._frame = pd.DataFrame(self.matrix, index=self.rows.index(), columns=self.ids, copy=False)
        return self._frame


def table_of(table: IndicatorTable | PanelValues | pd.DataFrame, kind: type[IndicatorTable] | type[PanelValues]) -> IndicatorTable | PanelValues:
    """The table itself, or the table of this kind that holds a frame (which keeps the frame)."""
    return table if isinstance(table, kind) else kind.of_frame(table)
