"""What every full-reference metric does to its two images before it scores them.

The conventions are fixed so that published values can be reproduced:

- the first image is the one being judged (distorted, generated), the second its
  reference;
- both are ``uint8`` arrays of equal shape, H x W (gray), H x W x 1 or H x W x 3 (RGB);
- a metric the authors defined on a gray image reads :func:`luma`: unrounded BT.601
  luma of an RGB image in float64 (``0.299 R + 0.587 G + 0.114 B``, as piq does), a
  gray image as it is, so that MATLAB ``rgb2gray`` output gives the authors' numbers;
- a metric defined on colour reads :func:`rgb`, which copies a gray image to three
  channels;
- a no-reference metric defined on gray images reads :func:`gray8`, MATLAB's
  ``rgb2gray`` (rounded to 8 bits), so that values published with MATLAB's code can
  be reproduced;
- :func:`matlab_downsample` is the authors' ``conv2(x, fspecial('average', F),
  'same')`` followed by ``x(1:F:end, 1:F:end)``, which FSIM, VSI, SR-SIM, MDSI and GMSD
  apply before they score.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import ImgsimError

LUMA_WEIGHTS = (0.299, 0.587, 0.114)
"""BT.601 luma, as MATLAB's ``rgb2gray`` (which rounds; :func:`luma` does not)."""


class FewerScales(UserWarning, ImgsimError):
    """A multi-scale metric scored an image on fewer scales than it has, because the
    image is too small for all of them (the command line prints it as a note)."""


def checked_image(image: object, name: str) -> NDArray[np.uint8]:
    """``image`` as a 2-D gray or H x W x 3 ``uint8`` array; anything else is refused,
    naming the argument ``name``."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(f"{name} must have dtype uint8 (data range 255), got {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.size == 0 or not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ValueError(
            f"{name} must be an H x W gray or H x W x 3 RGB image, got shape {image.shape}"
        )
    return image


def checked_pair(
    image_a: object, image_b: object, metric: str, min_side: int = 1
) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """The two images of ``metric``, checked: equal shapes, each side at least
    ``min_side`` pixels (the error names the metric and its minimum size)."""
    a = checked_image(image_a, "image_a")
    b = checked_image(image_b, "image_b")
    if a.shape != b.shape:
        raise ValueError(
            f"image_a and image_b must have the same shape, got {a.shape} and {b.shape}"
        )
    if min(a.shape[:2]) < min_side:
        raise ValueError(
            f"{metric} needs images of at least {min_side}x{min_side} pixels, "
            f"got {a.shape[1]}x{a.shape[0]}"
        )
    return a, b


RGB2GRAY_WEIGHTS = (0.298936021293775, 0.587043074451121, 0.114020904255103)
"""MATLAB ``rgb2gray``'s weights: the first row of the inverse of the NTSC (YIQ) matrix."""


GRAY8_TIE_MARGIN = 2.0**-12
"""How far from a rounding tie (a level ``n + 0.5``) :func:`gray8`'s float32 fast path
must be to round without the float64 check: over three times its error bound."""
GRAY8_STRIP_PIXELS = 1 << 17
"""Pixels of each strip of rows that :func:`gray8` converts at a time (128 rows of 1024)."""


def gray8(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """MATLAB ``rgb2gray`` of an RGB image: BT.601 luma rounded half away from zero to
    8 bits; a gray image as it is. The no-reference metrics read it, so that values
    published with MATLAB's code can be reproduced.

    The value is that of the float64 sum ``w · (R, G, B)`` (:data:`RGB2GRAY_WEIGHTS`)
    rounded, ``floor(v + 0.5)``, computed 8x faster as OpenCV's float32 weighted sum
    ``v'``, rounded twice, ``n± = round(v' ± m)`` with the margin ``m`` =
    :data:`GRAY8_TIE_MARGIN`. The error of ``v' ± m`` is at most ``e = 6.9e-5``:
    ``2^-24 · 255`` from the float32 weights, ``3 · 2^-24 · 255`` from the sum in any
    order (with or without FMA), ``2^-17`` from adding ``m``. Where ``n+ = n-``, ``v``
    lies at least ``m - e`` (1.7e-4) inside ``(n - 0.5, n + 0.5)``, so that any float64
    evaluation rounds it to ``n``; the others (about 0.05% of all colours, fewer in
    photographs) are computed in float64. The nearest any of the 2^24 colours comes to
    a tie in float64 is 4.6e-6, far above float64's rounding error, so the order of the
    float64 sum does not matter either (the tests check every colour).
    """
    import cv2  # on first use: a process that never imports OpenCV forks its workers

    if image.ndim == 2:
        return image
    weights = np.array([RGB2GRAY_WEIGHTS], dtype=np.float64)
    rows, columns = image.shape[:2]
    gray = np.empty((rows, columns), dtype=np.uint8)
    rounded_up = np.empty_like(gray)
    # Strips of rows: the float32 copy of a whole image is 12 bytes a pixel, and fresh
    # memory costs more than the arithmetic (1.3 ms instead of 0.8 on 1024 x 768).
    strip = max(1, GRAY8_STRIP_PIXELS // columns)
    for top in range(0, rows, strip):
        levels = cv2.transform(image[top : top + strip].astype(np.float32), weights)
        levels = levels.reshape(-1, columns)
        rounded_up[top : top + strip] = cv2.convertScaleAbs(levels, beta=GRAY8_TIE_MARGIN)
        gray[top : top + strip] = cv2.convertScaleAbs(levels, beta=-GRAY8_TIE_MARGIN)
    # flatnonzero: np.nonzero of a 2-D mask takes 1.4 ms on a 1024 x 768 image.
    flagged = np.flatnonzero(rounded_up != gray)
    if flagged.size:
        near_rows, near_columns = np.unravel_index(flagged, gray.shape)
        values = image[near_rows, near_columns].astype(np.float64) @ weights[0]
        gray[near_rows, near_columns] = np.floor(values + 0.5).astype(np.uint8)
    return gray


def luma(image: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Unrounded BT.601 luma of an RGB image in float64; a gray image as it is."""
    if image.ndim == 2:
        return image.astype(np.float64)
    red, green, blue = LUMA_WEIGHTS
    planes = image.astype(np.float64)
    return np.asarray(
        red * planes[:, :, 0] + green * planes[:, :, 1] + blue * planes[:, :, 2],
        dtype=np.float64,
    )


def rgb(image: NDArray[np.uint8]) -> NDArray[np.float64]:
    """An RGB image in float64, H x W x 3; a gray image copied to three channels."""
    planes = image.astype(np.float64)
    if planes.ndim == 2:
        return np.repeat(planes[:, :, None], 3, axis=2)
    return planes


def matlab_factor(height: int, width: int) -> int:
    """The authors' downsampling factor ``max(1, round(min(M, N) / 256))`` (MATLAB rounds
    halves away from zero)."""
    return max(1, int(np.floor(min(height, width) / 256 + 0.5)))


def matlab_downsample(image: NDArray[np.float64], factor: int) -> NDArray[np.float64]:
    """``conv2(image, ones(F)/F^2, 'same')`` sampled at ``(1:F:end, 1:F:end)``, per plane.

    MATLAB's ``'same'`` takes the centre of the full convolution, which for an even F
    is the window from one pixel before the sample's centre to ``F/2`` after it; pixels
    outside the image are 0 (so border samples are darker, as in the authors' code).
    """
    if factor == 1:
        return image
    planes = image if image.ndim == 3 else image[:, :, None]
    height, width = planes.shape[:2]
    before, after = factor - 1 - factor // 2, factor // 2
    padded = np.pad(planes, ((before, after), (before, after), (0, 0)))
    rows, columns = -(-height // factor), -(-width // factor)
    total = np.zeros((rows, columns, planes.shape[2]), dtype=np.float64)
    for i in range(factor):
        for j in range(factor):
            total += padded[i : i + rows * factor : factor, j : j + columns * factor : factor]
    result = total / float(factor * factor)
    return np.asarray(result if image.ndim == 3 else result[:, :, 0], dtype=np.float64)


def note_fewer_scales(metric: str, scales: int, of: int, min_side: int, side: int) -> None:
    """Warn (:class:`FewerScales`) that ``metric`` used ``scales`` of its ``of`` scales on
    an image whose shorter side, ``side``, is under ``min_side``."""
    warnings.warn(
        FewerScales(
            f"{metric} used {scales} of its {of} scales: the image's shorter side is "
            f"{side} px, and all {of} need {min_side} px"
        ),
        stacklevel=3,
    )
