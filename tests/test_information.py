"""VIFp against the authors' ``vifp_mscale.m`` and against sewar.

``vifp`` is held to a line-by-line NumPy transcription of the authors' pixel-domain
code (tests/authors_code/vifp.py) on real photographs with each distortion of
tests/distortions.py, in colour and in gray, and on random data; and to sewar's
``vifp``, a torch-free transcription of the same MATLAB code. The convention that
makes them agree: the authors and sewar take the reference first
(``vifp_mscale(ref, dist)``, ``sewar.full_ref.vifp(GT, P)``), imgsim the image being
judged first; RGB is scored on its unrounded BT.601 luma (0.299 R + 0.587 G + 0.114 B),
which the references are given as their gray image, and sewar's ``MAX`` plays no part
in VIFp.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from authors_code.vifp import vifp_mscale
from distortions import DISTORTIONS, blur, gray
from numpy.typing import NDArray
from sewar.full_ref import vifp as sewar_vifp  # type: ignore[import-untyped]

from imgsim.metrics.information import vifp

Image = NDArray[np.uint8]

PHOTOS = ("astronaut", "camera", "hubble_deep_field")
CROP = (137, 171)
"""Rows, columns: odd, and large enough for all four scales (at least 41)."""
REL = 1e-9
"""Both sides compute in float64; they differ only in summation order (~1e-13)."""


def _bt601(image: Image) -> NDArray[np.float64]:
    """The gray image the authors' code is given: unrounded BT.601 luma, gray as is."""
    if image.ndim == 2:
        return image.astype(np.float64)
    planes = image.astype(np.float64)
    return np.asarray(0.299 * planes[..., 0] + 0.587 * planes[..., 1] + 0.114 * planes[..., 2])


def _crop(photo: Image) -> Image:
    return np.ascontiguousarray(photo[: CROP[0], : CROP[1]])


def _authors(distorted: Image, reference: Image) -> float:
    return vifp_mscale(_bt601(reference), _bt601(distorted))


@pytest.mark.parametrize("distortion", DISTORTIONS)
@pytest.mark.parametrize("photo", PHOTOS)
def test_vifp_equals_the_authors_code_on_rgb_photographs(
    photos: dict[str, Image], photo: str, distortion: str
) -> None:
    reference = _crop(photos[photo])
    distorted = DISTORTIONS[distortion](reference)
    assert vifp(distorted, reference) == pytest.approx(_authors(distorted, reference), rel=REL)


@pytest.mark.parametrize("distortion", DISTORTIONS)
@pytest.mark.parametrize("photo", PHOTOS)
def test_vifp_equals_the_authors_code_on_gray_photographs(
    photos: dict[str, Image], photo: str, distortion: str
) -> None:
    reference = gray(_crop(photos[photo]))
    distorted = DISTORTIONS[distortion](reference)
    assert vifp(distorted, reference) == pytest.approx(_authors(distorted, reference), rel=REL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vifp_equals_the_authors_code_on_random_images(seed: int) -> None:
    rng = np.random.default_rng(seed)
    reference = rng.integers(0, 256, (53, 67, 3), dtype=np.uint8)
    noisy = reference + rng.normal(0.0, 20.0, reference.shape)
    distorted = np.clip(noisy, 0, 255).round().astype(np.uint8)
    assert vifp(distorted, reference) == pytest.approx(_authors(distorted, reference), rel=REL)


@pytest.mark.parametrize("seed", [0, 1])
def test_vifp_equals_the_authors_code_on_unrelated_random_images(seed: int) -> None:
    rng = np.random.default_rng(seed)
    reference = rng.integers(0, 256, (48, 45), dtype=np.uint8)
    distorted = rng.integers(0, 256, (48, 45), dtype=np.uint8)
    assert vifp(distorted, reference) == pytest.approx(_authors(distorted, reference), rel=REL)


def test_vifp_equals_the_authors_code_at_its_minimum_size(photos: dict[str, Image]) -> None:
    reference = np.ascontiguousarray(photos["astronaut"][100:141, 200:241])
    distorted = blur(1.5)(reference)
    assert vifp(distorted, reference) == pytest.approx(_authors(distorted, reference), rel=REL)


@pytest.mark.parametrize("distortion", ["noise σ=30", "blur σ=4", "jpeg q=10", "colour shift"])
def test_vifp_equals_sewar_given_the_reference_first(
    photos: dict[str, Image], distortion: str
) -> None:
    reference = _crop(photos["coffee"])
    distorted = DISTORTIONS[distortion](reference)
    expected = float(sewar_vifp(_bt601(reference), _bt601(distorted)))
    assert vifp(distorted, reference) == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize("photo", PHOTOS)
def test_vifp_of_identical_images_is_one(photos: dict[str, Image], photo: str) -> None:
    image = _crop(photos[photo])
    assert vifp(image, image) == pytest.approx(1.0, rel=1e-9)


def test_vifp_is_not_symmetric(photos: dict[str, Image]) -> None:
    reference = _crop(photos["camera"])
    blurred = blur(4.0)(reference)
    assert vifp(blurred, reference) != pytest.approx(vifp(reference, blurred), rel=1e-3)


def test_vifp_exceeds_one_when_the_image_enhances_contrast(photos: dict[str, Image]) -> None:
    reference = (64 + gray(_crop(photos["camera"])) // 2).astype(np.uint8)
    enhanced = np.clip(2 * (reference.astype(np.int16) - 64), 0, 255).astype(np.uint8)
    assert vifp(enhanced, reference) > 1.0


def test_vifp_of_a_flat_reference_is_undefined_as_in_the_authors_code() -> None:
    flat = np.full((64, 64), 128, dtype=np.uint8)
    assert math.isnan(vifp(flat, flat))


def test_vifp_refuses_images_smaller_than_its_coarsest_window() -> None:
    small = np.zeros((40, 64, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"vifp needs images of at least 41x41 pixels"):
        vifp(small, small)
