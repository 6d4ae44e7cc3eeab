"""DCT Subband Similarity (DSS): structure compared subband by subband of the 8 x 8 DCT.

References
----------
A. Balanov, A. Schwartz, Y. Moshe, N. Peleg, "Image quality assessment based on DCT
subband similarity", IEEE International Conference on Image Processing (ICIP), 2015.
The authors' MATLAB code: ``dss_index.m``, Version 1.00, Copyright (c) 2015 Yair Moshe,
SIPL, Technion (MATLAB File Exchange 53708, "DCT Subband Similarity Index for measuring
image quality").
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from imgsim.metrics.pair_inputs import checked_pair, luma

DSS_BLOCK = 8
DSS_SIGMA = 1.55
"""σ of the Gaussian that weights the subbands (low frequencies weigh more)."""
DSS_C_DC, DSS_C_AC = 1000.0, 300.0
"""The constants of the DC and the AC subband similarity (``C = [1000 300]``)."""
DSS_PERCENTILE = 0.05
"""Each subband's score is the mean of its worst 5 % local similarities."""
DSS_MIN_BLOCKS = 10
"""``round(0.05 * blocks)`` must be at least 1 (MATLAB rounds 0.5 up), else the mean of
no values is NaN: 10 blocks of 8 x 8, e.g. 32 x 32 pixels or 16 x 40."""
_SMALL_WEIGHT = 1e-2


def _dct_matrix(size: int) -> NDArray[np.float64]:
    """MATLAB ``dctmtx(size)``: row p is ``sqrt(2/size) cos(pi (2q + 1) p / (2 size))``,
    row 0 is ``1 / sqrt(size)`` (orthonormal DCT-II)."""
    p = np.arange(size)[:, None]
    q = np.arange(size)[None, :]
    matrix = math.sqrt(2.0 / size) * np.cos(np.pi * (2 * q + 1) * p / (2 * size))
    matrix[0, :] = 1.0 / math.sqrt(size)
    return np.asarray(matrix, dtype=np.float64)


def _subband_weights() -> NDArray[np.float64]:
    """The authors' Gaussian weights of the 8 x 8 subbands, normalised to sum 1; subbands
    whose weight is under 0.01 are skipped (weight 0)."""
    index = np.arange(1, DSS_BLOCK + 1, dtype=np.float64) - 0.5
    distance_sq = index[:, None] ** 2 + index[None, :] ** 2
    weights = np.exp(-distance_sq / (2.0 * DSS_SIGMA**2))
    weights[weights < _SMALL_WEIGHT] = 0.0
    return np.asarray(weights / weights.sum(), dtype=np.float64)


_WEIGHTS = _subband_weights()
_KEPT = np.argwhere(_WEIGHTS > 0)
"""The (m, n) of the subbands that are scored, the DC subband (0, 0) first."""
_WINDOW_1D = np.exp(-(np.arange(-1.0, 2.0) ** 2) / (2.0 * 1.5**2))
_WINDOW_1D /= _WINDOW_1D.sum()
"""``fspecial('gaussian', 3, 1.5)`` is the outer product of this 1-D kernel."""


def _subbands(image: NDArray[np.float64]) -> NDArray[np.float64]:
    """The kept subbands of the 8 x 8 block DCT (``D * block * D'``), as a stack
    K x (rows / 8) x (columns / 8) in the order of ``_KEPT``."""
    rows, columns = image.shape[0] // DSS_BLOCK, image.shape[1] // DSS_BLOCK
    blocks = image.reshape(rows, DSS_BLOCK, columns, DSS_BLOCK).transpose(0, 2, 1, 3)
    matrix = _dct_matrix(DSS_BLOCK)
    coefficients = matrix @ blocks @ matrix.T
    return np.ascontiguousarray(coefficients[:, :, _KEPT[:, 0], _KEPT[:, 1]].transpose(2, 0, 1))


def _local_mean(stack: NDArray[np.float64]) -> NDArray[np.float64]:
    """``imfilter(subband, fspecial('gaussian', 3, 1.5))`` (zero padding, 'same') of each
    subband of the stack."""
    along_rows = ndimage.correlate1d(stack, _WINDOW_1D, axis=1, mode="constant")
    return np.asarray(ndimage.correlate1d(along_rows, _WINDOW_1D, axis=2, mode="constant"))


def _worst_mean(values: NDArray[np.float64], count: int) -> NDArray[np.float64]:
    """Per subband, the mean of its ``count`` smallest values
    (``mean(sorted(1:percentileIndex))``)."""
    flat = values.reshape(values.shape[0], -1)
    smallest = np.partition(flat, count - 1, axis=1)[:, :count]
    return np.asarray(smallest.mean(axis=1), dtype=np.float64)


def dss(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    """DCT Subband Similarity (Balanov et al. 2015), as the authors' ``dss_index.m``.

    On the gray images (an RGB image as unrounded BT.601 luma, a gray image as it is),
    cropped to a multiple of 8 in each direction, each 8 x 8 block is transformed by the
    2-D DCT (``dctmtx(8)``) and coefficient (m, n) of every block forms subband (m, n).
    With σ1², σ2², σ12 the local variances and covariance of the two subbands (3 x 3
    Gaussian window, σ = 1.5, zero padding; negative variances set to 0), each subband's
    local similarity is ``(2 sqrt(σ1² σ2²) + C) / (σ1² + σ2² + C)``, times
    ``(σ12 + C) / (sqrt(σ1² σ2²) + C)`` for the DC subband, with ``C = 1000`` (DC) and
    ``C = 300`` (AC). A subband's score is the mean of its worst 5 % local values
    (``round(0.05 * blocks)`` of them; for the DC subband each factor is pooled this
    way and the two means multiplied). DSS is the sum of the subband scores weighted by
    ``exp(-((m - 0.5)² + (n - 0.5)²) / (2 · 1.55²))`` (m, n = 1 … 8), normalised to sum
    1, after the weights under 0.01 are set to 0 (17 of the 64 subbands are scored).

    Higher is better, 1 for identical images; range (-w_DC, 1] with w_DC ≈ 0.2415 the
    DC subband's weight (only the DC term can be negative, for anti-correlated means),
    in practice [0, 1]. Symmetric. Needs at least 10 blocks of 8 x 8 (e.g. 32 x 32 or
    16 x 40 pixels): ``dss_index.m`` returns NaN below that.

    piq's ``dss`` departs in two details: it adds ``eps`` to each normalised weight, and
    it takes the count of worst values with Python's ``round`` (halves to even), so for
    ``20 k + 10`` blocks it pools one value fewer than ``dss_index.m``.
    """
    a, b = checked_pair(image_a, image_b, "dss", min_side=DSS_BLOCK)
    rows, columns = a.shape[0] // DSS_BLOCK, a.shape[1] // DSS_BLOCK
    if rows * columns < DSS_MIN_BLOCKS:
        raise ValueError(
            f"dss needs images of at least {DSS_MIN_BLOCKS} blocks of {DSS_BLOCK}x{DSS_BLOCK} "
            f"pixels (e.g. 32x32), got {a.shape[1]}x{a.shape[0]}"
        )
    height, width = rows * DSS_BLOCK, columns * DSS_BLOCK
    img1 = luma(a)[:height, :width]
    img2 = luma(b)[:height, :width]
    sub1, sub2 = _subbands(img1), _subbands(img2)
    constants = np.full((len(_KEPT), 1, 1), DSS_C_AC)
    constants[0] = DSS_C_DC
    mu1, mu2 = _local_mean(sub1), _local_mean(sub2)
    sigma1_sq = np.maximum(_local_mean(sub1 * sub1) - mu1 * mu1, 0.0)
    sigma2_sq = np.maximum(_local_mean(sub2 * sub2) - mu2 * mu2, 0.0)
    root = np.sqrt(sigma1_sq * sigma2_sq)
    left = (2 * root + constants) / (sigma1_sq + sigma2_sq + constants)
    # MATLAB round: halves away from zero.
    count = math.floor(DSS_PERCENTILE * (rows * columns) + 0.5)
    similarity = _worst_mean(left, count)
    sigma12 = _local_mean(sub1[:1] * sub2[:1]) - mu1[:1] * mu2[:1]
    right = (sigma12 + DSS_C_DC) / (root[:1] + DSS_C_DC)
    similarity[0] *= _worst_mean(right, count)[0]
    return float(np.dot(similarity, _WEIGHTS[_KEPT[:, 0], _KEPT[:, 1]]))
