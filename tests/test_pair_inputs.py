"""What every full-reference metric does to its inputs: checks, luma, MATLAB downsampling.

The downsampling is held to ``conv2(x, fspecial('average', F), 'same')`` sampled at
``(1:F:end, 1:F:end)`` as transcribed in ``authors_code.matlab``; the luma to BT.601.
"""

from __future__ import annotations

import numpy as np
import pytest
from authors_code.matlab import conv2_same, fspecial_average, rgb2gray
from numpy.typing import NDArray
from PIL import Image

from imgsim.metrics.pair_inputs import (
    checked_pair,
    gray8,
    luma,
    matlab_downsample,
    matlab_factor,
    rgb,
)


@pytest.mark.parametrize("factor", [2, 3, 4])
@pytest.mark.parametrize("shape", [(9, 7), (10, 12), (11, 11), (64, 33)])
def test_matlab_downsample_is_conv2_same_then_every_fth_pixel(
    factor: int, shape: tuple[int, int]
) -> None:
    image = np.random.default_rng(factor).random(shape) * 255
    expected = conv2_same(image, fspecial_average(factor))[::factor, ::factor]

    np.testing.assert_allclose(matlab_downsample(image, factor), expected, rtol=1e-12)


def test_matlab_downsample_works_per_plane() -> None:
    image = np.random.default_rng(0).random((13, 10, 3))
    expected = np.stack([matlab_downsample(image[:, :, c], 2) for c in range(3)], axis=2)

    np.testing.assert_array_equal(matlab_downsample(image, 2), expected)


@pytest.mark.parametrize(
    ("side", "factor"), [(100, 1), (383, 1), (384, 2), (512, 2), (639, 2), (640, 3)]
)
def test_matlab_factor_rounds_halves_up_as_matlab(side: int, factor: int) -> None:
    assert matlab_factor(side, 2 * side) == factor


def test_luma_of_rgb_is_unrounded_bt601() -> None:
    image = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]]], dtype=np.uint8)

    expected = [[0.299 * 255, 0.587 * 255, 0.114 * 255, 0.299 * 10 + 0.587 * 20 + 0.114 * 30]]
    np.testing.assert_allclose(luma(image), expected, rtol=1e-15)


def test_luma_of_gray_is_the_image_itself() -> None:
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)

    np.testing.assert_array_equal(luma(image), image)


def test_rgb_of_gray_copies_it_to_three_channels() -> None:
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)

    np.testing.assert_array_equal(rgb(image)[:, :, 2], image)


def test_a_single_channel_image_counts_as_gray() -> None:
    image = np.zeros((4, 5, 1), dtype=np.uint8)

    assert checked_pair(image, image, "metric")[0].shape == (4, 5)


def test_a_small_image_is_refused_naming_the_metric_and_its_minimum() -> None:
    image = np.zeros((8, 9), dtype=np.uint8)

    with pytest.raises(ValueError, match="gmsd needs images of at least 11x11 pixels, got 9x8"):
        checked_pair(image, image, "gmsd", min_side=11)


def test_images_of_different_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="same shape"):
        checked_pair(np.zeros((4, 4), np.uint8), np.zeros((4, 5), np.uint8), "gmsd")


@pytest.mark.parametrize("shape", [(4, 4, 4), (4, 4, 2), (0, 4), (4,)])
def test_images_neither_gray_nor_rgb_are_refused(shape: tuple[int, ...]) -> None:
    image = np.zeros(shape, dtype=np.uint8)

    with pytest.raises(ValueError, match="image_a must be an H x W gray or H x W x 3 RGB"):
        checked_pair(image, image, "gmsd")


def test_a_float_image_is_refused_naming_the_dtype() -> None:
    image = np.zeros((4, 4), dtype=np.float32)

    with pytest.raises(ValueError, match="dtype uint8"):
        checked_pair(image, image, "gmsd")


def test_gray8_is_matlab_rgb2gray() -> None:
    image = np.random.default_rng(3).integers(0, 256, (40, 50, 3), dtype=np.uint8)

    np.testing.assert_array_equal(gray8(image), rgb2gray(image))


def test_gray8_of_a_gray_image_is_the_image() -> None:
    image = np.arange(20, dtype=np.uint8).reshape(4, 5)

    assert gray8(image) is image


def test_gray8_is_within_one_level_of_pillows_bt601_gray() -> None:
    image = np.random.default_rng(4).integers(0, 256, (64, 64, 3), dtype=np.uint8)

    pillow = np.asarray(Image.fromarray(image).convert("L"), dtype=np.int16)

    assert np.abs(gray8(image).astype(np.int16) - pillow).max() <= 1


def colour_cube_slab(red: int) -> NDArray[np.uint8]:
    """Every colour with the given red level, as a 256 x 256 RGB image."""
    green, blue = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    slab = np.stack([np.full_like(green, red), green, blue], axis=-1)
    return slab.astype(np.uint8)


def test_gray8_is_matlab_rgb2gray_on_every_colour() -> None:
    reds = np.arange(256, dtype=np.uint8)
    cube = np.concatenate([colour_cube_slab(int(red)) for red in reds], axis=0)
    chunks = np.split(cube, 16, axis=0)

    mismatches = sum(np.count_nonzero(gray8(chunk) != rgb2gray(chunk)) for chunk in chunks)

    assert mismatches == 0


def test_gray8_reads_a_strided_view_as_its_copy() -> None:
    image = np.random.default_rng(5).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    view = image[::2, ::3]

    np.testing.assert_array_equal(gray8(view), rgb2gray(np.ascontiguousarray(view)))


@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 9, 3), (9, 1, 3)])
def test_gray8_of_a_thin_image_is_matlab_rgb2gray(shape: tuple[int, int, int]) -> None:
    image = np.random.default_rng(sum(shape)).integers(0, 256, shape, dtype=np.uint8)

    np.testing.assert_array_equal(gray8(image), rgb2gray(image))


def test_gray8_of_an_image_of_several_row_strips_is_matlab_rgb2gray() -> None:
    image = np.random.default_rng(6).integers(0, 256, (1000, 300, 3), dtype=np.uint8)

    np.testing.assert_array_equal(gray8(image), rgb2gray(image))
