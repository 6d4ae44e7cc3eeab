"""Gradient-magnitude metrics: GMSD and its multi-scale colour extension MS-GMSDc.

Both compare the Prewitt gradient magnitudes of the two images pixel by pixel with
a Dice-like similarity (the GMS map) and pool that map by its standard deviation:
where a distortion strikes some structures harder than others, the map varies and
the score rises. Lower is better; 0 for identical images.

Computed in float64 with OpenCV's separable filters (zero borders, as MATLAB's
``conv2(..., 'same')``); the 2 x 2 averaging is MATLAB's ``conv2(x, fspecial('average',
2), 'same')`` sampled at ``(1:2:end, 1:2:end)``, i.e. a zero-padded 2 x 2 mean.

References
----------
W. Xue, L. Zhang, X. Mou, A. C. Bovik, "Gradient Magnitude Similarity Deviation: A
Highly Efficient Perceptual Image Quality Index", IEEE TIP 23(2), 684-695, 2014; the
authors' ``GMSD.m``, http://www4.comp.polyu.edu.hk/~cslzhang/IQA/GMSD/GMSD.htm.
B. Zhang, P. V. Sander, A. Bermak, "Gradient magnitude similarity deviation on
multiple scales for color image quality assessment", ICASSP 2017, 1253-1257.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from imgsim.metrics.pair_inputs import checked_pair, luma, note_fewer_scales

GMSD_T = 170.0
"""The GMS map's constant T of GMSD.m, for images on 0..255."""
PREWITT_WINDOW = 3
"""The Prewitt kernels ``[1 0 -1; 1 0 -1; 1 0 -1] / 3`` and their transpose are 3 x 3."""
GMSD_MIN_SIDE = (PREWITT_WINDOW - 1) * 2 + 1
"""5: the smallest side whose 2 x 2-averaged image (``ceil(n / 2)`` px) holds a 3 x 3
Prewitt window. GMSD.m itself runs on smaller images, but its gradients there are
all border."""

MS_GMSD_WEIGHTS = (0.096, 0.596, 0.289, 0.019)
"""Weights of the four scales, finest first (Zhang, Sander & Bermak 2017)."""
MS_GMSD_ALPHA = 0.5
"""The masking parameter α of the multi-scale similarity."""
MS_GMSD_BETA1, MS_GMSD_BETA2, MS_GMSD_BETA3 = 0.01, 0.32, 15.0
"""The chroma weight β1 and the sigmoid's β2, β3 that mix luminance and chroma."""
MS_GMSD_MIN_SIDE = PREWITT_WINDOW
"""3: one scale, the image itself, holds a Prewitt window."""
MS_GMSD_ALL_SCALES_SIDE = (PREWITT_WINDOW - 1) * 2 ** (len(MS_GMSD_WEIGHTS) - 1) + 1
"""17: the coarsest of four scales (``ceil(n / 8)`` px) still holds a Prewitt window,
which is piq's minimum ``2 ** 4 + 1`` too."""
YIQ_I = (0.5959, -0.2746, -0.3213)
YIQ_Q = (0.2115, -0.5227, 0.3112)
"""The I and Q rows of the NTSC YIQ transform as piq's ``rgb2yiq`` has them (Y is BT.601
luma, :func:`imgsim.metrics.pair_inputs.luma`)."""

_DERIVATIVE = np.array([1.0, 0.0, -1.0])
_AVERAGE = np.full(3, 1.0 / 3.0)


def _halve(image: NDArray[np.float64]) -> NDArray[np.float64]:
    """``conv2(x, fspecial('average', 2), 'same')`` sampled at ``(1:2:end, 1:2:end)``,
    per plane of an H x W or H x W x C array.

    MATLAB's ``'same'`` window of an even kernel covers each sample and the pixel after
    it, and pixels beyond the last row or column are 0: an odd side's last sample is
    half its own value plus a zero.
    """
    rows, columns = image.shape[:2]
    if rows % 2 or columns % 2:
        padding = [(0, rows % 2), (0, columns % 2)] + [(0, 0)] * (image.ndim - 2)
        image = np.pad(image, padding)
    quad = image[0::2, 0::2] + image[1::2, 0::2] + image[0::2, 1::2] + image[1::2, 1::2]
    return np.asarray(quad * 0.25, dtype=np.float64)


def _squared_gradient(image: NDArray[np.float64]) -> NDArray[np.float64]:
    """``IxY.^2 + IyY.^2`` of GMSD.m: Prewitt ``conv2(Y, dx, 'same')`` and ``dy = dx'``.

    OpenCV correlates where ``conv2`` convolves, which flips the sign of each derivative
    and leaves its square as it is; ``BORDER_CONSTANT`` is conv2's zero padding.
    """
    ix = cv2.sepFilter2D(image, cv2.CV_64F, _DERIVATIVE, _AVERAGE, borderType=cv2.BORDER_CONSTANT)
    iy = cv2.sepFilter2D(image, cv2.CV_64F, _AVERAGE, _DERIVATIVE, borderType=cv2.BORDER_CONSTANT)
    return np.asarray(ix * ix + iy * iy, dtype=np.float64)


def _deviation(plane_a: NDArray[np.float64], plane_b: NDArray[np.float64], alpha: float) -> float:
    """``std2`` of the gradient magnitude similarity map of two planes.

    ``GMS = ((2 - α) m_a m_b + T) / (m_a² + m_b² - α m_a m_b + T)``; α = 0 is GMSD.m's
    map. ``std2`` normalises by N - 1, as MATLAB's does.
    """
    squared_a = _squared_gradient(plane_a)
    squared_b = _squared_gradient(plane_b)
    product = np.sqrt(squared_a * squared_b)
    similarity = ((2.0 - alpha) * product + GMSD_T) / (
        squared_a + squared_b - alpha * product + GMSD_T
    )
    return float(np.std(similarity, ddof=1))


def gmsd(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    """Gradient magnitude similarity deviation (Xue, Zhang, Mou & Bovik 2014).

    .. math::

        \\mathrm{GMS} = \\frac{2 m_a m_b + T}{m_a^2 + m_b^2 + T}, \\qquad
        \\mathrm{GMSD} = \\operatorname{std2}(\\mathrm{GMS})

    where ``m`` is the Prewitt gradient magnitude of the gray image after 2 x 2
    averaging and subsampling by 2. Parameters as the authors' ``GMSD.m``: ``T =
    170``, ``dx = [1 0 -1; 1 0 -1; 1 0 -1] / 3`` and ``dy = dx'`` convolved with zero
    borders, ``conv2(Y, fspecial('average', 2), 'same')`` then ``Y(1:2:end,
    1:2:end)``, and MATLAB's ``std2``, which normalises by N - 1 (piq and pyiqa
    divide by N, about ``1 / (2N)`` lower, relatively).

    Parameters
    ----------
    image_a, image_b : ndarray of uint8
        The judged image and its reference, gray (H x W) or RGB (H x W x 3), of equal
        shape and at least 5 px a side. RGB is read as unrounded BT.601 luma; a gray
        image as it is (so MATLAB ``rgb2gray`` output gives GMSD.m's value).

    Returns
    -------
    float
        In [0, 1) (a standard deviation of values in (0, 1]; about 0.5 at most);
        lower is better, 0 for identical images. Symmetric.
    """
    a, b = checked_pair(image_a, image_b, "gmsd", min_side=GMSD_MIN_SIDE)
    return _deviation(_halve(luma(a)), _halve(luma(b)), alpha=0.0)


def _ms_scales(side: int) -> int:
    """How many of the four scales hold a Prewitt window at the coarsest: each halving
    keeps ``ceil(n / 2)`` px."""
    scales = 1
    while scales < len(MS_GMSD_WEIGHTS) and math.ceil(side / 2**scales) >= PREWITT_WINDOW:
        scales += 1
    return scales


def _chroma_difference(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> NDArray[np.float64] | None:
    """``I_a - I_b`` and ``Q_a - Q_b`` as an H x W x 2 array (linear in the pixels, so
    taken from one RGB difference); ``None`` for gray images, whose three equal channels
    have I = Q = 0."""
    if a.ndim == 2:
        return None
    difference = (a.astype(np.int16) - b.astype(np.int16)).astype(np.float64)
    return np.asarray(cv2.transform(difference, np.array([YIQ_I, YIQ_Q])), dtype=np.float64)


def ms_gmsd(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    """Multi-scale colour GMSD, MS-GMSDc (Zhang, Sander & Bermak 2017).

    .. math::

        \\mathrm{GMS}_j = \\frac{(2 - \\alpha) m_a m_b + T}
                              {m_a^2 + m_b^2 - \\alpha m_a m_b + T}, \\quad
        M = \\sqrt{\\textstyle\\sum_j w_j \\operatorname{std2}(\\mathrm{GMS}_j)^2}

    .. math::

        C = \\sqrt{\\mathrm{RMSE}(I_a, I_b)^2 + \\mathrm{RMSE}(Q_a, Q_b)^2}, \\quad
        \\gamma = \\frac{2}{1 + \\beta_2 e^{-\\beta_3 M}} - 1, \\quad
        \\mathrm{MS\\text{-}GMSDc} = \\gamma M + (1 - \\gamma) \\beta_1 C

    on the YIQ planes (0..255). Scale 1 is the image itself, each next scale its 2 x 2
    average subsampled by 2 (GMSD.m's downsampling); ``m`` the Prewitt gradient
    magnitude of Y, as in GMSD.m. Fixed as the paper's values that piq's
    ``multi_scale_gmsd(chromatic=True)`` carries: four scales, ``w = (0.096, 0.596,
    0.289, 0.019)``, α = 0.5, T = 170, β1 = 0.01, β2 = 0.32, β3 = 15, and C read on the
    coarsest scale (where piq's loop leaves I and Q). The authors published no code;
    the paper's final index is this colour one, so that is ``ms_gmsd``. ``std2``
    normalises by N - 1 as GMSD.m's (piq: by N).

    Images under 17 px a side, too small for four scales, use the largest number
    ``s`` whose coarsest scale holds a 3 x 3 window, with the first ``s`` weights
    renormalised to sum 1, and warn :class:`~imgsim.metrics.pair_inputs.FewerScales`.

    Parameters
    ----------
    image_a, image_b : ndarray of uint8
        The judged image and its reference, RGB (H x W x 3) or gray (H x W, read as
        three equal channels: no chroma), of equal shape, at least 3 px a side.

    Returns
    -------
    float
        In [0, 2.5) (M is at most about 0.5, ``β1 C`` at most 4.1, and ``1 - γ`` at
        most 0.49); lower is better, 0 for identical images. Symmetric.
    """
    a, b = checked_pair(image_a, image_b, "ms_gmsd", min_side=MS_GMSD_MIN_SIDE)
    side = min(a.shape[:2])
    scales = _ms_scales(side)
    if scales < len(MS_GMSD_WEIGHTS):
        note_fewer_scales("ms_gmsd", scales, len(MS_GMSD_WEIGHTS), MS_GMSD_ALL_SCALES_SIDE, side)
    weights = np.array(MS_GMSD_WEIGHTS[:scales])
    weights = weights / weights.sum()

    luma_a, luma_b = luma(a), luma(b)
    chroma = _chroma_difference(a, b)
    deviations = []
    for scale in range(scales):
        if scale > 0:
            luma_a, luma_b = _halve(luma_a), _halve(luma_b)
            if chroma is not None:
                chroma = _halve(chroma)
        deviations.append(_deviation(luma_a, luma_b, alpha=MS_GMSD_ALPHA))
    luminance = math.sqrt(float(np.sum(weights * np.square(deviations))))

    chroma_rmse = 0.0
    if chroma is not None:
        # RMSE(I)² + RMSE(Q)² is twice the mean square over both planes.
        chroma_rmse = math.sqrt(2.0 * float(np.mean(np.square(chroma))))
    gamma = 2.0 / (1.0 + MS_GMSD_BETA2 * math.exp(-MS_GMSD_BETA3 * luminance)) - 1.0
    return gamma * luminance + (1.0 - gamma) * MS_GMSD_BETA1 * chroma_rmse
