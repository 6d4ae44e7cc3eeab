"""brightness, contrast, colorfulness, entropy and flat_fraction against their direct
formulas and scikit-image, on photographs and on synthetic images of known order."""

from __future__ import annotations

import math

import numpy as np
import pytest
from distortions import noise
from hypothesis import given, settings
from hypothesis.extra.numpy import array_shapes, arrays
from numpy.typing import NDArray
from photos import PHOTOS
from skimage.measure import shannon_entropy
from skimage.util import view_as_blocks

from imgsim.metrics.noref import brightness, colorfulness, contrast, entropy, flat_fraction
from imgsim.metrics.pair_inputs import gray8

Image = NDArray[np.uint8]
SHAPE = (96, 128, 3)
BLACK = np.zeros(SHAPE, np.uint8)
WHITE = np.full(SHAPE, 255, np.uint8)
FLAT = np.full(SHAPE, 128, np.uint8)
UNIFORM_NOISE = np.random.default_rng(0).integers(0, 256, SHAPE, dtype=np.uint8)
BLANK_CONTRAST = 5.0
"""A gate that tells blank outputs from photographs: the least contrasted of the
photographs and held-out images (moon) has 13.3."""


def hasler_susstrunk(image: Image) -> float:
    """Hasler & Süsstrunk 2003, Eq. 3 (metric M^(3)), as the paper writes it."""
    red, green, blue = (image[:, :, c].astype(np.float64) for c in range(3))
    rg = red - green
    yb = 0.5 * (red + green) - blue
    sigma = math.sqrt(np.std(rg) ** 2 + np.std(yb) ** 2)
    mu = math.sqrt(np.mean(rg) ** 2 + np.mean(yb) ** 2)
    return sigma + 0.3 * mu


@pytest.mark.parametrize("name", PHOTOS)
def test_brightness_mean_is_the_mean_luma(photos: dict[str, Image], name: str) -> None:
    assert brightness(photos[name]).mean == pytest.approx(np.mean(gray8(photos[name])), rel=1e-12)


@pytest.mark.parametrize("name", PHOTOS)
def test_brightness_p5_is_numpys_percentile(photos: dict[str, Image], name: str) -> None:
    assert brightness(photos[name]).p5 == np.percentile(gray8(photos[name]), 5)


@pytest.mark.parametrize("name", PHOTOS)
def test_brightness_p95_is_numpys_percentile(photos: dict[str, Image], name: str) -> None:
    assert brightness(photos[name]).p95 == np.percentile(gray8(photos[name]), 95)


@pytest.mark.parametrize("seed", range(5))
def test_brightness_percentiles_interpolate_as_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (int(rng.integers(1, 40)), int(rng.integers(1, 40))), np.uint8)
    expected = np.percentile(image, [5, 95])
    assert list(brightness(image)[1:]) == pytest.approx(list(expected), rel=1e-12)


def test_black_has_brightness_0() -> None:
    assert brightness(BLACK) == (0.0, 0.0, 0.0)


def test_white_has_brightness_255() -> None:
    assert brightness(WHITE) == (255.0, 255.0, 255.0)


@pytest.mark.parametrize("name", PHOTOS)
def test_contrast_is_the_standard_deviation_of_gray(photos: dict[str, Image], name: str) -> None:
    assert contrast(photos[name]) == pytest.approx(np.std(gray8(photos[name])), rel=1e-12)


def test_flat_image_has_contrast_0() -> None:
    assert contrast(FLAT) == 0.0


def test_half_black_half_white_has_the_largest_contrast() -> None:
    halves = np.zeros((10, 10), np.uint8)
    halves[:, 5:] = 255
    assert contrast(halves) == 127.5


@pytest.mark.parametrize("name", PHOTOS)
def test_colorfulness_is_hasler_susstrunks_formula(photos: dict[str, Image], name: str) -> None:
    assert colorfulness(photos[name]) == pytest.approx(hasler_susstrunk(photos[name]), rel=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_colorfulness_of_random_colours_is_the_formula(seed: int) -> None:
    image = np.random.default_rng(seed).integers(0, 256, (31, 47, 3), np.uint8)
    assert colorfulness(image) == pytest.approx(hasler_susstrunk(image), rel=1e-9)


def test_gray_image_has_colorfulness_0() -> None:
    assert colorfulness(gray8(UNIFORM_NOISE)) == 0.0


@pytest.mark.parametrize("name", PHOTOS)
def test_entropy_is_scikit_images(photos: dict[str, Image], name: str) -> None:
    gray = gray8(photos[name])
    assert entropy(photos[name]) == pytest.approx(shannon_entropy(gray), rel=1e-12)


def test_flat_image_has_entropy_0() -> None:
    assert entropy(FLAT) == 0.0


def test_uniform_gray_noise_has_nearly_8_bits_of_entropy() -> None:
    assert entropy(UNIFORM_NOISE[:, :, 0]) > 7.9


def test_noise_has_more_entropy_than_a_flat_image() -> None:
    assert entropy(noise(20.0)(FLAT)) > entropy(FLAT)


def flat_blocks(image: Image, threshold: float = 2.0) -> float:
    """The share of 8 x 8 blocks of gray8 with a standard deviation under 2 levels,
    through scikit-image's block view and NumPy's std."""
    gray = gray8(image)
    rows, columns = gray.shape[0] // 8 * 8, gray.shape[1] // 8 * 8
    blocks = view_as_blocks(gray[:rows, :columns], (8, 8)).astype(np.float64)
    return float(np.mean(blocks.std(axis=(2, 3)) < threshold))


@pytest.mark.parametrize("name", PHOTOS)
def test_flat_fraction_is_the_share_of_flat_blocks(photos: dict[str, Image], name: str) -> None:
    assert flat_fraction(photos[name]) == flat_blocks(photos[name])


@pytest.mark.parametrize("sigma", [1.0, 1.5, 2.0, 2.5])
def test_flat_fraction_of_faint_noise_is_the_share_of_flat_blocks(sigma: float) -> None:
    image = noise(sigma, seed=3)(FLAT)[:93, :77]
    assert flat_fraction(image) == flat_blocks(image)


def test_flat_image_has_flat_fraction_1() -> None:
    assert flat_fraction(FLAT) == 1.0


def test_uniform_noise_has_flat_fraction_0() -> None:
    assert flat_fraction(UNIFORM_NOISE) == 0.0


def test_a_block_with_a_standard_deviation_of_exactly_2_is_not_flat() -> None:
    block = np.full((8, 8), 100, np.uint8)
    block[:, ::2] = 104  # levels 100 and 104 in equal numbers: std exactly 2
    assert flat_fraction(block) == 0.0


def test_flat_fraction_names_its_minimum_size() -> None:
    with pytest.raises(
        ValueError, match="flat_fraction needs images of at least 8x8 pixels, got 9x7"
    ):
        flat_fraction(np.zeros((7, 9), np.uint8))


def test_a_float_image_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="image must have dtype uint8"):
        contrast(np.zeros((8, 8)))  # type: ignore[arg-type]


@given(
    arrays(np.uint8, array_shapes(min_dims=2, max_dims=2, min_side=8, max_side=24)),
)
@settings(max_examples=40, deadline=None)
def test_contrast_is_within_its_range(image: Image) -> None:
    assert 0.0 <= contrast(image) <= 127.5


@given(arrays(np.uint8, array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=24)))
@settings(max_examples=40, deadline=None)
def test_entropy_is_within_its_range(image: Image) -> None:
    assert 0.0 <= entropy(image) <= 8.0


@given(arrays(np.uint8, array_shapes(min_dims=2, max_dims=2, min_side=8, max_side=40)))
@settings(max_examples=40, deadline=None)
def test_flat_fraction_is_the_share_of_flat_blocks_of_any_image(image: Image) -> None:
    assert flat_fraction(image) == flat_blocks(image)


@given(arrays(np.uint8, array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=24)))
@settings(max_examples=40, deadline=None)
def test_brightness_percentiles_of_any_image_are_numpys(image: Image) -> None:
    assert list(brightness(image)[1:]) == pytest.approx(list(np.percentile(image, [5, 95])))


@pytest.mark.parametrize("name", PHOTOS)
def test_photographs_have_more_contrast_than_a_blank_threshold(
    photos: dict[str, Image], name: str
) -> None:
    assert contrast(photos[name]) > BLANK_CONTRAST


@pytest.mark.parametrize("blank", [BLACK, WHITE, FLAT], ids=["black", "white", "flat"])
def test_blank_images_have_less_contrast_than_the_threshold(blank: Image) -> None:
    assert contrast(blank) < BLANK_CONTRAST
