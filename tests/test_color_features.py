"""``color_hist`` in its RGB and Lab spaces and ``color_moments``, against NumPy, SciPy
and scikit-image, on real photographs and random images.

The HSV histogram (the default) is checked in tests/test_color.py; here only that the
default is still it. Histograms are checked against ``numpy.histogramdd`` on equal-width
edges over each channel's 8-bit range; ``color_moments`` against ``numpy.mean``,
``numpy.std`` and ``scipy.stats.moment`` of OpenCV's HSV channels.
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
from scipy import stats
from skimage.color import rgb2lab

from imgsim.defaults import DEFAULT_WORK_SIZE
from imgsim.features import FeatureParams, get_feature
from imgsim.features.color import color_moments
from imgsim.features.spec import ColourSpace

RGB = NDArray[np.uint8]
Histogram = NDArray[np.float32]

MOMENT_RTOL = 1e-6
"""float32 output of float64 moments: a relative 6e-8 from the rounding alone."""
LAB_UNITS = 3.0
"""OpenCV's 8-bit Lab uses fixed-point tables: it is within 2.6 units of scikit-image's
exact ``rgb2lab`` on these photographs."""


def color_hist(image: RGB, space: ColourSpace, bins: int = 8) -> Histogram:
    params = FeatureParams(bins=bins, space=space)
    return np.asarray(get_feature("color_hist").extract(image, params), dtype=np.float32)


def reference_histogram(channels: NDArray[np.integer[Any]], bins: int) -> Histogram:
    """Joint histogram of three 8-bit channels on equal-width edges over [0, 256),
    first channel slowest, L1-normalised."""
    edges = [np.linspace(0, 256, bins + 1)] * 3
    counts, _ = np.histogramdd(channels.reshape(-1, 3), bins=edges)
    flat = counts.reshape(-1).astype(np.float32)
    return flat / np.float32(flat.sum())


def opencv_lab(image: RGB) -> RGB:
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_RGB2LAB), dtype=np.uint8)


def reference_moments(image: RGB) -> NDArray[np.float64]:
    """Per HSV channel scaled to [0, 1]: numpy mean, numpy std (ddof 0) and the cube root
    of ``scipy.stats.moment(order=3)``, the central third moment."""
    hsv = np.asarray(cv2.cvtColor(image, cv2.COLOR_RGB2HSV), dtype=np.float64)
    channels = hsv.reshape(-1, 3) / np.array([180.0, 255.0, 255.0])
    values = []
    for channel in channels.T:
        third = stats.moment(channel, order=3)
        values += [np.mean(channel), np.std(channel), np.cbrt(third)]
    return np.array(values)


def working_rgb(pixels: RGB, side: int = DEFAULT_WORK_SIZE) -> RGB:
    """The RGB working image the engine gives a feature: area-averaged to side x side."""
    resized = cv2.resize(pixels, (side, side), interpolation=cv2.INTER_AREA)
    return np.asarray(resized, dtype=np.uint8)


def _noise(shape: tuple[int, int], seed: int) -> RGB:
    return np.random.default_rng(seed).integers(0, 256, (*shape, 3), dtype=np.uint8)


# --------------------------------------------------------------------------- color_hist


def test_color_hist_is_hsv_by_default(photos: dict[str, RGB]) -> None:
    image = photos["astronaut"]
    default = get_feature("color_hist").extract(image, FeatureParams())

    np.testing.assert_array_equal(default, color_hist(image, "hsv"))


@pytest.mark.parametrize("bins", [4, 8, 16])
@pytest.mark.parametrize("name", PHOTOS)
def test_rgb_color_hist_of_photos_is_the_numpy_histogram_of_the_pixels(
    photos: dict[str, RGB], name: str, bins: int
) -> None:
    image = photos[name]

    np.testing.assert_array_equal(color_hist(image, "rgb", bins), reference_histogram(image, bins))


@pytest.mark.parametrize("shape", [(257, 311), (9, 9), (1, 1)], ids=str)
def test_rgb_color_hist_of_noise_is_the_numpy_histogram_of_the_pixels(
    shape: tuple[int, int],
) -> None:
    image = _noise(shape, seed=shape[0])

    np.testing.assert_array_equal(color_hist(image, "rgb"), reference_histogram(image, 8))


@pytest.mark.parametrize("bins", [4, 8, 16])
@pytest.mark.parametrize("name", PHOTOS)
def test_lab_color_hist_of_photos_is_the_numpy_histogram_of_opencv_lab(
    photos: dict[str, RGB], name: str, bins: int
) -> None:
    image = photos[name]
    expected = reference_histogram(opencv_lab(image), bins)

    np.testing.assert_array_equal(color_hist(image, "lab", bins), expected)


@pytest.mark.parametrize("name", PHOTOS)
def test_opencv_8_bit_lab_is_skimage_lab_scaled_to_0_255(photos: dict[str, RGB], name: str) -> None:
    """The documented ranges: L* x 255 / 100, a* + 128, b* + 128."""
    image = photos[name]
    lab = rgb2lab(image)
    scaled = np.stack([lab[..., 0] * 255 / 100, lab[..., 1] + 128, lab[..., 2] + 128], axis=-1)

    assert np.abs(opencv_lab(image) - scaled).max() <= LAB_UNITS


def test_a_plain_colour_lands_in_its_rgb_bin() -> None:
    """8 bins of 32 levels: (200, 40, 100) is bin (6, 1, 3), red slowest."""
    image = np.full((4, 5, 3), (200, 40, 100), dtype=np.uint8)
    expected = np.zeros(512, dtype=np.float32)
    expected[np.ravel_multi_index((6, 1, 3), (8, 8, 8))] = 1

    np.testing.assert_array_equal(color_hist(image, "rgb"), expected)


@pytest.mark.parametrize("space", ["hsv", "rgb", "lab"])
def test_color_hist_of_every_space_sums_to_1(photos: dict[str, RGB], space: ColourSpace) -> None:
    assert float(color_hist(photos["coffee"], space).sum()) == pytest.approx(1, abs=1e-6)


@pytest.mark.parametrize("space", ["hsv", "rgb", "lab"])
def test_color_hist_of_every_space_has_bins_cubed_values(
    photos: dict[str, RGB], space: ColourSpace
) -> None:
    assert color_hist(photos["coffee"], space, bins=4).shape == (64,)


def test_color_hist_records_its_space_with_its_values() -> None:
    """The space is part of every store key and statistics file of color_hist."""
    values = get_feature("color_hist").param_values(FeatureParams(space="lab"))

    assert values == {"bins": 8, "space": "lab"}


# --------------------------------------------------------------------------- color_moments


@pytest.mark.parametrize("name", PHOTOS)
def test_color_moments_of_photos_are_numpy_and_scipy_moments(
    photos: dict[str, RGB], name: str
) -> None:
    image = working_rgb(photos[name])

    np.testing.assert_allclose(color_moments(image), reference_moments(image), rtol=MOMENT_RTOL)


@pytest.mark.parametrize("shape", [(256, 256), (31, 47)], ids=str)
def test_color_moments_of_noise_are_numpy_and_scipy_moments(shape: tuple[int, int]) -> None:
    image = _noise(shape, seed=shape[1])

    np.testing.assert_allclose(color_moments(image), reference_moments(image), rtol=MOMENT_RTOL)


def test_color_moments_of_a_plain_colour_are_its_hsv_without_spread() -> None:
    """Pure green: OpenCV hue 60 (120°), saturation and value 255."""
    image = np.full((16, 16, 3), (0, 255, 0), dtype=np.uint8)
    expected = np.array([60 / 180, 0, 0, 1, 0, 0, 1, 0, 0], dtype=np.float32)

    np.testing.assert_allclose(color_moments(image), expected, atol=1e-7)


def test_color_moments_treat_hue_as_linear() -> None:
    """Reds either side of 0°: OpenCV hues 0 and 179 average to 89.5 / 180, as the
    paper's linear moments give (circular statistics would put the mean near 0)."""
    image = np.zeros((2, 2, 3), dtype=np.uint8)
    image[0] = (255, 0, 0)  # hue 0
    image[1] = (255, 0, 6)  # hue 179 (358°)

    assert color_moments(image)[0] == pytest.approx(89.5 / 180, abs=1e-6)


def test_color_moments_keep_the_sign_of_the_skew() -> None:
    """One bright pixel among dark ones: value skewed to the right, a positive third."""
    image = np.zeros((10, 10, 3), dtype=np.uint8)
    image[0, 0] = 255

    assert color_moments(image)[8] > 0


def test_color_moments_are_9_values(photos: dict[str, RGB]) -> None:
    assert color_moments(working_rgb(photos["rocket"])).shape == (9,)


def test_color_moments_are_float32(photos: dict[str, RGB]) -> None:
    assert color_moments(working_rgb(photos["rocket"])).dtype == np.dtype(np.float32)


# --------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def extracted(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``imgsim extract chelsea.png -f color_moments --format json``, run once."""
    folder = tmp_path_factory.mktemp("colour")
    png = save_image(folder / "chelsea.png", load_photo("chelsea"))
    result = run_imgsim(
        "extract", png, "-f", "color_moments", "--format", "json", "--no-cache", cache=folder / "s"
    )
    return png, result


def test_extract_color_moments_exits_0(
    extracted: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    assert extracted[1].returncode == 0


def test_extract_color_moments_on_the_command_line_are_the_moments_of_the_working_image(
    extracted: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    png, result = extracted
    vector = np.asarray(json.loads(result.stdout)["rows"][0]["color_moments"], dtype=np.float32)

    expected = reference_moments(working_rgb(pillow_rgb(png)))

    np.testing.assert_allclose(vector, expected, rtol=MOMENT_RTOL)
