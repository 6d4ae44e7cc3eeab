"""MDSI: the mean deviation similarity index (Nafchi et al. 2016).

Computed as the authors' ``MDSI.m`` does, step for step, with OpenCV's separable
filters in place of MATLAB's ``conv2`` and real arithmetic in place of MATLAB's complex
powers; see :func:`mdsi`.

References
----------
H. Z. Nafchi, A. Shahkolaei, R. Hedjam, M. Cheriet, "Mean Deviation Similarity Index:
Efficient and Reliable Full-Reference Image Quality Evaluator", IEEE Access 4,
pp. 5579-5590, 2016, doi:10.1109/ACCESS.2016.2604042. The authors' MATLAB code:
``MDSI.m``, MATLAB File Exchange 59809.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from imgsim.metrics.pair_inputs import checked_pair, matlab_downsample, matlab_factor, rgb

MDSI_C1 = 140.0
"""The constant of the gradient similarity of reference and distorted image."""
MDSI_C2 = 55.0
"""The constant of the gradient similarities with the fused image."""
MDSI_C3 = 550.0
"""The constant of the chromaticity similarity."""
MDSI_ALPHA = 0.6
"""The weight of the gradient term in the ``'sum'`` combination."""
MDSI_MIN_SIDE = 3
"""The 3 x 3 Prewitt filters must fit the image (it is downsampled only from 384 px on,
and then to at least 192 px)."""

LHM = np.array(
    [
        [0.2989, 0.5870, 0.1140],
        [0.30, 0.04, -0.35],
        [0.34, -0.60, 0.17],
    ]
)
"""RGB to luminance L and the opponent colours H and M, as ``MDSI.m`` writes them."""

_PREWITT_SMOOTH = np.full(3, 1.0 / 3.0)
# MATLAB's conv2 flips dx = [1 0 -1; ...]/3; correlating with its flipped row keeps the
# sign of the authors' derivatives (only their magnitudes enter the index).
_PREWITT_DERIVATIVE = np.array([-1.0, 0.0, 1.0])
_ROOT_HALF = math.sqrt(0.5)

_Plane = NDArray[np.float64]


def _gradients(luminance: _Plane) -> tuple[_Plane, _Plane]:
    """``conv2(L, dx, 'same')`` and ``conv2(L, dy, 'same')``, zeros outside the image."""
    plane = np.ascontiguousarray(luminance)
    ix = cv2.sepFilter2D(
        plane,
        cv2.CV_64F,
        _PREWITT_DERIVATIVE,
        _PREWITT_SMOOTH,
        borderType=cv2.BORDER_CONSTANT,
    )
    iy = cv2.sepFilter2D(
        plane,
        cv2.CV_64F,
        _PREWITT_SMOOTH,
        _PREWITT_DERIVATIVE,
        borderType=cv2.BORDER_CONSTANT,
    )
    return np.asarray(ix, dtype=np.float64), np.asarray(iy, dtype=np.float64)


def _similarity(a: _Plane, b: _Plane, constant: float) -> _Plane:
    return np.asarray((2.0 * a * b + constant) / (a * a + b * b + constant))


def _gradient_chromaticity_similarity(reference: _Plane, distorted: _Plane) -> _Plane:
    """``GCS = alpha * GS_HVS + (1 - alpha) * CS`` of two downsampled H x W x 3 images."""
    lhm_ref = reference @ LHM.T
    lhm_dist = distorted @ LHM.T
    ix_ref, iy_ref = _gradients(lhm_ref[:, :, 0])
    ix_dist, iy_dist = _gradients(lhm_dist[:, :, 0])
    g_ref = np.hypot(ix_ref, iy_ref)
    g_dist = np.hypot(ix_dist, iy_dist)
    # The fused image F = (L1 + L2) / 2 enters only through its gradient, which is the
    # mean of the two gradients (conv2 is linear): no third pair of filters.
    g_fused = np.hypot(0.5 * (ix_ref + ix_dist), 0.5 * (iy_ref + iy_dist))
    gs_hvs = (
        _similarity(g_ref, g_dist, MDSI_C1)
        + _similarity(g_dist, g_fused, MDSI_C2)
        - _similarity(g_ref, g_fused, MDSI_C2)
    )
    h_ref, m_ref = lhm_ref[:, :, 1], lhm_ref[:, :, 2]
    h_dist, m_dist = lhm_dist[:, :, 1], lhm_dist[:, :, 2]
    # MDSI.m sums the denominator as H1² + H2² + M1² + M2²; grouped per image it is
    # exactly the numerator for identical images, so CS = 1 and MDSI = 0 exactly
    # (in MATLAB's order CS is 1 ± 1e-16, which the three fourth roots lift to 4e-5).
    chroma_ref = h_ref * h_ref + m_ref * m_ref
    chroma_dist = h_dist * h_dist + m_dist * m_dist
    cs = (2.0 * (h_ref * h_dist + m_ref * m_dist) + MDSI_C3) / (chroma_ref + chroma_dist + MDSI_C3)
    return np.asarray(MDSI_ALPHA * gs_hvs + (1.0 - MDSI_ALPHA) * cs)


def _deviation_pooling(gcs: _Plane) -> float:
    """``mad((GCS(:) .^ 0.5) .^ 0.5) ^ 0.25`` in real arithmetic.

    MATLAB makes the root of a negative GCS complex: the principal fourth root,
    ``|GCS|^(1/4) e^(i pi/4)``. Its real and imaginary parts are kept apart here, and
    ``mad`` (the mean absolute deviation, MATLAB's default) is the mean distance of
    those points from their mean in the complex plane.
    """
    root = np.sqrt(np.sqrt(np.abs(gcs)))
    negative = gcs < 0
    real = np.where(negative, root * _ROOT_HALF, root)
    imaginary = np.where(negative, root * _ROOT_HALF, 0.0)
    deviation = np.hypot(real - real.mean(), imaginary - imaginary.mean())
    return math.sqrt(math.sqrt(float(np.mean(deviation))))


def mdsi(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    r"""Mean deviation similarity index (Nafchi et al. 2016); ``image_a`` is judged
    against the reference ``image_b``.

    A gradient similarity that also compares both images with their fused mean, and a
    chromaticity similarity, summed per pixel and pooled by their mean deviation:

    .. math::

        \mathrm{GCS} = \alpha\,(GS_{RD} + GS_{DF} - GS_{RF}) + (1 - \alpha)\,CS,
        \qquad
        \mathrm{MDSI} = \Big(\operatorname{mean}_x \big|\mathrm{GCS}(x)^{1/4}
            - \operatorname{mean}_y \mathrm{GCS}(y)^{1/4}\big|\Big)^{1/4},

    with :math:`GS_{XY} = (2 g_X g_Y + C) / (g_X^2 + g_Y^2 + C)` on Prewitt gradient
    magnitudes of the luminance L of the reference R, the distorted image D and their
    fusion F = (L_R + L_D) / 2 (C1 for RD, C2 for the others), and
    :math:`CS = (2 (H_R H_D + M_R M_D) + C_3) / (H_R^2 + H_D^2 + M_R^2 + M_D^2 + C_3)`.
    Fourth roots of a negative GCS are complex (principal branch), as in the authors'
    code.

    Parameters
    ----------
    image_a : ndarray of uint8
        The judged (distorted, generated) image, H x W x 3 RGB or H x W gray (copied to
        three channels, since ``MDSI.m`` reads three).
    image_b : ndarray of uint8
        Its reference, of the same shape. Each side at least 3 px (:data:`MDSI_MIN_SIDE`).

    Returns
    -------
    float
        Lower is better, 0 for identical images. Never above ``1.6 ** (1 / 16)``
        (about 1.03, from :math:`|\mathrm{GCS}| < 1.6`); real pairs score about 0.1-0.5.

    Notes
    -----
    Parameters fixed as in the authors' ``MDSI.m`` (``MDSI(Ref, Dist)``, here
    ``mdsi(Dist, Ref)``), with its default ``'sum'`` combination: C1 = 140, C2 = 55,
    C3 = 550, alpha = 0.6, the L, H, M weights :data:`LHM`, Prewitt ``dx = [1 0 -1;
    1 0 -1; 1 0 -1] / 3`` with ``conv2(..., 'same')`` (zeros outside the image), the
    deviation pooling ``mad((GCS .^ 0.5) .^ 0.5) ^ 0.25`` (a fourth root inside, the
    mean absolute deviation, a fourth root outside), after the downsampling
    ``F = max(1, round(min(M, N) / 256))``, ``conv2(x, fspecial('average', F), 'same')``,
    ``x(1:F:end, 1:F:end)``. Not symmetric: the fused image moves with the distortion,
    and ``GS_DF - GS_RF`` changes sign when the images swap.

    Ports: piq (``piq.mdsi``) takes the same steps and constants (its zero-padded
    ``avg_pool2d`` is the same block average), in float32 on images scaled to [0, 1].

    References
    ----------
    H. Z. Nafchi, A. Shahkolaei, R. Hedjam, M. Cheriet, "Mean Deviation Similarity Index:
    Efficient and Reliable Full-Reference Image Quality Evaluator", IEEE Access 4, 2016.
    Authors' code: ``MDSI.m``, MATLAB File Exchange 59809.
    """
    a, b = checked_pair(image_a, image_b, "mdsi", min_side=MDSI_MIN_SIDE)
    factor = matlab_factor(a.shape[0], a.shape[1])
    reference = matlab_downsample(rgb(b), factor)
    distorted = matlab_downsample(rgb(a), factor)
    return _deviation_pooling(_gradient_chromaticity_similarity(reference, distorted))
