"""Information content weighted SSIM (IW-SSIM): multi-scale SSIM pooled by how much
information each part of the reference carries.

References
----------
Z. Wang, Q. Li, "Information content weighting for perceptual image quality
assessment", IEEE Transactions on Image Processing 20(5), 1185-1198, 2011.
The authors' code: ``iwssim.m``, ``scale_quality_maps.m``, ``info_content_weight_map.m``
and ``imenlarge2.m`` of ``iwssim_iwpsnr.zip`` (https://ece.uwaterloo.ca/~z70wang/research/iwssim/),
with E. Simoncelli's matlabPyrTools (``buildLpyr`` and the MEX ``corrDn``/``upConv``,
``'reflect1'`` edges) for the Laplacian pyramid.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from imgsim.metrics.pair_inputs import checked_pair, luma

Array = NDArray[np.float64]

IW_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
"""Per-scale exponents of ``iwssim.m`` (those of MS-SSIM), normalised to sum 1 there."""
IW_SSIM_SCALES = len(IW_SSIM_WEIGHTS)
IW_SSIM_WINDOW = 11
IW_SSIM_SIGMA = 1.5
IW_SSIM_K = (0.01, 0.03)
IW_SSIM_L = 255.0
IW_SSIM_SIGMA_NSQ = 0.4
"""Variance of the visual noise of the Gaussian scale mixture model (``sigma_nsq``)."""
IW_SSIM_MIN_SIDE = IW_SSIM_WINDOW * 2 ** (IW_SSIM_SCALES - 1)
"""176: ``iwssim.m`` refuses ``min(size(oimg)) < win_size*(2^(Nsc-1))``; at 176 px the
coarsest band (11 px) holds exactly one 11 x 11 window."""

_TOL = 1e-15
"""``tol`` of ``info_content_weight_map.m``: variances and weights under it count as 0."""
_BINOM5 = np.sqrt(2.0) * np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
"""matlabPyrTools' ``namedFilter('binom5')``: ``sqrt(2) * binomialFilter(5)``, so that
each reduction doubles the low-pass band (the coarsest band of 5 is 16 times the image's
scale, which matters against SSIM's fixed C1, C2)."""
_BOUND = math.ceil((IW_SSIM_WINDOW - 1) / 2)
_BOUND1 = _BOUND - 1
"""``bound1 = bound - floor((blSzX-1)/2)``: the weight map (3 x 3 'valid' blocks) is
cropped by 4 more pixels per side to cover the pixels of the 11 x 11 'valid' SSIM map."""


def _gaussian_taps() -> Array:
    """One axis of ``fspecial('gaussian', 11, 1.5)``; the 2-D window is its outer product
    (no tap is under ``fspecial``'s ``eps`` cut-off)."""
    offsets = np.arange(IW_SSIM_WINDOW, dtype=np.float64) - (IW_SSIM_WINDOW - 1) / 2
    taps = np.exp(-(offsets * offsets) / (2 * IW_SSIM_SIGMA * IW_SSIM_SIGMA))
    return np.asarray(taps / taps.sum(), dtype=np.float64)


_GAUSS = _gaussian_taps()


def _reflect1(image: Array, taps: Array) -> Array:
    """Separable correlation with ``taps`` on both axes, edges reflected about the edge
    pixel: matlabPyrTools' ``'reflect1'``, which is OpenCV's ``BORDER_REFLECT_101``
    (``dcb|abcd|cba``) for ``corrDn`` and, on the zero-filled upsampled grid, for ``upConv``
    (checked against a transcription of ``edges.c`` in the tests, even and odd sizes)."""
    return np.asarray(
        cv2.sepFilter2D(image, cv2.CV_64F, taps, taps, borderType=cv2.BORDER_REFLECT_101)
    )


def laplacian_pyramid(image: Array, scales: int = IW_SSIM_SCALES) -> list[Array]:
    """``buildLpyr(image, scales)`` of matlabPyrTools (``binom5``, ``'reflect1'``): the
    band-pass bands from fine to coarse, then the low-pass residual.

    Each step is ``corrDn`` (filter, keep every other row and column starting with the
    first) and ``upConv`` (the low-pass image on every other pixel of a zero grid of the
    finer size, filtered); the band is the image minus that expansion.
    """
    bands = []
    current = np.ascontiguousarray(image, dtype=np.float64)
    for _ in range(scales - 1):
        low = np.ascontiguousarray(_reflect1(current, _BINOM5)[0::2, 0::2])
        grid = np.zeros_like(current)
        grid[0::2, 0::2] = low
        bands.append(current - _reflect1(grid, _BINOM5))
        current = low
    bands.append(current)
    return bands


def _enlarge_axis(values: Array, rows: int) -> Array:
    """The first ``rows`` rows of ``imenlarge2`` along axis 0 of ``values``.

    ``imenlarge2`` resizes to ``4 M - 3`` rows with MATLAB's bilinear ``imresize`` (the
    half-pixel mapping ``u = x/s + (1 - 1/s)/2``, ``s = (4M - 3)/M``, edges clamped), pads
    one row on each side by linear extrapolation (``2 t(2) - t(3)``) and keeps every
    other row of the ``4 M - 1``: row k of the result is resized row ``2k - 1`` (0-based),
    and its first and last rows are the extrapolations.
    """
    count = values.shape[0]
    size = 4 * count - 3
    scale = size / count

    def resized(row: NDArray[np.intp]) -> Array:
        u = (row + 1) / scale + 0.5 * (1 - 1 / scale)
        position = np.clip(u - 1, 0, count - 1)
        lower = np.minimum(np.floor(position).astype(np.intp), count - 1)
        upper = np.minimum(lower + 1, count - 1)
        fraction = (position - lower)[:, None]
        return np.asarray(values[lower] * (1 - fraction) + values[upper] * fraction)

    out = resized(np.clip(2 * np.arange(rows) - 1, 0, size - 1))
    ends = resized(np.array([0, 1, size - 1, size - 2]))
    out[0] = 2 * ends[0] - ends[1]
    if rows == 2 * count:
        out[-1] = 2 * ends[2] - ends[3]
    return out


def enlarge_parent(image: Array, shape: tuple[int, int]) -> Array:
    """``auxp = imenlarge2(image); auxp(1:Nsy, 1:Nsx)`` with ``shape = (Nsy, Nsx)``: the
    parent band brought to its child's grid (``2 M - 1 <= Nsy <= 2 M``)."""
    rows = _enlarge_axis(image, shape[0])
    return np.ascontiguousarray(_enlarge_axis(np.ascontiguousarray(rows.T), shape[1]).T)


def _valid(values: Array, radius: int) -> Array:
    return values[radius : values.shape[0] - radius, radius : values.shape[1] - radius]


def _contrast_structure(ref: Array, dist: Array, with_luminance: bool) -> Array:
    """``cs_map`` of ``scale_quality_maps.m`` ('valid' 11 x 11 Gaussian statistics,
    variances clipped at 0), times ``l_map`` at the coarsest scale."""
    c1 = (IW_SSIM_K[0] * IW_SSIM_L) ** 2
    c2 = (IW_SSIM_K[1] * IW_SSIM_L) ** 2

    def blur(values: Array) -> Array:
        return _valid(_reflect1(values, _GAUSS), _BOUND)

    mu1, mu2 = blur(ref), blur(dist)
    sigma12 = blur(ref * dist) - mu1 * mu2
    sigma1_sq = np.maximum(blur(ref * ref) - mu1 * mu1, 0.0)
    sigma2_sq = np.maximum(blur(dist * dist) - mu2 * mu2, 0.0)
    cs = (2 * sigma12 + c2) / (sigma1_sq + sigma2_sq + c2)
    if with_luminance:
        cs = cs * (2 * mu1 * mu2 + c1) / (mu1 * mu1 + mu2 * mu2 + c1)
    return np.asarray(cs)


def _gain_and_error(ref: Array, dist: Array, crop: int) -> tuple[Array, Array]:
    """Gain ``g`` and error variance ``vv`` of the model ``dist = g ref + v`` over 3 x 3
    windows, with the guards of ``info_content_weight_map.m`` in its order, for the
    pixels ``1 + crop`` or more from the border (whose windows lie inside the band, where
    'same' and 'valid' agree, and which the SSIM map covers)."""

    def mean(values: Array) -> Array:
        box = cv2.boxFilter(values, cv2.CV_64F, (3, 3), borderType=cv2.BORDER_REFLECT_101)
        return _valid(np.asarray(box), 1 + crop)

    mean_x, mean_y = mean(ref), mean(dist)
    cov_xy = mean(ref * dist) - mean_x * mean_y
    ss_x = np.maximum(mean(ref * ref) - mean_x * mean_x, 0.0)
    ss_y = np.maximum(mean(dist * dist) - mean_y * mean_y, 0.0)
    g = cov_xy / (ss_x + _TOL)
    vv = ss_y - g * cov_xy
    flat_ref = ss_x < _TOL
    if flat_ref.any():
        g[flat_ref] = 0
        vv[flat_ref] = ss_y[flat_ref]
    flat_dist = ss_y < _TOL
    if flat_dist.any():
        g[flat_dist] = 0
        vv[flat_dist] = 0
    return g, vv


_STRIP_ROWS = 32
"""Rows of neighbourhoods gathered at a time for ``C_u``: a strip's ``N x rows x nblh``
array stays in cache, where one array for a whole 512 x 512 band (20 MB) cost more to
fill than the product itself."""


def _covariance(ref: Array, parent: Array | None) -> Array:
    """``C_u = innerProd(Y) / nexp``: ``Y`` has one row per inner pixel of the reference
    band, its 3 x 3 neighbourhood (and its parent coefficient); the order of the columns
    does not matter (it permutes the rows and columns of ``C_u`` alike)."""
    rows, columns = ref.shape[0] - 2, ref.shape[1] - 2
    planes = [(ref, dy, dx) for dy in range(3) for dx in range(3)]
    if parent is not None:
        planes.append((parent, 1, 1))
    strip = np.empty((len(planes), _STRIP_ROWS, columns))
    covariance = np.zeros((len(planes), len(planes)))
    for top in range(0, rows, _STRIP_ROWS):
        height = min(_STRIP_ROWS, rows - top)
        for plane, (source, dy, dx) in enumerate(planes):
            strip[plane, :height] = source[top + dy : top + dy + height, dx : dx + columns]
        block = strip[:, :height].reshape(len(planes), -1)
        covariance += block @ block.T
    return np.asarray(covariance / (rows * columns), dtype=np.float64)


def _quadratic_form(ref: Array, parent: Array | None, vectors: Array, inverse: Array) -> Array:
    """``ss = sum((Y * inv(C_u)) .* Y, 2) / N`` as a map over the band (valid at the inner
    pixels), computed as ``Σ_j (q_j' y)² / λ_j / N``: each projection ``q_j' y / √λ_j``
    is one 3 x 3 correlation of the band (plus the parent term), so no ``nexp x N``
    array is needed."""
    size = vectors.shape[0]
    total = np.zeros_like(ref)
    projection = np.empty_like(ref)
    for j in range(size):
        if inverse[j] == 0:
            continue
        scale = math.sqrt(inverse[j] / size)
        kernel = np.ascontiguousarray(vectors[:9, j].reshape(3, 3) * scale)
        cv2.filter2D(ref, cv2.CV_64F, kernel, dst=projection, borderType=cv2.BORDER_REFLECT_101)
        if parent is not None:
            cv2.scaleAdd(parent, float(vectors[9, j] * scale), projection, dst=projection)
        cv2.accumulateSquare(projection, total)
    return total


def _log2_sum(offset: Array, slope: Array, eigenvalues: Array) -> Array:
    """``Σ_j log2(offset + slope λ_j)`` as the log of the product (one log instead of one
    per eigenvalue: 10x fewer). Every factor is at least 1 (``vv``, ``ss`` and ``λ_j``
    are not negative, up to rounding), so the product cannot underflow; rows whose
    product overflows take the sum of logs."""
    product = offset + slope * eigenvalues[0]
    with np.errstate(over="ignore", invalid="ignore"):
        for value in eigenvalues[1:]:
            product *= offset + slope * value
    result = np.log2(product)
    overflow = ~np.isfinite(result)
    if overflow.any():
        terms = offset[overflow, None] + slope[overflow, None] * eigenvalues[None, :]
        result[overflow] = np.log2(terms).sum(axis=1)
    return np.asarray(result)


def information_weights(ref: Array, dist: Array, parent: Array | None) -> Array:
    """The information content weight of each pixel of the 'valid' SSIM map of one band
    (``iw_map{s}`` cropped by ``bound1``), after ``info_content_weight_map.m``.

    The reference's neighbourhoods ``Y`` (3 x 3, plus the parent) form one covariance
    ``C_u = Y'Y / nexp`` per band, whose negative eigenvalues are set to 0 and the others
    rescaled to keep the trace; ``ss = y' C_u^-1 y / N`` and, over the eigenvalues λ_j,
    ``w = Σ_j log2(1 + ((vv + (1 + g²) σ_n²) ss λ_j + σ_n² vv) / σ_n⁴)``.

    Where ``C_u`` is singular (a flat reference band) MATLAB's ``inv`` makes the weights
    NaN; here a zero eigenvalue adds nothing to ``ss`` (the pseudo-inverse), so the
    weights stay finite.

    Parameters
    ----------
    ref, dist : float64 arrays, H x W
        One band of the reference's and of the distorted image's Laplacian pyramids.
    parent : float64 array, H x W, or None
        The reference's next coarser band on this band's grid (:func:`enlarge_parent`),
        or None for the last band-pass band, which has no parent in ``iwssim.m``.

    Returns
    -------
    float64 array, (H - 10) x (W - 10)
        The weights, aligned with the 'valid' 11 x 11 SSIM map of the band.
    """
    ref, dist = np.ascontiguousarray(ref, np.float64), np.ascontiguousarray(dist, np.float64)
    if parent is not None:
        parent = np.ascontiguousarray(parent, np.float64)
    crop = _BOUND1
    g, vv = _gain_and_error(ref, dist, crop)
    eigenvalues, vectors = np.linalg.eigh(_covariance(ref, parent))
    positive = eigenvalues * (eigenvalues > 0)
    kept = positive.sum()
    eigenvalues = positive * eigenvalues.sum() / (kept + (kept == 0))
    inverse = np.divide(1.0, eigenvalues, out=np.zeros_like(eigenvalues), where=eigenvalues > 0)
    # only the inner pixels that the SSIM map covers (bound1 = 4 more per side)
    ss = _valid(_quadratic_form(ref, parent, vectors, inverse), 1 + crop)
    shape = ss.shape
    g, vv, ss = g.reshape(-1), vv.reshape(-1), ss.reshape(-1)
    nsq = IW_SSIM_SIGMA_NSQ
    slope = (vv + (1 + g * g) * nsq) * ss / (nsq * nsq)
    weights = _log2_sum(1 + vv / nsq, slope, eigenvalues)
    weights[weights < _TOL] = 0
    return weights.reshape(shape)


def _weighted_mean(values: Array, weights: Array) -> float:
    """``sum(cs .* iw) / sum(iw)``; the plain mean where no pixel carries information
    (MATLAB divides 0 by 0 there)."""
    total = float(weights.sum())
    if total == 0:
        return float(values.mean())
    return float((values * weights).sum() / total)


def iw_ssim(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    """Information content weighted SSIM (Wang & Li 2011), ``image_b`` the reference.

    .. math::
        \\mathrm{IW\\text{-}SSIM} = \\prod_{j=1}^{5} \\Big(\\frac{\\sum_i w_{j,i}\\,
        c_j(x_{j,i}, y_{j,i})}{\\sum_i w_{j,i}}\\Big)^{\\beta_j}

    over the 5 bands of a Laplacian pyramid (matlabPyrTools ``buildLpyr``, filter
    ``binom5 = sqrt(2) [1 4 6 4 1] / 16``, ``'reflect1'`` edges), where ``c_j`` is SSIM's
    contrast-structure term (11 x 11 Gaussian window σ = 1.5, 'valid', K = (0.01, 0.03),
    L = 255), times the luminance term at the coarsest band; ``w_{j,i}`` is the
    information content of the reference at pixel i of band j under a Gaussian scale
    mixture (3 x 3 neighbourhood plus the parent coefficient, σ_n² = 0.4), and 1 at the
    coarsest band; β = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333) / 1.0001. All as in the
    authors' ``iwssim.m``, ``iwssim(oimg=image_b, img=image_a)``, on the BT.601 luma of an
    RGB image or the gray image as it is.

    Parameters
    ----------
    image_a : uint8 array, H x W or H x W x 3
        The image being judged (distorted, generated).
    image_b : uint8 array, same shape
        The reference; the information weights come from it, so the index is not
        symmetric.

    Returns
    -------
    float
        Higher is better; 1 for identical images, range [0, 1]. A band whose weighted
        contrast-structure mean is negative (anti-correlated structure, where MATLAB's
        power turns complex) counts as 0. Images need at least 176 px per side.

    Notes
    -----
    piq's port departs from the authors in ways that change the value: its ``upConv`` on
    an odd size reflects about the zero row of a grid one pixel too large, it takes
    ``abs`` of each band's mean, its tolerance is the float epsilon instead of 1e-15,
    and it accepts images from 161 px.
    """
    a, b = checked_pair(image_a, image_b, "iw_ssim", min_side=IW_SSIM_MIN_SIDE)
    dist_bands = laplacian_pyramid(luma(a))
    ref_bands = laplacian_pyramid(luma(b))
    weight_sum = sum(IW_SSIM_WEIGHTS)
    index = 1.0
    coarsest = IW_SSIM_SCALES - 1
    for scale in range(IW_SSIM_SCALES):
        ref, dist = ref_bands[scale], dist_bands[scale]
        cs = _contrast_structure(ref, dist, with_luminance=scale == coarsest)
        if scale == coarsest:
            mean_cs = float(cs.mean())
        else:
            parent = None
            if scale < coarsest - 1:
                parent = enlarge_parent(ref_bands[scale + 1], ref.shape)
            mean_cs = _weighted_mean(cs, information_weights(ref, dist, parent))
        index *= max(mean_cs, 0.0) ** (IW_SSIM_WEIGHTS[scale] / weight_sum)
    return float(index)
