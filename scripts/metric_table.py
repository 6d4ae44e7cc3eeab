"""The README's table of full-reference metrics, from the metric registry.

    python scripts/metric_table.py           # print the table
    python scripts/metric_table.py --check   # exit 1 unless README.md holds it

The table lies between the README's ``<!-- pixel metrics -->`` markers; a test keeps
it equal to the registry.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from imgsim.metrics.registry import PIXEL_METRICS

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- pixel metrics -->", "<!-- /pixel metrics -->"


def table() -> str:
    """One row per pixel metric: name, which way is better, range, use, reference."""
    lines = [
        "| metric | better | range | use when | reference |",
        "|---|---|---|---|---|",
    ]
    for name, metric in PIXEL_METRICS.items():
        symmetric = "" if metric.symmetric else " (A judged against reference B)"
        lines.append(
            f"| `{name}` | {metric.direction} | {metric.range} | {metric.use_when}{symmetric} "
            f"| {metric.reference} |"
        )
    return "\n".join(lines)


def readme_table(text: str) -> str:
    """The table the README holds between its markers."""
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 unless README.md holds it")
    arguments = parser.parse_args(argv)
    if not arguments.check:
        print(table())
        return 0
    if readme_table(README.read_text(encoding="utf-8")) != table():
        print(f"{README}: the pixel metric table differs from the registry", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
