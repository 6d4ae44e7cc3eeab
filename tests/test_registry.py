"""The metric registry: an entry added to it reaches ``imgsim list``, gates and the help
of ``compare -m`` through the real entry point, and every declared range holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from imgsim.metrics.distances import pairwise
from imgsim.metrics.registry import DISTANCES, KEYPOINT_METRICS, PIXEL_METRICS, REGISTRY

SAMPLES = Path(__file__).resolve().parent.parent / "sample_images"
PAIR = (SAMPLES / "reference" / "camera.png", SAMPLES / "generated" / "camera.png")

_WITH_EXTRA_METRIC = """
from imgsim.metrics.records import Metric
from imgsim.metrics.registry import register


def brightness_gap(image_a, image_b):
    return abs(float(image_a.mean()) - float(image_b.mean()))


register(
    Metric(
        name="brightness_gap",
        kind="pixels",
        direction="lower",
        low=0.0,
        high=255.0,
        summary="Difference of the mean brightness of two images.",
        function=brightness_gap,
    )
)
from imgsim.cli import main

main()
"""
"""A command line with one more pixel metric in its registry."""


def _imgsim_with_extra_metric(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WITH_EXTRA_METRIC, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )


def _listed_extra_metric() -> dict[str, str]:
    result = _imgsim_with_extra_metric("list", "--format", "json")
    rows = {row["name"]: row for row in json.loads(result.stdout)["rows"]}
    row: dict[str, str] = rows["brightness_gap"]
    return row


def test_an_added_metric_is_listed_as_a_pixel_metric() -> None:
    assert _listed_extra_metric()["type"] == "metric (pixels)"


def test_an_added_metric_is_listed_with_its_derived_range() -> None:
    assert _listed_extra_metric()["range"] == "[0, 255]"


def test_an_added_metric_can_be_gated_in_compare() -> None:
    result = _imgsim_with_extra_metric(
        "compare", *PAIR, "-m", "brightness_gap", "--gate", "brightness_gap<=255", "-j", "1"
    )

    assert result.returncode == 0, result.stderr


def test_an_added_metric_is_named_in_the_help_of_compare_metric() -> None:
    result = _imgsim_with_extra_metric("compare", "--help")

    assert "brightness_gap" in result.stdout


def test_the_list_has_one_row_per_registered_metric() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "imgsim", "list", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )

    # A distance of one feature is listed as FEATURE:DISTANCE (crop_resistant:segments).
    rows = json.loads(result.stdout)["rows"]
    names = {row["name"].split(" | ")[0].split(":")[-1] for row in rows}
    assert set(REGISTRY) <= names


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_entry_declares_an_interval(name: str) -> None:
    metric = REGISTRY[name]

    assert metric.low < metric.high


def _feature_values(name: str, seed: int) -> tuple[NDArray[np.generic], NDArray[np.generic]]:
    """Two vectors of the kind the distance is declared on: hash bytes, histograms, or
    feature values in [0, 1] (every feature's values lie there)."""
    rng = np.random.default_rng(seed)
    length = 1 + seed % 24
    if DISTANCES[name].needs_bits:
        hashes = rng.integers(0, 256, (2, 8), dtype=np.uint8)
        return hashes[0], hashes[1]
    values = rng.uniform(0.0, 1.0, (2, length)) * (rng.uniform(size=(2, length)) < 0.7)
    values[:, 0] += 1e-3  # no all-zero vector: it has no direction nor distribution
    if DISTANCES[name].range_on_histograms:
        values /= values.sum(axis=1, keepdims=True)
    return values[0], values[1]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([name for name, d in DISTANCES.items() if d.feature is None]),
    st.integers(0, 2**32 - 1),
)
def test_distances_stay_within_their_declared_bounds(name: str, seed: int) -> None:
    metric = DISTANCES[name]
    u, v = _feature_values(name, seed)

    value = float(pairwise(name, u, v)[0, 0])

    assert metric.low - 1e-12 <= value <= metric.high + 1e-12


def test_the_readme_names_every_pair_metric_in_the_registry() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    names = readme.split("Metric names: ", 1)[1].split("FEATURE[:DISTANCE]", 1)[0]

    listed = [name.strip(" `,\n") for name in names.replace(" and", ",").split(",")]
    assert [name for name in listed if name] == [*PIXEL_METRICS, *KEYPOINT_METRICS]


def test_the_readme_tables_of_metrics_are_the_registry() -> None:
    script = Path(__file__).resolve().parent.parent / "scripts" / "metric_table.py"

    checked = subprocess.run([sys.executable, str(script), "--check"], check=False)

    assert checked.returncode == 0
