"""sharpness, blur, noise and blockiness against their references: the Laplacian's
variance by SciPy, cleanvision's blurry score (transcribed), scikit-image's
estimate_sigma and Yim & Bovik's D_B / D_B^C, on photographs and synthetic images."""

from __future__ import annotations

import numpy as np
import pytest
import pywt
from authors_code.cleanvision_blur import blurry_score
from authors_code.estimate_sigma import estimate_sigma as estimate_sigma_transcribed
from distortions import blur as gaussian_blur
from distortions import jpeg, noise
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from numpy.typing import NDArray
from photos import PHOTOS
from PIL import Image as PilImage
from scipy import ndimage
from skimage.restoration import estimate_sigma
from skimage.util import img_as_float

from imgsim.metrics.noref import blockiness, blur, sharpness
from imgsim.metrics.noref import noise as noise_sigma
from imgsim.metrics.noref_noise import (
    MEDIAN_SAMPLE,
    NORMAL_QUARTILE,
    _db2_diagonal,
    _db2_high_pass,
    _median_of_nonzero,
)
from imgsim.metrics.pair_inputs import gray8

Image = NDArray[np.uint8]
SHAPE = (96, 128, 3)
BLACK = np.zeros(SHAPE, np.uint8)
FLAT = np.full(SHAPE, 128, np.uint8)
LAPLACIAN = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]])


def laplacian_variance(image: Image) -> float:
    """np.var of the 4-neighbour Laplacian, with SciPy's 'mirror' border (OpenCV's
    BORDER_REFLECT_101)."""
    gray = gray8(image).astype(np.float64)
    return float(np.var(ndimage.correlate(gray, LAPLACIAN, mode="mirror")))


@pytest.mark.parametrize("name", PHOTOS)
def test_sharpness_is_the_variance_of_the_laplacian(photos: dict[str, Image], name: str) -> None:
    assert sharpness(photos[name]) == pytest.approx(laplacian_variance(photos[name]), rel=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_sharpness_of_random_images_is_the_formula(seed: int) -> None:
    image = np.random.default_rng(seed).integers(0, 256, (23, 41), np.uint8)
    assert sharpness(image) == pytest.approx(laplacian_variance(image), rel=1e-12)


@pytest.mark.parametrize("name", PHOTOS)
def test_blurred_photograph_is_less_sharp(photos: dict[str, Image], name: str) -> None:
    assert sharpness(gaussian_blur(3.0)(photos[name])) < sharpness(photos[name])


def test_flat_image_has_sharpness_0() -> None:
    assert sharpness(FLAT) == 0.0


@pytest.mark.parametrize("name", PHOTOS)
def test_blur_is_cleanvisions_blurry_score(photos: dict[str, Image], name: str) -> None:
    assert blur(photos[name]) == blurry_score(PilImage.fromarray(photos[name]))


@pytest.mark.parametrize("name", PHOTOS)
def test_blur_of_a_blurred_photograph_is_cleanvisions(photos: dict[str, Image], name: str) -> None:
    blurred = gaussian_blur(4.0)(photos[name])
    assert blur(blurred) == blurry_score(PilImage.fromarray(blurred))


@pytest.mark.parametrize(
    "shape", [(1, 1), (2, 5), (3, 3), (40, 64), (64, 1), (65, 30, 3), (200, 7, 3), (97, 131)]
)
def test_blur_of_any_size_is_cleanvisions(shape: tuple[int, ...]) -> None:
    image = np.random.default_rng(sum(shape)).integers(0, 256, shape, np.uint8)
    assert blur(image) == blurry_score(PilImage.fromarray(image))


@pytest.mark.parametrize("name", PHOTOS)
def test_blurred_photograph_scores_blurrier(photos: dict[str, Image], name: str) -> None:
    assert blur(gaussian_blur(6.0)(photos[name])) < blur(photos[name])


def test_black_image_blur_score_is_lifted_by_its_one_level() -> None:
    assert blur(BLACK) == blurry_score(PilImage.fromarray(BLACK))


@pytest.mark.parametrize("name", PHOTOS)
def test_noise_is_scikit_images_estimate_sigma(photos: dict[str, Image], name: str) -> None:
    gray = gray8(photos[name])
    assert noise_sigma(photos[name]) == pytest.approx(estimate_sigma(gray), rel=1e-12)


@pytest.mark.parametrize("name", PHOTOS)
def test_noise_is_the_transcribed_estimate(photos: dict[str, Image], name: str) -> None:
    gray = gray8(photos[name])
    assert noise_sigma(gray) == pytest.approx(estimate_sigma_transcribed(gray), rel=1e-12)


@pytest.mark.parametrize("name", PHOTOS)
def test_noise_is_within_1_percent_of_the_float_images(photos: dict[str, Image], name: str) -> None:
    scaled = 255 * estimate_sigma(img_as_float(gray8(photos[name])))
    assert noise_sigma(photos[name]) == pytest.approx(scaled, rel=0.01)


@pytest.mark.parametrize("shape", [(4, 4), (4, 5), (5, 4), (7, 9), (33, 40), (64, 63)])
def test_db2_band_is_pywavelets_bit_for_bit(shape: tuple[int, int]) -> None:
    levels = np.random.default_rng(shape[0]).integers(0, 256, shape).astype(np.float64)
    ours = _db2_high_pass(_db2_high_pass(levels, axis=0), axis=1)
    assert np.array_equal(ours, pywt.dwtn(levels, "db2")["dd"])


def test_normal_quartile_is_scipys() -> None:
    from scipy.stats import norm

    assert norm.ppf(0.75) == NORMAL_QUARTILE


@pytest.mark.parametrize("sigma", [5.0, 10.0, 20.0])
def test_noise_recovers_the_sigma_of_added_noise(sigma: float) -> None:
    assert noise_sigma(noise(sigma)(FLAT[:, :, 0])) == pytest.approx(sigma, rel=0.05)


def test_noise_image_has_more_noise_than_a_flat_one() -> None:
    assert noise_sigma(noise(5.0)(FLAT)) > noise_sigma(FLAT)


def test_black_image_has_noise_0() -> None:
    assert noise_sigma(BLACK) == 0.0


def test_noise_names_its_minimum_size() -> None:
    with pytest.raises(ValueError, match="noise needs images of at least 4x4 pixels, got 5x3"):
        noise_sigma(np.zeros((3, 5), np.uint8))


def block_ratio(image: Image) -> float:
    """Yim & Bovik's D_B / D_B^C, the pair sets written out with NumPy differences."""
    gray = gray8(image).astype(np.float64)
    across_columns = np.diff(gray, axis=1) ** 2  # pair (c, c + 1) at index c
    across_rows = np.diff(gray, axis=0) ** 2
    column_boundary = (np.arange(across_columns.shape[1]) + 1) % 8 == 0
    row_boundary = (np.arange(across_rows.shape[0]) + 1) % 8 == 0
    boundary = np.concatenate(
        [across_columns[:, column_boundary].ravel(), across_rows[row_boundary].ravel()]
    )
    inner = np.concatenate(
        [across_columns[:, ~column_boundary].ravel(), across_rows[~row_boundary].ravel()]
    )
    return float(boundary.mean() / inner.mean())


@pytest.mark.parametrize("name", PHOTOS)
def test_blockiness_is_yim_and_boviks_ratio(photos: dict[str, Image], name: str) -> None:
    compressed = jpeg(20)(photos[name])
    assert blockiness(compressed) == pytest.approx(block_ratio(compressed), rel=1e-6)


@pytest.mark.parametrize("shape", [(9, 9), (17, 30), (50, 41, 3)])
def test_blockiness_of_random_images_is_the_ratio(shape: tuple[int, ...]) -> None:
    image = np.random.default_rng(shape[1]).integers(0, 256, shape, np.uint8)
    assert blockiness(image) == pytest.approx(block_ratio(image), rel=1e-6)


@pytest.mark.parametrize("name", PHOTOS)
def test_blockiness_grows_as_jpeg_quality_falls(photos: dict[str, Image], name: str) -> None:
    scores = [blockiness(jpeg(quality)(photos[name])) for quality in (90, 30, 10, 3)]
    assert scores == sorted(scores)


def test_flat_image_has_blockiness_1() -> None:
    assert blockiness(FLAT) == 1.0


def test_flat_blocks_of_different_levels_have_infinite_blockiness() -> None:
    image = np.kron(np.arange(16, dtype=np.uint8).reshape(4, 4) * 10, np.ones((8, 8), np.uint8))
    assert blockiness(image) == np.inf


def test_blockiness_names_its_minimum_size() -> None:
    with pytest.raises(ValueError, match="blockiness needs images of at least 9x9 pixels, got 9x8"):
        blockiness(np.zeros((8, 9), np.uint8))


BLURRED_SHARPNESS = 5.0
"""A gate that tells heavy blur from photographs: the least sharp photograph (retina)
has 8.8, a photograph blurred with σ = 4 about 2.4."""
NOISE_SIGMA = 20.0
"""A gate that tells noise from photographs: the noisiest photograph or texture (grass)
has σ ≈ 10.7, uniform noise about 50."""


@pytest.mark.parametrize("name", PHOTOS)
def test_photographs_are_sharper_than_the_blur_threshold(
    photos: dict[str, Image], name: str
) -> None:
    assert sharpness(photos[name]) > BLURRED_SHARPNESS


@pytest.mark.parametrize("name", PHOTOS)
def test_heavily_blurred_photographs_are_under_the_blur_threshold(
    photos: dict[str, Image], name: str
) -> None:
    assert sharpness(gaussian_blur(4.0)(photos[name])) < BLURRED_SHARPNESS


@pytest.mark.parametrize("name", PHOTOS)
def test_photographs_are_under_the_noise_threshold(photos: dict[str, Image], name: str) -> None:
    assert noise_sigma(photos[name]) < NOISE_SIGMA


def test_uniform_noise_is_over_the_noise_threshold() -> None:
    image = np.random.default_rng(0).integers(0, 256, SHAPE, dtype=np.uint8)
    assert noise_sigma(image) > NOISE_SIGMA


SIDES = st.integers(min_value=1, max_value=80)
GRAY_OR_RGB = st.one_of(st.tuples(SIDES, SIDES), st.tuples(SIDES, SIDES, st.just(3)))


@given(arrays(np.uint8, GRAY_OR_RGB))
@settings(max_examples=40, deadline=None)
def test_blur_of_any_image_is_cleanvisions(image: Image) -> None:
    assert blur(image) == blurry_score(PilImage.fromarray(image))


@pytest.mark.filterwarnings("ignore:image is size")  # a narrow image is not an RGB one
@given(arrays(np.uint8, array_shapes(min_dims=2, max_dims=2, min_side=4, max_side=30)))
@settings(max_examples=40, deadline=None)
def test_noise_of_any_image_is_scikit_images(image: Image) -> None:
    expected = estimate_sigma(image) if np.any(pywt.dwtn(image, "db2")["dd"]) else 0.0
    assert noise_sigma(image) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("shape", [(4, 4), (5, 7), (8, 9), (31, 30), (97, 64)])
def test_diagonal_band_of_gray_levels_is_pywavelets_bit_for_bit(shape: tuple[int, int]) -> None:
    gray = np.random.default_rng(sum(shape)).integers(0, 256, shape).astype(np.uint8)
    expected = pywt.dwtn(gray.astype(np.float64), "db2")["dd"]
    assert np.array_equal(_db2_diagonal(gray), expected)


@pytest.mark.parametrize("name", PHOTOS)
def test_diagonal_band_of_a_photograph_is_pywavelets_bit_for_bit(
    photos: dict[str, Image], name: str
) -> None:
    gray = gray8(photos[name])
    expected = pywt.dwtn(gray.astype(np.float64), "db2")["dd"]
    assert np.array_equal(_db2_diagonal(gray), expected)


def numpy_median_of_nonzero(values: NDArray[np.float64]) -> float:
    nonzero = values[values != 0]
    return float(np.median(nonzero)) if nonzero.size else 0.0


@pytest.mark.parametrize("zero_share", [0.0, 0.3, 0.7, 1.0])
@pytest.mark.parametrize("size", [1, 2, 1000, 50_001, 200_000])
def test_median_of_nonzero_is_numpys(zero_share: float, size: int) -> None:
    rng = np.random.default_rng(size)
    values = np.abs(rng.standard_normal(size))
    values[rng.random(size) < zero_share] = 0.0
    assert _median_of_nonzero(values) == numpy_median_of_nonzero(values)


def test_median_of_nonzero_is_numpys_when_the_sample_misleads() -> None:
    values = np.full(100_000, 0.5)
    values[:: 100_000 // MEDIAN_SAMPLE] = np.linspace(
        10.0, 20.0, values[:: 100_000 // MEDIAN_SAMPLE].size
    )
    assert _median_of_nonzero(values) == numpy_median_of_nonzero(values)


def test_median_of_nonzero_of_repeated_levels_is_numpys() -> None:
    values = np.random.default_rng(7).integers(0, 4, 100_000).astype(np.float64)
    assert _median_of_nonzero(values) == numpy_median_of_nonzero(values)
