"""Vector-to-vector distances and similarities: one registry.

Every entry says its direction (``cosine``, ``correlation`` and ``intersection``
are similarities, higher is closer; all others are distances, lower is closer),
its range, a function on one pair, and a batched pairwise form on two matrices.
Computation is in float64. Definitions follow SciPy (``scipy.spatial.distance``)
and OpenCV (``cv2.compareHist``) where those define the metric.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import UsageError

Vector = NDArray[np.generic]
Matrix = NDArray[np.float64]

_BLOCK_BYTES = 64 * 1024 * 1024
"""Scratch memory per block of the broadcast pairwise forms."""


@dataclass(frozen=True)
class Distance:
    """One distance or similarity between feature vectors."""

    name: str
    higher_is_closer: bool
    range: str
    summary: str
    pairwise: Callable[[Matrix, Matrix], Matrix]
    """(n, d) and (m, d) float64 → (n, m)."""
    aliases: tuple[str, ...] = ()
    needs_bits: bool = False
    """Works on packed hash bytes (``hamming``) instead of float vectors."""

    @property
    def direction(self) -> str:
        """``higher`` or ``lower``: which values mean closer."""
        return "higher" if self.higher_is_closer else "lower"


# --------------------------------------------------------------------------- helpers


def _blocked(
    kernel: Callable[[Matrix, Matrix], Matrix],
) -> Callable[[Matrix, Matrix], Matrix]:
    """Apply an (n, 1, d) x (1, m, d) broadcasting kernel in row blocks of bounded memory."""

    def pairwise(x: Matrix, y: Matrix) -> Matrix:
        out = np.empty((x.shape[0], y.shape[0]), dtype=np.float64)
        per_row = max(1, y.shape[0] * max(1, x.shape[1]) * 8)
        step = max(1, _BLOCK_BYTES // per_row)
        for start in range(0, x.shape[0], step):
            out[start : start + step] = kernel(x[start : start + step, None, :], y[None, :, :])
        return out

    return pairwise


def _sq_euclidean(x: Matrix, y: Matrix) -> Matrix:
    return _blocked(lambda a, b: np.square(a - b).sum(axis=-1))(x, y)


def _euclidean(x: Matrix, y: Matrix) -> Matrix:
    return np.sqrt(_sq_euclidean(x, y))


def _manhattan(x: Matrix, y: Matrix) -> Matrix:
    return _blocked(lambda a, b: np.abs(a - b).sum(axis=-1))(x, y)


def _chebyshev(x: Matrix, y: Matrix) -> Matrix:
    if x.shape[1] == 0:
        return np.zeros((x.shape[0], y.shape[0]))
    return _blocked(lambda a, b: np.abs(a - b).max(axis=-1))(x, y)


_CONSTANT_SPREAD = 1e-12
"""A vector whose values spread less than this, relative to their size, is constant."""


def _unit_peak_rows(x: Matrix) -> Matrix:
    """Rows divided by their largest magnitude (zero rows stay zero).

    Cosine and correlation do not change, and their sums of squares can then
    neither underflow nor overflow, whatever the scale of the vectors.
    """
    peak = np.abs(x).max(axis=1, keepdims=True) if x.shape[1] else np.ones((x.shape[0], 1))
    return np.asarray(x / np.where(peak > 0, peak, 1.0), dtype=np.float64)


def _cosine(x: Matrix, y: Matrix) -> Matrix:
    """u·v / (|u| |v|); 0 when either vector is all zeros (it has no direction)."""
    x, y = _unit_peak_rows(x), _unit_peak_rows(y)
    norm_x = np.linalg.norm(x, axis=1)
    norm_y = np.linalg.norm(y, axis=1)
    denominator = np.outer(norm_x, norm_y)
    dots = x @ y.T
    with np.errstate(invalid="ignore", divide="ignore"):
        similarity = np.where(denominator > 0, dots / denominator, 0.0)
    return np.clip(similarity, -1.0, 1.0)


def _centred_rows(x: Matrix) -> Matrix:
    """Rows minus their mean, scaled to a peak of 1; constant rows become zero."""
    x = _unit_peak_rows(x)
    centred = _unit_peak_rows(x - x.mean(axis=1, keepdims=True))
    spread = (x.max(axis=1) - x.min(axis=1)) if x.shape[1] else np.zeros(x.shape[0])
    return np.where((spread > _CONSTANT_SPREAD)[:, None], centred, 0.0)


def _correlation(x: Matrix, y: Matrix) -> Matrix:
    """OpenCV HISTCMP_CORREL: Pearson correlation; 1 when either vector is constant.

    Unlike OpenCV, which calls a pair constant when the product of its variances is
    below 2.2e-16 (so [0, 0.01] and [1e-6, 0] would correlate perfectly), "constant"
    is relative to the size of the values: the result does not depend on their scale.
    """
    xc, yc = _centred_rows(x), _centred_rows(y)
    denominator = np.outer(np.linalg.norm(xc, axis=1), np.linalg.norm(yc, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.where(denominator > 0, (xc @ yc.T) / denominator, 1.0)
    return np.clip(result, -1.0, 1.0)


def _chi2_kernel(a: Matrix, b: Matrix) -> Matrix:
    total = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(total != 0, np.square(a - b) / total, 0.0)
    return np.asarray(0.5 * terms.sum(axis=-1), dtype=np.float64)


def _intersection(x: Matrix, y: Matrix) -> Matrix:
    return _blocked(lambda a, b: np.minimum(a, b).sum(axis=-1))(x, y)


def _bhattacharyya(x: Matrix, y: Matrix) -> Matrix:
    """OpenCV HISTCMP_BHATTACHARYYA: sqrt(1 - sum(sqrt(a b)) / sqrt(sum(a) sum(b)))."""
    overlap = np.sqrt(x) @ np.sqrt(y).T
    mass = np.outer(x.sum(axis=1), y.sum(axis=1))
    scale = np.where(np.abs(mass) > np.finfo(np.float32).eps, 1.0 / np.sqrt(np.abs(mass)), 1.0)
    return np.asarray(np.sqrt(np.maximum(1.0 - overlap * scale, 0.0)), dtype=np.float64)


def _hellinger(x: Matrix, y: Matrix) -> Matrix:
    """||sqrt(a) - sqrt(b)||_2 / sqrt(2): in [0, 1] for L1-normalised histograms."""
    return np.asarray(_euclidean(np.sqrt(x), np.sqrt(y)) / np.sqrt(2.0), dtype=np.float64)


def _jensenshannon_kernel(a: Matrix, b: Matrix) -> Matrix:
    """SciPy's definition: sqrt of the JS divergence (natural log) of the normalised vectors."""
    p = a / a.sum(axis=-1, keepdims=True)
    q = b / b.sum(axis=-1, keepdims=True)
    m = (p + q) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        left = np.where(p > 0, p * np.log(p / m), 0.0).sum(axis=-1)
        right = np.where(q > 0, q * np.log(q / m), 0.0).sum(axis=-1)
    return np.asarray(np.sqrt(np.maximum((left + right) / 2.0, 0.0)), dtype=np.float64)


_POPCOUNT = np.array([bin(value).count("1") for value in range(256)], dtype=np.uint8)


def _hamming(x: Matrix, y: Matrix) -> Matrix:
    """Differing bits between packed hashes (rows of uint8 bytes)."""
    a = x.astype(np.uint8)
    b = y.astype(np.uint8)
    out = np.empty((a.shape[0], b.shape[0]), dtype=np.float64)
    step = max(1, _BLOCK_BYTES // max(1, b.size))
    for start in range(0, a.shape[0], step):
        xor = np.bitwise_xor(a[start : start + step, None, :], b[None, :, :])
        out[start : start + step] = _POPCOUNT[xor].sum(axis=-1, dtype=np.int64)
    return out


DISTANCES: dict[str, Distance] = {
    d.name: d
    for d in (
        Distance("euclidean", False, "[0, inf)", "L2 distance.", _euclidean),
        Distance("sqeuclidean", False, "[0, inf)", "Squared L2 distance.", _sq_euclidean),
        Distance("manhattan", False, "[0, inf)", "L1 distance.", _manhattan, ("cityblock",)),
        Distance("chebyshev", False, "[0, inf)", "Largest coordinate difference.", _chebyshev),
        Distance("cosine", True, "[-1, 1]", "Cosine similarity (1: same direction).", _cosine),
        Distance(
            "correlation", True, "[-1, 1]", "Pearson correlation (OpenCV HISTCMP_CORREL).",
            _correlation,
        ),
        Distance(
            "chi2", False, "[0, 1] on histograms", "Chi-square: ½Σ(a−b)²/(a+b).",
            _blocked(_chi2_kernel),
        ),
        Distance(
            "intersection", True, "[0, 1] on histograms", "Histogram intersection Σmin(a,b).",
            _intersection,
        ),
        Distance(
            "bhattacharyya", False, "[0, 1]", "Bhattacharyya (OpenCV HISTCMP_BHATTACHARYYA).",
            _bhattacharyya,
        ),
        Distance("hellinger", False, "[0, 1] on histograms", "Hellinger distance.", _hellinger),
        Distance(
            "jensenshannon", False, "[0, sqrt(ln 2)]", "Jensen-Shannon distance (SciPy).",
            _blocked(_jensenshannon_kernel),
        ),
        Distance(
            "hamming", False, "[0, bits]", "Differing bits of perceptual hashes.", _hamming,
            needs_bits=True,
        ),
    )
}  # fmt: skip

_ALIASES = {alias: d.name for d in DISTANCES.values() for alias in d.aliases}


def get_distance(name: str) -> Distance:
    """A distance by name or alias; an unknown name lists the valid ones."""
    key = _ALIASES.get(name, name)
    if key not in DISTANCES:
        valid = ", ".join([*DISTANCES, *_ALIASES])
        raise UsageError(f"unknown distance {name!r}; valid distances: {valid}")
    return DISTANCES[key]


def _as_matrix(values: object, argument: str, bits: bool) -> NDArray[np.generic]:
    array = np.asarray(values)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise ValueError(f"{argument} must be a vector or a 2-D matrix, got shape {array.shape}")
    if bits:
        if array.dtype != np.uint8:
            raise ValueError(f"{argument} must hold packed hash bytes (uint8), got {array.dtype}")
        return array
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise ValueError(f"{argument} must be real numbers, got dtype {array.dtype}")
    return array.astype(np.float64, copy=False)


def pairwise(name: str, x: object, y: object) -> Matrix:
    """All distances between rows of ``x`` (n, d) and rows of ``y`` (m, d): (n, m) float64."""
    metric = get_distance(name)
    a = _as_matrix(x, "x", metric.needs_bits)
    b = _as_matrix(y, "y", metric.needs_bits)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"x and y must have the same number of columns, got {a.shape[1]} and {b.shape[1]}"
        )
    return metric.pairwise(a, b)  # type: ignore[arg-type]


def distance(name: str, u: object, v: object) -> float:
    """The distance (or similarity) ``name`` between two vectors."""
    metric = get_distance(name)
    a = np.asarray(u)
    b = np.asarray(v)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"u and v must be 1-D vectors, got shapes {a.shape} and {b.shape}")
    if a.shape != b.shape:
        raise ValueError(f"u and v must have the same length, got {a.size} and {b.size}")
    return float(pairwise(metric.name, a, b)[0, 0])
