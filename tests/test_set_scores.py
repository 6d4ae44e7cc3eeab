"""``score_sets`` of imgsim/reference.py: each shared computation runs once, and the
scores come in the order asked for."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from imgsim.metrics import sets
from imgsim.reference import ReferenceStats, score_sets


def _counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """Count the calls of ``sets.<name>``; the list grows by one per call."""
    calls: list[int] = []
    original = getattr(sets, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(sets, name, counted)
    return calls


def test_kid_and_kid_std_come_from_one_kid_computation(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    reference = ReferenceStats.from_features(rng.random((40, 4)).astype(np.float32))
    calls = _counting(monkeypatch, "kid")

    score_sets(reference, rng.random((30, 4)), ["kid", "fd", "kid_std"])

    assert len(calls) == 1


def test_precision_recall_density_coverage_come_from_one_prdc_computation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(0)
    reference = ReferenceStats.from_features(rng.random((40, 4)).astype(np.float32))
    calls = _counting(monkeypatch, "prdc")

    score_sets(reference, rng.random((30, 4)), ["precision", "recall", "density", "coverage"])

    assert len(calls) == 1


def test_set_scores_follow_the_order_asked_for() -> None:
    rng = np.random.default_rng(0)
    reference = ReferenceStats.from_features(rng.random((40, 4)).astype(np.float32))

    scores = score_sets(reference, rng.random((30, 4)), ["coverage", "kid_std", "fd"])

    assert list(scores.values) == ["coverage", "kid_std", "fd"]
