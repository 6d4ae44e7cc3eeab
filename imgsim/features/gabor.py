"""Gabor texture: a bank of 4 frequencies x 6 orientations on the working image.

The feature is the texture descriptor of Manjunath & Ma (1996): the mean and the
standard deviation of the magnitude of each filter's complex response. The kernels
are exactly those of ``skimage.filters.gabor_kernel`` (bandwidth one octave,
``n_stds=3``, no phase offset), and each response equals ``skimage.filters.gabor``'s
(``scipy.ndimage.convolve`` of the image with the kernel's real and imaginary parts,
``mode="reflect"``), computed for the whole bank at once by FFT.

References
----------
B. S. Manjunath and W. Y. Ma, "Texture features for browsing and retrieval of image
data", IEEE Trans. PAMI 18(8), 1996. scikit-image, ``skimage/filters/_gabor.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from imgsim.features.spec import FeatureSpec
from imgsim.images import luma

FREQUENCIES = (0.05, 0.1, 0.2, 0.4)
"""Centre frequencies in cycles per pixel, one octave apart. With a bandwidth of one
octave the half-magnitude band of frequency f is [2f/3, 4f/3] (a Gaussian about f whose
ends are an octave apart), so neighbouring bands touch and the bank covers 0.033 to
0.53 cycles/pixel without gaps: 0.4 and 0.2 hold the fine detail that blur removes, 0.05 (a 20-pixel
wavelength, some 13 periods across a 256-pixel working image) the coarse layout that
swirl bends. A lower octave (0.025) would need a 137 x 137 kernel, half the image."""
THETAS = tuple(k * math.pi / 6 for k in range(6))
"""Orientations 0, π/6, …, 5π/6 (π would repeat 0 with its response conjugated)."""
FILTERS = tuple((frequency, theta) for frequency in FREQUENCIES for theta in THETAS)
"""The bank's 24 filters in feature order: frequency slowest, orientation fastest."""
DIM = 2 * len(FILTERS)
BANDWIDTH = 1.0
"""Half-magnitude bandwidth of each filter, in octaves (scikit-image's default)."""
N_STDS = 3
"""The kernel extends 3 standard deviations of its Gaussian envelope each way."""
OFFSET = 0
"""Phase offset of the harmonic. Added as scikit-image adds it, so that a phase of −0.0
becomes +0.0 there too and the kernels agree to the sign of zero."""


def _sigma_prefactor(bandwidth: float) -> float:
    """σ · frequency for a bandwidth in octaves (scikit-image's ``_sigma_prefactor``)."""
    octaves: float = 2.0**bandwidth
    return 1.0 / math.pi * math.sqrt(math.log(2) / 2.0) * (octaves + 1) / (octaves - 1)


@lru_cache(maxsize=64)
def gabor_kernel(frequency: float, theta: float) -> NDArray[np.complex128]:
    """The complex Gabor kernel of ``skimage.filters.gabor_kernel(frequency, theta)``.

    A Gaussian envelope of standard deviation σ = ``_sigma_prefactor(1) / frequency``
    (both axes) times the complex harmonic ``exp(2πi · frequency · x')``, x' the
    coordinate along ``theta``, normalised by ``1 / (2π σ²)``; sampled on the integer
    grid out to ``n_stds = 3`` standard deviations. The same operations in the same
    order as scikit-image, so the values are identical bit for bit. The array is
    cached and read-only.
    """
    sigma_x = sigma_y = _sigma_prefactor(BANDWIDTH) / frequency
    ct = math.cos(theta)
    st = math.sin(theta)
    x0 = math.ceil(max(abs(N_STDS * sigma_x * ct), abs(N_STDS * sigma_y * st), 1))
    y0 = math.ceil(max(abs(N_STDS * sigma_y * ct), abs(N_STDS * sigma_x * st), 1))
    y, x = np.meshgrid(np.arange(-y0, y0 + 1), np.arange(-x0, x0 + 1), indexing="ij", sparse=True)
    rotx = x * ct + y * st
    roty = -x * st + y * ct
    kernel = np.empty(roty.shape, dtype=np.complex128)
    np.exp(
        -0.5 * (rotx**2 / sigma_x**2 + roty**2 / sigma_y**2)
        + 1j * (2 * np.pi * frequency * rotx + OFFSET),
        out=kernel,
    )
    kernel *= 1 / (2 * np.pi * sigma_x * sigma_y)
    kernel.setflags(write=False)
    return kernel


def bank_radius() -> tuple[int, int]:
    """The largest kernel half-height and half-width of the bank: the padding needed."""
    shapes = [gabor_kernel(frequency, theta).shape for frequency, theta in FILTERS]
    return max(rows for rows, _ in shapes) // 2, max(cols for _, cols in shapes) // 2


def frequency_radius(frequency: float) -> tuple[int, int]:
    """The largest kernel half-height and half-width of one frequency's filters: the
    padding its responses need."""
    shapes = [gabor_kernel(frequency, theta).shape for theta in THETAS]
    return max(rows for rows, _ in shapes) // 2, max(cols for _, cols in shapes) // 2


@lru_cache(maxsize=8)
def _frequency_spectra(frequency: float, rows: int, cols: int) -> NDArray[np.complex64]:
    """The 2-D DFTs (6, rows, cols) of one frequency's kernels, each centred on pixel (0, 0).

    A kernel of half-size r put at indices -r … r modulo the transform size makes the
    circular convolution equal, away from the wrap, to ``scipy.ndimage.convolve`` with
    it (the kernel's centre element at ``shape // 2``, as ndimage places it). Cached
    for the last two image sizes (four frequencies each), read-only: 14 MB for a
    256 x 256 image.
    """
    import scipy.fft

    spectra = np.empty((len(THETAS), rows, cols), dtype=np.complex64)
    for index, theta in enumerate(THETAS):
        kernel = gabor_kernel(frequency, theta)
        half_rows, half_cols = kernel.shape[0] // 2, kernel.shape[1] // 2
        placed = np.zeros((rows, cols), dtype=np.complex128)
        row_index = np.arange(-half_rows, half_rows + 1) % rows
        col_index = np.arange(-half_cols, half_cols + 1) % cols
        placed[np.ix_(row_index, col_index)] = kernel
        spectra[index] = scipy.fft.fft2(placed, overwrite_x=True)
    spectra.setflags(write=False)
    return spectra


def _as_float_gray(gray: NDArray[np.generic]) -> NDArray[np.float32]:
    """A 2-D image as float32: ``uint8`` scaled to [0, 1], floats as they are."""
    if gray.ndim != 2:
        raise ValueError(f"gray must be a 2-D array, got shape {gray.shape}")
    if gray.dtype == np.uint8:
        return gray.astype(np.float32) / np.float32(255)
    if gray.dtype.kind != "f":
        raise ValueError(f"gray must be uint8 or floating point, got dtype {gray.dtype}")
    return gray.astype(np.float32, copy=False)


def gabor_responses(gray: NDArray[np.generic]) -> NDArray[np.complex64]:
    """Complex responses (24, H, W) of the bank to a gray image, in :data:`FILTERS` order.

    Response ``k`` is ``real + 1j * imag`` of ``skimage.filters.gabor(image, frequency,
    theta)`` (within float32 rounding), where ``image`` is ``gray / 255`` for a
    ``uint8`` image and ``gray`` itself for a float one: the scale changes the feature
    by a constant factor only, and [0, 1] keeps the float32 responses within 1e-6 of
    the exact ones.

    How: for each frequency, the image is padded on each side by its kernels' largest
    radius with ``numpy.pad(mode="symmetric")`` (the edge pixel repeated, which is
    ``scipy.ndimage``'s ``"reflect"``); one FFT of it times the cached spectra of the
    kernels, a batched inverse FFT, and the centre H x W of each. The padding is wide
    enough that the circular wrap never reaches the centre, so the
    responses match ``ndimage.convolve`` up to the border as well. Over 200x faster
    than 24 calls of ``skimage.filters.gabor`` on a 256 x 256 image
    (``bench/bench_features.py``).
    """
    image = _as_float_gray(gray)
    responses = np.empty((len(FILTERS), *image.shape), dtype=np.complex64)
    per_block = len(THETAS)
    for index, block in enumerate(_response_blocks(image)):
        responses[index * per_block : (index + 1) * per_block] = block
    return responses


def gabor_features(gray: NDArray[np.generic]) -> NDArray[np.float32]:
    """The 48-d texture vector of a gray image (see :func:`gabor_responses` for scale).

    For each filter in :data:`FILTERS` order (frequency slowest, orientation fastest)
    the mean and then the population standard deviation of the response magnitude
    ``|real + i·imag|``, interleaved as Manjunath & Ma write the vector:
    ``[μ₀, σ₀, μ₁, σ₁, …, μ₂₃, σ₂₃]``. Both statistics are accumulated in float64.
    """
    statistics: list[NDArray[np.float64]] = []
    for block in _response_blocks(_as_float_gray(gray)):
        magnitude = np.abs(block).reshape(len(block), -1)
        mean = magnitude.mean(axis=1, dtype=np.float64)
        std = magnitude.std(axis=1, dtype=np.float64)
        statistics.append(np.stack([mean, std], axis=1))
    return np.concatenate(statistics).reshape(-1).astype(np.float32)


def _response_blocks(image: NDArray[np.float32]) -> Iterator[NDArray[np.complex64]]:
    """The responses (6, H, W) of one frequency's filters after another.

    Each frequency pads the image by its own kernels' radius only (4 pixels at 0.4,
    34 at 0.05), so the transforms of the fine scales stay small; and a block at a
    time bounds the memory beside the cached spectra to one frequency's transforms.
    """
    import scipy.fft

    height, width = image.shape
    for frequency in FREQUENCIES:
        pad_rows, pad_cols = frequency_radius(frequency)
        padded = np.pad(image, ((pad_rows, pad_rows), (pad_cols, pad_cols)), mode="symmetric")
        rows = scipy.fft.next_fast_len(padded.shape[0])
        cols = scipy.fft.next_fast_len(padded.shape[1])
        spectrum = scipy.fft.fft2(padded, s=(rows, cols))
        product = _frequency_spectra(frequency, rows, cols) * spectrum
        block: NDArray[np.complex64] = scipy.fft.ifft2(product, axes=(-2, -1), overwrite_x=True)
        yield block[:, pad_rows : pad_rows + height, pad_cols : pad_cols + width]


SPECS: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="gabor",
        kind="vector",
        version=2,
        default_distance="euclidean",
        summary="Mean and standard deviation of the response magnitudes of 24 Gabor filters "
        "(4 frequencies x 6 orientations) on the gray working image: texture at each scale "
        "and orientation.",
        use_when="texture: fine detail, blur, oriented structure, whatever the colours",
        uses=("size", "crop"),
        dim=lambda p: DIM,
        work_side=lambda p: None,
        needs_color=True,
        compute=lambda image, p, reduced: gabor_features(luma(image)),
        working=True,
    ),
)
