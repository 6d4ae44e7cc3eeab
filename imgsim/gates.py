"""Quality gates: ``--gate "ssim>=0.9"``, ``--gate "mean(ssim)>=0.92"``, ``--gate "fd<=12.5"``.

A gate is ``[AGGREGATE(]METRIC[)] OP NUMBER`` with AGGREGATE one of ``mean min
max median`` and OP one of ``< <= > >= == !=``. Without an aggregate the
condition must hold on every scored row. Rows that could not be scored (an
unreadable file) are reported on their own and left out; a gate with no value
at all to check fails. ``inf`` is a valid number (PSNR of identical images).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from imgsim.errors import UsageError


def _mean(values: Sequence[float]) -> float:
    import statistics  # on use: 2 ms of start-up that most runs never need

    return statistics.fmean(values)


def _median(values: Sequence[float]) -> float:
    import statistics

    return statistics.median(values)


AGGREGATES: dict[str, Callable[[Sequence[float]], float]] = {
    "mean": _mean,
    "min": min,
    "max": max,
    "median": _median,
}
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_GATE = re.compile(
    r"^\s*(?:(?P<aggregate>[a-z]+)\s*\(\s*(?P<inner>[^()]+?)\s*\)|(?P<bare>[^<>=!\s]+))"
    r"\s*(?P<op><=|>=|==|!=|<|>)\s*(?P<number>\S+)\s*$"
)


@dataclass(frozen=True)
class Gate:
    """One parsed ``--gate`` expression."""

    text: str
    metric: str
    operator: str
    threshold: float
    aggregate: str | None = None

    def holds(self, value: float | None) -> bool:
        """Whether one value satisfies the condition (a missing value never does)."""
        if value is None or math.isnan(value):
            return False
        return OPERATORS[self.operator](value, self.threshold)


def parse_gate(text: str) -> Gate:
    """Parse a gate expression; malformed text is a :class:`UsageError` that shows the syntax."""
    match = _GATE.match(text)
    syntax = 'e.g. "ssim>=0.9", "mean(ssim)>=0.92", "max(phash)<=6"'
    if match is None:
        raise UsageError(f"--gate {text!r}: cannot parse; {syntax}")
    aggregate = match["aggregate"]
    if aggregate is not None and aggregate not in AGGREGATES:
        raise UsageError(
            f"--gate {text!r}: unknown aggregate {aggregate!r}; use one of {', '.join(AGGREGATES)}"
        )
    try:
        threshold = float(match["number"])
    except ValueError:
        threshold = math.nan
    if math.isnan(threshold):  # float() reads "nan", but no value ever compares true with NaN
        raise UsageError(f"--gate {text!r}: {match['number']!r} is not a number; {syntax}")
    metric = match["inner"] if aggregate is not None else match["bare"]
    return Gate(text.strip(), metric, match["op"], threshold, aggregate)


def parse_gates(texts: Iterable[str], computed: Sequence[str]) -> list[Gate]:
    """Parse gates and check that each names a metric being computed."""
    gates = [parse_gate(text) for text in texts]
    for gate in gates:
        if gate.metric not in computed:
            raise UsageError(
                f"--gate {gate.text!r}: metric {gate.metric!r} is not being computed; "
                f"computed: {', '.join(computed)}"
            )
    return gates


class ColumnValues:
    """The numeric values of some columns, collected as rows stream by."""

    def __init__(self, columns: Iterable[str]) -> None:
        self.values: dict[str, list[float]] = {column: [] for column in columns}

    def observe(self, row: Mapping[str, Any]) -> None:
        """Keep the numbers of one row."""
        for column, values in self.values.items():
            value = _number(row.get(column))
            if value is not None and not math.isnan(value):
                values.append(value)

    def aggregate(self, column: str, name: str) -> float | None:
        """``mean``, ``min``, ``max`` or ``median`` of a column; ``None`` without values."""
        values = self.values[column]
        return AGGREGATES[name](values) if values else None

    def summary(self) -> dict[str, dict[str, float | None]]:
        """Every aggregate of every column."""
        return {
            column: {name: self.aggregate(column, name) for name in AGGREGATES}
            for column in self.values
        }


@dataclass
class GateResult:
    """The verdict of one gate over all rows."""

    gate: Gate
    passed: bool
    value: float | None = None
    """The aggregate, for gates with one."""
    failing_rows: list[Mapping[str, Any]] = field(default_factory=list)


class GateChecker:
    """Checks gates on rows as they stream by, keeping only the failing rows."""

    def __init__(self, gates: Sequence[Gate], values: ColumnValues) -> None:
        self.gates = list(gates)
        self._values = values
        self._failing: list[list[Mapping[str, Any]]] = [[] for _ in gates]

    def observe(self, row: Mapping[str, Any]) -> None:
        """Check the every-row gates on one scored row (``values`` observes it separately)."""
        for gate, failing in zip(self.gates, self._failing, strict=True):
            if gate.aggregate is None and not gate.holds(_number(row.get(gate.metric))):
                failing.append(row)

    def results(self) -> list[GateResult]:
        """The verdicts, once every row has been observed."""
        verdicts = []
        for gate, failing in zip(self.gates, self._failing, strict=True):
            if gate.aggregate is None:
                checked = bool(self._values.values.get(gate.metric)) or bool(failing)
                verdicts.append(GateResult(gate, checked and not failing, None, failing))
                continue
            value = self._values.aggregate(gate.metric, gate.aggregate)
            verdicts.append(GateResult(gate, gate.holds(value), value))
        return verdicts


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    return float(value) if isinstance(value, (int, float)) else None


def check_rows(
    gates: Sequence[Gate], rows: Iterable[Mapping[str, Any]], columns: Iterable[str]
) -> list[GateResult]:
    """The verdicts of ``gates`` over a few rows already in hand (set metrics: one row)."""
    values = ColumnValues(columns)
    checker = GateChecker(gates, values)
    for row in rows:
        values.observe(row)
        checker.observe(row)
    return checker.results()
