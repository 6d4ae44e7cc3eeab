"""MDSI against the authors' ``MDSI.m``, transcribed line by line in
``tests/authors_code/mdsi.py``, on real photographs with the distortions of
``tests/distortions.py`` (in colour and in gray) and on random data.

No torch-free published implementation of MDSI exists besides the authors' code, so
the transcription is the reference. ``MDSI.m`` is ``MDSI(Ref, Dist)`` and reads three
channels; imgsim is ``mdsi(judged, reference)`` and copies a gray image to three
channels, so ``mdsi(distorted, reference)`` must equal ``MDSI(reference, distorted)``
with gray images given to the transcription as RGB copies.
"""

from __future__ import annotations

import numpy as np
import pytest
from authors_code.mdsi import MDSI
from distortions import DISTORTIONS, gray, random_pair
from numpy.typing import NDArray

from imgsim.metrics.mdsi import MDSI_MIN_SIDE, mdsi

Image = NDArray[np.uint8]

PHOTO_NAMES = ("astronaut", "coffee", "camera", "immunohistochemistry")
"""People, objects, a gray photograph (copied to RGB by the fixture), microscopy."""
CROP = (257, 311)
"""Rows, columns: under 384 px, so the authors' downsampling factor is 1."""
DOWNSAMPLED_CROPS = {
    "coffee 400x600, F=2": ("coffee", 400, 600),
    "hubble 700x800, F=3": ("hubble_deep_field", 700, 800),
}
"""Larger crops, where ``F = max(1, round(min(M, N) / 256))`` averages and subsamples."""
RANDOM_SHAPES = ((3, 3), (3, 7, 3), (33, 47, 3), (64, 97), (389, 400, 3))
"""From the minimum size up, gray and colour, and one with F = 2 at odd sizes."""


def _crop(photo: Image, rows: int = CROP[0], columns: int = CROP[1]) -> Image:
    return np.ascontiguousarray(photo[:rows, :columns])


def _as_rgb(image: Image) -> Image:
    return np.repeat(image[:, :, None], 3, axis=2)


@pytest.mark.parametrize("distortion", DISTORTIONS)
@pytest.mark.parametrize("photo_name", PHOTO_NAMES)
def test_mdsi_equals_the_authors_code_on_colour_photographs(
    photos: dict[str, Image], photo_name: str, distortion: str
) -> None:
    reference = _crop(photos[photo_name])
    distorted = DISTORTIONS[distortion](reference)
    expected = MDSI(reference, distorted)
    assert mdsi(distorted, reference) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("distortion", DISTORTIONS)
@pytest.mark.parametrize("photo_name", PHOTO_NAMES)
def test_mdsi_equals_the_authors_code_on_gray_photographs(
    photos: dict[str, Image], photo_name: str, distortion: str
) -> None:
    reference = gray(_crop(photos[photo_name]))
    distorted = DISTORTIONS[distortion](reference)
    expected = MDSI(_as_rgb(reference), _as_rgb(distorted))
    assert mdsi(distorted, reference) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("distortion", ["noise σ=8", "blur σ=1.5", "jpeg q=40"])
@pytest.mark.parametrize("crop", DOWNSAMPLED_CROPS)
def test_mdsi_equals_the_authors_code_after_their_downsampling(
    photos: dict[str, Image], crop: str, distortion: str
) -> None:
    name, rows, columns = DOWNSAMPLED_CROPS[crop]
    reference = _crop(photos[name], rows, columns)
    distorted = DISTORTIONS[distortion](reference)
    expected = MDSI(reference, distorted)
    assert mdsi(distorted, reference) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("shape", RANDOM_SHAPES, ids=str)
def test_mdsi_equals_the_authors_code_on_random_images(shape: tuple[int, ...], seed: int) -> None:
    image_a, image_b = random_pair(shape, seed)
    if image_a.ndim == 2:
        expected = MDSI(_as_rgb(image_b), _as_rgb(image_a))
    else:
        expected = MDSI(image_b, image_a)
    assert mdsi(image_a, image_b) == pytest.approx(expected, rel=1e-4)


def test_mdsi_reads_the_first_image_as_the_distorted_one(photos: dict[str, Image]) -> None:
    reference = _crop(photos["astronaut"])
    distorted = DISTORTIONS["noise σ=30"](reference)
    swapped = MDSI(distorted, reference)
    assert mdsi(distorted, reference) != pytest.approx(swapped, rel=1e-4)


@pytest.mark.parametrize("distortion", ["noise σ=30", "blur σ=4"])
def test_mdsi_is_not_symmetric(photos: dict[str, Image], distortion: str) -> None:
    reference = _crop(photos["coffee"])
    distorted = DISTORTIONS[distortion](reference)
    assert mdsi(distorted, reference) != pytest.approx(mdsi(reference, distorted), rel=1e-3)


@pytest.mark.parametrize("photo_name", PHOTO_NAMES)
def test_identical_photographs_score_zero(photos: dict[str, Image], photo_name: str) -> None:
    image = _crop(photos[photo_name])
    assert mdsi(image, image) == 0.0


@pytest.mark.parametrize("shape", [(MDSI_MIN_SIDE - 1, 40, 3), (40, MDSI_MIN_SIDE - 1)])
def test_images_under_the_minimum_size_are_refused(shape: tuple[int, ...]) -> None:
    image = np.zeros(shape, dtype=np.uint8)
    with pytest.raises(ValueError, match="mdsi needs images of at least 3x3 pixels"):
        mdsi(image, image)
