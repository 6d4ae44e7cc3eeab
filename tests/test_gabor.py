"""``gabor`` against scikit-image's Gabor filters on real photographs and noise.

The kernels are compared with ``skimage.filters.gabor_kernel`` bit for bit, the
responses with ``skimage.filters.gabor`` (``scipy.ndimage.convolve``, ``mode="reflect"``,
in float64) inside the image and along its border, and the 48 values with the mean and
standard deviation of ``np.hypot`` of scikit-image's responses. The photographs are
camera (``uint8``, resized with OpenCV's area filter as the working image is) and
astronaut made gray and resized by scikit-image (a float image), both at the default
working size (``DEFAULT_WORK_SIZE``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.typing import NDArray
from PIL import Image
from skimage import color, data, filters, transform

from imgsim.defaults import DEFAULT_WORK_SIZE
from imgsim.features import FeatureParams, get_feature
from imgsim.features.gabor import FILTERS, gabor_features, gabor_kernel, gabor_responses

Gray = NDArray[np.generic]
SIDE = DEFAULT_WORK_SIZE
RESPONSE_TOLERANCE = 1e-4
"""Largest difference allowed between a float32 FFT response and scikit-image's float64
direct convolution (measured: below 1e-7 on images in [0, 1])."""
FEATURE_RTOL = 1e-4
RADIUS = 34
"""Half-size of the largest kernel of the bank (0.05 cycles/pixel: σ ≈ 11.2, 3σ → 34)."""
IMAGES = ("camera", "astronaut", "noise")
TINY_SHAPES = ((9, 9), (20, 13))
"""Images smaller than the largest kernel, where the reflection is repeated. (Below
about 8 pixels ``scipy.ndimage.convolve`` itself returns garbage for such kernels.)"""


@cache
def gray_image(name: str) -> Gray:
    """A test image: camera as ``uint8``, astronaut as float in [0, 1], noise ``uint8``."""
    if name == "camera":
        camera: NDArray[np.uint8] = data.camera()  # type: ignore[no-untyped-call]
        return cv2.resize(camera, (SIDE, SIDE), interpolation=cv2.INTER_AREA)
    if name == "astronaut":
        gray = color.rgb2gray(data.astronaut())  # type: ignore[no-untyped-call]
        resized = transform.resize(gray, (SIDE, SIDE), anti_aliasing=True)  # type: ignore[no-untyped-call]
        return np.asarray(resized)
    if name == "noise":
        return np.random.default_rng(14).integers(0, 256, (72, 90), dtype=np.uint8)
    shape = tuple(int(side) for side in name.split("x"))
    return np.random.default_rng(len(name)).random(shape)


def as_unit_float(gray: Gray) -> NDArray[np.float64]:
    """The image as gabor_responses reads it: ``uint8`` over 255, floats as they are."""
    if gray.dtype == np.uint8:
        return gray.astype(np.float64) / 255
    return gray.astype(np.float64)


@cache
def skimage_responses(name: str) -> NDArray[np.complex128]:
    """``real + 1j * imag`` of ``skimage.filters.gabor`` for each filter of the bank."""
    image = as_unit_float(gray_image(name))
    parts = [
        filters.gabor(image, frequency, theta)  # type: ignore[no-untyped-call]
        for frequency, theta in FILTERS
    ]
    return np.stack([real + 1j * imag for real, imag in parts])


@cache
def skimage_features(name: str) -> NDArray[np.float64]:
    """Mean and standard deviation of ``np.hypot`` of scikit-image's responses, interleaved."""
    responses = skimage_responses(name)
    magnitude = np.hypot(responses.real, responses.imag).reshape(len(FILTERS), -1)
    return np.stack([magnitude.mean(axis=1), magnitude.std(axis=1)], axis=1).reshape(-1)


def differences(name: str, part: str) -> NDArray[np.float64]:
    """|imgsim − scikit-image| of the real or imaginary parts, (24, H, W)."""
    ours = gabor_responses(gray_image(name))
    reference = skimage_responses(name)
    return np.asarray(np.abs(getattr(ours, part) - getattr(reference, part)))


def border_band(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """The pixels within :data:`RADIUS` of the image's edge, flattened."""
    inside = np.zeros(values.shape[-2:], dtype=bool)
    inside[RADIUS:-RADIUS, RADIUS:-RADIUS] = True
    return values[:, ~inside]


# --------------------------------------------------------------------------- kernels


@pytest.mark.parametrize(("frequency", "theta"), FILTERS)
def test_kernel_equals_skimage_gabor_kernel(frequency: float, theta: float) -> None:
    np.testing.assert_array_equal(
        gabor_kernel(frequency, theta),
        filters.gabor_kernel(frequency, theta),  # type: ignore[no-untyped-call]
    )


def test_the_bank_is_24_filters() -> None:
    assert len(set(FILTERS)) == 24


def test_the_orientations_are_multiples_of_30_degrees() -> None:
    thetas = sorted({theta for _, theta in FILTERS})
    assert thetas == pytest.approx([k * np.pi / 6 for k in range(6)])


def test_the_largest_kernel_reaches_radius_pixels() -> None:
    assert max(gabor_kernel(f, t).shape[0] // 2 for f, t in FILTERS) == RADIUS


# --------------------------------------------------------------------------- responses


@pytest.mark.parametrize("part", ["real", "imag"])
@pytest.mark.parametrize("name", IMAGES)
def test_responses_equal_skimage_gabor_inside_the_image(name: str, part: str) -> None:
    inside = differences(name, part)[:, RADIUS:-RADIUS, RADIUS:-RADIUS]
    assert inside.max() <= RESPONSE_TOLERANCE


@pytest.mark.parametrize("part", ["real", "imag"])
@pytest.mark.parametrize("name", IMAGES)
def test_responses_equal_skimage_gabor_along_the_border(name: str, part: str) -> None:
    assert border_band(differences(name, part)).max() <= RESPONSE_TOLERANCE


@pytest.mark.parametrize("part", ["real", "imag"])
@pytest.mark.parametrize("shape", TINY_SHAPES)
def test_responses_of_images_smaller_than_a_kernel_equal_skimage_gabor(
    shape: tuple[int, int], part: str
) -> None:
    assert differences(f"{shape[0]}x{shape[1]}", part).max() <= RESPONSE_TOLERANCE


def test_responses_are_one_complex64_image_per_filter() -> None:
    assert gabor_responses(gray_image("noise")).shape == (len(FILTERS), 72, 90)


def test_responses_are_complex64() -> None:
    assert gabor_responses(gray_image("noise")).dtype == np.dtype(np.complex64)


def test_a_colour_image_is_refused_naming_the_argument() -> None:
    with pytest.raises(ValueError, match="gray must be a 2-D array"):
        gabor_responses(np.zeros((16, 16, 3), dtype=np.uint8))


# --------------------------------------------------------------------------- features


@pytest.mark.parametrize("name", IMAGES)
def test_features_are_mean_and_std_of_skimage_response_magnitudes(name: str) -> None:
    np.testing.assert_allclose(
        gabor_features(gray_image(name)), skimage_features(name), rtol=FEATURE_RTOL
    )


def test_features_are_48_values() -> None:
    assert gabor_features(gray_image("noise")).shape == (48,)


def test_features_are_float32() -> None:
    assert gabor_features(gray_image("noise")).dtype == np.dtype(np.float32)


@settings(max_examples=20, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(8, 40), st.integers(8, 40))))
def test_features_of_any_image_stay_in_0_1(gray: NDArray[np.uint8]) -> None:
    """Each kernel's absolute values sum to at most 1, so |response| ≤ max pixel ≤ 1."""
    vector = gabor_features(gray)
    assert 0 <= vector.min() <= vector.max() <= 1


def test_features_of_a_flat_image_are_nearly_zero() -> None:
    """A band-pass filter passes almost nothing of a constant (its DC gain is below 3e-3)."""
    assert gabor_features(np.full((64, 64), 200, dtype=np.uint8)).max() < 0.01


def test_blur_lowers_the_fine_scale_energy() -> None:
    camera = np.asarray(gray_image("camera"), dtype=np.uint8)
    blurred = cv2.GaussianBlur(camera, (0, 0), 2.0)
    finest = slice(2 * 18, 48, 2)  # the means of the six 0.4 cycles/pixel filters
    assert gabor_features(blurred)[finest].sum() < 0.5 * gabor_features(camera)[finest].sum()


def test_the_feature_reads_the_luma_of_the_working_image() -> None:
    astronaut: NDArray[np.uint8] = data.astronaut()  # type: ignore[no-untyped-call]
    rgb = np.asarray(
        cv2.resize(astronaut, (SIDE, SIDE), interpolation=cv2.INTER_AREA), dtype=np.uint8
    )
    luma = np.asarray(Image.fromarray(rgb).convert("L"))
    np.testing.assert_array_equal(
        get_feature("gabor").extract(rgb, FeatureParams()), gabor_features(luma)
    )


# --------------------------------------------------------------------------- determinism


def test_features_are_the_same_bits_twice() -> None:
    camera = gray_image("camera")
    assert gabor_features(camera).tobytes() == gabor_features(camera.copy()).tobytes()


def test_features_are_the_same_bits_in_another_process(tmp_path: Path) -> None:
    source = tmp_path / "camera.npy"
    np.save(source, gray_image("camera"))
    script = (
        "import sys, numpy as np; from imgsim.features.gabor import gabor_features; "
        "sys.stdout.write(gabor_features(np.load(sys.argv[1])).tobytes().hex())"
    )
    other = subprocess.run(
        [sys.executable, "-c", script, str(source)], capture_output=True, text=True, check=True
    )
    assert other.stdout == gabor_features(gray_image("camera")).tobytes().hex()


# --------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def extracted_camera(tmp_path_factory: pytest.TempPathFactory) -> list[float]:
    """``imgsim extract camera.png -f gabor --format json`` of the camera at the working size."""
    path = tmp_path_factory.mktemp("gabor") / "camera.png"
    Image.fromarray(gray_image("camera")).save(path)
    command = [sys.executable, "-m", "imgsim", "extract", str(path), "-f", "gabor"]
    process = subprocess.run(
        [*command, "--format", "json", "--no-cache"], capture_output=True, text=True, check=True
    )
    values: list[float] = json.loads(process.stdout)["rows"][0]["gabor"]
    return values


def test_the_command_line_extracts_48_values(extracted_camera: list[float]) -> None:
    assert len(extracted_camera) == 48


def test_the_command_line_values_are_skimages(extracted_camera: list[float]) -> None:
    np.testing.assert_allclose(extracted_camera, skimage_features("camera"), rtol=FEATURE_RTOL)
