"""The ``anji-xl`` command line (SPEC §6).

Exit codes: 0 success; 2 invalid input or an OS error (a full disk, no permission), one
``Sheet!Cell: message`` or ``FILE: message`` line per problem on stderr; 1 an unexpected failure
(one line, no traceback); 130 Ctrl-C, 143 SIGTERM (one line).
"""

from __future__ import annotations

import argparse
import faulthandler
import gc
import re
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, NoReturn

from .defaults import SHIPPED_BOOK, default_book
from .model import AnjiInputError, Problem
from .messages import WARNING, pair, say
from .collector import uncollected
from . import console
from .console import SIGNALS, interrupted, leave, raise_interrupt, reader_gone

if TYPE_CHECKING:
    from .tables import RowLabels

# Each command imports what it needs when it runs: `anji-xl --help` loads no NumPy, compute starts
# reading the book while the engine loads (anji_xl.io.read_book), and compute, validate and recalc
# never load pandas (anji_xl.tables).


class _HelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法 usage: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with its headings and -h Chinese first, as every text anji-xl shows; the
    subcommands' parsers are of this class too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "add_help": False, "formatter_class": _HelpFormatter})
        self._positionals.title, self._optionals.title = "参数 arguments", "选项 options"  # argparse has no public setter
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出 · show this help and exit")

    def error(self, message: str) -> NoReturn:
        """A mistake in the command line: the usage, then the mistake in Chinese and in argparse's
        own English words; exit status 2, as argparse's."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {_argparse_message(message)}\n")


#: argparse's messages (Python 3.11) → the catalogue's message that says them in both languages.
_ARGPARSE_MESSAGES = [(re.compile(pattern), name) for pattern, name in (
    (r"the following arguments are required: (?P<names>.+)", "arg_required"),
    (r"unrecognized arguments: (?P<names>.+)", "arg_unrecognized"),
    (r"argument (?P<name>.+?): invalid choice: (?P<value>.+) \(choose from (?P<choices>.+)\)", "arg_invalid_choice"),
    (r"argument (?P<name>.+?): invalid int value: (?P<value>.+)", "arg_invalid_int"),
    (r"argument (?P<name>.+?): invalid float value: (?P<value>.+)", "arg_invalid_float"),
    (r"argument (?P<name>.+?): expected one argument", "arg_one_value"),
    (r"ambiguous option: (?P<option>.+?) could match (?P<matches>.+)", "arg_ambiguous"),
)]


def _argparse_message(message: str) -> str:
    for pattern, name in _ARGPARSE_MESSAGES:
        if found := pattern.fullmatch(message):
            return say(name, **found.groupdict())
    return say("arg_other", message=message)


def _book_argument(parser: argparse.ArgumentParser, optional: bool = False) -> None:
    if optional:
        parser.add_argument("book", nargs="?", type=Path, default=default_book(), help="工作簿（.xlsx/.xlsm），默认为随附的工作簿 · workbook; default: the shipped one")
    else:
        parser.add_argument("book", type=Path, help="工作簿（.xlsx/.xlsm）· workbook")


class _ShowVersion(argparse.Action):
    """``--version``: the version (:mod:`anji_xl._version`, which the installed metadata also reads)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object, option_string: str | None = None) -> None:
        from . import __version__

        print(f"{parser.prog} {__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="anji-xl", description="由 Excel 工作簿计算安吉指数及其他综合指数 · the Anji Index and other composite indices "
                                                 "from an Excel workbook")
    parser.add_argument("--version", action=_ShowVersion, help="显示版本号并退出 · show the version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="命令 commands")

    compute_cmd = commands.add_parser("compute", help="计算并显示指数 · compute the index and print it")
    _book_argument(compute_cmd, optional=True)
    compute_cmd.add_argument("--json", action="store_true", help="以 JSON 输出 · print the results as JSON")
    compute_cmd.add_argument("--period", help="只显示该时期 · only this period")
    compute_cmd.add_argument("--unit", help="只显示该单位 · only this unit")
    compute_cmd.set_defaults(run=_run_compute)

    validate_cmd = commands.add_parser("validate", help="检查工作簿并列出所有问题 · check the workbook and list every problem")
    _book_argument(validate_cmd)
    validate_cmd.set_defaults(run=_run_validate)

    recalc_cmd = commands.add_parser("recalc", help="不用 Excel 完成“重新计算”：把结果写入工作簿 · the Recalculate button without Excel: write Results into the book")
    _book_argument(recalc_cmd)
    recalc_cmd.add_argument("--backup", action="store_true", help="先把工作簿备份为 BOOK.backup.xlsm · keep a copy of the book as BOOK.backup.xlsm first")
    recalc_cmd.set_defaults(run=_run_recalc)

    sens_cmd = commands.add_parser("sensitivity", help="敏感性分析：权重随机扰动下指数与排名的分位数 · Monte Carlo over the weights: index and rank percentiles")
    _book_argument(sens_cmd, optional=True)
    sens_cmd.add_argument("--draws", type=int, help="抽样次数（默认：Settings 的 draws）· number of draws (default: Settings draws)")
    sens_cmd.add_argument("--json", action="store_true", help="以 JSON 输出 · print JSON")
    sens_cmd.set_defaults(run=_run_sensitivity)

    forecast_cmd = commands.add_parser("forecast", help="达标预测：各指标按趋势外推至目标年及预测指数 · the trend of each indicator to the target year, and the forecast index")
    _book_argument(forecast_cmd, optional=True)
    forecast_cmd.add_argument("--json", action="store_true", help="以 JSON 输出 · print the forecast as JSON")
    forecast_cmd.add_argument("--unit", help="只预测该单位 · only this unit")
    forecast_cmd.add_argument("--period", help="以该年为准预测，只用此前的数据（默认：全部数据）· forecast as of this year: only Data up to it "
                                               "(default: all Data)")
    forecast_cmd.set_defaults(run=_run_forecast)

    report_cmd = commands.add_parser("report", help="生成评价报告（.docx，可另存 PDF）· write the evaluation report (.docx, optionally PDF)")
    _book_argument(report_cmd, optional=True)
    report_cmd.add_argument("-o", "--out", type=Path, metavar="OUT.docx",
                            help="报告文件（默认：工作簿旁的 <工作簿>_<时期>_评价报告.docx）· the report (default: beside the book, named after it and the period)")
    report_cmd.add_argument("--unit", action="append", help="分单位评价的单位，可重复（默认：不超过 12 个单位时全部）· a unit to detail; repeatable "
                                                            "(default: every unit when there are at most 12)")
    report_cmd.add_argument("--period", help="报告时期（默认：最新）· the period of the report (default: the latest)")
    report_cmd.add_argument("--pdf", action="store_true", help="同时用 LibreOffice 生成 OUT.pdf · also write OUT.pdf through LibreOffice")
    report_cmd.add_argument("--template", type=Path, metavar="T.docx",
                            help="修改过的报告模板（默认：随附的 anji_xl/report/template.docx）· an edited copy of the report template")
    report_cmd.add_argument("--font", type=Path, metavar="PATH", help="图表的中文字体文件 · a Chinese font file for the charts")
    report_cmd.set_defaults(run=_run_report)

    build_cmd = commands.add_parser("build-workbook", help="由项目源文件生成随附的工作簿 · build the shipped workbook from the project's sources")
    build_cmd.add_argument("out", nargs="?", type=Path, default=SHIPPED_BOOK, help="写到哪里（默认：workbook/AnjiIndex.xlsm）· where to write it")
    build_cmd.add_argument("--standalone", action="store_true",
                           help="独立版：放入本机 xlwings 的 VBA，无需加载项 · put the installed xlwings' VBA inside: no add-in needed")
    _force_argument(build_cmd)
    build_cmd.set_defaults(run=_run_build)

    new_cmd = commands.add_parser("new", help="用自己的指标体系与数据新建工作簿 · a complete book for your own indicators and data")
    new_cmd.add_argument("out", type=Path, help="新工作簿（.xlsm）· the new book")
    for table, what in (("indicators", "指标表 Indicators"), ("data", "数据表 Data"), ("settings", "设置表 Settings")):
        new_cmd.add_argument(f"--{table}", type=Path, metavar="FILE",
                             help=f"{what}：CSV 或 Excel 文件，表头同工作簿（默认：随附工作簿的）· CSV or Excel file laid out like the book's "
                                  "table (default: the shipped book's)")
    _force_argument(new_cmd)
    new_cmd.set_defaults(run=_run_new)

    import_cmd = commands.add_parser("import", help="把 CSV 或 Excel 文件中的行导入 Data · put rows from a CSV or Excel file into Data")
    _book_argument(import_cmd)
    import_cmd.add_argument("file", type=Path, help="CSV 或 Excel 文件，表头同 Data · CSV or Excel file laid out like Data")
    import_cmd.add_argument("--replace", action="store_true", help="替换 Data 的全部行（默认追加）· replace Data's rows (default: append)")
    import_cmd.set_defaults(run=_run_import)
    return parser


def _force_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true",
                        help="覆盖 Data 或 Indicators 不同的已有工作簿 · overwrite a book whose Data or Indicators differ")


def _run_build(args: argparse.Namespace) -> int:
    from .book.build import build_workbook  # only this command needs the writers

    if args.out.suffix.lower() != ".xlsm":
        raise AnjiInputError([Problem(str(args.out), say("needs_xlsm"))])
    if args.standalone and args.out.resolve() == SHIPPED_BOOK.resolve():
        raise AnjiInputError([Problem(str(args.out), say("standalone_not_shipped"))])
    print(say("built", book=build_workbook(args.out, standalone=args.standalone, force=args.force)))
    return 0


def _run_new(args: argparse.Namespace) -> int:
    from .book.new_book import new_book  # only this command needs the writers

    if args.out.suffix.lower() != ".xlsm":
        raise AnjiInputError([Problem(str(args.out), say("needs_xlsm"))])
    out, sources, warnings = new_book(args.out, args.indicators, args.data, args.settings, force=args.force)
    for warning in warnings:
        print(f"{WARNING}{warning}", file=sys.stderr)
    dimensions = sources.indicators["dimension"].nunique()
    print(say("new_written", book=out, indicators=len(sources.indicators), dimensions=dimensions, rows=len(sources.data)))
    return 0


def _run_import(args: argparse.Namespace) -> int:
    from .book.import_rows import import_rows

    imported = import_rows(args.book, args.file, replace=args.replace)
    for warning in imported.warnings:
        print(f"{WARNING}{warning}", file=sys.stderr)
    how = pair("imported.replace" if args.replace else "imported.append")
    print(say("imported", count=imported.rows, how=how, book=args.book))
    return 0


@contextmanager
def _printing_results() -> Iterator[None]:
    """While a command prints its results: a signal can cut a line short, and the line saying it
    was interrupted then starts on a line of its own (see console.printing). Left set when the
    printing ends in an error, which is what the interruption's line needs to know."""
    console.printing = True
    yield
    console.printing = False


def _computed(book: Path):
    from .engine import compute
    from .io.read_book import read_book

    model, panel = read_book(book)
    return model, compute(model, panel)


@uncollected()
def _run_compute(args: argparse.Namespace) -> int:
    """Print every row it can compute (rows with problems null in JSON, marked in text), then
    exit 2 listing the problems; nothing is printed when the indicator system is unreadable."""
    from .io.read_book import start_inspecting

    finish = start_inspecting(args.book)  # the book is read while the engine and the output load
    from .io.parse import computation, with_engine_problems
    from .output import DETAIL_ROWS, select_rows, summary_lines, text_report, write_json

    tables, problems = finish()
    if tables is None:
        raise AnjiInputError(problems)
    run = computation(tables, problems)
    positions = select_rows(run.rows, args.unit, args.period)
    if not len(positions):
        unmatched = (say("no_matching_row", unit=args.unit, period=args.period) if args.unit and args.period else
                     say("no_unit_row", unit=args.unit) if args.unit else say("no_period_row", period=args.period))
        raise AnjiInputError([Problem("", unmatched)])
    if args.json:  # each block of rows written as it is computed
        with _printing_results():
            write_json(run, positions, sys.stdout)
        problems = _of_rows_shown(with_engine_problems(problems, run.problems()), run.rows.take(positions), args)
    elif args.unit or args.period or len(positions) <= DETAIL_ROWS:  # a row in full: --unit / --period, or a few rows
        result = run.result()
        problems = _of_rows_shown(with_engine_problems(problems, result.problems), run.rows.take(positions), args)
        report = text_report(result, tables.model, positions, problems)  # made whole before its first line is printed
        with _printing_results():
            print(report)
            for warning in result.warnings:
                print(f"{WARNING}{warning}", file=sys.stderr)
    else:  # many rows: one line each (SPEC §6), of their index and dimension scores
        index, dimension_scores = run.indexes()
        problems = with_engine_problems(problems, run.problems())
        with _printing_results():
            sys.stdout.writelines(f"{line}\n" for line in summary_lines(run.rows, index, dimension_scores, run.model.dimensions, positions, problems))
            for _, warning in run.warnings():
                print(f"{WARNING}{warning}", file=sys.stderr)
    if problems:
        raise AnjiInputError(problems)
    return 0


def _of_rows_shown(problems: list[Problem], shown: RowLabels, args: argparse.Namespace) -> list[Problem]:
    """With --unit or --period, the problems of the rows shown and those of no one row."""
    if not (args.unit or args.period):
        return problems
    selected = set(shown)
    return [p for p in problems if p.row is None or p.row in selected]


@uncollected()
def _run_validate(args: argparse.Namespace) -> int:
    from .io.read_book import start_inspecting

    finish = start_inspecting(args.book)  # the book is read while the engine loads
    from .io.parse import computation, with_engine_problems

    tables, problems = finish()
    if tables is None:
        raise AnjiInputError(problems)
    run = computation(tables, problems)
    for _ in run.blocks():  # read and engine problems in one pass; each block let go once made
        pass
    problems = with_engine_problems(problems, run.problems())
    if problems:
        raise AnjiInputError(problems)
    with _printing_results():
        for _, warning in run.warnings():
            print(f"{WARNING}{warning}")
        print(say("validated", book=args.book, rows=len(run.rows)))
    return 0


@contextmanager
def _steps(total: int, desc: str) -> Iterator[Callable[[str], None]]:
    """A progress bar of ``total`` named steps on stderr when it is a terminal (as tqdm's
    ``disable=None``); elsewhere none, and tqdm is not loaded (20 ms beside a book's read)."""
    if not sys.stderr.isatty():
        yield lambda _: None
        return
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: with a thread alive, recalc writes Scores without a second process (book.forked)
    with tqdm(total=total, desc=desc, unit="step", file=sys.stderr) as bar:
        def step(name: str) -> None:
            bar.set_postfix_str(name)
            bar.update(1)

        yield step


def _run_recalc(args: argparse.Namespace) -> int:
    from .book.package import open_for_update
    from .io.read_book import start_inspecting

    with open_for_update(args.book) as snapshot:
        reading = start_inspecting(args.book)  # the book is read while the engine, the sheet modules and the progress bar load
        from .book.recalc import recalc_snapshot

        with _steps(3, "recalc") as step:  # reading, computing, writing
            blocks = recalc_snapshot(snapshot, reading, backup=args.backup, step=step)
    print(say("recalculated", book=args.book, rows=blocks.summary.height, warnings=blocks.warnings.height))
    return 0


def _run_forecast(args: argparse.Namespace) -> int:
    """Print every unit it can forecast (null where it cannot), then exit 2 if there are problems."""
    from .forecast import forecast
    from .output import DETAIL_ROWS, forecast_document, forecast_report, forecast_summary_lines, write_document

    model, result = _computed(args.book)
    outlook = forecast(model, result, as_of=args.period)
    units = [u for u in outlook.latest_period.index if args.unit is None or u == args.unit]
    problems = outlook.problems_of(units, grouped=True)
    if not units and not problems:
        raise AnjiInputError([Problem("", say("no_unit_row", unit=args.unit) if args.unit else say("no_row_up_to", period=args.period))])
    with _printing_results():
        if args.json:
            write_document(forecast_document(outlook, units), sys.stdout)
        elif units:
            if len(units) <= DETAIL_ROWS:
                print(forecast_report(outlook, model, units))
            else:  # many units: one line each, as compute prints many rows; --unit shows a unit in full
                sys.stdout.writelines(f"{line}\n" for line in forecast_summary_lines(outlook, units))
            for warning in outlook.warnings_of(units):
                print(f"{WARNING}{warning}", file=sys.stderr)
    if problems:
        raise AnjiInputError(problems)
    return 0


def _run_report(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .report import read_report_book, write_report  # only this command needs docx and matplotlib

    book = read_report_book(args.book)
    with tqdm(desc="report", unit="unit", disable=None, file=sys.stderr, leave=False) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        written = write_report(book, args.out, args.period, args.unit, args.pdf, args.template, args.font, progress)
    print(say("report_written", files=", ".join(map(str, written))))
    return 0


def _run_sensitivity(args: argparse.Namespace) -> int:
    if args.draws is not None and args.draws < 1:
        raise AnjiInputError([Problem("--draws", say("draws_too_few"))])
    from tqdm import tqdm

    from .io.read_book import read_book
    from .output import sensitivity_document, sensitivity_report, write_document
    from .sensitivity import sensitivity

    model, panel = read_book(args.book)
    with tqdm(desc="sensitivity", unit="draw", disable=None, file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = sensitivity(model, panel, draws=args.draws, progress=progress)
    if result.problems:
        raise AnjiInputError(result.problems)
    with _printing_results():
        if args.json:
            write_document(sensitivity_document(result), sys.stdout)
        else:
            print(f"敏感性分析 sensitivity: {result.draws} draws, weights × U(1 − {result.spread:g}, 1 + {result.spread:g}), seed {result.seed}\n")
            print(sensitivity_report(result))
    return 0


def _failed(error: Exception) -> int:
    """The end of a command that failed: its problems (exit 2), an OS error in words (2), nothing
    for a reader that stopped reading (141), or an unexpected failure in one line (1)."""
    if isinstance(error, AnjiInputError):
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 2
    if isinstance(error, BrokenPipeError):  # the output's reader stopped reading (`| head`): nothing went wrong here
        return reader_gone()
    if isinstance(error, OSError):  # a full disk, no permission, a read-only file system, …
        from .book.package import os_error_problem  # loaded here: compute and validate need no writer

        print(f"anji-xl: {os_error_problem(error)}", file=sys.stderr)
        return 2
    print(f"anji-xl: {say('unexpected', error=f'{type(error).__name__}: {error}')}", file=sys.stderr)
    return 1


#: Whether the last command run writes no file (compute, validate, forecast, sensitivity): see :func:`console.big_blocks_unmapped`.
only_read = False
#: Whether the last command run leaves nothing open when it returns (those and recalc): see :func:`console.leave`.
ends_at_once = False


def main(argv: list[str] | None = None, one_command: bool = False) -> int:
    """Run one command; every ending is an exit status and at most a few lines, never a traceback.
    ``one_command``: the process runs this command alone (the installed command), so it may set
    process-wide policies such as :func:`console.big_blocks_unmapped`."""
    try:  # a crash in native code (there should be none) leaves the stacks of every thread on stderr
        if not faulthandler.is_enabled():
            faulthandler.enable(all_threads=True)
    except (OSError, ValueError, AttributeError):  # stderr is no file (a caller's own stream)
        pass
    handlers, unraisable = {}, sys.unraisablehook
    if threading.current_thread() is threading.main_thread():
        handlers = {s: signal.signal(s, raise_interrupt) for s in SIGNALS if signal.getsignal(s) != signal.SIG_IGN}  # ignored stays ignored
        sys.unraisablehook = console.delivering_again(unraisable)
    console.arrived, console.printing = 0, False  # what an earlier command in this process left (tests) is not this one's
    if "anji_xl.book.package" in sys.modules:  # what an earlier command in this process wrote (tests) is not this one's
        sys.modules["anji_xl.book.package"].replaced.clear()
    try:
        args = build_parser().parse_args(argv)
        global only_read, ends_at_once
        only_read = args.run in (_run_compute, _run_validate, _run_forecast, _run_sensitivity)
        ends_at_once = only_read or args.run is _run_recalc
        if one_command:
            console.one_blas_thread()  # before NumPy loads
        if one_command and only_read:
            console.big_blocks_unmapped()
        if one_command and ends_at_once:
            # The process ends with the command (console.leave), so the cyclic collector stays off:
            # on again as the command ended, it walked every object the command had made, the
            # modules' too (30–40 ms after a compute of 30,000 rows with pandas), just before all were dropped.
            gc.disable()
        return args.run(args)
    except KeyboardInterrupt as error:  # Ctrl-C (SIGINT) or SIGTERM, anywhere
        return interrupted(error)
    except Exception as error:  # noqa: BLE001 — the promise is one line, never a traceback
        if console.arrived:  # the signal's doing, come out as another error (see console.arrived)
            return interrupted(KeyboardInterrupt(console.arrived))
        return _failed(error)
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)
        sys.unraisablehook = unraisable


if __name__ == "__main__":
    sys.exit(leave(main(one_command=True), ends_at_once))
