"""Quality gates: ``--gate "ssim>=0.9"``, ``--gate "mean(ssim)>=0.92"``, ``--gate "fd<=12.5"``.

A gate is ``[AGGREGATE(]METRIC[)] OP NUMBER`` with AGGREGATE one of ``mean min
max median`` and OP one of ``< <= > >= == !=``. Without an aggregate the
condition must hold on every scored row. A value that could not be computed (an
unreadable file, a metric the images are too small for) is reported on its own
and left out; a gate with no value at all to check fails. ``inf`` is a valid
number (PSNR of identical images).

A command may also offer run-level values, one number for the whole run (e.g.
``unmatched``, the files of a folder compare without a partner): a gate on one of
them, ``unmatched==0``, checks that number.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from imgsim.errors import Argument, ArgumentError, literal


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
    r"^\s*(?:(?P<aggregate>[A-Za-z_]\w*)\s*\(\s*(?P<inner>[^()]+?)\s*\)|(?P<bare>[^<>=!\s()]+))"
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
    run_level: bool = False
    """``metric`` names a run-level value (one number for the run), not a column."""

    @property
    def value_name(self) -> str | None:
        """What the one value of this gate's verdict is: its aggregate, or the run-level
        value it checks; ``None`` for a gate on every row."""
        return self.metric if self.run_level else self.aggregate

    def holds(self, value: float | None) -> bool:
        """Whether one value satisfies the condition (a missing value never does)."""
        if value is None or math.isnan(value):
            return False
        return OPERATORS[self.operator](value, self.threshold)


def parse_gate(text: str) -> Gate:
    """Parse a gate expression; malformed text is an :class:`ArgumentError` that shows the
    syntax."""
    match = _GATE.match(text)
    syntax = 'e.g. "ssim>=0.9", "mean(ssim)>=0.92", "max(phash)<=6"'
    if match is None:
        raise _gate_error(text, f"cannot parse; {syntax}")
    aggregate = match["aggregate"]
    if aggregate is not None and aggregate not in AGGREGATES:
        raise _gate_error(
            text, f"unknown aggregate {aggregate!r}; use one of {', '.join(AGGREGATES)}"
        )
    try:
        threshold = float(match["number"])
    except ValueError:
        threshold = math.nan
    if math.isnan(threshold):  # float() reads "nan", but no value ever compares true with NaN
        raise _gate_error(text, f"{match['number']!r} is not a number; {syntax}")
    metric = match["inner"] if aggregate is not None else match["bare"]
    return Gate(text.strip(), metric, match["op"], threshold, aggregate)


def parse_gates(
    texts: Iterable[str], computed: Sequence[str], run_values: Sequence[str] = ()
) -> list[Gate]:
    """Parse gates and check that each names a metric being computed or, without an
    aggregate, one of the ``run_values`` (one number for the whole run)."""
    return [_resolve(parse_gate(text), computed, run_values) for text in texts]


def _resolve(gate: Gate, computed: Sequence[str], run_values: Sequence[str]) -> Gate:
    if gate.metric in computed:
        return gate
    if gate.metric in run_values:
        if gate.aggregate is not None:
            raise _gate_error(
                gate.text,
                f"{gate.metric} is one number for the whole run, not a column; "
                f'gate it without an aggregate, e.g. "{gate.metric}==0"',
            )
        return replace(gate, run_level=True)
    offered = f"; run-level: {', '.join(run_values)}" if run_values else ""
    raise _gate_error(
        gate.text,
        f"metric {gate.metric!r} is not being computed; computed: {', '.join(computed)}{offered}",
    )


def _gate_error(text: str, problem: str) -> ArgumentError:
    """``gate 'ssim>=x': PROBLEM``, the gate as it was given (each interface words ``gate``)."""
    return ArgumentError("{}: " + literal(problem), Argument("gate", repr(text)))


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

    def most(self) -> int:
        """The number of values of the fullest column (at most 1: every aggregate is the same)."""
        return max((len(values) for values in self.values.values()), default=0)

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
    """The aggregate, or the run-level value, for gates with one (``Gate.value_name``)."""
    failing_rows: list[Mapping[str, Any]] = field(default_factory=list)


class GateChecker:
    """Checks gates on rows as they stream by, keeping only the failing rows.

    ``run`` holds the run-level values that gates with ``run_level`` check.
    """

    def __init__(
        self,
        gates: Sequence[Gate],
        values: ColumnValues,
        run: Mapping[str, float] | None = None,
    ) -> None:
        self.gates = list(gates)
        self._values = values
        self._run = dict(run or {})
        self._failing: list[list[Mapping[str, Any]]] = [[] for _ in gates]

    def observe(self, row: Mapping[str, Any]) -> None:
        """Check the every-row gates on one scored row (``values`` observes it separately).

        A column the row has no value for (not computed) is left out of its gates.
        """
        for gate, failing in zip(self.gates, self._failing, strict=True):
            if gate.value_name is not None:
                continue
            value = _number(row.get(gate.metric))
            if value is not None and not gate.holds(value):
                failing.append(row)

    def results(self) -> list[GateResult]:
        """The verdicts, once every row has been observed."""
        verdicts = []
        for gate, failing in zip(self.gates, self._failing, strict=True):
            if gate.run_level:
                value = self._run.get(gate.metric)
                verdicts.append(GateResult(gate, gate.holds(value), value))
                continue
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


class GatedColumns:
    """The score columns of a run's rows and the verdicts of its gates, as rows stream by:
    what a job's rows add up to once they are drawn (a base of the jobs' runs)."""

    def __init__(
        self, columns: Sequence[str], gates: Sequence[Gate], run: Mapping[str, float] | None = None
    ) -> None:
        self.columns = list(columns)
        """The score columns, in the order of the rows."""
        self._values = ColumnValues(self.columns)
        self._checker = GateChecker(gates, self._values, run)

    def observe(self, row: Mapping[str, Any]) -> None:
        """Count one scored row in the summary and the gates."""
        self._values.observe(row)
        self._checker.observe(row)

    def summary(self) -> dict[str, dict[str, float | None]]:
        """``mean``, ``min``, ``max`` and ``median`` of each column over the rows seen."""
        return self._values.summary()

    @property
    def single_values(self) -> bool:
        """Whether each column has at most one value (its aggregates are one number)."""
        return self._values.most() <= 1

    def verdicts(self) -> list[GateResult]:
        """The verdict of each gate over the rows seen."""
        return self._checker.results()
