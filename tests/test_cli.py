"""The reader and ``anji-xl compute / validate`` on real workbooks in temporary folders."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.worksheet.table import Table
import pytest
from hypothesis import given, settings as hyp_settings, strategies as st
from tabulate import tabulate

from anji_xl.cli import main
from anji_xl.defaults import SHIPPED_BOOK
from anji_xl.output import simple_table
from conftest import close, write_book


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_document_has_exactly_the_spec_shape(capsys, anji_like_book):
    code, out, _ = run(capsys, "compute", anji_like_book, "--json")
    assert code == 0
    document = json.loads(out)
    assert set(document) == {"results", "warnings"}
    for entry in document["results"]:
        assert set(entry) == {"unit", "period", "index", "dimensions", "scores", "contributions"}
        assert isinstance(entry["unit"], str) and isinstance(entry["period"], str) and isinstance(entry["index"], float)
        assert set(entry["dimensions"]) == set(entry["contributions"]) == {"低碳生产", "绿色设施"}
        assert set(entry["scores"]) == {"E1", "E2", "G1"}
    assert all(isinstance(w, str) for w in document["warnings"])


@pytest.mark.parametrize("block", [1, 4])
def test_json_written_a_block_of_rows_at_a_time_is_the_document_laid_out_whole(monkeypatch, capsys, anji_like_book, block):
    """``compute --json`` writes its rows a block at a time: with blocks of 1 and 4 rows (the
    last one short) it writes the bytes it writes with one block, and they are the document as
    ``json.dumps(indent=2)`` lays it out (numbers aside: orjson writes 1e-5 for 1e-05)."""
    _, whole, _ = run(capsys, "compute", anji_like_book, "--json")
    monkeypatch.setattr("anji_xl.output._CHUNK", block)
    code, out, _ = run(capsys, "compute", anji_like_book, "--json")
    document = json.loads(out)
    assert code == 0 and out == whole and len(document["results"]) > 4 and document["warnings"]
    number = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?(?=,?\n)")
    assert number.sub("0", out) == number.sub("0", json.dumps(document, indent=2, ensure_ascii=False) + "\n")


@pytest.mark.parametrize("rows", [1, 2])
def test_compute_json_and_validate_computed_a_block_of_rows_at_a_time_say_what_they_say_at_once(monkeypatch, capsys, tmp_path, rows):
    """compute --json and validate write each block of rows as the engine makes it (SCORED_ROWS
    rows at a time), holding no whole panel of scores: with blocks of 1 and 2 rows they print the
    bytes, warnings and problems they print with one block, for a book whose rows have a reader's
    problem (text in a number's cell), an engine's (a negative value), a missing value and rows
    of one unit on both sides of a block's edge."""
    indicators = [["a", "D1", "x", "positive", "ratio", 1, 0.5], ["b", "D2", "y", "negative", "ratio", 1, 0.5]]
    data = [["u", 2019, 0.5, 2], ["u", 2020, 1, -3], ["v", 2020, 1, None], ["w", 2020, "abc", 1], ["w", 2021, 0.5, 0.5], ["u", 2021, 0.7, 1]]
    book = write_book(tmp_path / "blocks.xlsx", indicators, data, [["missing", "reweight"]])
    commands = [("compute", book, "--json"), ("compute", book, "--json", "--unit", "u"), ("validate", book), ("compute", book)]
    whole = [run(capsys, *command) for command in commands]
    monkeypatch.setattr("anji_xl.engine.SCORED_ROWS", rows)
    assert [run(capsys, *command) for command in commands] == whole
    document = json.loads(whole[0][1])
    assert whole[0][0] == 2 and len(document["results"]) == 6 and document["warnings"] and "Data!C5" in whole[0][2] and "Data!D3" in whole[0][2]
    assert [r["index"] is None for r in document["results"]] == [False, True, False, False, True, False]  # u 2019–2021, v, w 2020–2021


def test_growth_across_periods_and_reweight_by_hand(capsys, anji_like_book):
    code, out, _ = run(capsys, "compute", anji_like_book, "--json")
    results = {(r["unit"], r["period"]): r for r in json.loads(out)["results"]}
    # 甲县 2018: E2 has no previous year → E1 carries 低碳生产's 0.5: 0.5·(0.5/0.6) + 0.5·(0.35/0.7)
    assert close(results[("甲县", "2018")]["index"], 0.5 * 0.5 / 0.6 + 0.5 * 0.5)
    assert results[("甲县", "2018")]["scores"]["E2"] is None
    # 甲县 2019: E1 1; E2 growth 5 % vs 3 %: 1.03/1.05; G1 0.8
    assert close(results[("甲县", "2019")]["index"], 0.3 + 0.2 * 1.03 / 1.05 + 0.5 * 0.8)
    assert close(results[("甲县", "2020")]["index"], 1.0)
    assert close(results[("乙县", "2019")]["index"], 0.5 * 0.5 + 0.5 * 1.0)
    # 乙县 2020: E1 0.5/0.8; E2 60/50 → 1.03/1.2; G1 0.14/0.7
    assert close(results[("乙县", "2020")]["index"], 0.3 * 0.625 + 0.2 * 1.03 / 1.2 + 0.5 * 0.2)
    assert close(results[("乙县", "2020")]["contributions"]["绿色设施"], 0.1)


def test_filters_and_readable_table(capsys, anji_like_book):
    code, out, _ = run(capsys, "compute", anji_like_book, "--period", "2020", "--unit", "乙县")
    assert code == 0
    assert "乙县 2020" in out and "甲县" not in out and "排名 rank 2/2" in out
    assert "低碳生产 Low-carbon production" in out and "短板 Gain" in out
    for filters, said in ((("--period", "1999"), "没有时期 1999 的 Data 行"), (("--unit", "丙县"), "没有单位 丙县 的 Data 行"),
                          (("--unit", "乙县", "--period", "1999"), "没有单位 乙县、时期 1999 的 Data 行")):
        code, _, err = run(capsys, "compute", anji_like_book, *filters)
        assert code == 2 and err.startswith(said) and "*" not in err


def test_many_rows_are_a_line_each_saying_what_the_result_says(capsys, tmp_path):
    """Beyond 20 rows, compute prints a line per row, made from the blocks' index and dimension
    scores without the whole result: each line says the result's index, its rank (ties share the
    better place, out of the period's rows with an index) and dimension scores; a row with a
    problem is marked × naming its cell."""
    from anji_xl.io.parse import every_problem
    from anji_xl.io.read_book import inspect_book

    indicators = [["E1", "低碳生产", "能耗", "negative", "ratio", 0.5, 0.6], ["G1", "绿色设施", "绿化", "positive", "ratio", 0.7, 0.4]]
    data = [[f"县{u:02d}", year, 0.4 + 0.02 * (u % 4), 0.5 + 0.01 * (u % 4)] for u in range(12) for year in (2019, 2020)]  # ties
    data[5][3] = "abc"  # 县02 2020: not a number
    book = write_book(tmp_path / "many.xlsx", indicators, data)
    code, out, err = run(capsys, "compute", book)
    assert code == 2 and "Data!D7" in err
    result, _ = every_problem(*inspect_book(book))
    ranks = result.index.groupby(level=1).rank(ascending=False, method="min")
    counted = result.index.groupby(level=1).count()
    lines = out.splitlines()
    assert len(lines) == 1 + len(result.rows) and lines[0].split()[:5] == ["单位", "unit", "时期", "period", "指数"]
    for line, (unit, period) in zip(lines[1:], result.rows):
        said = line.split()
        assert said[:2] == [unit, period]
        if math.isnan(result.index[(unit, period)]):
            assert said[2] == "—" and "×" in said and "Data!D7" in line
            continue
        dims = [f"{v:.4f}" for v in result.dimension_scores.loc[(unit, period)]]
        assert said[2:] == [f"{result.index[(unit, period)]:.4f}", f"{int(ranks[(unit, period)])}/{counted[period]}", *dims]
    shown_2019 = [line.split()[3] for line in lines[1:] if line.split()[1] == "2019"]
    assert shown_2019.count("1/12") == 3 and shown_2019.count("4/12") == 3  # three units tie at each place


def test_plain_ranges_header_labels_and_direction_aliases(capsys, tmp_path):
    header = ["ID 编号", "Dimension", "name", "DIRECTION 方向", "method", "reference 参考值", "weight"]
    indicators = [["a", "D1", "x", 1, None, 2, 0.5], ["b", "D2", "y", -1, "比值法", 2, 0.5]]
    book = write_book(tmp_path / "plain.xlsx", indicators, [["u", "2020", 1, 4]], indicator_header=header, tables=False)
    code, out, _ = run(capsys, "compute", book, "--json")
    assert code == 0
    assert close(json.loads(out)["results"][0]["index"], 0.5 * 0.5 + 0.5 * 0.5)


def _bad_book(tmp_path: Path) -> Path:
    indicators = [
        ["a", "D1", "x", "正向", "ratio", "abc", 0.5],  # F2 text reference
        ["b", "D1", "y", "sideways", "ratio", 1, 0.3],  # D3 unknown direction
        ["c", "D2", "z", "positive", "magic", 1, 0.2],  # E4 unknown method
        ["c", "D2", "z", "positive", "ratio", 1, 0.2],  # A5 duplicate id
        ["d", "D2", "w", "positive", "ratio", None, -0.2],  # F6 blank reference, G6 negative weight
        ["e", "D2", "v", "positive", "ratio", 1, 0.0],  # no Data column for e
    ]
    data_header = ["unit", "period", "a", "b", "c", "d", "zz"]
    data = [["u", 2020, 1, "n.a.", 1, 1, 1], ["u", 2020, 1, 1, 1, 1, 1]]  # D2 text; row 3 duplicates row 2
    return write_book(tmp_path / "bad.xlsx", indicators, data, [["missing", "maybe"]], data_header=data_header)


def test_every_reader_problem_is_listed_with_its_cell(capsys, tmp_path):
    book = _bad_book(tmp_path)
    code, out, err = run(capsys, "compute", book)
    assert code == 2 and out == ""
    lines = err.splitlines()
    expected = [
        "Indicators!F2: 'abc' 不是数字 · 'abc' is not a number",
        "Indicators!D3: 无法识别的方向 'sideways'（请用 正向/逆向、positive/negative、1/-1） · unknown direction 'sideways'",
        "Indicators!E4: 无法识别的方法 'magic'",
        "Indicators!A5: 指标编号 'c' 重复（另见第 4 行） · duplicate indicator id 'c' (also in row 4)",
        "Indicators!F6: d 的 reference 为空 · reference of d is blank",
        "Indicators!G6: d 的权重为负数（-0.2） · weight of d is negative (-0.2)",
        "Data!G1: Data 列 'zz' 不对应任何指标编号 · Data column 'zz' matches no indicator id",
        "Data!1:1: 指标 e 在 Data 中没有列 · indicator e has no column in Data",
        "Data!D2: 'n.a.' 不是数字 · 'n.a.' is not a number",
        "Data!B3: u 2020 的数据行重复（另见第 2 行） · duplicate row for u 2020 (also row 2)",
        "Settings!B2: 设置项 missing：'maybe' 不是 error, reweight, zero 之一 · setting missing: 'maybe' is not one of error, reweight, zero",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in lines), (start, lines)
    assert len(lines) == len(expected)
    assert "Traceback" not in err


def test_validate_ok_and_problems(capsys, anji_like_book, tmp_path):
    code, out, _ = run(capsys, "validate", anji_like_book)
    assert code == 0 and out.startswith("提示 warning: ") and "检查通过" in out and "OK:" in out
    code, _, err = run(capsys, "validate", _bad_book(tmp_path))
    assert code == 2 and len(err.splitlines()) == 11


def test_weights_off_one_name_the_weight_column(capsys, tmp_path):
    indicators = [["a", "D1", "x", "positive", "ratio", 1, 0.5], ["b", "D1", "y", "negative", "ratio", 1, 0.4]]
    book = write_book(tmp_path / "weights.xlsx", indicators, [["u", 2020, 1, 1]])
    code, _, err = run(capsys, "validate", book)
    assert code == 2 and err.startswith("Indicators!G2:G3: 权重之和为 0.9，不等于 1（允许误差 1e-06）；请修正权重或设 normalize_weights = yes · "
                                "weights sum to 0.9, not 1 (tolerance 1e-06)")


def test_engine_problems_give_exit_2_with_cells(capsys, tmp_path):
    indicators = [["a", "D1", "x", "positive", "ratio", 0, 0.5], ["b", "D1", "y", "negative", "ratio", 1, 0.5]]
    book = write_book(tmp_path / "domain.xlsx", indicators, [["u", 2020, 1, -3], ["v", 2020, 1, None]])
    code, _, err = run(capsys, "compute", book)
    assert code == 2
    assert "Indicators!F2: 指标 a：参考值必须为大于 0 的数（当前为 0.0） · indicator a: the reference value must be a number > 0 (got 0.0)" in err
    assert "Data!D2: b（u，2020）：数值 -3 为负数 · b (u, 2020): the value -3 is negative" in err
    assert "Data!D3: b（v，2020）：缺少数值（设置 missing = error） · b (v, 2020): the value is missing (Settings missing = error)" in err


def test_missing_and_damaged_files_exit_2_without_traceback(capsys, tmp_path):
    code, _, err = run(capsys, "compute", tmp_path / "nope.xlsx")
    assert code == 2 and "no such file" in err
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04 this is not a workbook")
    code, _, err = run(capsys, "compute", damaged)
    assert code == 2 and "cannot be read" in err and "Traceback" not in err
    book = openpyxl.Workbook()
    book.active.title = "Other"
    book.save(tmp_path / "empty.xlsx")
    code, _, err = run(capsys, "compute", tmp_path / "empty.xlsx")
    assert code == 2 and "no sheet 'Indicators'" in err and "no sheet 'Data'" in err


def test_console_script_computes_the_shipped_book():
    completed = subprocess.run([sys.executable, "-m", "anji_xl.cli", "compute", "--json"], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert [r["period"] for r in document["results"]] == ["2018", "2019", "2020"]
    # the figures docs/indicators.md reports, computed there by an independent script
    assert [round(r["index"], 4) for r in document["results"]] == [0.7657, 0.8494, 0.9430]
    assert {r["unit"] for r in document["results"]} == {"安吉县"}
    assert SHIPPED_BOOK.exists()



@pytest.mark.skipif(sys.platform != "linux", reason="a file's size limit as Linux sets it (RLIMIT_FSIZE)")
@pytest.mark.parametrize("command", [["compute", "--json"], ["forecast", "--json"], ["sensitivity", "--json", "--draws", "20"]])
def test_a_document_a_write_cuts_short_is_an_error_not_a_success(tmp_path, command):
    """A buffered write that fails partway gives back the bytes it wrote instead of raising (here
    a file past its size limit; a full disk, a reader gone): forecast and sensitivity wrote their
    documents in one write and ended with exit 0 and half a document."""
    import resource

    indicators = [["E1", "低碳生产", "能耗", "逆向", "ratio", 0.5, 0.5], ["E2", "低碳生产", "总量", "正向", "ratio", 0.5, 0.5]]
    data = [[f"县{u:03d}", 2021 + k, 0.5 + u / 100 + k / 50, 0.6 + k / 40] for u in range(60) for k in range(3)]
    book = write_book(tmp_path / "sixty.xlsx", indicators, data, [["missing", "reweight"]])
    full = subprocess.run([sys.executable, "-m", "anji_xl.cli", command[0], str(book), *command[1:]], capture_output=True, check=False)
    assert full.returncode == 0 and len(full.stdout) > 30_000  # longer than the limit below, and than a write's buffer
    limit = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # noqa: E731
    with (tmp_path / "out.json").open("wb") as out:
        cut = subprocess.run([sys.executable, "-m", "anji_xl.cli", command[0], str(book), *command[1:]], stdout=out,
                             stderr=subprocess.PIPE, text=True, check=False, preexec_fn=limit)
    assert cut.returncode == 2 and "未写入任何内容" in cut.stderr and "nothing was written" in cut.stderr, cut.stderr


def test_a_command_that_leaves_nothing_open_ends_at_once_with_every_byte_written(capsys, tmp_path, anji_like_book):
    """Commands that write no file, and recalc once its book is in place, end the process when
    their output is flushed, without the interpreter's teardown (0.1–0.2 s of a 30,000-row
    compute or recalc), and run without the cyclic collector (on again as they ended, it walked
    every object they had made); the others exit normally, the collector on."""
    assert main(["compute", str(anji_like_book), "--json"]) == 0
    in_process = capsys.readouterr().out
    script = ("import atexit, gc, sys; atexit.register(lambda: print('torn down', file=sys.stderr)); "
              "from anji_xl import console; leave = console.leave; "
              "console.leave = lambda *args: print('collector on' if gc.isenabled() else 'collector off', file=sys.stderr) or leave(*args); "
              "sys.argv[0] = 'anji-xl'; sys.exit(console.main())")
    out = tmp_path / "out.json"
    with out.open("w", encoding="utf-8") as handle:
        completed = subprocess.run([sys.executable, "-c", script, "compute", str(anji_like_book), "--json"], stdout=handle,
                                   stderr=subprocess.PIPE, text=True, check=False)
    assert completed.returncode == 0 and "torn down" not in completed.stderr and "collector off" in completed.stderr
    assert out.read_text(encoding="utf-8") == in_process
    missing = subprocess.run([sys.executable, "-c", script, "validate", str(tmp_path / "none.xlsx")], capture_output=True, text=True, check=False)
    assert missing.returncode == 2 and "找不到文件" in missing.stderr and "torn down" not in missing.stderr
    writing = subprocess.run([sys.executable, "-c", script, "import", str(anji_like_book), str(tmp_path / "none.csv")],
                             capture_output=True, text=True, check=False)
    assert writing.returncode == 2 and "torn down" in writing.stderr and "collector on" in writing.stderr
    books = [tmp_path / "in_process.xlsm", tmp_path / "ended_at_once.xlsm"]
    for book in books:
        shutil.copy(SHIPPED_BOOK, book)
    assert main(["recalc", str(books[0])]) == 0
    recalculated = subprocess.run([sys.executable, "-c", script, "recalc", str(books[1])], capture_output=True, text=True, check=False)
    assert recalculated.returncode == 0 and "torn down" not in recalculated.stderr and "collector off" in recalculated.stderr
    assert recalculated.stdout == f"已重新计算 {books[1]}：Results 共 3 行、2 条提示 · wrote Results of {books[1]}: 3 rows, 2 warnings\n"  # flushed before the end
    with zipfile.ZipFile(books[0]) as first, zipfile.ZipFile(books[1]) as second:  # the same book, but for the time in its stamp
        assert first.namelist() == second.namelist()
        stamp = re.compile(rb"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?")
        assert [stamp.sub(b"", first.read(name)) for name in first.namelist()] == [stamp.sub(b"", second.read(name)) for name in second.namelist()]


def test_the_command_runs_numpys_matrix_products_on_one_thread_unless_the_user_chose(tmp_path, anji_like_book):
    """OpenBLAS's second thread spins on after each of the engine's small products and took a
    core's worth of CPU from recalc's forked child and from sensitivity (console.one_blas_thread);
    a user's own OPENBLAS_NUM_THREADS is kept."""
    probe = ("import ctypes, re, sys; from anji_xl import console; leave = console.leave\n"
             "def counted(*args):\n"
             "    library = re.search(r'(/\\S*openblas\\S*\\.so\\S*)', open('/proc/self/maps').read())\n"
             "    count = getattr(ctypes.CDLL(library.group(1)), 'scipy_openblas_get_num_threads64_', None) if library else None\n"
             "    print(f'blas threads {count() if count else None}', file=sys.stderr)\n"
             "    return leave(*args)\n"
             "console.leave = counted; sys.argv[0] = 'anji-xl'; sys.exit(console.main())")
    environment = {name: value for name, value in os.environ.items() if name not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}

    def threads(**chosen: str) -> str:
        done = subprocess.run([sys.executable, "-c", probe, "compute", str(anji_like_book), "--json"], capture_output=True, text=True,
                              check=False, env={**environment, **chosen})
        assert done.returncode == 0, done.stderr
        return re.search(r"blas threads (\w+)", done.stderr).group(1)

    if threads(OPENBLAS_NUM_THREADS="2") == "None" or (os.cpu_count() or 1) < 2:
        pytest.skip("NumPy here does not use scipy-openblas, or one core: OpenBLAS's threads cannot be counted apart")
    assert threads() == "1" and threads(OPENBLAS_NUM_THREADS="2") == "2"


def test_sensitivity_command(capsys, anji_like_book):
    code, out, _ = run(capsys, "sensitivity", anji_like_book, "--draws", "300", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["draws"] == 300 and len(document["results"]) == 5
    for row in document["results"]:
        assert row["index_p5"] <= row["index_p50"] <= row["index_p95"]
        assert 1 <= row["rank_p5"] <= row["rank_p95"] <= 2
    code, out, _ = run(capsys, "sensitivity", anji_like_book, "--draws", "50")
    assert code == 0 and "index_p95" in out and "甲县" in out
    code, _, err = run(capsys, "sensitivity", anji_like_book, "--draws", "0")
    assert code == 2 and "--draws: 至少为 1 · must be at least 1" in err


# plain texts: wide, narrow, full-width and Arabic-digit characters; odd ones: spaces, a tab, a line break,
# an escape, marks of zero width (a combining accent, a zero-width space, a byte-order mark, a joiner)
_PLAIN = ["a", "Z", "0", ".", "—", "-", "县", "安吉", "ＡＢ", "١"]
_ODD = [" ", "\u3000", "\t", "\n", "\x1b[31m", "e\u0301", "\u200b", "\ufeff", "👨\u200d👩"]


def _tables(parts: list[str]):
    texts = st.lists(st.sampled_from(parts), max_size=4).map("".join)
    return st.integers(1, 4).flatmap(lambda width: st.tuples(
        st.lists(texts, min_size=width, max_size=width), st.lists(st.lists(texts, min_size=width, max_size=width), max_size=4),
        st.lists(st.booleans(), min_size=width, max_size=width)))


@hyp_settings(max_examples=400, deadline=None)
@given(st.one_of(_tables(_PLAIN), _tables(_PLAIN + _ODD)))
def test_a_table_made_a_column_at_a_time_is_laid_out_as_tabulate_lays_it_out(table):
    # sensitivity and forecast lay out 30,000 rows without tabulate (3 s), exactly as it would
    headers, rows, right = table
    columns = [[row[k] for row in rows] for k in range(len(headers))]
    expected = tabulate(rows, headers=headers, colalign=["right" if r else "left" for r in right], disable_numparse=True)
    assert simple_table(headers, columns, right) == expected.split("\n")


def test_a_seed_beyond_64_bits_is_written_whole(capsys, tmp_path):
    # Settings takes any whole seed ≥ 0; orjson writes no integer beyond 64 bits, the standard library does
    indicators = [["E1", "低碳生产", "能耗", "逆向", "ratio", 0.5, 0.5], ["E2", "低碳生产", "总量", "正向", "ratio", 0.5, 0.5]]
    book = write_book(tmp_path / "seed.xlsx", indicators, [["甲", 2021, 0.5, 0.6], ["乙", 2021, 0.6, 0.5]], [["seed", 1e20]])
    code, out, err = run(capsys, "sensitivity", book, "--draws", "20", "--json")
    assert code == 0, err
    assert json.loads(out)["seed"] == 10**20 and '"seed": 100000000000000000000,' in out


def test_rows_below_a_table_columns_beside_it_and_misplaced_transform_are_problems(capsys, tmp_path):
    indicators = [["a", "D1", "x", "positive", "ratio", 1, 1.0]]
    book = write_book(tmp_path / "below.xlsx", indicators, [["u", 2020, 0.5]])
    wb = openpyxl.load_workbook(book)
    wb["Data"]["A3"] = "v"  # a row typed right under tblData (A1:C2)
    wb["Data"]["C3"] = "abc"
    wb["Data"]["A5"] = "a note after a blank row is not data"
    wb["Data"]["D1"] = "note 备注"  # a column typed right beside it, where the program did not widen the table
    wb["Data"]["D2"] = "estimated"
    wb["Data"]["F1"] = "a column after a blank one is not data"
    wb.save(book)
    code, _, err = run(capsys, "compute", book)
    assert code == 2 and err.splitlines() == [
        "Data!D1: 此列在表 tblData 右侧，不会被读取；请把表扩展到这一列 · this column is beside the table tblData and is not read; extend the table to include it",
        "Data!A3: 此行在表 tblData 之下，不会被读取；请把表扩展到这一行 · this row is below the table tblData and is not read; extend the table to include it"]
    wb = openpyxl.load_workbook(book)
    del wb["Data"]["A3"], wb["Data"]["C3"]
    wb["Data"].add_table(Table(displayName="tblNotes", ref="D1:D2"))  # a table of its own beside tblData is not a column of it
    wb.save(book)
    code, _, err = run(capsys, "compute", book)
    assert code == 0, err
    header = ["id", "dimension", "direction", "method", "reference", "weight", "transform", "lower", "upper"]
    rows = [["a", "D1", "positive", "ratio", 1, 0.5, "log", None, None], ["g", "D1", "positive", "goalpost", None, 0.5, "log", 0, 100]]
    book = write_book(tmp_path / "log.xlsx", rows, [["u", 2020, 0.5, 10]], indicator_header=header)
    code, _, err = run(capsys, "compute", book)
    assert code == 2 and "Indicators!G2: 变换 log 只适用于 goalpost 方法（a 的方法：ratio） · transform log applies to the goalpost method only (method of a: ratio)" in err
    rows[0][6] = None
    book = write_book(tmp_path / "log2.xlsx", rows, [["u", 2020, 0.5, 10], ["v", 2020, 0.5, 20]], indicator_header=header)
    code, _, err = run(capsys, "compute", book)
    # a log goalpost of 0 is the indicator's fault: reported once, at its lower bound
    assert code == 2 and err.splitlines() == ["Indicators!H3: 指标 g：对数变换要求数值和上下限都大于 0 · indicator g: a log transform needs the value and both goalposts > 0"]


def test_duplicate_setting_is_a_problem(capsys, tmp_path):
    book = write_book(tmp_path / "dup.xlsx", [["a", "D1", "x", "positive", "ratio", 1, 1.0]], [["u", 2020, 1]],
                      [["cap", 1.2], ["missing", "zero"], ["cap", 1.5]])
    code, _, err = run(capsys, "compute", book)
    assert code == 2 and err.strip() == "Settings!A4: 设置项 cap 重复（另见 Settings!B2） · setting cap appears twice (also Settings!B2)"


def test_empty_data_is_a_problem(capsys, tmp_path):
    book = write_book(tmp_path / "empty.xlsx", [["a", "D1", "x", "positive", "ratio", 1, 1.0]], [])
    for command in ("compute", "validate", "sensitivity"):
        code, _, err = run(capsys, command, book)
        assert code == 2 and err.strip() == "Data!2:2: Data 没有数据行 · Data has no rows"


def test_an_unexpected_failure_is_exit_1_in_one_line_without_traceback(capsys, monkeypatch, anji_like_book):
    def broken(*args, **kwargs):  # a bug in the text report, the last step of compute
        raise KeyError("dimension")

    monkeypatch.setattr("anji_xl.output.text_report", broken)
    code, out, err = run(capsys, "compute", anji_like_book)
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and "KeyError" in err and "Traceback" not in err


def test_build_workbook_from_the_command_line(capsys, tmp_path):
    code, _, err = run(capsys, "build-workbook", tmp_path / "book.xlsx")
    assert code == 2 and err.strip() == f"{tmp_path / 'book.xlsx'}: 工作簿含宏：请使用 .xlsm 扩展名 · the book holds macros: give it the .xlsm extension"
    assert list(tmp_path.iterdir()) == []
    out_book = tmp_path / "new" / "book.xlsm"
    out_book.parent.mkdir()
    code, out, _ = run(capsys, "build-workbook", out_book)
    assert code == 0 and out.strip() == f"已写入 {out_book} · wrote {out_book}"
    code, out, _ = run(capsys, "compute", out_book, "--json")
    assert code == 0 and [round(r["index"], 4) for r in json.loads(out)["results"]] == [0.7657, 0.8494, 0.9430]

    # the weight total sits beside tblIndicators (P1:P2), so a row typed under the table is read
    # as a new indicator once the table takes it in, as Excel's table does, and the total counts it
    book = openpyxl.load_workbook(out_book)
    sheet = book["Indicators"]
    assert (sheet["P1"].value, sheet["P2"].value) == ("Σ weight 权重合计", "=SUM($M$2:$M$1001)")
    table = sheet.tables["tblIndicators"]
    last = sheet.max_row
    assert table.ref == f"A1:N{last}"
    for column, value in zip("ABGHIM", ["N1", "推进机制", "positive", "ratio", 1, 0.1]):
        sheet[f"{column}{last + 1}"] = value
    table.ref = table.autoFilter.ref = f"A1:N{last + 1}"
    typed = tmp_path / "typed.xlsx"
    book.save(typed)
    code, _, err = run(capsys, "validate", typed)
    assert code == 2 and "tblIndicators" not in err and "N1" in err  # N1 read: it has no Data column yet
    from libreoffice import convert

    recalculated = openpyxl.load_workbook(convert(typed, tmp_path), data_only=True)["Indicators"]
    assert recalculated["P2"].value == pytest.approx(1.1, abs=1e-12)


def test_help_is_chinese_first_then_english(capsys):
    """``anji-xl --help`` and every command's: the description, each command's and option's help
    and the headings argparse writes, Chinese first, then " · " and English."""
    import argparse
    import re

    from anji_xl.cli import build_parser

    cjk = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    texts = [parser.description, *(a.help for a in commands._choices_actions)]
    for name, command in {"": parser, **commands.choices}.items():
        texts += [a.help for a in command._actions if a is not commands]
        with pytest.raises(SystemExit) as exited:
            main([name, "--help"] if name else ["--help"])
        out = capsys.readouterr().out
        assert exited.value.code == 0 and out.startswith("用法 usage: anji-xl") and "\n选项 options:\n" in out, name
        assert "positional arguments" not in out and "show this help message" not in out, name
    assert len(texts) > 30
    for text in texts:
        chinese, english = (re.split(r" ?· ", text, maxsplit=1) + [""])[:2]
        assert cjk.search(chinese) and english and not cjk.search(english), text


@pytest.mark.parametrize("command, pooled", [(["compute", "--json"], False), (["validate"], False), (["compute"], False), (["compute", "--json"], True)])
def test_compute_json_and_validate_read_compute_and_write_without_pandas(tmp_path, command, pooled):
    """Loading pandas took about a quarter of `compute --json`'s time on a 30,000-row book (it
    held the interpreter's lock while the sheet's pieces waited to become numbers): compute
    (--json, or each of a few rows in full) and validate do without it, unless a pooled method
    groups a period's rows with it; what they say is the same either way (the blocks' values are
    checked elsewhere)."""
    data = [["甲县", 2019, 0.6, 100], ["甲县", 2020, 0.5, 105], ["乙县", 2019, 0.4, 90], ["乙县", 2020, 0.8, 95]]
    indicators = [["E1", "低碳生产", "能耗", "negative", "minmax" if pooled else "ratio", 0.5, 0.5],
                  ["E2", "低碳生产", "能源总量", "negative", "ratio", 90, 0.5]]
    book = write_book(tmp_path / "book.xlsx", indicators, data)
    code = ("import sys; from anji_xl.cli import main; code = main(sys.argv[1:], one_command=True); "
            "print('pandas' in sys.modules, code, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, command[0], str(book), *command[1:]], capture_output=True, text=True, check=True)
    assert done.stderr.splitlines()[-1] == f"{pooled} 0"
    if command == ["compute"]:  # every row in full: its title, dimension table and gains
        assert [line.split()[:2] for line in done.stdout.splitlines() if line.startswith(("甲县", "乙县"))] == [
            ["甲县", "2019"], ["甲县", "2020"], ["乙县", "2019"], ["乙县", "2020"]]
    elif command[0] == "compute":
        assert [row["unit"] for row in json.loads(done.stdout)["results"]] == ["甲县", "甲县", "乙县", "乙县"]
    else:
        assert "4 行" in done.stdout


def test_recalc_reads_computes_and_writes_the_book_without_pandas(tmp_path):
    """recalc makes Results (the forecast too), Scores and the Dashboard's charts from the result's
    arrays: loading pandas beside the read held the interpreter's lock the sheet's pieces waited
    for (about 0.12 s of a 30,000-row recalc). Its sheets are checked against the engine elsewhere."""
    book = tmp_path / "book.xlsm"
    shutil.copy(SHIPPED_BOOK, book)
    code = ("import sys; from anji_xl.cli import main; code = main(sys.argv[1:], one_command=True); "
            "print(*(name in sys.modules for name in ('pandas', 'tqdm', 'importlib.metadata')), code, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, "recalc", str(book)], capture_output=True, text=True, check=True)
    # no bar off a terminal (no tqdm), and the version stamped without importlib.metadata (anji_xl._version)
    assert done.stderr.splitlines()[-1] == "False False False 0" and "Results 共 3 行" in done.stdout
    assert book.read_bytes() != SHIPPED_BOOK.read_bytes()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pseudo-terminal of Linux's")
def test_recalc_shows_its_steps_on_a_terminal(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    book = tmp_path / "book.xlsm"
    shutil.copy(SHIPPED_BOOK, book)
    terminal, its_end = pty.openpty()
    fcntl.ioctl(its_end, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal 100 columns wide
    with subprocess.Popen([sys.executable, "-m", "anji_xl.cli", "recalc", str(book)], stderr=its_end, stdout=subprocess.PIPE) as run:
        os.close(its_end)
        shown = b""
        while True:
            try:
                piece = os.read(terminal, 65536)
            except OSError:  # the terminal's other end closed (Linux)
                break
            if not piece:
                break
            shown += piece
    os.close(terminal)
    assert run.returncode == 0
    bar = shown.decode("utf-8")
    assert "recalc:" in bar and "3/3" in bar and "读取 reading" in bar and "写入 writing" in bar


def test_version_is_the_installed_one_looked_up_only_when_asked(capsys):
    from importlib.metadata import version

    code = subprocess.run([sys.executable, "-c", "import sys, anji_xl.cli; sys.exit('importlib.metadata' in sys.modules)"], check=False).returncode
    assert code == 0  # the command line starts without it (30 ms)
    with pytest.raises(SystemExit) as ended:
        main(["--version"])
    assert ended.value.code in (0, None) and capsys.readouterr().out == f"anji-xl {version('anji-xl')}\n"


@pytest.mark.parametrize("argv, said", [
    (["validate"], "anji-xl validate: 缺少参数 book · the following arguments are required: book"),
    (["compute", "--bogus"], "anji-xl: 无法识别的参数 --bogus · unrecognized arguments: --bogus"),
    (["sensitivity", "--draws", "abc"], "anji-xl sensitivity: 参数 --draws 的值 'abc' 不是整数 · argument --draws: invalid int value: 'abc'"),
    (["sensitivity", "--draws"], "anji-xl sensitivity: 参数 --draws 需要一个值 · argument --draws: expected one argument"),
    (["frobnicate"], "anji-xl: 参数 COMMAND 没有 'frobnicate' 这一项（可选：'compute', "),
])
def test_a_mistake_in_the_command_line_is_said_in_chinese_then_in_argparses_english(capsys, argv, said):
    with pytest.raises(SystemExit) as ended:
        main(argv)
    usage, mistake = capsys.readouterr().err.splitlines()
    assert ended.value.code == 2 and usage.startswith("用法 usage: anji-xl") and mistake.startswith(said)


class CutShort:
    """stderr as a Ctrl-C leaves it when it arrives in the middle of a write (a blocked write to a
    full pipe, say): the ``cut``-th write puts down half its text, then the KeyboardInterrupt that
    anji-xl's handler raises comes out of it."""

    def __init__(self, cut: int):
        self.text, self.left = "", cut

    def write(self, text: str) -> int:
        self.left -= 1
        if self.left == 0:
            self.text += text[:len(text) // 2]
            raise KeyboardInterrupt(2)
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("cut", [2, 3])  # print() writes a line's text, then its end: cut at the end of the first, in the second
@pytest.mark.parametrize("command", ["compute", "forecast"])
def test_an_interruption_that_cuts_a_warning_short_says_so_on_a_line_of_its_own(tmp_path, monkeypatch, capsys, command, cut):
    """Ctrl-C while the warnings are printed: the warning cut short stays as far as it came, and
    the line saying the command was interrupted starts on a line of its own (CI's fault test saw
    it glued to the end of a warning: "…(missing = reweight)anji-xl: 已中断…")."""
    indicators = [["E1", "低碳生产", "能耗", "逆向", "ratio", 0.5, 0.5], ["E2", "低碳生产", "总量", "正向", "ratio", 0.5, 0.5]]
    data = [["甲县", 2018 + k, None if k % 2 else 0.6, 0.7 + k / 10] for k in range(4)] + [["乙县", 2019, None, 0.4]]
    book = write_book(tmp_path / "cut.xlsx", indicators, data, [["missing", "reweight"]])
    assert main([command, str(book)]) == 0
    said = capsys.readouterr().err.splitlines()
    assert len(said) >= 2 and all(line.startswith("提示 warning: ") for line in said)  # warnings to cut
    stderr = CutShort(cut)
    monkeypatch.setattr("sys.stderr", stderr)
    assert main([command, str(book)]) == 130
    *before, last, end = stderr.text.split("\n")
    assert last == "anji-xl: 已中断，未写入任何内容 · interrupted; nothing was written" and end == ""
    assert before == [said[0], said[1][:len(said[1]) // 2]][:cut - 1]  # the first warning whole, the second cut short

