"""IW-SSIM against a line-by-line transcription of the authors' ``iwssim.m`` (and of the
matlabPyrTools pyramid it builds), on real photographs under each distortion and on
random data.

The authors' code takes a gray image: an RGB photograph is given to it as unrounded
BT.601 luma, computed here on its own, and a gray photograph as it is. ``iwssim(oimg,
img)`` has the reference first; imgsim's ``iw_ssim(image_a, image_b)`` has it second.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from authors_code import iw_ssim as authors
from authors_code import matlab_pyrtools as pyrtools
from distortions import DISTORTIONS, gray
from numpy.typing import NDArray

from imgsim.metrics.iw_ssim import (
    enlarge_parent,
    information_weights,
    iw_ssim,
    laplacian_pyramid,
)

Image = NDArray[np.uint8]
TOLERANCE = 1e-4


def bt601(image: Image) -> NDArray[np.float64]:
    """Unrounded BT.601 luma of an RGB image; a gray image as float."""
    if image.ndim == 2:
        return image.astype(np.float64)
    return np.asarray(image.astype(np.float64) @ np.array([0.299, 0.587, 0.114]))


def authors_value(image_a: Image, image_b: Image) -> float:
    """The transcription's ``iwssim(oimg=reference, img=distorted)``."""
    return authors.iwssim(bt601(image_b), bt601(image_a))


@pytest.fixture(scope="module")
def colour_photo(photos: dict[str, Image]) -> Image:
    """An RGB photograph cropped to odd sides (odd sizes take other pyramid edges)."""
    return np.ascontiguousarray(photos["coffee"][:257, :311])


@pytest.fixture(scope="module")
def gray_photo(photos: dict[str, Image]) -> Image:
    """A gray photograph, even sides."""
    return gray(np.ascontiguousarray(photos["astronaut"][40:296, 100:420]))


@pytest.mark.parametrize("distortion", list(DISTORTIONS), ids=list(DISTORTIONS))
def test_rgb_photograph_equals_authors_code(colour_photo: Image, distortion: str) -> None:
    distorted = DISTORTIONS[distortion](colour_photo)
    expected = authors_value(distorted, colour_photo)
    assert iw_ssim(distorted, colour_photo) == pytest.approx(expected, rel=TOLERANCE)


@pytest.mark.parametrize("distortion", list(DISTORTIONS), ids=list(DISTORTIONS))
def test_gray_photograph_equals_authors_code(gray_photo: Image, distortion: str) -> None:
    distorted = DISTORTIONS[distortion](gray_photo)
    expected = authors_value(distorted, gray_photo)
    assert iw_ssim(distorted, gray_photo) == pytest.approx(expected, rel=TOLERANCE)


def noisy_copy(image: Image, sigma: float, seed: int) -> Image:
    values = image + np.random.default_rng(seed).normal(0.0, sigma, image.shape)
    return np.clip(values, 0, 255).round().astype(np.uint8)


@pytest.mark.parametrize(("shape", "seed"), [((176, 176), 1), ((181, 230), 2), ((190, 177, 3), 3)])
def test_random_image_equals_authors_code(shape: tuple[int, ...], seed: int) -> None:
    reference = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    distorted = noisy_copy(reference, 25.0, seed)
    expected = authors_value(distorted, reference)
    assert iw_ssim(distorted, reference) == pytest.approx(expected, rel=TOLERANCE)


@pytest.mark.parametrize("shape", [(176, 176), (177, 203)], ids=["even", "odd"])
@pytest.mark.parametrize("band", range(5))
def test_pyramid_band_equals_build_lpyr(shape: tuple[int, int], band: int) -> None:
    image = np.random.default_rng(band).uniform(0, 255, shape)
    pyr, pind = pyrtools.buildLpyr(image, 5)
    expected = pyrtools.pyrBand(pyr, pind, band + 1)
    np.testing.assert_allclose(laplacian_pyramid(image)[band], expected, rtol=0, atol=1e-9)


@pytest.fixture(scope="module")
def band_pair(colour_photo: Image) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]]:
    """The transcription's pyramids of the photograph and of a JPEG copy, and its weight
    maps (scales 1 to 4, cropped by ``bound1`` as ``iwssim.m`` crops them)."""
    reference = bt601(colour_photo)
    distorted = bt601(DISTORTIONS["jpeg q=10"](colour_photo))
    pyro, pind = pyrtools.buildLpyr(reference, 5)
    pyrd, _ = pyrtools.buildLpyr(distorted, 5)
    maps = authors.info_content_weight_map(pyro, pyrd, pind, 5, 1, 3, 3, 0.4)
    cropped = [weights[4:-4, 4:-4] for weights in maps]
    bands = [pyrtools.pyrBand(pyro, pind, s) for s in range(1, 6)]
    bands += [pyrtools.pyrBand(pyrd, pind, s) for s in range(1, 6)]
    return bands, cropped


@pytest.mark.parametrize("scale", range(4))
def test_information_weights_equal_authors_map(
    band_pair: tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]], scale: int
) -> None:
    bands, expected = band_pair
    reference, distorted = bands[scale], bands[5 + scale]
    parent = None
    if scale < 3:
        parent = authors.imenlarge2(bands[scale + 1])[: reference.shape[0], : reference.shape[1]]
    weights = information_weights(reference, distorted, parent)
    np.testing.assert_allclose(weights, expected[scale], rtol=1e-7, atol=1e-9)


def test_enlarged_parent_equals_imenlarge2(colour_photo: Image) -> None:
    """The parent band brought to its child's grid: ``auxp(1:Nsy, 1:Nsx)`` of
    ``info_content_weight_map.m`` (scale 1's parent, odd child sides)."""
    bands = laplacian_pyramid(bt601(colour_photo))
    expected = authors.imenlarge2(bands[1])[: bands[0].shape[0], : bands[0].shape[1]]
    enlarged = enlarge_parent(bands[1], bands[0].shape)
    np.testing.assert_allclose(enlarged, expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("convert", [np.asarray, gray], ids=["rgb", "gray"])
def test_identical_images_score_one(colour_photo: Image, convert: Callable[[Image], Image]) -> None:
    image = np.asarray(convert(colour_photo), dtype=np.uint8)
    assert iw_ssim(image, image) == pytest.approx(1.0, abs=1e-12)


def test_identical_flat_images_score_one() -> None:
    flat = np.full((180, 200), 90, dtype=np.uint8)
    assert iw_ssim(flat, flat) == pytest.approx(1.0, abs=1e-9)


def test_flat_reference_gives_a_finite_value() -> None:
    """MATLAB's ``inv`` of the flat band's zero covariance makes its weights NaN;
    imgsim's pseudo-inverse keeps them finite."""
    flat = np.full((180, 200), 90, dtype=np.uint8)
    assert np.isfinite(iw_ssim(noisy_copy(flat, 20.0, 0), flat))


def test_inverted_photograph_scores_zero(gray_photo: Image) -> None:
    """Anti-correlated bands have a negative mean, whose power MATLAB makes complex."""
    assert iw_ssim(255 - gray_photo, gray_photo) == 0.0


def test_weights_come_from_the_reference(colour_photo: Image) -> None:
    blurred = DISTORTIONS["blur σ=4"](colour_photo)
    forward = iw_ssim(blurred, colour_photo)
    assert abs(forward - iw_ssim(colour_photo, blurred)) > 1e-3


def test_smallest_size_is_accepted() -> None:
    image = np.random.default_rng(0).integers(0, 256, (176, 176), dtype=np.uint8)
    assert iw_ssim(noisy_copy(image, 10.0, 0), image) > 0.5


@pytest.mark.parametrize("shape", [(175, 300), (300, 175)])
def test_smaller_images_are_refused(shape: tuple[int, int]) -> None:
    image = np.zeros(shape, dtype=np.uint8)
    with pytest.raises(ValueError, match=r"iw_ssim needs images of at least 176x176 pixels"):
        iw_ssim(image, image)


def test_authors_code_refuses_the_same_sizes() -> None:
    image = np.zeros((175, 300))
    with pytest.raises(ValueError, match="too small for 5 scale IW-SSIM"):
        authors.iwssim(image, image)
