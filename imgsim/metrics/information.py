"""Information-fidelity metrics: how much of the reference's information the image keeps.

References
----------
H. R. Sheikh, A. C. Bovik, "Image information and visual quality", IEEE Transactions on
Image Processing 15(2), 430-444, 2006.
The authors' pixel-domain code: ``vifp_mscale.m`` of the LIVE ``vifp_release``
(Laboratory for Image and Video Engineering, The University of Texas at Austin, 2005).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from imgsim.metrics.pair_inputs import checked_pair, luma

VIFP_SIGMA_NSQ = 2.0
"""Variance of the visual noise, ``sigma_nsq = 2`` in ``vifp_mscale.m``."""
VIFP_SCALES = 4
VIFP_EPS = 1e-10
"""The guard ``1e-10`` of ``vifp_mscale.m`` on the variances and the gain."""
VIFP_MIN_SIDE = 41
"""The smallest side on which every scale's window fits: 41 px leave 3 x 3 at scale 4.

Under it MATLAB's ``filter2(..., 'valid')`` returns an empty matrix at the coarsest
scales, which then silently add nothing to the sums: a different index, not a smaller
version of the same one (piq also refuses 32 x 32).
"""


def _window_taps(scale: int) -> NDArray[np.float64]:
    """One axis of ``fspecial('gaussian', N, N/5)``, ``N = 2^(4 - scale + 1) + 1``.

    ``fspecial`` samples ``exp(-(x² + y²) / 2σ²)`` and divides by its sum, which is the
    outer product of this normalised 1-D kernel with itself (no tap falls under
    ``fspecial``'s ``eps`` cut-off: the smallest corner is ``exp(-64/23.1) ≈ 0.06`` of the
    centre at N = 17).
    """
    size = 2 ** (VIFP_SCALES - scale + 1) + 1
    sigma = size / 5.0
    offsets = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    taps = np.exp(-(offsets * offsets) / (2.0 * sigma * sigma))
    return np.asarray(taps / taps.sum(), dtype=np.float64)


def _filter_valid(image: NDArray[np.float64], taps: NDArray[np.float64]) -> NDArray[np.float64]:
    """``filter2(win, image, 'valid')`` for the separable ``win = taps' * taps``.

    OpenCV correlates with the kernel's centre on each pixel (the kernel is symmetric, so
    correlation and convolution agree); cropping the radius on each side keeps the
    pixels whose whole window lies inside the image, where the border rule plays no part.
    """
    radius = (taps.size - 1) // 2
    filtered = cv2.sepFilter2D(
        np.ascontiguousarray(image), cv2.CV_64F, taps, taps, borderType=cv2.BORDER_REFLECT
    )
    height, width = image.shape
    return np.asarray(filtered[radius : height - radius, radius : width - radius])


def _scale_information(
    ref: NDArray[np.float64], dist: NDArray[np.float64], taps: NDArray[np.float64]
) -> tuple[float, float]:
    """The information kept at one scale and the reference's own, summed over windows.

    The steps and guards are those of ``vifp_mscale.m``, in its order: the gain ``g`` and
    the distortion variance ``sv_sq`` of the model ``dist = g ref + v``, then the
    information ``log10(1 + g² σ₁² / (σ_v² + σ_n²))`` against ``log10(1 + σ₁² / σ_n²)``.
    """
    mu1 = _filter_valid(ref, taps)
    mu2 = _filter_valid(dist, taps)
    sigma1_sq = _filter_valid(ref * ref, taps) - mu1 * mu1
    sigma2_sq = _filter_valid(dist * dist, taps) - mu2 * mu2
    sigma12 = _filter_valid(ref * dist, taps) - mu1 * mu2

    sigma1_sq = np.maximum(sigma1_sq, 0.0)
    sigma2_sq = np.maximum(sigma2_sq, 0.0)
    g = sigma12 / (sigma1_sq + VIFP_EPS)
    sv_sq = sigma2_sq - g * sigma12

    flat_ref = sigma1_sq < VIFP_EPS
    g[flat_ref] = 0.0
    sv_sq[flat_ref] = sigma2_sq[flat_ref]
    sigma1_sq[flat_ref] = 0.0
    flat_dist = sigma2_sq < VIFP_EPS
    g[flat_dist] = 0.0
    sv_sq[flat_dist] = 0.0
    negative_gain = g < 0
    sv_sq[negative_gain] = sigma2_sq[negative_gain]
    g[negative_gain] = 0.0
    sv_sq = np.maximum(sv_sq, VIFP_EPS)

    kept = np.log10(1.0 + g * g * sigma1_sq / (sv_sq + VIFP_SIGMA_NSQ))
    own = np.log10(1.0 + sigma1_sq / VIFP_SIGMA_NSQ)
    return float(kept.sum()), float(own.sum())


def vifp(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    r"""Pixel-domain visual information fidelity (VIFp) of ``image_a`` against ``image_b``.

    The information about the reference that the image still carries, as a fraction of
    the information in the reference itself, modelled per Gaussian window at four scales:

    .. math::

        \mathrm{VIF_p} = \frac{\sum_{s,j} \log_{10}\!\left(1 + g_{s,j}^2\, \sigma_{1,s,j}^2
        / (\sigma_{v,s,j}^2 + \sigma_n^2)\right)}
        {\sum_{s,j} \log_{10}\!\left(1 + \sigma_{1,s,j}^2 / \sigma_n^2\right)}

    with, in each window ``j`` of scale ``s``, the reference's variance ``σ₁²``, the gain
    ``g = σ₁₂ / σ₁²`` and the residual variance ``σ_v² = σ₂² - g σ₁₂`` of the distorted
    image modelled as ``g · ref + v``.

    Parameters
    ----------
    image_a : ndarray of uint8, H x W or H x W x 3
        The image being judged (distorted, generated): ``dist`` of the authors' code.
    image_b : ndarray of uint8, same shape
        Its reference: ``ref`` of the authors' code.

    Returns
    -------
    float
        Higher is better; 1 for identical images (to 1e-10, the guards); may exceed 1 when
        the image enhances the reference's contrast. Range [0, inf). NaN when the
        reference is flat at every scale, where the index is 0/0 (as in the authors'
        code).

    Notes
    -----
    Fixed as in ``vifp_mscale.m``: four scales, at scale ``s`` a Gaussian window of
    ``N = 2^(4-s+1) + 1`` taps (17, 9, 5, 3) with ``σ = N/5``; every filter is
    ``filter2(..., 'valid')``; before scales 2-4 both images are filtered with that
    scale's window and subsampled by 2 (``x(1:2:end, 1:2:end)``); ``sigma_nsq = 2``; the
    ``1e-10`` guards on flat windows and negative gains, in the authors' order. Data
    range 0-255. RGB images are scored on their unrounded BT.601 luma, gray images as
    they are (the authors' code takes a gray image). Not symmetric: ``vifp(a, b)`` is
    ``vifp_mscale(b, a)``. Images need at least 41 px per side (the 3 x 3 window of
    scale 4). piq's ``vif_p`` departs from the authors in its guards: ``1e-8`` instead
    of ``1e-10``, and ``1e-8`` added to both sums, so that flat images score 1.

    References
    ----------
    H. R. Sheikh, A. C. Bovik, "Image information and visual quality", IEEE TIP 15(2),
    2006; ``vifp_mscale.m``, LIVE, The University of Texas at Austin, 2005.
    """
    a, b = checked_pair(image_a, image_b, "vifp", min_side=VIFP_MIN_SIDE)
    dist = luma(a)
    ref = luma(b)
    kept = own = 0.0
    for scale in range(1, VIFP_SCALES + 1):
        taps = _window_taps(scale)
        if scale > 1:
            ref = _filter_valid(ref, taps)[::2, ::2]
            dist = _filter_valid(dist, taps)[::2, ::2]
        scale_kept, scale_own = _scale_information(ref, dist, taps)
        kept += scale_kept
        own += scale_own
    if own == 0.0:
        return math.nan
    return kept / own
