"""The inputs of a computation: an indicator system, its settings, a panel of values.

A *model* (indicators + settings) and a *panel* (units × periods × indicator values) go in;
the engine turns them into an :class:`anji_xl.engine.IndexResult`. Everything here is plain
Python (the tables in lists and NumPy arrays, their pandas frames made when asked): no
spreadsheet library is imported, so the same engine serves the worksheet functions, the command
line and the tests.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from .messages import say

if TYPE_CHECKING:  # annotations only: `anji-xl --help` loads neither NumPy nor pandas, and compute no pandas
    import pandas as pd

    from .tables import IndicatorTable, PanelValues

#: The six dimensions of the report, §三, in the report's order (Chinese name → English).
DIMENSIONS_EN: dict[str, str] = {
    "低碳生产": "Low-carbon production",
    "智慧生活": "Smart living",
    "生态友好": "Eco-friendly environment",
    "现代治理": "Modern governance",
    "绿色设施": "Green infrastructure",
    "推进机制": "Promotion mechanism",
}

METHODS = ("ratio", "growth", "goalpost", "minmax", "zscore", "efficacy")
AGGREGATIONS = ("arithmetic", "geometric")
MISSING_POLICIES = ("error", "reweight", "zero")

DIRECTION_ALIASES = {
    "positive": 1, "pos": 1, "+": 1, "1": 1, "+1": 1, "正向": 1, "正": 1,
    "negative": -1, "neg": -1, "-": -1, "-1": -1, "逆向": -1, "负向": -1, "逆": -1,
}
METHOD_ALIASES = {"比值法": "ratio", "功效系数法": "efficacy", "min-max": "minmax", "z-score": "zscore"}
#: Cell texts that mean "no value" to the worksheet functions: Excel's not-available error.
MISSING_MARKS = frozenset({"#N/A"})
_YES = {"yes", "true", "y", "是"}
_NO = {"no", "false", "n", "否"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, with where it is (``Sheet!Cell``) when known."""

    where: str
    message: str
    row: tuple[str, str] | None = None  # the (unit, period) it concerns; None: the whole model

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class AnjiInputError(Exception):
    """Invalid input; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(map(str, self.problems)))


def parse_direction(text: object) -> int | None:
    """+1 for 正向 / positive / 1, −1 for 逆向 / negative / −1 as typed: full-width (１, ＋1, －1)
    and a minus sign (−1, U+2212, which NFKC keeps) too; None when not recognised."""
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return int(text) if text in (1, -1) else None
    key = unicodedata.normalize("NFKC", str(text)).replace("\u2212", "-").strip().lower()
    return DIRECTION_ALIASES.get(key.removesuffix(".0"))


def parse_method(text: object) -> str | None:
    """The scoring method named by ``text`` (blank means ``ratio``); None when unknown."""
    name = "" if text is None else str(text).strip().lower()
    if not name:
        return "ratio"
    name = METHOD_ALIASES.get(name, name)
    return name if name in METHODS else None


@dataclass(frozen=True)
class Settings:
    """The Settings sheet. Defaults are the report's method (capped ratio, arithmetic mean)."""

    dimension_aggregation: str = "arithmetic"
    index_aggregation: str = "arithmetic"
    cap: float | None = 1.0  # None: no cap
    missing: str = "error"
    weight_tolerance: float = 1e-6
    normalize_weights: bool = False
    draws: int = 1000
    spread: float = 0.2
    seed: int = 20211012
    target_period: int = 2025  # 达标预测: the year the references are targets for
    trend_periods: int = 3  # 达标预测: how many periods back the trend may start
    # What the index is called (compute, the Dashboard, the report): neutral unless the book names
    # it; the shipped book's Settings say 安吉指数 (defaults.DEFAULT_SETTINGS).
    name: str = "综合指数"
    name_en: str = "Composite index"

    @classmethod
    def from_mapping(
        cls, raw: dict[str, object], where: Callable[[str], str] = lambda key: ""
    ) -> tuple["Settings", list[Problem]]:
        """Settings from ``key → value`` cells; unknown keys and bad values become problems.

        A key that is absent or blank keeps its default, except ``cap``: present but blank means
        no cap.
        """
        values: dict[str, object] = {}
        problems: list[Problem] = []

        def bad(key: str, message: str, **fields: object) -> None:
            problems.append(Problem(where(key), say(message, key=key, value=value, **fields)))

        for key, value in raw.items():
            text = "" if value is None else str(value).strip()
            if not text and key != "cap":
                continue  # a blank value keeps the default; only a blank cap means something (no cap)
            if key in ("dimension_aggregation", "index_aggregation"):
                if text.lower() not in AGGREGATIONS:
                    bad(key, "setting_choice", allowed=", ".join(AGGREGATIONS))
                else:
                    values[key] = text.lower()
            elif key == "missing":
                if text.lower() not in MISSING_POLICIES:
                    bad(key, "setting_choice", allowed=", ".join(MISSING_POLICIES))
                else:
                    values[key] = text.lower()
            elif key == "normalize_weights":
                if _is_number(value):  # Excel hands TRUE / 1 over as numbers
                    values[key] = float(value) != 0
                elif text.lower() not in _YES | _NO:
                    bad(key, "setting_yes_no")
                else:
                    values[key] = text.lower() in _YES
            elif key == "cap":
                if text.lower() in ("", "none"):
                    values[key] = None
                elif not _is_number(value) or float(value) <= 0:
                    bad(key, "setting_cap")
                else:
                    values[key] = float(value)
            elif key in ("weight_tolerance", "spread"):
                if not _is_number(value) or float(value) < 0 or (key == "spread" and float(value) >= 1):
                    limit = "in [0, 1)" if key == "spread" else "≥ 0"
                    bad(key, "setting_number", limit=limit, limit_zh="在 [0, 1) 内" if key == "spread" else " ≥ 0 ")
                else:
                    values[key] = float(value)
            elif key in ("name", "name_en"):
                values[key] = text
            elif key in ("draws", "seed", "target_period", "trend_periods"):
                least = 1 if key in ("draws", "trend_periods") else 0
                if not _is_number(value) or float(value) != int(float(value)) or float(value) < least:
                    bad(key, "setting_whole", limit=" ≥ 1" if least else "", limit_zh=" ≥ 1 的" if least else "")
                else:
                    values[key] = int(float(value))
            else:
                bad(key, "setting_unknown")
        return cls(**values), problems


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        return math.isfinite(value)
    try:
        return math.isfinite(float(str(value)))
    except ValueError:
        return False


def _no_location(*_: object) -> str:
    return ""


@dataclass
class Model:
    """An indicator system and its settings.

    ``table`` (:class:`~anji_xl.tables.IndicatorTable`, or a frame of it) holds, by indicator
    ``id``, the columns ``dimension``, ``direction`` (+1 / −1), ``method``, ``reference``,
    ``lower``, ``upper``, ``transform`` (``""`` or ``"log"``), ``weight`` and any descriptive
    columns (``name``, ``unit``, ``source`` …); ``indicators`` is its frame, indexed by ``id``.
    ``indicator_cell(id, column)`` names the cell an indicator's field came from,
    ``settings_cell(key)`` the cell of a setting ("" for one the book does not set).
    """

    table: IndicatorTable
    settings: Settings = field(default_factory=Settings)
    indicator_cell: Callable[[str, str], str] = _no_location
    warnings: list[str] = field(default_factory=list)  # what reading the indicator table noticed
    settings_cell: Callable[[str], str] = _no_location

    def __post_init__(self) -> None:
        from .tables import IndicatorTable, table_of  # NumPy: loaded when a model is made, not for `anji-xl --help`

        self.table = table_of(self.table, IndicatorTable)

    @property
    def indicators(self) -> pd.DataFrame:
        return self.table.frame()

    @property
    def ids(self) -> list[str]:
        return self.table.ids

    @property
    def dimensions(self) -> list[str]:
        """Dimensions in the order they first appear in the indicator table."""
        return list(dict.fromkeys(self.table.columns["dimension"]))

    def names(self) -> dict[str, object]:
        """Each indicator's name by id, as the table holds it (none where it has no name column)."""
        return dict(zip(self.table.ids, self.table.columns["name"])) if "name" in self.table else {}


@dataclass
class Panel:
    """Indicator values: rows labelled by (unit, period) as strings, one column per indicator.

    ``table`` (:class:`~anji_xl.tables.PanelValues`, or a frame of it) holds them;
    ``values`` is its frame, indexed by (unit, period). Missing values are NaN.
    ``data_cell(unit, period, id)`` names the cell a value came from.
    """

    table: PanelValues
    data_cell: Callable[[str, str, str], str] = _no_location
    warnings: list[str] = field(default_factory=list)  # what reading the values noticed (numbers stored as text …)

    def __post_init__(self) -> None:
        from .tables import PanelValues, table_of

        self.table = table_of(self.table, PanelValues)

    @property
    def values(self) -> pd.DataFrame:
        return self.table.frame()
