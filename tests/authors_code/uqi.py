"""The authors' ``img_qi.m``, transcribed line by line into NumPy: the reference for
``imgsim.metrics.classic.uqi``.

Source: Z. Wang, A. C. Bovik, "A universal image quality index", IEEE Signal Processing
Letters 9(3), 81-84, 2002; MATLAB code by Zhou Wang, version 1.0 (LIVE, The University
of Texas at Austin, 2001), as released on the author's quality-index page
(https://ece.uwaterloo.ca/~z70wang/research/quality_index/, earlier at
cns.nyu.edu/~zwang), read in a verbatim copy that keeps its 2001 copyright header
(``img_qi.m``, ``function [quality, quality_map] = img_qi(img1, img2, block_size)``:
img1 the original, img2 the test image, gray, double). Every line of the function body is
transcribed below, in order, under the MATLAB line it stands for. The argument checks
that return ``-Inf`` (``nargin``, unequal sizes) have no counterpart: callers pass two
images of equal size, as imgsim checks before it scores.
"""

# ruff: noqa: N806 -- the MATLAB code's own names, kept as they are

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .vifp import filter2_valid

Array = NDArray[np.float64]


def img_qi(img1: Array, img2: Array, block_size: int = 8) -> tuple[float, Array]:
    """``[quality, quality_map] = img_qi(img1, img2, block_size)``; block_size 8 by
    default (``if (nargin == 2) block_size = 8; end``)."""
    # N = block_size.^2;
    N = block_size**2
    # sum2_filter = ones(block_size);
    sum2_filter = np.ones((block_size, block_size))

    # img1_sq   = img1.*img1;
    img1_sq = img1 * img1
    # img2_sq   = img2.*img2;
    img2_sq = img2 * img2
    # img12 = img1.*img2;
    img12 = img1 * img2

    # img1_sum   = filter2(sum2_filter, img1, 'valid');
    img1_sum = filter2_valid(sum2_filter, img1)
    # img2_sum   = filter2(sum2_filter, img2, 'valid');
    img2_sum = filter2_valid(sum2_filter, img2)
    # img1_sq_sum = filter2(sum2_filter, img1_sq, 'valid');
    img1_sq_sum = filter2_valid(sum2_filter, img1_sq)
    # img2_sq_sum = filter2(sum2_filter, img2_sq, 'valid');
    img2_sq_sum = filter2_valid(sum2_filter, img2_sq)
    # img12_sum = filter2(sum2_filter, img12, 'valid');
    img12_sum = filter2_valid(sum2_filter, img12)

    # img12_sum_mul = img1_sum.*img2_sum;
    img12_sum_mul = img1_sum * img2_sum
    # img12_sq_sum_mul = img1_sum.*img1_sum + img2_sum.*img2_sum;
    img12_sq_sum_mul = img1_sum * img1_sum + img2_sum * img2_sum
    # numerator = 4*(N*img12_sum - img12_sum_mul).*img12_sum_mul;
    numerator = 4 * (N * img12_sum - img12_sum_mul) * img12_sum_mul
    # denominator1 = N*(img1_sq_sum + img2_sq_sum) - img12_sq_sum_mul;
    denominator1 = N * (img1_sq_sum + img2_sq_sum) - img12_sq_sum_mul
    # denominator = denominator1.*img12_sq_sum_mul;
    denominator = denominator1 * img12_sq_sum_mul

    # quality_map = ones(size(denominator));
    quality_map = np.ones(denominator.shape)
    # index = (denominator1 == 0) & (img12_sq_sum_mul ~= 0);
    index = (denominator1 == 0) & (img12_sq_sum_mul != 0)
    # quality_map(index) = 2*img12_sum_mul(index)./img12_sq_sum_mul(index);
    quality_map[index] = 2 * img12_sum_mul[index] / img12_sq_sum_mul[index]
    # index = (denominator ~= 0);
    index = denominator != 0
    # quality_map(index) = numerator(index)./denominator(index);
    quality_map[index] = numerator[index] / denominator[index]

    # quality = mean2(quality_map);
    quality = float(np.mean(quality_map))
    return quality, quality_map
