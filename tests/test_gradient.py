"""GMSD and MS-GMSDc against plain transcriptions of their references.

``gmsd`` is held to a line-by-line NumPy transcription of the authors' ``GMSD.m``
(tests/authors_code/gmsd.py), ``ms_gmsd`` to MS-GMSDc written out from its equations
(tests/authors_code/ms_gmsd.py: the authors published no code), on real photographs
with each distortion of tests/distortions.py, in colour and in gray, and on random
data. No torch-free published implementation of either exists (scikit-image and sewar
have neither), so the transcriptions are the only references. The reference reads
RGB as unrounded BT.601 luma (0.299 R + 0.587 G + 0.114 B), the convention imgsim
fixes for metrics the authors defined on gray images.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from authors_code.gmsd import GMSD
from authors_code.matlab import rgb2gray
from authors_code.ms_gmsd import MS_GMSDc
from distortions import DISTORTIONS, gray, random_pair
from numpy.typing import NDArray

from imgsim.metrics.gradient import gmsd, ms_gmsd
from imgsim.metrics.pair_inputs import FewerScales

Image = NDArray[np.uint8]

PHOTOS = ("astronaut", "coffee", "camera")
CROP = (257, 311)
"""Odd at every scale: 257 → 129 → 65 → 33, 311 → 156 → 78 → 39."""


def _bt601(image: Image) -> NDArray[np.float64]:
    """The gray plane GMSD.m is given: unrounded BT.601 luma of RGB, gray as it is."""
    if image.ndim == 2:
        return image.astype(np.float64)
    planes = image.astype(np.float64)
    return np.asarray(0.299 * planes[..., 0] + 0.587 * planes[..., 1] + 0.114 * planes[..., 2])


def _three_channels(image: Image) -> NDArray[np.float64]:
    """An RGB image in float64; a gray one copied to three channels."""
    planes = image.astype(np.float64)
    return planes if planes.ndim == 3 else np.repeat(planes[:, :, None], 3, axis=2)


def _gmsd_m(distorted: Image, reference: Image) -> float:
    return GMSD(_bt601(reference), _bt601(distorted))[0]


def _ms_gmsdc(distorted: Image, reference: Image, scales: int = 4) -> float:
    return MS_GMSDc(_three_channels(distorted), _three_channels(reference), scales)


@pytest.fixture(params=PHOTOS)
def photo(request: pytest.FixtureRequest, photos: dict[str, Image]) -> Image:
    return np.ascontiguousarray(photos[request.param][: CROP[0], : CROP[1]])


@pytest.fixture(params=["colour", "gray"])
def reference(request: pytest.FixtureRequest, photo: Image) -> Image:
    return photo if request.param == "colour" else gray(photo)


@pytest.fixture(params=list(DISTORTIONS))
def distorted(request: pytest.FixtureRequest, reference: Image) -> Image:
    return DISTORTIONS[request.param](reference)


RANDOM_SHAPES = [(37, 53, 3), (64, 64), (100, 81, 3), (18, 19)]

# --------------------------------------------------------------------------- gmsd


def test_gmsd_matches_the_authors_code_on_photographs(distorted: Image, reference: Image) -> None:
    value = gmsd(distorted, reference)

    assert value == pytest.approx(_gmsd_m(distorted, reference), rel=1e-4)


@pytest.mark.parametrize("shape", RANDOM_SHAPES)
@pytest.mark.parametrize("seed", [0, 1])
def test_gmsd_matches_the_authors_code_on_random_images(seed: int, shape: tuple[int, ...]) -> None:
    first, second = random_pair(shape, seed)

    value = gmsd(first, second)

    assert value == pytest.approx(_gmsd_m(first, second), rel=1e-4)


def test_gmsd_of_matlab_rgb2gray_images_is_the_authors_value(photos: dict[str, Image]) -> None:
    photo = photos["chelsea"]
    distorted = DISTORTIONS["jpeg q=10"](photo)
    gray_reference, gray_distorted = rgb2gray(photo), rgb2gray(distorted)
    expected = GMSD(gray_reference.astype(np.float64), gray_distorted.astype(np.float64))[0]

    value = gmsd(gray_distorted, gray_reference)

    assert value == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("as_gray", [False, True], ids=["colour", "gray"])
def test_gmsd_of_identical_images_is_zero(as_gray: bool, photos: dict[str, Image]) -> None:
    image = gray(photos["coffee"]) if as_gray else photos["coffee"]

    assert gmsd(image, image.copy()) == 0.0


def test_gmsd_is_symmetric(photos: dict[str, Image]) -> None:
    reference = photos["astronaut"][:200, :240]
    distorted = DISTORTIONS["blur σ=4"](reference)

    assert gmsd(distorted, reference) == pytest.approx(gmsd(reference, distorted), rel=1e-12)


def test_gmsd_grows_with_noise(photos: dict[str, Image]) -> None:
    reference = photos["chelsea"]

    values = [gmsd(DISTORTIONS[name](reference), reference) for name in ("noise σ=8", "noise σ=30")]

    assert values[0] < values[1]


@pytest.mark.parametrize("shape", [(4, 40, 3), (40, 4), (4, 4)])
def test_gmsd_refuses_images_under_5_pixels_naming_the_size(shape: tuple[int, ...]) -> None:
    image = np.zeros(shape, dtype=np.uint8)

    with pytest.raises(
        ValueError, match=rf"gmsd needs images of at least 5x5 pixels, got {shape[1]}x{shape[0]}"
    ):
        gmsd(image, image)


def test_gmsd_of_the_smallest_image_matches_the_authors_code() -> None:
    first, second = random_pair((5, 5), 3)

    assert gmsd(first, second) == pytest.approx(_gmsd_m(first, second), rel=1e-4)


# --------------------------------------------------------------------------- ms_gmsd


def test_ms_gmsd_matches_ms_gmsdc_on_photographs(distorted: Image, reference: Image) -> None:
    value = ms_gmsd(distorted, reference)

    assert value == pytest.approx(_ms_gmsdc(distorted, reference), rel=1e-4)


@pytest.mark.parametrize("shape", RANDOM_SHAPES)
@pytest.mark.parametrize("seed", [0, 1])
def test_ms_gmsd_matches_ms_gmsdc_on_random_images(seed: int, shape: tuple[int, ...]) -> None:
    first, second = random_pair(shape, seed)

    value = ms_gmsd(first, second)

    assert value == pytest.approx(_ms_gmsdc(first, second), rel=1e-4)


def test_ms_gmsd_of_a_gray_image_is_that_of_its_three_channel_copy(
    photos: dict[str, Image],
) -> None:
    reference = gray(photos["camera"])
    distorted = DISTORTIONS["noise σ=8"](reference)
    as_rgb = (
        np.repeat(distorted[:, :, None], 3, axis=2),
        np.repeat(reference[:, :, None], 3, axis=2),
    )

    assert ms_gmsd(distorted, reference) == pytest.approx(ms_gmsd(*as_rgb), rel=1e-12)


def test_ms_gmsd_sees_a_colour_shift_that_leaves_luma_alone(photos: dict[str, Image]) -> None:
    reference = photos["coffee"]
    # +20 red, -10 green: luma moves by 0.11 grey levels, I by 14.7 and Q by 9.5.
    shifted = np.clip(reference.astype(np.int16) + np.array([20, -10, 0]), 0, 255).astype(np.uint8)

    assert ms_gmsd(shifted, reference) > 2 * ms_gmsd(gray(shifted), gray(reference))


@pytest.mark.parametrize("as_gray", [False, True], ids=["colour", "gray"])
def test_ms_gmsd_of_identical_images_is_zero(as_gray: bool, photos: dict[str, Image]) -> None:
    image = gray(photos["coffee"]) if as_gray else photos["coffee"]

    assert ms_gmsd(image, image.copy()) == 0.0


def test_ms_gmsd_is_symmetric(photos: dict[str, Image]) -> None:
    reference = photos["astronaut"][:200, :240]
    distorted = DISTORTIONS["colour shift"](reference)

    assert ms_gmsd(distorted, reference) == pytest.approx(ms_gmsd(reference, distorted), rel=1e-12)


def test_ms_gmsd_grows_with_noise(photos: dict[str, Image]) -> None:
    reference = photos["chelsea"]

    values = [
        ms_gmsd(DISTORTIONS[name](reference), reference) for name in ("noise σ=8", "noise σ=30")
    ]

    assert values[0] < values[1]


FEWER_SCALES = [
    ((16, 40, 3), 3),
    ((40, 9), 3),
    ((8, 8, 3), 2),
    ((5, 30), 2),
    ((4, 4, 3), 1),
    ((3, 7), 1),
]
"""Shapes under 17 px a side and the scales whose coarsest (ceil(n / 2^(s-1)) px) holds
a 3 x 3 Prewitt window."""


@pytest.mark.parametrize(("shape", "scales"), FEWER_SCALES)
def test_ms_gmsd_of_small_images_warns_how_many_scales_it_used(
    shape: tuple[int, ...], scales: int
) -> None:
    first, second = random_pair(shape, 4)

    with pytest.warns(FewerScales, match=rf"ms_gmsd used {scales} of its 4 scales"):
        ms_gmsd(first, second)


@pytest.mark.parametrize(("shape", "scales"), FEWER_SCALES)
def test_ms_gmsd_of_small_images_is_ms_gmsdc_on_fewer_scales(
    shape: tuple[int, ...], scales: int
) -> None:
    first, second = random_pair(shape, 5)

    with pytest.warns(FewerScales):
        value = ms_gmsd(first, second)

    assert value == pytest.approx(_ms_gmsdc(first, second, scales), rel=1e-4)


def test_ms_gmsd_of_small_identical_images_is_zero() -> None:
    image, _ = random_pair((12, 12, 3), 6)

    with pytest.warns(FewerScales):
        value = ms_gmsd(image, image.copy())

    assert value == 0.0


def test_ms_gmsd_of_17_pixels_uses_all_four_scales_without_a_warning() -> None:
    first, second = random_pair((17, 17, 3), 7)

    with warnings.catch_warnings():
        warnings.simplefilter("error", FewerScales)
        value = ms_gmsd(first, second)

    assert value == pytest.approx(_ms_gmsdc(first, second), rel=1e-4)


@pytest.mark.parametrize("shape", [(2, 40, 3), (40, 2), (1, 1)])
def test_ms_gmsd_refuses_images_under_3_pixels_naming_the_size(shape: tuple[int, ...]) -> None:
    image = np.zeros(shape, dtype=np.uint8)

    with pytest.raises(
        ValueError, match=rf"ms_gmsd needs images of at least 3x3 pixels, got {shape[1]}x{shape[0]}"
    ):
        ms_gmsd(image, image)
