"""``duplicates``, ``diversity``, ``rank`` and ``compare --set`` through ``python -m imgsim``.

The set is four real photographs (scikit-image's) and two copies of one of them, a
JPEG re-encode at quality 75 and a half-size resize: with the default feature and
the default threshold of any distance, the three chelsea images are one group of
near-duplicates and the other photographs are apart.
"""

from __future__ import annotations

import json
import statistics
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import csv_rows, run_imgsim
from conftest import SAMPLES, load_photo
from PIL import Image

from imgsim.features import DEFAULT_FEATURE, FeatureParams, get_feature
from imgsim.metrics.distances import DISTANCES, near_duplicate_threshold

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")
SIDE = 256
COPIES = {"chelsea.png", "chelsea_q75.jpg", "chelsea_half.png"}
DEFAULT_DISTANCE = get_feature(DEFAULT_FEATURE).default_distance
DIVERSITY_COLUMNS = ["images", "mean_distance", "vendi", "near_duplicates", "near_duplicate_ratio"]


def _groups(stdout: str) -> list[set[str]]:
    groups: dict[str, set[str]] = {}
    for row in csv_rows(stdout):
        groups.setdefault(row["group"], set()).add(Path(row["path"]).name)
    return list(groups.values())


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("set_store") / "features.sqlite"


@pytest.fixture(scope="module")
def photo_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("photo_set")
    for name in PHOTOS:
        image = Image.fromarray(load_photo(name))
        image.thumbnail((SIDE, SIDE), Image.Resampling.LANCZOS)
        image.save(folder / f"{name}.png")
    chelsea = Image.open(folder / "chelsea.png")
    chelsea.save(folder / "chelsea_q75.jpg", quality=75)
    half = (chelsea.width // 2, chelsea.height // 2)
    chelsea.resize(half, Image.Resampling.LANCZOS).save(folder / "chelsea_half.png")
    return folder


@pytest.fixture(scope="module")
def duplicates(photo_set: Path, store: Path) -> subprocess.CompletedProcess[str]:
    """``imgsim duplicates DIR`` as the README writes it: no feature, no threshold."""
    return run_imgsim("duplicates", photo_set, "--format", "csv", "-j", "1", cache=store)


# --------------------------------------------------------------------------- defaults


def test_duplicates_with_the_default_feature_exits_0(
    duplicates: subprocess.CompletedProcess[str],
) -> None:
    assert duplicates.returncode == 0


def test_duplicates_with_the_default_feature_groups_the_re_encoded_and_resized_copies(
    duplicates: subprocess.CompletedProcess[str],
) -> None:
    assert _groups(duplicates.stdout) == [COPIES]


def test_duplicates_summary_counts_one_group_in_the_singular(
    duplicates: subprocess.CompletedProcess[str],
) -> None:
    threshold = near_duplicate_threshold(
        DEFAULT_DISTANCE, get_feature(DEFAULT_FEATURE), FeatureParams()
    )
    summary = (
        f"imgsim: 1 group of near-duplicates (3 images) within {DEFAULT_DISTANCE} {threshold:g}\n"
    )
    assert summary in duplicates.stderr


def test_diversity_with_the_default_feature_counts_the_near_duplicate_pairs(
    photo_set: Path, store: Path
) -> None:
    result = run_imgsim("diversity", photo_set, "--format", "csv", "-j", "1", cache=store)
    (row,) = csv_rows(result.stdout)
    assert row["near_duplicates"] == "3"


def test_every_distance_has_a_default_threshold_that_finds_the_copies(
    photo_set: Path, store: Path
) -> None:
    failing = []
    for name, metric in DISTANCES.items():
        if metric.feature is not None:
            continue  # a distance of one feature's values (segments: crop_resistant)
        feature = "phash" if metric.needs_bits else "color_hist"
        result = run_imgsim(
            "duplicates", photo_set, "-f", feature, "-d", name, "--format", "csv", "-j", "1",
            cache=store,
        )  # fmt: skip
        if result.returncode != 0 or _groups(result.stdout) != [COPIES]:
            failing.append(f"{name}: exit {result.returncode}, {result.stderr.strip()}")
    assert failing == []


@pytest.mark.parametrize("command", ["duplicates", "diversity"])
def test_threshold_help_states_the_default_rule(command: str) -> None:
    result = run_imgsim(command, "--help")
    assert "largest value the distance can take on the feature: 1/16" in " ".join(
        result.stdout.split()
    )


def test_exclude_self_help_says_byte_copies_are_still_shown() -> None:
    result = run_imgsim("rank", "--help")
    assert "copies with the same bytes are still shown, first, at distance 0" in " ".join(
        result.stdout.split()
    )


# --------------------------------------------------------------------------- one feature


@pytest.mark.parametrize(
    ("command", "arguments"),
    [
        ("rank", ["rank", "query", "gallery"]),
        ("diversity", ["diversity", "set"]),
        ("duplicates", ["duplicates", "set"]),
        ("stats", ["stats", "set", "--out", "stats.npz"]),
        ("compare --set", ["compare", "generated", "reference", "--set"]),
    ],
)
def test_a_command_of_one_feature_names_itself_when_given_two(
    command: str, arguments: list[str]
) -> None:
    result = run_imgsim(*arguments, "-f", "phash,dhash")
    assert result.stderr == f"imgsim: {command} takes one feature, got phash, dhash\n"


# --------------------------------------------------------------------------- JSON


JsonOf = Callable[[str], dict[str, Any]]


@pytest.fixture(scope="module")
def json_of(photo_set: Path, store: Path) -> JsonOf:
    """The parsed ``--format json`` output of a command, run once per module."""
    generated, reference = SAMPLES / "generated", SAMPLES / "reference"
    runs: dict[str, list[str | Path]] = {
        "rank": ["rank", photo_set, photo_set, "-k", "2"],
        "diversity": ["diversity", photo_set],
        "duplicates": ["duplicates", photo_set],
        # color_hist: fd of the 2845-d default feature on 8 images takes 20-50 s on
        # 2 cores (two 2845 x 2845 eigendecompositions); this test is about the JSON.
        "compare --set": [
            "compare",
            generated,
            reference,
            "--set",
            "-f",
            "color_hist",
            "-m",
            "fd,kid",
        ],
    }
    outputs: dict[str, dict[str, Any]] = {}

    def output(command: str) -> dict[str, Any]:
        if command not in outputs:
            result = run_imgsim(*runs[command], "--format", "json", "-j", "1", "-q", cache=store)
            outputs[command] = json.loads(result.stdout)
        return outputs[command]

    return output


@pytest.mark.parametrize("command", ["rank", "diversity", "duplicates", "compare --set"])
def test_json_is_the_rows_summary_and_gates_object(command: str, json_of: JsonOf) -> None:
    assert list(json_of(command)) == ["rows", "summary", "gates"]


def test_rank_json_summarises_the_distance_column(json_of: JsonOf) -> None:
    output = json_of("rank")
    values = [row[DEFAULT_DISTANCE] for row in output["rows"]]
    expected = {
        "mean": statistics.fmean(values),
        "min": min(values),
        "max": max(values),
        "median": statistics.median(values),
    }
    assert output["summary"] == {DEFAULT_DISTANCE: pytest.approx(expected, rel=1e-12)}


def test_diversity_json_summarises_each_score_column(json_of: JsonOf) -> None:
    assert list(json_of("diversity")["summary"]) == DIVERSITY_COLUMNS


def test_compare_set_json_summarises_each_set_metric(json_of: JsonOf) -> None:
    assert list(json_of("compare --set")["summary"]) == ["fd", "kid"]


def test_duplicates_json_has_an_empty_summary(json_of: JsonOf) -> None:
    assert json_of("duplicates")["summary"] == {}
