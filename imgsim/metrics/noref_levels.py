"""No-reference statistics of an image's levels: brightness, contrast, colourfulness,
entropy and the share of flat blocks.

Each is one cheap pass over the image (a 256-bin histogram of the gray levels where it
can be), so that a CI job can catch black, blank, washed-out or flat generations
without a reference. Gray-level metrics read :func:`~imgsim.metrics.pair_inputs.gray8`
(MATLAB ``rgb2gray``, rounded BT.601 luma; a gray image as it is).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import cv2
import numpy as np
from numpy.typing import NDArray

from imgsim.metrics.pair_inputs import checked_image, gray8

LEVELS = np.arange(256, dtype=np.int64)
"""The 256 gray levels of an 8-bit image."""
FLAT_BLOCK = 8
"""flat_fraction's block side: JPEG's 8 x 8 grid, fine enough to find a blank patch."""
FLAT_MAX_STD = 2.0
"""A block is flat when the standard deviation of its gray levels is under 2 levels:
above the rounding of a smooth gradient's 8-bit steps, below camera noise."""
_CV_HIST_MAX_PIXELS = 1 << 24
"""OpenCV returns histogram counts as float32, exact up to 2^24 pixels."""


class Brightness(NamedTuple):
    """Mean luma and its 5th and 95th percentiles, in gray levels [0, 255]."""

    mean: float
    p5: float
    p95: float


def gray_histogram(gray: NDArray[np.uint8]) -> NDArray[np.int64]:
    """Counts of the 256 levels of a gray ``uint8`` image, exactly, in int64."""
    if gray.size < _CV_HIST_MAX_PIXELS:
        counts = cv2.calcHist([gray], [0], None, [256], [0, 256])
        return np.asarray(counts, dtype=np.int64).reshape(256)
    return np.bincount(gray.ravel(), minlength=256).astype(np.int64)


def _sums(counts: NDArray[np.int64]) -> tuple[int, int, int]:
    """Pixel count, sum and sum of squares of the levels, as exact integers."""
    return int(counts.sum()), int(counts @ LEVELS), int(counts @ (LEVELS * LEVELS))


def _percentile(counts: NDArray[np.int64], total: int, fraction: float) -> float:
    """NumPy's default (linear) percentile of the values that ``counts`` holds: the
    sorted values ``v`` at ``h = (n - 1) q`` read as ``v[⌊h⌋] + (h - ⌊h⌋)(v[⌊h⌋+1] - v[⌊h⌋])``,
    the values at a rank found in the cumulative histogram."""
    position = (total - 1) * fraction
    below = math.floor(position)
    above = min(below + 1, total - 1)
    ends = np.cumsum(counts)
    low, high = np.searchsorted(ends, [below + 1, above + 1])
    return float(low + (position - below) * (int(high) - int(low)))


def brightness(image: NDArray[np.uint8]) -> Brightness:
    r"""Mean luma and its 5th and 95th percentiles: how dark or bright an image is.

    .. math::

        \mu = \frac{1}{N} \sum_i g_i, \qquad p_5, p_{95}

    Parameters
    ----------
    image : ndarray of uint8, H x W or H x W x 3
        Read as :func:`gray8` (MATLAB ``rgb2gray``).

    Returns
    -------
    Brightness
        ``(mean, p5, p95)`` in gray levels, each in [0, 255]. Neither end is better:
        a black output has ``p95`` near 0, a white or washed-out one ``p5`` near 255.

    Notes
    -----
    The percentiles are NumPy's default linear interpolation between order
    statistics (Hyndman & Fan's type 7, also R's and cleanvision's
    ``np.percentile`` brightness percentiles), not MATLAB ``prctile``'s midpoint
    rule: both agree to within one level, and type 7 is what the Python tools that
    users compare with report. All three are read off the 256-bin histogram.

    References
    ----------
    R. J. Hyndman, Y. Fan, "Sample quantiles in statistical packages", The American
    Statistician 50(4), 361-365, 1996.
    """
    return brightness_of_levels(gray_histogram(gray8(checked_image(image, "image"))))


def brightness_of_levels(counts: NDArray[np.int64]) -> Brightness:
    """:func:`brightness` of the gray image whose 256-level histogram is ``counts``."""
    total, level_sum, _ = _sums(counts)
    return Brightness(
        mean=level_sum / total,
        p5=_percentile(counts, total, 0.05),
        p95=_percentile(counts, total, 0.95),
    )


def contrast(image: NDArray[np.uint8]) -> float:
    r"""RMS contrast: the population standard deviation of the gray levels.

    .. math::

        C_{\mathrm{RMS}} = \sqrt{\frac{1}{N} \sum_i (g_i - \bar g)^2}

    Parameters
    ----------
    image : ndarray of uint8, H x W or H x W x 3
        Read as :func:`gray8`.

    Returns
    -------
    float
        In gray levels, [0, 127.5]: 0 for a flat image (blank output), 127.5 for one
        half black and half white. Higher is more contrast; low values flag blank or
        washed-out images.

    Notes
    -----
    Computed from the histogram with exact integer sums, ``(N S_2 - S_1^2) / N^2``.

    References
    ----------
    E. Peli, "Contrast in complex images", Journal of the Optical Society of America A
    7(10), 2032-2040, 1990.
    """
    return contrast_of_levels(gray_histogram(gray8(checked_image(image, "image"))))


def contrast_of_levels(counts: NDArray[np.int64]) -> float:
    """:func:`contrast` of the gray image whose 256-level histogram is ``counts``."""
    total, level_sum, square_sum = _sums(counts)
    return math.sqrt((total * square_sum - level_sum * level_sum) / (total * total))


def colorfulness(image: NDArray[np.uint8]) -> float:
    r"""Colourfulness M of Hasler & Süsstrunk (2003) on the RGB values.

    .. math::

        rg = R - G, \quad yb = \tfrac12 (R + G) - B, \quad
        M = \sqrt{\sigma_{rg}^2 + \sigma_{yb}^2} + 0.3 \sqrt{\mu_{rg}^2 + \mu_{yb}^2}

    with population standard deviations and means over the pixels.

    Parameters
    ----------
    image : ndarray of uint8, H x W or H x W x 3
        RGB values 0-255 as they are (the paper works on sRGB); a gray image is 0.

    Returns
    -------
    float
        Higher is more colourful; 0 for a gray image, about 15 "slightly", 33
        "moderately", 59 "quite", 82 "highly colourful" on the paper's scale. At most
        297.7: ``σ² + μ² = E[rg² + yb²] ≤ 1.25 · 255²``, so ``M ≤ √1.09 · √1.25 · 255``
        (an image half pure red, half pure green scores 293).

    References
    ----------
    D. Hasler, S. Süsstrunk, "Measuring colourfulness in natural images", Proc. SPIE
    5007, Human Vision and Electronic Imaging VIII, 87-95, 2003 (Eq. 3, metric M^(3)).
    """
    pixels = checked_image(image, "image")
    if pixels.ndim == 2:
        return 0.0
    red, green, blue = cv2.split(pixels)
    count = red.size
    red_sum, green_sum, blue_sum = (round(cv2.sumElems(plane)[0]) for plane in (red, green, blue))
    # Exact integer sums of rg = R - G and 2 yb = (R - B) + (G - B) and of their
    # squares, from OpenCV's sums of squared differences of the uint8 planes:
    # Σ(a + b)² = 2Σa² + 2Σb² - Σ(a - b)², with a - b = R - G.
    rg_squares = round(cv2.norm(red, green, cv2.NORM_L2SQR))
    rb_squares = round(cv2.norm(red, blue, cv2.NORM_L2SQR))
    gb_squares = round(cv2.norm(green, blue, cv2.NORM_L2SQR))
    rg_sum = red_sum - green_sum
    yb2_sum = red_sum + green_sum - 2 * blue_sum
    yb2_squares = 2 * rb_squares + 2 * gb_squares - rg_squares
    rg_variance = (count * rg_squares - rg_sum * rg_sum) / (count * count)
    yb_variance = (count * yb2_squares - yb2_sum * yb2_sum) / (4 * count * count)
    spread = math.sqrt(rg_variance + yb_variance)
    return spread + 0.3 * math.hypot(rg_sum / count, yb2_sum / (2 * count))


def entropy(image: NDArray[np.uint8]) -> float:
    r"""Shannon entropy of the gray-level histogram, in bits.

    .. math::

        H = -\sum_{k: p_k > 0} p_k \log_2 p_k, \qquad p_k = n_k / N

    Parameters
    ----------
    image : ndarray of uint8, H x W or H x W x 3
        Read as :func:`gray8`.

    Returns
    -------
    float
        [0, 8]: 0 for a flat image, 8 when all 256 levels are equally frequent (uniform
        noise). Higher is more information; low values flag blank or posterised images.

    Notes
    -----
    The value of ``skimage.measure.shannon_entropy(gray8(image))`` (which counts the
    distinct values and calls ``scipy.stats.entropy`` with base 2), from a histogram.

    References
    ----------
    C. E. Shannon, "A mathematical theory of communication", Bell System Technical
    Journal 27, 379-423, 1948.
    """
    return entropy_of_levels(gray_histogram(gray8(checked_image(image, "image"))))


def entropy_of_levels(counts: NDArray[np.int64]) -> float:
    """:func:`entropy` of the gray image whose 256-level histogram is ``counts``."""
    shares = counts[counts > 0] / float(counts.sum())
    return float(max(0.0, -np.sum(shares * np.log2(shares))))


def flat_fraction(image: NDArray[np.uint8]) -> float:
    r"""Share of the image's 8 x 8 blocks whose gray levels are near-uniform.

    A block is flat when the standard deviation of its 64 gray levels is under
    :data:`FLAT_MAX_STD` (2 levels): exactly, ``64 S_2 - S_1^2 < (2 · 64)^2`` in
    integers, with ``S_1, S_2`` the block's sum and sum of squares.

    Parameters
    ----------
    image : ndarray of uint8, H x W or H x W x 3, at least 8 x 8
        Read as :func:`gray8`. Blocks tile the image from its top-left corner; the
        last rows and columns that do not fill a block are left out.

    Returns
    -------
    float
        [0, 1]: 1 for a blank or flat image, near 0 for a textured photograph or pure
        noise. Lower is better for generated content; high values flag blank outputs
        or large empty areas.

    Notes
    -----
    8 x 8 rather than 16 x 16: the grid of JPEG, and a smooth gradient of one level
    per pixel is not flat over 8 px (standard deviation 2.3) at either size, while
    smaller blocks find smaller blank patches. The threshold of 2 levels is above the
    spread of a block that straddles one 8-bit rounding step and below typical camera
    noise. Block sums come from OpenCV's integral images, exact.

    References
    ----------
    No published metric is followed: this is the plain local-variance test, on the
    8 x 8 block grid of JPEG (ITU-T T.81, 1992). Unlike a whole-image statistic
    (contrast, entropy), it also sees a generation that is blank over part of the frame.
    """
    gray = gray8(checked_image(image, "image"))
    rows, columns = gray.shape[0] // FLAT_BLOCK, gray.shape[1] // FLAT_BLOCK
    if rows == 0 or columns == 0:
        raise ValueError(
            f"flat_fraction needs images of at least {FLAT_BLOCK}x{FLAT_BLOCK} pixels, "
            f"got {gray.shape[1]}x{gray.shape[0]}"
        )
    blocks = gray[: rows * FLAT_BLOCK, : columns * FLAT_BLOCK]
    # Block sums from the integral images of the levels and of their squares: the sums
    # in int32 (float64 where they could pass 2^31), the squares' in float64, all exact.
    depth = cv2.CV_32S if blocks.size * 255 < 2**31 else cv2.CV_64F
    level_integral, square_integral = cv2.integral2(blocks, sdepth=depth, sqdepth=cv2.CV_64F)
    sums = _block_sums(level_integral[::FLAT_BLOCK, ::FLAT_BLOCK].astype(np.float64))
    square_sums = _block_sums(np.asarray(square_integral[::FLAT_BLOCK, ::FLAT_BLOCK], np.float64))
    size = FLAT_BLOCK * FLAT_BLOCK
    spread = size * square_sums - np.square(sums)
    flat = spread < (FLAT_MAX_STD * size) ** 2
    return float(np.count_nonzero(flat) / flat.size)


def _block_sums(corners: NDArray[np.float64]) -> NDArray[np.float64]:
    """The sums over the blocks between consecutive rows and columns of an integral
    image's ``corners``."""
    return np.asarray(
        corners[1:, 1:] - corners[:-1, 1:] - corners[1:, :-1] + corners[:-1, :-1],
        dtype=np.float64,
    )
