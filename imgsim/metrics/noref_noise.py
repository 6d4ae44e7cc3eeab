"""The wavelet noise estimate of one image (Donoho & Johnstone), as scikit-image's
``estimate_sigma`` computes it: the median absolute value of the finest diagonal
Daubechies-2 detail band of the gray image (MATLAB ``rgb2gray``), over the normal
quartile.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from imgsim.metrics.pair_inputs import checked_image, gray8

DB2_DEC_HI = (
    -0.48296291314453416,
    0.8365163037378079,
    -0.2241438680420134,
    -0.12940952255126037,
)
"""The Daubechies-2 decomposition high-pass filter, as PyWavelets stores it
(``pywt.Wavelet('db2').dec_hi``), applied as ``sum_j h[j] x[i - j]``."""
DB2_TAPS = len(DB2_DEC_HI)
NORMAL_QUARTILE = 0.6744897501960817
"""``scipy.stats.norm.ppf(0.75)``: the median of |N(0, 1)|, the MAD's scale to sigma."""
MEDIAN_SAMPLE = 2048
"""Size of the sample whose quantiles bracket the median of the noise estimate."""


def _db2_high_pass(values: NDArray[np.float64], axis: int) -> NDArray[np.float64]:
    """PyWavelets' ``dwt`` detail coefficients of ``db2`` along ``axis``, bit for bit:
    ``'symmetric'`` extension (``… x1 x0 | x0 x1 … | xn-1 xn-2 …``), the full
    convolution ``sum_j h[j] x[i - j]`` sampled at ``i = 1, 3, 5, …`` (``(n + 3) // 2``
    outputs), its terms added in PyWavelets' order (ascending ``j``, except at the
    right border, where its C loop adds the extended terms first)."""
    even = values[(slice(None),) * axis + (slice(0, None, 2),)]
    odd = values[(slice(None),) * axis + (slice(1, None, 2),)]
    return _db2_split_high_pass(even, odd, axis)


def _db2_split_high_pass(
    even: NDArray[np.floating | np.uint8], odd: NDArray[np.floating | np.uint8], axis: int
) -> NDArray[np.float64]:
    """:func:`_db2_high_pass` of the signal whose samples ``x0, x2, …`` are ``even`` and
    ``x1, x3, …`` are ``odd`` along ``axis``, in float64 (uint8 samples are read as
    they are: each product is one rounding of the exact ``h[j] x``, as in float64).

    With the samples split, every term of the interior outputs is a unit-stride slice,
    so that NumPy runs its vector loops along either axis."""
    size = even.shape[axis] + odd.shape[axis]
    outputs = (size + DB2_TAPS - 1) // 2
    shape = list(even.shape)
    shape[axis] = outputs
    result = np.empty(shape, dtype=np.float64)
    # Views with the transformed axis first; the output keeps the input's memory
    # layout, so that NumPy walks both in memory order.
    split = (np.moveaxis(even, axis, 0), np.moveaxis(odd, axis, 0))
    out = np.moveaxis(result, axis, 0)

    def sample(index: int) -> NDArray[np.floating | np.uint8]:
        return np.asarray(split[index % 2][index // 2])

    # Output o is sum_j h[j] x[2o + 1 - j]: x[2o + 1], x[2o], x[2o - 1], x[2o - 2], that
    # is odd[o], even[o], odd[o - 1], even[o - 1]; for 1 <= o < size // 2 all four are
    # inside the signal. Output 0 reads x1 x0 | x0 x1 (the mirrored x[-1], x[-2]).
    inside = size // 2
    interior = out[1:inside]
    term = np.empty_like(interior)
    operands = (
        split[1][1:inside],
        split[0][1:inside],
        split[1][: inside - 1],
        split[0][: inside - 1],
    )
    np.multiply(DB2_DEC_HI[0], operands[0], out=interior, dtype=np.float64)
    for tap in range(1, DB2_TAPS):
        np.multiply(DB2_DEC_HI[tap], operands[tap], out=term, dtype=np.float64)
        np.add(interior, term, out=interior)
    first = [sample(1), sample(0), sample(0), sample(1)]
    column = DB2_DEC_HI[0] * first[0]
    for tap in range(1, DB2_TAPS):
        column = column + DB2_DEC_HI[tap] * first[tap]
    out[0] = column
    # Extended sample e (size <= e <= size + 2) is x[2 size - 1 - e].
    for output in range(inside, outputs):
        centre = 2 * output + 1
        beyond = centre - size
        order = [*range(beyond, -1, -1), *range(beyond + 1, DB2_TAPS)]
        samples = [centre - tap for tap in order]
        indices = [e if e < size else 2 * size - 1 - e for e in samples]
        column = DB2_DEC_HI[order[0]] * sample(indices[0])
        for tap, index in zip(order[1:], indices[1:], strict=True):
            column = column + DB2_DEC_HI[tap] * sample(index)
        out[output] = column
    return result


def _db2_diagonal(gray: NDArray[np.uint8]) -> NDArray[np.float64]:
    """``pywt.dwtn(gray.astype(np.float64), 'db2')['dd']``, bit for bit: the high pass
    along axis 0, then along axis 1, on the gray levels split into the four polyphase
    components (even and odd rows and columns), so that the float64 copy of the image
    is never made and both passes read unit-stride slices."""
    columns = (gray[:, 0::2], gray[:, 1::2])
    even_columns, odd_columns = (
        _db2_split_high_pass(part[0::2], part[1::2], axis=0) for part in columns
    )
    return _db2_split_high_pass(even_columns, odd_columns, axis=1)


def _median_of_nonzero(values: NDArray[np.float64]) -> float:
    """``np.median(values[values != 0])`` of non-negative values, exactly, or 0.0 when
    every value is 0.

    The zeros are the smallest values, so the nonzero median is the mean of the order
    statistics ``zeros + (m - 1) // 2`` and ``zeros + m // 2`` of all values (``m``
    nonzero ones), NumPy's ``(a + b) / 2``. They are selected in a window of values
    bracketed by a sorted sample's quantiles (a full ``np.partition`` takes 1.7 ms on
    200k values, the window 0.2 ms), and by a full partition when the window misses
    them, so the result never depends on the sample."""
    flat = values.reshape(-1)
    size = flat.size
    zeros = size - int(np.count_nonzero(flat))
    nonzero = size - zeros
    if nonzero == 0:
        return 0.0
    ranks = [zeros + (nonzero - 1) // 2, zeros + nonzero // 2]
    chosen = _order_statistics(flat, ranks)
    return float((chosen[0] + chosen[1]) / 2)


def _order_statistics(flat: NDArray[np.float64], ranks: list[int]) -> NDArray[np.float64]:
    """The values of ``np.sort(flat)`` at the two ``ranks`` (ascending), exactly."""
    size = flat.size
    if size > MEDIAN_SAMPLE * 8:
        step = size // MEDIAN_SAMPLE
        sample = np.sort(flat[::step])
        # 4 standard deviations of a sample quantile's rank (binomial) on each side.
        spread = 4 * math.sqrt(sample.size) / 2 + 1
        position = ranks[0] / size * sample.size
        low = sample[max(int(position - spread), 0)]
        high = sample[min(int(position + spread) + 1, sample.size - 1)]
        below = int(np.count_nonzero(flat < low))
        window = flat[(flat >= low) & (flat <= high)]
        if below <= ranks[0] and ranks[1] < below + window.size:
            offsets = [rank - below for rank in ranks]
            return np.partition(window, offsets)[offsets]
    return np.partition(flat, ranks)[ranks]


def noise(image: NDArray[np.uint8]) -> float:
    r"""Noise standard deviation estimated from the finest diagonal wavelet band
    (Donoho & Johnstone 1994), in gray levels.

    .. math::

        \hat\sigma = \frac{\operatorname{median}_{d \ne 0} |d|}{\Phi^{-1}(0.75)}

    over the nonzero coefficients ``d`` of the ``'dd'`` band of a one-level ``db2``
    wavelet transform of the gray levels ``gray8(image)`` (0-255, in float64).

    Parameters
    ----------
    image : ndarray of uint8, H x W or H x W x 3, at least 4 x 4
        Read as :func:`gray8`.

    Returns
    -------
    float
        The σ of additive Gaussian noise in gray levels (0-255 scale), [0, ~180]:
        about 0.5-3 for clean photographs, the σ itself for added noise. Lower is
        cleaner. 0 when the band has no nonzero coefficient (a flat image).

    Notes
    -----
    ``skimage.restoration.estimate_sigma(gray8(image), channel_axis=None)`` (scikit-image
    0.26 transforms the uint8 levels as they are), with PyWavelets'
    ``dwtn(x, 'db2')['dd']`` (default mode ``'symmetric'``, rows first, then columns)
    computed here with the same operations in the same order, so that the coefficients
    that scikit-image drops as exactly zero are the same. On the float image
    ``img_as_float(gray8(image))`` scikit-image drops other coefficients (its rounding
    differs), and 255 times its value is within about 1% of this one. scikit-image
    returns NaN where no coefficient is nonzero; this returns 0. Images need 4 px a side
    (the filter's length).

    The test for zero is exact, as scikit-image's: in a flat area the four taps of db2
    cancel only up to rounding (coefficients of order 1e-30 remain), so an image that is
    mostly flat (a JPEG of very low quality, a flat-filled generation) estimates close to
    0. Read it with ``flat_fraction`` and ``blockiness``, not alone.

    References
    ----------
    D. L. Donoho, I. M. Johnstone, "Ideal spatial adaptation by wavelet shrinkage",
    Biometrika 81(3), 425-455, 1994 (Sec. 4.2); scikit-image
    ``skimage/restoration/_denoise.py`` (``estimate_sigma``, ``_sigma_est_dwt``).
    """
    gray = gray8(checked_image(image, "image"))
    if min(gray.shape) < DB2_TAPS:
        raise ValueError(
            f"noise needs images of at least {DB2_TAPS}x{DB2_TAPS} pixels, "
            f"got {gray.shape[1]}x{gray.shape[0]}"
        )
    diagonal = _db2_diagonal(gray)
    magnitudes = np.abs(diagonal, out=diagonal)
    return _median_of_nonzero(magnitudes) / NORMAL_QUARTILE
