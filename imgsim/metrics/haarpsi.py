"""HaarPSI: the Haar wavelet-based perceptual similarity index (Reisenhofer et al. 2018).

Computed as the authors' ``HaarPSI.m`` does, step for step, with OpenCV's separable
filters in place of MATLAB's ``conv2``; see :func:`haarpsi`.

References
----------
R. Reisenhofer, S. Bosse, G. Kutyniok, T. Wiegand, "A Haar wavelet-based perceptual
similarity index for image quality assessment", Signal Processing: Image Communication 61,
pp. 33-43, 2018, doi:10.1016/j.image.2017.11.001. The authors' MATLAB code: ``HaarPSI.m``
(built 08/05/2017), haarpsi.org and github.com/rgcda/haarpsi.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from imgsim.metrics.pair_inputs import checked_pair, matlab_downsample

HAARPSI_C = 30.0
"""The constant of the local similarities (``C = 30`` in ``HaarPSI.m``)."""
HAARPSI_ALPHA = 4.2
"""The slope of the logistic function (``alpha = 4.2``)."""
HAARPSI_SCALES = 3
"""Haar filters of 2 x 2, 4 x 4 and 8 x 8 (``nScales = 3``)."""
HAARPSI_MIN_SIDE = 2 * 2**HAARPSI_SCALES - 1
"""15: the coarsest Haar filter, 8 x 8, must fit the half-size image (ceil(15 / 2) = 8)."""

YIQ = np.array(
    [
        [0.299, 0.587, 0.114],
        [0.596, -0.274, -0.322],
        [0.211, -0.523, 0.312],
    ]
)
"""The RGB to YIQ matrix of ``HaarPSI.m``: its three-decimal NTSC coefficients (piq uses
four decimals, 0.5959, -0.2746, ..., which moves its colour scores by about 1e-4)."""

_Planes = NDArray[np.float64]


def _conv2_same(plane: _Planes, column: _Planes, row: _Planes) -> _Planes:
    """MATLAB ``conv2(plane, column * row, 'same')`` for a separable kernel: zeros outside
    the image, and an even kernel of n taps centred on tap ``n / 2`` (1-based), which is
    OpenCV's correlation with the flipped kernel anchored at ``n - 1 - n // 2``."""
    anchor = (row.size - 1 - row.size // 2, column.size - 1 - column.size // 2)
    filtered = cv2.sepFilter2D(
        plane,
        cv2.CV_64F,
        np.ascontiguousarray(row[::-1]),
        np.ascontiguousarray(column[::-1]),
        anchor=anchor,
        borderType=cv2.BORDER_CONSTANT,
    )
    return np.asarray(filtered, dtype=np.float64)


def _haar_filters(scale: int) -> tuple[_Planes, _Planes]:
    """The separable factors of ``HaarPSIDec``'s filter at ``scale`` (1-based):
    ``2^-k * ones(2^k)`` with its upper half negated, i.e. a column of ``2^(k-1)`` times
    -1 then +1 (times ``2^-k``) and a row of ``2^k`` ones."""
    half = 2 ** (scale - 1)
    column = np.concatenate([-np.ones(half), np.ones(half)]) * 2.0**-scale
    return column, np.ones(2 * half)


def _haar_magnitudes(luminance: _Planes) -> list[tuple[_Planes, _Planes]]:
    """``abs(HaarPSIDec(Y, 3))``: for each scale, the magnitudes of the horizontal-edge
    (``conv2(Y, haarFilter)``) and vertical-edge (``conv2(Y, haarFilter')``) coefficients."""
    magnitudes = []
    for scale in range(1, HAARPSI_SCALES + 1):
        column, row = _haar_filters(scale)
        horizontal = np.abs(_conv2_same(luminance, column, row))
        vertical = np.abs(_conv2_same(luminance, row, column))
        magnitudes.append((horizontal, vertical))
    return magnitudes


def _similarity(a: _Planes, b: _Planes) -> _Planes:
    """The local similarity ``(2 a b + C) / (a^2 + b^2 + C)`` of two magnitude maps."""
    return np.asarray((2.0 * a * b + HAARPSI_C) / (a * a + b * b + HAARPSI_C))


def _mean_iq(plane: _Planes) -> _Planes:
    """``abs(conv2(plane, ones(2,2)/4, 'same'))``: the chroma coefficients."""
    half = np.full(2, 0.5)
    return np.abs(_conv2_same(plane, half, half))


def _maps(reference: _Planes, distorted: _Planes) -> tuple[list[_Planes], list[_Planes]]:
    """The local similarity maps and their weight maps of ``HaarPSI.m``, from the two
    subsampled images (H x W luminance, or H x W x 3 YIQ)."""
    colour = reference.ndim == 3
    luminance_ref = reference[:, :, 0] if colour else reference
    luminance_dist = distorted[:, :, 0] if colour else distorted
    coeffs_ref = _haar_magnitudes(np.ascontiguousarray(luminance_ref))
    coeffs_dist = _haar_magnitudes(np.ascontiguousarray(luminance_dist))
    similarities, weights = [], []
    for orientation in (0, 1):
        weights.append(np.maximum(coeffs_ref[2][orientation], coeffs_dist[2][orientation]))
        fine = [
            _similarity(coeffs_ref[k][orientation], coeffs_dist[k][orientation]) for k in (0, 1)
        ]
        similarities.append((fine[0] + fine[1]) / 2.0)
    if colour:
        chroma = [
            _similarity(
                _mean_iq(np.ascontiguousarray(reference[:, :, c])),
                _mean_iq(np.ascontiguousarray(distorted[:, :, c])),
            )
            for c in (1, 2)
        ]
        similarities.append((chroma[0] + chroma[1]) / 2.0)
        weights.append((weights[0] + weights[1]) / 2.0)
    return similarities, weights


def haarpsi(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    r"""Haar wavelet-based perceptual similarity index (Reisenhofer et al. 2018).

    Local similarities of Haar wavelet coefficient magnitudes at the two finest scales,
    pooled through a logistic function with weights from the coarsest scale:

    .. math::

        \mathrm{HaarPSI} = \left(l_\alpha^{-1}\left(
            \frac{\sum_{x,k} l_\alpha(S_k(x))\, W_k(x)}{\sum_{x,k} W_k(x)}
        \right)\right)^2,
        \quad l_\alpha(s) = \frac{1}{1 + e^{-\alpha s}},

    where, for the horizontal and vertical orientations k, :math:`S_k` is the mean over
    scales 1 and 2 of :math:`(2 |g_A| |g_B| + C) / (|g_A|^2 + |g_B|^2 + C)` and
    :math:`W_k = \max(|g_A^{(3)}|, |g_B^{(3)}|)`; a colour pair adds the mean similarity
    of the 2 x 2-averaged I and Q channels, weighted by :math:`(W_1 + W_2) / 2`.

    Parameters
    ----------
    image_a, image_b : ndarray of uint8
        The judged image and its reference, equal shapes, H x W gray or H x W x 3 RGB,
        each side at least 15 px (:data:`HAARPSI_MIN_SIDE`). The index is symmetric.

    Returns
    -------
    float
        In [0, 1]; higher is better, 1 for identical images.

    Notes
    -----
    Parameters fixed as in the authors' ``HaarPSI.m``: C = 30, alpha = 4.2, three scales
    of Haar filters ``2^-k ones(2^k)`` (upper half negated) applied with ``conv2(...,
    'same')`` (zeros outside the image), after ``preprocessWithSubsampling``:
    ``conv2(x, ones(2,2)/4, 'same')`` and ``x(1:2:end, 1:2:end)``. The colour path is
    taken, as ``HaarPSI.m`` decides, when the input has three channels: an RGB pair is
    scored in colour (YIQ with the matrix :data:`YIQ`), a gray pair on its gray values
    alone, so a gray image passed as H x W (not copied to RGB) gives the authors' gray
    numbers. The image is subsampled before the YIQ conversion (the authors convert
    first); both are linear, so only rounding differs.

    When every weight is 0 (two black images) the authors' code divides 0 by 0; here
    the local similarities are then averaged with equal weights, which gives 1 for
    identical images.

    Ports: piq (``piq.haarpsi``) uses four-decimal YIQ coefficients and adds ``eps``
    to the weighted sums; otherwise it follows the same steps.

    References
    ----------
    R. Reisenhofer, S. Bosse, G. Kutyniok, T. Wiegand, "A Haar wavelet-based perceptual
    similarity index for image quality assessment", Signal Processing: Image
    Communication 61, 2018. Authors' code: ``HaarPSI.m``, github.com/rgcda/haarpsi.
    """
    a, b = checked_pair(image_a, image_b, "haarpsi", min_side=HAARPSI_MIN_SIDE)
    reference = matlab_downsample(b.astype(np.float64), 2)
    distorted = matlab_downsample(a.astype(np.float64), 2)
    if reference.ndim == 3:
        reference = reference @ YIQ.T
        distorted = distorted @ YIQ.T
    similarities, weights = _maps(reference, distorted)
    logistic = [1.0 / (1.0 + np.exp(-HAARPSI_ALPHA * s)) for s in similarities]
    total_weight = sum(float(np.sum(w)) for w in weights)
    if total_weight > 0:
        pooled = sum(float(np.sum(s * w)) for s, w in zip(logistic, weights, strict=True))
        pooled /= total_weight
    else:
        pooled = float(np.mean(logistic))
    score = (np.log(pooled / (1.0 - pooled)) / HAARPSI_ALPHA) ** 2
    return min(float(score), 1.0)
