"""Where the compiled month's instructions go, line by line of ``simcoop/model/processes.py`` (callgrind).

::

    python benchmarks/profile_lines.py                  # the 60 costliest lines, 10 replications
    python benchmarks/profile_lines.py --top 150 -n 5
    python benchmarks/profile_lines.py --keep /tmp/lines.out   # keep callgrind's file (callgrind_annotate it)

Needs valgrind (``callgrind`` and ``callgrind_annotate`` on the PATH) and a C compiler. It compiles the
engine's month again with debug information (``SIMCOOP_DEBUG_BUILD=1 python setup.py build_ext --inplace
--force``: the same code, ``-g`` instead of ``-g0``; the build stays, as fast as the other), runs
``count_instructions.py`` under callgrind with a count per source line, and gives each line of the C that
Cython generated (``build/cython/simcoop/model/processes.c``) to the line of ``processes.py`` named by
Cython's last ``/* "simcoop/model/processes.py":N`` mark above it. Each line's figure is inclusive: the
instructions of the line and of everything it calls (a kernel, numpy, a Python function), so the lines of a
function add up to more than the function. The ``def`` line of a function (the last line of its
signature) carries its argument parsing and, inclusively, its whole body; Cython's own helpers, after the
last function, are left out (inclusive, they hold nearly everything).

What it is for: finding the few lines of the month's glue worth a change (it found session 27's keyword
arguments, a dictionary built at each call of ``zip(..., strict=True)`` from compiled code). What it is
not: a measure of a change. The count of a loop's lines can land on a neighbouring line (in session 27 two
loops of eight numpy writes looked like 1.6 % of a replication; replacing them saved nothing): measure each
change with ``count_instructions.py`` (twice: about 2 M instructions of noise in 745 M) and its outputs
with ``output_hashes.py --check``.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "simcoop" / "model" / "processes.py"
GENERATED = ROOT / "build" / "cython" / "simcoop" / "model" / "processes.c"
#: Cython's mark of the source line the C below it comes from.
MARK = re.compile(r'/\* "simcoop/model/processes\.py":(\d+)')
#: Where Cython starts a section of the C (its helpers, the module's set-up, ...).
SECTION = "/* #### Code section:"


def line_of_c(generated: Path) -> dict[int, int]:
    """Each line of the generated C -> the line of processes.py named by the last mark above it in its code
    section (0: none, as in Cython's own helpers, which come after the last function)."""
    lines, current = {}, 0
    with generated.open(encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, 1):
            if text.startswith(SECTION):
                current = 0
            found = MARK.search(text)
            if found:
                current = int(found.group(1))
            lines[number] = current
    return lines


def costs_by_source_line(annotated: str, lines: dict[int, int]) -> collections.Counter[int]:
    """Parse ``callgrind_annotate``'s listing of the generated C: each counted line and each call under it
    (``=>``, inclusive) added to its source line. The listing may show the file twice (annotated by
    request and automatically, one of them empty): the first section with counts is read."""
    costs: collections.Counter[int] = collections.Counter()
    inside = False
    c_line: int | None = None
    for text in annotated.splitlines():
        if text.startswith(("-- User-annotated source", "-- Auto-annotated source")):
            if costs:  # the file read already
                break
            inside = text.rstrip().endswith("processes.c")
            c_line = None
            continue
        if not inside:
            continue
        block = re.match(r"-- line (\d+) -", text)
        if block:
            c_line = int(block.group(1))
            continue
        counted = re.match(r"\s*([\d,]+)\s+(=>)?", text)
        if counted and c_line is not None:
            costs[lines.get(c_line, 0)] += int(counted.group(1).replace(",", ""))
            if not counted.group(2):  # a call's line (=>) belongs to the line above it
                c_line += 1
    return costs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--replications", type=int, default=10, help="replications counted (default 10)")
    parser.add_argument("--top", type=int, default=60, help="lines shown, the costliest first (default 60)")
    parser.add_argument("--keep", type=Path, help="where to keep callgrind's output file (default: a temporary file)")
    args = parser.parse_args(argv)
    for tool in ("valgrind", "callgrind_annotate"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} is not on the PATH (Debian: apt install valgrind)")
    print("compiling book.py and processes.py with debug information (about 30 s) ...", flush=True)
    subprocess.run(
        [sys.executable, "setup.py", "-q", "build_ext", "--inplace", "--force"],
        cwd=ROOT, env={**os.environ, "SIMCOOP_DEBUG_BUILD": "1"}, check=True, capture_output=True,
    )  # fmt: skip
    if not GENERATED.is_file():
        parser.error(f"{GENERATED} was not written: is Cython installed (it is a build requirement)?")
    with tempfile.TemporaryDirectory() as folder:
        output = args.keep if args.keep is not None else Path(folder) / "callgrind.out"
        print(f"counting {args.replications} replications under callgrind (a few minutes) ...", flush=True)
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--dump-line=yes", "--instr-atstart=no", f"--callgrind-out-file={output}",
             sys.executable, str(ROOT / "benchmarks" / "count_instructions.py"), "-n", str(args.replications)],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        annotated = subprocess.run(
            ["callgrind_annotate", "--auto=yes", "--show-percs=no", "--context=0", "--inclusive=yes", str(output), str(GENERATED)],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    total = re.search(r"([\d,]+)\s+PROGRAM TOTALS", annotated)
    costs = costs_by_source_line(annotated, line_of_c(GENERATED))
    source = SOURCE.read_text(encoding="utf-8").splitlines()
    if total:
        print(f"{int(total.group(1).replace(',', '')):,} instructions in all ({args.replications} replications)")
    print("instructions, inclusive   line  processes.py")
    costs.pop(0, None)  # Cython's helpers (calls, conversions, the month's generator): inclusive, they hold everything
    for number, count in costs.most_common(args.top):
        text = source[number - 1].strip() if number <= len(source) else ""
        print(f"{count:>24,}  {number:>5}  {text[:100]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
