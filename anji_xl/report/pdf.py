"""``--pdf``: the report converted by LibreOffice headless (``soffice --convert-to pdf``) on a
copy in a temporary folder, with a profile of its own so a LibreOffice the user has open is
neither used nor disturbed. LibreOffice embeds the fonts it lays the text out in."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from ..messages import say
from ..model import AnjiInputError, Problem

TIMEOUT = 300  # seconds; a first start with a new profile takes a few
#: Where the installers put soffice when it is not on PATH (Windows, macOS).
INSTALLED = (r"C:\Program Files\LibreOffice\program\soffice.exe", r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
             "/Applications/LibreOffice.app/Contents/MacOS/soffice")


def find_soffice() -> str:
    """The soffice program; AnjiInputError saying how to get it when there is none."""
    found = shutil.which("soffice") or shutil.which("libreoffice") or next((p for p in INSTALLED if Path(p).is_file()), None)
    if found is None:
        raise AnjiInputError([Problem("--pdf", say("no_soffice"))])
    return found


def docx_to_pdf(docx: bytes, work: Path, soffice: str) -> bytes:
    """The PDF of a .docx, converted in ``work`` (a folder of this run's own)."""
    source = work / "report.docx"
    source.write_bytes(docx)
    out = work / "pdf"
    command = [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore", "--nolockcheck",
               "--convert-to", "pdf", "--outdir", str(out), str(source)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=os.name != "nt")
    try:
        _, errors = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        if os.name != "nt":
            os.killpg(process.pid, signal.SIGKILL)  # soffice starts a program of its own: end both
        process.kill()
        process.communicate()
        raise AnjiInputError([Problem(soffice, say("pdf_failed", detail=f"timeout {TIMEOUT} s"))]) from None
    produced = out / "report.pdf"
    if not produced.is_file():
        raise AnjiInputError([Problem(soffice, say("pdf_failed", detail=(errors or "").strip()[-300:] or f"exit {process.returncode}"))])
    return produced.read_bytes()
