"""Distances between distributions refuse features whose values may be negative."""

from __future__ import annotations

import subprocess

import pytest
from cli_support import run_imgsim, save_image
from conftest import load_photo

import imgsim
from imgsim.features import FEATURES
from imgsim.metrics.registry import DISTANCES

UNSIGNED = [name for name, spec in FEATURES.items() if not spec.signed]
DISTRIBUTION_DISTANCES = [name for name, d in DISTANCES.items() if d.distributions]


@pytest.mark.parametrize("feature", UNSIGNED)
def test_a_feature_not_marked_signed_has_no_negative_value_on_photographs(feature: str) -> None:
    images = [load_photo(name) for name in ("astronaut", "coffee", "camera")]
    values = imgsim.extract(images, feature)
    assert values.min() >= 0


def test_the_distances_between_distributions_are_bhattacharyya_hellinger_jensenshannon() -> None:
    assert sorted(DISTRIBUTION_DISTANCES) == ["bhattacharyya", "hellinger", "jensenshannon"]


@pytest.fixture(scope="module")
def refused(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    folder = tmp_path_factory.mktemp("signed")
    a = save_image(folder / "a.png", load_photo("astronaut"))
    b = save_image(folder / "b.png", load_photo("coffee"))
    return run_imgsim("compare", a, b, "-m", "hu:hellinger", "--no-cache")


def test_a_distribution_distance_on_a_signed_feature_is_a_usage_error(
    refused: subprocess.CompletedProcess[str],
) -> None:
    assert refused.returncode == 2


def test_the_refusal_says_why_and_what_to_use(refused: subprocess.CompletedProcess[str]) -> None:
    assert refused.stderr == (
        "imgsim: metric 'hu:hellinger': hellinger compares distributions, and hu has "
        "negative values: use euclidean or cosine\n"
    )
