"""Vector-to-vector distances and similarities: their pairwise forms on two matrices.

The records (direction, range, span, near-duplicate fractions) are entries of
:mod:`imgsim.metrics.registry`; :data:`DISTANCES` is its view of the distances.
``cosine``, ``correlation`` and ``intersection`` are similarities, higher is closer;
all others are distances, lower is closer. Computation is in float64. Definitions
follow SciPy (``scipy.spatial.distance``) and OpenCV (``cv2.compareHist``) where those
define the metric.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from imgsim.metrics.records import Distance, NearDuplicate, Span
from imgsim.metrics.registry import DISTANCES, get_distance

if TYPE_CHECKING:
    from imgsim.features import FeatureParams, FeatureSpec

Vector = NDArray[np.generic]
Matrix = NDArray[np.float64]

_BLOCK_BYTES = 64 * 1024 * 1024
"""Scratch memory per block of the broadcast pairwise forms."""


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


def pairwise_sqeuclidean(x: Matrix, y: Matrix) -> Matrix:
    return _blocked(lambda a, b: np.square(a - b).sum(axis=-1))(x, y)


def pairwise_euclidean(x: Matrix, y: Matrix) -> Matrix:
    return np.sqrt(pairwise_sqeuclidean(x, y))


def pairwise_manhattan(x: Matrix, y: Matrix) -> Matrix:
    return _blocked(lambda a, b: np.abs(a - b).sum(axis=-1))(x, y)


def pairwise_chebyshev(x: Matrix, y: Matrix) -> Matrix:
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


def pairwise_cosine(x: Matrix, y: Matrix) -> Matrix:
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


def pairwise_correlation(x: Matrix, y: Matrix) -> Matrix:
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


def pairwise_intersection(x: Matrix, y: Matrix) -> Matrix:
    return _blocked(lambda a, b: np.minimum(a, b).sum(axis=-1))(x, y)


def _of_distributions(
    pairwise: Callable[[Matrix, Matrix], Matrix],
) -> Callable[[Matrix, Matrix], Matrix]:
    """A distance between distributions, NaN (not computed) for each row of ``x`` or
    ``y`` that holds a negative value: square roots and logarithms of probabilities
    have no value there (SciPy's jensenshannon gives NaN or inf, OpenCV's Bhattacharyya
    a number that means nothing). Signed features (hu, sift_vlad, the skew of
    color_moments, glcm's correlation) can hold them."""

    def of_distributions(x: Matrix, y: Matrix) -> Matrix:
        negative_x, negative_y = (x < 0).any(axis=1), (y < 0).any(axis=1)
        if not (negative_x.any() or negative_y.any()):
            return pairwise(x, y)
        with np.errstate(invalid="ignore", divide="ignore"):  # rows that are all 0 now
            result = pairwise(np.maximum(x, 0.0), np.maximum(y, 0.0))
        result[negative_x, :] = np.nan
        result[:, negative_y] = np.nan
        return result

    of_distributions.__doc__ = pairwise.__doc__
    return of_distributions


@_of_distributions
def pairwise_bhattacharyya(x: Matrix, y: Matrix) -> Matrix:
    """OpenCV HISTCMP_BHATTACHARYYA: sqrt(1 - sum(sqrt(a b)) / sqrt(sum(a) sum(b)))."""
    overlap = np.sqrt(x) @ np.sqrt(y).T
    mass = np.outer(x.sum(axis=1), y.sum(axis=1))
    scale = np.where(np.abs(mass) > np.finfo(np.float32).eps, 1.0 / np.sqrt(np.abs(mass)), 1.0)
    return np.asarray(np.sqrt(np.maximum(1.0 - overlap * scale, 0.0)), dtype=np.float64)


@_of_distributions
def pairwise_hellinger(x: Matrix, y: Matrix) -> Matrix:
    """||sqrt(a) - sqrt(b)||_2 / sqrt(2): in [0, 1] for L1-normalised histograms."""
    return np.asarray(pairwise_euclidean(np.sqrt(x), np.sqrt(y)) / np.sqrt(2.0), dtype=np.float64)


def _jensenshannon_kernel(a: Matrix, b: Matrix) -> Matrix:
    """SciPy's definition: sqrt of the JS divergence (natural log) of the normalised vectors."""
    p = a / a.sum(axis=-1, keepdims=True)
    q = b / b.sum(axis=-1, keepdims=True)
    m = (p + q) / 2.0
    # Where (p + q) / 2 underflows to 0 (a subnormal p), SciPy's log(p / m) is inf;
    # log p - log(p + q) + log 2 is the finite value. Elsewhere p / m is kept: it is
    # exactly 1 for equal bins, so that a histogram is at distance 0 from itself.
    with np.errstate(invalid="ignore", divide="ignore"):
        log_m = np.log(p + q) - np.log(2.0)
        log_p = np.where(m > 0, np.log(p / m), np.log(p) - log_m)
        log_q = np.where(m > 0, np.log(q / m), np.log(q) - log_m)
        left = np.where(p > 0, p * log_p, 0.0).sum(axis=-1)
        right = np.where(q > 0, q * log_q, 0.0).sum(axis=-1)
    return np.asarray(np.sqrt(np.maximum((left + right) / 2.0, 0.0)), dtype=np.float64)


_POPCOUNT = np.array([bin(value).count("1") for value in range(256)], dtype=np.uint8)


def pairwise_hamming(x: Matrix, y: Matrix) -> Matrix:
    """Differing bits between packed hashes (rows of uint8 bytes)."""
    a = x.astype(np.uint8)
    b = y.astype(np.uint8)
    out = np.empty((a.shape[0], b.shape[0]), dtype=np.float64)
    step = max(1, _BLOCK_BYTES // max(1, b.size))
    for start in range(0, a.shape[0], step):
        xor = np.bitwise_xor(a[start : start + step, None, :], b[None, :, :])
        out[start : start + step] = _POPCOUNT[xor].sum(axis=-1, dtype=np.int64)
    return out


def pairwise_chi2(x: Matrix, y: Matrix) -> Matrix:
    """Chi-square: ½Σ(a−b)²/(a+b)."""
    return _blocked(_chi2_kernel)(x, y)


@_of_distributions
def pairwise_jensenshannon(x: Matrix, y: Matrix) -> Matrix:
    """SciPy's Jensen-Shannon distance."""
    return _blocked(_jensenshannon_kernel)(x, y)


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
    result: Matrix = metric.pairwise(a, b)
    return result


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


def near_duplicate_threshold(
    distance: str, spec: FeatureSpec, params: FeatureParams
) -> float | None:
    """The default near-duplicate threshold of ``distance`` on feature ``spec``, ``None``
    where there is none (:func:`no_threshold_reason` says why).

    On features whose values lie in [0, 1] (hashes, ``color_hist``, ``thumb``;
    histograms summing to 1), two images are near-duplicates when their distance is
    within a fraction of the largest value the distance can take on that feature's
    values (its :class:`Span`), or their similarity within that fraction of its value
    on identical vectors. The fraction is 1/16 (4 of the 64 bits of a hash) unless
    measurements on real photographs chose another for a distance (its
    :class:`NearDuplicate`; cosine and correlation: at least 0.95; chi2 on histograms:
    0.125). Features with values of other scales have thresholds measured on
    photographs instead (:mod:`imgsim.metrics.near_duplicates`), for some distances only.
    """
    from imgsim.metrics.near_duplicates import MEASURED

    metric = get_distance(distance)
    if spec.name in MEASURED:
        return MEASURED[spec.name].thresholds.get(metric.name)
    span = metric.span.on(spec.kind, spec.dim(params))
    if span is None:
        return None
    fraction = metric.near_duplicate.fraction(spec.kind)
    return span * (1.0 - fraction) if metric.higher_is_closer else span * fraction


def no_threshold_reason(distance: str, spec: FeatureSpec) -> str:
    """Why ``distance`` has no default near-duplicate threshold on ``spec`` (where
    :func:`near_duplicate_threshold` is ``None``)."""
    from imgsim.metrics.near_duplicates import MEASURED

    metric = get_distance(distance)
    if spec.name in MEASURED:
        return MEASURED[spec.name].without
    if metric.feature is not None:
        return "its largest value is the number of segments of the first image"
    return "its value on identical vectors depends on the vector"


__all__ = [
    "DISTANCES",
    "Distance",
    "NearDuplicate",
    "Span",
    "distance",
    "get_distance",
    "near_duplicate_threshold",
    "no_threshold_reason",
    "pairwise",
]
