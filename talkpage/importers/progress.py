"""A progress bar on stderr for long imports and exports.

On a terminal it redraws one line at most five times a second; into a log
(no terminal) it writes a plain line at most every ten seconds, so a cron
job's mail is not thousands of lines long.
"""

import time
from collections.abc import Callable

WIDTH = 24


class ProgressBar:
    """A ``progress(stage, done, total, unit)`` callback that draws itself
    with ``write`` (which must not add line endings of its own)."""

    def __init__(
        self,
        write: Callable[[str], None],
        *,
        terminal: bool,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.write = write
        self.clock = clock
        self.terminal = terminal
        self.interval = 0.2 if self.terminal else 10.0
        self.stage = ""
        self.shown_at = float("-inf")
        self.drawn = False
        self.last = (-1, -1)

    def __call__(self, stage: str, done: int, total: int, unit: str) -> None:
        now = self.clock()
        complete = total > 0 and done >= total
        if stage == self.stage and not complete and now - self.shown_at < self.interval:
            return
        if stage == self.stage and complete and self.last == (done, total):
            return
        self.stage, self.shown_at, self.last = stage, now, (done, total)
        line = _line(stage, done, total, unit)
        if not self.terminal:
            self.write(line + "\n")
        elif complete:
            self.write(f"\r{line}\x1b[K\n")
            self.drawn = False
        else:
            self.write(f"\r{line}\x1b[K")
            self.drawn = True

    def finish(self) -> None:
        """End the line being redrawn, if any, before other output."""
        if self.drawn:
            self.write("\n")
            self.drawn = False


def _line(stage: str, done: int, total: int, unit: str) -> str:
    share = min(1.0, done / total) if total > 0 else 1.0
    filled = round(WIDTH * share)
    bar = "#" * filled + "-" * (WIDTH - filled)
    return f"{stage:<9} [{bar}] {share:4.0%}  {_amount(done, total, unit)}"


def _amount(done: int, total: int, unit: str) -> str:
    if unit == "bytes":
        return f"{done / 1e6:.1f} of {total / 1e6:.1f} MB"
    return f"{done:,} of {total:,} {unit}"
