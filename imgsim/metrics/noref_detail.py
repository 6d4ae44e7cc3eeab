"""No-reference measures of an image's fine detail: sharpness, cleanvision's blur score
and JPEG blockiness (the wavelet noise estimate is in :mod:`imgsim.metrics.noref_noise`).

They flag blurred, noisy and over-compressed outputs without a reference. Gray-level
measures read :func:`~imgsim.metrics.pair_inputs.gray8` (MATLAB ``rgb2gray``), except
``blur``, which follows cleanvision's own Pillow pipeline so that its values are
cleanvision's.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

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
PILLOW_PRECISION_BITS = 22
"""Pillow's fixed-point resampling weights: ``PRECISION_BITS = 32 - 8 - 2`` fraction bits."""
SHRINK_MARGIN = 2.0**-9
"""How far from a rounding step :func:`_shrink_rows`' float32 sums must be to be rounded
without the exact check: above their error bound, 1.5e-3 (see there)."""
SHRINK_STRIP_ROWS = 32
"""Rows of each strip that :func:`_shrink_rows` converts to float32 at a time: in cache,
and each product (512 windows of 1024 columns) small."""


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


def _bicubic(x: float) -> float:
    """Pillow's ``bicubic_filter`` (``a = -0.5``), in its own double operations."""
    a = -0.5
    x = -x if x < 0.0 else x
    if x < 1.0:
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1
    if x < 2.0:
        return (((x - 5) * x + 8) * x - 4) * a
    return 0.0


@functools.lru_cache(maxsize=32)
def _bicubic_weights(size: int, out_size: int) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """Pillow's ``precompute_coeffs`` and ``normalize_coeffs_8bpc`` (``Resample.c``) for a
    bicubic resize of ``size`` samples to ``out_size`` over the whole image: each output's
    first input sample and its fixed-point weights, in Pillow's double arithmetic (the
    weights normalised by their sequential sum, then ``(int)(±0.5 + w · 2^22)``)."""
    scale = float(size) / out_size
    filter_scale = max(scale, 1.0)
    support = 2.0 * filter_scale
    inverse = 1.0 / filter_scale
    windows = []
    for output in range(out_size):
        centre = (output + 0.5) * scale
        first = max(int(centre - support + 0.5), 0)
        count = min(int(centre + support + 0.5), size) - first
        weights = [_bicubic((x + first - centre + 0.5) * inverse) for x in range(count)]
        total = 0.0
        for weight in weights:
            total += weight
        if total != 0.0:
            weights = [weight / total for weight in weights]
        one = 1 << PILLOW_PRECISION_BITS
        fixed = tuple(int(-0.5 + w * one) if w < 0 else int(0.5 + w * one) for w in weights)
        windows.append((first, fixed))
    return tuple(windows)


def _window_weights(weights: tuple[int, ...], channels: int) -> NDArray[np.float32]:
    """The matrix that takes a window of ``len(weights)`` samples of ``channels``
    interleaved channels to its ``channels`` weighted sums ``Σ k x / 2^22``."""
    scaled = np.asarray(weights, dtype=np.float64)[:, None] / (1 << PILLOW_PRECISION_BITS)
    return np.kron(scaled, np.eye(channels)).astype(np.float32)


class _RowShrink(NamedTuple):
    """How :func:`_shrink_rows` computes one horizontal pass: the ``inner_count``
    outputs from ``first_inner`` that share the kernel (the first reading columns from
    ``offset``), its ``phases`` (outputs whose windows tile a row), the border outputs,
    the float32 matrices of their weights, and every output's first column and weights
    (zero-padded) for the exact sums."""

    step: int
    first_inner: int
    inner_count: int
    offset: int
    phases: int
    kernel_matrix: NDArray[np.float32]
    border: tuple[int, ...]
    border_matrices: tuple[NDArray[np.float32], ...]
    starts: NDArray[np.intp]
    weights: NDArray[np.float64]


@functools.lru_cache(maxsize=32)
def _row_shrink(columns: int, width: int, channels: int) -> _RowShrink | None:
    """The plan of :func:`_shrink_rows` for ``columns`` to ``width``, or None where it
    does not apply: ``columns`` is not a whole multiple ``s >= 2`` of ``width``, the
    windows of ``4 s`` columns do not tile a row (``width`` not a multiple of 4), or
    the weights are outside its error bound."""
    step = columns // width
    if step * width != columns or step < 2:
        return None
    windows = _bicubic_weights(columns, width)
    centre_first, kernel = windows[width // 2]
    inner = [
        output for output, (first, weights) in enumerate(windows)
        if weights == kernel and first == centre_first + step * (output - width // 2)
    ]  # fmt: skip
    phases = len(kernel) // step
    tiles = phases * step == len(kernel) and width % phases == 0
    largest = max(sum(abs(k) for k in weights) for _, weights in windows)
    if not tiles or inner != list(range(inner[0], inner[-1] + 1)) or largest >= 1.5 * 2**22:
        return None
    border = tuple(output for output in range(width) if output not in inner)
    table = np.zeros((width, max(len(weights) for _, weights in windows)))
    for output, (_, weights) in enumerate(windows):
        table[output, : len(weights)] = weights
    return _RowShrink(
        step=step,
        first_inner=inner[0],
        inner_count=len(inner),
        offset=windows[inner[0]][0],
        phases=phases,
        kernel_matrix=_window_weights(kernel, channels),
        border=border,
        border_matrices=tuple(_window_weights(windows[o][1], channels) for o in border),
        starts=np.array([first for first, _ in windows], dtype=np.intp),
        weights=table,
    )


def _shrink_rows(pixels: NDArray[np.uint8], width: int) -> NDArray[np.uint8] | None:
    """Pillow's horizontal bicubic pass (``ImagingResampleHorizontal_8bpc``) of an
    H x W (x C) image to ``width`` columns, bit for bit, where ``W`` is a whole multiple
    ``s`` of ``width`` (and ``width`` of 4); None otherwise (Pillow then does it).

    With a whole ratio every output but the few at the borders has the same ``4 s``
    weights, and the windows of every fourth output tile the rows: for each of the four
    phases the pass is one matrix product of the image's windows (``H W / (4 s)`` rows
    of ``4 s C`` levels) with the kernel; the border outputs are one small product
    each. It runs in float32 on the weights ``k / 2^22`` (exact: ``|k| < 2^24``): a sum
    ``v`` of at most 64 nonzero products is within ``65 · 2^-24 · 255 Σ|k| / 2^22 <
    1.5 · 10^-3`` of the exact ``S / 2^22`` (``Σ|k| < 1.5 · 2^22``; 1.17 · 2^22 for
    the bicubic kernel), so where ``v ± 2^-9`` (:data:`SHRINK_MARGIN`) round to the
    same level, that level is Pillow's ``clip8((2^21 + S) >> 22)``; the rest (about
    0.5% of the outputs) are summed exactly, in float64 (products under 2^31, sums
    under 2^38)."""
    rows, columns = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    plan = _row_shrink(columns, width, channels)
    if plan is None:
        return None
    levels_of = pixels.reshape(rows, columns, channels)
    line, span = columns * channels, plan.phases * plan.step * channels
    per_row = width // plan.phases
    # The windows of one phase start every 4 s columns, so that those of all the rows
    # of a strip are one matrix (the last of a row may run into the next row: it is a
    # border output, computed afterwards). The strip buffer is reused: fresh memory
    # costs more than the arithmetic.
    sums = np.empty((rows, width, channels), dtype=np.float32)
    phased = sums.reshape(rows * per_row, plan.phases, channels)
    strip_rows = min(SHRINK_STRIP_ROWS, rows)
    strip = np.empty(strip_rows * line, dtype=np.float32)
    item = strip.itemsize
    for top in range(0, rows, strip_rows):
        levels = strip[: min(strip_rows, rows - top) * line]
        np.copyto(levels, pixels.reshape(-1)[top * line :][: levels.size], casting="unsafe")
        # The windows of the four phases as one stack of matrices, one product each.
        found = (levels.size - (plan.offset + plan.step * (plan.phases - 1)) * channels) // span
        stack = np.lib.stride_tricks.as_strided(
            levels[plan.offset * channels :],
            shape=(plan.phases, found, span),
            strides=(plan.step * channels * item, span * item, item),
            writeable=False,
        )
        products = np.matmul(stack, plan.kernel_matrix)
        for phase in range(plan.phases):
            # Window j of the strip is output first_inner + phase + 4 j of its rows.
            shift, place = divmod(plan.first_inner + phase, plan.phases)
            target = phased[top * per_row + shift :][:found, place]
            target[...] = products[phase, : len(target)]
    for output, matrix in zip(plan.border, plan.border_matrices, strict=True):
        first = int(plan.starts[output])
        window = levels_of[:, first : first + matrix.shape[0] // channels].reshape(rows, -1)
        sums[:, output] = window.astype(np.float32) @ matrix
    # OpenCV rounds to the nearest level and saturates to 0-255.
    flat_sums = sums.reshape(rows, width * channels)
    low = cv2.addWeighted(flat_sums, 1.0, flat_sums, 0.0, -SHRINK_MARGIN, dtype=cv2.CV_8U)
    high = cv2.addWeighted(flat_sums, 1.0, flat_sums, 0.0, SHRINK_MARGIN, dtype=cv2.CV_8U)
    result = np.asarray(low, dtype=np.uint8).reshape(sums.shape)
    near = np.flatnonzero(low != high)
    row, output_of, channel = (np.asarray(i) for i in np.unravel_index(near, sums.shape))
    taps = plan.starts[output_of, None] + np.arange(plan.weights.shape[1])
    samples = levels_of[row[:, None], np.minimum(taps, columns - 1), channel[:, None]]
    exact = np.einsum("ij,ij->i", samples.astype(np.float64), plan.weights[output_of])
    half = 1 << (PILLOW_PRECISION_BITS - 1)
    steps = np.floor((exact + half) / (1 << PILLOW_PRECISION_BITS))
    result.reshape(-1)[near] = np.clip(steps, 0, 255)
    return result if pixels.ndim == 3 else result[:, :, 0]


@functools.lru_cache(maxsize=32)
def _pillow_shrinks_rows_first(shape: tuple[int, ...], size: tuple[int, int]) -> bool:
    """Whether Pillow resizes an image of ``shape`` to ``size`` with its horizontal pass
    first. Pillow 13 runs the vertical pass first when the height shrinks much more than
    the width (python-pillow/Pillow#9549); the order is a property of the sizes alone,
    read from Pillow itself once per size: on a seeded random image its resize equals
    the two passes in one order only."""
    picture = Image.fromarray(np.random.default_rng(0).integers(0, 256, shape, np.uint8))
    both = np.asarray(picture.resize(size))
    orders = ((size[0], shape[0]), (shape[1], size[1]))
    passes = [
        np.asarray(Image.fromarray(np.asarray(picture.resize(o))).resize(size)) for o in orders
    ]
    return bool(np.array_equal(both, passes[0]) and not np.array_equal(both, passes[1]))


def _pillow_shrink(pixels: NDArray[np.uint8], size: tuple[int, int]) -> Image.Image:
    """``Image.fromarray(pixels).resize(size)`` (bicubic, no ``reducing_gap``), bit for
    bit: where Pillow runs its horizontal pass first, that pass by :func:`_shrink_rows`
    (4 ms of Pillow's 5 on a 1024 x 768 RGB image), then Pillow's vertical pass alone
    (Pillow resizes an image of unchanged width in that pass alone, with the weights of
    the full resize)."""
    if size[0] < pixels.shape[1] and _pillow_shrinks_rows_first(pixels.shape, size):
        shrunk = _shrink_rows(pixels, size[0])
        if shrunk is not None:
            return Image.fromarray(shrunk).resize(size)
    return Image.fromarray(pixels).resize(size)


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
    image of the dataset. The shrinking is Pillow's byte for byte (its fixed-point
    bicubic filter; the horizontal pass, 4 of its 5 ms on a 1024 x 768 RGB image, by
    :func:`_shrink_rows` where the ratio is whole, about twice as fast), and so is the
    conversion (Pillow's ``L = (19595 R + 38470 G + 7471 B + 2^15) >> 16``, not
    :func:`gray8`); the edge filter and statistics are computed here as Pillow's
    ``FIND_EDGES`` and ``ImageStat`` do. Pillow's ``reducing_gap`` shortcut would
    change the score (by up to 0.012 on 50 photographs).

    References
    ----------
    cleanvision 0.3.7 (Cleanlab, Apache-2.0),
    ``src/cleanvision/issue_managers/image_property.py`` (``calc_blurriness``,
    ``calc_std_grayscale``, ``BlurrinessProperty.calculate`` and ``get_scores``),
    ``image_property_issue_manager.py`` (default parameters), ``utils/constants.py``.
    """
    pixels = checked_image(image, "image")
    height, width = pixels.shape[:2]
    ratio = max(width, height) / BLUR_MAX_RESOLUTION
    if ratio > 1:
        size = (max(int(width // ratio), 1), max(int(height // ratio), 1))
        picture = _pillow_shrink(pixels, size)
    else:
        picture = Image.fromarray(pixels)
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
