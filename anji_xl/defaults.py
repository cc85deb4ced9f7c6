"""The default indicator system of the report and the Anji sample data (``defaults/*.csv``).

The CSV files are the single source: the workbook builder writes them into the shipped book
and the tests read them to know what the book must hold. ``docs/indicators.md`` explains each
indicator, reference and weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .model import Model, Panel, Settings, parse_direction

if TYPE_CHECKING:  # pandas loads when the defaults are read, not when the command line asks where the book is
    from importlib.resources.abc import Traversable

    import pandas as pd

#: The book shipped with the project, in the repository: ``anji-xl build-workbook`` writes it.
SHIPPED_BOOK = Path(__file__).resolve().parent.parent / "workbook" / "AnjiIndex.xlsm"


def default_book() -> Path:
    """The book commands read without BOOK: the repository's in a checkout or an editable
    install, else the copy a plain install carries inside the package (setup.py puts it there)."""
    return SHIPPED_BOOK if SHIPPED_BOOK.is_file() else Path(str(_packaged("workbook") / SHIPPED_BOOK.name))


def _packaged(folder: str) -> Traversable:
    """A folder of data inside the package (importlib.resources loads here, on first use: 20 ms
    that commands which never read it would wait for before they start)."""
    from importlib.resources import files

    return files(__package__) / folder


#: Settings of the shipped book, with what each means. ``missing = reweight`` because the
#: growth indicators have no growth rate in the first sample year.
DEFAULT_SETTINGS: list[tuple[str, object, str]] = [
    ("dimension_aggregation", "arithmetic", "维度内合成: arithmetic 加权平均 / geometric 几何平均"),
    ("index_aggregation", "arithmetic", "维度间合成: arithmetic / geometric"),
    ("cap", 1, "得分率上限，空白 = 不设上限 · score cap; blank = no cap"),
    ("missing", "reweight", "缺失值: error 报错 / reweight 维度内重新分配权重 / zero 记 0 · first sample year has no growth rate"),
    ("weight_tolerance", 1e-6, "权重之和与 1 的允许误差 · allowed |Σ weights − 1|"),
    ("normalize_weights", "no", "yes: 权重之和不为 1 时自动归一并提示"),
    ("draws", 1000, "敏感性分析抽样次数 · Monte Carlo draws"),
    ("spread", 0.2, "权重扰动幅度 s: 权重 × U(1−s, 1+s) · weight perturbation"),
    ("seed", 20211012, "随机种子 · random seed (results repeat exactly)"),
    ("target_period", 2025, "达标预测目标年，空白 = 2025（参考值为“十四五”2025 年目标）· forecast target year; blank = 2025"),
    ("trend_periods", 3, "达标预测趋势回溯期数，空白 = 3: 趋势起点 S 取 [T−3, T−1] 内最早有值的时期 · periods the trend looks back; blank = 3"),
    ("name", "安吉指数", "指数名称（仪表板标题、compute 输出与评价报告），空白 = 综合指数 · the index's name (Dashboard, compute, report)"),
    ("name_en", "Anji Index", "指数英文名称，空白 = Composite index · the index's name in English"),
]


@dataclass(frozen=True)
class SampleData:
    """The shipped sample: values in long form (unit, period, id, value, source)."""

    long: pd.DataFrame

    def wide(self) -> pd.DataFrame:
        """One row per (unit, period), one column per indicator id, in file order."""
        wide = self.long.pivot(index=["unit", "period"], columns="id", values="value")
        return wide.reindex(columns=list(dict.fromkeys(self.long["id"])))


def default_indicators() -> pd.DataFrame:
    """The 23 indicators as text columns, exactly as the CSV holds them."""
    import pandas as pd

    with (_packaged("defaults") / "indicators.csv").open(encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def sample_data() -> SampleData:
    import pandas as pd

    with (_packaged("defaults") / "data.csv").open(encoding="utf-8") as handle:
        long = pd.read_csv(handle, dtype={"unit": str, "period": str, "id": str, "source": str})
    return SampleData(long)


def default_model() -> Model:
    """The default system as a model (the engine's form of what the book's Indicators hold)."""
    import pandas as pd

    table = default_indicators().set_index("id")
    for key in ("reference", "lower", "upper", "weight"):
        table[key] = pd.to_numeric(table[key].replace("", None), errors="raise").astype(float)
    table["direction"] = table["direction"].map(parse_direction)
    table["method"] = table["method"].replace("", "ratio")
    settings, problems = Settings.from_mapping({key: value for key, value, _ in DEFAULT_SETTINGS})
    assert not problems, problems  # the shipped settings are ours; a failure is a bug here
    return Model(table, settings)


def default_panel() -> Panel:
    return Panel(sample_data().wide())
