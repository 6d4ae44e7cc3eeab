"""``color_hist`` and ``thumb`` against independent NumPy computations.

``color_hist`` is checked against OpenCV's 8-bit RGB→HSV formulas transcribed into
NumPy, binned with ``numpy.histogramdd`` on equal-width edges and L1-normalised;
``thumb`` against the exact area average of the ITU-R BT.601 luma
0.299 R + 0.587 G + 0.114 B. Real photographs, random noise, odd and tiny sizes.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.typing import NDArray

from imgsim.features import FeatureParams, get_feature

RGB = NDArray[np.uint8]
Histogram = NDArray[np.float32]

HUE_RANGE = 180
"""OpenCV's 8-bit hue is degrees / 2, in [0, 180); saturation and value are in [0, 256)."""
FIXED_POINT_SHIFT = 12
NOISE_SHAPES = ((257, 311), (64, 64), (9, 9), (1, 1))
SMALL_IMAGES = arrays(np.uint8, st.tuples(st.integers(1, 60), st.integers(1, 60), st.just(3)))
"""Any small RGB image, down to 1x1 (thumb then enlarges it)."""

BT601 = np.array([0.299, 0.587, 0.114])
THUMB_SIDE = 32
LUMA_ROUNDING = 0.6 / 255
"""The luma is rounded to integers before averaging (Pillow's 16-bit fixed-point weights):
each luma is off by at most 0.5 (plus ~0.01 from the weights), and an average of values
each within 0.5 of the truth is itself within 0.5."""


def _reciprocal_table(numerator: int) -> NDArray[np.int64]:
    """round(numerator * 2**12 / i) for i in 0…255, 0 for i = 0."""
    divisor = np.arange(256, dtype=np.float64)
    with np.errstate(divide="ignore"):
        table = np.rint((numerator << FIXED_POINT_SHIFT) / divisor)
    table[0] = 0
    return table.astype(np.int64)


SATURATION_RECIPROCAL = _reciprocal_table(255)
HUE_RECIPROCAL = _reciprocal_table(HUE_RANGE // 6)


def opencv_hsv(image: RGB) -> NDArray[np.int64]:
    """OpenCV's documented 8-bit RGB→HSV, H x W x 3 (H, S, V).

    V = max(R, G, B); S = 255 (V − min) / V (0 when V = 0);
    H = 30 (G − B) / (V − min) if V = R, 60 + 30 (B − R) / (V − min) if V = G,
    120 + 30 (R − G) / (V − min) otherwise, 0 when V = min, plus 180 when negative.

    The divisions are done as OpenCV does them, multiplying by 12-bit fixed-point
    reciprocals and rounding half up: with exact division instead, about 1 pixel in
    100 of a photograph gets an H or S one unit off, and the histograms of the photos
    below would differ by up to 0.01 in L1 (pixels one unit either side of a bin edge),
    far more than rounding at the edges could excuse. Done this way the transcription
    equals ``cv2.cvtColor(image, cv2.COLOR_RGB2HSV)`` on all 2**24 colours.
    """
    rgb = image.astype(np.int64)
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    value = rgb.max(axis=-1)
    spread = value - rgb.min(axis=-1)
    half = 1 << (FIXED_POINT_SHIFT - 1)
    saturation = (spread * SATURATION_RECIPROCAL[value] + half) >> FIXED_POINT_SHIFT
    sextant = np.where(
        value == red,
        green - blue,
        np.where(value == green, blue - red + 2 * spread, red - green + 4 * spread),
    )
    hue = (sextant * HUE_RECIPROCAL[spread] + half) >> FIXED_POINT_SHIFT
    hue = np.where(hue < 0, hue + HUE_RANGE, hue)
    return np.stack([hue, saturation, value], axis=-1)


def reference_histogram(image: RGB, bins: int) -> Histogram:
    """Joint (H, S, V) histogram on equal-width edges, hue slowest, L1-normalised."""
    edges = (
        np.linspace(0, HUE_RANGE, bins + 1),
        np.linspace(0, 256, bins + 1),
        np.linspace(0, 256, bins + 1),
    )
    counts, _ = np.histogramdd(opencv_hsv(image).reshape(-1, 3), bins=edges)
    flat = counts.reshape(-1).astype(np.float32)
    return flat / np.float32(flat.sum())


def color_hist(image: RGB, bins: int = 8) -> Histogram:
    return get_feature("color_hist").extract(image, FeatureParams(bins=bins)).astype(np.float32)


def thumb(image: RGB) -> NDArray[np.float32]:
    return get_feature("thumb").extract(image, FeatureParams()).astype(np.float32)


def _noise(shape: tuple[int, int], seed: int) -> RGB:
    return np.random.default_rng(seed).integers(0, 256, (*shape, 3), dtype=np.uint8)


def _crop_to_multiple(image: RGB, multiple: int) -> RGB:
    rows, columns = (side - side % multiple for side in image.shape[:2])
    return np.ascontiguousarray(image[:rows, :columns])


def block_mean_luma(image: RGB) -> NDArray[np.float64]:
    """32x32 block means of the BT.601 luma, in [0, 1]; sides must be multiples of 32."""
    rows, columns = image.shape[:2]
    luma = image.astype(np.float64) @ BT601
    blocks = luma.reshape(THUMB_SIDE, rows // THUMB_SIDE, THUMB_SIDE, columns // THUMB_SIDE)
    return blocks.mean(axis=(1, 3)).reshape(-1) / 255


def _area_weights(size: int) -> NDArray[np.float64]:
    """(32, size): how much of each output cell each input pixel covers, rows summing to 1."""
    cell = size / THUMB_SIDE
    starts = np.arange(THUMB_SIDE)[:, None] * cell
    pixel = np.arange(size)[None, :]
    overlap = np.minimum(pixel + 1, starts + cell) - np.maximum(pixel, starts)
    return np.clip(overlap, 0, None) / cell


def area_mean_luma(image: RGB) -> NDArray[np.float64]:
    """Exact area average of the BT.601 luma onto 32x32, in [0, 1], for any size >= 32."""
    luma = image.astype(np.float64) @ BT601
    rows, columns = image.shape[:2]
    return (_area_weights(rows) @ luma @ _area_weights(columns).T).reshape(-1) / 255


# --------------------------------------------------------------------------- color_hist


@pytest.mark.parametrize("bins", [4, 8, 16])
def test_color_hist_of_photos_equals_the_numpy_reference(photos: dict[str, RGB], bins: int) -> None:
    l1_differences = {
        name: float(np.abs(color_hist(pixels, bins) - reference_histogram(pixels, bins)).sum())
        for name, pixels in photos.items()
    }

    assert l1_differences == dict.fromkeys(photos, 0.0)


@pytest.mark.parametrize("shape", NOISE_SHAPES, ids=lambda shape: f"{shape[0]}x{shape[1]}")
def test_color_hist_of_noise_equals_the_numpy_reference(shape: tuple[int, int]) -> None:
    pixels = _noise(shape, seed=sum(shape))

    np.testing.assert_array_equal(color_hist(pixels), reference_histogram(pixels, 8))


@pytest.mark.parametrize(
    ("rgb", "hsv_bin"),
    [
        ((255, 0, 0), (0, 7, 7)),  # red: H 0
        ((255, 255, 0), (1, 7, 7)),  # yellow: H 30 (60°)
        ((0, 255, 0), (2, 7, 7)),  # green: H 60 (120°)
        ((0, 0, 255), (5, 7, 7)),  # blue: H 120 (240°)
        ((255, 0, 255), (6, 7, 7)),  # magenta: H 150 (300°)
        ((128, 128, 128), (0, 0, 4)),  # gray: H 0, S 0, V 128
        ((0, 0, 0), (0, 0, 0)),
    ],
)
def test_a_plain_colour_lands_in_its_documented_bin(
    rgb: tuple[int, int, int], hsv_bin: tuple[int, int, int]
) -> None:
    """8 bins: hue bins 22.5 units (45°) wide, S and V bins 32 wide; hue varies slowest."""
    image = np.full((4, 5, 3), rgb, dtype=np.uint8)
    expected = np.zeros(512, dtype=np.float32)
    expected[np.ravel_multi_index(hsv_bin, (8, 8, 8))] = 1

    np.testing.assert_array_equal(color_hist(image), expected)


@pytest.mark.parametrize("bins", [1, 4, 8, 16])
def test_color_hist_has_bins_cubed_values(photos: dict[str, RGB], bins: int) -> None:
    assert color_hist(photos["coffee"], bins).shape == (bins**3,)


@pytest.mark.parametrize("bins", [1, 4, 8, 16])
def test_color_hist_is_float32(photos: dict[str, RGB], bins: int) -> None:
    assert color_hist(photos["coffee"], bins).dtype == np.dtype(np.float32)


@settings(max_examples=50, deadline=None)
@given(SMALL_IMAGES)
def test_color_hist_is_non_negative(image: RGB) -> None:
    assert color_hist(image).min() >= 0


@settings(max_examples=50, deadline=None)
@given(SMALL_IMAGES)
def test_color_hist_sums_to_1(image: RGB) -> None:
    assert color_hist(image).sum() == pytest.approx(1, abs=1e-6)


# --------------------------------------------------------------------------- thumb


def test_thumb_of_photos_is_the_block_mean_of_the_bt601_luma(photos: dict[str, RGB]) -> None:
    """Sides cropped to multiples of 32, so each thumbnail pixel is the mean of one block."""
    errors = {}
    for name, pixels in photos.items():
        cropped = _crop_to_multiple(pixels, THUMB_SIDE)
        errors[name] = float(np.abs(thumb(cropped) - block_mean_luma(cropped)).max())

    assert max(errors.values()) <= LUMA_ROUNDING, errors


@pytest.mark.parametrize("shape", [(257, 311), (33, 1000), (1000, 45)], ids=str)
def test_thumb_of_odd_sizes_is_the_exact_area_mean_of_the_luma(shape: tuple[int, int]) -> None:
    pixels = _noise(shape, seed=shape[0])

    error = np.abs(thumb(pixels) - area_mean_luma(pixels)).max()

    assert error <= LUMA_ROUNDING


def test_thumb_of_uncropped_photos_is_the_exact_area_mean_of_the_luma(
    photos: dict[str, RGB],
) -> None:
    errors = {
        name: float(np.abs(thumb(pixels) - area_mean_luma(pixels)).max())
        for name, pixels in photos.items()
    }

    assert max(errors.values()) <= LUMA_ROUNDING, errors


def test_thumb_is_1024_values(photos: dict[str, RGB]) -> None:
    assert thumb(photos["astronaut"]).shape == (THUMB_SIDE * THUMB_SIDE,)


def test_thumb_is_float32(photos: dict[str, RGB]) -> None:
    assert thumb(photos["astronaut"]).dtype == np.dtype(np.float32)


@pytest.mark.parametrize(("level", "expected"), [(0, 0.0), (255, 1.0)])
def test_thumb_maps_black_to_0_and_white_to_1(level: int, expected: float) -> None:
    image = np.full((100, 70, 3), level, dtype=np.uint8)

    np.testing.assert_array_equal(thumb(image), np.full(1024, expected, dtype=np.float32))


@pytest.mark.parametrize("shape", [(1, 1), (9, 9), (31, 33)], ids=str)
def test_thumb_of_a_tiny_image_is_still_1024_values(shape: tuple[int, int]) -> None:
    vector = thumb(_noise(shape, seed=1))

    assert vector.shape == (THUMB_SIDE * THUMB_SIDE,)


@settings(max_examples=50, deadline=None)
@given(SMALL_IMAGES)
def test_thumb_of_any_image_stays_in_0_1(image: RGB) -> None:
    vector = thumb(image)

    assert 0 <= vector.min() <= vector.max() <= 1
