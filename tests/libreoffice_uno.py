"""Run a book's VBA macros in LibreOffice (headless) through UNO and report how each ended.

``run_macros(book, work, macros)`` copies the book into ``work`` and runs this file with the system
Python (``/usr/bin/python3``, which has Debian's ``python3-uno``; pytest runs under another
Python). The script starts soffice with a throw-away profile, loads the copy with macros
allowed, calls each macro as ``VBAProject.<module>.<procedure>`` and then the book's own
``AnjiMacros.AnjiLastMessage``, the text the macro's message box showed (headless LibreOffice
shows no box). A Basic error arrives as a UNO exception and is reported as such.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"


def run_macros(book: Path, work: Path, macros: list[str]) -> dict:
    """{"modules": [...], macro: {"error": str | None, "message": str}} for each macro ``Module.Procedure``."""
    import pytest  # here, not at the top: the system Python that runs this file as a script has no pytest

    import libreoffice

    soffice = libreoffice.soffice()
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, check=False)
    if probe.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("python3-uno is required in CI: apt-get install -y python3-uno")
        pytest.skip("python3-uno is not installed for /usr/bin/python3")
    copy = work / f"uno_{book.name}"
    shutil.copy(book, copy)
    completed = subprocess.run([SYSTEM_PYTHON, __file__, soffice, str(work / "uno_profile"), str(copy), *macros],
                               capture_output=True, text=True, timeout=240, check=False)
    assert completed.returncode == 0, (completed.stdout, completed.stderr)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _main(soffice: str, profile: str, path: str, macros: list[str]) -> dict:  # runs under /usr/bin/python3
    import uno
    from com.sun.star.beans import PropertyValue

    def prop(name, value):
        return PropertyValue(Name=name, Value=value)

    pipe = f"anji_uno_{os.getpid()}"
    office = subprocess.Popen([soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--invisible",
                               "--norestore", "--nolockcheck", f"--accept=pipe,name={pipe};urp;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    desktop = None
    try:
        resolver = uno.getComponentContext().ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", uno.getComponentContext())
        for _ in range(240):
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:  # noqa: BLE001 — soffice is still starting
                time.sleep(0.25)
        else:
            raise RuntimeError("soffice did not accept the UNO connection")
        desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        # MacroExecutionMode 4 = ALWAYS_EXECUTE_NO_WARN: the book's macros run without a prompt
        document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0,
                                                (prop("Hidden", True), prop("MacroExecutionMode", 4)))
        libraries = document.BasicLibraries
        report = {"libraries": list(libraries.ElementNames), "modules": []}
        if libraries.hasByName("VBAProject"):
            libraries.loadLibrary("VBAProject")
            report["modules"] = list(libraries.getByName("VBAProject").ElementNames)
        provider = document.getScriptProvider()

        def call(name):
            script = provider.getScript(f"vnd.sun.star.script:VBAProject.{name}?language=Basic&location=document")
            return script.invoke((), (), ())[0]

        for macro in macros:
            try:
                call(macro)
                report[macro] = {"error": None, "message": call("AnjiMacros.AnjiLastMessage")}
            except Exception as error:  # noqa: BLE001 — a Basic error: reported, the test fails on it
                report[macro] = {"error": f"{type(error).__name__}: {getattr(error, 'Message', error)}", "message": ""}
        document.close(True)
        return report
    finally:
        if desktop is not None:
            try:
                desktop.terminate()
            except Exception:  # noqa: BLE001 — the bridge closes as soon as soffice quits
                pass
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    print(json.dumps(_main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]), ensure_ascii=False))
