"""Distorted copies of real photographs, for testing full-reference metrics.

The distortions generated and restored images suffer: noise, blur, JPEG artefacts and a
colour shift. Each returns the distorted image; the photograph is its reference. Like
``photos``, tests reach this module by name (pytest puts tests/ on ``sys.path``).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]
Distortion = Callable[[Image], Image]


def noise(sigma: float, seed: int = 0) -> Distortion:
    """Gaussian noise of standard deviation ``sigma``, rounded and clipped to uint8."""

    def distort(image: Image) -> Image:
        values = image + np.random.default_rng(seed).normal(0.0, sigma, image.shape)
        return np.clip(values, 0, 255).round().astype(np.uint8)

    return distort


def blur(sigma: float) -> Distortion:
    """Gaussian blur of standard deviation ``sigma`` (OpenCV, reflected borders)."""

    def distort(image: Image) -> Image:
        return np.asarray(cv2.GaussianBlur(image, (0, 0), sigma), dtype=np.uint8)

    return distort


def jpeg(quality: int) -> Distortion:
    """A JPEG round trip at ``quality`` (OpenCV's encoder; RGB kept as RGB)."""

    def distort(image: Image) -> Image:
        encoded, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert encoded
        return np.asarray(cv2.imdecode(data, cv2.IMREAD_UNCHANGED), dtype=np.uint8).reshape(
            image.shape
        )

    return distort


def colour_shift(offsets: tuple[int, int, int] = (18, -12, 6)) -> Distortion:
    """Each RGB channel moved by its offset (a white-balance error); a gray image by the
    first offset."""

    def distort(image: Image) -> Image:
        shift = np.array(offsets if image.ndim == 3 else offsets[0], dtype=np.int16)
        return np.clip(image.astype(np.int16) + shift, 0, 255).astype(np.uint8)

    return distort


DISTORTIONS: dict[str, Distortion] = {
    "noise σ=8": noise(8.0),
    "noise σ=30": noise(30.0),
    "blur σ=1.5": blur(1.5),
    "blur σ=4": blur(4.0),
    "jpeg q=10": jpeg(10),
    "jpeg q=40": jpeg(40),
    "colour shift": colour_shift(),
}
"""One of each kind at two strengths, by name (the test ids)."""


def gray(image: Image) -> Image:
    """The photograph in gray, as OpenCV's BT.601 conversion (rounded) gives it."""
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), dtype=np.uint8)


def random_pair(
    shape: tuple[int, ...], seed: int, sigma: float | None = None
) -> tuple[Image, Image]:
    """Random data as a judged image and its reference: two unrelated uniform images, or
    with ``sigma`` a uniform reference and a copy with Gaussian noise of that deviation."""
    rng = np.random.default_rng(seed)
    reference = rng.integers(0, 256, shape, dtype=np.uint8)
    if sigma is None:
        return rng.integers(0, 256, shape, dtype=np.uint8), reference
    return noise(sigma, seed)(reference), reference
