"""``imgsim compare`` of pairs through the real command line: which files pair, the
scores, the columns and formats, images of different sizes, and the metric names.

Scores are checked against independent references (scikit-image, imagehash,
OpenCV on images decoded by Pillow), and the contract of DESIGN.md: pairing by
relative path without extension, columns named as typed, CSV and JSON layout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import imagehash
import numpy as np
import pytest
from cli_support import RGB, csv_header, csv_rows, pillow_rgb, save_image
from compare_support import build_folders, pairs, skimage_psnr, skimage_ssim, small
from conftest import CliResult, CliRunnerFn
from numpy.typing import NDArray
from PIL import Image

from imgsim.metrics import PIXEL_METRICS


@pytest.fixture
def folders(tmp_path: Path, photos: dict[str, RGB]) -> tuple[Path, Path]:
    """gen/ and ref/: two pairs and three loners (compare_support.build_folders)."""
    return build_folders(tmp_path, photos)


@pytest.fixture
def cat_pair(folders: tuple[Path, Path]) -> tuple[Path, Path]:
    """gen/cat.png and its partner ref/cat.jpg, a JPEG of the same photograph."""
    gen, ref = folders
    return gen / "cat.png", ref / "cat.jpg"


@pytest.fixture
def identical_pair(folders: tuple[Path, Path]) -> tuple[Path, Path]:
    """gen/sub/dog.png and its identical partner ref/sub/dog.png."""
    gen, ref = folders
    return gen / "sub" / "dog.png", ref / "sub" / "dog.png"


# --------------------------------------------------------------------------- pairing


def test_file_against_file_is_one_row(cli: CliRunnerFn, cat_pair: tuple[Path, Path]) -> None:
    a, b = cat_pair

    result = cli("compare", a, b, "-m", "ssim")

    assert pairs(result) == [(str(a), str(b))]


REFERENCES: dict[str, Callable[[RGB, RGB], float]] = {
    "ssim": skimage_ssim,
    "psnr": skimage_psnr,
    "mae": lambda a, b: float(np.mean(np.abs(a.astype(np.float64) - b.astype(np.float64)))),
}


@pytest.mark.parametrize("metric", list(REFERENCES))
def test_file_against_file_scores_match_the_reference(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], metric: str
) -> None:
    a, b = cat_pair
    expected = REFERENCES[metric](pillow_rgb(a), pillow_rgb(b))

    result = cli("compare", a, b, "-m", metric)

    assert float(csv_rows(result.stdout)[0][metric]) == pytest.approx(expected, abs=1e-4)


def test_phash_is_the_hamming_distance_imagehash_gives(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gen, ref = folders
    a, b = gen / "cat.png", ref / "sub" / "stray.png"
    expected = imagehash.phash(Image.open(a)) - imagehash.phash(Image.open(b))

    result = cli("compare", a, b, "-m", "phash")

    assert int(csv_rows(result.stdout)[0]["phash"]) == expected


def test_color_hist_intersection_matches_opencv(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gen, ref = folders
    a, b = gen / "cat.png", ref / "sub" / "stray.png"

    def histogram(path: Path) -> NDArray[np.float32]:
        hsv = cv2.cvtColor(pillow_rgb(path), cv2.COLOR_RGB2HSV)
        counts = cv2.calcHist([hsv], [0, 1, 2], None, [8, 8, 8], [0, 180, 0, 256, 0, 256])
        return np.asarray(counts / counts.sum(), dtype=np.float32)

    expected = cv2.compareHist(histogram(a), histogram(b), cv2.HISTCMP_INTERSECT)

    result = cli("compare", a, b, "-m", "color_hist:intersection")

    value = float(csv_rows(result.stdout)[0]["color_hist:intersection"])
    assert value == pytest.approx(expected, rel=1e-6)


def test_folders_pair_by_relative_path_without_extension(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gen, ref = folders

    result = cli("compare", gen, ref, "-m", "ssim")

    assert pairs(result) == [
        (str(gen / "cat.png"), str(ref / "cat.jpg")),
        (str(gen / "sub" / "dog.png"), str(ref / "sub" / "dog.png")),
    ]


def test_unmatched_files_are_listed_on_stderr(cli: CliRunnerFn, folders: tuple[Path, Path]) -> None:
    gen, ref = folders

    result = cli("compare", gen, ref, "-m", "ssim")

    listed = sorted(
        line.split(": ")[0] for line in result.stderr.splitlines() if "no partner" in line
    )
    assert listed == sorted(
        str(p) for p in (gen / "lonely.png", ref / "dog.png", ref / "sub" / "stray.png")
    )


def test_unmatched_files_leave_exit_0(cli: CliRunnerFn, folders: tuple[Path, Path]) -> None:
    result = cli("compare", *folders, "-m", "ssim")

    assert result.exit_code == 0


def test_file_against_folder_scores_the_file_against_every_image(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gen, ref = folders
    a = gen / "cat.png"

    result = cli("compare", a, ref, "-m", "ssim")

    assert pairs(result) == [
        (str(a), str(ref / name)) for name in ("cat.jpg", "dog.png", "sub/dog.png", "sub/stray.png")
    ]


def test_folder_against_file_scores_every_image_against_the_file(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gen, ref = folders
    b = ref / "cat.jpg"

    result = cli("compare", gen, b, "-m", "ssim")

    assert pairs(result) == [
        (str(gen / name), str(b)) for name in ("cat.png", "lonely.png", "sub/dog.png")
    ]


# --------------------------------------------------------------------------- columns and formats


def test_default_metrics_are_ssim_psnr_phash_color_hist(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *cat_pair)

    assert csv_header(result.stdout) == ["a", "b", "ssim", "psnr", "phash", "color_hist", "error"]


def test_csv_columns_are_the_metric_names_as_typed(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli(
        "compare",
        *cat_pair,
        "-m",
        "color_hist:intersection",
        "-m",
        "mae,phash:hamming",
    )

    assert csv_header(result.stdout) == [
        "a",
        "b",
        "color_hist:intersection",
        "mae",
        "phash:hamming",
        "error",
    ]


def _json_document(cli: CliRunnerFn, folders: tuple[Path, Path]) -> dict[str, Any]:
    result = cli("compare", *folders, "-m", "ssim", "--gate", "ssim>=0", "--format", "json")
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_json_is_one_object_with_rows_summary_and_gates(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    assert list(_json_document(cli, folders)) == ["rows", "summary", "gates"]


def test_json_summary_gives_mean_min_max_and_median_of_each_metric(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    summary = _json_document(cli, folders)["summary"]

    assert list(summary["ssim"]) == ["mean", "min", "max", "median"]


def test_json_gates_give_the_gate_whether_it_passed_and_the_failing_rows(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gates = _json_document(cli, folders)["gates"]

    assert list(gates[0]) == ["gate", "passed", "failing_rows"]


def test_json_summary_aggregates_the_rows(cli: CliRunnerFn, folders: tuple[Path, Path]) -> None:
    result = cli("compare", *folders, "-m", "ssim", "--format", "json")
    document = json.loads(result.stdout)
    values = [row["ssim"] for row in document["rows"]]

    summary = document["summary"]["ssim"]

    assert summary == pytest.approx(
        {
            "mean": np.mean(values),
            "min": min(values),
            "max": max(values),
            "median": np.median(values),
        }
    )


def test_identical_images_have_psnr_inf_in_csv(
    cli: CliRunnerFn, identical_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *identical_pair, "-m", "psnr")

    assert csv_rows(result.stdout)[0]["psnr"] == "inf"


def test_identical_images_have_psnr_as_the_string_inf_in_json(
    cli: CliRunnerFn, identical_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *identical_pair, "-m", "psnr", "--format", "json")

    assert json.loads(result.stdout)["rows"][0]["psnr"] == "inf"


# --------------------------------------------------------------------------- sizes


@pytest.fixture
def different_sizes(tmp_path: Path, photos: dict[str, RGB]) -> tuple[Path, Path]:
    a = save_image(tmp_path / "wide.png", small(photos["astronaut"], (64, 48)))
    b = save_image(tmp_path / "short.png", small(photos["astronaut"], (64, 40)))
    return a, b


def test_different_sizes_are_a_usage_error(
    cli: CliRunnerFn, different_sizes: tuple[Path, Path]
) -> None:
    result = cli("compare", *different_sizes, "-m", "ssim")

    assert result.exit_code == 2


def test_different_sizes_are_reported_naming_both_files_and_sizes(
    cli: CliRunnerFn, different_sizes: tuple[Path, Path]
) -> None:
    a, b = different_sizes

    result = cli("compare", a, b, "-m", "ssim")

    assert f"{a} is 64x48, {b} is 64x40" in result.stderr


def test_resize_scores_images_of_different_sizes(
    cli: CliRunnerFn, different_sizes: tuple[Path, Path]
) -> None:
    result = cli("compare", *different_sizes, "-m", "ssim", "--resize")

    assert result.exit_code == 0


def test_ms_ssim_of_images_under_176_pixels_is_scored_on_fewer_scales(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim,ms_ssim")

    assert result.exit_code == 0


def test_ms_ssim_on_fewer_scales_says_so_in_a_note(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim,ms_ssim")

    assert re.search(r"ms_ssim used \d of its 5 scales", result.stderr)


def test_a_metric_the_images_are_too_small_for_gives_the_reason_in_the_row(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim,iw_ssim")

    assert "iw_ssim needs images of at least" in csv_rows(result.stdout)[0]["error"]


def test_a_metric_the_images_are_too_small_for_is_a_usage_error(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim,iw_ssim")

    assert result.exit_code == 2


# --------------------------------------------------------------------------- metrics


@pytest.fixture
def sift_of_a_flat_image(
    cli: CliRunnerFn, tmp_path: Path, cat_pair: tuple[Path, Path]
) -> CliResult:
    flat = save_image(tmp_path / "flat.png", np.full((48, 64, 3), 128, dtype=np.uint8))
    return cli("compare", flat, cat_pair[0], "-m", "sift")


def test_sift_on_a_flat_image_exits_0(sift_of_a_flat_image: CliResult) -> None:
    assert sift_of_a_flat_image.exit_code == 0


def test_sift_on_a_flat_image_is_0(sift_of_a_flat_image: CliResult) -> None:
    assert csv_rows(sift_of_a_flat_image.stdout)[0]["sift"] == "0.0"


def test_sift_on_a_flat_image_notes_the_reason(sift_of_a_flat_image: CliResult) -> None:
    note = "sift = 0: too few keypoints (0 in the first image)"
    assert note in sift_of_a_flat_image.stderr


def test_an_unknown_metric_is_a_usage_error_listing_the_valid_names(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim,crispness")

    listed = result.stderr.split("valid metrics: ")[-1]
    valid = [*PIXEL_METRICS, "sift", "phash", "color_hist"]
    assert [name for name in valid if name not in listed] == []


def test_an_unknown_metric_exits_2(cli: CliRunnerFn, cat_pair: tuple[Path, Path]) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim,crispness")

    assert result.exit_code == 2
