"""Start-up of the command line: ``imgsim --help`` against importing Typer alone.

Shell one-liners and CI jobs pay the start-up on every call, so ``imgsim --help``
must cost little more than the Typer it is built on (target: under 0.15 s more),
and must not import the heavy numeric modules, which the commands import when
they need them.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from harness import Result, check, imgsim_executable, overhead, run_timed

REPEAT = 10
OVERHEAD_TARGET_S = 0.15
FORBIDDEN = ("numpy", "cv2", "scipy")
"""Modules ``imgsim --help`` must not import."""
REPORTED = (*FORBIDDEN, "PIL")
SLOWEST_SHOWN = 5


def run() -> list[Result]:
    """Help wall time against ``import typer``, and the heavy modules imported by ``--help``."""
    return [help_overhead(), help_imports()]


def help_overhead() -> Result:
    """Best-of wall time of ``imgsim --help`` and ``python -c 'import typer'``, interleaved."""
    imgsim_best = reference_best = float("inf")
    for _ in range(REPEAT):
        imgsim_best = min(imgsim_best, run_timed([imgsim_executable(), "--help"]).seconds)
        reference_best = min(
            reference_best, run_timed([sys.executable, "-c", "import typer"]).seconds
        )
    return overhead(
        "imgsim --help start-up",
        imgsim_seconds=imgsim_best,
        reference_seconds=reference_best,
        below=OVERHEAD_TARGET_S,
        details=(
            f"imgsim: `imgsim --help` (console script), best of {REPEAT}",
            f"reference: `python -c 'import typer'`, best of {REPEAT}",
            *_bytecode_note(),
        ),
    )


def _bytecode_note() -> list[str]:
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return []
    return [
        "note: PYTHONDONTWRITEBYTECODE is set, so modules without a cached .pyc (an editable "
        "install's own) are compiled at every start; installed wheels are not affected"
    ]


def help_imports() -> Result:
    """Which heavy modules ``python -X importtime -m imgsim --help`` imports."""
    completed = run_timed([sys.executable, "-X", "importtime", "-m", "imgsim", "--help"])
    imports = _parse_importtime(completed.stderr)
    packages = {entry.name.partition(".")[0] for entry in imports}
    forbidden = [name for name in FORBIDDEN if name in packages]
    roots = sorted((e for e in imports if e.depth == 0), key=lambda e: e.microseconds)
    slowest = roots[::-1][:SLOWEST_SHOWN]
    return check(
        "imgsim --help imports",
        target=f"no {'/'.join(FORBIDDEN)} (imported: {', '.join(forbidden) or 'none'})",
        passed=not forbidden,
        details=(
            "imported by `imgsim --help`: "
            + ", ".join(f"{name} {'yes' if name in packages else 'no'}" for name in REPORTED),
            "slowest imports at the top of the tree (cumulative, `python -X importtime "
            "-m imgsim --help`): "
            + ", ".join(f"{e.name} {e.microseconds / 1e3:.1f} ms" for e in slowest),
        ),
    )


@dataclass(frozen=True)
class ImportTime:
    """One line of ``-X importtime``."""

    name: str
    depth: int
    """0 for a module imported by the script itself, 1 for one it imported, …"""
    microseconds: int
    """Cumulative: the module and everything it imported first."""


def _parse_importtime(report: str) -> list[ImportTime]:
    """The lines ``python -X importtime`` writes on stderr (header and other lines skipped)."""
    entries: list[ImportTime] = []
    for line in report.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3:
            continue
        cumulative, raw_name = parts[1].strip(), parts[2]
        if not cumulative.isdigit():
            continue
        name = raw_name.strip()
        indent = len(raw_name) - len(raw_name.lstrip(" ")) - 1  # one space follows the bar
        entries.append(ImportTime(name=name, depth=indent // 2, microseconds=int(cumulative)))
    return entries
