"""达标预测 (SPEC §2b, issue 10): trend, forecast, required growth, on track, period reached and the
forecast index — every expectation written out as arithmetic here, never taken from the code."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import openpyxl
from hypothesis import given, settings as hyp_settings, strategies as st

import xlwings_harness as xl
from anji_xl.book.build import build_workbook
from anji_xl.book.results import FORECAST_AT, FORECAST_INDICATORS_AT, ON_TRACK_TEXT, TRAJECTORY_AT, ResultsBlocks
from anji_xl.cli import main
from anji_xl.engine import compute
from anji_xl.forecast import forecast
from anji_xl.io.read_book import read_book
from conftest import make_model, make_panel, write_book

NAN = math.nan


def _close(a, b, rel=1e-12):
    return a is not None and b is not None and math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def _run(model, panel, as_of=None):
    return forecast(model, compute(model, panel), as_of=as_of)


def _row(outlook, unit, ident):
    return outlook.indicators.loc[(unit, ident)]


# --- the hand-computed cases of the issue ----------------------------------------------------

def test_positive_and_negative_ratio_on_a_clean_20_percent_trend():
    model = make_model({"P": {"dimension": "A", "reference": 100.0, "weight": 0.5},
                        "N": {"dimension": "A", "direction": -1, "reference": 50.0, "weight": 0.5}}, cap=None)
    panel = make_panel({("甲", "2020"): {"P": 50, "N": 100}, ("甲", "2021"): {"P": 60, "N": 80}, ("甲", "2022"): {"P": 72, "N": 64}})
    outlook = _run(model, panel)
    p, n = _row(outlook, "甲", "P"), _row(outlook, "甲", "N")
    # P: T = 2022, S = 2020 (window 2019–2021), g = (72/50)^(1/2) − 1 = 1.2 − 1
    assert p["latest_period"] == "2022" and p["start_period"] == 2020
    assert _close(p["trend_growth"], 0.2) and _close(p["forecast"], 72 * 1.2 * 1.2 * 1.2)  # 124.416
    assert _close(p["score_forecast"], 124.416 / 100)  # no cap
    assert _close(p["required_growth"], (100 / 72) ** (1 / 3) - 1)
    assert p["on_track"] is True and p["period_reached"] == "2024"  # 72·1.2 = 86.4 (2023), 103.68 (2024)
    # N (negative): g = (64/100)^(1/2) − 1 = 0.8 − 1; v̂ = 64·0.8³ = 32.768; X = 50 / 32.768
    assert _close(n["trend_growth"], -0.2) and _close(n["forecast"], 32.768) and _close(n["score_forecast"], 50 / 32.768)
    assert _close(n["required_growth"], (50 / 64) ** (1 / 3) - 1) and n["required_growth"] < 0
    assert n["on_track"] is True and n["period_reached"] == "2024"  # 51.2 (2023), 40.96 (2024)
    # index of 2022: 0.5·0.72 + 0.5·(50/64); forecast index: 0.5·1.24416 + 0.5·1.52587890625
    assert _close(outlook.index["甲"], 0.5 * 0.72 + 0.5 * 50 / 64)
    assert _close(outlook.index_forecast["甲"], 0.5 * 1.24416 + 0.5 * 50 / 32.768)


def test_a_target_beyond_the_trend_is_missed_and_reached_later():
    model = make_model({"P": {"dimension": "A", "reference": 150.0, "weight": 1.0}})
    outlook = _run(model, make_panel({("甲", "2020"): {"P": 50}, ("甲", "2021"): {"P": 60}, ("甲", "2022"): {"P": 72}}))
    p = _row(outlook, "甲", "P")
    assert _close(p["score_forecast"], 124.416 / 150) and p["on_track"] is False
    assert p["period_reached"] == "2027"  # 124.416 (2025), 149.2992 (2026), 179.15904 (2027)
    assert outlook.off_track("甲") == ["P"]


def test_growth_indicator_at_6_percent_against_3_percent():
    model = make_model({"G": {"dimension": "A", "method": "growth", "direction": -1, "reference": 0.03, "weight": 0.5},
                        "H": {"dimension": "A", "method": "growth", "direction": 1, "reference": 0.05, "weight": 0.5}})
    panel = make_panel({("甲", "2020"): {"G": 100, "H": 100}, ("甲", "2021"): {"G": 106, "H": 106}, ("甲", "2022"): {"G": 112.36, "H": 112.36}})
    outlook = _run(model, panel)
    g, h = _row(outlook, "甲", "G"), _row(outlook, "甲", "H")
    # g = (112.36/100)^(1/2) − 1 = 1.06 − 1; the total forecast is 112.36·1.06³
    assert _close(g["trend_growth"], 0.06) and _close(g["forecast"], 112.36 * 1.06 ** 3)
    assert _close(g["score_forecast"], 1.03 / 1.06) and g["on_track"] is False  # negative: 6 % > 3 %
    assert math.isnan(g["required_growth"]) and g["period_reached"] is None  # its required growth is g_ref itself
    assert _close(h["score_forecast"], 1.0) and h["on_track"] is True  # positive: min(1, 1.06/1.05)
    assert _close(outlook.index_forecast["甲"], 0.5 * 1.03 / 1.06 + 0.5 * 1.0)


def test_a_missing_middle_year_and_a_window_without_values():
    model = make_model({"P": {"dimension": "A", "reference": 100.0, "weight": 0.5}, "Q": {"dimension": "B", "reference": 1.0, "weight": 0.5}},
                       missing="reweight")
    panel = make_panel({("甲", "2020"): {"P": 50, "Q": 0.5}, ("甲", "2021"): {"P": NAN, "Q": 0.6}, ("甲", "2022"): {"P": 72, "Q": 0.7}})
    p = _row(_run(model, panel), "甲", "P")
    assert p["start_period"] == 2020 and _close(p["trend_growth"], 0.2)  # (72/50)^(1/(2022 − 2020)) − 1
    # trend_periods = 1: P's window is 2021 alone, blank → no trend, left out with a warning; Q carries the index
    model.settings = model.settings.__class__(missing="reweight", trend_periods=1)
    outlook = _run(model, panel)
    assert math.isnan(_row(outlook, "甲", "P")["score_forecast"]) and _row(outlook, "甲", "P")["on_track"] is None
    assert any("P（甲，2022）" in w and "no trend" in w for w in outlook.warnings)
    # Q: g = 0.7/0.6 − 1, v̂ = 0.7·(7/6)³ > 1 → 1; reweight gives Q the whole index
    assert _close(outlook.index_forecast["甲"], 1.0)


def test_a_unit_already_over_target():
    model = make_model({"P": {"dimension": "A", "reference": 100.0, "weight": 1.0}})
    p = _row(_run(model, make_panel({("乙", "2020"): {"P": 120}, ("乙", "2021"): {"P": 125}})), "乙", "P")
    assert p["period_reached"] == "2021" and p["on_track"] is True and _close(p["score_forecast"], 1.0)
    assert _close(p["required_growth"], (100 / 125) ** (1 / 4) - 1)  # negative: it may fall and still make it


def test_a_diverging_trend_never_reaches():
    model = make_model({"P": {"dimension": "A", "reference": 100.0, "weight": 1.0}})
    p = _row(_run(model, make_panel({("丙", "2020"): {"P": 80}, ("丙", "2021"): {"P": 70}})), "丙", "P")
    assert _close(p["trend_growth"], -0.125) and _close(p["forecast"], 70 * 0.875 ** 4)
    assert p["on_track"] is False and p["period_reached"] is None


def test_forecast_index_uses_the_missing_policy_and_the_aggregation():
    rows = {"a": {"dimension": "A", "reference": 1.0, "weight": 0.3}, "b": {"dimension": "A", "reference": 1.0, "weight": 0.2},
            "z": {"dimension": "B", "method": "minmax", "weight": 0.5}}
    panel = make_panel({("甲", "2021"): {"a": 0.5, "b": 0.4, "z": 1}, ("甲", "2022"): {"a": 0.6, "b": 0.5, "z": 2}})
    outlook = _run(make_model(rows, missing="reweight"), panel)
    # pooled z has no forecast; B is empty, so A carries the index: a 0.6·1.2³ = 1.0368 → 1, b 0.5·1.25³ = 0.9765625
    assert _close(outlook.index_forecast["甲"], (0.3 * 1.0 + 0.2 * 0.9765625) / 0.5)
    assert any("z" in w and "minmax" in w for w in outlook.warnings)
    geometric = _run(make_model(rows, missing="reweight", dimension_aggregation="geometric", index_aggregation="geometric"), panel)
    assert _close(geometric.index_forecast["甲"], 1.0 ** 0.6 * 0.9765625 ** 0.4, rel=1e-12)
    error = _run(make_model(rows, missing="error"), panel)
    assert math.isnan(error.index_forecast["甲"]) and any("missing = error" in w for w in error.warnings)
    zero = _run(make_model(rows, missing="zero"), panel)
    assert _close(zero.index_forecast["甲"], 0.3 * 1.0 + 0.2 * 0.9765625 + 0.5 * 0)


def test_trajectory_years_up_to_the_target():
    model = make_model({"P": {"dimension": "A", "reference": 100.0, "weight": 1.0}})
    outlook = _run(model, make_panel({("甲", "2022"): {"P": 60}, ("甲", "2023"): {"P": 75}}))
    # g = 75/60 − 1 = 0.25: 2024 75·1.25 = 93.75 → 0.9375; 2025 117.1875 → 1
    assert list(outlook.trajectory.index) == [("甲", "2024"), ("甲", "2025")]
    assert _close(outlook.trajectory[("甲", "2024")], 0.9375) and _close(outlook.trajectory[("甲", "2025")], 1.0)


def test_as_of_uses_only_earlier_data():
    model = make_model({"P": {"dimension": "A", "reference": 100.0, "weight": 1.0}})
    panel = make_panel({("甲", "2020"): {"P": 50}, ("甲", "2021"): {"P": 60}, ("甲", "2022"): {"P": 30}})
    p = _row(_run(model, panel, as_of="2021"), "甲", "P")
    assert p["latest_period"] == "2021" and _close(p["trend_growth"], 0.2)  # 60/50 − 1, 2022 not seen


# --- problems: never a number ----------------------------------------------------------------

def _book(tmp_path: Path, data, settings=None, name="f.xlsx") -> Path:
    indicators = [["P", "A", "p", "正向", "ratio", 100, 0.5], ["N", "A", "n", "逆向", "ratio", 50, 0.5]]
    return write_book(tmp_path / name, indicators, data, settings or [["missing", "reweight"]])


def _cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _strict_json(text: str):
    def reject(constant):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=reject)


def test_domain_errors_are_problems_naming_their_cells_and_a_zero_start_has_no_trend(capsys, tmp_path):
    book = _book(tmp_path, [["甲", 2020, 0, 100], ["甲", 2021, 60, 80], ["乙", 2024, 50, 60], ["乙", 2025, 60, 55]])
    code, out, err = _cli(capsys, "forecast", book, "--json")
    assert code == 2
    lines = err.splitlines()
    assert not any(line.startswith("Data!C2") for line in lines)  # a zero start is data, not an error: no trend
    assert any(line.startswith("Data!C5:D5: 乙：最新数据已到 2025 年") for line in lines)
    document = _strict_json(out)  # every unit it can compute is still printed
    assert any("P（甲，2021）：2020 与 2021 两期中有数值为 0，无趋势" in w for w in document["warnings"])
    by_unit = {r["unit"]: r for r in document["results"]}
    assert by_unit["甲"]["indicators"]["P"]["score_forecast"] is None  # missing from the forecast; the policy decides the index
    assert _close(by_unit["甲"]["indicators"]["N"]["trend_growth"], 80 / 100 - 1)


def test_data_reaching_the_target_everywhere_is_one_problem_at_the_setting(capsys, tmp_path):
    """Every unit's latest values are of target_period or later: nothing can be forecast, and
    what to change is the setting, said once at its cell (a province's book listed a problem per
    unit, 3,000 lines); where only some units reach it, each of those is named at its cells."""
    data = [["甲", 2024, 50, 100], ["甲", 2025, 60, 80], ["乙", 2025, 50, 60], ["乙", 2026, 60, 55]]
    book = _book(tmp_path, data, [["missing", "reweight"], ["target_period", 2025]])
    code, out, err = _cli(capsys, "forecast", book, "--json")
    assert code == 2
    assert [line for line in err.splitlines() if "无可预测" in line] == [
        "Settings!B3: 2 个单位的最新数据都在 2025 年及以后，不早于目标年 target_period = 2025，无可预测；请在 Settings 设一个更晚的 target_period"
        " · the latest values of all 2 units are of 2025 or later, not before target_period 2025, so there is nothing to forecast: "
        "set a later target_period in Settings"]
    assert all(r["indicators"]["P"]["forecast"] is None for r in _strict_json(out)["results"])
    code, _, err = _cli(capsys, "forecast", _book(tmp_path, data, name="default.xlsx"))  # no target_period row: the default 2025
    assert code == 2 and [line.split(":")[0] for line in err.splitlines() if "无可预测" in line] == ["Settings"]
    code, _, err = _cli(capsys, "forecast", _book(tmp_path, [*data[:2], ["丙", 2023, 50, 60], ["丙", 2024, 60, 55]], name="some.xlsx"))
    assert code == 2 and [line for line in err.splitlines() if "无可预测" in line] == [
        "Data!C3:D3: 甲：最新数据已到 2025 年，不早于目标年 target_period = 2025，无可预测 · 甲: the latest values are of 2025, "
        "not before target_period 2025, so there is nothing to forecast"]


def test_many_units_reaching_the_target_are_one_problem_naming_the_first(capsys, tmp_path):
    """More than three units whose data reach the target period: one line at the setting names
    the first three with their cells and counts them all, instead of a line each (a province's
    book listed 3,000); the units that can be forecast still are, each late unit keeps its own
    reason (the report's), and --unit shows that unit's own line."""
    late = [[f"县{k}", year, 50 + k, 60] for k in range(5) for year in (2024, 2025)]
    book = _book(tmp_path, [["甲", 2020, 50, 100], ["甲", 2021, 60, 80], *late], [["missing", "reweight"], ["target_period", 2025]])
    code, out, err = _cli(capsys, "forecast", book, "--json")
    assert code == 2
    assert [line for line in err.splitlines() if "无可预测" in line] == [
        "Settings!B3: 5 个单位的最新数据已到目标年 target_period = 2025 或以后，无可预测（县0 Data!C5:D5, 县1 Data!C7:D7, 县2 Data!C9:D9 等）；"
        "要预测它们，请在 Settings 设一个更晚的 target_period · 5 units have latest values of target_period 2025 or later, so there is "
        "nothing to forecast for them (县0 Data!C5:D5, 县1 Data!C7:D7, 县2 Data!C9:D9 …): to forecast them, set a later target_period in Settings"]
    forecasts = {r["unit"]: r["indicators"]["P"]["forecast"] for r in _strict_json(out)["results"]}
    assert forecasts["甲"] is not None and all(forecasts[f"县{k}"] is None for k in range(5))
    code, _, err = _cli(capsys, "forecast", book, "--unit", "县4")
    assert code == 2 and [line.split(": ")[0] for line in err.splitlines() if "无可预测" in line] == ["Data!C13:D13"]
    model, panel = read_book(book)
    outlook = forecast(model, compute(model, panel))
    assert [p.where for p in outlook.problems_of(["县3"])] == ["Data!C11:D11"]  # the unit's own reason, as the report gives it
    four = outlook.problems_of([f"县{k}" for k in range(4)], grouped=True)  # a fourth: grouped; three: each its own
    assert len(four) == 1 and four[0].where == "Settings!B3" and "4 个单位" in four[0].message
    assert [p.where for p in outlook.problems_of([f"县{k}" for k in range(3)], grouped=True)] == ["Data!C5:D5", "Data!C7:D7", "Data!C9:D9"]
    from anji_xl.book.results import results_blocks
    said = [w for w in results_blocks(model, compute(model, panel), "now").warnings.columns[0] if "无可预测" in w]
    assert said == [f"达标预测 forecast: {outlook.problems_of(list(outlook.latest_period.index), grouped=True)[0]}"] and "5 个单位" in said[0]


def test_periods_that_are_not_years_are_problems(capsys, tmp_path):
    book = _book(tmp_path, [["甲", "2020Q1", 50, 100], ["甲", "2020Q2", 60, 80]])
    code, _, err = _cli(capsys, "forecast", book)
    assert code == 2 and "Data!C2:D2: 时期 '2020Q1' 不是年份" in err and "is not a year" in err


def test_cli_json_shape_and_filters(capsys, tmp_path):
    book = _book(tmp_path, [["甲", 2020, 50, 100], ["甲", 2021, 60, 80], ["甲", 2022, 72, 64], ["乙", 2022, 90, 40]])
    code, out, err = _cli(capsys, "forecast", book, "--json")
    assert code == 0, err
    document = _strict_json(out)
    assert set(document) == {"target_period", "results", "warnings"} and document["target_period"] == "2025"
    for entry in document["results"]:
        assert set(entry) == {"unit", "latest_period", "index", "index_forecast", "dimensions_forecast", "indicators"}
        for figures in entry["indicators"].values():
            assert set(figures) == {"latest", "trend_growth", "forecast", "score_forecast", "required_growth", "on_track", "period_reached"}
    jia = document["results"][0]
    assert jia["latest_period"] == "2022" and jia["indicators"]["P"]["period_reached"] == "2024"
    assert _close(jia["index_forecast"], 1.0)  # both reach 2025: min(1, 124.416/100), min(1, 50/32.768)
    yi = document["results"][1]  # one year only: no trend; reweight leaves no indicator, so no forecast index
    assert yi["indicators"]["P"]["trend_growth"] is None and yi["index_forecast"] is None
    assert any("P（乙，2022）：" in w and "年没有数据，无趋势" in w for w in document["warnings"])
    code, out, _ = _cli(capsys, "forecast", book, "--json", "--unit", "甲")
    assert code == 0 and [r["unit"] for r in _strict_json(out)["results"]] == ["甲"]
    assert not any("乙" in w for w in _strict_json(out)["warnings"])
    code, out, _ = _cli(capsys, "forecast", book, "--unit", "甲", "--period", "2021")
    assert code == 0 and "最新 latest 2021" in out and "预测指数 Forecast index 2025" in out
    code, _, err = _cli(capsys, "forecast", book, "--unit", "丁")
    assert code == 2 and "no Data row for unit 丁" in err


def test_many_units_print_a_line_each_with_what_the_json_says(capsys, tmp_path):
    # 21 units (more than compute shows in full): one line per unit, as compute prints many rows;
    # --unit still shows a unit in full. 30,000 rows of 3,000 units took 27 s as tables, 3 s so.
    data = [[f"县{u:02d}", year, 50 + u + 5 * k, 100 - 2 * u - 8 * k] for u in range(21) for k, year in enumerate((2021, 2022, 2023))]
    data += [["乙", 2023, 60, 50]]  # one year only: no trend, no forecast index
    book = _book(tmp_path, data)
    code, out, err = _cli(capsys, "forecast", book)
    assert code == 0, err
    header, dashes, *lines = out.splitlines()
    assert header.split() == ["单位", "unit", "最新", "latest", "指数", "index", "预测指数", "2025", "forecast", "未达标", "off", "track", "A"]
    assert set(dashes) == {"-", " "} and len(lines) == 22
    code, json_out, _ = _cli(capsys, "forecast", book, "--json")
    for line, entry in zip(lines, _strict_json(json_out)["results"]):
        unit, latest, index, forecast_index, off_track, dimension = line.split()
        shown = lambda value: "—" if value is None else f"{value:.4f}"  # noqa: E731
        assert (unit, latest, index, forecast_index, dimension) == (entry["unit"], entry["latest_period"], shown(entry["index"]),
                                                                   shown(entry["index_forecast"]), shown(entry["dimensions_forecast"]["A"]))
        assert int(off_track) == sum(figures["on_track"] is False for figures in entry["indicators"].values())
    assert any(int(line.split()[4]) for line in lines) and lines[-1].split()[3] == "—"  # some miss their target; 乙 has none
    code, out, _ = _cli(capsys, "forecast", book, "--unit", "县03")
    assert code == 0 and out.startswith("县03   达标预测 forecast to 2025") and "预测指数 Forecast index 2025" in out


def test_settings_rows_are_read_and_checked(capsys, tmp_path):
    data = [["甲", 2020, 50, 100], ["甲", 2021, 60, 80], ["甲", 2022, 72, 64]]
    book = _book(tmp_path, data, [["missing", "reweight"], ["target_period", 2030], ["trend_periods", None]])
    code, out, _ = _cli(capsys, "forecast", book, "--json")
    document = _strict_json(out)
    assert code == 0 and document["target_period"] == "2030"
    assert _close(document["results"][0]["indicators"]["P"]["forecast"], 72 * 1.2 ** 8)  # blank trend_periods = 3
    book = _book(tmp_path, data, [["target_period", "2025.5"], ["trend_periods", 0]], name="bad.xlsx")
    code, _, err = _cli(capsys, "forecast", book)
    assert code == 2 and "Settings!B2" in err and "Settings!B3" in err


# --- properties ------------------------------------------------------------------------------

@hyp_settings(max_examples=60, deadline=None)
@given(start=st.floats(0.01, 1e4), growth=st.floats(-0.5, 1.0), first=st.integers(2000, 2020), length=st.integers(2, 5))
def test_a_constant_growth_series_forecasts_exactly(start, growth, first, length):
    years = range(first, first + length)
    model = make_model({"P": {"dimension": "A", "reference": 1.0, "weight": 1.0}}, cap=None, trend_periods=length)
    panel = make_panel({("u", str(y)): {"P": start * (1 + growth) ** (y - first)} for y in years})
    p = _row(_run(model, panel), "u", "P")
    assert math.isclose(p["trend_growth"], growth, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(p["forecast"], start * (1 + growth) ** (2025 - first), rel_tol=1e-9)


@hyp_settings(max_examples=60, deadline=None)
@given(latest=st.floats(0.01, 1e3), growth=st.floats(-0.6, 0.6), reference=st.floats(0.01, 1e3), direction=st.sampled_from([1, -1]))
def test_period_reached_agrees_with_on_track(latest, growth, reference, direction):
    model = make_model({"P": {"dimension": "A", "direction": direction, "reference": reference, "weight": 1.0}})
    p = _row(_run(model, make_panel({("u", "2020"): {"P": latest / (1 + growth)}, ("u", "2021"): {"P": latest}})), "u", "P")
    already = latest >= reference if direction > 0 else latest <= reference
    if already and (growth >= 0 if direction > 0 else growth <= 0):
        assert p["on_track"] is True and p["period_reached"] == "2021"  # at target, trend not away from it
    if p["period_reached"] is not None:
        n = int(p["period_reached"]) - 2021
        value = latest * (1 + p["trend_growth"]) ** n
        assert (value >= reference * (1 - 1e-9)) if direction > 0 else (value <= reference * (1 + 1e-9))
        if growth >= 0 if direction > 0 else growth <= 0:  # a trend toward r (or flat) stays past it once met
            assert p["on_track"] is (int(p["period_reached"]) <= 2025)
    else:
        assert p["on_track"] is False


# --- worksheet functions through xlwings' own pipeline ---------------------------------------

def test_forecast_functions_are_registered_with_their_arguments():
    assert [a["name"] for a in xl.FUNCTIONS["ANJI_FORECAST"].__xlfunc__["args"]] == [
        "values", "periods", "reference", "target_period", "direction", "method", "trend_periods"]
    assert [a["name"] for a in xl.FUNCTIONS["ANJI_REQUIRED_GROWTH"].__xlfunc__["args"]] == ["value", "reference", "periods_left", "direction"]


def test_anji_forecast_in_a_cell():
    years = ((2020.0,), (2021.0,), (2022.0,))
    call = lambda *args: xl.shown(xl.call("ANJI_FORECAST", *args))  # noqa: E731
    assert _close(call(((50.0,), (60.0,), (72.0,)), years, 150.0), 72 * 1.2 ** 3 / 150)
    assert _close(call(((100.0, 80.0, 64.0),), ((2020.0, 2021.0, 2022.0),), 20.0, xl.MISSING, "逆向"), 20 / (64 * 0.8 ** 3))
    assert _close(call(((100.0,), (106.0,), (112.36,)), years, 0.03, xl.MISSING, xl.MISSING, "growth"), 1.03 / 1.06)
    assert _close(call(((100.0,), (None,), (112.36,)), (("2020",), ("2021",), ("2022",)), 150.0), 112.36 * 1.06 ** 3 / 150)
    assert call(((None,), (None,), (72.0,)), years, 150.0) == "#N/A"  # no trend
    assert call(((0.0,), (60.0,), (72.0,)), years, 150.0) == "#NUM!"  # v_S = 0
    assert call(((50.0,), (60.0,), (72.0,)), years, 150.0, 2022.0) == "#NUM!"  # T ≥ target
    assert call(((50.0,), (60.0,), (72.0,)), (("2020Q1",), ("2021",), ("2022",)), 150.0) == "#VALUE!"
    assert call(((50.0,), (60.0,), (72.0,)), years, 150.0, xl.MISSING, xl.MISSING, "minmax") == "#N/A"


def test_anji_required_growth_spills_and_maps_errors():
    call = lambda *args: xl.shown(xl.call("ANJI_REQUIRED_GROWTH", *args))  # noqa: E731
    assert _close(call(72.0, 100.0, 3.0), (100 / 72) ** (1 / 3) - 1)
    out = call(((64.0, 80.0, None),), 50.0, 3.0, "逆向")
    assert _close(out[0], (50 / 64) ** (1 / 3) - 1) and _close(out[1], (50 / 80) ** (1 / 3) - 1) and out[2] == "#N/A"
    assert call(0.0, 100.0, 3.0) == "#NUM!" and call(1.0, 100.0, 0.0) == "#NUM!"
    assert call(1.0, "abc", 3.0) == "#VALUE!" and call(1.0, 100.0, 3.0, "sideways") == "#VALUE!"


# --- the Results block -----------------------------------------------------------------------

def test_results_blocks_do_not_overlap(tmp_path):
    model = make_model({"P": {"dimension": "A", "reference": 100.0, "weight": 1.0}})
    from anji_xl.book.results import MAX_DIMENSIONS, results_blocks
    blocks = results_blocks(model, compute(model, make_panel({("u", "2020"): {"P": 1}})), "now")
    spans = []
    for (row0, col0), block in blocks.placed()[1:]:  # the stamp is a row of its own above them
        width = max(len(r) for r in block.rows())
        if (row0, col0) in ((3, 0), FORECAST_AT):  # blocks with a column per dimension: their widest
            width = {(3, 0): 4 + 2 * MAX_DIMENSIONS, FORECAST_AT: 6 + MAX_DIMENSIONS}[(row0, col0)]
        spans.append((col0, col0 + width - 1))
    spans.sort()
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:])), spans
    assert isinstance(blocks, ResultsBlocks) and len(blocks.placed()) == 9


def test_recalc_writes_the_forecast_block(tmp_path):
    book = build_workbook(tmp_path / "book.xlsm")
    work = tmp_path / "work.xlsm"
    shutil.copy(book, work)
    wb = openpyxl.load_workbook(work, keep_vba=True)
    data = wb["Data"]
    header = [c.value for c in data[1]]
    column = {str(h).split()[0]: k + 1 for k, h in enumerate(header) if h}
    for row in range(2, data.max_row + 1):  # PM3 0 → 0.5 in 2018–2019, so every trend exists
        if data.cell(row, column["PM3"]).value == 0:
            data.cell(row, column["PM3"]).value = 0.5
    wb.save(work)
    assert main(["recalc", str(work)]) == 0
    model, panel = read_book(work)
    outlook = forecast(model, compute(model, panel))
    ws = openpyxl.load_workbook(work)["Results"]
    cell = lambda at, r, c: ws.cell(at[0] + 1 + r, at[1] + 1 + c).value  # noqa: E731
    assert cell(FORECAST_AT, 0, 4) == "forecast index 预测指数" and cell(FORECAST_AT, 1, 0) == "安吉县"
    assert cell(FORECAST_AT, 1, 1) == 2020 and cell(FORECAST_AT, 1, 2) == 2025
    assert _close(cell(FORECAST_AT, 1, 4), outlook.index_forecast["安吉县"]) and 0 < cell(FORECAST_AT, 1, 4) <= 1
    ids = list(model.indicators.index)
    for k, ident in enumerate(ids, start=1):
        row = _row(outlook, "安吉县", ident)
        assert cell(FORECAST_INDICATORS_AT, k, 0) == f"安吉县|{ident}"
        assert _close(cell(FORECAST_INDICATORS_AT, k, 9), row["score_forecast"])
        assert cell(FORECAST_INDICATORS_AT, k, 10) == ON_TRACK_TEXT[row["on_track"]]
    missed = outlook.off_track("安吉县")
    keys = [cell(FORECAST_INDICATORS_AT, k, 1) for k in range(1, len(ids) + 1)]
    assert sorted(k for k in keys if k) == sorted(f"安吉县|{n}" for n in range(1, len(missed) + 1))
    years = [cell(TRAJECTORY_AT, k, 2) for k in range(1, 6)]
    assert years == [2021, 2022, 2023, 2024, 2025]
    assert _close(cell(TRAJECTORY_AT, 5, 3), outlook.index_forecast["安吉县"])
