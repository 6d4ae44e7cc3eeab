"""MS-GMSDc written out plainly from its equations: the reference for
``imgsim.metrics.gradient.ms_gmsd``.

Source: B. Zhang, P. V. Sander, A. Bermak, "Gradient magnitude similarity deviation on
multiple scales for color image quality assessment", ICASSP 2017, 1253-1257
(doi:10.1109/ICASSP.2017.7952357; preprint http://www.cse.ust.hk/~psander/docs/gradsim.pdf).
The authors published no code, and the paper's text could not be read here: the
equations and constants below are those that piq's ``multi_scale_gmsd(...,
chromatic=True)`` (photosynthesis-team/piq, ``piq/gmsd.py``) implements and cites to
the paper ("Values from the paper"), the same as piqa's ``ms_gmsd``
(francois-rozet/piqa) for the luminance part. The single-scale steps are the
authors' ``GMSD.m`` (see :mod:`authors_code.gmsd`), written in the same MATLAB
built-ins, which is what the paper extends:

- colour: YIQ, ``Y = 0.299 R + 0.587 G + 0.114 B``, ``I = 0.5959 R - 0.2746 G -
  0.3213 B``, ``Q = 0.2115 R - 0.5227 G + 0.3112 B``, on 0..255;
- four scales, the first the image itself, each next one ``conv2(x,
  fspecial('average', 2), 'same')`` sampled at ``(1:2:end, 1:2:end)`` (GMSD.m's
  downsampling, which is also what piq's zero-padded 2 x 2 average pooling computes);
- per scale, Prewitt gradients ``dx = [1 0 -1; 1 0 -1; 1 0 -1]/3``, ``dy = dx'``
  (``conv2 'same'``) and the masked similarity ``GMS = ((2 - alpha) m1 m2 + T) /
  (m1^2 + m2^2 - alpha m1 m2 + T)``, alpha = 0.5, T = 170; ``GMSD_j = std2(GMS)``
  (GMSD.m's ``std2``, normalised by N - 1; piq divides by N);
- ``MS-GMSD = sqrt(sum_j w_j GMSD_j^2)``, w = (0.096, 0.596, 0.289, 0.019);
- chroma: ``C = sqrt(RMSE(I1, I2)^2 + RMSE(Q1, Q2)^2)`` on the coarsest scale (piq
  reads I and Q after its scale loop, so at the last scale), ``gamma = 2 / (1 + beta2
  exp(-beta3 MS-GMSD)) - 1`` and ``MS-GMSDc = gamma MS-GMSD + (1 - gamma) beta1 C``,
  beta1 = 0.01, beta2 = 0.32, beta3 = 15.

``scales`` below four uses the first ``scales`` weights renormalised to sum 1 (what
imgsim does for images too small for all four scales).
"""

# ruff: noqa: N802, N803, N806 -- the names of GMSD.m and of the paper's symbols

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .gmsd import std2
from .matlab import conv2_same, fspecial_average

Array = NDArray[np.float64]


def rgb2yiq(image: Array) -> tuple[Array, Array, Array]:
    """Y, I and Q planes of an RGB image (H x W x 3, 0..255)."""
    R, G, B = image[:, :, 0], image[:, :, 1], image[:, :, 2]
    Y = 0.299 * R + 0.587 * G + 0.114 * B
    I = 0.5959 * R - 0.2746 * G - 0.3213 * B  # noqa: E741
    Q = 0.2115 * R - 0.5227 * G + 0.3112 * B
    return Y, I, Q


def downsample(x: Array) -> Array:
    """``aveX = conv2(X, fspecial('average',2),'same'); X = aveX(1:2:end,1:2:end);``"""
    aveX = conv2_same(x, fspecial_average(2))
    return aveX[::2, ::2]


def GMSD_alpha(Y1: Array, Y2: Array, alpha: float, T: float) -> float:
    """One scale: GMSD.m's gradients and ``std2``, with the masked similarity."""
    dx = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=np.float64) / 3
    dy = dx.T
    gradientMap1 = np.sqrt(conv2_same(Y1, dx) ** 2 + conv2_same(Y1, dy) ** 2)
    gradientMap2 = np.sqrt(conv2_same(Y2, dx) ** 2 + conv2_same(Y2, dy) ** 2)
    quality_map = ((2 - alpha) * gradientMap1 * gradientMap2 + T) / (
        gradientMap1**2 + gradientMap2**2 - alpha * gradientMap1 * gradientMap2 + T
    )
    return std2(quality_map)


def MS_GMSDc(image_dis: Array, image_ref: Array, scales: int = 4) -> float:
    """MS-GMSDc of a distorted RGB image against its reference (both H x W x 3, 0..255)."""
    weights = np.array([0.096, 0.596, 0.289, 0.019])[:scales]
    weights = weights / weights.sum()
    alpha, T = 0.5, 170.0
    beta1, beta2, beta3 = 0.01, 0.32, 15.0

    Y1, I1, Q1 = rgb2yiq(image_ref)
    Y2, I2, Q2 = rgb2yiq(image_dis)
    gmsd_per_scale = []
    for scale in range(scales):
        if scale > 0:
            Y1, I1, Q1 = downsample(Y1), downsample(I1), downsample(Q1)
            Y2, I2, Q2 = downsample(Y2), downsample(I2), downsample(Q2)
        gmsd_per_scale.append(GMSD_alpha(Y1, Y2, alpha, T))
    ms_gmsd = float(np.sqrt(np.sum(weights * np.array(gmsd_per_scale) ** 2)))

    rmse_I = np.sqrt(np.mean((I1 - I2) ** 2))
    rmse_Q = np.sqrt(np.mean((Q1 - Q2) ** 2))
    C = np.sqrt(rmse_I**2 + rmse_Q**2)
    gamma = 2 / (1 + beta2 * np.exp(-beta3 * ms_gmsd)) - 1
    return float(gamma * ms_gmsd + (1 - gamma) * beta1 * C)
