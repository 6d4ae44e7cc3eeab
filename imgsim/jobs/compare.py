"""The job behind ``imgsim compare`` (pairs): pair two inputs, score every pair, gate.

:func:`compare_inputs` pairs the inputs and returns a :class:`PairComparison`,
whose :meth:`~PairComparison.rows` streams one row per pair, in order, ready to
write; once they are drawn it holds the summary of every column, the verdicts of
the gates and the counts the exit status is decided from. Nothing here prints:
the files without a partner and each pair's notes and errors reach the caller
through callbacks, at the moment they are known.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgsim.errors import UsageError
from imgsim.gates import Gate, GatedColumns, parse_gates
from imgsim.pairs import (
    FROM_ENGINE,
    CompareOptions,
    Pairing,
    PairResult,
    compare_pairs,
    pair_inputs,
)

if TYPE_CHECKING:
    from imgsim.engine import ProgressCallback
    from imgsim.store import FeatureStore

RUN_VALUES = ("unmatched",)
"""Gates on one number for the whole run: ``unmatched``, the files in no pair."""

ROW_NAMES = ("a", "b")
"""The columns that name the pair of a row, before its scores and ``error``."""


@dataclass
class PairCounts:
    """How the pairs of a run came out."""

    scored: int = 0
    """Pairs with every metric."""
    partial: int = 0
    """Pairs that some pixel metrics could not score for their size."""
    unscored: int = 0
    """Pairs that no metric could score for their size."""
    unreadable: int = 0
    """Pairs with an input that could not be decoded."""

    @property
    def size_mismatches(self) -> int:
        """Pairs missing pixel metrics for the size of their images."""
        return self.partial + self.unscored

    def count(self, result: PairResult) -> None:
        if result.unreadable:
            self.unreadable += 1
        elif not result.size_mismatch:
            self.scored += 1
        elif any(value is not None for value in result.values.values()):
            self.partial += 1
        else:
            self.unscored += 1


def parse_compare_gates(texts: Sequence[str], options: CompareOptions) -> list[Gate]:
    """Gates on the metric columns of ``options`` or on the run-level ``unmatched``."""
    return parse_gates(texts, metric_columns(options), run_values=RUN_VALUES)


def metric_columns(options: CompareOptions) -> list[str]:
    """The score columns of the rows, named as the metrics were given (``a:NAME`` and
    ``b:NAME`` for a no-reference metric)."""
    return [column for metric in options.metrics for column in metric.columns]


def compare_inputs(
    a: Path,
    b: Path,
    options: CompareOptions,
    gates: Sequence[Gate] = (),
    *,
    on_pairing: Callable[[Pairing], None] | None = None,
) -> PairComparison:
    """Pair ``a`` with ``b`` (files or folders) for scoring with ``options``.

    ``on_pairing`` sees the pairing before anything is scored (the files without
    a partner are known then); inputs without a single pair raise
    :class:`UsageError` after it.
    """
    pairing = pair_inputs(a, b)
    if on_pairing is not None:
        on_pairing(pairing)
    if not pairing.pairs:
        raise UsageError(f"no pairs: no image in {a} has a partner in {b}")
    return PairComparison(pairing, options, list(gates))


class PairComparison(GatedColumns):
    """The pairs of two inputs: their rows as they are scored, then what they add up to
    (summary and gates over the score columns, in the order the metrics were given)."""

    def __init__(self, pairing: Pairing, options: CompareOptions, gates: list[Gate]) -> None:
        super().__init__(metric_columns(options), gates, {"unmatched": pairing.unmatched})
        self.pairing = pairing
        self.options = options
        self.counts = PairCounts()

    @property
    def total(self) -> int:
        """The number of pairs to score."""
        return len(self.pairing.pairs)

    @property
    def uses_features(self) -> bool:
        """Whether any metric compares features (and a feature store would serve it)."""
        return any(metric.kind in FROM_ENGINE for metric in self.options.metrics)

    @property
    def row_columns(self) -> list[str]:
        """Every column of a row: the pair, the scores, then ``error``."""
        return [*ROW_NAMES, *self.columns, "error"]

    def rows(
        self,
        *,
        store: AbstractContextManager[FeatureStore | None] | None = None,
        progress: AbstractContextManager[ProgressCallback | None] | None = None,
        workers: int | None = None,
        on_result: Callable[[PairResult], None] | None = None,
        skip_bad: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """One row per pair, in order: ``a``, ``b``, each score, and ``error``.

        ``store`` and ``progress`` are entered when the first row is drawn and left
        after the last one (the store is committed then). ``on_result`` sees each
        pair's result, with its notes and error, before its row; with ``skip_bad``
        a pair with an unreadable input is counted but gives no row.
        """
        with (
            store if store is not None else contextlib.nullcontext() as opened,
            progress if progress is not None else contextlib.nullcontext() as advance,
        ):
            results = compare_pairs(
                self.pairing.pairs, self.options, workers=workers, progress=advance, store=opened
            )
            for result in results:
                self.counts.count(result)
                if on_result is not None:
                    on_result(result)
                if result.unreadable and skip_bad:
                    continue
                row = {
                    "a": str(result.a),
                    "b": str(result.b),
                    **result.values,
                    "error": result.error,
                }
                if not result.unreadable:  # a partial row's missing values are left out of gates
                    self.observe(row)
                yield row
