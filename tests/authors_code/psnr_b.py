"""PSNR-B as the paper defines it, equation by equation: the reference for
``imgsim.metrics.classic.psnr_b``.

Source: C. Yim, A. C. Bovik, "Quality assessment of deblocked images", IEEE Transactions
on Image Processing 20(1), 88-98, 2011, Section III. The authors published no code, so
this module transcribes the paper's definitions (the sets of neighbouring pixel pairs,
their counts, D_B, D_B^C, the blocking effect factor BEF, MSE-B and PSNR-B), in the
paper's notation: an image of N_H columns and N_V rows, blocks of B x B pixels (B = 8,
one block size: BEF_Tot = BEF). Plain loops over the pairs, as the sets are written.

The paper's counts ``N_HB = N_V (N_H / B - 1)`` assume that B divides N_H; the count
used here is that of the set ``H_B`` itself (the pairs across the vertical block
boundaries x = B, 2B, ... < N_H), which is the same number when B divides N_H and the
size of the set that is summed over when it does not.
"""

# ruff: noqa: N802, N803, N806 -- the paper's own names, kept as they are

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def BEF(y: Array, B: int = 8) -> float:
    """The blocking effect factor ``BEF(y)`` of one gray image ``y`` (rows x columns)."""
    N_V, N_H = y.shape
    # H: horizontally neighbouring pairs (y[r, c], y[r, c + 1]), c = 0 .. N_H - 2; H_B:
    # those across a block boundary, i.e. (c + 1) a multiple of B; H_B^C = H - H_B.
    sum_HB = sum_HBc = 0.0
    N_HB = N_HBc = 0
    for c in range(N_H - 1):
        squared = float(np.sum((y[:, c] - y[:, c + 1]) ** 2))
        if (c + 1) % B == 0:
            sum_HB += squared
            N_HB += N_V
        else:
            sum_HBc += squared
            N_HBc += N_V
    # V, V_B, V_B^C: the same for vertically neighbouring pairs.
    sum_VB = sum_VBc = 0.0
    N_VB = N_VBc = 0
    for r in range(N_V - 1):
        squared = float(np.sum((y[r, :] - y[r + 1, :]) ** 2))
        if (r + 1) % B == 0:
            sum_VB += squared
            N_VB += N_H
        else:
            sum_VBc += squared
            N_VBc += N_H
    # D_B(y) = (sum over H_B + sum over V_B) / (N_HB + N_VB)
    D_B = (sum_HB + sum_VB) / (N_HB + N_VB)
    # D_B^C(y) = (sum over H_B^C + sum over V_B^C) / (N_HBc + N_VBc)
    D_Bc = (sum_HBc + sum_VBc) / (N_HBc + N_VBc)
    # eta = log2(B) / log2(min(N_H, N_V)) if D_B(y) > D_B^C(y), else 0
    eta = math.log2(B) / math.log2(min(N_H, N_V)) if D_Bc < D_B else 0.0
    # BEF(y) = eta [D_B(y) - D_B^C(y)]
    return eta * (D_B - D_Bc)


def PSNR_B(x: Array, y: Array) -> float:
    """``PSNR-B(x, y)``: x the reference, y the test (deblocked or distorted) image."""
    # MSE(x, y) = (1 / (N_H N_V)) sum (x_i - y_i)^2
    MSE = float(np.mean((x - y) ** 2))
    # MSE-B(x, y) = MSE(x, y) + BEF_Tot(y); one block size, BEF_Tot = BEF
    MSE_B = MSE + BEF(y)
    if MSE_B == 0:
        return math.inf
    # PSNR-B(x, y) = 10 log10(255^2 / MSE-B(x, y))
    return 10 * math.log10(255**2 / MSE_B)
