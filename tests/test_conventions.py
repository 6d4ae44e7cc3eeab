"""ssim_y, psnr_y and ssim_matlab against the authors' code and scikit-image.

The reference is a line-by-line transcription of the authors' ``ssim.m`` / ``ssim_index.m``
and of the SR evaluation around them (``authors_code.ssim_m``), and scikit-image's
``structural_similarity`` / ``peak_signal_noise_ratio`` on a Y channel the test computes
with ``skimage.color.rgb2ycbcr`` (rounded as MATLAB's ``uint8`` output is). Inputs:
real photographs with each distortion of ``distortions.DISTORTIONS``, in colour and in
gray, at odd sizes and at sizes where ``ssim.m`` downsamples by 2 and by 3, and random
images.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from authors_code import ssim_m
from authors_code.matlab import matlab_round
from distortions import DISTORTIONS, gray, random_pair
from numpy.typing import NDArray
from skimage.color import rgb2ycbcr
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from imgsim.errors import ArgumentError
from imgsim.metrics.conventions import matlab_y, psnr_y, ssim_matlab, ssim_y
from imgsim.metrics.pair_inputs import luma

Image = NDArray[np.uint8]
RELATIVE = 1e-4
SKIMAGE_SSIM_OPTIONS = {
    "gaussian_weights": True,
    "sigma": 1.5,
    "use_sample_covariance": False,
    "data_range": 255,
}
"""scikit-image's SSIM as ``ssim_index.m``: its mean skips the 5 px the window overhangs,
which leaves exactly the 'valid' windows."""

ODD = (257, 311)
SR_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "camera", "coins", "hubble_deep_field")
SR_CASES = [
    (name, photo, border)
    for (name, photo), border in zip(
        zip(DISTORTIONS, SR_PHOTOS, strict=True), itertools.cycle((0, 4, 3, 2)), strict=False
    )
]
"""Each distortion on its own photograph, with the borders SR papers crop (0, x2 … x4)."""

MATLAB_CASES = [
    ("noise σ=8", "astronaut", ODD),
    ("noise σ=30", "rocket", (401, 523)),
    ("blur σ=1.5", "hubble_deep_field", (700, 801)),
    ("blur σ=4", "coffee", ODD),
    ("jpeg q=10", "camera", (401, 523)),
    ("jpeg q=40", "retina", (700, 801)),
    ("colour shift", "immunohistochemistry", (401, 523)),
]
"""Each distortion at a size where ``ssim.m`` keeps the image (257: f = 1), averages 2 x 2
(401: f = 2) or 3 x 3 (700: f = 3)."""


def _pair(
    photos: dict[str, Image], name: str, photo: str, shape: tuple[int, int], colour: str
) -> tuple[Image, Image]:
    """(distorted, reference): the photograph's top-left crop, in RGB or in gray."""
    reference = np.ascontiguousarray(photos[photo][: shape[0], : shape[1]])
    if colour == "gray":
        reference = gray(reference)
    return DISTORTIONS[name](reference), reference


def _skimage_y(image: Image) -> Image:
    """Y as MATLAB's ``rgb2ycbcr`` on ``uint8`` returns it, from scikit-image's
    ``rgb2ycbcr`` (same matrix, float output) rounded half away from zero; gray as is."""
    if image.ndim == 2:
        return image
    return matlab_round(rgb2ycbcr(image)[:, :, 0]).astype(np.uint8)


def _shaved(image: Image, border: int) -> Image:
    return image[border : image.shape[0] - border, border : image.shape[1] - border]


@pytest.mark.parametrize("colour", ["rgb", "gray"])
@pytest.mark.parametrize(("name", "photo", "border"), SR_CASES)
def test_ssim_y_equals_ssim_index_m_on_y(
    photos: dict[str, Image], name: str, photo: str, border: int, colour: str
) -> None:
    distorted, reference = _pair(photos, name, photo, ODD, colour)
    expected = ssim_m.calculate_ssim(ssim_m.sr_y(reference), ssim_m.sr_y(distorted), border)
    assert ssim_y(distorted, reference, crop_border=border) == pytest.approx(expected, rel=RELATIVE)


@pytest.mark.parametrize("colour", ["rgb", "gray"])
@pytest.mark.parametrize(("name", "photo", "border"), SR_CASES)
def test_ssim_y_equals_scikit_image_on_y(
    photos: dict[str, Image], name: str, photo: str, border: int, colour: str
) -> None:
    distorted, reference = _pair(photos, name, photo, ODD, colour)
    y_a, y_b = _shaved(_skimage_y(distorted), border), _shaved(_skimage_y(reference), border)
    expected = structural_similarity(y_a, y_b, **SKIMAGE_SSIM_OPTIONS)
    assert ssim_y(distorted, reference, crop_border=border) == pytest.approx(expected, rel=RELATIVE)


@pytest.mark.parametrize("colour", ["rgb", "gray"])
@pytest.mark.parametrize(("name", "photo", "border"), SR_CASES)
def test_psnr_y_equals_the_sr_evaluation_on_y(
    photos: dict[str, Image], name: str, photo: str, border: int, colour: str
) -> None:
    distorted, reference = _pair(photos, name, photo, ODD, colour)
    expected = ssim_m.calculate_psnr(ssim_m.sr_y(reference), ssim_m.sr_y(distorted), border)
    assert psnr_y(distorted, reference, crop_border=border) == pytest.approx(expected, rel=RELATIVE)


@pytest.mark.parametrize("colour", ["rgb", "gray"])
@pytest.mark.parametrize(("name", "photo", "border"), SR_CASES)
def test_psnr_y_equals_scikit_image_on_y(
    photos: dict[str, Image], name: str, photo: str, border: int, colour: str
) -> None:
    distorted, reference = _pair(photos, name, photo, ODD, colour)
    y_a, y_b = _shaved(_skimage_y(distorted), border), _shaved(_skimage_y(reference), border)
    expected = peak_signal_noise_ratio(y_b, y_a, data_range=255)
    assert psnr_y(distorted, reference, crop_border=border) == pytest.approx(expected, rel=RELATIVE)


@pytest.mark.parametrize("colour", ["rgb", "gray"])
@pytest.mark.parametrize(("name", "photo", "shape"), MATLAB_CASES)
def test_ssim_matlab_equals_ssim_m(
    photos: dict[str, Image], name: str, photo: str, shape: tuple[int, int], colour: str
) -> None:
    distorted, reference = _pair(photos, name, photo, shape, colour)
    expected = ssim_m.ssim(luma(distorted), luma(reference))
    assert ssim_matlab(distorted, reference) == pytest.approx(expected, rel=RELATIVE)


@pytest.mark.parametrize("name", list(DISTORTIONS))
def test_ssim_matlab_without_downsampling_equals_scikit_image_on_luma(
    photos: dict[str, Image], name: str
) -> None:
    distorted, reference = _pair(photos, name, "chelsea", ODD, "rgb")
    expected = structural_similarity(luma(distorted), luma(reference), **SKIMAGE_SSIM_OPTIONS)
    assert ssim_matlab(distorted, reference) == pytest.approx(expected, rel=RELATIVE)


RANDOM_SHAPES = [(389, 421, 3), (389, 421), (661, 643), (31, 17, 3)]
"""Odd sizes: f = 2 (odd last row and column mirrored), f = 3, and a small image."""


@pytest.mark.parametrize("shape", RANDOM_SHAPES)
def test_ssim_matlab_equals_ssim_m_on_random_images(shape: tuple[int, ...]) -> None:
    distorted, reference = random_pair(shape, len(shape) * 1000 + shape[0], sigma=25.0)
    expected = ssim_m.ssim(luma(distorted), luma(reference))
    assert ssim_matlab(distorted, reference) == pytest.approx(expected, rel=RELATIVE)


@pytest.mark.parametrize("shape", RANDOM_SHAPES)
def test_ssim_y_equals_ssim_index_m_on_random_images(shape: tuple[int, ...]) -> None:
    distorted, reference = random_pair(shape, len(shape) * 1000 + shape[0], sigma=25.0)
    expected = ssim_m.calculate_ssim(ssim_m.sr_y(reference), ssim_m.sr_y(distorted), 2)
    assert ssim_y(distorted, reference, crop_border=2) == pytest.approx(expected, rel=RELATIVE)


@pytest.mark.parametrize("shape", RANDOM_SHAPES)
def test_psnr_y_equals_the_sr_evaluation_on_random_images(shape: tuple[int, ...]) -> None:
    distorted, reference = random_pair(shape, len(shape) * 1000 + shape[0], sigma=25.0)
    expected = ssim_m.calculate_psnr(ssim_m.sr_y(reference), ssim_m.sr_y(distorted), 2)
    assert psnr_y(distorted, reference, crop_border=2) == pytest.approx(expected, rel=RELATIVE)


def test_y_is_rounded_as_matlab_rgb2ycbcr_on_uint8() -> None:
    # All 2^24 colours would be slow; every 5th level of each channel covers the range.
    levels = np.arange(0, 256, 5, dtype=np.uint8)
    colours = np.stack(np.meshgrid(levels, levels, levels), axis=-1).reshape(-1, 1, 3)

    assert np.array_equal(matlab_y(colours), ssim_m.rgb2ycbcr_uint8(colours)[:, :, 0])


def test_a_gray_image_is_its_own_y() -> None:
    image = np.arange(64 * 48, dtype=np.uint32).reshape(64, 48).astype(np.uint8)
    shifted = np.roll(image, 3, axis=1)
    assert psnr_y(shifted, image) == pytest.approx(
        peak_signal_noise_ratio(image, shifted, data_range=255), rel=RELATIVE
    )


METRICS = {"ssim_y": ssim_y, "psnr_y": psnr_y, "ssim_matlab": ssim_matlab}
BEST = {"ssim_y": 1.0, "psnr_y": float("inf"), "ssim_matlab": 1.0}


@pytest.mark.parametrize("metric", list(METRICS))
def test_identical_images_score_best(photos: dict[str, Image], metric: str) -> None:
    image = photos["astronaut"][:401, :523]
    assert METRICS[metric](image, image.copy()) == pytest.approx(BEST[metric])


@pytest.mark.parametrize("metric", list(METRICS))
def test_the_metrics_are_symmetric(photos: dict[str, Image], metric: str) -> None:
    distorted, reference = _pair(photos, "jpeg q=10", "coffee", (401, 523), "rgb")
    assert METRICS[metric](distorted, reference) == pytest.approx(
        METRICS[metric](reference, distorted), rel=1e-12
    )


@pytest.mark.parametrize("metric", ["ssim_y", "ssim_matlab"])
def test_images_under_11_pixels_are_refused_naming_the_size(metric: str) -> None:
    image = np.zeros((10, 40, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match=f"{metric} needs images of at least 11x11 pixels"):
        METRICS[metric](image, image)


def test_ssim_matlab_scores_an_11_pixel_image() -> None:
    distorted, reference = random_pair((11, 11), 2011, sigma=25.0)
    expected = ssim_m.ssim(luma(distorted), luma(reference))
    assert ssim_matlab(distorted, reference) == pytest.approx(expected, rel=RELATIVE)


@pytest.mark.parametrize("metric", ["ssim_y", "psnr_y"])
def test_a_negative_crop_border_is_refused(metric: str) -> None:
    image = np.zeros((32, 32, 3), dtype=np.uint8)
    with pytest.raises(ArgumentError, match="crop_border must be 0 or more, got -1"):
        METRICS[metric](image, image, crop_border=-1)


@pytest.mark.parametrize("metric", ["ssim_y", "psnr_y"])
def test_a_fractional_crop_border_is_refused(metric: str) -> None:
    image = np.zeros((32, 32, 3), dtype=np.uint8)
    with pytest.raises(ArgumentError, match=r"crop_border must be a whole number, got 1\.5"):
        METRICS[metric](image, image, crop_border=1.5)  # type: ignore[arg-type]


def test_a_crop_that_leaves_less_than_the_ssim_window_is_refused() -> None:
    image = np.zeros((32, 40, 3), dtype=np.uint8)
    with pytest.raises(ArgumentError, match=r"crop_border = 11 leaves 18x10 of a 40x32 image"):
        ssim_y(image, image, crop_border=11)


def test_a_crop_that_leaves_no_pixel_is_refused() -> None:
    image = np.zeros((8, 8), dtype=np.uint8)
    with pytest.raises(ArgumentError, match=r"psnr_y needs at least 1x1 pixels"):
        psnr_y(image, image, crop_border=4)


def test_crop_border_removes_the_border_before_scoring(photos: dict[str, Image]) -> None:
    distorted, reference = _pair(photos, "noise σ=8", "astronaut", ODD, "rgb")
    inner = psnr_y(_shaved(distorted, 6), _shaved(reference, 6))
    assert psnr_y(distorted, reference, crop_border=6) == inner
