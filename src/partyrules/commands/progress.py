"""Progress on stderr for the slow steps of a command, shown only on a terminal.

One helper for every command, so that each step that can take seconds (reading a population, scoring it, the
assessment year, a diff, a what-if, property checks) says what it is doing and for how long, while a pipe or a CI
log stays clean. ``--progress`` forces it on (e.g. for a log that wants it), ``--no-progress`` off; without either,
it is on when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


def add_progress_flag(parser: argparse.ArgumentParser) -> None:
    """``--progress`` / ``--no-progress``: the default (None) follows whether stderr is a terminal."""
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show progress of the slow steps on stderr (default: only when stderr is a terminal)")


def progress_wanted(args: argparse.Namespace) -> bool:
    chosen = getattr(args, "progress", None)
    if chosen is not None:
        return bool(chosen)
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stderr: no terminal
        return False


class Progress:
    """Steps of one command: each a spinner (or a bar when the total is known) with a count and elapsed time.

    Disabled, every method does nothing (and imports nothing), so a piped run pays no cost."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            # rich measures the terminal and redraws one line per step in place
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import (
                Progress as RichProgress,
            )

            self._bar = RichProgress(SpinnerColumn(), TextColumn("partyrules: {task.description}"),
                                     BarColumn(bar_width=20), MofNCompleteColumn(), TimeElapsedColumn(),
                                     console=Console(stderr=True), transient=False)
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    @contextmanager
    def step(self, description: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
        """A step under way; the callable it yields advances the count by its argument."""
        if self._bar is None:
            yield _nothing
            return
        task = self._bar.add_task(description, total=total)
        try:
            bar = self._bar

            def advance(k: int = 1) -> None:
                bar.advance(task, k)

            yield advance
        finally:
            if total is None:  # a step of unknown length: mark it complete so its spinner stops
                done = int(self._bar.tasks[task].completed)
                self._bar.update(task, total=max(done, 1), completed=max(done, 1))
            else:
                self._bar.update(task, completed=total)

    def track(self, items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
        """The items, counted as they are consumed."""
        with self.step(description, total) as advance:
            for item in items:
                yield item
                advance(1)


def _nothing(k: int = 1) -> None:
    return None


def progress_for(args: argparse.Namespace) -> Progress:
    return Progress(progress_wanted(args))
