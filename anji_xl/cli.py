"""The ``anji-xl`` command line (SPEC §6).

Exit codes: 0 success; 2 invalid input or an OS error (a full disk, no permission), one
``Sheet!Cell: message`` or ``FILE: message`` line per problem on stderr; 1 an unexpected failure
(one line, no traceback); 130 Ctrl-C, 143 SIGTERM (one line).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from tqdm import tqdm

from . import __version__
from .defaults import SHIPPED_BOOK, default_book
from .engine import compute
from .model import AnjiInputError, Problem
from .forecast import forecast
from .output import forecast_document, forecast_report, json_document, select_rows, sensitivity_report, text_report
from .io.parse import every_problem
from .io.read_book import inspect_book, read_book
from .messages import say
from .book.package import NOTHING_WRITTEN, Interrupted, os_error_problem
from .book.recalc import recalc_book
from .sensitivity import sensitivity



def _book_argument(parser: argparse.ArgumentParser, optional: bool = False) -> None:
    if optional:
        parser.add_argument("book", nargs="?", type=Path, default=default_book(), help="workbook (.xlsx/.xlsm); default: the shipped one")
    else:
        parser.add_argument("book", type=Path, help="workbook (.xlsx/.xlsm)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="anji-xl", description="Anji Index (安吉指数) and other composite indices from an Excel workbook.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    compute_cmd = commands.add_parser("compute", help="compute the index and print it")
    _book_argument(compute_cmd, optional=True)
    compute_cmd.add_argument("--json", action="store_true", help="以 JSON 输出 · print the results as JSON (README: the document)")
    compute_cmd.add_argument("--period", help="only this period")
    compute_cmd.add_argument("--unit", help="only this unit")
    compute_cmd.set_defaults(run=_run_compute)

    validate_cmd = commands.add_parser("validate", help="check the workbook and list every problem")
    _book_argument(validate_cmd)
    validate_cmd.set_defaults(run=_run_validate)

    recalc_cmd = commands.add_parser("recalc", help="the Recalculate button without Excel: write Results into the book")
    _book_argument(recalc_cmd)
    recalc_cmd.add_argument("--backup", action="store_true", help="keep a copy of the book as BOOK.backup.xlsm first")
    recalc_cmd.set_defaults(run=_run_recalc)

    sens_cmd = commands.add_parser("sensitivity", help="Monte Carlo over the weights: index and rank percentiles")
    _book_argument(sens_cmd, optional=True)
    sens_cmd.add_argument("--draws", type=int, help="number of draws (default: Settings draws)")
    sens_cmd.add_argument("--json", action="store_true", help="print JSON")
    sens_cmd.set_defaults(run=_run_sensitivity)

    forecast_cmd = commands.add_parser("forecast", help="达标预测: the trend of each indicator to the target year, and the forecast index")
    _book_argument(forecast_cmd, optional=True)
    forecast_cmd.add_argument("--json", action="store_true", help="print the forecast as JSON")
    forecast_cmd.add_argument("--unit", help="only this unit")
    forecast_cmd.add_argument("--period", help="forecast as of this year: only Data up to it (default: all Data)")
    forecast_cmd.set_defaults(run=_run_forecast)

    build_cmd = commands.add_parser("build-workbook", help="build the shipped workbook from the project's sources")
    build_cmd.add_argument("out", nargs="?", type=Path, default=SHIPPED_BOOK, help="where to write it (default: workbook/AnjiIndex.xlsm)")
    build_cmd.add_argument("--standalone", action="store_true",
                           help="独立版：放入本机 xlwings 的 VBA，无需加载项 · put the installed xlwings' VBA inside: no add-in needed")
    build_cmd.set_defaults(run=_run_build)
    return parser


def _run_build(args: argparse.Namespace) -> int:
    from .book.build import build_workbook  # only this command needs the writers

    if args.out.suffix.lower() != ".xlsm":
        raise AnjiInputError([Problem(str(args.out), say("needs_xlsm"))])
    if args.standalone and args.out.resolve() == SHIPPED_BOOK.resolve():
        raise AnjiInputError([Problem(str(args.out), say("standalone_not_shipped"))])
    print(f"wrote {build_workbook(args.out, standalone=args.standalone)}")
    return 0


def _computed(book: Path):
    model, panel = read_book(book)
    return model, compute(model, panel)


def _run_compute(args: argparse.Namespace) -> int:
    model, result = _computed(args.book)
    rows = select_rows(result, args.unit, args.period)
    if not len(rows):
        raise AnjiInputError([Problem("", say("no_matching_row", unit=args.unit or "*", period=args.period or "*"))])
    selected = set(rows)
    problems = [p for p in result.problems if p.row is None or p.row in selected]
    if problems:
        raise AnjiInputError(problems)
    if args.json:
        print(json.dumps(json_document(result, rows), ensure_ascii=False, indent=2))
    else:
        print(text_report(result, model, rows))
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return 0


def _run_validate(args: argparse.Namespace) -> int:
    result, problems = every_problem(*inspect_book(args.book))  # read and engine problems in one pass
    if problems:
        raise AnjiInputError(problems)
    for warning in result.warnings:
        print(f"warning: {warning}")
    print(f"OK: {args.book}: {len(result.rows)} rows, no problems")
    return 0


def _run_recalc(args: argparse.Namespace) -> int:
    with tqdm(total=3, desc="recalc", unit="step", disable=None, file=sys.stderr) as bar:
        def step(name: str) -> None:  # reading, computing, writing
            bar.set_postfix_str(name)
            bar.update(1)

        blocks = recalc_book(args.book, backup=args.backup, step=step)
    print(f"wrote Results of {args.book}: {len(blocks.summary) - 1} rows, {len(blocks.warnings) - 1} warnings")
    return 0


def _run_forecast(args: argparse.Namespace) -> int:
    """Print every unit it can forecast (null where it cannot), then exit 2 if there are problems."""
    model, result = _computed(args.book)
    outlook = forecast(model, result, as_of=args.period)
    units = [u for u in outlook.latest_period.index if args.unit is None or u == args.unit]
    problems = outlook.problems_of(units)
    if not units and not problems:
        raise AnjiInputError([Problem("", f"没有单位 {args.unit} 的 Data 行 · no Data row for unit {args.unit}" if args.unit else
                                      f"{args.period} 及之前没有 Data 行 · no Data row up to {args.period}")])
    if args.json:
        print(json.dumps(forecast_document(outlook, units), ensure_ascii=False, indent=2, allow_nan=False))
    elif units:
        print(forecast_report(outlook, model, units))
        for warning in outlook.warnings_of(units):
            print(f"warning: {warning}", file=sys.stderr)
    if problems:
        raise AnjiInputError(problems)
    return 0


def _run_sensitivity(args: argparse.Namespace) -> int:
    if args.draws is not None and args.draws < 1:
        raise AnjiInputError([Problem("--draws", say("draws_too_few"))])
    model, panel = read_book(args.book)
    with tqdm(desc="sensitivity", unit="draw", disable=None, file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = sensitivity(model, panel, draws=args.draws, progress=progress)
    if result.problems:
        raise AnjiInputError(result.problems)
    if args.json:
        rows = [{"unit": u, "period": p, **{k: float(v) for k, v in row.items()}} for (u, p), row in result.table.iterrows()]
        print(json.dumps({"draws": result.draws, "spread": result.spread, "seed": result.seed, "results": rows}, ensure_ascii=False, indent=2))
    else:
        print(f"敏感性分析 sensitivity: {result.draws} draws, weights × U(1 − {result.spread:g}, 1 + {result.spread:g}), seed {result.seed}\n")
        print(sensitivity_report(result))
    return 0


def _interrupt(signum: int, _frame) -> None:
    raise Interrupted(signum)


def main(argv: list[str] | None = None) -> int:
    """Run one command; every ending is an exit status and at most a few lines, never a traceback."""
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        handlers = {s: signal.signal(s, _interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except AnjiInputError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 2
    except KeyboardInterrupt as error:  # Ctrl-C (SIGINT) or SIGTERM, anywhere
        for s in handlers:  # a second Ctrl-C does not cut the message
            signal.signal(s, signal.SIG_IGN)
        zh, en = ("新工作簿已完整写入", "the new book was written completely") if getattr(error, "written", False) else NOTHING_WRITTEN
        print(f"anji-xl: 已中断，{zh} · interrupted; {en}", file=sys.stderr)
        return 128 + getattr(error, "signum", signal.SIGINT)
    except OSError as error:  # a full disk, no permission, a read-only file system, …
        print(f"anji-xl: {os_error_problem(error)}", file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 — the promise is one line, never a traceback
        print(f"anji-xl: {say('unexpected', error=f'{type(error).__name__}: {error}')}", file=sys.stderr)
        return 1
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)


if __name__ == "__main__":
    sys.exit(main())
