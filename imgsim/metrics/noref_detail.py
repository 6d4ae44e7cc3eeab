"""No-reference measures of an image's fine detail: sharpness, cleanvision's blur score,
the wavelet noise estimate and JPEG blockiness.

They flag blurred, noisy and over-compressed outputs without a reference. Gray-level
measures read :func:`~imgsim.metrics.pair_inputs.gray8` (MATLAB ``rgb2gray``), except
``blur``, which follows cleanvision's own Pillow pipeline so that its values are
cleanvision's.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from imgsim.metrics.classic import PSNR_B_BLOCK, PSNR_B_MIN_SIDE, _neighbour_sums
from imgsim.metrics.noref_levels import gray_histogram
from imgsim.metrics.pair_inputs import checked_image, gray8

BLUR_MAX_RESOLUTION = 64
"""cleanvision's ``MAX_RESOLUTION_FOR_BLURRY_DETECTION``: the longer side it scores at."""
BLUR_NORMALIZING_FACTOR = 0.01
"""cleanvision's default ``normalizing_factor`` of the blurry check."""
BLUR_COLOR_THRESHOLD = 0.18
"""cleanvision's default ``color_threshold``: histogram-spread scores up to it count 0."""
BLUR_THRESHOLD = 0.29
"""cleanvision flags an image as blurry when its score is under 0.29."""

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


def sharpness(image: NDArray[np.uint8]) -> float:
    r"""Variance of the Laplacian of the gray image (Pech-Pacheco et al. 2000).

    .. math::

        \Delta g = g * \begin{bmatrix} 0 & 1 & 0 \\ 1 & -4 & 1 \\ 0 & 1 & 0
        \end{bmatrix}, \qquad S = \frac{1}{N} \sum_i (\Delta g_i - \overline{\Delta g})^2

    Parameters
    ----------
    image : ndarray of uint8, H x W or H x W x 3
        Read as :func:`gray8`.

    Returns
    -------
    float
        In squared gray levels, [0, 16 · 255²] (a one-pixel checkerboard). Higher is
        sharper: 0 for a flat image, about 2 for a photograph blurred with σ = 4 px,
        9 (a smooth retina scan) to 5000 (grass) for sharp photographs, far more for
        noise (about 49000 for uniform noise, "sharp" by this measure).

    Notes
    -----
    OpenCV's ``Laplacian(ksize=1)``, that kernel, with OpenCV's default border
    ``BORDER_REFLECT_101`` (``gfedcb|abcdefgh|gfedcba``, SciPy's ``'mirror'``): every
    pixel, borders included, is scored. The Laplacian is taken in int16 (exact) and
    its variance from exact integer sums. The value depends on the image size (a
    downscaled image is sharper per pixel).

    References
    ----------
    J. L. Pech-Pacheco, G. Cristóbal, J. Chamorro-Martínez, J. Fernández-Valdivia,
    "Diatom autofocusing in brightfield microscopy: a comparative study", ICPR 2000,
    vol. 3, 314-317.
    """
    gray = gray8(checked_image(image, "image"))
    laplacian = cv2.Laplacian(gray, cv2.CV_16S, ksize=1)
    count = laplacian.size
    total = round(cv2.sumElems(laplacian)[0])
    square_total = round(cv2.norm(laplacian, cv2.NORM_L2SQR))
    return (count * square_total - total * total) / (count * count)


def _find_edges(gray: NDArray[np.uint8]) -> NDArray[np.int32]:
    """Pillow's ``ImageFilter.FIND_EDGES`` of a gray image: the 3 x 3 kernel of -1
    around 8, clipped to [0, 255], on interior pixels; border pixels (and images
    under 3 px a side) are copied unfiltered, as Pillow does."""
    edges = gray.astype(np.int32)
    if min(gray.shape) < 3:
        return edges
    box = cv2.boxFilter(edges.astype(np.float64), -1, (3, 3), normalize=False)
    # The 3 x 3 sum of integers is exact in float64; 9 g - sum = 8 g - the 8 neighbours.
    response = 9 * edges[1:-1, 1:-1] - box[1:-1, 1:-1].astype(np.int32)
    edges[1:-1, 1:-1] = np.clip(response, 0, 255)
    return edges


def blur(image: NDArray[np.uint8]) -> float:
    r"""cleanvision's blurry score: 1 - exp of the edge strength at 64 px, plus its
    histogram-spread term (cleanvision 0.3.7, ``BlurrinessProperty``).

    .. math::

        b = \sqrt{\mathrm{Var}(\mathrm{FIND\_EDGES}(g))}, \quad
        s = \mathrm{std}(\mathrm{hist}_{256}(g)), \quad
        \mathrm{score} = \min\left(1 - e^{-0.01 b} + [1 - e^{-0.01 s}]_{> 0.18}, 1\right)

    where ``g`` is the image shrunk by Pillow (bicubic) so that its longer side is
    64 px (``max(int(W // r), 1) x max(int(H // r), 1)``, ``r = max(W, H) / 64``;
    smaller images as they are), then converted to Pillow's ``"L"``, and
    ``[x]_{> 0.18}`` is ``x`` when above 0.18 and 0 otherwise.

    Parameters
    ----------
    image : ndarray of uint8, H x W or H x W x 3
        RGB or gray; shrunk before its conversion to gray, as cleanvision does.

    Returns
    -------
    float
        [0, 1], higher is sharper (less blurry); cleanvision flags an image as blurry
        under 0.29 (:data:`BLUR_THRESHOLD`). The histogram term lifts images with few
        distinct levels (flat, posterised) out of "blurry": cleanvision reports those
        as low-information instead.

    Notes
    -----
    Equal to cleanvision's per-image computation with its default parameters
    (``normalizing_factor`` 0.01, ``color_threshold`` 0.18), which needs no other
    image of the dataset. Pillow does the shrinking and the conversion (its
    fixed-point bicubic filter and ``L = (19595 R + 38470 G + 7471 B + 2^15) >> 16``,
    not :func:`gray8`); the edge filter and statistics are computed here as Pillow's
    ``FIND_EDGES`` and ``ImageStat`` do. Pillow's shrinking of a 1024 x 768 RGB image is
    most of this metric's cost (4-5 ms, its horizontal pass: 65 taps per output). An
    exact transcription of that pass (float32 block products of the split fixed-point
    weights, all partial sums integers under 2^24) measured no faster, and its
    ``reducing_gap`` shortcut changes the score (by up to 0.012 on 50 photographs).

    References
    ----------
    cleanvision 0.3.7 (Cleanlab, Apache-2.0),
    ``src/cleanvision/issue_managers/image_property.py`` (``calc_blurriness``,
    ``calc_std_grayscale``, ``BlurrinessProperty.calculate`` and ``get_scores``),
    ``image_property_issue_manager.py`` (default parameters), ``utils/constants.py``.
    """
    pixels = checked_image(image, "image")
    picture = Image.fromarray(pixels)
    width, height = picture.size
    ratio = max(width, height) / BLUR_MAX_RESOLUTION
    if ratio > 1:
        picture = picture.resize((max(int(width // ratio), 1), max(int(height // ratio), 1)))
    gray = np.asarray(picture.convert("L"))
    edges = _find_edges(gray)
    count = edges.size
    edge_sum = int(edges.sum())
    edge_square_sum = int(np.sum(edges * edges))
    # ImageStat's variance, in its own float operations: (sum2 - sum ** 2.0 / n) / n.
    variance = (edge_square_sum - edge_sum**2.0 / count) / count
    # NumPy's exp, as cleanvision's (it can differ from math.exp in the last bit).
    blur_score = 1.0 - float(np.exp(-1 * np.sqrt(variance) * BLUR_NORMALIZING_FACTOR))
    spread = np.std(gray_histogram(gray))
    spread_score = 1.0 - float(np.exp(-1 * spread * BLUR_NORMALIZING_FACTOR))
    if spread_score <= BLUR_COLOR_THRESHOLD:
        spread_score = 0.0
    return min(blur_score + spread_score, 1.0)


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


def blockiness(image: NDArray[np.uint8]) -> float:
    r"""JPEG blocking: how much stronger the steps across the 8 x 8 block boundaries are
    than those inside blocks, ``D_B / D_B^C`` of Yim & Bovik (2011).

    .. math::

        \mathrm{blockiness} = \frac{D_B}{D_B^C}

    ``D_B`` is the mean squared difference of horizontally or vertically neighbouring
    pixels that straddle a block boundary (pixels ``8k - 1`` and ``8k`` of a row or a
    column, from the top-left corner), ``D_B^C`` that of all other neighbouring pairs.

    Parameters
    ----------
    image : ndarray of uint8, H x W or H x W x 3, at least 9 x 9
        Read as :func:`gray8`.

    Returns
    -------
    float
        [0, inf], lower is better: about 1 without blocking (boundaries like any other
        place), above 1 as compression makes the block grid visible. On the nine
        photographs of the tests (OpenCV's JPEG), medians 1.03 at quality 95, 1.6 at
        50, 3.3 at 10, 5.7 at 5 (up to 27 on smooth images). 1 for a flat image (no
        steps at all); inf when only the block boundaries have steps.

    Notes
    -----
    Yim & Bovik's blocking effect factor ``BEF = η (D_B - D_B^C)`` (the penalty of
    PSNR-B, :func:`imgsim.metrics.classic.psnr_b`) is in squared gray levels, so it
    grows with the image's texture; their ratio is the same comparison without units,
    so one threshold holds across images. The grid is that of an image decoded as it
    was encoded: a crop that moves it by a few pixels hides the blocking from this
    measure. Block size 8, as the paper and JPEG; the sums are PSNR-B's.

    References
    ----------
    C. Yim, A. C. Bovik, "Quality assessment of deblocked images", IEEE Transactions on
    Image Processing 20(1), 88-98, 2011 (Sec. III, Eqs. for D_B and D_B^C).
    """
    gray = gray8(checked_image(image, "image"))
    rows, columns = gray.shape
    if min(rows, columns) < PSNR_B_MIN_SIDE:
        raise ValueError(
            f"blockiness needs images of at least {PSNR_B_MIN_SIDE}x{PSNR_B_MIN_SIDE} "
            f"pixels, got {columns}x{rows}"
        )
    block = PSNR_B_BLOCK
    all_sum, boundary_sum = _neighbour_sums(gray.astype(np.float32), block)
    boundary_pairs = rows * ((columns - 1) // block) + columns * ((rows - 1) // block)
    inner_pairs = rows * (columns - 1) + columns * (rows - 1) - boundary_pairs
    inner_sum = all_sum - boundary_sum
    if inner_sum == 0.0:
        return 1.0 if boundary_sum == 0.0 else math.inf
    return float((boundary_sum / boundary_pairs) / (inner_sum / inner_pairs))
