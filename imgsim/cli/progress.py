"""The progress bar of long runs: rich, on stderr, only when it is a terminal."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from imgsim.engine import ProgressCallback

_PROGRESS_MIN_ITEMS = 50
"""Shorter jobs finish before a progress bar would tell anything."""


@contextlib.contextmanager
def progress_bar(total: int, quiet: bool) -> Iterator[ProgressCallback | None]:
    """A rich progress bar on stderr (count, rate, ETA, store hits) when it is a terminal."""
    if quiet or total < _PROGRESS_MIN_ITEMS or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[stored]} from the store"),
    )
    # Rows go to stdout whatever stderr is: the bar must not capture stdout.
    progress = Progress(
        *columns,
        console=Console(stderr=True),
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
    )
    with progress as bar:
        task = bar.add_task("images", total=total, stored=0, rate="")
        stored_so_far = 0

        def advance(done: int, stored: int) -> None:
            nonlocal stored_so_far
            stored_so_far += stored
            speed = bar.tasks[0].speed
            rate = f"{speed:,.0f} images/s" if speed else ""
            bar.update(task, advance=done, stored=stored_so_far, rate=rate)

        yield advance
