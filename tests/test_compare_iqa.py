"""The image-quality metrics through ``imgsim compare`` and ``imgsim.compare``: every
pixel metric of the registry by name, ``--crop-border``, gates, and fewer scales.

Each value printed is held to the metric's function on the pixels Pillow decodes from
the same files (the functions themselves are tested against the authors' code in their
own modules).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cli_support import RGB, csv_rows, pillow_rgb, save_image
from conftest import CliRunnerFn
from distortions import jpeg

import imgsim
from imgsim.metrics.registry import PIXEL_METRICS

METRICS = list(PIXEL_METRICS)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, photos: dict[str, RGB]) -> tuple[Path, Path]:
    """A 200 x 216 crop of a photograph (the reference) and its JPEG (judged), as PNGs:
    large enough for every metric."""
    folder = tmp_path_factory.mktemp("iqa")
    reference = np.ascontiguousarray(photos["coffee"][100:300, 150:366])
    judged = save_image(folder / "judged.png", jpeg(30)(reference))
    return judged, save_image(folder / "reference.png", reference)


@pytest.fixture(scope="module")
def rows(cli_once: CliRunnerFn, pair: tuple[Path, Path]) -> dict[str, str]:
    """The one row of ``compare judged reference`` with every pixel metric."""
    result = cli_once("compare", *pair, "-m", ",".join(METRICS), "--format", "csv")
    return csv_rows(result.stdout)[0]


@pytest.mark.parametrize("name", METRICS)
def test_compare_prints_each_metric_as_its_function_computes_it(
    name: str, rows: dict[str, str], pair: tuple[Path, Path]
) -> None:
    expected = PIXEL_METRICS[name].function(pillow_rgb(pair[0]), pillow_rgb(pair[1]))

    assert float(rows[name]) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("name", METRICS)
def test_python_compare_gives_each_metric_as_its_function(
    name: str, pair: tuple[Path, Path]
) -> None:
    judged, reference = pillow_rgb(pair[0]), pillow_rgb(pair[1])

    values = imgsim.compare(judged, reference, metrics=[name])

    assert values[name] == PIXEL_METRICS[name].function(judged, reference)


def test_crop_border_reaches_psnr_y(cli: CliRunnerFn, pair: tuple[Path, Path]) -> None:
    result = cli("compare", *pair, "-m", "psnr_y", "--crop-border", "4", "--format", "csv")

    expected = imgsim.psnr_y(pillow_rgb(pair[0]), pillow_rgb(pair[1]), crop_border=4)
    assert float(csv_rows(result.stdout)[0]["psnr_y"]) == pytest.approx(expected, rel=1e-6)


def test_crop_border_changes_ssim_y(cli: CliRunnerFn, pair: tuple[Path, Path]) -> None:
    cropped = cli("compare", *pair, "-m", "ssim_y", "--crop-border", "8", "--format", "csv")

    whole = cli("compare", *pair, "-m", "ssim_y", "--format", "csv")

    assert csv_rows(cropped.stdout)[0]["ssim_y"] != csv_rows(whole.stdout)[0]["ssim_y"]


def test_crop_border_without_a_metric_that_reads_it_names_the_flag(
    cli: CliRunnerFn, pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *pair, "-m", "ssim", "--crop-border", "4")

    assert "--crop-border 4 applies to ssim_y, psnr_y only" in result.stderr


def test_a_negative_crop_border_is_a_usage_error(cli: CliRunnerFn, pair: tuple[Path, Path]) -> None:
    result = cli("compare", *pair, "-m", "psnr_y", "--crop-border", "-1")

    assert result.exit_code == 2


def test_python_crop_border_without_a_metric_that_reads_it_names_the_argument(
    pair: tuple[Path, Path],
) -> None:
    with pytest.raises(ValueError, match="crop_border=4 applies to ssim_y, psnr_y only"):
        imgsim.compare(*pair, metrics=["ssim"], crop_border=4)


def test_a_gate_on_fsim_fails_the_run_below_its_threshold(
    cli: CliRunnerFn, pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *pair, "-m", "fsim", "--gate", "mean(fsim)>=0.9999")

    assert result.exit_code == 1


def test_a_gate_on_a_lower_is_better_metric_passes_when_it_holds(
    cli: CliRunnerFn, pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *pair, "-m", "gmsd,mdsi", "--gate", "max(gmsd)<=0.5")

    assert result.exit_code == 0


def test_ms_gmsd_of_a_tiny_pair_notes_its_fewer_scales(cli: CliRunnerFn, tmp_path: Path) -> None:
    image = np.random.default_rng(0).integers(0, 256, (12, 12, 3), dtype=np.uint8)
    a, b = save_image(tmp_path / "a.png", image), save_image(tmp_path / "b.png", image[::-1])

    result = cli("compare", a, b, "-m", "ms_gmsd")

    assert "ms_gmsd used 3 of its 4 scales" in result.stderr


@pytest.mark.parametrize("column", ["reference", "use_when"])
@pytest.mark.parametrize("name", METRICS)
def test_imgsim_list_gives_each_metric_a_reference_and_when_to_use_it(
    name: str, column: str, cli_once: CliRunnerFn
) -> None:
    listed = {row["name"]: row for row in csv_rows(cli_once("list", "--format", "csv").stdout)}

    assert listed[name][column]
