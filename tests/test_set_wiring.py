"""The two-sample, memorisation and α/β set metrics through the registry: ``score_sets``
(behind ``compare --set`` and ``SetScorer``) gives each metric's function on the same
vectors, gates read them, and ``compare --set`` takes their names.

The functions themselves are tested against their references in tests/test_memorization.py,
tests/test_two_sample.py and tests/test_alpha_beta.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from cli_support import csv_rows
from conftest import CliRunnerFn
from numpy.typing import NDArray

from imgsim.metrics import alpha_beta, memorization, sets, two_sample
from imgsim.reference import ReferenceStats, SetOptions, score_sets

Matrix = NDArray[np.float64]
ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_images"


def _sets() -> tuple[Matrix, Matrix]:
    """Two draws of nearby distributions, 120 and 90 vectors of 12 values in [0, 1]."""
    rng = np.random.default_rng(7)
    reference = rng.uniform(0.0, 1.0, (120, 12))
    generated = np.clip(rng.uniform(0.0, 1.0, (90, 12)) + 0.05, 0.0, 1.0)
    return reference, generated


DIRECT: dict[str, Callable[[Matrix, Matrix], float]] = {
    "mifid": lambda r, g: memorization.mifid(r, g),
    "memorization": lambda r, g: memorization.memorization(r, g),
    "nn_accuracy": lambda r, g: two_sample.nn_accuracy(r, g).overall,
    "nn_accuracy_reference": lambda r, g: two_sample.nn_accuracy(r, g).reference,
    "nn_accuracy_generated": lambda r, g: two_sample.nn_accuracy(r, g).generated,
    "swd": lambda r, g: two_sample.swd(r, g, seed=0),
    "alpha_precision": lambda r, g: alpha_beta.alpha_precision(r, g),
    "beta_recall": lambda r, g: alpha_beta.beta_recall(r, g),
    "authenticity": lambda r, g: alpha_beta.authenticity(r, g),
}
"""Each new set metric as its module computes it (``mifid``: fd over memorisation)."""


@pytest.mark.parametrize("name", list(DIRECT))
def test_score_sets_gives_each_metric_as_its_function(name: str) -> None:
    reference, generated = _sets()
    stats = ReferenceStats.from_features(reference.astype(np.float32), "thumb")

    scored = score_sets(stats, generated, [name], SetOptions(seed=0)).values[name]

    expected = DIRECT[name](stats.features, generated)
    assert scored == pytest.approx(expected, rel=1e-9)


def test_mifid_is_fd_over_the_memorization_distance() -> None:
    reference, generated = _sets()
    stats = ReferenceStats.from_features(reference.astype(np.float32), "thumb")

    values = score_sets(stats, generated, ["mifid", "fd", "memorization"]).values

    ratio = values["fd"] / (values["memorization"] + memorization.MIFID_CONSTANT)
    assert values["mifid"] == pytest.approx(ratio, rel=1e-12)


@pytest.mark.parametrize("name", list(DIRECT))
def test_each_new_set_metric_needs_two_vectors_a_set(name: str) -> None:
    assert sets.min_set_size(name) == 2


@pytest.fixture(scope="module")
def sample_sets(cli_once: CliRunnerFn) -> dict[str, str]:
    """``compare --set`` of the sample images with every new set metric."""
    names = ",".join(DIRECT)
    result = cli_once(
        "compare", SAMPLES / "generated", SAMPLES / "reference", "--set", "-m", names,
        "--format", "csv",
    )  # fmt: skip
    return csv_rows(result.stdout)[0]


@pytest.mark.parametrize("name", list(DIRECT))
def test_compare_set_prints_each_new_metric(name: str, sample_sets: dict[str, str]) -> None:
    assert 0.0 <= float(sample_sets[name]) < np.inf


def test_the_sample_generations_copy_their_references(sample_sets: dict[str, str]) -> None:
    """Each generated sample is a degraded copy of its reference: authenticity sees it."""
    assert float(sample_sets["authenticity"]) == 0.0


def test_a_gate_on_nn_accuracy_fails_the_run(cli: CliRunnerFn) -> None:
    result = cli(
        "compare", SAMPLES / "generated", SAMPLES / "reference", "--set", "-m", "nn_accuracy",
        "--gate", "nn_accuracy>=0.4",
    )  # fmt: skip

    assert result.exit_code == 1
