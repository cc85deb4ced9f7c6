"""The report template ``anji_xl/report/template.docx``, built from this source
(``python -m anji_xl.report.template``; a test fails when the committed file is stale).

It is an ordinary Word document with Jinja tags that docxtpl fills from
:class:`anji_xl.report.content.ReportContent`: ``{{ … }}`` a value, ``{%p … %}`` / ``{%tr … %}`` /
``{%tc … %}`` a loop or condition over paragraphs, table rows or table cells. A bureau opens a copy
in Word or WPS, changes the wording, the letterhead (page header), fonts and styles, and passes it
with ``anji-xl report --template``; numbers are formatted by filters (``num`` four decimals,
``signed``, ``pct``, ``value`` by unit of measure) so they stay the engine's.

Every style sets its East Asian font (``w:eastAsia``: 宋体 for text, 黑体 for headings), so Word
and WPS show Chinese in a Chinese face; Latin text is Times New Roman.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .document import TEMPLATE

BODY_FONT, HEADING_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"
TABLE_TEXT, NOTE = "表格文字", "说明文字"
WIDE_CM = 3.3  # table columns at least this wide hold text: their cells start left
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # a fixed date in the package: a rebuild is byte for byte the same
_DARK_GREEN, _GREY = RGBColor(0x1F, 0x51, 0x30), RGBColor(0x59, 0x59, 0x59)


def _fonts(style, east_asia: str, size: float | None = None, bold: bool | None = None, color: RGBColor | None = None) -> None:
    """The style's fonts by name, East Asian included (theme fonts would override the names)."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    _names(fonts, east_asia)
    if size is not None:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    if color is not None:
        style.font.color.rgb = color


def _names(fonts, east_asia: str) -> None:
    """A w:rFonts element naming its fonts, theme fonts removed (they would override the names)."""
    for key in list(fonts.attrib):
        del fonts.attrib[key]
    for key, name in (("w:ascii", LATIN_FONT), ("w:hAnsi", LATIN_FONT), ("w:eastAsia", east_asia), ("w:cs", LATIN_FONT)):
        fonts.set(qn(key), name)


def _defaults(document) -> None:
    """Document defaults: the fonts above and Chinese as the East Asian language."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _names(rpr.find(qn("w:rFonts")), BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _styles(document) -> None:
    styles = document.styles
    for fonts in styles.element.iter(qn("w:rFonts")):  # fonts by name everywhere: a theme font would override the name
        if any(key.lower().endswith("theme") for key in fonts.attrib):
            style = next(fonts.iterancestors(qn("w:style")))
            heading = style.get(qn("w:styleId"), "").startswith(("Heading", "Title"))
            _names(fonts, HEADING_FONT if heading else BODY_FONT)
    normal = styles["Normal"]
    _fonts(normal, BODY_FONT, 10.5)
    normal.paragraph_format.line_spacing = 1.35
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.first_line_indent = Pt(21)  # two characters, as Chinese prose is set
    for name, size in (("Title", 20), ("Subtitle", 12), ("Heading 1", 16), ("Heading 2", 14), ("Heading 3", 12)):
        style = styles[name]
        _fonts(style, HEADING_FONT, size, bold=name != "Subtitle", color=_DARK_GREEN if name != "Subtitle" else _GREY)
        style.paragraph_format.first_line_indent = Pt(0)
        style.paragraph_format.space_before = Pt(12 if name.startswith("Heading") else 0)
        style.paragraph_format.space_after = Pt(6)
        if name in ("Title", "Subtitle"):
            style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        style.font.italic = False
    for name in ("Title",):
        border = styles[name].element.get_or_add_pPr().find(qn("w:pBdr"))
        if border is not None:  # the default template underlines the title in blue
            border.getparent().remove(border)
    caption = styles["Caption"]
    _fonts(caption, HEADING_FONT, 9, bold=False, color=RGBColor(0, 0, 0))
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.first_line_indent = Pt(0)
    caption.paragraph_format.space_after = Pt(8)
    caption.paragraph_format.keep_with_next = True  # a table's caption stays above it
    for name, size in ((TABLE_TEXT, 9), (NOTE, 9)):
        style = styles.add_style(name, 1)  # a paragraph style
        style.base_style = normal
        _fonts(style, BODY_FONT, size)
        style.paragraph_format.first_line_indent = Pt(0)
        style.paragraph_format.line_spacing = 1.1
        style.paragraph_format.space_after = Pt(0 if name == TABLE_TEXT else 3)
    for name in ("Header", "Footer"):
        _fonts(styles[name], BODY_FONT, 9)


def _page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    header = section.header.paragraphs[0]
    header.text = "{{ report.settings.name }}评价报告　·　{{ report.period }} 年"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    page = OxmlElement("w:fldSimple")
    page.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    page.append(run)
    footer._p.append(page)
    footer.add_run(" 页")


class _Writer:
    """Paragraphs and tables of the template, in reading order."""

    def __init__(self, document):
        self.document = document

    def heading(self, text: str, level: int) -> None:
        self.document.add_heading(text, level)

    def text(self, text: str, style: str | None = None) -> None:
        paragraph = self.document.add_paragraph(text, style)
        previous = paragraph._p.getprevious()
        if previous is not None and previous.tag == qn("w:tbl"):  # not glued to the table's bottom border
            paragraph.paragraph_format.space_before = Pt(6)

    def tag(self, tag: str) -> None:
        """A paragraph that only holds a ``{%p … %}`` tag (docxtpl removes it)."""
        self.document.add_paragraph(tag)

    def caption(self, text: str) -> None:
        self.document.add_paragraph(text, "Caption")

    def figure(self, tag: str) -> None:
        paragraph = self.document.add_paragraph(tag)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.first_line_indent = Pt(0)
        paragraph.paragraph_format.space_before = Pt(8)
        paragraph.paragraph_format.keep_with_next = True  # the caption stays under its figure

    def table(self, columns: list[tuple[str, str, float]], loop: str, end: str = "{%tr endfor %}") -> None:
        """A table with a header row and one row per item of ``loop``: ``columns`` are (header,
        cell, width in cm); a column whose header is a ``{%tc … %}`` tag repeats the next one.
        Cells are centred, but those of columns wider than WIDE_CM (names, sources) start left."""
        table = self.document.add_table(rows=4, cols=len(columns))
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        texts = [[h for h, _, _ in columns], [loop] + [""] * (len(columns) - 1), [c for _, c, _ in columns], [end] + [""] * (len(columns) - 1)]
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row.cells):
                cell.width = Cm(columns[c][2])
                paragraph = cell.paragraphs[0]
                paragraph.style = self.document.styles[TABLE_TEXT]
                paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if r > 0 and columns[c][2] >= WIDE_CM else WD_ALIGN_PARAGRAPH.CENTER
                run = paragraph.add_run(texts[r][c])
                if r == 0:
                    run.bold = True
                    shade = OxmlElement("w:shd")
                    for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", "DDEBDD")):
                        shade.set(qn(key), value)
                    cell._tc.get_or_add_tcPr().append(shade)
        repeat = OxmlElement("w:tblHeader")  # the header row again on every page the table spans
        table.rows[0]._tr.get_or_add_trPr().append(repeat)


def _dimension_columns(cell: str, width: float = 1.7) -> list[tuple[str, str, float]]:
    """Three columns that become one per dimension: the loop tag, the cell, the end tag."""
    return [("{%tc for d in report.dimensions %}", "{%tc for s in " + cell + " %}", 0.2), ("{{ d }}", "{{ s|num }}", width),
            ("{%tc endfor %}", "{%tc endfor %}", 0.2)]


def _front(w: _Writer) -> None:
    w.tag("{#p 本模板由 anji-xl 填写：两个花括号之间是数值，花括号加百分号之间是循环与条件，请保留它们；其余文字、页眉页脚、字体与样式均可修改。"
          "数字格式：num 四位小数，signed 带正负号，pct 百分数，value 按计量单位。 #}")
    w.document.add_paragraph("{{ report.period }} 年度{{ report.settings.name }}评价报告", "Title")
    w.document.add_paragraph("评价单位 {{ report.overview.count }} 个　·　数据来源：{{ report.provenance.book_name }}　·　"
                             "生成日期：{{ report.provenance.generated[:10] }}", "Subtitle")
    w.text("本报告按《绿色智慧城市评价指标体系暨“安吉指数”研究报告》（国家信息中心智慧城市发展研究中心、两山转化数字研究院，2021）"
           "第四部分的方法计算：各指标以现值与参考值之比计算得分率，按权重合成{{ report.dimensions|length|cn }}个领域得分与{{ report.settings.name }}（方法见附录）。"
           "报告中的全部数字均由 anji-xl 计算引擎从工作簿 {{ report.provenance.book_name }} 算得，与 anji-xl compute、"
           "anji-xl forecast 的结果一致。")


def _overview(w: _Writer) -> None:
    w.heading("一、总体情况", 1)
    w.text("{{ report.period }} 年共评价 {{ report.overview.count }} 个单位。"
           "{% if report.overview.count > 1 %}{{ report.settings.name }}最高的是{{ report.overview.rows[0].unit }}（{{ report.overview.rows[0].index|num }}），"
           "最低的是{{ report.overview.rows[-1].unit }}（{{ report.overview.rows[-1].index|num }}）。{% else %}"
           "{{ report.overview.rows[0].unit }}的{{ report.settings.name }}为 {{ report.overview.rows[0].index|num }}。{% endif %}"
           "{% if report.previous_period %}“较 {{ report.previous_period }} 年”为与上一期指数之差（点）。{% endif %}")
    w.caption("表 1　{{ report.period }} 年各单位{{ report.settings.name }}、排名与领域得分率")
    w.table([("排名", "{{ r.rank if r.rank is not none else '—' }}", 1.0), ("单位", "{{ r.unit }}", 2.2),
             ("{{ report.settings.name }}", "{{ r.index|num }}", 1.5),
             ("较 {{ report.previous_period or '上期' }} 年", "{{ r.change|signed }}", 1.5), *_dimension_columns("r.dimensions")],
            "{%tr for r in report.overview.rows %}")
    w.tag("{%p if report.overview.charts.distribution %}")
    w.figure("{{ report.overview.charts.distribution }}")
    w.caption("图 1　{{ report.period }} 年各单位{{ report.settings.name }}")
    w.tag("{%p endif %}")
    w.tag("{%p if not report.overview.detailed %}")
    w.text("{% if report.overview.chosen %}第二部分逐一评价以下单位：{{ report.overview.chosen|join('、') }}。{% else %}"
           "本期评价单位多于 {{ report.max_units }} 个，报告未逐一展开。{% endif %}"
           "需要展开评价的单位可在命令行用 --unit 指定（可重复），例如：anji-xl report {{ report.provenance.book_name }} "
           "--unit {{ report.overview.rows[0].unit }}")
    w.tag("{%p endif %}")
    w.tag("{%p if report.overview.notes %}")
    w.text("数据说明（适用于全体单位）：", NOTE)
    w.tag("{%p for n in report.overview.notes %}")
    w.text("· {{ n }}", NOTE)
    w.tag("{%p endfor %}")
    w.tag("{%p endif %}")


def _unit(w: _Writer) -> None:
    w.tag("{%p if report.units %}")
    w.heading("二、分单位评价", 1)
    w.tag("{%p for u in report.units %}")
    w.heading("（{{ u.number|cn }}）{{ u.name }}", 2)

    w.heading("1. 总指数", 3)
    w.text("{{ u.name }} {{ report.period }} 年{{ report.settings.name }}为 {{ u.index|num }}{% if u.of > 1 %}，在 {{ u.of }} 个单位中排名第 {{ u.rank }}{% endif %}。"
           "{% if u.previous %}较 {{ u.previous.period }} 年{{ u.previous.change|updown }}{% if u.previous.change %} {{ u.previous.change|abs|num }}{% endif %}"
           "{% if u.first %}，较 {{ u.first.period }} 年{{ u.first.change|updown }}{% if u.first.change %} {{ u.first.change|abs|num }}{% endif %}{% endif %}。{% endif %}"
           "{% if u.best %}各领域中得分率最高的是{{ u.best.name }}（{{ u.best.score|num }}），最低的是{{ u.worst.name }}（{{ u.worst.score|num }}）。{% endif %}")

    w.heading("2. 领域得分", 3)
    w.text("领域得分率为领域内各指标得分率的加权平均，贡献为该领域为{{ report.settings.name }}提供的点数（各领域贡献之和即{{ report.settings.name }}）；雷达图中虚线为满分。")
    w.caption("表 2.{{ u.number }}.1　{{ u.name }} {{ report.period }} 年领域得分")
    w.table([("领域", "{{ d.name }}", 3.2), ("权重", "{{ d.weight|num(3) }}", 2.2), ("得分率", "{{ d.score|num }}", 2.4),
             ("贡献", "{{ d.contribution|num }}", 2.4), ("满分", "{{ d.full|num }}", 2.2)], "{%tr for d in u.dimensions %}")
    w.text("合计（{{ report.settings.name }}）：{{ u.index|num }}", TABLE_TEXT)
    w.figure("{{ u.charts.radar }}")
    w.caption("图 2.{{ u.number }}.1　{{ u.name }} {{ report.period }} 年领域得分雷达图")

    w.heading("3. 趋势", 3)
    w.text("{% if u.trend|length > 1 %}{{ u.trend[0].period }}—{{ report.period }} 年{{ u.name }}的{{ report.settings.name }}与各领域得分率如下；"
           "图中虚线为按当前趋势外推的预测指数。{% else %}{{ u.name }}只有 {{ report.period }} 年一期数据，尚无趋势。{% endif %}")
    w.caption("表 2.{{ u.number }}.2　{{ u.name }}历年{{ report.settings.name }}与领域得分率")
    w.table([("时期", "{{ t.period }}", 1.6), ("{{ report.settings.name }}", "{{ t.index|num }}", 1.8), *_dimension_columns("t.dimensions")],
            "{%tr for t in u.trend %}")
    w.figure("{{ u.charts.trend }}")
    w.caption("图 2.{{ u.number }}.2　{{ u.name }}{{ report.settings.name }}与领域得分率变化")

    w.heading("4. 指标明细", 3)
    w.text("得分率 = 现值与参考值之比（逆向指标为参考值与现值之比，增长控制指标比较年增速），达到参考值为满分；贡献 = 权重 × 得分率。"
           "“满分”列标“是”的指标已达到参考值。")
    w.caption("表 2.{{ u.number }}.3　{{ u.name }} {{ report.period }} 年指标得分明细")
    w.table([("编号", "{{ i.ident }}", 1.3), ("指标", "{{ i.name }}", 3.6), ("现值", "{{ i.value|value(i.unit) }}", 1.7),
             ("参考值", "{% if i.method == 'growth' %}年增速 {{ i.reference|pct }}{% elif i.method == 'goalpost' %}"
                        "{{ i.lower|value(i.unit) }}～{{ i.upper|value(i.unit) }}{% elif i.method == 'ratio' %}{{ i.reference|value(i.unit) }}"
                        "{% else %}—{% endif %}", 1.8),
             ("方向", "{{ i.direction_name }}", 1.1), ("方法", "{{ i.method_name }}", 1.6), ("得分率", "{{ i.score|num }}", 1.5),
             ("权重", "{{ i.weight|num(3) }}", 1.2), ("贡献", "{{ i.contribution|num }}", 1.5), ("满分", "{{ '是' if i.at_full else '' }}", 1.1)],
            "{%tr for i in u.indicators %}")

    w.heading("5. 短板", 3)
    w.text("{% if u.gains %}按潜在提升排序（潜在提升 = 权重 ×（满分 − 得分率），即该指标达到参考值时{{ report.settings.name }}可增加的点数），"
           "{{ u.name }}提升空间最大的 {{ u.gains|length }} 项指标如下。{% else %}{{ u.name }}所有指标均已达到参考值，没有短板。{% endif %}")
    w.tag("{%p if u.gains %}")
    w.caption("表 2.{{ u.number }}.4　{{ u.name }} {{ report.period }} 年短板指标")
    w.table([("序号", "{{ g.rank }}", 1.1), ("指标", "{{ g.ident }} {{ g.name }}", 4.4), ("现值", "{{ g.value|value(g.unit) }}", 1.8),
             ("得分率", "{{ g.score|num }}", 1.5),
             ("达到参考值需", "{% if g.goal_kind == 'value' %}{{ '≥' if g.direction > 0 else '≤' }} {{ g.goal|value(g.unit) }}"
                            "{% elif g.goal_kind == 'growth' %}年增速 {{ '≥' if g.direction > 0 else '≤' }} {{ g.goal|pct }}{% else %}—{% endif %}", 2.8),
             ("可增加指数", "{{ g.gain|signed }}", 2.0)], "{%tr for g in u.gains %}")
    w.tag("{%p endif %}")
    w.figure("{{ u.charts.gains }}")
    w.caption("图 2.{{ u.number }}.3　{{ u.name }} {{ report.period }} 年潜在提升最大的指标")

    w.heading("6. 达标预测", 3)
    w.tag("{%p if u.forecast.available %}")
    w.text("以各指标最新值为起点、按近 {{ report.settings.trend_periods }} 年的年均增速外推至 {{ report.settings.target_period }} 年，"
           "{{ u.name }} {{ report.settings.target_period }} 年的预测{{ report.settings.name }}为 {{ u.forecast.index_forecast|num }}"
           "（{{ u.forecast.latest_period }} 年为 {{ u.forecast.index|num }}）。{{ u.forecast.rows|length }} 项指标中，"
           "已达标 {{ u.forecast.counts.reached }} 项，按当前趋势可在 {{ report.settings.target_period }} 年前达标 {{ u.forecast.counts.on_track }} 项，"
           "按当前趋势难以达标 {{ u.forecast.counts.off_track }} 项{% if u.forecast.counts.none %}，无法预测 {{ u.forecast.counts.none }} 项{% endif %}。"
           "难以达标的指标须达到“所需年增速”才能如期达标。")
    w.caption("表 2.{{ u.number }}.5　{{ u.name }}各指标 {{ report.settings.target_period }} 年达标预测")
    w.table([("判断", "{{ f.status_name }}", 1.7), ("指标", "{{ f.ident }} {{ f.name }}", 3.4), ("最新年份", "{{ f.latest_period or '—' }}", 1.2),
             ("最新值", "{{ f.latest|value(f.unit) }}", 1.8), ("趋势年增速", "{{ f.trend_growth|spct }}", 1.6),
             ("{{ report.settings.target_period }} 年预测值", "{% if f.method == 'growth' %}—{% else %}{{ f.forecast|value(f.unit) }}{% endif %}", 1.8),
             ("预测得分率", "{{ f.score_forecast|num }}", 1.5), ("所需年增速", "{{ f.required_growth|spct }}", 1.6),
             ("预计达标年份", "{{ f.period_reached or '—' }}", 1.4)], "{%tr for f in u.forecast.rows %}")
    w.text("{{ report.settings.target_period }} 年预测领域得分率："
           "{% for d in u.forecast.dimensions %}{{ d.name }} {{ d.score|num }}{% if not loop.last %}；{% endif %}{% endfor %}。")
    w.tag("{%p else %}")
    w.text("{{ u.name }}无法进行达标预测，原因见“7. 数据说明”。")
    w.tag("{%p endif %}")

    w.heading("7. 数据说明", 3)
    w.tag("{%p for n in u.notes %}")
    w.text("· {{ n }}", NOTE)
    w.tag("{%p endfor %}")
    w.tag("{%p if not u.notes %}")
    w.text("无缺失值、重新分配权重或年化增速等需要说明的情况。")
    w.tag("{%p endif %}")
    w.tag("{%p endfor %}")
    w.tag("{%p endif %}")


def _appendix(w: _Writer) -> None:
    w.heading("附录　方法说明", 1)
    w.heading("（一）计算方法", 2)
    w.text("1. 得分率（比值法）。每项指标 i 有现值 v 与参考值 r（“十四五”2025 年目标值，各年使用同一参考值，使各年可比）。"
           "正向指标得分率 X = min(c, v / r)，逆向指标 X = min(c, r / v)，c 为得分率上限"
           "（本报告 c = {{ report.settings.cap|num(2) if report.settings.cap is not none else '不设上限' }}），得分率为 1 表示达到目标。")
    w.text("2. 年度增长控制。总量控制指标转化为年度增长控制指标：年增速 g = v(t) / v(t−1) − 1（与上一期相隔多年时按年数开方年化），"
           "参考值为参考年增速 g0；逆向指标 X = min(c, (1 + g0) / (1 + g))，正向指标 X = min(c, (1 + g) / (1 + g0))。")
    w.tag("{%p if report.methods|reject('in', ['ratio', 'growth'])|list %}")
    w.text("本指标体系还用到：{% if 'goalpost' in report.methods %}目标区间法 X = (v − 下限) / (上限 − 下限)，截于 [0, 1]；{% endif %}"
           "{% if 'minmax' in report.methods %}极差标准化（上下限取同期各单位的最小值与最大值）；{% endif %}"
           "{% if 'zscore' in report.methods %}Z 分数 (v − 均值) / 标准差（同期各单位）；{% endif %}"
           "{% if 'efficacy' in report.methods %}功效系数法 60 + 40 × 极差标准化得分；{% endif %}逆向指标方向相反。")
    w.tag("{%p endif %}")
    w.text("3. 合成。{% if report.settings.dimension_aggregation == 'arithmetic' and report.settings.index_aggregation == 'arithmetic' %}"
           "领域得分率 D = Σ(W × X) / ΣW（对领域内指标求和），领域贡献 C = Σ(W × X)，{{ report.settings.name }} Y = ΣC = Σ(W × X)；"
           "权重之和为 1，{{ report.settings.name }}在 0 到 1 之间。{% else %}领域内按{{ '几何' if report.settings.dimension_aggregation == 'geometric' else '加权算术' }}"
           "平均、领域间按{{ '几何' if report.settings.index_aggregation == 'geometric' else '加权算术' }}平均合成（几何平均：D = Π X^(W / ΣW)，"
           "Y = Π D^(W)）。{% endif %}")
    w.text("4. 潜在提升（短板）= W × (满分 − X)，即该指标达到参考值时{{ report.settings.name }}可增加的点数。")
    w.text("5. 缺失值：{% if report.settings.missing == 'reweight' %}缺失的指标不计入，其权重在本领域内按比例重新分配；"
           "整个领域缺失时，其权重按比例分给其他领域{% elif report.settings.missing == 'zero' %}缺失的指标得分率记 0{% else %}"
           "有缺失值的行不计算指数{% endif %}（设置 missing = {{ report.settings.missing }}）。")
    w.text("6. 达标预测：T 为指标最新有值的年份，S 为 [T − {{ report.settings.trend_periods }}, T − 1] 内最早有值的年份，"
           "趋势年增速 g = (v(T) / v(S))^(1 / (T − S)) − 1，{{ report.settings.target_period }} 年预测值 = v(T) × (1 + g)^({{ report.settings.target_period }} − T)，"
           "所需年增速 = (r / v(T))^(1 / ({{ report.settings.target_period }} − T)) − 1；预测得分率按各指标自身的方法计算，"
           "预测指数按同样的权重与合成方法得出。")
    w.heading("（二）指标体系、参考值与权重", 2)
    w.caption("表 A.1　指标体系、参考值与权重")
    w.table([("编号", "{{ i.ident }}", 1.3), ("领域", "{{ i.dimension }}", 1.8), ("指标", "{{ i.name }}", 4.2), ("计量单位", "{{ i.unit }}", 1.9),
             ("方向", "{{ i.direction_name }}", 1.1), ("方法", "{{ i.method_name }}", 1.7),
             ("参考值", "{% if i.method == 'growth' %}年增速 {{ i.reference|pct }}{% elif i.method == 'goalpost' %}"
                        "{{ i.lower|value(i.unit) }}～{{ i.upper|value(i.unit) }}{% elif i.method == 'ratio' %}{{ i.reference|value(i.unit) }}"
                        "{% else %}—{% endif %}", 2.0), ("权重", "{{ i.weight|num(3) }}", 1.2)], "{%tr for i in report.indicators %}")
    w.caption("表 A.2　领域权重")
    w.table([("领域", "{{ d[0] }}", 4.0), ("权重", "{{ d[1]|num(3) }}", 2.5)], "{%tr for d in report.dimension_weights %}")
    w.heading("（三）参考值来源", 2)
    w.caption("表 A.3　参考值来源")
    w.table([("编号", "{{ i.ident }}", 1.3), ("指标", "{{ i.name }}", 3.8), ("来源", "{{ i.source or '—' }}", 11.0)],
            "{%tr for i in report.indicators %}")
    w.heading("（四）计算设置", 2)
    w.caption("表 A.4　本报告所用设置（工作簿 Settings 表）")
    w.table([("设置项", "{{ s.key }}", 3.6), ("值", "{{ s.value }}", 2.4), ("说明", "{{ s.meaning }}", 10.2)], "{%tr for s in report.setting_rows %}")
    w.heading("（五）数据来源与版本", 2)
    w.text("工作簿：{{ report.provenance.book_name }}", NOTE)
    w.text("工作簿 SHA-256：{{ report.provenance.sha256 or '（工作簿尚未保存）' }}", NOTE)
    w.text("软件：anji-xl {{ report.provenance.version }}", NOTE)
    w.text("生成时间：{{ report.provenance.generated }}", NOTE)


def template_bytes() -> bytes:
    """The template as a .docx package whose bytes depend on this source only."""
    document = Document()
    _defaults(document)
    _styles(document)
    _page(document)
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = "评价报告模板", "anji-xl", "anji-xl"
    writer = _Writer(document)
    _front(writer)
    _overview(writer)
    _unit(writer)
    _appendix(writer)
    built = io.BytesIO()
    document.save(built)
    fixed = io.BytesIO()
    with zipfile.ZipFile(built) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(zipfile.ZipInfo(item.filename, _ZIP_DATE), source.read(item.filename), zipfile.ZIP_DEFLATED)
    return fixed.getvalue()


def build_template(path: str | Path = TEMPLATE) -> Path:
    """Write the template (default: the one shipped in the package)."""
    path = Path(path)
    path.write_bytes(template_bytes())
    return path


if __name__ == "__main__":
    print(f"wrote {build_template()}")
