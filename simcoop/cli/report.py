"""``simcoop report``: the feasibility report (HTML and PDF) of a run folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from simcoop.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_OK,
)

__all__ = ["add_parser", "add_reader_options", "cmd_report", "report_files"]


def add_reader_options(parser: Any) -> None:
    """``--reader`` and ``--note``, shared by ``simcoop report`` and ``simcoop run``."""
    parser.add_argument(
        "--reader",
        metavar="FUNDER",
        help=(
            "the funder reading the report, as the scenario's public_funding names it (e.g. 'Région'; case is ignored): "
            "page one and the note state the amount asked of it and its share of the budget"
        ),
    )
    parser.add_argument(
        "--note",
        action="store_true",
        help="also write the 2-4 page note de synthèse (note.html, note.pdf) beside the report",
    )


def add_parser(sub: Any) -> None:
    """Add the ``report`` command to the subparsers ``sub``."""
    # --- report (simcoop.report) ---
    report = sub.add_parser(
        "report",
        help="write the French report (report.html, report.pdf) of a run folder",
        description=(
            "Write report.html (one self-contained file) and report.pdf (A4) into RUN_DIR, a folder written by "
            "`simcoop run`, and with --note the note de synthèse (note.html, note.pdf). The report reads the run folder "
            "only; sensitivity.csv, funders.csv and solve.json are used when present."
        ),
    )
    report.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="run folder written by `simcoop run`")
    add_reader_options(report)
    # end report ---
    report.set_defaults(handler=cmd_report)


def report_files(note: bool) -> str:
    """The files a report writes, as the line said before writing them names them."""
    return "report.html and report.pdf" + (", note.html and note.pdf" if note else "")


def cmd_report(args: argparse.Namespace) -> int:
    """Write report.html and report.pdf into a run folder; print their paths."""
    from simcoop.report import NotARunFolder, ReaderError, is_run_folder, write_report

    if not is_run_folder(args.run_dir):
        print(
            f"simcoop: {args.run_dir} is not a simcoop run folder (it needs manifest.json, monthly.parquet, "
            "yearly.parquet and kpis.csv, as written by `simcoop run`)",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    from simcoop.allocator import system_allocator_for_arrow
    from simcoop.outdir import OutputExistsError

    system_allocator_for_arrow()  # each part of the run's tables read gives its memory back (as `simcoop run` does)
    if not getattr(args, "quiet", False):  # the pages take several seconds to lay out: say what is going on
        print(f"simcoop: writing the report of {args.run_dir} ({report_files(args.note)})", file=sys.stderr)

    def note(text: str) -> None:  # in French, as in the report
        print(f"simcoop: rapport : {text}", file=sys.stderr)

    try:
        paths = write_report(args.run_dir, on_note=note, reader=args.reader, note=args.note)
    except ReaderError as exc:
        print(f"simcoop: --reader: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except NotARunFolder as exc:
        print(f"simcoop: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OutputExistsError as exc:  # another writer holds the folder, or a user's report.html is there
        print(f"simcoop: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"simcoop: cannot write the report into {args.run_dir}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        # The folder passed the checks of load_run but its files do not fit together (a column
        # removed, a value of the wrong kind): one line, not a traceback.
        print(
            f"simcoop: the files of {args.run_dir} do not fit together ({type(exc).__name__}: {str(exc)[:200]}); "
            "the run folder was edited or damaged; run `simcoop run` again to rewrite it",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    if not getattr(args, "quiet", False):
        for path in paths:
            print(path)
    return EXIT_OK
