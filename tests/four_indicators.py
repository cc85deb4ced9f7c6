"""The 4-indicator system of tests/data/new_book/ and its index computed by hand.

Indicators: A1 positive ratio, reference 0.8, weight 0.3; A2 negative ratio, reference 0.5,
weight 0.2 (dimension 经济发展); B1 negative growth, reference growth 3 %, weight 0.25; B2 positive
ratio, reference 100, weight 0.25 (dimension 生态环境). Score rates are capped at 1; a town's first
year has no growth rate, so B1 is left out there and 生态环境 is B2 alone (missing = reweight).
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).parent / "data" / "new_book"
INDICATORS, DATA, SETTINGS, ADDED = (FOLDER / name for name in ("indicators_4.csv", "data_4.csv", "settings_4.csv", "add_4.csv"))
DIMENSIONS = ("经济发展", "生态环境")

#: (unit, period) → (index, {dimension: score rate}), each score written out from the data files.
HAND = {
    # A1 0.64/0.8 = 0.8; A2 0.5/0.625 = 0.8; B1 first year: left out; B2 80/100 = 0.8
    ("甲镇", "2019"): (0.3 * 0.8 + 0.2 * 0.8 + 0.5 * 0.8, {"经济发展": 0.8, "生态环境": 0.8}),
    # A1 0.72/0.8 = 0.9; A2 0.5/0.5 = 1; B1 g = 103/100 − 1 = 3 %: (1 + 3 %)/(1 + 3 %) = 1; B2 90/100 = 0.9
    ("甲镇", "2020"): (0.3 * 0.9 + 0.2 * 1 + 0.25 * 1 + 0.25 * 0.9, {"经济发展": (0.27 + 0.2) / 0.5, "生态环境": (0.25 + 0.225) / 0.5}),
    # A1 0.88/0.8 → 1 (cap); A2 0.5/0.4 → 1 (cap); B1 g = 113.3/103 − 1 = 10 %: 1.03/1.1; B2 120/100 → 1 (cap)
    ("甲镇", "2021"): (0.3 + 0.2 + 0.25 * 1.03 / 1.1 + 0.25, {"经济发展": 1.0, "生态环境": (1.03 / 1.1 + 1) / 2}),
    # A1 0.4/0.8 = 0.5; A2 0.5/1.0 = 0.5; B1 first year: left out; B2 50/100 = 0.5
    ("乙镇", "2019"): (0.5, {"经济发展": 0.5, "生态环境": 0.5}),
    # A1 0.48/0.8 = 0.6; A2 0.5/0.8 = 0.625; B1 g = 206/200 − 1 = 3 %: 1; B2 60/100 = 0.6
    ("乙镇", "2020"): (0.3 * 0.6 + 0.2 * 0.625 + 0.25 * 1 + 0.25 * 0.6, {"经济发展": (0.18 + 0.125) / 0.5, "生态环境": (0.25 + 0.15) / 0.5}),
    # A1 0.56/0.8 = 0.7; A2 0.5/0.625 = 0.8; B1 g = 226.6/206 − 1 = 10 %: 1.03/1.1; B2 70/100 = 0.7
    ("乙镇", "2021"): (0.3 * 0.7 + 0.2 * 0.8 + 0.25 * 1.03 / 1.1 + 0.25 * 0.7,
                       {"经济发展": (0.21 + 0.16) / 0.5, "生态环境": (0.25 * 1.03 / 1.1 + 0.175) / 0.5}),
}

#: The rows of add_4.csv.
HAND_ADDED = {
    # A1 0.8/0.8 = 1; A2 0.5/0.5 = 1; B1 g = 116.699/113.3 − 1 = 3 %: 1; B2 100/100 = 1
    ("甲镇", "2022"): (1.0, {"经济发展": 1.0, "生态环境": 1.0}),
    # A1 0.6/0.8 = 0.75; A2 0.5/0.5 = 1; B1 g = 0: 1.03/1 → 1 (cap); B2 80/100 = 0.8
    ("乙镇", "2022"): (0.3 * 0.75 + 0.2 * 1 + 0.25 * 1 + 0.25 * 0.8, {"经济发展": (0.225 + 0.2) / 0.5, "生态环境": (0.25 + 0.2) / 0.5}),
}


def options() -> list[str]:
    """The ``anji-xl new`` options of the system."""
    return ["--indicators", str(INDICATORS), "--data", str(DATA), "--settings", str(SETTINGS)]
