"""The authors' ``GMSD.m``, transcribed line by line into NumPy: the reference for
``imgsim.metrics.gradient.gmsd``.

Source: W. Xue, L. Zhang, X. Mou, A. C. Bovik, "Gradient Magnitude Similarity
Deviation: A Highly Efficient Perceptual Image Quality Index", IEEE TIP 23(2), 2014;
MATLAB code from the authors' page http://www4.comp.polyu.edu.hk/~cslzhang/IQA/GMSD/GMSD.htm
(``GMSD.m``, ``function [score, quality_map] = GMSD(Y1, Y2)``: Y1 the reference, Y2
the distorted image, both gray, double, 0..255). Every line of the function body is
transcribed below, in order, under the MATLAB line it stands for; nothing is missing.
"""

# ruff: noqa: N802, N803, N806 -- the MATLAB code's own names, kept as they are

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .matlab import conv2_same, fspecial_average

Array = NDArray[np.float64]


def std2(values: Array) -> float:
    """MATLAB ``std2(A)``: ``std(A(:))``, which normalises by N - 1."""
    return float(np.std(values.ravel(), ddof=1))


def GMSD(Y1: Array, Y2: Array) -> tuple[float, Array]:
    """``[score, quality_map] = GMSD(Y1, Y2)``: Y1 the reference, Y2 the distorted image."""
    # T = 170;
    T = 170
    # Down_step = 2;
    Down_step = 2
    # dx = [1 0 -1; 1 0 -1; 1 0 -1]/3;
    dx = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=np.float64) / 3
    # dy = dx';
    dy = dx.T

    # aveKernel = fspecial('average',2);
    aveKernel = fspecial_average(2)
    # aveY1 = conv2(Y1, aveKernel,'same');
    aveY1 = conv2_same(Y1, aveKernel)
    # aveY2 = conv2(Y2, aveKernel,'same');
    aveY2 = conv2_same(Y2, aveKernel)
    # Y1 = aveY1(1:Down_step:end,1:Down_step:end);
    Y1 = aveY1[::Down_step, ::Down_step]
    # Y2 = aveY2(1:Down_step:end,1:Down_step:end);
    Y2 = aveY2[::Down_step, ::Down_step]

    # IxY1 = conv2(Y1, dx, 'same');
    IxY1 = conv2_same(Y1, dx)
    # IyY1 = conv2(Y1, dy, 'same');
    IyY1 = conv2_same(Y1, dy)
    # gradientMap1 = sqrt(IxY1.^2 + IyY1.^2);
    gradientMap1 = np.sqrt(IxY1**2 + IyY1**2)

    # IxY2 = conv2(Y2, dx, 'same');
    IxY2 = conv2_same(Y2, dx)
    # IyY2 = conv2(Y2, dy, 'same');
    IyY2 = conv2_same(Y2, dy)
    # gradientMap2 = sqrt(IxY2.^2 + IyY2.^2);
    gradientMap2 = np.sqrt(IxY2**2 + IyY2**2)

    # quality_map = (2*gradientMap1.*gradientMap2 + T) ./(gradientMap1.^2+gradientMap2.^2 + T);
    quality_map = (2 * gradientMap1 * gradientMap2 + T) / (gradientMap1**2 + gradientMap2**2 + T)
    # score = std2(quality_map);
    score = std2(quality_map)
    return score, quality_map
