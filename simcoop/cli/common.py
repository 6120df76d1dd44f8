"""What every command shares: exit codes, option types, how problems and refusals are printed."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILURE",
    "EXIT_OK",
    "duration",
    "fraction",
    "non_negative_int",
    "output_refused",
    "positive_int",
    "print_problems",
    "replications_or_auto",
    "safe_folder_name",
]

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def positive_int(text: str) -> int:
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def replications_or_auto(text: str) -> int | str:
    """``simcoop run -n``: a number of replications >= 1, or ``auto`` (until --precision is reached)."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or 'auto', got {text!r}") from None
    return positive_int(text)


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1 (e.g. 0.05), got {text}")
    return value


def print_problems(header: str, exc: Any) -> int:
    """Print ``header`` and every problem of a ScenarioError (file, line, key, message); the bad-input code."""
    print(header, file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)
    return EXIT_BAD_INPUT


def safe_folder_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned or "scenario"


def output_refused(out: Path, exc: OSError) -> int:
    """Say why the output folder cannot be written (a different run there, or the system)."""
    from simcoop.results import OutputExistsError

    message = str(exc) if isinstance(exc, OutputExistsError) else f"cannot write {out}: {exc}"
    print(f"simcoop: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
