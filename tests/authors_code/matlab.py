"""MATLAB built-ins as the authors' code calls them, transcribed from MATLAB's documentation.

``conv2(A, K, 'same')`` is the centre of the full convolution: for a kernel of k rows it
starts at row ``floor(k/2)`` (0-based) of the full result, which SciPy's ``'same'`` does
not for even k. ``imfilter`` correlates (it does not flip the kernel) and pads with 0,
``'symmetric'`` (SciPy ``reflect``) or ``'replicate'`` (``nearest``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from scipy.signal import convolve2d

Array = NDArray[np.float64]


def conv2_same(image: Array, kernel: Array) -> Array:
    """MATLAB ``conv2(image, kernel, 'same')``."""
    full = convolve2d(image, kernel, mode="full")
    top, left = kernel.shape[0] // 2, kernel.shape[1] // 2
    return np.asarray(full[top : top + image.shape[0], left : left + image.shape[1]])


def filter2_same(kernel: Array, image: Array) -> Array:
    """MATLAB ``filter2(kernel, image, 'same')``: correlation, ``conv2`` with the kernel
    rotated by 180 degrees."""
    return conv2_same(image, np.rot90(kernel, 2))


def imfilter(
    image: Array,
    kernel: Array,
    padding: Literal["zero", "symmetric", "replicate", "circular"] = "zero",
    shape: Literal["same", "full", "valid"] = "same",
) -> Array:
    """MATLAB ``imfilter(image, kernel, padding, shape, 'corr')`` on a 2-D double image."""
    if shape != "same":
        raise NotImplementedError(shape)
    mode = {"zero": "constant", "symmetric": "reflect", "replicate": "nearest", "circular": "wrap"}
    # MATLAB centres a kernel of k taps at floor((k + 1) / 2) (1-based); SciPy's origin 0
    # centres it at k // 2 (0-based): the same tap for odd k, one earlier for even k.
    origin = [(-1 if size % 2 == 0 else 0) for size in kernel.shape]
    return np.asarray(ndimage.correlate(image, kernel, mode=mode[padding], cval=0.0, origin=origin))


def fspecial_average(size: int) -> Array:
    """MATLAB ``fspecial('average', size)``."""
    return np.full((size, size), 1.0 / (size * size))


def fspecial_gaussian(size: int, sigma: float) -> Array:
    """MATLAB ``fspecial('gaussian', size, sigma)``: sampled, then normalised to sum 1."""
    half = (size - 1) / 2.0
    y, x = np.mgrid[-half : half + 1, -half : half + 1]
    kernel = np.exp(-(x * x + y * y) / (2.0 * sigma * sigma))
    kernel[kernel < np.finfo(np.float64).eps * kernel.max()] = 0
    return np.asarray(kernel / kernel.sum())


def matlab_round(values: Array) -> Array:
    """MATLAB ``round``: halves away from zero (NumPy rounds them to even)."""
    return np.asarray(np.sign(values) * np.floor(np.abs(values) + 0.5))


def rgb2gray(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """MATLAB ``rgb2gray`` on uint8: 0.298936021293775 R + 0.587043074451121 G +
    0.114020904255103 B (the inverse of the NTSC matrix's first row), rounded."""
    weights = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])
    return matlab_round(image.astype(np.float64) @ weights).astype(np.uint8)
