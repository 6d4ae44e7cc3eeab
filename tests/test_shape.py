"""``hog`` against ``skimage.feature.hog``, ``hu`` against OpenCV's and scikit-image's
Hu moments, on real photographs and random images, and both through the command line.

Working images are made as the engine makes them: the photograph resized to S x S
with OpenCV's area averaging, then its Pillow luma.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from cli_support import pillow_rgb, run_imgsim, save_image
from conftest import load_photo
from numpy.typing import NDArray
from photos import PHOTOS
from skimage.feature import hog
from skimage.measure import moments_central, moments_hu, moments_normalized

from imgsim.defaults import DEFAULT_WORK_SIZE
from imgsim.errors import ArgumentError
from imgsim.features import FeatureParams, get_feature
from imgsim.features.shape import (
    HOG_DIM,
    _gradient_tables,
    hog_features,
    hu_features,
    hu_moments,
)
from imgsim.images import luma

RGB = NDArray[np.uint8]
Gray = NDArray[np.uint8]

HOG_TOLERANCE = 1e-6
"""scikit-image sums each cell in a C float, imgsim in float64: 1.7e-7 apart at most on
these photographs at the default working size (6.2e-7 at 256)."""
HU_RTOL = 1e-9
"""OpenCV and scikit-image compute the moments in float64 by different formulas: the
seven invariants agree to a relative 1.5e-12 on these photographs."""


def working_rgb(pixels: RGB, side: int = DEFAULT_WORK_SIZE) -> RGB:
    """The RGB working image the engine gives a feature: area-averaged to side x side."""
    resized = cv2.resize(pixels, (side, side), interpolation=cv2.INTER_AREA)
    return np.asarray(resized, dtype=np.uint8)


def working_gray(pixels: RGB, side: int = DEFAULT_WORK_SIZE) -> Gray:
    """The luma of :func:`working_rgb`, as the gray features read it."""
    return luma(working_rgb(pixels, side))


def skimage_hog(gray: Gray) -> NDArray[np.float64]:
    """scikit-image's HOG with imgsim's parameters, its top-left 7 x 7 blocks."""
    cell = min(gray.shape) // 8
    blocks = hog(
        gray,
        orientations=9,
        pixels_per_cell=(cell, cell),
        cells_per_block=(2, 2),
        block_norm="L2-Hys",
        feature_vector=False,
    )
    return np.asarray(blocks[:7, :7], dtype=np.float64).reshape(-1)


def skimage_hu(gray: Gray) -> NDArray[np.float64]:
    """Hu's invariants by scikit-image. It indexes moments (row, column) where OpenCV
    indexes them (x, y), a reflection that flips the sign of the seventh; the
    transposed image puts them in OpenCV's order."""
    central = moments_central(gray.T.astype(np.float64), order=3)
    return np.asarray(moments_hu(moments_normalized(central, 3)), dtype=np.float64)


def opencv_signed_log_hu(gray: Gray) -> NDArray[np.float64]:
    """-sign(h) log10 |h| of ``cv2.HuMoments``, 0 where h is 0."""
    h = np.asarray(cv2.HuMoments(cv2.moments(gray)), dtype=np.float64).reshape(-1)
    logs = np.zeros_like(h)
    nonzero = h != 0
    logs[nonzero] = -np.sign(h[nonzero]) * np.log10(np.abs(h[nonzero]))
    return logs


def _noise(shape: tuple[int, int], seed: int) -> Gray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


@pytest.fixture(scope="module")
def working(photos: dict[str, RGB]) -> dict[str, Gray]:
    return {name: working_gray(pixels) for name, pixels in photos.items()}


# --------------------------------------------------------------------------- hog


@pytest.mark.parametrize("name", PHOTOS)
def test_hog_of_a_working_image_is_skimage_hog(working: dict[str, Gray], name: str) -> None:
    """A side that is a multiple of 8: exactly 8 x 8 cells, so the whole of skimage's vector."""
    gray = working[name]
    cell = DEFAULT_WORK_SIZE // 8
    reference = hog(
        gray,
        orientations=9,
        pixels_per_cell=(cell, cell),
        cells_per_block=(2, 2),
        block_norm="L2-Hys",
    )

    assert np.abs(hog_features(gray) - reference).max() <= HOG_TOLERANCE


@pytest.mark.parametrize("side", [200, 100, 23, 16], ids=lambda side: f"{side}px")
def test_hog_of_a_side_not_a_multiple_of_8_is_skimage_hog_on_its_top_left_8x8_cells(
    photos: dict[str, RGB], side: int
) -> None:
    """Cells of side // 8 (25, 12, 2 and 2 pixels): skimage fits more cells in some of
    them (100 // 12 = 8, 23 // 2 = 11); imgsim keeps the top-left 8 x 8."""
    gray = working_gray(photos["coffee"], side)

    assert np.abs(hog_features(gray) - skimage_hog(gray)).max() <= HOG_TOLERANCE


@pytest.mark.parametrize("shape", [(256, 256), (257, 300), (120, 200), (31, 31)], ids=str)
def test_hog_of_noise_is_skimage_hog(shape: tuple[int, int]) -> None:
    gray = _noise(shape, seed=shape[1])

    assert np.abs(hog_features(gray) - skimage_hog(gray)).max() <= HOG_TOLERANCE


@pytest.mark.parametrize("side", [8, 16, 100, 256, 1000], ids=lambda side: f"{side}px")
def test_hog_has_1764_values_whatever_the_image_size(side: int) -> None:
    assert hog_features(_noise((side, side), seed=side)).shape == (HOG_DIM,)


def test_hog_is_float32(working: dict[str, Gray]) -> None:
    assert hog_features(working["camera"]).dtype == np.dtype(np.float32)


def test_hog_of_a_flat_image_is_zero() -> None:
    """No gradient anywhere: every block is 0 / eps."""
    flat = np.full((256, 256), 90, dtype=np.uint8)

    np.testing.assert_array_equal(hog_features(flat), np.zeros(HOG_DIM, dtype=np.float32))


def test_hog_blocks_have_unit_norm(working: dict[str, Gray]) -> None:
    blocks = hog_features(working["astronaut"]).reshape(-1, 36).astype(np.float64)

    np.testing.assert_allclose(np.linalg.norm(blocks, axis=1), 1, rtol=1e-5)


def test_hog_of_an_image_under_8_pixels_names_the_image() -> None:
    with pytest.raises(ArgumentError, match="image must be at least 8 pixels"):
        hog_features(_noise((7, 40), seed=7))


def test_hog_of_a_float_image_names_the_image() -> None:
    with pytest.raises(ArgumentError, match="image must be a 2-D uint8 array"):
        hog_features(np.zeros((64, 64), dtype=np.float64))  # type: ignore[arg-type]


def test_every_uint8_gradient_falls_in_the_bin_of_skimage_comparisons() -> None:
    """All 511**2 central differences of uint8 images: bin i holds 20 i <= o < 20 (i + 1)
    with o = rad2deg(arctan2(g_row, g_col)) % 180, as ``_hoghistogram`` compares."""
    values = np.arange(-255, 256, dtype=np.float64)
    g_row, g_col = np.meshgrid(values, values, indexing="ij")
    orientation = (np.rad2deg(np.arctan2(g_row, g_col)) % 180).reshape(-1)
    edges = 20.0 * np.arange(10)
    compared = np.full(orientation.shape, 9)
    for i in range(9):
        compared[(orientation >= edges[i]) & (orientation < edges[i + 1])] = i

    np.testing.assert_array_equal(_gradient_tables()[1], compared)


def test_hog_spec_reads_the_luma_of_the_rgb_working_image(photos: dict[str, RGB]) -> None:
    rgb = working_rgb(photos["chelsea"])

    vector = get_feature("hog").extract(rgb, FeatureParams())

    np.testing.assert_array_equal(vector, hog_features(luma(rgb)))


# --------------------------------------------------------------------------- hu


@pytest.mark.parametrize("name", PHOTOS)
def test_hu_moments_of_a_working_image_are_skimage_hu_moments(
    working: dict[str, Gray], name: str
) -> None:
    gray = working[name]

    np.testing.assert_allclose(hu_moments(gray), skimage_hu(gray), rtol=HU_RTOL)


@pytest.mark.parametrize("shape", [(256, 256), (97, 180)], ids=str)
def test_hu_moments_of_noise_are_skimage_hu_moments(shape: tuple[int, int]) -> None:
    gray = _noise(shape, seed=shape[0])

    np.testing.assert_allclose(hu_moments(gray), skimage_hu(gray), rtol=HU_RTOL)


@pytest.mark.parametrize("name", PHOTOS)
def test_hu_is_the_signed_log_of_opencv_hu_moments(working: dict[str, Gray], name: str) -> None:
    gray = working[name]

    np.testing.assert_array_equal(hu_features(gray), opencv_signed_log_hu(gray).astype(np.float32))


def test_hu_of_a_flat_image_is_0_where_the_moment_is_0() -> None:
    """A uniform square of intensity ρ has η20 = η02 = 1 / (12 ρ) (intensity is the
    mass, so it does not cancel), h1 = 1 / (6 ρ), and h2 … h7 = 0."""
    flat = np.full((64, 64), 200, dtype=np.uint8)
    expected = np.zeros(7, dtype=np.float32)
    expected[0] = -np.log10(1 / (6 * 200))

    np.testing.assert_allclose(hu_features(flat), expected, atol=1e-3)


def test_hu_of_a_moment_that_is_0_is_positive_0() -> None:
    flat = np.full((64, 64), 200, dtype=np.uint8)

    assert not np.signbit(hu_features(flat)).any()


def test_hu_of_a_black_image_is_zero() -> None:
    black = np.zeros((64, 64), dtype=np.uint8)

    np.testing.assert_array_equal(hu_features(black), np.zeros(7, dtype=np.float32))


def test_hu_moments_do_not_change_under_a_quarter_turn(working: dict[str, Gray]) -> None:
    gray = working["astronaut"]

    np.testing.assert_allclose(hu_moments(np.rot90(gray).copy()), hu_moments(gray), rtol=1e-9)


def test_a_mirror_image_flips_the_sign_of_the_seventh_hu_moment(
    working: dict[str, Gray],
) -> None:
    gray = working["astronaut"]
    signs = np.ones(7)
    signs[6] = -1

    np.testing.assert_allclose(
        hu_moments(gray[:, ::-1].copy()), signs * hu_moments(gray), rtol=1e-9
    )


def test_hu_has_7_values(working: dict[str, Gray]) -> None:
    assert hu_features(working["coins"]).shape == (7,)


def test_hu_is_float32(working: dict[str, Gray]) -> None:
    assert hu_features(working["coins"]).dtype == np.dtype(np.float32)


# --------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def extracted(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``imgsim extract astronaut.png -f hog,hu --format json``, run once."""
    folder = tmp_path_factory.mktemp("shape")
    png = save_image(folder / "astronaut.png", load_photo("astronaut"))
    result = run_imgsim(
        "extract", png, "-f", "hog,hu", "--format", "json", "--no-cache", cache=folder / "store"
    )
    return png, result


def _row(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    row: dict[str, Any] = json.loads(result.stdout)["rows"][0]
    return row


def test_extract_hog_and_hu_exits_0(
    extracted: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    assert extracted[1].returncode == 0


def test_extract_hog_on_the_command_line_is_skimage_hog_of_the_working_image(
    extracted: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    png, result = extracted
    gray = working_gray(pillow_rgb(png))
    vector = np.asarray(_row(result)["hog"], dtype=np.float64)

    assert np.abs(vector - skimage_hog(gray)).max() <= HOG_TOLERANCE


def test_extract_hu_on_the_command_line_is_the_signed_log_of_opencv_hu_moments(
    extracted: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    png, result = extracted
    gray = working_gray(pillow_rgb(png))
    vector = np.asarray(_row(result)["hu"], dtype=np.float32)

    np.testing.assert_array_equal(vector, opencv_signed_log_hu(gray).astype(np.float32))
