"""The report's figures, drawn with matplotlib's Agg canvas (no pyplot, no window): the index of
every unit of the period, and per unit the radar of the dimension scores with the full score
(the source report's 领域得分示意图), the index and dimension scores over the periods with the
forecast to the target year, and the largest potential gains.

Text is drawn in one CJK font, found by family name or given as a file (``--font``). A character
that font lacks is an error naming the font and the text, before anything is drawn: a report
never shows a box (tofu) where a character should be. Legends sit outside the plotting area and
long labels are wrapped, so neither covers data.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..forecast import year_of
from ..messages import say
from ..model import AnjiInputError, Problem
from .content import Overview, UnitSection

#: Families tried in turn: Windows (Microsoft YaHei, SimHei), Linux (Noto Sans CJK, Source Han
#: Sans, WenQuanYi), macOS (PingFang, Hiragino, Heiti).
CJK_FAMILIES = ("Microsoft YaHei", "SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Micro Hei",
                "WenQuanYi Zen Hei", "PingFang SC", "Hiragino Sans GB", "Heiti SC")
DPI = 200
GREEN, LIGHT_GREEN, ORANGE, GREY = "#1F5130", "#70AD47", "#E26B0A", "#7F7F7F"
MAX_BARS = 40  # more units than this: a histogram instead of a bar per unit
_CM = 1 / 2.54


@dataclass(frozen=True)
class ChartFont:
    """The font every chart is drawn in, and the characters it has."""

    family: str
    path: str
    characters: frozenset[int]

    def check(self, texts: Iterable[str]) -> None:
        """AnjiInputError at the first character the font lacks."""
        for text in texts:
            for char in text:
                if not char.isspace() and ord(char) not in self.characters:
                    raise AnjiInputError([Problem(self.path, say("chart_glyph_missing", font=self.family, char=char, text=text))])


def _font_at(family: str, named: str | None = None) -> ChartFont:
    """The family as matplotlib will draw it (its characters are those of the file it picks);
    ``named``: the file the user named, for messages."""
    from matplotlib import font_manager

    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    return ChartFont(family, named or path, frozenset(font_manager.get_font(path).get_charmap()))


def find_font(path: str | Path | None = None) -> ChartFont:
    """The font of ``path`` (``--font``), else the first of CJK_FAMILIES installed; AnjiInputError
    saying how to get one when there is none."""
    from matplotlib import font_manager

    if path is not None:
        if not Path(path).is_file():
            raise AnjiInputError([Problem(str(path), say("no_file"))])
        try:
            font_manager.fontManager.addfont(str(path))
            family = font_manager.FontProperties(fname=str(path)).get_name()
            return _font_at(family, str(path))
        except (RuntimeError, OSError, ValueError) as error:
            raise AnjiInputError([Problem(str(path), say("font_unreadable", error=error))]) from None
    for family in CJK_FAMILIES:
        try:
            return _font_at(family)
        except ValueError:
            continue
    raise AnjiInputError([Problem("--font", say("no_cjk_font", families=", ".join(CJK_FAMILIES)))])


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _style(font: ChartFont) -> dict[str, object]:
    return {"font.family": [font.family], "font.size": 9, "axes.unicode_minus": 0x2212 in font.characters,
            "text.parse_math": False, "axes.spines.top": False, "axes.spines.right": False}


def _draw(font: ChartFont, width_cm: float, height_cm: float, painter, path: Path) -> Path:
    """A figure drawn by ``painter(figure) -> its texts`` in the chart font, saved as PNG; the
    texts are checked against the font first, and a missing-glyph warning while drawing is an error."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_style(font)), warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph .* missing")
        figure = Figure(figsize=(width_cm * _CM, height_cm * _CM), layout="constrained")
        FigureCanvasAgg(figure)
        font.check(painter(figure))
        try:
            figure.savefig(path, dpi=DPI, facecolor="white")
        except UserWarning as warning:
            raise AnjiInputError([Problem(font.path, say("chart_glyph_warning", font=font.family, warning=warning))]) from None
    return path


def radar_chart(section: UnitSection, path: Path, font: ChartFont) -> Path:
    """The dimension scores as a filled polygon, the full score as a dashed ring around it (with
    fewer than three dimensions, which make no polygon, as bars with the full score marked)."""
    names = [_wrap(d.name, 6) for d in section.dimensions]
    scores = np.array([np.nan if d.score is None else d.score for d in section.dimensions])
    full = np.array([np.nan if d.full is None else d.full for d in section.dimensions])

    def bars(figure):
        ax = figure.add_subplot()
        y = np.arange(len(names))
        ax.barh(y, np.nan_to_num(scores), color=LIGHT_GREEN, edgecolor=GREEN, height=0.5, label="得分率")
        ax.scatter(full, y, marker="|", s=400, color=GREY, label="满分", zorder=5)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlim(min(0.0, np.nanmin(scores, initial=0.0)), np.nanmax(np.append(full, scores), initial=1.0) * 1.1)
        figure.legend(loc="outside lower center", ncol=2, frameon=False)
        return names + ["满分", "得分率"]

    def paint(figure):
        angles = np.linspace(0, 2 * np.pi, len(names), endpoint=False)
        closed = np.append(angles, angles[:1])
        ax = figure.add_subplot(projection="polar")
        ax.set_theta_offset(np.pi / 2)
        ax.set_theta_direction(-1)
        top = np.nanmax(np.append(full, scores)) if np.isfinite(np.append(full, scores)).any() else 1.0
        bottom = min(0.0, np.nanmin(scores)) if np.isfinite(scores).any() else 0.0
        ax.plot(closed, np.append(full, full[:1]), linestyle="--", color=GREY, linewidth=1.2, label="满分")
        ax.fill(closed, np.append(scores, scores[:1]), color=LIGHT_GREEN, alpha=0.45)
        ax.plot(closed, np.append(scores, scores[:1]), color=GREEN, linewidth=1.6, marker="o", markersize=3, label="得分率")
        ax.set_xticks(angles, names)
        ax.tick_params(axis="x", pad=10)
        ax.set_ylim(bottom, top * 1.02)
        ax.set_rlabel_position(180 / len(names))
        ax.tick_params(axis="y", labelsize=7, colors=GREY)
        figure.legend(loc="outside lower center", ncol=2, frameon=False)
        return names + ["满分", "得分率"]

    if len(names) < 3:
        return _draw(font, 12.5, 3 + 1.4 * len(names), bars, path)
    return _draw(font, 12.5, 11.5, paint, path)


def _positions(labels: list[str]) -> np.ndarray | None:
    """Years as numbers (so a gap shows as a gap), else None: the periods are categories."""
    years = [year_of(label) for label in labels]
    return None if None in years else np.array(years, dtype=float)


def trend_chart(section: UnitSection, path: Path, font: ChartFont, target_period: int, name: str) -> Path:
    """The index ``name`` (bold, labelled) and the dimension scores over the unit's periods, and
    the forecast index per year to the target year (dashed)."""
    periods = [row.period for row in section.trend]
    ahead = section.forecast.trajectory
    labels = periods + [year for year, _ in ahead]
    numeric = _positions(labels)
    x = numeric if numeric is not None else np.arange(len(labels), dtype=float)
    series = lambda values: np.array([np.nan if v is None else v for v in values], dtype=float)  # noqa: E731
    index = series(row.index for row in section.trend)
    legend = [name, *(d.name for d in section.dimensions)]

    def paint(figure):
        ax = figure.add_subplot()
        colors = ["#4472C4", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47", "#264478", "#9E480E", "#636363", "#997300",
                  "#255E91", "#43682B", "#698ED0"]
        for k, dimension in enumerate(legend[1:]):
            values = series(row.dimensions[k] for row in section.trend)
            ax.plot(x[:len(periods)], values, color=colors[k % len(colors)], linewidth=1, marker="o", markersize=2.5, label=dimension)
        ax.plot(x[:len(periods)], index, color=GREEN, linewidth=2.4, marker="o", markersize=5, label=legend[0], zorder=5)
        shown = [legend[0], *legend[1:]]
        if len(periods) <= 8:
            for xi, value in zip(x, index):
                if np.isfinite(value):
                    ax.annotate(f"{value:.4f}", (xi, value), textcoords="offset points", xytext=(0, 8), ha="center", color=GREEN, fontsize=8,
                                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}, zorder=6)
        if ahead:
            forecast_label = f"预测指数（至 {target_period} 年）"
            xs = np.concatenate([x[len(periods) - 1:len(periods)], x[len(periods):]])
            ys = np.concatenate([index[-1:], series(v for _, v in ahead)])
            ax.plot(xs, ys, color=GREEN, linestyle="--", linewidth=1.4, marker="o", markersize=3, markerfacecolor="white", label=forecast_label)
            shown.append(forecast_label)
        values = np.concatenate([index, *(series(row.dimensions) for row in section.trend), series(v for _, v in ahead)])
        finite = values[np.isfinite(values)]
        top = max(1.0, float(finite.max())) if finite.size else 1.0
        ax.set_ylim(min(0.0, float(finite.min()) * 1.1) if finite.size else 0.0, top * 1.08)
        ax.set_xticks(x, labels)
        ax.set_ylabel("得分率 / 指数")
        ax.grid(axis="y", color="#D9D9D9", linewidth=0.6)
        handles = dict(zip(*reversed(ax.get_legend_handles_labels())))
        figure.legend([handles[label] for label in shown], shown, loc="outside lower center", ncol=min(4, len(shown)), frameon=False)
        return shown + labels + ["得分率 / 指数"]

    rows = -(-(len(legend) + 1) // 4)
    return _draw(font, 16, 9 + 0.6 * rows, paint, path)


def gains_chart(section: UnitSection, path: Path, font: ChartFont) -> Path:
    """The unit's largest potential gains (短板) as bars, largest on top, each with its value."""
    labels = [_wrap(f"{g.ident} {g.name}", 18) for g in section.gains]
    gains = [g.gain for g in section.gains]
    none = "所有指标均已达到目标，无短板"

    def paint(figure):
        ax = figure.add_subplot()
        if not gains:
            ax.axis("off")
            ax.text(0.5, 0.5, none, ha="center", va="center", fontsize=11, color=GREY)
            return [none]
        y = np.arange(len(gains))
        ax.barh(y, gains, color=ORANGE, height=0.6)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        for yi, gain in zip(y, gains):
            ax.annotate(f"+{gain:.4f}", (gain, yi), textcoords="offset points", xytext=(4, 0), va="center", fontsize=8)
        ax.set_xlim(0, max(gains) * 1.3)
        ax.set_xlabel("达到参考值可增加的指数点数")
        ax.grid(axis="x", color="#D9D9D9", linewidth=0.6)
        return labels + ["达到参考值可增加的指数点数"]

    return _draw(font, 16, 3 + 1.1 * max(len(gains), 1), paint, path)


def distribution_chart(overview: Overview, period: str, path: Path, font: ChartFont, name: str) -> Path:
    """The index ``name`` of every unit of the period: a bar per unit, highest on top (a histogram
    when there are more than MAX_BARS units)."""
    rows = [row for row in overview.rows if row.index is not None]
    axis = f"{period} 年{name}"

    def paint(figure):
        ax = figure.add_subplot()
        values = [row.index for row in rows]
        if len(rows) > MAX_BARS:
            ax.hist(values, bins=min(20, max(5, len(rows) // 10)), color=LIGHT_GREEN, edgecolor=GREEN)
            ax.set_xlabel(axis)
            ax.set_ylabel("单位数")
            return [axis, "单位数"]
        labels = [_wrap(row.unit, 12) for row in rows]
        y = np.arange(len(rows))
        ax.barh(y, values, color=LIGHT_GREEN, edgecolor=GREEN, height=0.6)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        for yi, value in zip(y, values):
            ax.annotate(f"{value:.4f}", (value, yi), textcoords="offset points", xytext=(4, 0), va="center", fontsize=8)
        ax.set_xlim(min(0.0, min(values)), max(1.0, max(values)) * 1.15)
        ax.set_xlabel(axis)
        ax.grid(axis="x", color="#D9D9D9", linewidth=0.6)
        return labels + [axis]

    height = 8 if len(rows) > MAX_BARS else 2.5 + 0.6 * len(rows)
    return _draw(font, 16, height, paint, path)
