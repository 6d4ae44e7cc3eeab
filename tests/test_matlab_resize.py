"""MATLAB ``imresize`` (imgsim.metrics.matlab_resize) against a plain transcription of
MATLAB's ``imresize.m`` (tests/authors_code/imresize.py), and against Pillow.

The transcription gathers each output pixel's input pixels one tap at a time, as
``contributions`` and ``resizeAlongDim`` do; the library applies one cached sparse
matrix per axis. Pillow's resampling is an independent published implementation of
the same kernels (bicubic with a = -0.5, triangle) stretched by ``1/scale`` when
shrinking, on the same pixel grid; it differs only at the borders, which it truncates
and renormalises where MATLAB mirrors. So the interior must agree with Pillow (to
float32 precision: Pillow's "F" images are float32), and every pixel with the
transcription.
"""

from __future__ import annotations

import numpy as np
import pytest
from authors_code.imresize import imresize as imresize_m
from numpy.typing import NDArray
from PIL import Image as PILImage

from imgsim.metrics.matlab_resize import imresize

Floats = NDArray[np.float64]

# (description, keyword arguments of imgsim's imresize, argument of the transcription, method)
CALLS = [
    ("quarter bicubic", {"scale": 0.25}, 0.25, "bicubic"),
    ("0.3 bicubic", {"scale": 0.3}, 0.3, "bicubic"),
    ("to 256x256 bilinear", {"output_shape": (256, 256)}, (256, 256), "bilinear"),
    ("up to 300x400 bicubic", {"output_shape": (300, 400)}, (300, 400), "bicubic"),
    ("up to 511x157 bilinear", {"output_shape": (511, 157)}, (511, 157), "bilinear"),
    ("rows down, columns up", {"output_shape": (64, 500)}, (64, 500), "bicubic"),
]
CALL_IDS = [call[0] for call in CALLS]


@pytest.fixture(params=["astronaut", "camera"])
def photo(request: pytest.FixtureRequest, photos: dict[str, NDArray[np.uint8]]) -> Floats:
    """A 257 x 311 crop in float64 (RGB, or the gray camera as one plane)."""
    crop = photos[request.param][:257, :311]
    return crop[:, :, 0].astype(np.float64) if request.param == "camera" else crop.astype(float)


@pytest.mark.parametrize(("name", "kwargs", "argument", "method"), CALLS, ids=CALL_IDS)
def test_photographs_resize_as_matlab_does(
    photo: Floats, name: str, kwargs: dict[str, object], argument: object, method: str
) -> None:
    expected = imresize_m(photo, argument, method)  # type: ignore[arg-type]
    actual = imresize(photo, method=method, **kwargs)  # type: ignore[arg-type]
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize(("name", "kwargs", "argument", "method"), CALLS, ids=CALL_IDS)
def test_random_data_resizes_as_matlab_does(
    name: str, kwargs: dict[str, object], argument: object, method: str
) -> None:
    values = np.random.default_rng(3).uniform(-50, 300, (97, 131))
    expected = imresize_m(values, argument, method)  # type: ignore[arg-type]
    actual = imresize(values, method=method, **kwargs)  # type: ignore[arg-type]
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize(("name", "kwargs", "argument", "method"), CALLS, ids=CALL_IDS)
def test_uint8_is_rounded_after_each_dimension_as_matlab_does(
    name: str, kwargs: dict[str, object], argument: object, method: str
) -> None:
    values = np.random.default_rng(4).integers(0, 256, (97, 131, 3), dtype=np.uint8)
    expected = imresize_m(values, argument, method)  # type: ignore[arg-type]
    actual = imresize(values, method=method, **kwargs)  # type: ignore[arg-type]
    np.testing.assert_array_equal(actual, expected)


def test_output_of_a_scale_is_the_ceiling_of_scale_times_size() -> None:
    assert imresize(np.zeros((37, 53)), scale=0.25).shape == (10, 14)


def test_a_constant_image_stays_constant() -> None:
    resized = imresize(np.full((37, 53), 7.0), scale=0.25)
    np.testing.assert_allclose(resized, 7.0, rtol=1e-14)


def _pillow(plane: Floats, size: tuple[int, int], method: str) -> Floats:
    resample = PILImage.Resampling.BICUBIC if method == "bicubic" else PILImage.Resampling.BILINEAR
    image = PILImage.fromarray(plane.astype(np.float32), mode="F")
    return np.asarray(image.resize((size[1], size[0]), resample=resample), dtype=np.float64)


# (method, input crop, output size, margin): the margin leaves out the output pixels near
# each border whose input window reaches past it (the kernel radius, stretched by
# 1/scale when shrinking, times the scale in output pixels, plus one)
PILLOW_CASES = [
    ("bicubic", (256, 320), (64, 80), 3),
    ("bilinear", (512, 512), (256, 256), 2),
    ("bicubic", (128, 160), (256, 320), 5),
]


@pytest.mark.parametrize(("method", "crop", "size", "margin"), PILLOW_CASES)
def test_interior_equals_pillow_resampling(
    photos: dict[str, NDArray[np.uint8]],
    method: str,
    crop: tuple[int, int],
    size: tuple[int, int],
    margin: int,
) -> None:
    plane = photos["astronaut"][: crop[0], : crop[1], 1].astype(np.float64)
    ours = imresize(plane, output_shape=size, method=method)  # type: ignore[arg-type]
    theirs = _pillow(plane, size, method)
    inner = (slice(margin, -margin), slice(margin, -margin))
    np.testing.assert_allclose(ours[inner], theirs[inner], rtol=1e-5, atol=1e-3)


def test_giving_both_scale_and_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="exactly one of scale and output_shape"):
        imresize(np.zeros((8, 8)), scale=0.5, output_shape=(4, 4))
