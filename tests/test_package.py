"""The package stands on its own: a plain (not editable) install computes the shipped example,
and the engine and the worksheet functions import without openpyxl."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from anji_xl.defaults import SHIPPED_BOOK

REPO = Path(__file__).resolve().parent.parent


def test_the_engine_and_the_functions_do_not_load_openpyxl():
    code = "import anji_xl.engine, anji_xl.functions, sys; assert 'openpyxl' not in sys.modules"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr


def test_a_plain_install_computes_the_shipped_book(tmp_path):
    # build the wheel from a copy (an in-tree build would leave build/ in the checkout); pip
    # fetches the build backend from PyPI (build isolation), which CI can reach
    source = tmp_path / "src"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".git", "tests", "docs", "benchmarks", "build", "dist",
                                                                  "*.egg-info", "__pycache__", ".hypothesis", ".ci"))
    completed = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"), str(source)],
                               capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr
    (wheel,) = (tmp_path / "dist").glob("anji_xl-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("anji_xl/workbook/AnjiIndex.xlsm") == SHIPPED_BOOK.read_bytes()  # the very book, not a second one
        assert archive.read("anji_xl/report/template.docx") == (REPO / "anji_xl" / "report" / "template.docx").read_bytes()  # report template
        (entry_points,) = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
        # the installed command starts in anji_xl.console, which handles Ctrl-C before the heavy imports
        assert "anji-xl = anji_xl.console:main" in archive.read(entry_points).decode("utf-8").splitlines()
        archive.extractall(site)
    assert not (site / "workbook").exists()
    # installed as pip installs a wheel: the package alone, run from a folder without the checkout
    env = {**os.environ, "PYTHONPATH": str(site)}
    script = "import anji_xl, sys; from anji_xl.cli import main; print(anji_xl.__file__, file=sys.stderr); sys.exit(main(['compute', '--json']))"
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr.strip().startswith(str(site))
    document = json.loads(completed.stdout)
    # the figures docs/indicators.md reports for the shipped sample
    assert [(r["unit"], r["period"], round(r["index"], 4)) for r in document["results"]] == [
        ("安吉县", "2018", 0.7657), ("安吉县", "2019", 0.8494), ("安吉县", "2020", 0.9430)]
