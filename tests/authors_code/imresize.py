"""MATLAB ``imresize`` as VSI.m's SDSP and SR_SIM.m call it, transcribed plainly: the
reference for ``imgsim.metrics.matlab_resize``.

Source: MATLAB's ``imresize.m`` (Image Processing Toolbox): its local functions
``contributions`` (kernel stretched by ``1/scale`` when shrinking with antialiasing,
the default), ``cubic``, ``triangle``, ``dimensionOrder`` (``[~, order] = sort(scale)``)
and ``resizeAlongDim`` (``imresizemex``: each output pixel the weighted sum of the input
pixels ``indices`` names; ``uint8`` results rounded and saturated). The output size
for a scalar scale is ``ceil(scale * size)``; for a target size, each scale is
``output_size ./ input_size``. Only the paths these metrics take are transcribed:
2-D or per-plane 3-D arrays, 'bicubic' and 'bilinear', antialiasing on.
"""

# ruff: noqa: N803, N806 -- the MATLAB code's own names, kept as they are

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def cubic(x: Array) -> Array:
    """``f = cubic(x)`` of imresize.m."""
    absx = np.abs(x)
    absx2 = absx**2
    absx3 = absx**3
    f = (1.5 * absx3 - 2.5 * absx2 + 1) * (absx <= 1) + (
        -0.5 * absx3 + 2.5 * absx2 - 4 * absx + 2
    ) * ((absx > 1) & (absx <= 2))
    return np.asarray(f)


def triangle(x: Array) -> Array:
    """``f = triangle(x)`` of imresize.m."""
    f = (x + 1) * ((x >= -1) & (x < 0)) + (1 - x) * ((x >= 0) & (x <= 1))
    return np.asarray(f)


def contributions(
    in_length: int, out_length: int, scale: float, kernel_name: str, antialiasing: bool = True
) -> tuple[Array, NDArray[np.int64]]:
    """``[weights, indices] = contributions(...)``; indices 0-based here."""
    kernel, kernel_width = (cubic, 4.0) if kernel_name == "bicubic" else (triangle, 2.0)
    if scale < 1 and antialiasing:
        # h = @(x) scale * kernel(scale * x);
        def h(x: Array) -> Array:
            return scale * kernel(scale * x)

        # kernel_width = kernel_width / scale;
        kernel_width = kernel_width / scale
    else:
        h = kernel
    # x = (1:out_length)';
    x = np.arange(1, out_length + 1, dtype=np.float64)[:, None]
    # u = x/scale + 0.5 * (1 - 1/scale);
    u = x / scale + 0.5 * (1 - 1 / scale)
    # left = floor(u - kernel_width/2);
    left = np.floor(u - kernel_width / 2)
    # P = ceil(kernel_width) + 2;
    P = math.ceil(kernel_width) + 2
    # indices = bsxfun(@plus, left, 0:P-1);
    indices = left + np.arange(P)[None, :]
    # weights = h(bsxfun(@minus, u, indices));
    weights = h(u - indices)
    # weights = bsxfun(@rdivide, weights, sum(weights, 2));
    weights = weights / np.sum(weights, axis=1, keepdims=True)
    # aux = [1:in_length,in_length:-1:1];
    aux = np.concatenate([np.arange(1, in_length + 1), np.arange(in_length, 0, -1)])
    # indices = aux(mod(indices-1,length(aux)) + 1);
    indices_1 = aux[np.mod(indices.astype(np.int64) - 1, len(aux))]
    # kill = find(~any(weights, 1)); weights(:,kill) = []; indices(:,kill) = [];
    keep = np.any(weights != 0, axis=0)
    return weights[:, keep], (indices_1 - 1)[:, keep]


def resize_along_dim(A: Array, dim: int, weights: Array, indices: NDArray[np.int64]) -> Array:
    """``out = resizeAlongDim(in, dim, weights, indices)`` (imresizemex, double)."""
    moved = np.moveaxis(A, dim, 0)
    out = np.zeros((weights.shape[0], *moved.shape[1:]))
    for k in range(weights.shape[0]):
        for j in range(weights.shape[1]):
            out[k] += weights[k, j] * moved[indices[k, j]]
    return np.moveaxis(out, 0, dim)


def imresize(
    A: NDArray[np.float64] | NDArray[np.uint8],
    scale_or_size: float | tuple[int, int],
    method: str = "bicubic",
) -> NDArray[np.float64] | NDArray[np.uint8]:
    """``B = imresize(A, scale)`` or ``B = imresize(A, [rows cols], method)``."""
    in_size = A.shape[:2]
    if isinstance(scale_or_size, tuple):
        output_size = scale_or_size
        scale = (output_size[0] / in_size[0], output_size[1] / in_size[1])
    else:
        scale = (float(scale_or_size), float(scale_or_size))
        output_size = (math.ceil(scale[0] * in_size[0]), math.ceil(scale[1] * in_size[1]))
    # order = dimensionOrder(scale): [~, order] = sort(scale);
    order = sorted((0, 1), key=lambda k: scale[k])
    B = A.astype(np.float64)
    for dim in order:
        weights, indices = contributions(in_size[dim], output_size[dim], scale[dim], method)
        B = resize_along_dim(B, dim, weights, indices)
        if A.dtype == np.uint8:
            # imresizemex writes uint8 output: rounded, saturated
            B = np.clip(np.sign(B) * np.floor(np.abs(B) + 0.5), 0, 255)
    if A.dtype == np.uint8:
        return B.astype(np.uint8)
    return B
