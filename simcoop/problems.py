"""Problems found in an input file, and the error that carries them.

Shared by every reader of user input (the scenario, its attached CSV tables, variants,
network and candidates files, records): each problem names the file, the line and the
key or column, and says what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["InputError", "Problem", "ScenarioError"]


@dataclass(frozen=True)
class Problem:
    """One problem found in a scenario: where it is and what is allowed."""

    source: str
    line: int | None
    key_path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        key = f" {self.key_path}:" if self.key_path else ""
        return f"{where}:{key} {self.message}"


class InputError(ValueError):
    """Input that cannot be used; ``problems`` lists every problem found (file, line, key, message).

    The one error type of every reader; subclasses only name what was read in the first line
    of the message ("3 problems in scenario:", "... in the records:").
    """

    what = "the input"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        head = f"{count} problem{'s' if count != 1 else ''} in {self.what}"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in problems))

    def __reduce__(self) -> tuple[type, tuple[list[Problem]]]:
        # Rebuilt from its problems when it comes back from a worker process (pickle would pass the message).
        return (type(self), (self.problems,))


class ScenarioError(InputError):
    """A scenario (or a file beside it: an attached table, variants, a study file) that cannot be used."""

    what = "scenario"
