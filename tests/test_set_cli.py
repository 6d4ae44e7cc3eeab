"""``imgsim compare --set`` and ``imgsim stats`` through the real command line.

The set metrics of two folders are the library's functions on their features, and
the same numbers come from a folder, from a statistics file of it, and from
``SetScorer`` fed in batches of any size. Gates on a set exit 1; a statistics file
of another feature, an unknown set metric or an ``--out`` that is not ``.npz`` are
usage errors that say what to do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cli_support import RGB, csv_rows, pillow_rgb
from conftest import CliResult, CliRunnerFn
from set_support import ALL_SET_METRICS, build_image_sets, json_row

import imgsim
from imgsim.metrics.registry import SET_METRICS
from imgsim.reference import ReferenceStats, SetOptions, SetScorer


@pytest.fixture(scope="module")
def image_sets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``reference/`` and ``generated/``: 48 PNG crops each (set_support.build_image_sets)."""
    return build_image_sets(tmp_path_factory.mktemp("sets"))


def decoded_batches(folder: Path, batch_size: int) -> list[RGB]:
    """The PNGs of ``folder`` in sorted order (decoded by Pillow), as (B, H, W, 3) batches."""
    images = [pillow_rgb(path) for path in sorted(folder.iterdir())]
    return [np.stack(images[i : i + batch_size]) for i in range(0, len(images), batch_size)]


SET_OPTIONS = ["-k", "3", "--subsets", "20", "--subset-size", "30", "--seed", "4"]
FEATURE_OPTIONS = {
    "default feature": [],
    "color_hist --bins 4": ["-f", "color_hist", "--bins", "4"],
    "phash": ["-f", "phash"],
}
by_feature = pytest.mark.parametrize("feature", list(FEATURE_OPTIONS))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the statistics files that the module's runs write."""
    return tmp_path_factory.mktemp("scratch")


def _set_options(feature: str) -> list[str]:
    metrics = ["-m", ",".join(ALL_SET_METRICS)]
    return [*metrics, *FEATURE_OPTIONS[feature], *SET_OPTIONS, "--format", "json"]


def _from_folder(cli_once: CliRunnerFn, image_sets: Path, feature: str) -> dict[str, Any]:
    """The set metrics of generated/ against reference/, both folders."""
    reference, generated = image_sets / "reference", image_sets / "generated"
    result = cli_once("compare", generated, reference, "--set", *_set_options(feature))
    return json_row(result.stdout)


def _stats_file(cli_once: CliRunnerFn, image_sets: Path, scratch: Path, feature: str) -> Path:
    """``imgsim stats reference/`` with the feature's options, written once per module."""
    stats = scratch / f"{feature.replace(' ', '_')}.npz"
    cli_once("stats", image_sets / "reference", *FEATURE_OPTIONS[feature], "--out", stats)
    return stats


@by_feature
def test_a_stats_file_gives_the_numbers_of_its_folder(
    cli_once: CliRunnerFn, image_sets: Path, scratch: Path, feature: str
) -> None:
    stats = _stats_file(cli_once, image_sets, scratch, feature)

    result = cli_once("compare", image_sets / "generated", stats, "--set", *_set_options(feature))

    assert json_row(result.stdout) == _from_folder(cli_once, image_sets, feature)


@by_feature
@pytest.mark.parametrize("batch_size", [1, 3, 48])
def test_set_scorer_fed_in_batches_gives_the_numbers_of_the_folder(
    cli_once: CliRunnerFn, image_sets: Path, scratch: Path, feature: str, batch_size: int
) -> None:
    stats = _stats_file(cli_once, image_sets, scratch, feature)
    scorer = SetScorer(
        ReferenceStats.load(stats),
        metrics=ALL_SET_METRICS,
        options=SetOptions(k=3, subsets=20, subset_size=30, seed=4),
    )

    for batch in decoded_batches(image_sets / "generated", batch_size):
        scorer.update(batch)

    assert scorer.compute() == _from_folder(cli_once, image_sets, feature)


def test_set_metrics_of_a_folder_are_the_library_functions_on_its_features(
    cli: CliRunnerFn, image_sets: Path
) -> None:
    reference, generated = image_sets / "reference", image_sets / "generated"
    real = imgsim.extract(sorted(reference.iterdir()), "color_hist").astype(np.float64)
    fake = imgsim.extract(sorted(generated.iterdir()), "color_hist").astype(np.float64)
    kid_mean, kid_std = imgsim.kid(real, fake, subsets=20, subset_size=30, seed=4)
    expected = {"fd": imgsim.fd(real, fake), "kid": kid_mean, "kid_std": kid_std}
    expected.update(imgsim.prdc(real, fake, k=3))

    result = cli(
        "compare", generated, reference, "--set", "-m", ",".join(ALL_SET_METRICS),
        "-f", "color_hist", *SET_OPTIONS, "--format", "json",
    )  # fmt: skip

    assert json_row(result.stdout) == expected


# --------------------------------------------------------------------------- command line


def _failing_fd_gate(cli: CliRunnerFn, image_sets: Path) -> CliResult:
    return cli(
        "compare", image_sets / "generated", image_sets / "reference", "--set", "-m", "fd",
        "--gate", "fd<=0", "--format", "csv",
    )  # fmt: skip


def test_a_failing_set_gate_exits_1(cli: CliRunnerFn, image_sets: Path) -> None:
    assert _failing_fd_gate(cli, image_sets).exit_code == 1


def test_a_failing_set_gate_names_the_gate(cli: CliRunnerFn, image_sets: Path) -> None:
    result = _failing_fd_gate(cli, image_sets)

    gate_lines = [line for line in result.stderr.splitlines() if line.startswith("imgsim: gate")]
    assert gate_lines == ["imgsim: gate FAILED: fd<=0 on 1 row"]


def test_a_failing_set_gate_still_prints_the_row(cli: CliRunnerFn, image_sets: Path) -> None:
    generated, reference = image_sets / "generated", image_sets / "reference"

    result = cli(
        "compare", generated, reference, "--set", "-m", "kid", "--gate", "kid<=-1",
        "--format", "csv", "--subsets", "3", "--subset-size", "10",
    )  # fmt: skip

    rows = csv_rows(result.stdout)
    assert [(row["a"], row["b"]) for row in rows] == [(str(generated), str(reference))]


def test_a_holding_set_gate_exits_0(cli: CliRunnerFn, image_sets: Path) -> None:
    result = cli(
        "compare", image_sets / "generated", image_sets / "reference", "--set", "-m", "fd",
        "--gate", "fd>=0", "--format", "csv",
    )  # fmt: skip

    assert result.exit_code == 0


def _against_stats_of(cli: CliRunnerFn, image_sets: Path, stats: Path, *feature: str) -> CliResult:
    """``imgsim compare --set -f color_hist`` against statistics made with ``feature``."""
    cli("stats", image_sets / "reference", *feature, "--out", stats)
    return cli("compare", image_sets / "generated", stats, "--set", "-f", "color_hist")


def test_a_stats_file_of_another_feature_is_a_usage_error(
    cli: CliRunnerFn, image_sets: Path, tmp_path: Path
) -> None:
    result = _against_stats_of(cli, image_sets, tmp_path / "reference.npz", "-f", "thumb")

    assert result.exit_code == 2


def test_a_stats_file_of_another_feature_is_refused_saying_how_to_rebuild_it(
    cli: CliRunnerFn, image_sets: Path, tmp_path: Path
) -> None:
    thumb, color_hist = imgsim.FEATURES["thumb"], imgsim.FEATURES["color_hist"]

    result = _against_stats_of(cli, image_sets, tmp_path / "reference.npz", "-f", "thumb")

    assert result.stderr == (
        f"imgsim: the reference statistics were made with thumb version {thumb.version}, "
        f"not color_hist (--bins 8, --space hsv) version {color_hist.version}; rebuild them with "
        "`imgsim stats REF -f color_hist --bins 8 --space hsv --out FILE.npz`\n"
    )


def test_a_stats_file_with_other_bins_is_a_usage_error(
    cli: CliRunnerFn, image_sets: Path, tmp_path: Path
) -> None:
    stats = tmp_path / "reference.npz"

    result = _against_stats_of(cli, image_sets, stats, "-f", "color_hist", "--bins", "4")

    assert result.exit_code == 2


def test_a_stats_file_with_other_bins_is_refused_saying_how_to_rebuild_it(
    cli: CliRunnerFn, image_sets: Path, tmp_path: Path
) -> None:
    stats = tmp_path / "reference.npz"
    version = imgsim.FEATURES["color_hist"].version

    result = _against_stats_of(cli, image_sets, stats, "-f", "color_hist", "--bins", "4")

    assert result.stderr == (
        f"imgsim: the reference statistics were made with color_hist (--bins 4, --space hsv) "
        f"version {version}, not color_hist (--bins 8, --space hsv) version {version}; rebuild "
        "them with `imgsim stats REF -f color_hist --bins 8 --space hsv --out FILE.npz`\n"
    )


def _unknown_set_metric(cli: CliRunnerFn, image_sets: Path) -> CliResult:
    return cli("compare", image_sets / "generated", image_sets / "reference", "--set", "-m", "fid")


def test_an_unknown_set_metric_exits_2(cli: CliRunnerFn, image_sets: Path) -> None:
    assert _unknown_set_metric(cli, image_sets).exit_code == 2


def test_an_unknown_set_metric_lists_the_set_metrics(cli: CliRunnerFn, image_sets: Path) -> None:
    assert _unknown_set_metric(cli, image_sets).stderr == (
        f"imgsim: unknown set metric 'fid'; valid set metrics: {', '.join(SET_METRICS)}\n"
    )


def test_stats_to_an_output_that_is_not_npz_is_a_usage_error(
    cli: CliRunnerFn, image_sets: Path, tmp_path: Path
) -> None:
    result = cli("stats", image_sets / "reference", "--out", tmp_path / "stats.csv")

    assert result.exit_code == 2


def test_stats_refuses_an_output_that_is_not_npz_naming_it(
    cli: CliRunnerFn, image_sets: Path, tmp_path: Path
) -> None:
    out = tmp_path / "stats.csv"

    result = cli("stats", image_sets / "reference", "--out", out)

    assert result.stderr == f"imgsim: --out must name an .npz file, got {out}\n"


def test_stats_refusing_an_output_writes_no_file(
    cli: CliRunnerFn, image_sets: Path, tmp_path: Path
) -> None:
    out = tmp_path / "stats.csv"

    cli("stats", image_sets / "reference", "--out", out)

    assert not out.exists()
