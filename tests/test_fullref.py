"""Full-reference metrics against independent references.

SSIM, PSNR and MSE are checked against scikit-image, RMSE and MAE against their
NumPy formulas, and MS-SSIM against a direct NumPy/SciPy transcription of the
authors' reference MATLAB code (``msssim.m``, Wang, Simoncelli & Bovik 2003), on
real photographs with the distortions generated images suffer: noise, blur, JPEG
artefacts and small shifts, in colour and gray, at odd sizes.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.signal import fftconvolve
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity

import imgsim
from imgsim.metrics.pair_inputs import FewerScales

Image = NDArray[np.uint8]
Distortion = Callable[[Image], tuple[Image, Image]]
"""Makes (reference, distorted) from one photograph."""

SKIMAGE_SSIM_OPTIONS = {
    "gaussian_weights": True,
    "sigma": 1.5,
    "use_sample_covariance": False,
    "data_range": 255,
}
REFERENCE_PHOTOS = ("astronaut", "coffee", "camera", "hubble_deep_field", "immunohistochemistry")
MS_SSIM_PHOTOS = ("astronaut", "camera", "hubble_deep_field")
ODD_SIZE = (257, 311)
"""Rows, columns: odd at every MS-SSIM scale (257 → 129 → 65 → 33 → 17)."""


def _noise(sigma: float) -> Distortion:
    def distort(image: Image) -> tuple[Image, Image]:
        noise = np.random.default_rng(0).normal(0.0, sigma, image.shape)
        return image, np.clip(image + noise, 0, 255).round().astype(np.uint8)

    return distort


def _blur(sigma: float) -> Distortion:
    def distort(image: Image) -> tuple[Image, Image]:
        return image, cv2.GaussianBlur(image, (0, 0), sigma)

    return distort


def _jpeg(quality: int) -> Distortion:
    def distort(image: Image) -> tuple[Image, Image]:
        encoded, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert encoded
        return image, cv2.imdecode(data, cv2.IMREAD_UNCHANGED).reshape(image.shape)

    return distort


def _roll(pixels: int) -> Distortion:
    def distort(image: Image) -> tuple[Image, Image]:
        return image, np.roll(image, pixels, axis=1)

    return distort


def _crop_shift(rows: int, columns: int) -> Distortion:
    def distort(image: Image) -> tuple[Image, Image]:
        reference = image[rows:, columns:]
        shifted = image[: image.shape[0] - rows, : image.shape[1] - columns]
        return np.ascontiguousarray(reference), np.ascontiguousarray(shifted)

    return distort


DISTORTIONS: dict[str, Distortion] = {
    "noise σ=4": _noise(4.0),
    "noise σ=40": _noise(40.0),
    "blur σ=1": _blur(1.0),
    "blur σ=3": _blur(3.0),
    "jpeg q=10": _jpeg(10),
    "jpeg q=50": _jpeg(50),
    "roll 3 px": _roll(3),
    "crop shift 2x5 px": _crop_shift(2, 5),
}


def _prepared(photo: Image, gray: bool, size: tuple[int, int] = ODD_SIZE) -> Image:
    cropped = photo[: size[0], : size[1]]
    if gray:
        return np.ascontiguousarray(cv2.cvtColor(cropped, cv2.COLOR_RGB2GRAY))
    return np.ascontiguousarray(cropped)


@pytest.fixture(params=REFERENCE_PHOTOS)
def photo(request: pytest.FixtureRequest, photos: dict[str, Image]) -> Image:
    return photos[request.param]


@pytest.fixture(params=[False, True], ids=["colour", "gray"])
def gray(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture(params=list(DISTORTIONS))
def distorted_pair(request: pytest.FixtureRequest, photo: Image, gray: bool) -> tuple[Image, Image]:
    """A real photograph cropped to an odd size and a distorted copy of it."""
    return DISTORTIONS[request.param](_prepared(photo, gray))


# --------------------------------------------------------------------------- scikit-image


def _skimage_ssim(a: Image, b: Image) -> float:
    channel_axis = -1 if a.ndim == 3 else None
    return float(structural_similarity(a, b, channel_axis=channel_axis, **SKIMAGE_SSIM_OPTIONS))


def test_ssim_matches_scikit_image(distorted_pair: tuple[Image, Image]) -> None:
    reference, distorted = distorted_pair

    ours = imgsim.ssim(distorted, reference)

    assert ours == pytest.approx(_skimage_ssim(distorted, reference), abs=1e-4)


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "coins"])
def test_ssim_matches_scikit_image_on_whole_photographs(
    name: str, photos: dict[str, Image]
) -> None:
    reference, distorted = _noise(12.0)(photos[name])

    ours = imgsim.ssim(distorted, reference)

    assert ours == pytest.approx(_skimage_ssim(distorted, reference), abs=1e-4)


def test_psnr_matches_scikit_image(distorted_pair: tuple[Image, Image]) -> None:
    reference, distorted = distorted_pair

    ours = imgsim.psnr(distorted, reference)

    assert ours == pytest.approx(
        peak_signal_noise_ratio(reference, distorted, data_range=255), abs=1e-6
    )


def test_mse_matches_scikit_image(distorted_pair: tuple[Image, Image]) -> None:
    reference, distorted = distorted_pair

    ours = imgsim.mse(distorted, reference)

    assert ours == pytest.approx(mean_squared_error(reference, distorted), rel=1e-12)


def test_rmse_is_the_root_of_the_mean_squared_difference(
    distorted_pair: tuple[Image, Image],
) -> None:
    reference, distorted = distorted_pair
    difference = reference.astype(np.float64) - distorted.astype(np.float64)

    ours = imgsim.rmse(distorted, reference)

    assert ours == pytest.approx(np.sqrt(np.mean(difference**2)), rel=1e-12)


def test_mae_is_the_mean_absolute_difference(distorted_pair: tuple[Image, Image]) -> None:
    reference, distorted = distorted_pair
    difference = reference.astype(np.float64) - distorted.astype(np.float64)

    ours = imgsim.mae(distorted, reference)

    assert ours == pytest.approx(np.mean(np.abs(difference)), rel=1e-12)


@pytest.mark.parametrize("metric", ["ssim", "ms_ssim"])
def test_identical_images_have_structural_similarity_one(
    metric: str, photos: dict[str, Image], gray: bool
) -> None:
    image = _prepared(photos["coffee"], gray)

    value = getattr(imgsim, metric)(image, image.copy())

    assert value == 1.0


def test_identical_images_have_infinite_psnr(photos: dict[str, Image]) -> None:
    image = _prepared(photos["coffee"], gray=False)

    assert imgsim.psnr(image, image.copy()) == float("inf")


@pytest.mark.parametrize("metric", ["mse", "rmse", "mae"])
def test_identical_images_have_no_error(metric: str, photos: dict[str, Image]) -> None:
    image = _prepared(photos["coffee"], gray=False)

    assert getattr(imgsim, metric)(image, image.copy()) == 0.0


# --------------------------------------------------------------------------- MS-SSIM

MS_SSIM_WEIGHTS = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])
C1 = (0.01 * 255) ** 2
C2 = (0.03 * 255) ** 2


def _fspecial_gaussian(size: int = 11, sigma: float = 1.5) -> NDArray[np.float64]:
    """MATLAB ``fspecial('gaussian', 11, 1.5)``."""
    offsets = np.arange(size) - (size - 1) / 2
    x, y = np.meshgrid(offsets, offsets)
    window = np.exp(-(x**2 + y**2) / (2 * sigma**2))
    return np.asarray(window / window.sum(), dtype=np.float64)


def _ssim_index_new(img1: NDArray[np.float64], img2: NDArray[np.float64]) -> tuple[float, float]:
    """``ssim_index_new`` of msssim.m: mean SSIM and mean contrast-structure, 'valid' filtering."""
    window = _fspecial_gaussian()

    def filter_valid(values: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(fftconvolve(values, window, mode="valid"), dtype=np.float64)

    mu1 = filter_valid(img1)
    mu2 = filter_valid(img2)
    sigma1_sq = filter_valid(img1 * img1) - mu1 * mu1
    sigma2_sq = filter_valid(img2 * img2) - mu2 * mu2
    sigma12 = filter_valid(img1 * img2) - mu1 * mu2
    cs_map = (2 * sigma12 + C2) / (sigma1_sq + sigma2_sq + C2)
    ssim_map = (2 * mu1 * mu2 + C1) / (mu1 * mu1 + mu2 * mu2 + C1) * cs_map
    return float(ssim_map.mean()), float(cs_map.mean())


def _downsample(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """``imfilter(x, ones(2)/4, 'symmetric', 'same')`` then ``x(1:2:end, 1:2:end)``."""
    padded = np.pad(values, ((0, 1), (0, 1)), mode="symmetric")
    filtered = (padded[:-1, :-1] + padded[1:, :-1] + padded[:-1, 1:] + padded[1:, 1:]) / 4
    return np.asarray(filtered[::2, ::2], dtype=np.float64)


def _msssim_m(a: Image, b: Image, level: int = 5) -> float:
    """The authors' msssim.m, per channel, then averaged over channels.

    msssim.m takes ``level`` and ``weight`` as arguments; a smaller ``level`` is given
    the first ``level`` weights renormalised to sum 1. Where msssim.m's own check
    ``min(M, N) / 2^(level-1) >= 11`` fails, it returns -Inf, and so does this.
    """
    if min(a.shape[:2]) / 2 ** (level - 1) < 11:
        return -math.inf
    weight = MS_SSIM_WEIGHTS[:level] / MS_SSIM_WEIGHTS[:level].sum()
    planes_a = a[:, :, None] if a.ndim == 2 else a
    planes_b = b[:, :, None] if b.ndim == 2 else b
    per_channel = []
    for channel in range(planes_a.shape[2]):
        im1 = planes_a[:, :, channel].astype(np.float64)
        im2 = planes_b[:, :, channel].astype(np.float64)
        mssim, mcs = [], []
        for _ in range(level):
            level_ssim, level_cs = _ssim_index_new(im1, im2)
            mssim.append(level_ssim)
            mcs.append(level_cs)
            im1, im2 = _downsample(im1), _downsample(im2)
        last = level - 1
        overall = np.prod(np.array(mcs[:last]) ** weight[:last]) * mssim[last] ** weight[last]
        per_channel.append(overall)
    return float(np.mean(per_channel))


@pytest.mark.parametrize("name", MS_SSIM_PHOTOS)
@pytest.mark.parametrize("distortion", list(DISTORTIONS))
def test_ms_ssim_matches_the_authors_reference_code(
    name: str, distortion: str, gray: bool, photos: dict[str, Image]
) -> None:
    reference, distorted = DISTORTIONS[distortion](_prepared(photos[name], gray))

    ours = imgsim.ms_ssim(distorted, reference)

    assert ours == pytest.approx(_msssim_m(distorted, reference), abs=1e-4)


@pytest.mark.parametrize("size", [(176, 176), (177, 353), (512, 512)])
def test_ms_ssim_matches_the_authors_reference_code_at_edge_sizes(
    size: tuple[int, int], photos: dict[str, Image]
) -> None:
    reference, distorted = _jpeg(20)(_prepared(photos["astronaut"], gray=False, size=size))

    ours = imgsim.ms_ssim(distorted, reference)

    assert ours == pytest.approx(_msssim_m(distorted, reference), abs=1e-4)


def test_ms_ssim_decreases_as_noise_grows(photos: dict[str, Image]) -> None:
    reference = _prepared(photos["chelsea"], gray=False)
    unit_noise = np.random.default_rng(0).normal(0.0, 1.0, reference.shape)
    levels = [1.0, 3.0, 10.0, 30.0, 60.0]

    values = [
        imgsim.ms_ssim(np.clip(reference + level * unit_noise, 0, 255).astype(np.uint8), reference)
        for level in levels
    ]

    assert all(lower < higher for higher, lower in itertools.pairwise(values))


FEWER_LEVELS = [
    ((175, 300, 3), 4),
    ((300, 88), 4),
    ((87, 90, 3), 3),
    ((44, 51), 3),
    ((43, 60, 3), 2),
]
FEWER_LEVELS += [((22, 23), 2), ((21, 40, 3), 1), ((11, 11), 1)]
"""Shapes under 176 px a side and the most levels msssim.m accepts for them
(``min(M, N) / 2^(level-1) >= 11``)."""


@pytest.mark.parametrize(("shape", "levels"), FEWER_LEVELS)
def test_ms_ssim_of_small_images_warns_how_many_scales_it_used(
    shape: tuple[int, ...], levels: int, photos: dict[str, Image]
) -> None:
    image = np.ascontiguousarray(photos["astronaut"][: shape[0], : shape[1]])
    image = image if len(shape) == 3 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    reference, distorted = _jpeg(20)(image)

    with pytest.warns(FewerScales, match=rf"ms_ssim used {levels} of its 5 scales"):
        imgsim.ms_ssim(distorted, reference)


@pytest.mark.parametrize(("shape", "levels"), FEWER_LEVELS)
def test_ms_ssim_of_small_images_is_msssim_m_with_fewer_levels(
    shape: tuple[int, ...], levels: int, photos: dict[str, Image]
) -> None:
    image = np.ascontiguousarray(photos["coffee"][: shape[0], : shape[1]])
    image = image if len(shape) == 3 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    reference, distorted = _noise(10.0)(image)

    with pytest.warns(FewerScales):
        ours = imgsim.ms_ssim(distorted, reference)

    assert ours == pytest.approx(_msssim_m(distorted, reference, levels), abs=1e-4)


def test_ms_ssim_of_small_identical_images_is_one(photos: dict[str, Image]) -> None:
    image = np.ascontiguousarray(photos["coffee"][:60, :70])

    with pytest.warns(FewerScales):
        value = imgsim.ms_ssim(image, image.copy())

    assert value == 1.0


def test_ms_ssim_on_one_scale_is_ssim(photos: dict[str, Image]) -> None:
    reference, distorted = _blur(1.0)(np.ascontiguousarray(photos["chelsea"][:21, :30]))

    with pytest.warns(FewerScales):
        value = imgsim.ms_ssim(distorted, reference)

    assert value == pytest.approx(imgsim.ssim(distorted, reference), rel=1e-6)


def test_ms_ssim_of_176_pixels_uses_all_five_scales_without_a_warning(
    photos: dict[str, Image],
) -> None:
    reference, distorted = _jpeg(20)(_prepared(photos["astronaut"], gray=False, size=(176, 200)))

    with warnings.catch_warnings():
        warnings.simplefilter("error", FewerScales)
        ours = imgsim.ms_ssim(distorted, reference)

    assert ours == pytest.approx(_msssim_m(distorted, reference), abs=1e-4)


@pytest.mark.parametrize("shape", [(10, 300, 3), (300, 10, 3), (10, 10)])
def test_ms_ssim_refuses_images_smaller_than_11_pixels(shape: tuple[int, ...]) -> None:
    image = np.zeros(shape, dtype=np.uint8)

    with pytest.raises(
        ValueError,
        match=rf"ms_ssim needs images of at least 11x11 pixels .*got {shape[1]}x{shape[0]}",
    ):
        imgsim.ms_ssim(image, image)


# --------------------------------------------------------------------------- input checks

METRICS = ("ssim", "ms_ssim", "psnr", "mse", "rmse", "mae")
GOOD = np.zeros((180, 180, 3), dtype=np.uint8)


@pytest.mark.parametrize("metric", METRICS)
def test_wrong_dtype_is_named_with_the_dtype_received(metric: str) -> None:
    as_float = GOOD.astype(np.float64)

    with pytest.raises(ValueError, match=r"image_b .*uint8.*got float64"):
        getattr(imgsim, metric)(GOOD, as_float)


@pytest.mark.parametrize("metric", METRICS)
def test_wrong_shape_is_named_with_the_shape_received(metric: str) -> None:
    flat = np.zeros(180, dtype=np.uint8)

    with pytest.raises(ValueError, match=r"image_a .*got shape \(180,\)"):
        getattr(imgsim, metric)(flat, GOOD)


@pytest.mark.parametrize("metric", METRICS)
def test_mismatched_shapes_name_both_shapes(metric: str) -> None:
    smaller = np.zeros((180, 179, 3), dtype=np.uint8)

    with pytest.raises(
        ValueError, match=r"image_a and image_b .*\(180, 180, 3\) and \(180, 179, 3\)"
    ):
        getattr(imgsim, metric)(GOOD, smaller)


@pytest.mark.parametrize("metric", METRICS)
def test_a_list_is_not_an_image(metric: str) -> None:
    with pytest.raises(ValueError, match=r"image_a must be a numpy array, got list"):
        getattr(imgsim, metric)(GOOD.tolist(), GOOD)
