"""Gate verdicts as the commands show them: on stderr, and as JSON entries."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imgsim.gates import GateResult
    from imgsim.output import Epilogue


ROW_KEYS = ("a", "b")
"""The columns that name a row of compare: a failing row is reported by them."""
AGGREGATES = ("mean", "min", "max", "median")


def summary_json(summary: Mapping[str, Mapping[str, float | None]]) -> dict[str, Any]:
    """The ``summary`` of JSON output: each column's aggregates as JSON holds them."""
    from imgsim.output import json_value

    return {
        column: {name: json_value(value) for name, value in aggregates.items()}
        for column, aggregates in summary.items()
    }


def gate_json(result: GateResult, keys: Sequence[str] = ROW_KEYS) -> dict[str, Any]:
    """A gate's verdict for JSON output; failing rows keep their key columns and the value."""
    from imgsim.output import json_value

    entry: dict[str, Any] = {"gate": result.gate.text, "passed": result.passed}
    if result.gate.value_name is not None:
        entry["value"] = json_value(result.value)
    entry["failing_rows"] = [
        {k: json_value(v) for k, v in row.items() if k in (*keys, result.gate.metric)}
        for row in result.failing_rows
    ]
    return entry


def report_gates(
    verdicts: list[GateResult], *, quiet: bool, keys: Sequence[str] = ROW_KEYS
) -> None:
    """Each gate's verdict on stderr; a failed every-row gate lists the rows that broke it."""
    from imgsim.cli.common import one_line  # common imports this module
    from imgsim.output import format_number

    for verdict in verdicts:
        gate = verdict.gate
        if verdict.passed:
            if not quiet:
                sys.stderr.write(f"imgsim: gate passed: {gate.text}\n")
            continue
        if gate.value_name is not None:
            shown = "no values" if verdict.value is None else format_number(verdict.value)
            sys.stderr.write(f"imgsim: gate FAILED: {gate.text} ({gate.value_name} = {shown})\n")
            continue
        count = len(verdict.failing_rows)
        sys.stderr.write(
            f"imgsim: gate FAILED: {gate.text} on {count} row{'s' if count != 1 else ''}"
            f"{'' if count else ' (no values)'}\n"
        )
        for row in verdict.failing_rows:
            value = row.get(gate.metric)
            shown = format_number(value) if isinstance(value, (int, float)) else "not computed"
            name = " vs ".join(one_line(str(row.get(key))) for key in keys)
            sys.stderr.write(f"  {name}: {gate.metric} = {shown}\n")


def summary_epilogue(
    label: str,
    summary: Mapping[str, Mapping[str, float | None]],
    single_values: bool,
    verdicts: list[GateResult],
    keys: Sequence[str] = ROW_KEYS,
) -> Epilogue:
    """A table's summary rows (each aggregate of every column, its name in the ``label``
    column; one ``summary`` row when each column has one value at most) and the JSON's
    ``summary`` and ``gates``."""
    from imgsim.output import Epilogue

    labels = {"summary": "mean"} if single_values else {name: name for name in AGGREGATES}
    footer = [
        {label: text, **{column: values[name] for column, values in summary.items()}}
        for text, name in labels.items()
    ]
    return Epilogue(
        table_rows=footer,
        json_extra={
            "summary": summary_json(summary),
            "gates": [gate_json(result, keys) for result in verdicts],
        },
    )
