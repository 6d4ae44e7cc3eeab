"""Pillow's bicubic shrink of an image, byte for byte, with its horizontal pass as
matrix products: what cleanvision's blur score (:func:`~imgsim.metrics.noref_detail.blur`)
spends most of its time on.

Pillow (``src/libImaging/Resample.c``) resamples with fixed-point weights of
``PRECISION_BITS`` fraction bits, rounding each output; where the width shrinks by a
whole ratio, every inner output of a row uses the same kernel, so that the pass is a
product of the row's windows with one weight matrix per phase. The float32 products are
exact but for sums near a rounding step, which are summed again exactly in float64.
Pillow keeps the vertical pass, and the whole resize wherever it would resize rows
first or the ratio is not whole.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

PILLOW_PRECISION_BITS = 22
"""Pillow's fixed-point resampling weights: ``PRECISION_BITS = 32 - 8 - 2`` fraction bits."""
SHRINK_MARGIN = 2.0**-9
"""How far from a rounding step :func:`shrink_rows`' float32 sums must be to be rounded
without the exact check: above their error bound, 1.5e-3 (see there)."""
SHRINK_STRIP_ROWS = 32
"""Rows of each strip that :func:`shrink_rows` converts to float32 at a time: in cache,
and each product (512 windows of 1024 columns) small."""


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
    """How :func:`shrink_rows` computes one horizontal pass: the ``inner_count``
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
def row_shrink(columns: int, width: int, channels: int) -> _RowShrink | None:
    """The plan of :func:`shrink_rows` for ``columns`` to ``width``, or None where it
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


def shrink_rows(pixels: NDArray[np.uint8], width: int) -> NDArray[np.uint8] | None:
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
    plan = row_shrink(columns, width, channels)
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
def pillow_shrinks_rows_first(shape: tuple[int, ...], size: tuple[int, int]) -> bool:
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


def pillow_shrink(pixels: NDArray[np.uint8], size: tuple[int, int]) -> Image.Image:
    """``Image.fromarray(pixels).resize(size)`` (bicubic, no ``reducing_gap``), bit for
    bit: where Pillow runs its horizontal pass first, that pass by :func:`shrink_rows`
    (4 ms of Pillow's 5 on a 1024 x 768 RGB image), then Pillow's vertical pass alone
    (Pillow resizes an image of unchanged width in that pass alone, with the weights of
    the full resize)."""
    if size[0] < pixels.shape[1] and pillow_shrinks_rows_first(pixels.shape, size):
        shrunk = shrink_rows(pixels, size[0])
        if shrunk is not None:
            return Image.fromarray(shrunk).resize(size)
    return Image.fromarray(pixels).resize(size)
