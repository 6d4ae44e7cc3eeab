"""dss against a line-by-line transcription of the authors' ``dss_index.m``.

No torch-free published implementation exists; the reference is ``authors_code.dss``, on
the gray images ``dss`` reads (unrounded BT.601 luma of RGB, gray as it is). Inputs:
real photographs with each distortion of ``distortions.DISTORTIONS``, in colour and in
gray, at sizes that are not multiples of 8 (the code crops them), and random images,
down to the smallest size ``dss_index.m`` scores.
"""

from __future__ import annotations

import numpy as np
import pytest
from authors_code.dss import dss_index
from distortions import DISTORTIONS, gray, random_pair
from numpy.typing import NDArray

from imgsim.metrics.dss import dss
from imgsim.metrics.pair_inputs import luma

Image = NDArray[np.uint8]
RELATIVE = 1e-4
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "camera", "coins", "hubble_deep_field")
SHAPES = ((257, 311), (256, 320), (263, 301), (200, 200), (257, 311), (301, 263), (256, 320))
"""One photograph and one size per distortion: multiples of 8 and sizes with a remainder."""
CASES = [
    (name, photo, shape) for name, photo, shape in zip(DISTORTIONS, PHOTOS, SHAPES, strict=True)
]


def _pair(
    photos: dict[str, Image], name: str, photo: str, shape: tuple[int, int], colour: str
) -> tuple[Image, Image]:
    """(distorted, reference): the photograph's top-left crop, in RGB or in gray."""
    reference = np.ascontiguousarray(photos[photo][: shape[0], : shape[1]])
    if colour == "gray":
        reference = gray(reference)
    return DISTORTIONS[name](reference), reference


@pytest.mark.parametrize("colour", ["rgb", "gray"])
@pytest.mark.parametrize(("name", "photo", "shape"), CASES)
def test_dss_equals_dss_index_m(
    photos: dict[str, Image], name: str, photo: str, shape: tuple[int, int], colour: str
) -> None:
    distorted, reference = _pair(photos, name, photo, shape, colour)
    expected = dss_index(luma(distorted), luma(reference))
    assert dss(distorted, reference) == pytest.approx(expected, rel=RELATIVE)


RANDOM_SHAPES = [(97, 131, 3), (97, 131), (40, 48), (16, 40), (32, 32, 3), (80, 8)]
"""Odd sizes; 30 blocks (40 x 48: 0.05 x 30 = 1.5 rounds to 2); the smallest images
scored: 10 blocks (16 x 40, 80 x 8: one worst value per subband) and 32 x 32."""


@pytest.mark.parametrize("shape", RANDOM_SHAPES)
def test_dss_equals_dss_index_m_on_random_images(shape: tuple[int, ...]) -> None:
    distorted, reference = random_pair(shape, shape[0] * 100 + len(shape), sigma=20.0)
    expected = dss_index(luma(distorted), luma(reference))
    assert dss(distorted, reference) == pytest.approx(expected, rel=RELATIVE)


def test_dss_pools_as_many_worst_values_as_matlab_rounds_to() -> None:
    # 5 x 10 blocks: 0.05 x 50 = 2.5, which MATLAB rounds to 3 (Python's round: 2).
    distorted, reference = random_pair((40, 80), 4002, sigma=60.0)
    expected = dss_index(luma(distorted), luma(reference))
    assert dss(distorted, reference) == pytest.approx(expected, rel=RELATIVE)


def test_identical_images_score_1(photos: dict[str, Image]) -> None:
    image = photos["coffee"][:257, :311]
    assert dss(image, image.copy()) == pytest.approx(1.0)


def test_dss_is_symmetric(photos: dict[str, Image]) -> None:
    distorted, reference = _pair(photos, "jpeg q=10", "astronaut", (257, 311), "rgb")
    assert dss(distorted, reference) == pytest.approx(dss(reference, distorted), rel=1e-12)


def test_more_noise_scores_lower(photos: dict[str, Image]) -> None:
    reference = photos["chelsea"][:257, :311]
    mild = dss(DISTORTIONS["noise σ=8"](reference), reference)
    assert dss(DISTORTIONS["noise σ=30"](reference), reference) < mild


@pytest.mark.parametrize("shape", [(24, 24), (8, 72), (31, 31)])
def test_fewer_than_10_blocks_are_refused_naming_the_size(shape: tuple[int, int]) -> None:
    image = np.zeros(shape, dtype=np.uint8)
    with pytest.raises(ValueError, match=r"dss needs images of at least 10 blocks of 8x8 pixels"):
        dss(image, image)


def test_images_under_8_pixels_are_refused() -> None:
    image = np.zeros((7, 400), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"dss needs images of at least 8x8 pixels"):
        dss(image, image)
