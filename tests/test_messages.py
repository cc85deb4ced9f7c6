"""One catalogue of messages (issue 9): every bilingual text users read as a message comes from
``anji_xl/messages.py``; no module writes one inline.

The scan reads every string literal of the package and ``udfs.py`` (f-strings with their fields
shown as ``{}``) and flags ``中文 · English`` (Chinese, then " · ", then English) and pairs composed
by hand (``f"{zh} · {en}"``). What it leaves to
the modules are labels, not messages: docstrings, the documentation of options and arguments
(argparse ``help``/``description``, xlwings ``doc``), and the workbook's titles, column headers,
notes and the Settings descriptions listed in LABELS, each by the name that holds it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from anji_xl.messages import CATALOGUE, Pair, pair, say

REPO = Path(__file__).resolve().parent.parent
SOURCES = sorted([*(REPO / "anji_xl").rglob("*.py"), REPO / "udfs.py"])
CATALOGUE_FILE = REPO / "anji_xl" / "messages.py"

#: 中文 · English: a Chinese character, then " · " (ASCII spaces), then English before any more Chinese.
BILINGUAL = re.compile(r"[\u3001-\u303f\u4e00-\u9fff\uff01-\uffef][^·]*? ?· [^\u3000-\u9fff\uff01-\uffef·]*?[A-Za-z]"
                       r"|\{\}[^·]*? ?· \{\}")  # or a pair composed by hand: f"{zh} · {en}"
DOCUMENTATION = {"help", "description", "doc"}  # argparse and xlwings: what an option or argument is
LABELS = {  # (file, the function or module-level name that holds the text): the workbook's layout
    ("anji_xl/book/guide.py", "TITLE"), ("anji_xl/book/guide.py", "OWN_TITLE"), ("anji_xl/book/guide.py", "lines"),
    ("anji_xl/book/dashboard.py", "sheet_cells"),
    ("anji_xl/book/scores.py", "TITLE"), ("anji_xl/book/scores.py", "HEADERS"), ("anji_xl/book/scores.py", "meta"),
    ("anji_xl/book/build.py", "_write_xlwings_conf"),
    ("anji_xl/defaults.py", "DEFAULT_SETTINGS"),
    ("udfs.py", "DATA"), ("udfs.py", "INDICATORS"), ("udfs.py", "SCORES"), ("udfs.py", "MISSING"), ("udfs.py", "UNIT"),
}


def _text(node: ast.AST) -> str:
    """A literal as it reads, an f-string's fields as ``{}``."""
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return node.value


def inline_messages(source: str) -> list[tuple[int, str, str]]:
    """(line, holder, text) of each ``中文 · English`` literal of a module that is not a docstring
    or documentation; holder: the innermost function or class, else the module-level name assigned."""
    tree = ast.parse(source)
    skip: set[int] = set()
    holder: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skip.add(id(body[0].value))  # the docstring
        if isinstance(node, ast.keyword) and node.arg in DOCUMENTATION:
            skip.update(id(n) for n in ast.walk(node.value))
    for statement in tree.body:
        names = [t.id for t in getattr(statement, "targets", [getattr(statement, "target", None)]) if isinstance(t, ast.Name)]
        for node in ast.walk(statement):
            holder.setdefault(id(node), getattr(statement, "name", names[0] if names else ""))
        for scope in ast.walk(statement):  # inner functions and methods name their own texts
            if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and scope is not statement:
                for node in ast.walk(scope):
                    holder[id(node)] = scope.name
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or not (isinstance(node, ast.JoinedStr) or isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        text = _text(node)
        if BILINGUAL.search(text):
            found.append((node.lineno, holder.get(id(node), ""), text))
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
    return found


def test_no_module_writes_a_message_inline():
    stray = [f"{path.relative_to(REPO)}:{line} ({name}): {text[:70]}"
             for path in SOURCES if path != CATALOGUE_FILE
             for line, name, text in inline_messages(path.read_text(encoding="utf-8"))
             if (path.relative_to(REPO).as_posix(), name) not in LABELS]
    assert stray == [], "\n".join(["messages belong in anji_xl/messages.py (say/pair):", *stray])


def test_every_label_exemption_still_holds_a_label():
    """An exemption whose text moved or went away is removed too, so the list cannot grow stale."""
    held = {(path.relative_to(REPO).as_posix(), name) for path in SOURCES
            for _, name, _ in inline_messages(path.read_text(encoding="utf-8"))}
    assert LABELS <= held, LABELS - held


@pytest.mark.parametrize(("source", "flagged"), [
    ('problem = f"文件已损坏（{error}） · the package is damaged ({error})"', True),
    ('note = "时期须为年份数字（如 2021）· the period must be a year"', True),
    ('x = f"{unit}：{ids} 的最新值早于 {period}，各自从最新值起算 · {unit}: the latest values"', True),
    ('def f():\n    return ("工作簿已在 Excel 中打开，"\n            "请关闭 · the book is open")', True),
    ('problem(u, where, f"{zh} · {en}")', True),
    ('text = f"{zh}，{nothing[0]}；{zh_do} · {en}; {nothing[1]} — {en_do}"', True),
    ('def f():\n    """中文 · English docstring."""', False),
    ('parser.add_argument("--json", help="以 JSON 输出 · print JSON")', False),
    ('header = "绿色智慧城市评价“安吉指数”报告　·　{{ report.period }} 年"', False),  # a Chinese template, not two languages
    ('kind = "正向 positive: min(1, 现值/参考值 value/reference)"', False),
    ('text = say("no_file")', False),
])
def test_the_scan_tells_messages_from_the_rest(source, flagged):
    assert bool(inline_messages(source)) == flagged


def test_a_message_reads_chinese_then_english_and_each_language_takes_its_half_of_a_field():
    assert say("damaged", error="Bad CRC") == "文件已损坏（Bad CRC），未写入任何内容 · the package is damaged (Bad CRC); nothing was written"
    assert say("os_error", what=pair("os.disk_full"), todo=pair("todo.free_space")) == (
        "磁盘已满，未写入任何内容；请腾出空间后再运行 · the disk is full; nothing was written — free some space and run again")
    assert str(Pair("甲", "a")) == "甲 · a"


def test_every_catalogue_entry_reads_chinese_first():
    for name, (zh, en) in CATALOGUE.items():
        assert re.search(r"[\u3001-\u303f\u4e00-\u9fff\uff01-\uffef]", zh) or zh == en, name  # LibreOffice reads the same in both
