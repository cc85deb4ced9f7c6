"""The ``anji-xl`` command line (SPEC §6).

Exit codes: 0 success; 2 invalid input, one ``Sheet!Cell: message`` line per problem on
stderr; 1 an unexpected failure (one line, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from . import __version__
from .defaults import SHIPPED_BOOK
from .engine import compute
from .model import AnjiInputError, Problem
from .output import json_document, select_rows, sensitivity_report, text_report
from .reader import read_book
from .book.recalc import recalc_book
from .sensitivity import sensitivity



def _book_argument(parser: argparse.ArgumentParser, optional: bool = False) -> None:
    if optional:
        parser.add_argument("book", nargs="?", type=Path, default=SHIPPED_BOOK, help="workbook (.xlsx/.xlsm); default: the shipped one")
    else:
        parser.add_argument("book", type=Path, help="workbook (.xlsx/.xlsm)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="anji-xl", description="Anji Index (安吉指数) and other composite indices from an Excel workbook.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    compute_cmd = commands.add_parser("compute", help="compute the index and print it")
    _book_argument(compute_cmd, optional=True)
    compute_cmd.add_argument("--json", action="store_true", help="print the SPEC §6 JSON document")
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

    build_cmd = commands.add_parser("build-workbook", help="build the shipped workbook from the project's sources")
    build_cmd.add_argument("out", nargs="?", type=Path, default=SHIPPED_BOOK, help="where to write it (default: workbook/AnjiIndex.xlsm)")
    build_cmd.add_argument("--standalone", action="store_true",
                           help="独立版：放入本机 xlwings 的 VBA，无需加载项 · put the installed xlwings' VBA inside: no add-in needed")
    build_cmd.set_defaults(run=_run_build)
    return parser


def _run_build(args: argparse.Namespace) -> int:
    from .book.build import build_workbook  # only this command needs the writers

    if args.out.suffix.lower() != ".xlsm":
        raise AnjiInputError([Problem(str(args.out), "the book holds macros: give it the .xlsm extension")])
    if args.standalone and args.out.resolve() == SHIPPED_BOOK.resolve():
        raise AnjiInputError([Problem(str(args.out), "a standalone book holds this machine's xlwings VBA: give it another path, not the shipped book")])
    print(f"wrote {build_workbook(args.out, standalone=args.standalone)}")
    return 0


def _computed(book: Path):
    model, panel = read_book(book)
    return model, compute(model, panel)


def _run_compute(args: argparse.Namespace) -> int:
    model, result = _computed(args.book)
    rows = select_rows(result, args.unit, args.period)
    if not len(rows):
        raise AnjiInputError([Problem("", f"no Data row for unit {args.unit or '*'} and period {args.period or '*'}")])
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
    _, result = _computed(args.book)
    if result.problems:
        raise AnjiInputError(result.problems)
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


def _run_sensitivity(args: argparse.Namespace) -> int:
    if args.draws is not None and args.draws < 1:
        raise AnjiInputError([Problem("--draws", "must be at least 1")])
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


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except AnjiInputError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 — the promise is one line, never a traceback
        print(f"anji-xl: unexpected failure: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
