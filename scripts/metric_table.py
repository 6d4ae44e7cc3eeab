"""The README's tables of metrics, from the metric registry.

    python scripts/metric_table.py           # print the tables
    python scripts/metric_table.py --check   # exit 1 unless README.md holds them
    python scripts/metric_table.py --write   # write them into README.md

Each table lies between a pair of the README's markers (``<!-- pixel metrics -->`` …
``<!-- /pixel metrics -->``); a test keeps them equal to the registry.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from imgsim.metrics.registry import NO_REFERENCE_METRICS, PIXEL_METRICS, SET_METRICS

README = Path(__file__).resolve().parent.parent / "README.md"


def pixel_table() -> str:
    """One row per full-reference metric: name, which way is better, range, use, paper."""
    lines = ["| metric | better | range | use when | reference |", "|---|---|---|---|---|"]
    for name, metric in PIXEL_METRICS.items():
        symmetric = "" if metric.symmetric else " (A judged against reference B)"
        lines.append(
            f"| `{name}` | {metric.direction} | {metric.range} | {metric.use_when}{symmetric} "
            f"| {metric.reference} |"
        )
    return "\n".join(lines)


def one_image_table() -> str:
    """One row per no-reference metric: name, which way is better, range, what it catches."""
    lines = ["| metric | better | range | what it is | use when |", "|---|---|---|---|---|"]
    for name, metric in NO_REFERENCE_METRICS.items():
        lines.append(
            f"| `{name}` | {metric.direction} | {metric.range} | {metric.summary} "
            f"| {metric.use_when} |"
        )
    return "\n".join(lines)


def set_table() -> str:
    """One row per set metric: name, which way is better, range, what it answers."""
    lines = ["| metric | better | range | what it answers |", "|---|---|---|---|"]
    for name, metric in SET_METRICS.items():
        lines.append(f"| `{name}` | {metric.direction} | {metric.range} | {metric.summary} |")
    return "\n".join(lines)


TABLES = {
    "pixel metrics": pixel_table,
    "one-image metrics": one_image_table,
    "set metrics": set_table,
}
"""Each table by the name of its README markers."""


def readme_table(text: str, name: str) -> str:
    """The table the README holds between the markers of ``name``."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    return text.split(start, 1)[1].split(end, 1)[0].strip() if start in text else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 unless README.md holds them")
    parser.add_argument("--write", action="store_true", help="write them into README.md")
    arguments = parser.parse_args(argv)
    if arguments.write:
        text = README.read_text(encoding="utf-8")
        for name, table in TABLES.items():
            old = readme_table(text, name)
            text = text.replace(f"<!-- {name} -->\n{old}\n", f"<!-- {name} -->\n{table()}\n")
        README.write_text(text, encoding="utf-8")
        return 0
    if not arguments.check:
        for name, table in TABLES.items():
            print(f"<!-- {name} -->\n{table()}\n<!-- /{name} -->\n")
        return 0
    text = README.read_text(encoding="utf-8")
    stale = [name for name, table in TABLES.items() if readme_table(text, name) != table()]
    for name in stale:
        print(f"{README}: the table of {name} differs from the registry", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
