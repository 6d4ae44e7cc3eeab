"""Perceptual hashes, bit for bit as imagehash 4.3 computes them.

Each hasher reduces the image with Pillow exactly as imagehash does (``convert("L")``
then a Lanczos resize), so that the same decoded image gives the same bits. They
accept RGB or an already computed luma array. The
bits are returned packed with :func:`numpy.packbits` (row-major, most significant
bit first), which is also the order of imagehash's hex string.

When the pixels are a ``reduced`` decode of a larger file (a DCT-scaled JPEG), the
bits are compared with imagehash's on the full decode, which they cannot equal bit
for bit anyway; the thumbnail is then resampled with the same Lanczos filter as
float32 matrix products (:func:`_lanczos_float`), 4x faster than Pillow, which
recomputes its filter weights on every call. The two thumbnails differ by at most
one grey level, and on 1000 photographs pHash, dHash and wHash stay as close to the
full decode as with Pillow's resize (means 0.23, 0.22 and 0.13 bits, at most 4).

References: N. Krawetz, "Looks Like It" and "Kind of Like That" (hackerfactor.com,
2011, 2013) for aHash, pHash and dHash; the Haar wavelet hash of imagehash.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from imgsim.features.spec import FeatureParams, FeatureSpec
from imgsim.images import luma

Pixels = NDArray[np.uint8]
"""H x W x 3 RGB or H x W luma, ``uint8``."""
_HAAR = np.float64(0.7071067811865476)  # 1/sqrt(2) exactly as PyWavelets stores it

WORK_PIXELS_PER_CELL = 16
"""A JPEG may be DCT-scaled down to 16 pixels per hash cell along each side (128 px for
the default 8x8 hashes). Measured on 400 photographs at 1024x768 (quality 90)
against imagehash on the full decode: pHash, dHash and wHash differ by at most 4
bits, 0.15-0.27 bits on average; at 12 pixels per cell (1/8 scale) pHash differs by
up to 6 bits."""

FULL_DECODE = frozenset({"ahash"})
"""Hashes decoded at full size: aHash thresholds 64 pixels at their mean, and on
photographs with large even areas a DCT-scaled decode moved up to 5 bits (at 1/4
and at 1/2 scale alike)."""


def _gray_thumbnail(image: Pixels, size: tuple[int, int], reduced: bool) -> NDArray[np.uint8]:
    """The luma resized to ``size`` (width, height) with Lanczos: Pillow's, as imagehash
    does, or the same filter in floating point for a ``reduced`` decode."""
    gray = luma(image)
    if reduced:
        return _lanczos_float(gray, size)
    return np.asarray(Image.fromarray(gray).resize(size, Image.Resampling.LANCZOS))


def _lanczos_float(gray: NDArray[np.uint8], size: tuple[int, int]) -> NDArray[np.uint8]:
    """Pillow's Lanczos resize (:func:`_lanczos_bands`) as matrix products in float32."""
    width, height = size
    pixels = gray.astype(np.float32)
    across = _lanczos_bands(pixels.shape[1], width, pixels.shape[0])
    rows = np.concatenate([pixels[:, low:high] @ weights for low, high, weights in across], 1)
    rows = np.clip(np.rint(rows), 0, 255)  # Pillow keeps 8 bits between its two passes
    down = _lanczos_bands(pixels.shape[0], height, width)
    resized: NDArray[np.float32] = np.concatenate(
        [weights.T @ rows[low:high] for low, high, weights in down], 0
    )
    return np.clip(np.rint(resized), 0, 255).astype(np.uint8)


_Bands = tuple[tuple[int, int, NDArray[np.float32]], ...]

_SMALL_PRODUCT = 1 << 18
"""Largest m*n*k of one product in :func:`_lanczos_float`. OpenBLAS computes products up
to this size on the calling thread and wakes its thread pool above it; with one worker
process per core, every worker's BLAS threads then compete for the same cores, which
was measured over 50x slower. The resampling is cut into bands of outputs small enough to
stay below, which also skips the weights outside each band (all zero)."""


@functools.lru_cache(maxsize=256)
def _lanczos_bands(size: int, out_size: int, lines: int) -> _Bands:
    """Lanczos-3 weights from ``size`` to ``out_size`` samples, as Pillow defines them
    (support widened by the scale factor when shrinking, each output's taps normalised
    to sum 1), cut into bands of consecutive outputs for ``lines`` lines at a time:
    ``(first input, end input, weights)`` with ``weights`` of shape (inputs, outputs)."""
    scale = size / out_size
    stretch = max(scale, 1.0)
    support = 3.0 * stretch
    centers = (np.arange(out_size) + 0.5) * scale
    # Truncation toward zero, as Pillow's (int) casts.
    first = np.maximum((centers - support + 0.5).astype(np.int64), 0)
    end = np.minimum((centers + support + 0.5).astype(np.int64), size)
    x = (np.arange(size)[np.newaxis, :] - centers[:, np.newaxis] + 0.5) / stretch
    taps = (np.arange(size) >= first[:, np.newaxis]) & (np.arange(size) < end[:, np.newaxis])
    weights = np.where(taps & (np.abs(x) < 3.0), np.sinc(x) * np.sinc(x / 3.0), 0.0)
    weights /= weights.sum(axis=1, keepdims=True)
    bands = []
    start = 0
    while start < out_size:
        stop = start + 1
        while (
            stop < out_size
            and lines * (end[stop] - first[start]) * (stop + 1 - start) <= _SMALL_PRODUCT
        ):
            stop += 1
        low, high = int(first[start]), int(end[start:stop].max())
        block = np.ascontiguousarray(weights[start:stop, low:high].T, dtype=np.float32)
        bands.append((low, high, block))
        start = stop
    return tuple(bands)


def average_hash(image: Pixels, hash_size: int, reduced: bool = False) -> NDArray[np.uint8]:
    """aHash: the gray ``hash_size`` x ``hash_size`` thumbnail above its mean."""
    pixels = _gray_thumbnail(image, (hash_size, hash_size), reduced)
    return np.packbits(pixels > pixels.mean())


def difference_hash(image: Pixels, hash_size: int, reduced: bool = False) -> NDArray[np.uint8]:
    """dHash: horizontal gradient signs of a (``hash_size`` + 1) x ``hash_size`` thumbnail."""
    pixels = _gray_thumbnail(image, (hash_size + 1, hash_size), reduced)
    return np.packbits(pixels[:, 1:] > pixels[:, :-1])


def perceptual_hash(image: Pixels, hash_size: int, reduced: bool = False) -> NDArray[np.uint8]:
    """pHash: low-frequency 2-D DCT-II coefficients of a 4x-larger thumbnail above their median.

    imagehash takes the DCT from ``scipy.fftpack.dct`` (pocketfft). Only the
    ``hash_size`` x ``hash_size`` low frequencies count, so they are computed here as
    two small matrix products. The bits are the coefficients above the median, that
    is the upper half of them; they equal pocketfft's whenever the gap between the
    two middle coefficients exceeds both computations' rounding error
    (:data:`_DCT_ERROR`). When it does not (near ties: flat, symmetric or tiny
    images), the coefficients are computed with ``scipy.fft.dct`` itself.
    """
    pixels = _gray_thumbnail(image, (4 * hash_size, 4 * hash_size), reduced).astype(np.float64)
    basis = _dct_basis(4 * hash_size, hash_size)
    coefficients = basis @ pixels @ basis.T
    ordered = np.sort(coefficients, axis=None)
    above = (ordered.size + 1) // 2  # index of the lowest coefficient above the median
    # Every coefficient is a sum of pixel * basis * basis terms, |basis| <= 2.
    error = _DCT_ERROR * 4.0 * float(pixels.sum())
    if ordered[above] - ordered[above - 1] > 4.0 * error:
        # The gap is far wider than an ulp: above the median is above ordered[above - 1].
        return np.packbits(coefficients > ordered[above - 1])
    from scipy.fft import dct

    coefficients = dct(dct(pixels, axis=0), axis=1)[:hash_size, :hash_size]
    return np.packbits(coefficients > np.median(coefficients))


_DCT_ERROR = 1e-9
"""Bound on the rounding error of a low DCT coefficient, relative to the sum of its
terms' magnitudes, for both the matrix products and pocketfft. Each coefficient of
the products is two sums of ``4 * hash_size`` terms, so its error stays below about
``8 * hash_size`` float64 roundings (1.4e-14 for 8x8 hashes) plus the cosine table's;
pocketfft's is smaller still. Two results within ``error`` of the exact value differ
by at most ``2 * error``; a gap of over ``4 * error`` between the middle coefficients
therefore puts the same coefficients in the upper half for both."""


@functools.lru_cache(maxsize=8)
def _dct_basis(size: int, rows: int) -> NDArray[np.float64]:
    """The first ``rows`` rows of the DCT-II matrix without normalisation, as
    ``scipy.fft.dct(norm=None)`` defines it: ``2 cos(pi k (2n + 1) / (2 size))``."""
    k = np.arange(rows, dtype=np.float64)[:, np.newaxis]
    n = np.arange(size, dtype=np.float64)[np.newaxis, :]
    return 2.0 * np.cos(np.pi * k * (2.0 * n + 1.0) / (2.0 * size))


def wavelet_hash(image: Pixels, hash_size: int, reduced: bool = False) -> NDArray[np.uint8]:
    """wHash: Haar low band of the mean-removed image, above its median.

    The image is resized to the largest power of two not above its shorter side
    (at least ``hash_size``), its overall mean is removed through a full Haar
    decomposition (the coarsest band set to zero and the image rebuilt), and the
    low band at ``hash_size`` x ``hash_size`` is thresholded at its median.

    That low band is, exactly, the thumbnail's block sums scaled by a positive factor
    less a constant, so the bits are the blocks whose integer sum is in the upper
    half. Computed from the sums, they equal imagehash's whenever the two middle sums
    differ (floating-point rounding there is far below one grey level). When they
    tie, rounding decides which of them imagehash puts above its median, so the
    transform is then computed as PyWavelets does, operation by operation.
    """
    if hash_size & (hash_size - 1):
        raise ValueError(f"hash_size must be a power of 2 for whash, got {hash_size}")
    natural = 2 ** int(np.log2(min(image.shape[:2])))
    scale = max(natural, hash_size)
    max_level = int(np.log2(scale))
    level = max_level - int(np.log2(hash_size))
    thumbnail = _gray_thumbnail(image, (scale, scale), reduced)
    block = scale // hash_size
    sums = thumbnail.reshape(hash_size, block, hash_size, block).sum(axis=(1, 3), dtype=np.int64)
    ordered = np.sort(sums, axis=None)
    half = ordered.size // 2  # hash_size is a power of 2: an even number of sums
    if ordered[half] > ordered[half - 1]:
        return np.packbits(sums > ordered[half - 1])
    pixels = thumbnail / 255.0
    pixels = _haar_remove_mean(pixels, max_level)
    for _ in range(level):
        pixels = _haar_lowpass(pixels)
    return np.packbits(pixels > np.median(pixels))


def _haar_lowpass(x: NDArray[np.float64]) -> NDArray[np.float64]:
    rows = x[0::2] * _HAAR + x[1::2] * _HAAR
    return rows[:, 0::2] * _HAAR + rows[:, 1::2] * _HAAR


def _haar_remove_mean(x: NDArray[np.float64], levels: int) -> NDArray[np.float64]:
    """Decompose fully, zero the coarsest approximation, rebuild (``pywt.waverec2``)."""
    details: list[tuple[NDArray[np.float64], ...]] = []
    approx = x
    for _ in range(levels):
        low = approx[0::2] * _HAAR + approx[1::2] * _HAAR
        high = approx[0::2] * _HAAR - approx[1::2] * _HAAR
        details.append(
            (
                high[:, 0::2] * _HAAR + high[:, 1::2] * _HAAR,
                low[:, 0::2] * _HAAR - low[:, 1::2] * _HAAR,
                high[:, 0::2] * _HAAR - high[:, 1::2] * _HAAR,
            )
        )
        approx = low[:, 0::2] * _HAAR + low[:, 1::2] * _HAAR
    approx = approx * 0.0
    for high_low, low_high, high_high in reversed(details):
        low = _haar_inverse(approx.T, low_high.T).T
        high = _haar_inverse(high_low.T, high_high.T).T
        approx = _haar_inverse(low, high)
    return approx


def _haar_inverse(low: NDArray[np.float64], high: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.empty((low.shape[0] * 2, *low.shape[1:]), dtype=np.float64)
    out[0::2] = low * _HAAR + high * _HAAR
    out[1::2] = low * _HAAR - high * _HAAR
    return out


COLORHASH_BINBITS = 3
"""Bits per fraction of :func:`color_hash`: imagehash's default ``binbits``, fixed."""
_HUE_EDGES = np.linspace(0, 255, 6 + 1)
_HUE_BIN = np.minimum(np.searchsorted(_HUE_EDGES, np.arange(256), side="right") - 1, 5)
"""Hue bin of each 8-bit hue, as ``numpy.histogram(hue, bins=_HUE_EDGES)`` bins it (the
last bin closed)."""
_SATURATION = np.arange(256)[:, np.newaxis]
_COLOUR_BIN = np.where(
    (_SATURATION >= 256 // 3) & (_SATURATION < 256 * 2 // 3),
    _HUE_BIN[np.newaxis, :],
    np.where(_SATURATION > 256 * 2 // 3, 6 + _HUE_BIN[np.newaxis, :], 12),
).astype(np.uint8)
"""Bin of each (saturation, hue) among the 6 faint and 6 bright hue bins; 12 for gray
(saturation below 85) and for saturation 170 (in neither)."""


def color_hash(image: Pixels, binbits: int = COLORHASH_BINBITS) -> NDArray[np.uint8]:
    """Colour hash: 14 fractions of the image, ``binbits`` bits each, as imagehash's
    ``colorhash`` computes them from Pillow's ``convert("L")`` and ``convert("HSV")``.

    The fractions are of black pixels (luma below 32), of gray ones (saturation
    below 85, not black), and of the other pixels in 6 hue bins, once for faint
    colours (saturation below 170) and once for bright ones (above 170; imagehash
    leaves saturation 170 itself in neither), relative to the coloured pixels. Each
    fraction ``f`` becomes ``v = min(2**binbits - 1, int(f * 2**binbits))``, written as
    imagehash writes it: bit ``i`` is ``v // 2**(binbits - 1 - i) % 2**(binbits - i) > 0``.
    """
    picture = Image.fromarray(np.ascontiguousarray(image))
    intensity = luma(image).ravel()
    hsv = np.asarray(picture.convert("HSV")).reshape(-1, 3)
    hue, saturation = hsv[:, 0], hsv[:, 1]
    black = intensity < 256 // 8
    gray = ~black & (saturation < 256 // 3)
    coloured = ~black & (saturation >= 256 // 3)
    category = _COLOUR_BIN.ravel()[saturation.astype(np.intp) * 256 + hue]
    hue_counts = np.bincount(category[~black], minlength=13)[:12].astype(np.float64)
    pixels = intensity.size
    top = 2**binbits
    # The same float64 operations, in the same order, as imagehash's.
    black_gray = np.array([np.count_nonzero(black), np.count_nonzero(gray)]) / pixels * top
    hues = hue_counts * top * 1.0 / max(1, int(np.count_nonzero(coloured)))
    values = np.concatenate([black_gray, hues])
    levels = np.minimum(top - 1, values.astype(np.int64))
    shifts = binbits - 1 - np.arange(binbits)
    bits = (levels[:, np.newaxis] // 2**shifts) % 2 ** (shifts + 1) > 0
    return np.packbits(bits.ravel())


HASHERS: dict[str, Callable[[Pixels, int, bool], NDArray[np.uint8]]] = {
    "ahash": average_hash,
    "dhash": difference_hash,
    "phash": perceptual_hash,
    "whash": wavelet_hash,
}


def work_side(name: str, hash_size: int) -> int | None:
    """Pixels per side a hash needs from the decoder (``None``: the full image).

    See :data:`WORK_PIXELS_PER_CELL` and :data:`FULL_DECODE`. ``whash`` sizes its
    wavelet grid from the decoded image, so a DCT-scaled decode can change the grid;
    at this size the low band it thresholds is the same within the bounds above.
    """
    return None if name in FULL_DECODE else WORK_PIXELS_PER_CELL * hash_size


def _hash_spec(name: str, summary: str, use_when: str) -> FeatureSpec:
    return FeatureSpec(
        name=name,
        kind="hash",
        version=2,
        default_distance="hamming",
        summary=summary,
        use_when=use_when,
        uses=("hash_size",),
        dim=lambda p: p.hash_size * p.hash_size,
        work_side=lambda p: work_side(name, p.hash_size),
        needs_color=False,
        compute=lambda image, p, reduced: HASHERS[name](image, p.hash_size, reduced),
    )


SPECS: tuple[FeatureSpec, ...] = (
    _hash_spec(
        "phash",
        "Perceptual hash (DCT of a 32x32 gray thumbnail).",
        "near-duplicates, robust to resizing and re-encoding",
    ),
    _hash_spec(
        "dhash",
        "Difference hash (gradients of a 9x8 gray thumbnail).",
        "a fast near-duplicate check",
    ),
    _hash_spec(
        "ahash",
        "Average hash (8x8 gray thumbnail above its mean).",
        "exact copies: the crudest hash",
    ),
    _hash_spec(
        "whash",
        "Wavelet hash (Haar low band).",
        "near-duplicates, a little more robust to noise",
    ),
)


SPECS += (
    FeatureSpec(
        name="colorhash",
        kind="hash",
        version=1,
        default_distance="hamming",
        summary=f"Colour hash: the shares of black, gray and 12 hue-and-saturation bins, "
        f"{COLORHASH_BINBITS} bits each.",
        use_when="a coarse colour check that ignores layout, as a 42-bit hash",
        uses=(),
        dim=lambda p: 14 * COLORHASH_BINBITS,
        # Shares of pixels: a DCT-scaled decode would move some, so the full decode.
        work_side=lambda p: None,
        needs_color=True,
        compute=lambda image, p, reduced: color_hash(image),
    ),
)


def check_params(params: FeatureParams) -> None:
    """Refuse a hash size that ``whash`` cannot use, before any work starts."""
    size = params.hash_size
    if size & (size - 1):
        from imgsim.errors import Argument, ArgumentError

        raise ArgumentError(
            f"{{}} must be a power of 2 for whash, got {size}", Argument("hash_size")
        )
