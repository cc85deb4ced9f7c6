"""The Settings sheet's table and the names the other sheets' formulas read it by.

Each name finds its setting by key (INDEX/MATCH over the key column), so the formulas keep
reading the right value when a user sorts the Settings rows or adds one.
"""

from __future__ import annotations

from ..defaults import DEFAULT_SETTINGS

SHEET = "Settings"
LAST_ROW = 200  # the names look this far down the table (Excel row)
KEYS = f"{SHEET}!$A$2:$A${LAST_ROW}"
VALUES = f"{SHEET}!$B$2:$B${LAST_ROW}"
ROW = {key: k + 1 for k, (key, _, _) in enumerate(DEFAULT_SETTINGS)}  # 0-based rows as the builder writes them


def setting(key: str) -> str:
    """A reference to the value cell of ``key``."""
    return f'INDEX({VALUES},MATCH("{key}",{KEYS},0))'


def setting_text(key: str, default: str) -> str:
    """The text of ``key``, trimmed; ``default`` when it is blank or has no row (as the reader
    reads a blank setting)."""
    text = f'TRIM({setting(key)}&"")'
    return f'IFERROR(IF({text}="","{default}",{text}),"{default}")'


DEFINED_NAMES = {
    "anji_dimension_aggregation": "=" + setting("dimension_aggregation"),
    "anji_index_aggregation": "=" + setting("index_aggregation"),
    # the two aggregation cells as one range: ANJI_INDEX takes (dimension, index) in one argument
    "anji_aggregation": f"={setting('dimension_aggregation')}:{setting('index_aggregation')}",
    "anji_cap": "=" + setting("cap"),
    "anji_missing": "=" + setting("missing"),
    "anji_weight_tolerance": "=" + setting("weight_tolerance"),
    "anji_normalize_weights": "=" + setting("normalize_weights"),
    "anji_cap_value": "=IF(ISNUMBER(anji_cap),anji_cap,1E+307)",  # blank cap: no cap
}
