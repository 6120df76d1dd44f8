"""Progress of long work: a bar on a terminal or in Jupyter, plain lines in a log.

``progress_bar(total, desc)`` returns an object with ``update(n)``,
``set_description(text)``, ``total`` and ``close()``:

- on a terminal, or in a Jupyter kernel, a ``tqdm.auto`` bar (a widget in Jupyter, not a
  red stderr bar);
- otherwise (output redirected to a log file, a CI job, ``nohup``) a plain line on stderr
  at every 10 % of the work and at least every 30 seconds while it moves, with the
  elapsed time and an estimate of what is left, so that a long run never looks hung.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Any, Protocol

__all__ = ["PlainProgress", "ProgressBar", "bar_total_follows", "progress_bar"]


class ProgressBar(Protocol):
    """What the simulation loops call: the interface tqdm and PlainProgress share."""

    total: int | float | None

    def update(self, n: int = 1) -> Any:
        """Count ``n`` more units of work done."""

    def set_description(self, desc: str) -> Any:
        """Say what is being worked on now."""

    def refresh(self) -> Any:
        """Show a change of ``total``."""

    def close(self) -> Any:
        """End the display."""


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class PlainProgress:
    """Plain progress lines for a log: every ``step_fraction`` of the total and every ``every_seconds``.

    ``clock`` is injectable so that tests can check the schedule without waiting.
    """

    def __init__(
        self,
        total: float | None,
        desc: str,
        unit: str = "rep",
        stream: IO[str] | None = None,
        step_fraction: float = 0.10,
        every_seconds: float = 30.0,
        clock: Any = time.monotonic,
    ) -> None:
        self.total = total
        self.desc = desc
        self.unit = unit
        self.n = 0
        self._stream = stream
        self._step = step_fraction
        self._every = every_seconds
        self._clock = clock
        self._started = clock()
        self._last_time = self._started
        self._last_step = 0
        self._closed = False

    def _write(self, text: str) -> None:
        stream = self._stream if self._stream is not None else sys.stderr
        print(text, file=stream, flush=True)

    def _line(self) -> str:
        elapsed = self._clock() - self._started
        total = self.total
        if total:
            share = min(self.n / total, 1.0)
            left = f", about {_duration(elapsed * (1 - share) / share)} left" if 0 < share < 1 else ""
            return f"simcoop: {self.desc}: {self.n}/{total:g} {self.unit} ({share:.0%}), {_duration(elapsed)} elapsed{left}"
        return f"simcoop: {self.desc}: {self.n} {self.unit}, {_duration(elapsed)} elapsed"

    def update(self, n: int = 1) -> None:
        """Count ``n`` more units; print a line when a 10 % step is crossed or 30 s have passed."""
        self.n += n
        now = self._clock()
        step = int(self.n / self.total / self._step) if self.total else 0
        if (step > self._last_step and self.n < (self.total or 0)) or now - self._last_time >= self._every:
            self._last_step = max(step, self._last_step)
            self._last_time = now
            self._write(self._line())

    def set_description(self, desc: str) -> None:
        """Name the work in the next lines."""
        self.desc = desc

    def refresh(self) -> None:
        """Nothing to redraw: the next line shows the new total."""

    def close(self) -> None:
        """Print the final line once (the work done and how long it took)."""
        if self._closed:
            return
        self._closed = True
        if self.n:
            self._write(self._line())


def _in_jupyter() -> bool:
    """True inside an IPython kernel (Jupyter, VS Code notebooks), where tqdm.auto draws a widget."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - any IPython oddity: not a notebook
        return False
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


def progress_bar(total: float | None, desc: str, unit: str = "rep", enabled: bool = True) -> ProgressBar | None:
    """A progress display for ``total`` units of work, or None when ``enabled`` is false.

    A ``tqdm.auto`` bar on a terminal or in Jupyter; plain periodic lines on stderr otherwise.
    """
    if not enabled:
        return None
    if _in_jupyter() or sys.stderr.isatty():
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, unit=unit, leave=False)
    return PlainProgress(total, desc, unit)


def bar_total_follows(bar: ProgressBar) -> Callable[[int], None]:
    """A callback that sets ``bar``'s total to each new total it is told (work whose size grows as it goes)."""

    def follow(total: int) -> None:
        bar.total = total
        bar.refresh()

    return follow
