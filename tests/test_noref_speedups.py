"""The fast paths of the no-reference metrics give their references' values exactly:
blur's bicubic shrink is Pillow's ``Image.resize`` byte for byte, on photographs and on
random images of many sizes, with the fast horizontal pass and where Pillow keeps it."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from photos import PHOTOS
from PIL import Image as PilImage

from imgsim.metrics.noref_specs import measurement_specs, measurement_values
from imgsim.metrics.pillow_shrink import pillow_shrink, row_shrink, shrink_rows
from imgsim.metrics.registry import NO_REFERENCE_METRICS

Image = NDArray[np.uint8]
RNG_SIZES = np.random.default_rng(16)
SIZES = [
    (int(step * width), int(rows), int(width), int(height))
    for step, width, rows, height in zip(
        RNG_SIZES.integers(2, 24, 40),
        4 * RNG_SIZES.integers(1, 20, 40),
        RNG_SIZES.integers(4, 300, 40),
        RNG_SIZES.integers(1, 120, 40),
        strict=True,
    )
]
"""(columns, rows, output width, output height): whole horizontal ratios 2-23, output
widths that are multiples of 4, heights shrunk, kept or enlarged."""
FAST_SIZES = [size for size in SIZES if row_shrink(size[0], size[2], 1) is not None]
"""Those that the fast horizontal pass takes (outputs that share the kernel)."""


def _pillow(image: Image, size: tuple[int, int]) -> Image:
    return np.asarray(PilImage.fromarray(image).resize(size))


def _random(shape: tuple[int, ...], seed: int) -> Image:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


@pytest.mark.parametrize("name", PHOTOS)
def test_shrink_of_a_photograph_to_64_px_is_pillows(photos: dict[str, Image], name: str) -> None:
    photo = photos[name]
    size = (64, max(photo.shape[0] * 64 // photo.shape[1], 1))
    assert np.array_equal(np.asarray(pillow_shrink(photo, size)), _pillow(photo, size))


@pytest.mark.parametrize("name", PHOTOS)
def test_fast_horizontal_pass_of_a_photograph_is_pillows(
    photos: dict[str, Image], name: str
) -> None:
    photo = np.ascontiguousarray(photos[name][:, : photos[name].shape[1] // 64 * 64])
    rows = photo.shape[0]
    assert np.array_equal(shrink_rows(photo, 64), _pillow(photo, (64, rows)))


def test_fast_pass_covers_the_benchmarks_1024_by_768_images() -> None:
    assert shrink_rows(_random((768, 1024, 3), 0), 64) is not None


@pytest.mark.parametrize(("columns", "rows", "width", "height"), SIZES)
def test_shrink_of_random_rgb_is_pillows(columns: int, rows: int, width: int, height: int) -> None:
    image = _random((rows, columns, 3), columns * rows)
    size = (width, height)
    assert np.array_equal(np.asarray(pillow_shrink(image, size)), _pillow(image, size))


def test_fast_pass_takes_most_sizes() -> None:
    assert len(FAST_SIZES) >= 30


@pytest.mark.parametrize(("columns", "rows", "width", "height"), FAST_SIZES)
def test_fast_horizontal_pass_of_random_gray_is_pillows(
    columns: int, rows: int, width: int, height: int
) -> None:
    image = _random((rows, columns), columns + rows)
    assert np.array_equal(shrink_rows(image, width), _pillow(image, (width, rows)))


def test_shrink_where_pillow_runs_the_vertical_pass_first_is_pillows() -> None:
    # The height shrinks far more than the width: Pillow 13 starts with the rows.
    image = _random((400, 64, 3), 1)
    assert np.array_equal(np.asarray(pillow_shrink(image, (32, 8))), _pillow(image, (32, 8)))


def test_shrink_of_a_ratio_that_is_not_whole_is_pillows() -> None:
    image = _random((300, 1000, 3), 2)
    assert np.array_equal(np.asarray(pillow_shrink(image, (64, 19))), _pillow(image, (64, 19)))


def test_horizontal_pass_declines_a_ratio_that_is_not_whole() -> None:
    assert shrink_rows(_random((30, 1000, 3), 3), 64) is None


def test_shrink_near_rounding_steps_is_pillows() -> None:
    # Smooth ramps put many sums within the float32 margin of a rounding step.
    ramp = np.add.outer(np.arange(256), np.arange(1024)) % 256
    image = np.stack([ramp, ramp[::-1], ramp // 2], axis=2).astype(np.uint8)
    assert np.array_equal(np.asarray(pillow_shrink(image, (64, 16))), _pillow(image, (64, 16)))


@pytest.mark.parametrize("name", ["brightness", "contrast", "entropy"])
def test_engine_values_from_the_shared_histogram_are_the_metrics(
    photos: dict[str, Image], name: str
) -> None:
    photo = photos["coffee"]
    metric = NO_REFERENCE_METRICS[name]
    expected = np.asarray(measurement_values(metric, photo), dtype=np.float32)
    assert np.array_equal(measurement_specs()[name].compute(photo, {}, False), expected)


def test_shared_histogram_follows_a_new_image(photos: dict[str, Image]) -> None:
    spec = measurement_specs()["contrast"]
    spec.compute(photos["coffee"], {}, False)
    flat = np.full((32, 32, 3), 90, np.uint8)
    assert spec.compute(flat, {}, False)[0] == 0.0
