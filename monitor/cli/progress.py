"""Progress bars for the long commands (replay, eval): drawn on standard error, and only on a terminal, so that
what goes to a file or a pipe is exactly what it was without them."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

Progress = Callable[[int, int], None]


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def wanted(*, records_to_stdout: bool) -> bool:
    """A bar when standard error is a terminal, unless records stream to the same terminal on standard output
    (the bar and the records would overwrite each other there)."""
    if not is_terminal(sys.stderr):
        return False
    return not (records_to_stdout and is_terminal(sys.stdout))


@contextmanager
def bar(description: str, show: bool) -> Iterator[Progress | None]:
    """A progress bar told (done, total) by the command; None when none is shown. It disappears when done."""
    if not show:
        yield None
        return
    # Imported only when a bar is drawn, so that the other commands start as fast as before.
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    from rich.progress import Progress as RichProgress

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    with RichProgress(*columns, console=Console(file=sys.stderr), transient=True) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update
