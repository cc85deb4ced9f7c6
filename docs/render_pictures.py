"""Render the sheets of the shipped book to docs/images/<sheet>.png through LibreOffice, and the
Dashboard of a book into which a new city was typed, recalculated natively, to
docs/images/Dashboard_typed_city.png.

The sheet pictures show what a statistician sees on opening the book: the cached values the
builder wrote (LibreOffice's default profile does not recalculate .xlsx/.xlsm on load, and cannot
run the ANJI_* functions anyway). The typed-city picture uses a profile that recalculates on load,
as WPS or a LibreOffice set to recalculate does, so it shows the native layer at work. Each page
is cropped to its top-left 1,400 × 1,000 pixels, readable at README size (the typed-city
Dashboard to its used part, at twice the resolution). Needs soffice, pdftoppm
(poppler-utils) and a CJK font (fonts-wqy-microhei). Works on throw-away copies.

    python docs/render_pictures.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import libreoffice  # noqa: E402
from anji_xl.book.build import SHEETS  # noqa: E402
from anji_xl.defaults import SHIPPED_BOOK  # noqa: E402
from book_parts import choose_on_dashboard, load_quietly, type_rows  # noqa: E402

IMAGES = Path(__file__).resolve().parent / "images"
ONE_PAGE_PER_SHEET = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
WIDTH, HEIGHT = 1400, 1000  # pixels of the top-left corner kept of each page
DASHBOARD = 2180, 680  # the typed-city Dashboard's used part at 160 dpi


def _pages(book: Path, work: Path, recalculate: bool, dpi: int = 80, size: tuple[int, int] = (WIDTH, HEIGHT)) -> list[Path]:
    """One PNG per sheet of ``book``, in sheet order: the top-left ``size`` pixels at ``dpi``."""
    profile = work / "profile"
    if recalculate:  # the tests' profile: OOXML formulas recalculated on load
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(libreoffice._PROFILE, encoding="utf-8")
    copy = work / "book.xlsm"
    shutil.copy(book, copy)
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--convert-to",
                    ONE_PAGE_PER_SHEET, "--outdir", str(work), str(copy)], check=True, capture_output=True, timeout=300)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-x", "0", "-y", "0", "-W", str(size[0]), "-H", str(size[1]),
                    str(work / "book.pdf"), str(work / "page")], check=True, timeout=300)
    return sorted(work.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))


def render(book: Path = SHIPPED_BOOK, out: Path = IMAGES) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as folder:
        for (name, _), page in zip(SHEETS, _pages(book, Path(folder), recalculate=False)):
            target = out / f"{name.replace('.', '_')}.png"
            shutil.copy(page, target)
            written.append(target)
    with tempfile.TemporaryDirectory() as folder:
        typed = Path(folder) / "typed.xlsm"
        shutil.copy(book, typed)
        data = load_quietly(book)["Data"]
        rows = [[c.value for c in data[r]] for r in range(2, data.max_row + 1)]
        type_rows(typed, [["德清县", row[1], *[v * 0.95 if isinstance(v, float) else v for v in row[2:-1]]] for row in rows]
                  + [["安吉县", 2021, *[v * 1.01 if isinstance(v, float) else v for v in rows[-1][2:-1]]]])
        choose_on_dashboard(typed, "德清县", 2020)  # picked from the drop-down, which now lists it
        # twice the resolution, cropped to the Dashboard's charts and tables: readable in the docs
        pages = _pages(typed, Path(folder) / "work", recalculate=True, dpi=160, size=DASHBOARD)
        target = out / "Dashboard_typed_city.png"
        shutil.copy(pages[[name for name, _ in SHEETS].index("Dashboard")], target)
        written.append(target)
    return written


if __name__ == "__main__":
    for path in render():
        print(path)
