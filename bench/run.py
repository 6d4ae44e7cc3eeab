"""Run the benchmarks and print one table: imgsim against its reference, ratio, target.

    python bench/run.py               # every bench/bench_*.py
    python bench/run.py extract       # only bench_extract.py (names may be repeated)

Each ``bench_NAME.py`` exposes ``run() -> list[harness.Result]``; adding a benchmark
is adding such a file. A missed target is reported as FAIL and does not change the
exit status; the status is 1 only when a benchmark could not run (ERROR), and 2
for an unknown benchmark name.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import Result, format_seconds

BENCH_DIR = Path(__file__).resolve().parent
COLUMNS = ("benchmark", "imgsim", "reference", "ratio", "target", "verdict")


@dataclass(frozen=True)
class Outcome:
    """What one benchmark module gave: its results, or the error that stopped it."""

    module: str
    seconds: float
    results: tuple[Result, ...] = ()
    error: str | None = None


def available() -> dict[str, Path]:
    """``{short name: file}`` of every benchmark module, in name order."""
    files = sorted(BENCH_DIR.glob("bench_*.py"))
    return {path.stem.removeprefix("bench_"): path for path in files}


def run_module(name: str) -> Outcome:
    """Import ``bench_NAME`` and call its ``run()``; any exception becomes an ERROR outcome."""
    module_name = f"bench_{name}"
    print(f"running {module_name} …", file=sys.stderr, flush=True)
    start = time.perf_counter()
    try:
        module = importlib.import_module(module_name)
        run: Callable[[], list[Result]] = module.run
        results = tuple(run())
        bad = [r for r in results if not isinstance(r, Result)]
        if bad:
            raise TypeError(f"{module_name}.run() must return Result objects, got {bad[0]!r}")
    except Exception as error:  # reported as ERROR; the other benchmarks go on
        traceback.print_exc(file=sys.stderr)
        message = f"{type(error).__name__}: {error}"
        return Outcome(module_name, time.perf_counter() - start, error=message)
    return Outcome(module_name, time.perf_counter() - start, results=results)


def table_rows(outcomes: Sequence[Outcome]) -> list[tuple[str, ...]]:
    """One row of :data:`COLUMNS` per result, and one per benchmark that failed to run."""
    rows: list[tuple[str, ...]] = []
    for outcome in outcomes:
        if outcome.error is not None:
            rows.append((outcome.module, "", "", "", "", "ERROR"))
        for result in outcome.results:
            per = f"/{result.per}" if result.per and result.per != "run" else ""
            rows.append(
                (
                    result.name,
                    _time(result.imgsim_seconds, per),
                    _time(result.reference_seconds, per),
                    "" if result.ratio is None else f"{result.ratio:.2f}x",
                    result.target,
                    "PASS" if result.passed else "FAIL",
                )
            )
    return rows


def _time(seconds: float | None, per: str) -> str:
    return "" if seconds is None else format_seconds(seconds) + per


def render(outcomes: Sequence[Outcome]) -> str:
    """The results table, then what each row measured."""
    rows = [COLUMNS, *table_rows(outcomes)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    numeric = {1, 2, 3}

    def line(row: Sequence[str]) -> str:
        cells = (
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    out = [line(COLUMNS), rule, *(line(row) for row in rows[1:]), rule]
    out.append("ratio = reference time / imgsim time (above 1: imgsim is faster)")
    for outcome in outcomes:
        out.append("")
        out.append(f"{outcome.module} ({outcome.seconds:.1f} s)")
        if outcome.error is not None:
            out.append(f"  ERROR {outcome.error}")
        for result in outcome.results:
            out.append(f"  {result.name}")
            out.extend(f"    {detail}" for detail in result.details)
    return "\n".join(out)


def machine_summary() -> str:
    """The context a reader needs to compare timings between machines and runs."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    return (
        f"Python {platform.python_version()} on {platform.machine()}, {cores} cores{load} "
        f"at start; {sys.executable}"
    )


def compile_imgsim() -> None:
    """Write imgsim's bytecode, as an installed package has it.

    An editable install under ``PYTHONDONTWRITEBYTECODE`` (set on some machines)
    never caches it, and every run would then compile the sources again: some 30 ms
    of start-up that a user of the installed package does not pay.
    """
    import compileall

    import imgsim

    compileall.compile_dir(Path(imgsim.__file__).parent, quiet=1)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default), print the table, return the exit status."""
    modules = available()
    parser = argparse.ArgumentParser(description="Run the imgsim benchmarks.")
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(modules)}"
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in modules]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; valid: {', '.join(modules)}")
    chosen = args.names or list(modules)
    compile_imgsim()
    machine = machine_summary()
    outcomes = [run_module(name) for name in dict.fromkeys(chosen)]
    print(machine)
    print(render(outcomes))
    return 1 if any(outcome.error is not None for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
