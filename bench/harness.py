"""What every benchmark shares: the result type, targets, timing, and running the CLI.

A benchmark module is a file ``bench/bench_NAME.py`` with a function
``run() -> list[Result]``. Each :class:`Result` compares imgsim with a reference
implementation timed in the same run, and says whether imgsim met its target.
Time the CLI with :func:`run_imgsim` and references with :func:`time_reference`;
build results with :func:`speedup`, :func:`overhead`, :func:`at_most` or
:func:`check`; ``run.py`` prints them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar


class BenchmarkError(RuntimeError):
    """A benchmark could not measure what it meant to (not a missed target)."""


@dataclass(frozen=True)
class Result:
    """One comparison of imgsim against a reference, and its verdict."""

    name: str
    imgsim_seconds: float | None
    """What imgsim took (``None`` for a check that is not a timing)."""
    reference_seconds: float | None
    per: str
    """What a time is per: ``"image"``, ``"run"``…"""
    target: str
    """The target and, when it is not the ratio itself, the measured value."""
    passed: bool
    details: tuple[str, ...] = ()
    """What exactly was timed, and anything a reader of the table should know."""

    @property
    def ratio(self) -> float | None:
        """Reference time / imgsim time: above 1 when imgsim is faster."""
        if self.imgsim_seconds is None or self.reference_seconds is None:
            return None
        return self.reference_seconds / self.imgsim_seconds


def speedup(
    name: str,
    *,
    imgsim_seconds: float,
    reference_seconds: float,
    at_least: float,
    strictly: bool = False,
    per: str = "run",
    details: Sequence[str] = (),
) -> Result:
    """Target: reference time / imgsim time ≥ ``at_least`` (``>`` when ``strictly``)."""
    ratio = reference_seconds / imgsim_seconds
    passed = ratio > at_least if strictly else ratio >= at_least
    return Result(
        name=name,
        imgsim_seconds=imgsim_seconds,
        reference_seconds=reference_seconds,
        per=per,
        target=f"ratio {'>' if strictly else '≥'} {at_least:.2f}",
        passed=passed,
        details=tuple(details),
    )


def overhead(
    name: str,
    *,
    imgsim_seconds: float,
    reference_seconds: float,
    below: float,
    per: str = "run",
    details: Sequence[str] = (),
) -> Result:
    """Target: imgsim time − reference time < ``below`` seconds."""
    difference = imgsim_seconds - reference_seconds
    return Result(
        name=name,
        imgsim_seconds=imgsim_seconds,
        reference_seconds=reference_seconds,
        per=per,
        target=f"Δ {difference:+.3f} s < {below:.3f} s",
        passed=difference < below,
        details=tuple(details),
    )


def at_most(
    name: str,
    *,
    measured: float,
    limit: float,
    unit: str,
    strictly: bool = False,
    imgsim_seconds: float | None = None,
    per: str = "run",
    details: Sequence[str] = (),
) -> Result:
    """Target: a measured quantity that is not a time ratio (memory, file size…) ≤ ``limit``.

    ``<`` when ``strictly``. The target cell shows the limit and the measured value in
    ``unit``; ``imgsim_seconds``, if given, is how long the measured run took (shown
    in the imgsim column, with no reference and no ratio).
    """
    passed = measured < limit if strictly else measured <= limit
    return Result(
        name=name,
        imgsim_seconds=imgsim_seconds,
        reference_seconds=None,
        per=per if imgsim_seconds is not None else "",
        target=f"{'<' if strictly else '≤'} {limit:g} {unit} (measured {measured:.0f} {unit})",
        passed=passed,
        details=tuple(details),
    )


def check(name: str, *, target: str, passed: bool, details: Sequence[str] = ()) -> Result:
    """A yes/no property measured alongside the timings (no ratio)."""
    return Result(
        name=name,
        imgsim_seconds=None,
        reference_seconds=None,
        per="",
        target=target,
        passed=passed,
        details=tuple(details),
    )


# --------------------------------------------------------------------------- timing

_T = TypeVar("_T")
MAX_RUNS = 200
"""Most runs :func:`fastest_call` makes to fill its ``span``."""


def fastest_call(action: Callable[[], _T], repeat: int, *, span: float = 0.0) -> tuple[float, _T]:
    """The shortest of at least ``repeat`` timed calls of ``action`` (more, up to
    :data:`MAX_RUNS`, until ``span`` seconds have been spent: calls of a millisecond then
    get enough runs for their minimum to settle), and the last call's value."""
    best, spent, runs = float("inf"), 0.0, 0
    while True:
        start = time.perf_counter()
        value = action()
        taken = time.perf_counter() - start
        best, spent, runs = min(best, taken), spent + taken, runs + 1
        if runs >= repeat and (spent >= span or runs >= MAX_RUNS):
            return best, value


def fastest(action: Callable[[], object], repeat: int, *, span: float = 0.0) -> float:
    """The seconds of :func:`fastest_call`."""
    return fastest_call(action, repeat, span=span)[0]


# --------------------------------------------------------------------------- display


def format_seconds(seconds: float) -> str:
    """``12.3 ms`` below a second, ``1.234 s`` above."""
    return f"{seconds * 1e3:.2f} ms" if seconds < 1.0 else f"{seconds:.3f} s"


# --------------------------------------------------------------------------- processes


@dataclass(frozen=True)
class Completed:
    """A finished subprocess and its wall time."""

    seconds: float
    stdout: str
    stderr: str


@cache
def imgsim_executable() -> Path:
    """The ``imgsim`` console script installed next to this Python."""
    script = Path(sys.executable).parent / "imgsim"
    if not os.access(script, os.X_OK):
        raise BenchmarkError(
            f"no imgsim console script at {script}; install the package into this "
            "environment (pip install -e .)"
        )
    return script


def run_timed(command: Sequence[str | Path], *, expect_status: int = 0) -> Completed:
    """Run ``command`` once, timing it; a different exit status is a :class:`BenchmarkError`."""
    arguments = [str(part) for part in command]
    start = time.perf_counter()
    process = subprocess.run(arguments, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if process.returncode != expect_status:
        raise BenchmarkError(
            f"{' '.join(arguments)} exited with {process.returncode} "
            f"(expected {expect_status}): {process.stderr.strip()[-2000:]}"
        )
    return Completed(seconds=seconds, stdout=process.stdout, stderr=process.stderr)


def run_imgsim(arguments: Sequence[str | Path], *, expect_status: int = 0) -> Completed:
    """Run the installed ``imgsim`` console script once, timing it."""
    return run_timed([imgsim_executable(), *arguments], expect_status=expect_status)


@cache
def imgsim_supports(command: str, option: str) -> bool:
    """Whether ``imgsim COMMAND --help`` lists ``option`` (options may land after this suite)."""
    return option in run_imgsim([command, "--help"]).stdout


@dataclass(frozen=True)
class ReferenceTiming:
    """The best pass of a reference loop (see ``references.py``) and its values."""

    seconds: float
    values: dict[str, str]


def time_reference(loop: str, files: Sequence[Path], repeat: int) -> ReferenceTiming:
    """Best of ``repeat`` in-process passes of ``references.LOOPS[loop]``, in a fresh process."""
    script = Path(__file__).resolve().parent / "references.py"
    arguments = [sys.executable, str(script), loop, str(repeat)]
    listing = "".join(f"{path}\n" for path in files)
    process = subprocess.run(arguments, input=listing, capture_output=True, text=True, check=False)
    if process.returncode != 0:
        raise BenchmarkError(f"reference loop {loop} failed: {process.stderr.strip()[-2000:]}")
    report = json.loads(process.stdout)
    return ReferenceTiming(seconds=float(report["seconds"]), values=dict(report["values"]))


def warm_page_cache(paths: Sequence[Path]) -> None:
    """Read every file once, so no timing pays for the first read from disk."""
    for path in paths:
        path.read_bytes()
