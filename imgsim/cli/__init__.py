"""The ``imgsim`` command line: thin Typer commands over the engine.

Commands parse options, call the library, print rows and exit with the status
of DESIGN.md: 0 done, 1 a gate failed, 2 usage error, 3 some inputs unreadable.
Heavy modules (numpy, OpenCV, SciPy) are imported inside the commands that need
them, so ``imgsim --help`` stays fast. Each command lives in a module of its own;
importing them registers them on :data:`app`, in the order of ``imgsim --help``.
"""

from __future__ import annotations

from imgsim.cli import cache, compare, extract, listing, quality, rank, sets
from imgsim.cli.common import app

__all__ = ["app", "cache", "compare", "extract", "listing", "main", "quality", "rank", "sets"]


def main() -> None:
    """Console-script entry point."""
    from imgsim.cli import guard
    from imgsim.memory import keep_freed_memory

    keep_freed_memory()
    guard.run_as_program()
    app(prog_name="imgsim")
