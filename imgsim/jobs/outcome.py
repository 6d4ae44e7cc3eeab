"""What a whole-set job returns: its rows, the verdicts of the gates on them, and notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imgsim.gates import GateResult


@dataclass(frozen=True)
class Outcome:
    """The rows of a job, in order, and what the user should know about them."""

    rows: list[dict[str, Any]]
    columns: list[str]
    """Every column of the rows, in the order they are shown."""
    scored: list[str]
    """The columns that hold scores: summarised in JSON, and what gates may test."""
    verdicts: list[GateResult]
    notes: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)
    """Totals of the job that are not rows (e.g. ``groups`` of near-duplicates)."""

    @property
    def gates_held(self) -> bool:
        return all(verdict.passed for verdict in self.verdicts)

    def summary(self) -> dict[str, dict[str, float | None]]:
        """Mean, min, max and median of each score column over the rows."""
        from imgsim.gates import ColumnValues

        values = ColumnValues(self.scored)
        for row in self.rows:
            values.observe(row)
        return values.summary()
