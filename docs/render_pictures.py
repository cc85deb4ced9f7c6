"""Render every sheet of the shipped book to docs/images/<sheet>.png through LibreOffice.

The pictures show what a statistician sees on opening the book: the cached values the builder
wrote (LibreOffice's default profile does not recalculate .xlsx/.xlsm on load, and cannot run the
ANJI_* functions anyway). Needs soffice, pdftoppm (poppler-utils) and a CJK font
(fonts-wqy-microhei). Works on a throw-away copy: LibreOffice never saves the shipped book.

    python docs/render_pictures.py
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from anji_xl.book.build import SHEETS
from anji_xl.defaults import SHIPPED_BOOK

IMAGES = Path(__file__).resolve().parent / "images"
ONE_PAGE_PER_SHEET = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'


def render(book: Path = SHIPPED_BOOK, out: Path = IMAGES) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        copy = work / "book.xlsm"
        shutil.copy(book, copy)
        profile = (work / "profile").as_uri()
        subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to",
                        ONE_PAGE_PER_SHEET, "--outdir", str(work), str(copy)], check=True, capture_output=True, timeout=300)
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(work / "book.pdf"), str(work / "page")], check=True, timeout=300)
        pages = sorted(work.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))
        written = []
        for (name, _), page in zip(SHEETS, pages):
            target = out / f"{name.replace('.', '_')}.png"
            shutil.copy(page, target)
            written.append(target)
        return written


if __name__ == "__main__":
    for path in render():
        print(path)
