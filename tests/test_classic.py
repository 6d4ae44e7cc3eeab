"""UQI against the authors' ``img_qi.m``, PSNR-B against the paper's equations, both
against sewar.

``uqi`` is held to a line-by-line NumPy transcription of ``img_qi.m``
(tests/authors_code/uqi.py) and ``psnr_b`` to the equations of Yim & Bovik (2011)
written out plainly (tests/authors_code/psnr_b.py: the authors published no code), on
real photographs with each distortion of tests/distortions.py, in colour and in gray,
at sizes that are and are not multiples of the 8 px block, and on random data. The
references read RGB as unrounded BT.601 luma (0.299 R + 0.587 G + 0.114 B).

sewar (``sewar.full_ref.uqi`` and ``psnrb``, reference first, given that luma) is the
torch-free published implementation of both. Its PSNR-B equals ``psnr_b`` where the
image has no blocking, and where it has, it departs from the paper by exactly its
count of boundary pairs (``N_V N_H / 8 - 1`` for the paper's ``N_V (N_H / 8 - 1)``).
Its UQI agrees only on identical images: it puts window means where ``img_qi.m`` has
window sums, which is a different index.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from authors_code.psnr_b import PSNR_B
from authors_code.uqi import img_qi
from distortions import DISTORTIONS, gray, jpeg, noise
from numpy.typing import NDArray
from sewar.full_ref import psnrb as sewar_psnrb  # type: ignore[import-untyped]
from sewar.full_ref import uqi as sewar_uqi

from imgsim.metrics.classic import psnr_b, uqi

Image = NDArray[np.uint8]

PHOTOS = ("astronaut", "coffee", "camera", "hubble_deep_field")
SIZES = ((257, 311), (256, 320))
"""Rows, columns: not multiples of the 8 px block, and multiples of it."""
REL = 1e-9
"""Both sides compute in float64 (imgsim on exact integers); they differ by ~1e-12."""
BLOCKY_SIDE = 64


def _bt601(image: Image) -> NDArray[np.float64]:
    """The gray image the references are given: unrounded BT.601 luma, gray as is."""
    if image.ndim == 2:
        return image.astype(np.float64)
    planes = image.astype(np.float64)
    return np.asarray(0.299 * planes[..., 0] + 0.587 * planes[..., 1] + 0.114 * planes[..., 2])


def _crop(photo: Image, size: tuple[int, int] = SIZES[0]) -> Image:
    return np.ascontiguousarray(photo[: size[0], : size[1]])


def _img_qi(distorted: Image, reference: Image) -> float:
    return img_qi(_bt601(reference), _bt601(distorted))[0]


def _paper_psnr_b(distorted: Image, reference: Image) -> float:
    return PSNR_B(_bt601(reference), _bt601(distorted))


def _blocky(seed: int = 0) -> Image:
    """Random 8 x 8 blocks of constant gray: all its edges lie on block boundaries."""
    levels = np.random.default_rng(seed).integers(0, 256, (BLOCKY_SIDE // 8,) * 2)
    return np.kron(levels, np.ones((8, 8), dtype=np.int64)).astype(np.uint8)


# ---------------------------------------------------------------- uqi


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("distortion", DISTORTIONS)
@pytest.mark.parametrize("photo", PHOTOS)
def test_uqi_equals_the_authors_code_on_rgb_photographs(
    photos: dict[str, Image], photo: str, distortion: str, size: tuple[int, int]
) -> None:
    reference = _crop(photos[photo], size)
    distorted = DISTORTIONS[distortion](reference)
    assert uqi(distorted, reference) == pytest.approx(_img_qi(distorted, reference), rel=REL)


@pytest.mark.parametrize("distortion", DISTORTIONS)
@pytest.mark.parametrize("photo", PHOTOS)
def test_uqi_equals_the_authors_code_on_gray_photographs(
    photos: dict[str, Image], photo: str, distortion: str
) -> None:
    reference = gray(_crop(photos[photo]))
    distorted = DISTORTIONS[distortion](reference)
    assert uqi(distorted, reference) == pytest.approx(_img_qi(distorted, reference), rel=REL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_uqi_equals_the_authors_code_on_random_images(seed: int) -> None:
    rng = np.random.default_rng(seed)
    reference = rng.integers(0, 256, (37, 150, 3), dtype=np.uint8)
    distorted = rng.integers(0, 256, (37, 150, 3), dtype=np.uint8)
    assert uqi(distorted, reference) == pytest.approx(_img_qi(distorted, reference), rel=1e-6)


@pytest.mark.parametrize(
    ("level_a", "level_b"), [(40, 200), (0, 90), (255, 255)], ids=["two", "black", "same"]
)
def test_uqi_of_flat_windows_is_img_qi_luminance_term(level_a: int, level_b: int) -> None:
    image_a = np.full((20, 30), level_a, dtype=np.uint8)
    image_b = np.full((20, 30), level_b, dtype=np.uint8)
    assert uqi(image_a, image_b) == pytest.approx(_img_qi(image_a, image_b), rel=REL)


def test_uqi_of_black_windows_is_one_as_in_img_qi() -> None:
    black = np.zeros((16, 16, 3), dtype=np.uint8)
    assert uqi(black, black) == 1.0


def test_uqi_follows_img_qi_where_only_some_windows_are_flat(photos: dict[str, Image]) -> None:
    reference = _crop(photos["camera"]).copy()
    reference[:40, :60] = (255, 255, 255)
    distorted = noise(8.0)(reference)
    distorted[:40, :60] = (250, 250, 250)
    assert uqi(distorted, reference) == pytest.approx(_img_qi(distorted, reference), rel=REL)


@pytest.mark.parametrize("photo", PHOTOS)
def test_uqi_of_identical_images_is_one(photos: dict[str, Image], photo: str) -> None:
    image = _crop(photos[photo])
    assert uqi(image, image) == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("distortion", DISTORTIONS)
def test_uqi_is_symmetric(photos: dict[str, Image], distortion: str) -> None:
    reference = _crop(photos["coffee"])
    distorted = DISTORTIONS[distortion](reference)
    assert uqi(distorted, reference) == pytest.approx(uqi(reference, distorted), rel=1e-12)


def test_uqi_and_sewar_agree_on_identical_images(photos: dict[str, Image]) -> None:
    image = _crop(photos["astronaut"])
    assert uqi(image, image) == pytest.approx(float(sewar_uqi(_bt601(image), _bt601(image))))


def test_sewar_uqi_departs_from_img_qi(photos: dict[str, Image]) -> None:
    """sewar's window means in img_qi.m's formula for sums: far above the index."""
    reference = _crop(photos["camera"])
    distorted = noise(30.0)(reference)
    sewar_value = float(sewar_uqi(_bt601(reference), _bt601(distorted)))
    assert sewar_value - uqi(distorted, reference) > 0.5


def test_uqi_equals_the_authors_code_at_its_minimum_size() -> None:
    rng = np.random.default_rng(3)
    reference = rng.integers(0, 256, (8, 8), dtype=np.uint8)
    distorted = rng.integers(0, 256, (8, 8), dtype=np.uint8)
    assert uqi(distorted, reference) == pytest.approx(_img_qi(distorted, reference), rel=1e-6)


EXACT = 1e-12
"""uqi's window sums are exact integers and its map a product of two quotients: it
differs from img_qi.m's float64 quotient by rounding only (~1e-15 measured)."""


@pytest.mark.parametrize(
    "shape",
    [(300, 257), (600, 120, 3), (9, 70001)],
    ids=["gray-several-bands", "rgb-several-bands", "gray-one-row-bands"],
)
def test_uqi_equals_the_authors_code_to_rounding_on_random_images(
    shape: tuple[int, ...],
) -> None:
    rng = np.random.default_rng(4)
    reference = rng.integers(0, 256, shape, dtype=np.uint8)
    distorted = rng.integers(0, 256, shape, dtype=np.uint8)
    expected = _img_qi(distorted, reference)
    assert uqi(distorted, reference) == pytest.approx(expected, rel=EXACT)


def _flat_and_black(photo: Image) -> tuple[Image, Image]:
    """A photograph and a noisy copy with overlapping black rectangles and a flat band:
    windows flat in both (at two levels), black in both, flat in one only, across the
    seams of uqi's bands of rows."""
    reference = _crop(photo, (400, 300)).copy()
    distorted = noise(5.0)(reference)
    reference[100:300, 50:250] = 0
    distorted[120:320, 60:280] = 0
    distorted[:140] = 10
    reference[:130] = 30
    return distorted, reference


def test_uqi_puts_flat_and_black_windows_where_img_qi_does_in_rgb(
    photos: dict[str, Image],
) -> None:
    distorted, reference = _flat_and_black(photos["astronaut"])
    expected = _img_qi(distorted, reference)
    assert uqi(distorted, reference) == pytest.approx(expected, rel=EXACT)


def test_uqi_puts_flat_and_black_windows_where_img_qi_does_in_gray(
    photos: dict[str, Image],
) -> None:
    distorted, reference = _flat_and_black(photos["camera"])
    expected = _img_qi(distorted, reference)
    assert uqi(distorted, reference) == pytest.approx(expected, rel=EXACT)


def test_uqi_refuses_images_smaller_than_its_window() -> None:
    small = np.zeros((7, 30), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"uqi needs images of at least 8x8 pixels"):
        uqi(small, small)


# ---------------------------------------------------------------- psnr_b


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("distortion", DISTORTIONS)
@pytest.mark.parametrize("photo", PHOTOS)
def test_psnr_b_equals_the_paper_on_rgb_photographs(
    photos: dict[str, Image], photo: str, distortion: str, size: tuple[int, int]
) -> None:
    reference = _crop(photos[photo], size)
    distorted = DISTORTIONS[distortion](reference)
    expected = _paper_psnr_b(distorted, reference)
    assert psnr_b(distorted, reference) == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize("distortion", DISTORTIONS)
@pytest.mark.parametrize("photo", PHOTOS)
def test_psnr_b_equals_the_paper_on_gray_photographs(
    photos: dict[str, Image], photo: str, distortion: str
) -> None:
    reference = gray(_crop(photos[photo]))
    distorted = DISTORTIONS[distortion](reference)
    expected = _paper_psnr_b(distorted, reference)
    assert psnr_b(distorted, reference) == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_psnr_b_equals_the_paper_on_random_images(seed: int) -> None:
    rng = np.random.default_rng(seed)
    reference = rng.integers(0, 256, (41, 75, 3), dtype=np.uint8)
    distorted = rng.integers(0, 256, (41, 75, 3), dtype=np.uint8)
    expected = _paper_psnr_b(distorted, reference)
    assert psnr_b(distorted, reference) == pytest.approx(expected, rel=REL)


def test_psnr_b_equals_the_paper_on_a_tall_image_read_in_several_bands() -> None:
    rng = np.random.default_rng(5)
    reference = rng.integers(0, 256, (601, 24, 3), dtype=np.uint8)
    distorted = jpeg(20)(reference)
    expected = _paper_psnr_b(distorted, reference)
    assert psnr_b(distorted, reference) == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize("seed", [0, 1])
def test_psnr_b_equals_the_paper_on_blocky_images(seed: int) -> None:
    reference = _blocky(seed)
    distorted = _blocky(seed + 10)
    expected = _paper_psnr_b(distorted, reference)
    assert psnr_b(distorted, reference) == pytest.approx(expected, rel=REL)


def test_psnr_b_penalises_jpeg_blocking_below_the_luma_psnr(photos: dict[str, Image]) -> None:
    reference = _crop(photos["camera"], SIZES[1])
    distorted = jpeg(10)(reference)
    error = float(np.mean((_bt601(distorted) - _bt601(reference)) ** 2))
    assert psnr_b(distorted, reference) < 10 * math.log10(255**2 / error)


@pytest.mark.parametrize("distortion", ["noise σ=8", "noise σ=30", "blur σ=4", "colour shift"])
def test_psnr_b_equals_sewar_where_the_image_has_no_blocking(
    photos: dict[str, Image], distortion: str
) -> None:
    reference = _crop(photos["camera"])
    distorted = DISTORTIONS[distortion](reference)
    expected = float(sewar_psnrb(_bt601(reference), _bt601(distorted), MAX=255))
    assert psnr_b(distorted, reference) == pytest.approx(expected, rel=REL)


def test_sewar_psnr_b_departs_from_the_paper_by_its_count_of_boundary_pairs() -> None:
    """On 8 x 8 constant blocks every squared difference lies on a boundary, so BEF is
    η × (their sum) / (their count), and the two differ by the ratio of the counts."""
    image = _blocky()
    paper_pairs = 2 * BLOCKY_SIDE * (BLOCKY_SIDE // 8 - 1)
    sewar_pairs = 2 * (BLOCKY_SIDE * BLOCKY_SIDE // 8 - 1)
    sewar_value = float(sewar_psnrb(_bt601(image), _bt601(image), MAX=255))
    offset = sewar_value - psnr_b(image, image)
    assert offset == pytest.approx(10 * math.log10(sewar_pairs / paper_pairs), rel=REL)


def test_psnr_b_of_identical_images_without_blocking_is_infinite(
    photos: dict[str, Image],
) -> None:
    image = _crop(photos["camera"])
    assert psnr_b(image, image) == math.inf


def test_psnr_b_of_a_blocky_image_against_itself_is_finite_as_in_the_paper() -> None:
    image = _blocky()
    assert psnr_b(image, image) == pytest.approx(_paper_psnr_b(image, image), rel=REL)


def test_psnr_b_counts_the_blocking_of_the_first_image_only(photos: dict[str, Image]) -> None:
    reference = _crop(photos["camera"], SIZES[1])
    compressed = jpeg(10)(reference)
    assert psnr_b(compressed, reference) < psnr_b(reference, compressed)


def test_psnr_b_equals_the_paper_at_its_minimum_size() -> None:
    rng = np.random.default_rng(4)
    reference = rng.integers(0, 256, (9, 9), dtype=np.uint8)
    distorted = rng.integers(0, 256, (9, 9), dtype=np.uint8)
    expected = _paper_psnr_b(distorted, reference)
    assert psnr_b(distorted, reference) == pytest.approx(expected, rel=REL)


def test_psnr_b_refuses_images_without_a_block_boundary() -> None:
    small = np.zeros((8, 30, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"psnr_b needs images of at least 9x9 pixels"):
        psnr_b(small, small)
