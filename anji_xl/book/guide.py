"""The Guide sheet: what the book does, how to start in each program, the method in short, the
status, and the messages the buttons show (the VBA reads them by name: its source is ASCII)."""

from __future__ import annotations

from .. import __version__
from .scores import NATIVE_ROWS

SHEET = "Guide"
TITLE = "绿色智慧城市评价“安吉指数” · Anji Index (green smart city evaluation)"
OWN_TITLE = "综合评价指数 · composite index (anji-xl)"  # a book of the user's own indicator system

MESSAGES = {  # defined name → text; the VBA module AnjiMacros shows them
    "anji_msg_install": (
        "未找到 xlwings 加载项或 Python。请在命令提示符中运行：\n"
        "  pip install -e <anji-xl 文件夹>\n  xlwings addin install\n"
        "然后重新启动 Excel（独立版工作簿无需加载项）。WPS 表格、LibreOffice 不能运行 xlwings："
        "请看 Scores 表的原生列，在装有 Python 的电脑上运行 anji-xl recalc 更新 Results。\n\n"
        "The xlwings add-in or Python is missing. In a command prompt run:\n"
        "  pip install -e <anji-xl folder>\n  xlwings addin install\n"
        "then restart Excel (a standalone book needs no add-in). WPS Spreadsheets and LibreOffice cannot run xlwings: "
        "read the native columns of Scores, and update Results with anji-xl recalc on a PC with Python."),
    "anji_msg_other_app": (
        "xlwings 不能在 WPS 表格或 LibreOffice 中运行，按钮在此无效。无需按任何按钮：Scores 表的原生（无 Python）列已给出指数。"
        "要更新 Results，请在装有 Python 的电脑上运行：\n  anji-xl recalc <工作簿>\n\n"
        "xlwings does not run in WPS Spreadsheets or LibreOffice, so the buttons do nothing here. Press nothing: the native "
        "(no-Python) columns of Scores give the index. To update Results, run on a PC with Python:\n  anji-xl recalc <book>"),
    "anji_msg_version": (
        "此工作簿为 xlwings {version} 生成，本机的 xlwings 版本不同。请运行：\n  pip install xlwings=={version}\n  xlwings addin install\n"
        "或用本机的 xlwings 重新生成：anji-xl build-workbook --standalone <文件>。\n\n"
        "This book was built for xlwings {version}; the xlwings here is another version. Run:\n"
        "  pip install xlwings=={version}\n  xlwings addin install\nor rebuild it with the xlwings here: anji-xl build-workbook --standalone <file>."),
}


def lines(standalone: bool, sample: bool = True) -> list[tuple[str, str]]:
    """(text, style kind) of each row from the top; ``sample``: the book holds the shipped Anji
    sample, so the notes on the report's figures apply (a user's own book gets neither them nor
    the Anji title)."""
    excel = ("本工作簿已含 xlwings 引用与 ANJI_* 函数包装模块：安装后打开即可使用，无需“导入函数”，也无需信任 VBA 工程。"
             if not standalone else "本工作簿为独立版：已含 xlwings 的 VBA，无需加载项。")
    excel_en = ("The book carries the xlwings reference and the ANJI_* wrappers: once installed, open it and use it; no Import"
                " functions step and no VBA-project trust setting." if not standalone else
                "This is the standalone book: xlwings' VBA is inside, no add-in is needed.")
    return [
        (TITLE if sample else OWN_TITLE, "title"),
        ("本工作簿计算安吉指数及其他综合指数：在 Indicators 维护指标、参考值与权重，在 Data 录入数据（可追加新单位、新年份，顺序不限），"
         "按“重新计算”更新 Scores、Results 与 Dashboard。 This book computes the Anji Index and other composite indices: keep indicators,"
         " references and weights in Indicators and values in Data (append new units and years in any order), then press Recalculate"
         " to update Scores, Results and the Dashboard.", "wrap"),
        ("开始 Getting started", "subtitle"),
        ("Excel (Windows): 1. pip install -e <anji-xl 文件夹 folder>   2. xlwings addin install   3. 启用宏 enable macros.\n"
         f"{excel} {excel_en}\n"
         "修改 udfs.py 后才需按“导入函数”重新导入，此时须在信任中心勾选“信任对 VBA 工程对象模型的访问”。"
         " Import functions re-imports the functions after you edit udfs.py; only then it needs Trust access to the VBA project object model.\n"
         "WPS 表格、LibreOffice 或没有 Python 的 Excel：ANJI_* 单元格显示 #NAME?，按钮无效；Scores 表的“原生公式指数”与原生维度列"
         "（蓝色）用普通公式给出同样的结果。 WPS, LibreOffice or Excel without Python: ANJI_* cells show #NAME? and the buttons do"
         " nothing; the native index and dimension columns of Scores (blue) give the same results with plain formulas.", "wrap"),
        ("按钮 Buttons", "subtitle"),
        ("重新计算 Recalculate: 计算并写入 Results，按 Data 与 Indicators 重建 Scores 与仪表板图表 · computes and writes Results, rebuilds"
         " Scores and the Dashboard charts from Data and Indicators.   检查数据 Validate: 列出所有问题及单元格 · lists every problem with"
         " its cell.\n敏感性分析 Sensitivity: 权重蒙特卡洛 · weight Monte Carlo.   导入函数 Import functions: 修改 udfs.py 后重新导入 ·"
         " re-imports the ANJI_* functions after udfs.py was edited.\n生成报告 Report: 在工作簿旁写出评价报告 .docx（同 anji-xl report）·"
         " writes the evaluation report (.docx) beside the book, as anji-xl report does.", "wrap"),
        ("录入约定 Typing your data", "subtitle"),
        ("百分比：计量单位为 %（百分比）且参考值 ≤ 1 的指标按小数录入，89% 录入 0.89 或 89%。录入 89 会报错（“89 看起来是 89%”），"
         "不会按 89 计算；大于 1 的小数在不超过参考值 2 倍时按超额完成计（完成率 1.03 即 103%）。"
         " Percentages: an indicator whose unit of measure is % and whose reference is ≤ 1 takes fractions: 89% is typed 0.89"
         " or 89%. A typed 89 is a problem (\"89 looks like 89%\"), never computed as 89; a value above 1 counts as a target"
         " over-fulfilled up to twice the reference (a completion rate of 1.03 is 103%).", "wrap"),
        ("中文表头：Indicators 读 编号、维度、名称、计量单位（指标的单位，如 %）、方向、方法、参考值、下限、上限、权重；Data 读 地区 或 评价单位"
         "（被评价的县、乡镇）、时期；Settings 读 设置项、值。只写“单位”时，在 Indicators 指计量单位，在 Data 指评价单位。方向写 正向/逆向、"
         "1/−1（全角 ＋1、－1 亦可）。 Chinese headers: Indicators reads 编号 id, 维度 dimension, 名称 name, 计量单位 unit of measure,"
         " 方向 direction, 方法 method, 参考值 reference, 下限/上限 lower/upper, 权重 weight; Data reads 地区 or 评价单位 (the evaluated"
         " unit) and 时期 period. A bare 单位 is the unit of measure in Indicators and the evaluated unit in Data. Directions: 正向/逆向,"
         " positive/negative, 1/−1 (full-width ＋1, －1 too).", "wrap"),
        ("Scores 表 · the Scores sheet", "subtitle"),
        ("每个 Data 行一行：index 为实时 ANJI_* 指数（需 Python），“原生公式指数”为不需 Python 的同一指数，difference 为两者之差，"
         "check 与 Results 核对（OK / ≠ Results / 原因）。含 minmax、zscore、efficacy（需所有单位同期数据）的体系，实时单元格显示 #N/A 并在"
         " check 中说明；几何合成时原生公式显示 #N/A：请看 Results。 One row per Data row: index is the live ANJI_* index (needs Python),"
         " the native index is the same index without Python, difference is live − native, and check compares both with Results"
         " (OK / ≠ Results / the reason). With min–max, z-score or efficacy indicators (they pool all units of a period) the live"
         " cells show #N/A and check says why; under geometric aggregation the native cells show #N/A: Results has the numbers.", "wrap"),
        ("方法 Method", "subtitle"),
        ("得分率 X = min(上限, 现值/参考值)，逆向指标 X = min(上限, 参考值/现值)；总量控制指标转为年度增长控制；指数 Y = Σ 权重 × 得分率。"
         " Score X = min(cap, value/reference) (negative: reference/value); totals become annual growth control; index Y = Σ W·X."
         " 详见 docs/method.md · details in docs/method.md.", "wrap"),
        ("设置 xlwings.conf: UDF Modules = udfs。以 pip install -e 安装后 udfs 与 anji_xl 在任何位置都可导入；否则在 xlwings.conf 表填写"
         " anji-xl 文件夹的绝对路径为 PYTHONPATH。 After pip install -e, udfs and anji_xl import from anywhere; otherwise put the absolute"
         " path of the anji-xl folder as PYTHONPATH on the xlwings.conf sheet (relative paths are not resolved).", "wrap"),
        ("限制 Known limits", "subtitle"),
        *([("报告公布的 2020 年安吉指数 0.9241 无法由示例数据复现（报告未公布指标表与数据）；示例数据除注明来源者外均为示例值。"
            " The report's published 2020 value 0.9241 cannot be reproduced from this sample data (the report prints neither its"
            " indicator table nor its data); sample values are illustrative unless their source says otherwise.", "note")]
          if sample else []),
        (f"Scores 的原生列覆盖 Data 的前 {NATIVE_ROWS:,} 行（重新计算后覆盖更多），新录入的行立即有原生得分；实时 ANJI_* 单元格与 Results"
         f" 要等下次“重新计算”。 The native columns of Scores cover Data's first {NATIVE_ROWS:,} rows (more after a Recalculate), so a row"
         " typed in is scored natively at once; its live ANJI_* cells and Results follow at the next Recalculate.", "note"),
        ("状态 Status", "subtitle"),
    ]


def status_formula(computed: str, xlwings_version: str) -> tuple[str, str]:
    """The status line (formula, cached value): when Results was computed, the versions."""
    formula = f'="计算于 computed: "&Results!$B$2&"   版本 version: "&Results!$D$2&"   xlwings: {xlwings_version}"'
    return formula, f"计算于 computed: {computed}   版本 version: {__version__}   xlwings: {xlwings_version}"
