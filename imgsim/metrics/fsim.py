"""FSIM and FSIMc: feature similarity from phase congruency and gradient magnitude.

FSIM compares two images where the eye looks for structure: at each pixel it
multiplies the similarity of the two phase congruency maps (edges and lines whatever
their contrast) with the similarity of the two gradient magnitudes (the contrast of
that structure), and averages that product weighted by the larger of the two phase
congruencies, so that flat regions hardly count. FSIMc multiplies in the similarity
of the I and Q chroma channels of YIQ.

Everything follows the authors' ``FeatureSIM.m`` (FSIM version 1.0, "with automatic
downsampling"); the ports depart from it as follows, and imgsim does not:

- piq (``piq.fsim``) and pyiqa (``fsim``, chromatic by default, i.e. FSIMc) average-pool
  by F (windows ``[0, F)`` of the image) instead of ``conv2(x, ones(F)/F^2, 'same')``
  sampled at ``1:F:end`` (windows one pixel before to ``F/2`` after, zero outside),
  and compute F with Python's ``round``, which rounds halves to even: F = 2 for a
  shorter side of 640 px, where MATLAB's ``round(2.5)`` gives 3;
- they take ``torch.median``, the lower of the two middle values, where MATLAB's
  ``median`` averages them; they add machine epsilon instead of ``epsilon = 1e-4`` to
  the norm of the mean phase vector, and add it to the phase congruency's numerator
  and denominator as well;
- they convert to YIQ with ``0.5959, -0.2746, -0.3213 / 0.2115, -0.5227, 0.3112``
  where FeatureSIM.m uses ``0.596, -0.274, -0.322 / 0.211, -0.523, 0.312``;
- they raise ``|S_I S_Q|`` to ``lambda`` where FeatureSIM.m takes
  ``real((S_I S_Q) .^ lambda)``, which for a negative product (chroma of opposite
  signs) is ``|S_I S_Q|^lambda cos(lambda pi)``.

References
----------
L. Zhang, L. Zhang, X. Mou, D. Zhang, "FSIM: A Feature Similarity Index for Image
Quality Assessment", IEEE TIP 20(8), 2378-2386, 2011.
``FeatureSIM.m``, https://www4.comp.polyu.edu.hk/~cslzhang/IQA/FSIM/FSIM.htm
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from imgsim.metrics.pair_inputs import checked_pair, luma, matlab_downsample, matlab_factor, rgb
from imgsim.metrics.phase_congruency import MIN_SIDE, phase_congruency

FSIM_MIN_SIDE = MIN_SIDE
"""2: Kovesi's frequency grid divides by ``cols - 1`` for an odd side, 0 for a side of 1.
Images of up to 383 px are scored at full size (F = 1), so this is the input's size."""

T1 = 0.85
"""Stabiliser of the phase congruency similarity (PC in [0, 1])."""
T2 = 160.0
"""Stabiliser of the gradient magnitude similarity (gradients of a 0-255 image)."""
T3 = T4 = 200.0
"""Stabilisers of the I and Q chroma similarities."""
LAMBDA = 0.03
"""Exponent of the chroma similarity in FSIMc."""

_SCHARR_X = np.array([[3.0, 0.0, -3.0], [10.0, 0.0, -10.0], [3.0, 0.0, -3.0]]) / 16
"""FeatureSIM.m's ``dx``; ``dy`` is its transpose. ``conv2`` flips a kernel and
``cv2.filter2D`` does not, which changes the gradient's sign, not its magnitude."""
_YIQ = np.array(
    [[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], dtype=np.float64
)
"""FeatureSIM.m's RGB to Y, I, Q weights (rows)."""


def _gradient_magnitude(image: NDArray[np.float64]) -> NDArray[np.float64]:
    """``sqrt(conv2(Y, dx, 'same').^2 + conv2(Y, dy, 'same').^2)``, zero outside."""
    gx = cv2.filter2D(image, cv2.CV_64F, _SCHARR_X, borderType=cv2.BORDER_CONSTANT)
    gy = cv2.filter2D(image, cv2.CV_64F, _SCHARR_X.T, borderType=cv2.BORDER_CONSTANT)
    return np.asarray(np.sqrt(gx * gx + gy * gy), dtype=np.float64)


def _similarity(
    map_a: NDArray[np.float64], map_b: NDArray[np.float64], stabiliser: float
) -> NDArray[np.float64]:
    """``(2 a b + T) / (a^2 + b^2 + T)``: 1 where the maps agree."""
    return np.asarray(
        (2 * map_a * map_b + stabiliser) / (map_a**2 + map_b**2 + stabiliser), dtype=np.float64
    )


def _luma_similarity(
    luma_a: NDArray[np.float64], luma_b: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """FSIM's similarity map ``S_PC * S_G`` of two downsampled lumas, and its weights
    ``PC_m = max(PC_a, PC_b)``."""
    pc_a, pc_b = phase_congruency(luma_a), phase_congruency(luma_b)
    gradient = _similarity(_gradient_magnitude(luma_a), _gradient_magnitude(luma_b), T2)
    return gradient * _similarity(pc_a, pc_b, T1), np.maximum(pc_a, pc_b)


def _pooled(similarity: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    """``sum(S .* PC_m) / sum(PC_m)``. Where neither image has any phase congruency
    (flat images), FeatureSIM.m divides 0 by 0; the mean of ``S`` is taken instead, the
    limit of equal weights, so that identical images score 1."""
    total = float(np.sum(weights))
    if total == 0.0:
        return float(np.mean(similarity))
    return float(np.sum(similarity * weights) / total)


def fsim(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    r"""Feature similarity index (FSIM) of the luma: phase congruency and gradient.

    .. math::

        \mathrm{FSIM} = \frac{\sum_x S_{PC}(x)\, S_G(x)\, PC_m(x)}{\sum_x PC_m(x)},
        \quad S_{PC} = \frac{2 PC_a PC_b + T_1}{PC_a^2 + PC_b^2 + T_1},
        \quad S_G = \frac{2 G_a G_b + T_2}{G_a^2 + G_b^2 + T_2}

    with :math:`PC_m = \max(PC_a, PC_b)`, :math:`PC` Kovesi's phase congruency
    (:func:`imgsim.metrics.phase_congruency.phase_congruency`) and :math:`G` the
    gradient magnitude of the Scharr-like kernels ``[3 0 -3; 10 0 -10; 3 0 -3] / 16``.

    Parameters are fixed as in the authors' ``FeatureSIM.m``: ``T1 = 0.85``,
    ``T2 = 160``; the image is first averaged over ``F x F`` and sampled every ``F``
    pixels, ``F = max(1, round(min(rows, cols) / 256))``; an RGB image is read as its
    BT.601 luma ``0.299 R + 0.587 G + 0.114 B``, a gray image as it is.

    Parameters
    ----------
    image_a : ndarray of uint8, shape (H, W) or (H, W, 3)
        The image being judged.
    image_b : ndarray of uint8, same shape
        Its reference. FSIM is symmetric.

    Returns
    -------
    float
        Higher is better; 1 for identical images. In [0, 1]: phase congruency and
        gradient magnitudes are non-negative, so each similarity is in (0, 1].

    Raises
    ------
    ValueError
        Shapes differ, not uint8 gray/RGB, or a side under 2 pixels.

    References
    ----------
    L. Zhang, L. Zhang, X. Mou, D. Zhang, "FSIM: A Feature Similarity Index for Image
    Quality Assessment", IEEE TIP 20(8), 2378-2386, 2011; ``FeatureSIM.m``.
    """
    a, b = checked_pair(image_a, image_b, "fsim", min_side=FSIM_MIN_SIDE)
    factor = matlab_factor(a.shape[0], a.shape[1])
    similarity, weights = _luma_similarity(
        matlab_downsample(luma(a), factor), matlab_downsample(luma(b), factor)
    )
    return _pooled(similarity, weights)


def _chroma_term(
    i_a: NDArray[np.float64],
    i_b: NDArray[np.float64],
    q_a: NDArray[np.float64],
    q_b: NDArray[np.float64],
) -> NDArray[np.float64]:
    """``real((S_I .* S_Q) .^ lambda)``: MATLAB raises a negative double to a fractional
    power in complex numbers, ``|x|^lambda e^{i lambda pi}``, whose real part is
    ``|x|^lambda cos(lambda pi)``."""
    product = _similarity(i_a, i_b, T3) * _similarity(q_a, q_b, T4)
    powered = np.abs(product) ** LAMBDA
    return np.asarray(
        np.where(product < 0, powered * math.cos(LAMBDA * math.pi), powered), dtype=np.float64
    )


def fsimc(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    r"""Feature similarity index with chroma (FSIMc): FSIM times the YIQ chroma similarity.

    .. math::

        \mathrm{FSIM_C} = \frac{\sum_x S_{PC}(x)\, S_G(x)\,
        \mathrm{Re}\left[(S_I(x) S_Q(x))^{\lambda}\right] PC_m(x)}{\sum_x PC_m(x)},
        \quad S_I = \frac{2 I_a I_b + T_3}{I_a^2 + I_b^2 + T_3}

    and :math:`S_Q` alike with :math:`T_4`; :math:`S_{PC}`, :math:`S_G` and
    :math:`PC_m` as in :func:`fsim`, on Y.

    Parameters are fixed as in the authors' ``FeatureSIM.m``: ``T1 = 0.85``,
    ``T2 = 160``, ``T3 = T4 = 200``, ``lambda = 0.03``; Y, I, Q from FeatureSIM.m's
    matrix (``Y = 0.299 R + 0.587 G + 0.114 B``, ``I = 0.596 R - 0.274 G - 0.322 B``,
    ``Q = 0.211 R - 0.523 G + 0.312 B``), each averaged over ``F x F`` and sampled every
    ``F`` pixels as in :func:`fsim`. A gray image is copied to three channels, so that
    I = Q = 0 and FSIMc equals FSIM (FeatureSIM.m's result for gray input).

    Parameters
    ----------
    image_a : ndarray of uint8, shape (H, W, 3) or (H, W)
        The image being judged.
    image_b : ndarray of uint8, same shape
        Its reference. FSIMc is symmetric.

    Returns
    -------
    float
        Higher is better; 1 for identical images. In [0, 1]: ``|S_I|, |S_Q| <= 1``, and
        the chroma term of a negative product is still positive (``cos(0.03 pi)``).

    Raises
    ------
    ValueError
        Shapes differ, not uint8 gray/RGB, or a side under 2 pixels.

    References
    ----------
    L. Zhang, L. Zhang, X. Mou, D. Zhang, "FSIM: A Feature Similarity Index for Image
    Quality Assessment", IEEE TIP 20(8), 2378-2386, 2011; ``FeatureSIM.m``.
    """
    a, b = checked_pair(image_a, image_b, "fsimc", min_side=FSIM_MIN_SIDE)
    factor = matlab_factor(a.shape[0], a.shape[1])
    yiq_a = matlab_downsample(rgb(a) @ _YIQ.T, factor)
    yiq_b = matlab_downsample(rgb(b) @ _YIQ.T, factor)
    similarity, weights = _luma_similarity(
        np.ascontiguousarray(yiq_a[:, :, 0]), np.ascontiguousarray(yiq_b[:, :, 0])
    )
    chroma = _chroma_term(yiq_a[:, :, 1], yiq_b[:, :, 1], yiq_a[:, :, 2], yiq_b[:, :, 2])
    return _pooled(similarity * chroma, weights)
