"""HaarPSI against the authors' ``HaarPSI.m``, transcribed line by line in
``tests/authors_code/haarpsi.py``, on real photographs with the distortions of
``tests/distortions.py`` (in colour and in gray) and on random data.

No torch-free published implementation of HaarPSI exists besides the authors' own code,
so the transcription is the reference. ``HaarPSI.m`` takes (reference, distorted) and
decides the colour path by the number of channels; imgsim takes (judged, reference)
and does the same, so ``haarpsi(distorted, reference)`` must equal
``HaarPSI(reference, distorted)`` for gray H x W and RGB H x W x 3 inputs alike.
"""

from __future__ import annotations

import numpy as np
import pytest
from authors_code.haarpsi import HaarPSI
from distortions import DISTORTIONS, gray, random_pair
from numpy.typing import NDArray

from imgsim.metrics.haarpsi import HAARPSI_MIN_SIDE, haarpsi

Image = NDArray[np.uint8]

PHOTO_NAMES = ("astronaut", "coffee", "camera", "immunohistochemistry")
"""People, objects, a gray photograph (copied to RGB by the fixture), microscopy."""
CROP = (257, 311)
"""Rows, columns: odd, so the 2 x 2 subsampling keeps a last half-empty row and column."""
RANDOM_SHAPES = ((15, 15), (15, 16, 3), (33, 47, 3), (64, 97), (128, 128, 3))
"""From the minimum size up, gray and colour, even and odd."""


def _crop(photo: Image) -> Image:
    return np.ascontiguousarray(photo[: CROP[0], : CROP[1]])


@pytest.mark.parametrize("distortion", DISTORTIONS)
@pytest.mark.parametrize("photo_name", PHOTO_NAMES)
def test_haarpsi_equals_the_authors_code_on_colour_photographs(
    photos: dict[str, Image], photo_name: str, distortion: str
) -> None:
    reference = _crop(photos[photo_name])
    distorted = DISTORTIONS[distortion](reference)
    expected = HaarPSI(reference, distorted)
    assert haarpsi(distorted, reference) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("distortion", DISTORTIONS)
@pytest.mark.parametrize("photo_name", PHOTO_NAMES)
def test_haarpsi_equals_the_authors_code_on_gray_photographs(
    photos: dict[str, Image], photo_name: str, distortion: str
) -> None:
    reference = gray(_crop(photos[photo_name]))
    distorted = DISTORTIONS[distortion](reference)
    expected = HaarPSI(reference, distorted)
    assert haarpsi(distorted, reference) == pytest.approx(expected, rel=1e-4)


def test_haarpsi_equals_the_authors_code_on_a_whole_photograph(
    photos: dict[str, Image],
) -> None:
    reference = photos["chelsea"]
    distorted = DISTORTIONS["jpeg q=10"](reference)
    expected = HaarPSI(reference, distorted)
    assert haarpsi(distorted, reference) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("shape", RANDOM_SHAPES, ids=str)
def test_haarpsi_equals_the_authors_code_on_random_images(
    shape: tuple[int, ...], seed: int
) -> None:
    image_a, image_b = random_pair(shape, seed)
    assert haarpsi(image_a, image_b) == pytest.approx(HaarPSI(image_b, image_a), rel=1e-4)


def test_a_gray_image_scores_on_the_gray_path_not_as_an_rgb_copy(
    photos: dict[str, Image],
) -> None:
    reference = gray(_crop(photos["astronaut"]))
    distorted = DISTORTIONS["blur σ=1.5"](reference)
    as_rgb = [np.repeat(image[:, :, None], 3, axis=2) for image in (distorted, reference)]
    assert haarpsi(distorted, reference) != pytest.approx(haarpsi(*as_rgb), rel=1e-4)


@pytest.mark.parametrize("photo_name", PHOTO_NAMES)
def test_identical_photographs_score_one(photos: dict[str, Image], photo_name: str) -> None:
    image = _crop(photos[photo_name])
    assert haarpsi(image, image) == pytest.approx(1.0, abs=1e-12)


def test_two_black_images_score_one() -> None:
    black = np.zeros((32, 32, 3), dtype=np.uint8)
    assert haarpsi(black, black) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("distortion", ["noise σ=30", "blur σ=4", "colour shift"])
def test_haarpsi_is_symmetric(photos: dict[str, Image], distortion: str) -> None:
    reference = _crop(photos["coffee"])
    distorted = DISTORTIONS[distortion](reference)
    assert haarpsi(distorted, reference) == haarpsi(reference, distorted)


@pytest.mark.parametrize("shape", [(HAARPSI_MIN_SIDE - 1, 40, 3), (40, HAARPSI_MIN_SIDE - 1)])
def test_images_under_the_minimum_size_are_refused(shape: tuple[int, ...]) -> None:
    image = np.zeros(shape, dtype=np.uint8)
    with pytest.raises(ValueError, match="haarpsi needs images of at least 15x15 pixels"):
        haarpsi(image, image)
