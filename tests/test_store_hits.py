"""The feature store through ``extract``: what is a hit, what is a miss, and that a
hit prints exactly what a fresh computation prints; unreadable files are never stored."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import CliRunnerFn
from store_support import (
    ALL_FEATURES,
    FEATURES,
    count_images,
    expected_summary,
    nine_photos,
    rows,
    scalar,
    small_photo,
    summary,
)


@pytest.fixture
def images(tmp_path: Path, photos: dict[str, np.ndarray]) -> Path:
    """Nine small real photographs: PNGs at the top, JPEGs in a subfolder."""
    return nine_photos(tmp_path / "images", photos)


# --------------------------------------------------------------------------- hits and misses


def test_a_rerun_takes_every_image_from_the_store_and_prints_the_same_csv(
    cli: CliRunnerFn, images: Path
) -> None:
    count = count_images(images)
    first = cli("extract", images, "-f", ALL_FEATURES, "--format", "csv")

    second = cli("extract", images, "-f", ALL_FEATURES, "--format", "csv")

    assert second.exit_code == 0
    assert summary(second.stderr) == expected_summary(count, 0, count)
    assert second.stdout == first.stdout


def test_stored_features_equal_features_computed_without_the_store(
    cli: CliRunnerFn, images: Path
) -> None:
    count = count_images(images)
    cli("extract", images, "-f", ALL_FEATURES, "--format", "csv")

    stored = cli("extract", images, "-f", ALL_FEATURES, "--format", "csv")
    fresh = cli("extract", images, "-f", ALL_FEATURES, "--format", "csv", "--no-cache")

    assert summary(stored.stderr) == expected_summary(count, 0, count)
    assert stored.stdout == fresh.stdout


def test_a_copied_folder_is_found_by_content(
    cli: CliRunnerFn, images: Path, tmp_path: Path
) -> None:
    count = count_images(images)
    cli("extract", images, "-f", FEATURES, "--format", "csv")
    copy = shutil.copytree(images, tmp_path / "elsewhere" / "copy")

    result = cli("extract", copy, "-f", FEATURES, "--format", "csv")

    assert summary(result.stderr) == expected_summary(count, 0, count)


def test_a_renamed_file_is_found_by_content(cli: CliRunnerFn, images: Path) -> None:
    count = count_images(images)
    cli("extract", images, "-f", FEATURES, "--format", "csv")
    (images / "astronaut.png").rename(images / "renamed.png")

    result = cli("extract", images, "-f", FEATURES, "--format", "csv")

    assert summary(result.stderr) == expected_summary(count, 0, count)


def test_a_file_rewritten_with_the_same_size_is_computed_again(
    cli: CliRunnerFn, images: Path, photos: dict[str, np.ndarray]
) -> None:
    """BMP files of one size are all the same length: only the content tells them apart."""
    count = count_images(images) + 1
    bmp = images / "generated.bmp"
    small_photo(photos["astronaut"]).save(bmp)
    cli("extract", images, "-f", FEATURES, "--format", "csv")
    size_before = bmp.stat().st_size
    small_photo(photos["rocket"]).save(bmp)

    result = cli("extract", images, "-f", FEATURES, "--format", "csv")
    fresh = cli("extract", images, "-f", FEATURES, "--format", "csv", "--no-cache")

    assert bmp.stat().st_size == size_before
    assert summary(result.stderr) == expected_summary(count, 1, count - 1)
    assert result.stdout == fresh.stdout


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("-f", "phash"), ("-f", "phash", "--hash-size", "16")),
        (("-f", "phash", "--hash-size", "16"), ("-f", "phash")),
        (("-f", "color_hist"), ("-f", "color_hist", "--bins", "4")),
        (("-f", "phash"), ("-f", "dhash")),
        (("-f", "thumb"), ("-f", "thumb", "--size", "64")),
    ],
    ids=["hash-size", "hash-size-back", "bins", "other-feature", "size"],
)
def test_another_option_or_feature_is_a_miss_never_a_stale_hit(
    cli: CliRunnerFn, images: Path, first: tuple[str, ...], second: tuple[str, ...]
) -> None:
    count = count_images(images)
    cli("extract", images, *first, "--format", "csv")

    stored = cli("extract", images, *second, "--format", "csv")
    fresh = cli("extract", images, *second, "--format", "csv", "--no-cache")

    assert summary(stored.stderr) == expected_summary(count, count, 0)
    assert stored.stdout == fresh.stdout


def test_features_of_both_options_live_side_by_side(cli: CliRunnerFn, images: Path) -> None:
    count = count_images(images)
    cli("extract", images, "-f", "phash", "--format", "csv")
    cli("extract", images, "-f", "phash", "--hash-size", "16", "--format", "csv")

    again = cli("extract", images, "-f", "phash", "--format", "csv")
    fresh = cli("extract", images, "-f", "phash", "--format", "csv", "--no-cache")

    assert summary(again.stderr) == expected_summary(count, 0, count)
    assert again.stdout == fresh.stdout


def test_a_stored_image_over_max_pixels_is_refused_as_without_the_store(
    cli: CliRunnerFn, images: Path
) -> None:
    cli("extract", images, "-f", "phash", "--format", "csv")

    stored = cli("extract", images, "-f", "phash", "--format", "csv", "--max-pixels", "100")
    fresh = cli(
        "extract", images, "-f", "phash", "--format", "csv", "--max-pixels", "100", "--no-cache"
    )

    assert stored.exit_code == fresh.exit_code
    assert stored.stdout == fresh.stdout


def test_a_copy_of_a_stored_image_over_max_pixels_is_refused_as_without_the_store(
    cli: CliRunnerFn, images: Path, tmp_path: Path
) -> None:
    """A copy is found by content (the worker's look-up), not by path (the main process's)."""
    cli("extract", images, "-f", "phash", "--format", "csv")
    copy = shutil.copytree(images, tmp_path / "copy")
    args = ("extract", copy, "-f", "phash", "--format", "csv", "--max-pixels", "100")

    stored = cli(*args)
    fresh = cli(*args, "--no-cache")

    assert stored.exit_code == fresh.exit_code
    assert stored.stdout == fresh.stdout


# --------------------------------------------------------------------------- unreadable files


def test_unreadable_files_are_reported_again_on_a_rerun(cli: CliRunnerFn, images: Path) -> None:
    count = count_images(images)
    broken = images / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n and then nothing")
    first = cli("extract", images, "-f", FEATURES, "--format", "csv")

    second = cli("extract", images, "-f", FEATURES, "--format", "csv")

    reported = [line for line in second.stderr.splitlines() if line.startswith(f"{broken}: ")]
    assert first.exit_code == 3
    assert second.exit_code == 3
    assert len(reported) == 1
    assert summary(second.stderr) == expected_summary(count + 1, 0, count, 1)


def test_unreadable_files_are_not_stored(
    cli: CliRunnerFn, images: Path, isolated_store: Path
) -> None:
    broken = images / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n and then nothing")

    cli("extract", images, "-f", FEATURES, "--format", "csv")

    stored_paths = scalar(isolated_store, "SELECT json_group_array(path) FROM files")
    assert str(broken) not in json.loads(stored_paths)
    assert len(json.loads(stored_paths)) == count_images(images) - 1


def test_a_stored_file_that_became_unreadable_is_reported_not_served(
    cli: CliRunnerFn, images: Path
) -> None:
    cli("extract", images, "-f", FEATURES, "--format", "csv")
    damaged = images / "astronaut.png"
    damaged.write_bytes(damaged.read_bytes()[:200])

    result = cli("extract", images, "-f", FEATURES, "--format", "csv")

    row = next(row for row in rows(result.stdout) if row["path"] == str(damaged))
    assert result.exit_code == 3
    assert row["phash"] == ""
    assert row["error"] != ""
