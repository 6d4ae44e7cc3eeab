"""``imgsim list`` derives every feature's row from the feature registry (issue 14 item 5).

Each registered feature is listed with its dimension at the default options, its
default distance, its options (each with its default and flag) and when to use it, in
CSV and in JSON alike; a distance that reads one feature only is named as ``-m`` takes
it (``crop_resistant:segments``). The rows are read through the real command line.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cli_support import csv_rows
from conftest import CliRunnerFn

from imgsim.defaults import DEFAULT_WORK_SIZE
from imgsim.features import FEATURES, MODEL_FEATURE, FeatureParams
from imgsim.metrics.registry import DISTANCES

FEATURE_NAMES = list(FEATURES)


def _json_rows(cli_once: CliRunnerFn) -> dict[str, dict[str, Any]]:
    rows = json.loads(cli_once("list", "--format", "json").stdout)["rows"]
    return {row["name"]: row for row in rows}


def _csv_rows(cli_once: CliRunnerFn) -> dict[str, dict[str, str]]:
    return {row["name"]: row for row in csv_rows(cli_once("list", "--format", "csv").stdout)}


def test_json_lists_the_registered_features_in_registry_order(cli_once: CliRunnerFn) -> None:
    rows = json.loads(cli_once("list", "--format", "json").stdout)["rows"]

    listed = [row["name"] for row in rows if row["type"].startswith("feature")]
    assert listed == [*FEATURE_NAMES, MODEL_FEATURE]


@pytest.mark.parametrize("name", FEATURE_NAMES)
def test_json_gives_each_feature_its_dimension(cli_once: CliRunnerFn, name: str) -> None:
    assert _json_rows(cli_once)[name]["dim"] == FEATURES[name].dim(FeatureParams())


@pytest.mark.parametrize("name", FEATURE_NAMES)
def test_json_says_when_to_use_each_feature(cli_once: CliRunnerFn, name: str) -> None:
    assert _json_rows(cli_once)[name]["use_when"] == FEATURES[name].use_when


@pytest.mark.parametrize("name", FEATURE_NAMES)
def test_json_keeps_each_feature_s_summary_as_its_description(
    cli_once: CliRunnerFn, name: str
) -> None:
    assert _json_rows(cli_once)[name]["description"] == FEATURES[name].summary


@pytest.mark.parametrize("name", FEATURE_NAMES)
def test_json_names_each_feature_s_default_distance(cli_once: CliRunnerFn, name: str) -> None:
    direction = _json_rows(cli_once)[name]["direction"]

    assert direction == f"default distance: {FEATURES[name].default_distance}"


@pytest.mark.parametrize("name", FEATURE_NAMES)
def test_csv_gives_each_feature_its_dimension(cli_once: CliRunnerFn, name: str) -> None:
    assert _csv_rows(cli_once)[name]["dim"] == str(FEATURES[name].dim(FeatureParams()))


@pytest.mark.parametrize("name", FEATURE_NAMES)
def test_csv_says_when_to_use_each_feature(cli_once: CliRunnerFn, name: str) -> None:
    assert _csv_rows(cli_once)[name]["use_when"] == FEATURES[name].use_when


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("phash", "hash size 8 (--hash-size)"),
        ("crop_resistant", "hash size 8 (--hash-size), segments 8 (--segments)"),
        ("color_hist", "bins 8 (--bins), space hsv (--space)"),
        (
            "glcm",
            f"size {DEFAULT_WORK_SIZE} (--size), crop none (--crop), "
            "glcm levels 32 (--glcm-levels)",
        ),
    ],
)
def test_json_gives_each_option_with_its_default_and_flag(
    cli_once: CliRunnerFn, name: str, options: str
) -> None:
    assert _json_rows(cli_once)[name]["options"] == options


def test_a_feature_without_options_lists_none(cli_once: CliRunnerFn) -> None:
    assert _json_rows(cli_once)["thumb"]["options"] == ""


def test_a_distance_of_one_feature_is_named_with_its_feature(cli_once: CliRunnerFn) -> None:
    names = set(_json_rows(cli_once))

    assert f"{DISTANCES['segments'].feature}:segments" in names


def test_a_distance_of_any_feature_is_named_alone(cli_once: CliRunnerFn) -> None:
    assert _json_rows(cli_once)["chi2"]["type"] == "distance"
