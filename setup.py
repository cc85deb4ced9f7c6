"""The wheel carries the shipped workbook inside the package (``anji_xl/workbook/``), so a plain
``pip install .`` computes it with ``anji-xl compute``. ``workbook/AnjiIndex.xlsm`` stays the one
source: it is copied at build time, never kept twice in the repository (see
``anji_xl.defaults.default_book``). Everything else is declared in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BOOK = Path(__file__).resolve().parent / "workbook" / "AnjiIndex.xlsm"


class BuildWithBook(build_py):
    def run(self) -> None:
        super().run()
        if not self.editable_mode:  # an editable install reads workbook/ where it is
            target = Path(self.build_lib) / "anji_xl" / "workbook"
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(BOOK, target / BOOK.name)


setup(cmdclass={"build_py": BuildWithBook})
