"""Call the worksheet functions the way Excel does, through xlwings' own code, without Excel.

The win32 modules are stubbed just enough for ``xlwings.udfs``, ``xlwings._xlwindows`` and
``xlwings.com_server`` to import on Linux. Then ``xw.func/arg/ret`` are bound to xlwings' real
``xlfunc/xlarg/xlret`` (on Linux ``xw.func`` is a no-op) and ``udfs.py`` is imported, so every
decorator argument is checked by xlwings itself, and a call goes through the real
``XLPython.CallUDF`` → ``call_udf`` → ``xlwings.conversion`` read and write pipelines.
Install this module before anything imports ``udfs``.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import importlib
import sys
import types
from unittest import mock


class _ComError(Exception):
    pass


class VARIANT:
    """Look-alike of ``win32com.client.VARIANT``: pywin32 marshals it by these two attributes."""

    def __init__(self, vt, value):
        self.varianttype, self.value = vt, value

    def __repr__(self) -> str:
        return f"VARIANT({self.varianttype}, {self.value})"


def _module(name: str, **attrs) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


def _stub_win32() -> None:
    class PyIDispatch:
        pass

    _module("pythoncom", CoInitialize=lambda: None, IID_IDispatch="IDispatch", IID_IEnumVARIANT=None, VT_ERROR=10,
            VT_EMPTY=0, com_error=_ComError, ole_error=_ComError, TypeIIDs={"IDispatch": PyIDispatch}, __file__="pythoncom-stub")
    _module("pywintypes", com_error=_ComError, error=_ComError, TimeType=type("TimeType", (dt.datetime,), {}), IID=lambda s: s)
    client = _module("win32com.client", Dispatch=object, CDispatch=object, CoClassBaseClass=object, DispatchBaseClass=object,
                     DispatchEx=object, VARIANT=VARIANT)

    def unwrap(ob):
        raise ValueError("not a wrapped object")

    server = _module("win32com.server")
    server.util = _module("win32com.server.util", unwrap=unwrap, wrap=lambda ob, *a, **k: ob)
    server.policy = _module("win32com.server.policy", DefaultPolicy=object)
    server.dispatcher = _module("win32com.server.dispatcher")
    _module("win32com", client=client, server=server)
    for name in ("win32api", "win32con", "win32gui", "win32process", "win32event"):
        _module(name)
    _module("win32timezone", TimeZoneInfo=type("TimeZoneInfo", (), {"utc": staticmethod(lambda: dt.timezone.utc)}))
    # xlwings._xlwindows touches the Windows DLLs at import time
    ctypes.windll = mock.MagicMock(name="windll")
    ctypes.oledll = mock.MagicMock(name="oledll")


_stub_win32()
import xlwings  # noqa: E402
import xlwings.udfs as xlwings_udfs  # noqa: E402
from xlwings.main import Engine  # noqa: E402

with mock.patch.object(ctypes, "PyDLL", mock.MagicMock(name="PyDLL")):
    import xlwings._xlwindows as xlwindows  # noqa: E402
if "excel" not in [engine.name for engine in xlwings.engines]:
    xlwings.engines.add(Engine(impl=xlwindows.engine))
from xlwings.com_server import XLPython  # noqa: E402

xlwings.func, xlwings.arg, xlwings.ret = xlwings_udfs.xlfunc, xlwings_udfs.xlarg, xlwings_udfs.xlret
sys.modules.pop("udfs", None)
udfs = importlib.import_module("udfs")

#: What VBA passes for an omitted Optional argument (DISP_E_PARAMNOTFOUND).
MISSING = -2147352572
#: Excel error cells as pywin32 hands them to Python (CVErr HRESULTs).
CELL_ERRORS = {"#DIV/0!": -2146826281, "#N/A": -2146826246, "#NAME?": -2146826259, "#NULL!": -2146826288,
               "#NUM!": -2146826252, "#REF!": -2146826265, "#VALUE!": -2146826273}
ERROR_OF_HRESULT = {code: text for text, code in CELL_ERRORS.items()}

FUNCTIONS = {name: getattr(udfs, name) for name in dir(udfs) if name.startswith("ANJI_")}


def call(name: str, *args):
    """Call ``udfs.<name>`` as Excel would: ranges as tuples of tuples, omitted optionals as MISSING."""
    arity = len(FUNCTIONS[name].__xlfunc__["args"])
    padded = tuple(args) + (MISSING,) * (arity - len(args))
    return XLPython().CallUDF("udfs", name, padded)


def shown(value):
    """What the cell would show: error VARIANTs as their text, recursively."""
    if isinstance(value, VARIANT):
        assert value.varianttype == 10, value
        return ERROR_OF_HRESULT[value.value]
    if isinstance(value, (list, tuple)):
        return [shown(v) for v in value]
    return value
